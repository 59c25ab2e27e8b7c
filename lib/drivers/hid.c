/* hid.c — the HID class driver (Device Class Definition for HID 1.11):
 * binds interface class 3, boot or not, fetches and parses the report
 * descriptor, reads input reports from the interrupt IN pipe, writes output
 * reports on the interrupt OUT pipe or with SET_REPORT, and answers the
 * class requests through the hid ioctls (devdrv/hid.h). */
#include "builtin.h"
#include <devdrv/driver.h>
#include <devdrv/hid.h>
#include <stdlib.h>
#include <string.h>

#define HID_DT_HID 0x21
#define HID_DT_REPORT 0x22
#define HID_GET_REPORT 0x01
#define HID_SET_REPORT 0x09
#define HID_SET_IDLE 0x0a
#define HID_SET_PROTOCOL 0x0b
#define HID_CLASS_IN 0xa1  /* device to host, class, interface */
#define HID_CLASS_OUT 0x21 /* host to device, class, interface */
#define STD_IN_INTERFACE 0x81
#define USB_GET_DESCRIPTOR 0x06
#define HID_BOOT_SUBCLASS 1
#define HID_MAX_DESCRIPTOR 16384 /* far beyond any real device; bounds the allocation */
#define HID_TIMEOUT_MS 1000

static const struct devdrv_match hid_match[] = {
	{ .flags = DEVDRV_MATCH_INT_CLASS, .int_class = 0x03 },
	{ 0 },
};

struct hid {
	struct devdrv_hid_descriptor *desc;
	uint8_t *raw;
	size_t raw_len;
	uint16_t iface;
	uint8_t subclass;
};

static const struct devdrv_interface_info *bound_interface(struct devdrv_handle *h)
{
	return devdrv_find_interface(devdrv_active_config(devdrv_handle_info(h)), devdrv_handle_interface(h));
}

static int hid_probe(const struct devdrv_device_info *info, const struct devdrv_match *m, int *iface)
{
	const struct devdrv_interface_info *intf = devdrv_find_interface(devdrv_active_config(info), *iface);

	(void)m;
	return devdrv_find_endpoint(intf, 1, 1u << 3) ? 0 : DEVDRV_E_NO_DRIVER;
}

/* wDescriptorLength of the report descriptor, from the HID descriptor among
 * the interface's class descriptors: bLength, type 0x21, bcdHID, country,
 * bNumDescriptors, then (type, length) for each. 0 if there is none. */
static size_t report_descriptor_length(const struct devdrv_interface_info *intf)
{
	size_t off = 0;
	const uint8_t *d = devdrv_desc_next(intf->extra, intf->extra_len, &off, HID_DT_HID);

	if (!d || d[0] < 9)
		return 0;
	for (unsigned i = 0; i < d[5] && 6 + 3 * (i + 1) <= d[0]; i++)
		if (d[6 + 3 * i] == HID_DT_REPORT)
			return (size_t)(d[7 + 3 * i] | d[8 + 3 * i] << 8);
	return 0;
}

static int fetch_descriptor(struct devdrv_handle *h, struct hid *hid, size_t len)
{
	char err[200];
	int rc;

	if (!len)
		return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL,
		                          "hid: interface %u has no HID descriptor naming a report descriptor",
		                          hid->iface);
	if (len > HID_MAX_DESCRIPTOR)
		return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL,
		                          "hid: the HID descriptor gives a report descriptor of %zu bytes", len);
	if (!(hid->raw = malloc(len)))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "hid: out of memory");
	rc = devdrv_usb_control(h, STD_IN_INTERFACE, USB_GET_DESCRIPTOR, HID_DT_REPORT << 8, hid->iface,
	                        hid->raw, (uint16_t)len, HID_TIMEOUT_MS);
	if (rc < 0)
		return rc;
	if ((size_t)rc < len)
		return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "hid: report descriptor: %d of %zu bytes", rc, len);
	hid->raw_len = len;
	rc = devdrv_hid_parse(hid->raw, len, &hid->desc, err, sizeof(err));
	return rc < 0 ? devdrv_handle_fail(h, rc, "hid: %s", err) : 0;
}

