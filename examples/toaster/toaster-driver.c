/* toaster-driver.c — the toaster's libdevdrv driver, as a vendor writes an
 * out-of-tree driver: public headers only, a match table, a few ioctls.
 * The generic defaults do most: open claims interface 0 and picks its bulk
 * IN pipe (the log), so devdrv_read() returns log text. Endpoint addresses
 * come from the descriptors, not from constants: a gadget controller may
 * give the status endpoint another number than the virtual toaster's. */
#include "toaster.h"

#include <devdrv/driver.h>
#include <devdrv/plugin.h>
#include <stdint.h>

#define TOASTER_TIMEOUT_MS 1000

struct toaster {
	uint8_t status_ep; /* the interrupt IN endpoint */
};

static int toaster_open(struct devdrv_handle *h)
{
	struct toaster *t = devdrv_handle_priv(h);
	const struct devdrv_interface_info *intf;
	const struct devdrv_endpoint_info *ep;
	int rc = devdrv_default_open(h);

	if (rc < 0)
		return rc;
	intf = devdrv_find_interface(devdrv_active_config(devdrv_handle_info(h)), devdrv_handle_interface(h));
	if (!(ep = devdrv_find_endpoint(intf, 1, 1u << 3)) || !devdrv_handle_pipes(h)->in)
		return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "toaster: no status or log endpoint");
	t->status_ep = ep->address;
	return 0;
}

static int vendor_out(struct devdrv_handle *h, uint8_t request, uint16_t value)
{
	int rc = devdrv_usb_control(h, 0x41, request, value, 0, NULL, 0, TOASTER_TIMEOUT_MS);

	return rc < 0 ? rc : 0;
}

static int get_status(struct devdrv_handle *h, struct toaster_status *s)
{
	uint8_t b[TOASTER_STATUS_LEN];
	int rc = devdrv_usb_control(h, 0xc1, TOASTER_REQ_GET_STATUS, 0, 0, b, sizeof(b), TOASTER_TIMEOUT_MS);

	if (rc < 0)
		return rc;
	if (toaster_parse_status(b, (size_t)rc, s) < 0)
		return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "toaster: malformed status (%d bytes)", rc);
	return 0;
}

static int wait_status(struct devdrv_handle *h, struct toaster_wait *w)
{
	uint8_t b[TOASTER_STATUS_LEN];
	struct toaster *t = devdrv_handle_priv(h);
	ssize_t n = devdrv_usb_interrupt(h, t->status_ep, b, sizeof(b), w->timeout_ms);

	if (n < 0)
		return (int)n;
	if (toaster_parse_status(b, (size_t)n, &w->status) < 0)
		return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "toaster: malformed status report (%zd bytes)", n);
	return 0;
}

static int set_darkness(struct devdrv_handle *h, unsigned darkness)
{
	int rc;

	if (darkness < TOASTER_DARKNESS_MIN || darkness > TOASTER_DARKNESS_MAX)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "darkness %u is not in %d..%d", darkness,
		                          TOASTER_DARKNESS_MIN, TOASTER_DARKNESS_MAX);
	rc = vendor_out(h, TOASTER_REQ_SET_DARKNESS, (uint16_t)darkness);
	if (rc == DEVDRV_E_PIPE)
		return devdrv_handle_fail(h, DEVDRV_E_BUSY, "the toaster is heating; stop it first");
	return rc;
}

static int need_arg(struct devdrv_handle *h, const void *arg, size_t size, size_t want)
{
	if (want ? (!arg || size != want) : (arg || size))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "toaster ioctl: argument of %zu bytes expected", want);
	return 0;
}

static int toaster_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t size)
{
	int rc;

	switch (request) {
	case TOASTER_IOC_SET_DARKNESS:
		return (rc = need_arg(h, arg, size, sizeof(unsigned))) < 0 ? rc : set_darkness(h, *(unsigned *)arg);
	case TOASTER_IOC_START:
		if ((rc = need_arg(h, arg, size, 0)) < 0)
			return rc;
		rc = vendor_out(h, TOASTER_REQ_START, 0);
		return rc == DEVDRV_E_PIPE ? devdrv_handle_fail(h, DEVDRV_E_BUSY, "the toaster is already heating") : rc;
	case TOASTER_IOC_STOP:
		return (rc = need_arg(h, arg, size, 0)) < 0 ? rc : vendor_out(h, TOASTER_REQ_STOP, 0);
	case TOASTER_IOC_GET_STATUS:
		return (rc = need_arg(h, arg, size, sizeof(struct toaster_status))) < 0 ? rc : get_status(h, arg);
	case TOASTER_IOC_WAIT_STATUS:
		return (rc = need_arg(h, arg, size, sizeof(struct toaster_wait))) < 0 ? rc : wait_status(h, arg);
	default:
		return DEVDRV_E_UNSUPPORTED; /* the core's ioctls answer the rest */
	}
}

static const struct devdrv_match toaster_match[] = {
	{ DEVDRV_MATCH_DEVICE(TOASTER_VID, TOASTER_PID) },
	{ 0 },
};

const struct devdrv_driver toaster_driver = {
	.api_version = DEVDRV_DRIVER_API_VERSION,
	.name = "toaster",
	.description = "the USB toaster (example plugin)",
	.cls = DEVDRV_CLASS_RAW,
	.match = toaster_match,
	.priv_size = sizeof(struct toaster),
	.open = toaster_open,
	.ioctl = toaster_ioctl,
};
