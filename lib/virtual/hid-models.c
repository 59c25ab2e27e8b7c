/* hid-models.c — virtual HID devices that produce input by themselves, so
 * that `devdrv hid` shows something without hardware:
 *   "keyboard"  a boot keyboard (HID 1.11 Appendix B.1 report format) that
 *               types "hello world" and Enter, over and over; its LEDs are an
 *               output report set with SET_REPORT (it has no OUT endpoint).
 *   "mouse"     a mouse with report IDs: input report 1 (3 buttons, X, Y,
 *               wheel) tracing a square, and feature report 2 (a resolution
 *               multiplier, as Windows' high-resolution wheel uses).
 * Both answer GET_DESCRIPTOR for their HID and report descriptors and the
 * HID class requests (SET/GET_IDLE, SET/GET_PROTOCOL, SET/GET_REPORT). */
#include "vmodel.h"

#include <string.h>

#define HID_DT_HID 0x21
#define HID_DT_REPORT 0x22
#define HID_GET_REPORT 0x01
#define HID_GET_IDLE 0x02
#define HID_GET_PROTOCOL 0x03
#define HID_SET_REPORT 0x09
#define HID_SET_IDLE 0x0a
#define HID_SET_PROTOCOL 0x0b
#define REPORT_OUTPUT 2
#define REPORT_FEATURE 3

/* ---- what both share ------------------------------------------------------------ */

struct hid_model_state {
	uint8_t idle, protocol; /* protocol 1: report (the default), 0: boot */
	uint8_t leds;           /* keyboard output report */
	uint8_t multiplier;     /* mouse feature report 2 */
	unsigned step;          /* position in the scripted input */
};

static int reply(struct devdrv_transfer *t, const void *data, size_t len)
{
	size_t n = len < t->length ? len : t->length;

	if (n)
		memcpy(t->buffer, data, n);
	return (int)n;
}

/* The HID descriptor (HID 1.11, 6.2.1) inside @config, found by type. */
static const uint8_t *hid_descriptor(const uint8_t *config, size_t len)
{
	size_t off = 0;

	return devdrv_desc_next(config, len, &off, HID_DT_HID);
}

/* Requests every HID model answers the same way; -1 when it is not one. */
static int common_request(struct devdrv_vdev *d, struct devdrv_transfer *t, const uint8_t *config,
                          size_t config_len, const uint8_t *report_desc, size_t report_len)
{
	struct hid_model_state *s = devdrv_vdev_state(d);
	uint8_t type = t->setup.request_type, req = t->setup.request;

	if (type == 0x81 && req == 0x06 && t->setup.value == HID_DT_REPORT << 8)
		return reply(t, report_desc, report_len);
	if (type == 0x81 && req == 0x06 && t->setup.value == HID_DT_HID << 8) {
		const uint8_t *hid = hid_descriptor(config, config_len);

		return hid ? reply(t, hid, hid[0]) : DEVDRV_E_PIPE;
	}
	if (type == 0x21 && req == HID_SET_IDLE)
		return s->idle = (uint8_t)(t->setup.value >> 8), 0;
	if (type == 0xa1 && req == HID_GET_IDLE)
		return reply(t, &s->idle, 1);
	if (type == 0x21 && req == HID_SET_PROTOCOL)
		return t->setup.value <= 1 ? (s->protocol = (uint8_t)t->setup.value, 0) : DEVDRV_E_PIPE;
	if (type == 0xa1 && req == HID_GET_PROTOCOL)
		return reply(t, &s->protocol, 1);
	return -1;
}

/* ---- keyboard ----------------------------------------------------------------------- */

static const uint8_t keyboard_device_desc[18] = {
	18, 1, 0x00, 0x02, 0x00, 0x00, 0x00, 64, 0x09, 0x12, 0x04, 0x00, 0x00, 0x01, 1, 2, 0, 1,
};

/* The boot keyboard report: modifiers, reserved, 6 key codes; output: 5 LEDs. */
static const uint8_t keyboard_report_desc[] = {
	0x05, 0x01, 0x09, 0x06, 0xa1, 0x01,             /* Generic Desktop, Keyboard, Application */
	0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7,             /* modifiers Left Control..Right GUI */
	0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08, 0x81, 0x02,
	0x95, 0x01, 0x75, 0x08, 0x81, 0x01,             /* reserved byte */
	0x95, 0x05, 0x75, 0x01, 0x05, 0x08, 0x19, 0x01, 0x29, 0x05, 0x91, 0x02, /* LEDs */
	0x95, 0x01, 0x75, 0x03, 0x91, 0x01,             /* LED padding */
	0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x25, 0x65, /* 6 keys, array */
	0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00,
	0xc0,
};

static const uint8_t keyboard_config_desc[34] = {
	9, 2, 34, 0, 1, 1, 0, 0xa0, 50,                  /* remote wakeup */
	9, 4, 0, 0, 1, 0x03, 0x01, 0x01, 0,              /* HID, boot, keyboard */
	9, HID_DT_HID, 0x11, 0x01, 0, 1, HID_DT_REPORT, sizeof(keyboard_report_desc), 0,
	7, 5, 0x81, 0x03, 8, 0, 10,                      /* interrupt IN, 8 bytes, 10 ms */
};

static const char *const keyboard_strings[] = { NULL, "libdevdrv", "Virtual Keyboard" };

