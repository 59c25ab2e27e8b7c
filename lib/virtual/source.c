/* source.c — virtual device model that produces data by itself: bulk IN
 * 0x81 fills every transfer with a little-endian 32-bit counter that goes on
 * from one transfer to the next (0, 1, 2, ...), so a reader can check that
 * nothing was lost, repeated or reordered. A device that always has data, as
 * gadget zero's source and a logic analyser have. */
#include "vmodel.h"


static const uint8_t source_device_desc[18] = {
	18, 1, 0x00, 0x02, 0xff, 0x00, 0x00, 64, 0x09, 0x12, 0x0b, 0x00, 0x00, 0x01, 1, 2, 0, 1,
};

static const uint8_t source_config_desc[25] = {
	9, 2, 25, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 1, 0xff, 0x00, 0x00, 0,
	7, 5, 0x81, 0x02, 0x00, 0x02, 0, /* bulk IN 0x81, 512 bytes */
};

static const char *const source_strings[] = { NULL, "libdevdrv", "Virtual Source" };

struct source {
	uint32_t next;   /* the next counter value */
	unsigned offset; /* bytes of it already sent (transfers need not be multiples of 4) */
};

static int source_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct source *s = devdrv_vdev_state(d);

	for (size_t i = 0; i < t->length; i++) {
		t->buffer[i] = (uint8_t)(s->next >> (8 * s->offset));
		if (++s->offset == 4) {
			s->offset = 0;
			s->next++;
		}
	}
	t->actual_length = t->length;
	return 1;
}

static const struct devdrv_vmodel source_model = {
	.name = "source",
	.device_desc = source_device_desc,
	.config_desc = source_config_desc,
	.strings = source_strings,
	.num_strings = 3,
	.speed = DEVDRV_SPEED_HIGH,
	.state_size = sizeof(struct source),
	.service = source_service,
};
DD_VMODEL_REGISTER(source_model);
