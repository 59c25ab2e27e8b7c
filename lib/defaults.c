/* defaults.c — the generic callbacks a driver gets for those it leaves
 * NULL: open claims the bound interface and picks its pipes, read and write
 * use them. */
#include "internal.h"

/* The pipe default read/write use: the one the selector names, else the
 * first bulk endpoint in that direction, else the first interrupt one
 * (status pipes sit beside bulk data pipes on many devices). */
static int pick_pipe(struct devdrv_handle *h, const struct devdrv_interface_info *intf, int in,
                     int wanted, uint8_t *addr, uint8_t *type, uint16_t *mps)
{
	const unsigned bulk = 1u << 2, interrupt = 1u << 3;
	const struct devdrv_endpoint_info *ep = NULL;

	if (wanted < 0) {
		ep = devdrv_find_endpoint(intf, in, bulk);
		if (!ep)
			ep = devdrv_find_endpoint(intf, in, interrupt);
	} else {
		for (unsigned i = 0; intf && i < intf->num_endpoints; i++)
			if (intf->endpoints[i].address == wanted)
				ep = &intf->endpoints[i];
		if (!ep || !((bulk | interrupt) & (1u << (ep->attributes & 3))))
			return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND,
			                          "interface %d has no bulk/interrupt endpoint 0x%02x",
			                          intf ? intf->number : -1, wanted);
	}
	*addr = ep ? ep->address : 0;
	*type = ep ? ep->attributes & 3 : 0;
	*mps = ep ? ep->max_packet & 0x7ff : 0;
	return 0;
}

int devdrv_handle_use_interface_pipes(struct devdrv_handle *h, int iface)
{
	int alt = iface >= 0 && iface < DD_MAX_INTERFACES ? h->alt[iface] : 0;
	const struct devdrv_interface_info *intf =
	    devdrv_find_interface_alt(devdrv_active_config(&h->dev->info), iface, alt);
	int bound = iface == h->bind.iface;
	struct devdrv_pipes p = { 0 };
	int rc;

	if (!intf)
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "the device has no interface %d", iface);
	if ((rc = pick_pipe(h, intf, 1, bound ? h->sel.ep_in : -1, &p.in, &p.in_type, &p.in_max_packet)) < 0 ||
	    (rc = pick_pipe(h, intf, 0, bound ? h->sel.ep_out : -1, &p.out, &p.out_type, &p.out_max_packet)) < 0)
		return rc;
	h->pipes = p;
	return 0;
}

/* The first alternate setting of @iface with a bulk or interrupt endpoint,
 * or -1: for the hint when a data interface is idle in setting 0. */
static int first_alt_with_pipes(const struct devdrv_config_info *cfg, int iface)
{
	const unsigned bulk_or_int = (1u << 2) | (1u << 3);

	for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++) {
		const struct devdrv_interface_info *in = &cfg->interfaces[i];

		if (in->number == iface && (devdrv_find_endpoint(in, 1, bulk_or_int) ||
		                            devdrv_find_endpoint(in, 0, bulk_or_int)))
			return in->alt_setting;
	}
	return -1;
}

int devdrv_default_open(struct devdrv_handle *h)
{
	int iface = h->bind.iface, alt;
	int rc;

	if (iface < 0)
		return 0;
	if ((rc = devdrv_usb_claim_interface(h, iface)) < 0)
		return rc;
	if (h->sel.alt >= 0 && (rc = devdrv_usb_set_alt_setting(h, iface, h->sel.alt)) < 0)
		return rc;
	if ((rc = devdrv_handle_use_interface_pipes(h, iface)) < 0)
		return rc;
	alt = first_alt_with_pipes(devdrv_active_config(&h->dev->info), iface);
	if (!h->pipes.in && !h->pipes.out && alt > 0 && h->sel.alt < 0)
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND,
		                          "interface %d has its endpoints in alternate setting %d only; "
		                          "select it with alt=%d", iface, alt, alt);
	return 0;
}

static ssize_t pipe_transfer(struct devdrv_handle *h, uint8_t ep, uint8_t type, void *buf,
                             size_t len, unsigned timeout_ms)
{
	return type == DEVDRV_TRANSFER_INTERRUPT ? devdrv_usb_interrupt(h, ep, buf, len, timeout_ms)
	                                         : devdrv_usb_bulk(h, ep, buf, len, timeout_ms);
}

ssize_t devdrv_default_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms)
{
	if (!h->pipes.in)
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED,
		                          "read: interface %d has no IN pipe", h->bind.iface);
	return pipe_transfer(h, h->pipes.in, h->pipes.in_type, buf, len, timeout_ms);
}

ssize_t devdrv_default_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms)
{
	if (!h->pipes.out)
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED,
		                          "write: interface %d has no OUT pipe", h->bind.iface);
	return pipe_transfer(h, h->pipes.out, h->pipes.out_type, (void *)buf, len, timeout_ms);
}