/* "hello world" and Enter as usage IDs, each pressed then released. */
static const uint8_t typed[] = { 0x0b, 0x08, 0x0f, 0x0f, 0x12, 0x2c, 0x1a, 0x12, 0x15, 0x0f, 0x07, 0x28 };

static int keyboard_control(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct hid_model_state *s = devdrv_vdev_state(d);
	int rc = common_request(d, t, keyboard_config_desc, sizeof(keyboard_config_desc), keyboard_report_desc,
	                        sizeof(keyboard_report_desc));

	if (rc != -1)
		return rc;
	if (t->setup.request_type == 0x21 && t->setup.request == HID_SET_REPORT &&
	    t->setup.value == REPORT_OUTPUT << 8 && t->length == 1)
		return s->leds = t->buffer[0], 1;
	return DEVDRV_E_PIPE;
}

static int keyboard_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct hid_model_state *s = devdrv_vdev_state(d);
	uint8_t report[8] = { 0 };
	unsigned key = s->step / 2 % sizeof(typed);

	if (s->step++ % 2 == 0) /* press; the next report releases */
		report[2] = typed[key];
	return t->actual_length = (size_t)reply(t, report, sizeof(report)), 1;
}

static const struct devdrv_vmodel keyboard_model = {
	.name = "keyboard",
	.device_desc = keyboard_device_desc,
	.config_desc = keyboard_config_desc,
	.strings = keyboard_strings,
	.num_strings = 3,
	.speed = DEVDRV_SPEED_FULL,
	.state_size = sizeof(struct hid_model_state),
	.control = keyboard_control,
	.service = keyboard_service,
};
DD_VMODEL_REGISTER(keyboard_model);

/* ---- mouse ---------------------------------------------------------------------------- */

static const uint8_t mouse_device_desc[18] = {
	18, 1, 0x00, 0x02, 0x00, 0x00, 0x00, 64, 0x09, 0x12, 0x05, 0x00, 0x00, 0x01, 1, 2, 0, 1,
};

static const uint8_t mouse_report_desc[] = {
	0x05, 0x01, 0x09, 0x02, 0xa1, 0x01,             /* Generic Desktop, Mouse, Application */
	0x85, 0x01, 0x09, 0x01, 0xa1, 0x00,             /* report 1: Pointer, Physical */
	0x05, 0x09, 0x19, 0x01, 0x29, 0x03,             /* Buttons 1-3 */
	0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02,
	0x95, 0x01, 0x75, 0x05, 0x81, 0x03,             /* padding */
	0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x09, 0x38, /* X, Y, Wheel */
	0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x03, 0x81, 0x06, /* -127..127, relative */
	0xc0,
	0x85, 0x02, 0x09, 0x48,                         /* report 2: Resolution Multiplier */
	0x15, 0x00, 0x25, 0x01, 0x35, 0x01, 0x45, 0x04, 0x75, 0x02, 0x95, 0x01, 0xb1, 0x02,
	0x75, 0x06, 0xb1, 0x03,                         /* padding */
	0xc0,
};

static const uint8_t mouse_config_desc[34] = {
	9, 2, 34, 0, 1, 1, 0, 0xa0, 50,
	9, 4, 0, 0, 1, 0x03, 0x00, 0x00, 0,              /* HID, not boot */
	9, HID_DT_HID, 0x11, 0x01, 0, 1, HID_DT_REPORT, sizeof(mouse_report_desc), 0,
	7, 5, 0x81, 0x03, 8, 0, 10,
};

static const char *const mouse_strings[] = { NULL, "libdevdrv", "Virtual Mouse" };

static int mouse_control(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct hid_model_state *s = devdrv_vdev_state(d);
	int rc = common_request(d, t, mouse_config_desc, sizeof(mouse_config_desc), mouse_report_desc,
	                        sizeof(mouse_report_desc));
	uint8_t feature[2] = { 2, s->multiplier };

	if (rc != -1)
		return rc;
	if (t->setup.value != (REPORT_FEATURE << 8 | 2))
		return DEVDRV_E_PIPE;
	if (t->setup.request_type == 0xa1 && t->setup.request == HID_GET_REPORT)
		return reply(t, feature, sizeof(feature));
	if (t->setup.request_type == 0x21 && t->setup.request == HID_SET_REPORT && t->length == 2 &&
	    t->buffer[0] == 2 && t->buffer[1] <= 1)
		return s->multiplier = t->buffer[1], 2;
	return DEVDRV_E_PIPE;
}

/* Around a square, 5 units a step, button 1 down on every eighth report. */
static int mouse_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	static const int8_t dx[4] = { 5, 0, -5, 0 }, dy[4] = { 0, 5, 0, -5 };
	struct hid_model_state *s = devdrv_vdev_state(d);
	unsigned side = s->step / 4 % 4;
	uint8_t report[5] = { 1, s->step % 8 == 7 ? 1 : 0, (uint8_t)dx[side], (uint8_t)dy[side], 0 };

	s->step++;
	return t->actual_length = (size_t)reply(t, report, sizeof(report)), 1;
}

static const struct devdrv_vmodel mouse_model = {
	.name = "mouse",
	.device_desc = mouse_device_desc,
	.config_desc = mouse_config_desc,
	.strings = mouse_strings,
	.num_strings = 3,
	.speed = DEVDRV_SPEED_FULL,
	.state_size = sizeof(struct hid_model_state),
	.control = mouse_control,
	.service = mouse_service,
};
DD_VMODEL_REGISTER(mouse_model);
