/* hostile.c — virtual devices that break the rules, for the hostile-device
 * suite and for anyone testing how their program copes: lying descriptors,
 * escape sequences in strings, endpoints that NAK forever, babble, and a
 * status endpoint that never stops talking. Vendor ID 1209 (pid.codes),
 * product IDs 0xbad0-0xbad8. */
#include "vmodel.h"

#include <string.h>

#define HOSTILE_DEVICE(pid_lo, nstrings)                                                           \
	{ 18, 1, 0x00, 0x02, 0xff, 0x00, 0x00, 64, 0x09, 0x12, (pid_lo), 0xba, 0x00, 0x01,             \
	  (nstrings) > 1 ? 1 : 0, (nstrings) > 2 ? 2 : 0, (nstrings) > 3 ? 3 : 0, 1 }

/* Their models differ only in these; none keeps state. */
#define HOSTILE_MODEL(var, model_name, dev, cfg, cfg_size, str, nstr, spd, ctl, svc)                \
	static const struct devdrv_vmodel var = {                                                        \
		.name = model_name, .device_desc = dev, .config_desc = cfg, .config_size = cfg_size,   \
		.strings = str, .num_strings = nstr, .speed = spd, .control = ctl, .service = svc,     \
	};                                                                                           \
	DD_VMODEL_REGISTER(var)

/* One vendor interface with bulk OUT 0x01 and bulk IN 0x81. */
static const uint8_t bulk_pair_config[32] = {
	9, 2, 32, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 2, 0xff, 0x00, 0x00, 0,
	7, 5, 0x01, 0x02, 0x00, 0x02, 0,
	7, 5, 0x81, 0x02, 0x00, 0x02, 0,
};

static const char *const plain_strings[] = { NULL, "libdevdrv", "Hostile device" };

/* ---- strings that would drive a terminal --------------------------------- */

static const uint8_t strings_device[18] = HOSTILE_DEVICE(0xd0, 4);
static const char *const escape_strings[] = {
	NULL,
	"Evil\x1b[2J\x07 Corp",            /* clear screen, bell */
	"\x1b]0;owned\x07Product\x7f",     /* set the window title, DEL */
	"SER\r\nIAL\xc2\x9b" "31m\xff",    /* CR LF, a C1 CSI, a byte that is not UTF-8 */
};

static int never_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	(void)d;
	(void)t;
	return 0; /* NAK forever: only the caller's timeout ends it */
}

HOSTILE_MODEL(strings_model, "hostile-strings", strings_device, bulk_pair_config, 0,
              escape_strings, 4, DEVDRV_SPEED_HIGH, NULL, never_service);

/* ---- endpoints that NAK forever ---------------------------------------------- */

static const uint8_t nak_device[18] = HOSTILE_DEVICE(0xd1, 3);

HOSTILE_MODEL(nak_model, "hostile-nak", nak_device, bulk_pair_config, 0,
              plain_strings, 3, DEVDRV_SPEED_HIGH, NULL, never_service);

/* ---- babble: 64-byte reports on an 8-byte interrupt endpoint ------------------ */

#define BABBLE_REPORT 64

static const uint8_t babble_device[18] = HOSTILE_DEVICE(0xd2, 3);
static const uint8_t babble_config[25] = {
	9, 2, 25, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 1, 0xff, 0x00, 0x00, 0,
	7, 5, 0x81, 0x03, 8, 0, 10, /* declares 8 bytes */
};

static int babble_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	(void)d;
	if (t->length < BABBLE_REPORT)
		return DEVDRV_E_OVERFLOW; /* what a host controller reports for babble */
	memset(t->buffer, 0xbb, BABBLE_REPORT);
	t->actual_length = BABBLE_REPORT;
	return 1;
}

HOSTILE_MODEL(babble_model, "hostile-babble", babble_device, babble_config, 0,
              plain_strings, 3, DEVDRV_SPEED_FULL, NULL, babble_service);

/* ---- a CDC-ACM port whose notification endpoint floods ------------------------ */

static const uint8_t flood_device[18] = {
	18, 1, 0x00, 0x02, 0xef, 0x02, 0x01, 64, 0x09, 0x12, 0xd3, 0xba, 0x00, 0x01, 1, 2, 0, 1,
};
static const uint8_t flood_config[] = {
	9, 2, 67, 0, 2, 1, 0, 0x80, 50,
	9, 4, 0, 0, 1, 0x02, 0x02, 0x01, 0,       /* communications, ACM */
	5, 0x24, 0x00, 0x10, 0x01,                /* header */
	5, 0x24, 0x06, 0, 1,                      /* union: data interface 1 */
	4, 0x24, 0x02, 0x06,                      /* ACM capabilities */
	5, 0x24, 0x01, 0x00, 1,                   /* call management */
	7, 5, 0x83, 0x03, 16, 0, 1,               /* notifications, every 1 ms */
	9, 4, 1, 0, 2, 0x0a, 0x00, 0x00, 0,       /* data */
	7, 5, 0x02, 0x02, 0x00, 0x02, 0,
	7, 5, 0x82, 0x02, 0x00, 0x02, 0,
};

