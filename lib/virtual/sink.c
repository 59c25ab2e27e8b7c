/* sink.c — virtual device model with a single bulk OUT endpoint that accepts
 * and discards everything: a device with nothing to read. */
#include "vmodel.h"

static const uint8_t sink_device_desc[18] = {
	18, 1, 0x00, 0x02, 0xff, 0x00, 0x00, 64, 0x09, 0x12, 0x03, 0x00, 0x00, 0x01, 1, 2, 0, 1,
};

static const uint8_t sink_config_desc[25] = {
	9, 2, 25, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 1, 0xff, 0x00, 0x00, 0,
	7, 5, 0x02, 0x02, 0x00, 0x02, 0, /* bulk OUT 0x02, 512 bytes */
};

static const char *const sink_strings[] = { NULL, "libdevdrv", "Virtual Sink" };

static int sink_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	(void)d;
	t->actual_length = t->length;
	return 1;
}

static const struct devdrv_vmodel sink_model = {
	.name = "sink",
	.device_desc = sink_device_desc,
	.config_desc = sink_config_desc,
	.strings = sink_strings,
	.num_strings = 3,
	.speed = DEVDRV_SPEED_HIGH,
	.service = sink_service,
};
DD_VMODEL_REGISTER(sink_model);