static void hid_close(struct devdrv_handle *h)
{
	struct hid *hid = devdrv_handle_priv(h);

	devdrv_hid_free(hid->desc);
	free(hid->raw);
	hid->desc = NULL;
	hid->raw = NULL;
}

static int hid_open(struct devdrv_handle *h)
{
	struct hid *hid = devdrv_handle_priv(h);
	const struct devdrv_interface_info *intf = bound_interface(h);
	int rc = devdrv_default_open(h);

	if (rc < 0)
		return rc;
	hid->iface = intf->number;
	hid->subclass = intf->subclass;
	rc = fetch_descriptor(h, hid, report_descriptor_length(intf));
	if (rc < 0)
		hid_close(h); /* the core calls close only for handles that opened */
	return rc;
}

static int report_id_of(const struct hid *hid, const void *report, size_t len)
{
	return hid->desc->uses_report_ids && len ? ((const uint8_t *)report)[0] : 0;
}

/* A report to send must be one the descriptor declares, whole. */
static int check_report(struct devdrv_handle *h, enum devdrv_hid_report_type type, const void *report,
                        size_t len)
{
	struct hid *hid = devdrv_handle_priv(h);
	int id = report_id_of(hid, report, len);
	size_t need = devdrv_hid_report_length(hid->desc, type, (uint8_t)id);
	const char *kind = type == DEVDRV_HID_FEATURE ? "feature" : "output";

	if (!need)
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "hid: the device has no %s report %d", kind, id);
	if (len != need)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "hid: %s report %d is %zu byte%s, not %zu", kind, id,
		                          need, need == 1 ? "" : "s", len);
	return 0;
}

/* SET_REPORT: the report goes whole, its ID byte included (HID 7.2.2). */
static int set_report(struct devdrv_handle *h, enum devdrv_hid_report_type type, const void *report,
                      size_t len)
{
	struct hid *hid = devdrv_handle_priv(h);
	int id = report_id_of(hid, report, len);
	int rc = check_report(h, type, report, len);

	if (rc < 0)
		return rc;
	rc = devdrv_usb_control(h, HID_CLASS_OUT, HID_SET_REPORT, (uint16_t)(type << 8 | id), hid->iface,
	                        (void *)report, (uint16_t)len, HID_TIMEOUT_MS);
	return rc < 0 ? rc : 0;
}

static ssize_t hid_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms)
{
	int rc = check_report(h, DEVDRV_HID_OUTPUT, buf, len);

	if (rc < 0)
		return rc;
	if (devdrv_handle_pipes(h)->out)
		return devdrv_default_write(h, buf, len, timeout_ms);
	rc = set_report(h, DEVDRV_HID_OUTPUT, buf, len);
	return rc < 0 ? rc : (ssize_t)len;
}

static int get_feature(struct devdrv_handle *h, struct devdrv_hid_feature_arg *arg)
{
	struct hid *hid = devdrv_handle_priv(h);
	size_t need = devdrv_hid_report_length(hid->desc, DEVDRV_HID_FEATURE, arg->report_id);
	int rc;

	if (!need)
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "hid: the device has no feature report %u",
		                          arg->report_id);
	if (!arg->buf || arg->len < need)
		return devdrv_handle_fail(h, DEVDRV_E_OVERFLOW, "hid: feature report %u needs %zu bytes",
		                          arg->report_id, need);
	rc = devdrv_usb_control(h, HID_CLASS_IN, HID_GET_REPORT, (uint16_t)(DEVDRV_HID_FEATURE << 8 | arg->report_id),
	                        hid->iface, arg->buf, (uint16_t)need, HID_TIMEOUT_MS);
	if (rc < 0)
		return rc;
	/* with IDs the answer starts with the ID asked for; a device that
	 * answers another (or 0) cannot be decoded as the report asked for */
	if (hid->desc->uses_report_ids && (rc < 1 || ((uint8_t *)arg->buf)[0] != arg->report_id))
		return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL,
		                          "hid: GET_REPORT(Feature %u) came back as report %d", arg->report_id,
		                          rc < 1 ? -1 : ((uint8_t *)arg->buf)[0]);
	arg->len = (size_t)rc;
	return 0;
}

