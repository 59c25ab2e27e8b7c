/* button.c — virtual device model with an interrupt IN endpoint: a vendor
 * request "presses" the button, and each press arrives as a 2-byte report
 * {sequence, value}. Nothing pressed, nothing sent: reads time out. */
#include "vmodel.h"

#define MAX_PRESSES 16

static const uint8_t button_device_desc[18] = {
	18, 1, 0x00, 0x02, 0xff, 0x00, 0x00, 64, 0x09, 0x12, 0x02, 0x00, 0x00, 0x01, 1, 2, 0, 1,
};

static const uint8_t button_config_desc[25] = {
	9, 2, 25, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 1, 0xff, 0x00, 0x00, 0,
	7, 5, 0x81, 0x03, 8, 0, 10, /* interrupt IN 0x81, 8 bytes, every 10 ms */
};

static const char *const button_strings[] = { NULL, "libdevdrv", "Virtual Button" };

struct button {
	uint8_t presses[MAX_PRESSES];
	unsigned count;
	uint8_t sequence;
};

static int button_control(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct button *b = devdrv_vdev_state(d);

	if (t->setup.request_type != 0x40 || t->setup.request != 0x01 || b->count == MAX_PRESSES)
		return DEVDRV_E_PIPE;
	b->presses[b->count++] = (uint8_t)t->setup.value;
	return 0;
}

static int button_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct button *b = devdrv_vdev_state(d);
	uint8_t report[2];
	size_t n;

	if (!b->count)
		return 0;
	report[0] = b->sequence++;
	report[1] = b->presses[0];
	for (unsigned i = 1; i < b->count; i++)
		b->presses[i - 1] = b->presses[i];
	b->count--;
	n = t->length < sizeof(report) ? t->length : sizeof(report);
	for (size_t i = 0; i < n; i++)
		t->buffer[i] = report[i];
	t->actual_length = n;
	return 1;
}

static const struct devdrv_vmodel button_model = {
	.name = "button",
	.device_desc = button_device_desc,
	.config_desc = button_config_desc,
	.strings = button_strings,
	.num_strings = 3,
	.speed = DEVDRV_SPEED_FULL,
	.state_size = sizeof(struct button),
	.control = button_control,
	.service = button_service,
};
DD_VMODEL_REGISTER(button_model);
