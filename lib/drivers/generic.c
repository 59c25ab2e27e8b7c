/* generic.c — the raw-class fallback driver: binds to the first interface
 * with bulk or interrupt endpoints when no more specific driver matches;
 * read = first IN pipe, write = first OUT pipe (selectors may pick others). */
#include "builtin.h"
#include <devdrv/driver.h>
#include <devdrv/raw.h>

static int has_data_pipes(const struct devdrv_interface_info *intf)
{
	const unsigned bulk_or_int = (1u << 2) | (1u << 3);

	return devdrv_find_endpoint(intf, 1, bulk_or_int) || devdrv_find_endpoint(intf, 0, bulk_or_int);
}

/* Data pipes in any alternate setting of interface @number: CDC data
 * interfaces, audio and video keep theirs out of setting 0. */
static int has_data_pipes_in_some_alt(const struct devdrv_config_info *cfg, int number)
{
	for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++)
		if (cfg->interfaces[i].number == number && has_data_pipes(&cfg->interfaces[i]))
			return 1;
	return 0;
}

static int generic_probe(const struct devdrv_device_info *info, const struct devdrv_match *m,
                         int *iface)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(info);

	(void)m;
	if (*iface >= 0)
		return has_data_pipes_in_some_alt(cfg, *iface) ? 0 : DEVDRV_E_NO_DRIVER;
	/* hubs have an interrupt pipe but are the kernel's business */
	if (info->cls == 0x09)
		return DEVDRV_E_NO_DRIVER;
	for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++) {
		const struct devdrv_interface_info *intf = &cfg->interfaces[i];

		/* an interface idle in setting 0 still binds: open asks for alt= */
		if (intf->alt_setting == 0 && has_data_pipes_in_some_alt(cfg, intf->number)) {
			*iface = intf->number;
			return 0;
		}
	}
	return DEVDRV_E_NO_DRIVER;
}

static int set_pipes(struct devdrv_handle *h, const struct devdrv_raw_pipes *want)
{
	int iface = devdrv_handle_interface(h);
	const struct devdrv_interface_info *intf = devdrv_find_interface_alt(
	    devdrv_active_config(devdrv_handle_info(h)), iface, devdrv_handle_alt_setting(h, iface));
	struct devdrv_pipes p = *devdrv_handle_pipes(h);

	for (unsigned i = 0; intf && i < intf->num_endpoints; i++) {
		const struct devdrv_endpoint_info *ep = &intf->endpoints[i];
		unsigned type = ep->attributes & 3;

		if (type != 2 && type != 3)
			continue;
		if (want->in && ep->address == want->in && (ep->address & 0x80)) {
			p.in = ep->address, p.in_type = (uint8_t)type;
			p.in_max_packet = ep->max_packet & 0x7ff;
		}
		if (want->out && ep->address == want->out && !(ep->address & 0x80)) {
			p.out = ep->address, p.out_type = (uint8_t)type;
			p.out_max_packet = ep->max_packet & 0x7ff;
		}
	}
	if ((want->in && p.in != want->in) || (want->out && p.out != want->out))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID,
		                          "SET_PIPES: endpoints 0x%02x/0x%02x are not bulk/interrupt "
		                          "endpoints of interface %d",
		                          want->in, want->out, devdrv_handle_interface(h));
	devdrv_handle_set_pipes(h, &p);
	return 0;
}

static int generic_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size)
{
	struct devdrv_raw_pipes *rp = arg;

	if (request != DEVDRV_IOC_RAW_GET_PIPES && request != DEVDRV_IOC_RAW_SET_PIPES)
		return DEVDRV_E_UNSUPPORTED;
	if (!rp || arg_size != sizeof(*rp))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "raw pipes ioctl takes struct devdrv_raw_pipes");
	if (request == DEVDRV_IOC_RAW_SET_PIPES)
		return set_pipes(h, rp);
	rp->interface = devdrv_handle_interface(h);
	rp->in = devdrv_handle_pipes(h)->in;
	rp->out = devdrv_handle_pipes(h)->out;
	return 0;
}

static const struct devdrv_driver generic_driver = {
	.name = "generic",
	.description = "any interface with bulk or interrupt endpoints (raw pipes)",
	.cls = DEVDRV_CLASS_RAW,
	.probe = generic_probe,
	.ioctl = generic_ioctl,
};
DD_DRIVER_REGISTER(generic_driver);