static int set_idle(struct devdrv_handle *h, unsigned arg)
{
	struct hid *hid = devdrv_handle_priv(h);
	unsigned id = arg >> 16, ms = arg & 0xffff;
	int rc;

	if (id > 255 || ms > 1020) /* the ioctl may come without devdrv_hid_set_idle's checks */
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "hid: SET_IDLE of report %u for %u ms", id, ms);
	/* wValue: duration in 4 ms units (0: only on change) high, report ID low */
	rc = devdrv_usb_control(h, HID_CLASS_OUT, HID_SET_IDLE, (uint16_t)((ms + 2) / 4 << 8 | id),
	                            hid->iface, NULL, 0, HID_TIMEOUT_MS);

	return rc < 0 ? rc : 0;
}

static int set_protocol(struct devdrv_handle *h, int boot)
{
	struct hid *hid = devdrv_handle_priv(h);
	int rc;

	if (hid->subclass != HID_BOOT_SUBCLASS)
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED,
		                          "hid: interface %u is not a boot interface (subclass %u)", hid->iface,
		                          hid->subclass);
	/* wValue 0: boot protocol, 1: report protocol */
	rc = devdrv_usb_control(h, HID_CLASS_OUT, HID_SET_PROTOCOL, boot ? 0 : 1, hid->iface, NULL, 0,
	                        HID_TIMEOUT_MS);
	return rc < 0 ? rc : 0;
}

static int wrong_size(struct devdrv_handle *h, unsigned request)
{
	return devdrv_handle_fail(h, DEVDRV_E_INVALID, "hid ioctl 0x%04x: wrong argument size", request);
}

static int hid_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t size)
{
	struct hid *hid = devdrv_handle_priv(h);
	struct devdrv_hid_feature_arg *feature = arg;
	struct devdrv_hid_raw_arg *raw = arg;

	switch (request) {
	case DEVDRV_IOC_HID_GET_DESCRIPTOR:
		if (!arg || size != sizeof(const struct devdrv_hid_descriptor *))
			return wrong_size(h, request);
		*(const struct devdrv_hid_descriptor **)arg = hid->desc;
		return 0;
	case DEVDRV_IOC_HID_GET_RAW_DESCRIPTOR:
		if (!arg || size != sizeof(*raw))
			return wrong_size(h, request);
		raw->raw = hid->raw;
		raw->len = hid->raw_len;
		return 0;
	case DEVDRV_IOC_HID_GET_FEATURE:
		return arg && size == sizeof(*feature) ? get_feature(h, feature) : wrong_size(h, request);
	case DEVDRV_IOC_HID_SET_FEATURE:
		if (!arg || size != sizeof(*feature) || (!feature->buf && feature->len))
			return wrong_size(h, request);
		return set_report(h, DEVDRV_HID_FEATURE, feature->buf, feature->len);
	case DEVDRV_IOC_HID_SET_IDLE:
		return arg && size == sizeof(unsigned) ? set_idle(h, *(unsigned *)arg) : wrong_size(h, request);
	case DEVDRV_IOC_HID_SET_PROTOCOL:
		return arg && size == sizeof(int) ? set_protocol(h, *(int *)arg) : wrong_size(h, request);
	default:
		return DEVDRV_E_UNSUPPORTED;
	}
}

static const struct devdrv_driver hid_driver = {
	.name = "hid",
	.description = "USB HID: keyboards, mice, gamepads, digitizers, vendor HID devices",
	.cls = DEVDRV_CLASS_HID,
	.match = hid_match,
	.priv_size = sizeof(struct hid),
	.probe = hid_probe,
	.open = hid_open,
	.close = hid_close,
	.write = hid_write,
	.ioctl = hid_ioctl,
};
DD_DRIVER_REGISTER(hid_driver);
