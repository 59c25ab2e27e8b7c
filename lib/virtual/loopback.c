/* loopback.c — virtual device model: bulk OUT 0x01 feeds a 64 KiB FIFO that
 * bulk IN 0x81 drains; vendor requests 0x01/0x02 write/read a scratch
 * register. Uses the pid.codes test IDs (1209:0001). */
#include "fifo.h"
#include "vmodel.h"

#include <string.h>

#define SCRATCH_SIZE 64

static const uint8_t loopback_device_desc[18] = {
	18, 1, 0x00, 0x02, 0xff, 0x00, 0x00, 64, 0x09, 0x12, 0x01, 0x00, 0x00, 0x01, 1, 2, 3, 1,
};

static const uint8_t loopback_config_desc[32] = {
	9, 2, 32, 0, 1, 1, 0, 0x80, 50,           /* configuration 1, 100 mA */
	9, 4, 0, 0, 2, 0xff, 0x00, 0x00, 0,       /* interface 0, vendor class */
	7, 5, 0x01, 0x02, 0x00, 0x02, 0,          /* bulk OUT 0x01, 512 bytes */
	7, 5, 0x81, 0x02, 0x00, 0x02, 0,          /* bulk IN 0x81, 512 bytes */
};

static const char *const loopback_strings[] = { NULL, "libdevdrv", "Virtual Loopback", "LOOP0001" };

struct loopback {
	struct vfifo fifo;
	uint8_t scratch[SCRATCH_SIZE];
	size_t scratch_len;
};

static int loopback_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct loopback *lb = devdrv_vdev_state(d);

	if (!(t->endpoint & 0x80)) { /* OUT: accept what fits, NAK the rest */
		t->actual_length += vfifo_put(&lb->fifo, t->buffer + t->actual_length,
		                              t->length - t->actual_length);
		return t->actual_length == t->length;
	}
	if (!lb->fifo.count && t->length)
		return 0;
	t->actual_length = vfifo_get(&lb->fifo, t->buffer, t->length);
	return 1;
}

static int loopback_control(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct loopback *lb = devdrv_vdev_state(d);

	if (t->setup.request_type == 0x40 && t->setup.request == 0x01) {
		if (t->length > SCRATCH_SIZE)
			return DEVDRV_E_PIPE;
		if (t->length)
			memcpy(lb->scratch, t->buffer, t->length);
		lb->scratch_len = t->length;
		return (int)t->length;
	}
	if (t->setup.request_type == 0xc0 && t->setup.request == 0x02) {
		size_t n = lb->scratch_len < t->length ? lb->scratch_len : t->length;

		if (n)
			memcpy(t->buffer, lb->scratch, n);
		return (int)n;
	}
	return DEVDRV_E_PIPE;
}

static const struct devdrv_vmodel loopback_model = {
	.name = "loopback",
	.device_desc = loopback_device_desc,
	.config_desc = loopback_config_desc,
	.strings = loopback_strings,
	.num_strings = 4,
	.speed = DEVDRV_SPEED_HIGH,
	.state_size = sizeof(struct loopback),
	.control = loopback_control,
	.service = loopback_service,
};
DD_VMODEL_REGISTER(loopback_model);

/* The same loopback behind alternate settings, as CDC data interfaces, audio
 * and video have them: setting 0 has no endpoints, setting 1 the bulk pair. */
static const uint8_t alt_loopback_device_desc[18] = {
	18, 1, 0x00, 0x02, 0xff, 0x00, 0x00, 64, 0x09, 0x12, 0x03, 0x00, 0x00, 0x01, 1, 2, 3, 1,
};

static const uint8_t alt_loopback_config_desc[41] = {
	9, 2, 41, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 0, 0xff, 0x00, 0x00, 4,       /* interface 0 alt 0: idle */
	9, 4, 0, 1, 2, 0xff, 0x00, 0x00, 5,       /* interface 0 alt 1: streaming */
	7, 5, 0x01, 0x02, 0x00, 0x02, 0,
	7, 5, 0x81, 0x02, 0x00, 0x02, 0,
};

static const char *const alt_loopback_strings[] = { NULL, "libdevdrv", "Virtual Loopback (alt settings)",
	                                            "LOOP0002", "idle", "loopback" };

static const struct devdrv_vmodel alt_loopback_model = {
	.name = "alt-loopback",
	.device_desc = alt_loopback_device_desc,
	.config_desc = alt_loopback_config_desc,
	.strings = alt_loopback_strings,
	.num_strings = 6,
	.speed = DEVDRV_SPEED_HIGH,
	.state_size = sizeof(struct loopback),
	.control = loopback_control,
	.service = loopback_service,
};
DD_VMODEL_REGISTER(alt_loopback_model);