static int flood_control(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	(void)d;
	return (t->setup.request_type & 0x80) ? DEVDRV_E_PIPE : (int)t->length;
}

/* Every notification transfer completes at once with SERIAL_STATE (DCD, DSR
 * and a framing error); bulk IN has nothing, bulk OUT swallows. */
static int flood_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	static const uint8_t state[10] = { 0xa1, 0x20, 0, 0, 0, 0, 2, 0, 0x13, 0 };
	size_t n = t->length < sizeof(state) ? t->length : sizeof(state);

	(void)d;
	if (t->endpoint == 0x83) {
		memcpy(t->buffer, state, n);
		t->actual_length = n;
		return 1;
	}
	if (!(t->endpoint & 0x80)) {
		t->actual_length = t->length;
		return 1;
	}
	return 0;
}

HOSTILE_MODEL(flood_model, "hostile-flood", flood_device, flood_config, 0,
              plain_strings, 3, DEVDRV_SPEED_HIGH, flood_control, flood_service);

/* ---- lying configuration descriptors ------------------------------------------- */

/* wTotalLength says 64; 25 bytes follow. */
static const uint8_t truncated_device[18] = HOSTILE_DEVICE(0xd4, 3);
static const uint8_t truncated_config[25] = {
	9, 2, 64, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 2, 0xff, 0x00, 0x00, 0,
	7, 5, 0x81, 0x02, 0x00, 0x02, 0, /* the second endpoint is missing */
};

HOSTILE_MODEL(truncated_model, "hostile-truncated", truncated_device, truncated_config, sizeof(truncated_config),
              plain_strings, 3, DEVDRV_SPEED_HIGH, NULL, never_service);

/* A descriptor with bLength 0 after the interface: a walker that trusts it
 * never moves on. */
static const uint8_t zero_length_device[18] = HOSTILE_DEVICE(0xd5, 3);
static const uint8_t zero_length_config[27] = {
	9, 2, 27, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 1, 0xff, 0x00, 0x00, 0,
	0, 0x24, 0, 0, 0, 0, 0, 0, 0,
};

HOSTILE_MODEL(zero_length_model, "hostile-zero-length", zero_length_device, zero_length_config, 0,
              plain_strings, 3, DEVDRV_SPEED_HIGH, NULL, never_service);

/* Counts without items: 4 interfaces and 9 endpoints announced, 1 and 1 there. */
static const uint8_t counts_device[18] = HOSTILE_DEVICE(0xd6, 3);
static const uint8_t counts_config[25] = {
	9, 2, 25, 0, 4, 1, 0, 0x80, 50,
	9, 4, 0, 0, 9, 0xff, 0x00, 0x00, 0,
	7, 5, 0x81, 0x02, 0x00, 0x02, 0,
};

HOSTILE_MODEL(counts_model, "hostile-counts", counts_device, counts_config, 0,
              plain_strings, 3, DEVDRV_SPEED_HIGH, NULL, never_service);

/* Interface number 200: legal (bInterfaceNumber is a byte), and beyond what a
 * 32-bit claim mask holds. */
static const uint8_t high_iface_device[18] = HOSTILE_DEVICE(0xd7, 3);
static const uint8_t high_iface_config[32] = {
	9, 2, 32, 0, 1, 1, 0, 0x80, 50,
	9, 4, 200, 0, 2, 0xff, 0x00, 0x00, 0,
	7, 5, 0x01, 0x02, 0x00, 0x02, 0,
	7, 5, 0x81, 0x02, 0x00, 0x02, 0,
};

HOSTILE_MODEL(high_iface_model, "hostile-high-iface", high_iface_device, high_iface_config, 0,
              plain_strings, 3, DEVDRV_SPEED_HIGH, NULL, never_service);

/* A HID keyboard whose report descriptor ends a collection it never began. */
static const uint8_t hostile_hid_report[] = { 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0xc0 };
static const uint8_t hostile_hid_device[18] = HOSTILE_DEVICE(0xd8, 3);
static const uint8_t hostile_hid_config[34] = {
	9, 2, 34, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 1, 0x03, 0x00, 0x00, 0,
	9, 0x21, 0x11, 0x01, 0, 1, 0x22, sizeof(hostile_hid_report), 0,
	7, 5, 0x81, 0x03, 8, 0, 10,
};

static int hostile_hid_control(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	size_t n = t->length < sizeof(hostile_hid_report) ? t->length : sizeof(hostile_hid_report);

	(void)d;
	if (t->setup.request_type != 0x81 || t->setup.request != 0x06 || t->setup.value != 0x2200)
		return DEVDRV_E_PIPE;
	memcpy(t->buffer, hostile_hid_report, n);
	return (int)n;
}

HOSTILE_MODEL(hostile_hid_model, "hostile-hid", hostile_hid_device, hostile_hid_config, 0,
              plain_strings, 3, DEVDRV_SPEED_FULL, hostile_hid_control, never_service);
