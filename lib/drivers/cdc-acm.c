/* cdc-acm.c — USB CDC ACM (abstract control model) serial ports. Requests
 * and the SERIAL_STATE notification follow the USB CDC PSTN subclass
 * specification 1.2, sections 6.3 and 6.5. A device with several ACM
 * functions is several ports: select one with iface=N (its communication
 * interface). */
#include "builtin.h"
#include "cdc.h"
#include "serial-core.h"

#include <string.h>

#define CDC_SET_LINE_CODING 0x20
#define CDC_SET_CONTROL_LINE_STATE 0x22
#define CDC_SEND_BREAK 0x23
#define CDC_NOTIFY_SERIAL_STATE 0x20
#define CLASS_OUT 0x21 /* host to device, class, interface */

struct acm {
	struct dd_serial serial; /* first: the serial core's state */
	int comm, data;          /* interface numbers */
};

static const struct devdrv_match acm_match[] = {
	/* communications class, ACM subclass, any protocol (AT commands or none) */
	{ .flags = DEVDRV_MATCH_INT_CLASS | DEVDRV_MATCH_INT_SUBCLASS, .int_class = 0x02, .int_subclass = 0x02 },
	{ 0 },
};

/* The data interface: the union functional descriptor's first subordinate,
 * else the next interface number (as many devices without one expect). */
static int data_interface(const struct devdrv_config_info *cfg, const struct devdrv_interface_info *comm)
{
	const uint8_t *u = cdc_functional(comm, CDC_UNION, 5);

	if (u)
		return u[4];
	return devdrv_find_interface(cfg, comm->number + 1) ? comm->number + 1 : -1;
}

static int acm_probe(const struct devdrv_device_info *info, const struct devdrv_match *m, int *iface)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(info);
	const struct devdrv_interface_info *comm = devdrv_find_interface(cfg, *iface), *data_intf;

	(void)m;
	if (!comm)
		return DEVDRV_E_NO_DRIVER;
	data_intf = devdrv_find_interface(cfg, data_interface(cfg, comm));
	/* a data interface with a bulk pair, or this is not a port we can drive */
	if (!devdrv_find_endpoint(data_intf, 1, 1u << 2) || !devdrv_find_endpoint(data_intf, 0, 1u << 2))
		return DEVDRV_E_NO_DRIVER;
	return 0;
}

/* SERIAL_STATE (PSTN 6.5.4): 8-byte header, then a 2-byte UART state. */
static void serial_state(struct dd_serial *s, unsigned bits)
{
	unsigned in = 0, ev = 0;

	in |= (bits & 0x01) ? DEVDRV_SERIAL_DCD : 0; /* bRxCarrier */
	in |= (bits & 0x02) ? DEVDRV_SERIAL_DSR : 0; /* bTxCarrier */
	in |= (bits & 0x08) ? DEVDRV_SERIAL_RI : 0;  /* bRingSignal */
	ev |= (bits & 0x04) ? DEVDRV_SERIAL_BREAK : 0;
	ev |= (bits & 0x10) ? DEVDRV_SERIAL_FRAMING : 0;
	ev |= (bits & 0x20) ? DEVDRV_SERIAL_PARITY : 0;
	ev |= (bits & 0x40) ? DEVDRV_SERIAL_OVERRUN : 0;
	s->in_lines = in;
	s->events |= ev;
}

/* A transfer may carry several notifications; each says how long it is. */
void dd_acm_parse_notifications(struct dd_serial *s, const uint8_t *n, size_t len)
{
	size_t off = 0;

	while (len - off >= 8) {
		size_t body = (size_t)(n[off + 6] | n[off + 7] << 8);

		if (body > len - off - 8)
			break; /* truncated: the device is untrusted */
		if (n[off + 1] == CDC_NOTIFY_SERIAL_STATE && body >= 2)
			serial_state(s, n[off + 8] | n[off + 9] << 8);
		off += 8 + body;
	}
}

static void acm_status(struct devdrv_handle *h, const uint8_t *n, size_t len)
{
	dd_acm_parse_notifications(dd_serial_of(h), n, len);
}

static int acm_init(struct devdrv_handle *h)
{
	struct acm *a = devdrv_handle_priv(h);
	const struct devdrv_config_info *cfg = devdrv_active_config(devdrv_handle_info(h));
	const struct devdrv_interface_info *comm = devdrv_find_interface(cfg, devdrv_handle_interface(h));
	const struct devdrv_endpoint_info *notify = devdrv_find_endpoint(comm, 1, 1u << 3);
	int rc;

	a->comm = comm->number;
	a->data = data_interface(cfg, comm);
	/* the data pipes live on the data interface, not the bound one; probe
	 * made sure it has a bulk pair */
	if ((rc = devdrv_usb_claim_interface(h, a->data)) < 0 ||
	    (rc = devdrv_handle_use_interface_pipes(h, a->data)) < 0)
		return rc;
	if (notify) /* the notification element is optional in practice */
		return dd_serial_start_status(h, notify, 10, acm_status);
	return 0;
}

static int acm_check(struct devdrv_handle *h, const struct devdrv_serial_config *want,
                     struct devdrv_serial_config *actual)
{
	(void)actual; /* the device takes the rate as given */
	if (want->flow != DEVDRV_FLOW_NONE)
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED,
		                          "CDC ACM has no flow control request; the device decides");
	return 0;
}

static int acm_configure(struct devdrv_handle *h, const struct devdrv_serial_config *want,
                         struct devdrv_serial_config *actual)
{
	struct acm *a = devdrv_handle_priv(h);
	uint8_t coding[7];

	(void)actual;
	dd_serial_line_coding(coding, want);
	return dd_serial_out(h, CLASS_OUT, CDC_SET_LINE_CODING, 0, (uint16_t)a->comm, coding, sizeof(coding));
}

static int acm_set_lines(struct devdrv_handle *h, unsigned lines)
{
	struct acm *a = devdrv_handle_priv(h);
	return dd_serial_out(h, CLASS_OUT, CDC_SET_CONTROL_LINE_STATE, dd_serial_dtr_rts(lines),
	                     (uint16_t)a->comm, NULL, 0);
}

static int acm_set_break(struct devdrv_handle *h, int on)
{
	struct acm *a = devdrv_handle_priv(h);

	/* 0xffff: until told otherwise; 0: stop */
	return dd_serial_out(h, CLASS_OUT, CDC_SEND_BREAK, on ? 0xffff : 0, (uint16_t)a->comm, NULL, 0);
}

static const struct dd_serial_ops acm_ops = {
	.init = acm_init,
	.check = acm_check,
	.configure = acm_configure,
	.set_lines = acm_set_lines,
	.set_break = acm_set_break,
};

static const struct devdrv_driver acm_driver = {
	.name = "cdc-acm",
	.description = "USB CDC ACM serial ports (modems, gadgets, many microcontrollers)",
	DD_SERIAL_DRIVER_DEFAULTS,
	.match = acm_match,
	.priv_size = sizeof(struct acm),
	.probe = acm_probe,
	.class_ops = &acm_ops,
};
DD_DRIVER_REGISTER(acm_driver);
