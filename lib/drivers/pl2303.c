/* pl2303.c — Prolific PL2303 USB UARTs: the original H, the HX/HXD/TA/TB
 * family and the HXN family (G-series). Prolific publishes no protocol
 * document; requests, the start-up sequence, the baud encodings and the
 * flow-control registers follow the Linux kernel's drivers/usb/serial/
 * pl2303.c. Line coding uses the CDC SET_LINE_CODING layout. */
#include "builtin.h"
#include "serial-core.h"

#define PL_CLASS_OUT 0x21
#define PL_SET_LINE 0x20
#define PL_SET_CONTROL 0x22
#define PL_BREAK 0x23
#define PL_VENDOR_OUT 0x40
#define PL_VENDOR_IN 0xc0
#define PL_VENDOR_REQ 0x01
#define PL_HXN_VENDOR_WRITE 0x80
#define PL_HXN_VENDOR_READ 0x81
#define PL_FLOW_MASK 0xf0
#define PL_HXN_FLOW_REG 0x0a
#define PL_HXN_FLOW_MASK 0x1c
#define PL_HXN_RESET_REG 0x07
#define PL_STATUS_INDEX 8 /* UART state byte in the 10-byte status report */

enum pl_type { PL_H, PL_HX, PL_HXN };

/* IDs from the kernel's pl2303.h; 23a3-23e3 are the HXN (G-series) chips. */
static const struct devdrv_match pl2303_match[] = {
	{ DEVDRV_MATCH_DEVICE(0x067b, 0x2303) }, /* H, HX, HXD, TA, TB, RA */
	{ DEVDRV_MATCH_DEVICE(0x067b, 0x23a3), .driver_data = PL_HXN }, /* GC */
	{ DEVDRV_MATCH_DEVICE(0x067b, 0x23b3), .driver_data = PL_HXN }, /* GB */
	{ DEVDRV_MATCH_DEVICE(0x067b, 0x23c3), .driver_data = PL_HXN }, /* GT */
	{ DEVDRV_MATCH_DEVICE(0x067b, 0x23c5), .driver_data = PL_HXN }, /* GL */
	{ DEVDRV_MATCH_DEVICE(0x067b, 0x23d3), .driver_data = PL_HXN }, /* GE */
	{ DEVDRV_MATCH_DEVICE(0x067b, 0x23e3), .driver_data = PL_HXN }, /* GS */
	{ 0 },
};

/* Rates every type sends as a plain number; others need a divisor (HX,
 * HXN) or are rounded to the nearest of these (H, which has none). */
static const uint32_t standard_rates[] = {
	75, 150, 300, 600, 1200, 1800, 2400, 3600, 4800, 7200, 9600, 14400, 19200, 28800, 38400,
	57600, 115200, 230400, 460800, 614400, 921600, 1228800, 2457600, 3000000, 6000000,
};

struct pl2303 {
	struct dd_serial serial; /* first: the serial core's state */
	enum pl_type type;
};

static enum pl_type type_of(struct devdrv_handle *h)
{
	const struct devdrv_device_info *info = devdrv_handle_info(h);
	const struct devdrv_match *m = devdrv_handle_match(h);

	if (m && m->driver_data == PL_HXN)
		return PL_HXN;
	/* the H is a CDC-class device or has an 8-byte control endpoint */
	if (info->cls == 0x02 || info->max_packet0 != 0x40)
		return PL_H;
	return PL_HX;
}

static uint32_t max_rate(enum pl_type t)
{
	return t == PL_H ? 1228800 : t == PL_HX ? 6000000 : 12000000;
}

static int vendor_write(struct devdrv_handle *h, uint16_t value, uint16_t index)
{
	struct pl2303 *p = devdrv_handle_priv(h);
	uint8_t req = p->type == PL_HXN ? PL_HXN_VENDOR_WRITE : PL_VENDOR_REQ;

	return dd_serial_out(h, PL_VENDOR_OUT, req, value, index, NULL, 0);
}

static int vendor_read(struct devdrv_handle *h, uint16_t value, uint8_t *byte)
{
	struct pl2303 *p = devdrv_handle_priv(h);
	uint8_t req = p->type == PL_HXN ? PL_HXN_VENDOR_READ : PL_VENDOR_REQ;

	return dd_serial_in(h, PL_VENDOR_IN, req, value, 0, byte, 1);
}

static int update_reg(struct devdrv_handle *h, uint8_t reg, uint8_t mask, uint8_t value)
{
	struct pl2303 *p = devdrv_handle_priv(h);
	uint8_t cur;
	/* the older types read register R at 0x80 | R */
	int rc = vendor_read(h, p->type == PL_HXN ? reg : (uint16_t)(reg | 0x80), &cur);

	if (rc < 0)
		return rc;
	return vendor_write(h, reg, (uint16_t)((cur & ~mask) | (value & mask)));
}

void dd_pl2303_parse_status(struct dd_serial *s, const uint8_t *data, size_t len)
{
	uint8_t st;

	if (len <= PL_STATUS_INDEX)
		return;
	st = data[PL_STATUS_INDEX];
	s->in_lines = ((st & 0x01) ? DEVDRV_SERIAL_DCD : 0) | ((st & 0x02) ? DEVDRV_SERIAL_DSR : 0) |
	              ((st & 0x08) ? DEVDRV_SERIAL_RI : 0) | ((st & 0x80) ? DEVDRV_SERIAL_CTS : 0);
	s->events |= ((st & 0x04) ? DEVDRV_SERIAL_BREAK : 0) | ((st & 0x10) ? DEVDRV_SERIAL_FRAMING : 0) |
	             ((st & 0x20) ? DEVDRV_SERIAL_PARITY : 0) | ((st & 0x40) ? DEVDRV_SERIAL_OVERRUN : 0);
}

static void pl_status(struct devdrv_handle *h, const uint8_t *data, size_t len)
{
	dd_pl2303_parse_status(dd_serial_of(h), data, len);
}

/* The start-up sequence Prolific's own driver sends (per the kernel), then
 * a reset of both data pipes. */
static int pl_init(struct devdrv_handle *h)
{
	static const struct {
		int write;
		uint16_t value, index;
	} hx_startup[] = {
		{ 0, 0x8484, 0 }, { 1, 0x0404, 0 }, { 0, 0x8484, 0 }, { 0, 0x8383, 0 }, { 0, 0x8484, 0 },
		{ 1, 0x0404, 1 }, { 0, 0x8484, 0 }, { 0, 0x8383, 0 }, { 1, 0, 1 },      { 1, 1, 0 },
	};
	struct pl2303 *p = devdrv_handle_priv(h);
	const struct devdrv_endpoint_info *status;
	uint8_t byte;
	int rc = 0;

	p->type = type_of(h);
	if (p->type == PL_HXN) {
		rc = vendor_write(h, PL_HXN_RESET_REG, 0x03); /* reset upstream and downstream pipes */
	} else {
		for (size_t i = 0; i < sizeof(hx_startup) / sizeof(hx_startup[0]) && rc == 0; i++)
			rc = hx_startup[i].write ? vendor_write(h, hx_startup[i].value, hx_startup[i].index)
			                         : vendor_read(h, hx_startup[i].value, &byte);
		if (rc == 0)
			rc = vendor_write(h, 2, p->type == PL_H ? 0x24 : 0x44);
		if (rc == 0 && p->type == PL_HX)
			rc = vendor_write(h, 8, 0); /* reset the upstream data pipe */
		if (rc == 0 && p->type == PL_HX)
			rc = vendor_write(h, 9, 0); /* and the downstream one */
	}
	if (rc < 0)
		return rc;
	status = devdrv_find_endpoint(devdrv_find_interface(devdrv_active_config(devdrv_handle_info(h)),
	                                                    devdrv_handle_interface(h)),
	                              1, 1u << 3);
	return status ? dd_serial_start_status(h, status, 10, pl_status) : 0;
}

static uint32_t nearest_standard(uint32_t baud, uint32_t max)
{
	uint32_t best = standard_rates[0];

	for (size_t i = 0; i < sizeof(standard_rates) / sizeof(standard_rates[0]); i++) {
		uint32_t r = standard_rates[i];

		if (r <= max && (r > baud ? r - baud : baud - r) < (best > baud ? best - baud : baud - best))
			best = r;
	}
	return best;
}

static int is_standard(uint32_t baud)
{
	for (size_t i = 0; i < sizeof(standard_rates) / sizeof(standard_rates[0]); i++)
		if (standard_rates[i] == baud)
			return 1;
	return 0;
}

/* HX divisor form: 12 MHz * 32 / (mantissa * 4^exponent), flagged by 0x80
 * in byte 3. */
static uint32_t encode_divisor(uint32_t baud, uint8_t *buf)
{
	const uint32_t baseline = 12000000u * 32;
	uint32_t mantissa = baseline / baud, exponent = 0;

	if (!mantissa)
		mantissa = 1;
	while (mantissa >= 512) {
		if (exponent < 7) {
			mantissa >>= 2;
			exponent++;
		} else {
			mantissa = 511;
			break;
		}
	}
	buf[3] = 0x80;
	buf[2] = 0;
	buf[1] = (uint8_t)(exponent << 1 | mantissa >> 8);
	buf[0] = (uint8_t)(mantissa & 0xff);
	return (baseline / mantissa) >> (exponent << 1);
}

static uint32_t encode_baud(enum pl_type t, uint32_t baud, uint8_t *buf)
{
	if (t == PL_H)
		baud = nearest_standard(baud, max_rate(t));
	if (t == PL_H || is_standard(baud)) {
		dd_put_le32(buf, baud);
		return baud;
	}
	return encode_divisor(baud, buf);
}

static int pl_set_flow(struct devdrv_handle *h, enum devdrv_flow flow)
{
	struct pl2303 *p = devdrv_handle_priv(h);
	static const uint8_t hxn[] = { 0x1c, 0x18, 0x0c }; /* none, RTS/CTS, XON/XOFF */
	static const uint8_t hx[] = { 0x00, 0x60, 0xc0 };

	if (p->type == PL_HXN)
		return update_reg(h, PL_HXN_FLOW_REG, PL_HXN_FLOW_MASK, hxn[flow]);
	if (p->type == PL_H && flow == DEVDRV_FLOW_RTSCTS)
		return update_reg(h, 0, PL_FLOW_MASK, 0x40);
	return update_reg(h, 0, PL_FLOW_MASK, hx[flow]);
}

static int pl_check(struct devdrv_handle *h, const struct devdrv_serial_config *want,
                    struct devdrv_serial_config *actual)
{
	enum pl_type type = type_of(h); /* from the descriptors: init has not run yet at open */
	uint8_t coding[7];

	if (want->baud > max_rate(type))
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED, "this PL2303 goes up to %u baud, not %u",
		                          max_rate(type), want->baud);
	if (type == PL_H && want->flow == DEVDRV_FLOW_XONXOFF)
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED, "the PL2303H has no XON/XOFF flow control");
	actual->baud = encode_baud(type, want->baud, coding);
	return 0;
}

static int pl_configure(struct devdrv_handle *h, const struct devdrv_serial_config *want,
                        struct devdrv_serial_config *actual)
{
	struct pl2303 *p = devdrv_handle_priv(h);
	uint8_t coding[7];
	int rc;

	(void)actual; /* check computed the rate */
	dd_serial_line_coding(coding, want);
	encode_baud(p->type, want->baud, coding); /* rewrites dwDTERate */
	if ((rc = dd_serial_out(h, PL_CLASS_OUT, PL_SET_LINE, 0, 0, coding, sizeof(coding))) < 0)
		return rc;
	return pl_set_flow(h, want->flow);
}

static int pl_set_lines(struct devdrv_handle *h, unsigned lines)
{
	return dd_serial_out(h, PL_CLASS_OUT, PL_SET_CONTROL, dd_serial_dtr_rts(lines), 0, NULL, 0);
}

static int pl_set_break(struct devdrv_handle *h, int on)
{
	return dd_serial_out(h, PL_CLASS_OUT, PL_BREAK, on ? 0xffff : 0, 0, NULL, 0);
}

static const struct dd_serial_ops pl_ops = {
	.init = pl_init,
	.check = pl_check,
	.configure = pl_configure,
	.set_lines = pl_set_lines,
	.set_break = pl_set_break,
};

static const struct devdrv_driver pl2303_driver = {
	.name = "pl2303",
	.description = "Prolific PL2303 USB UARTs (H, HX/TA/TB, HXN G-series)",
	DD_SERIAL_DRIVER_DEFAULTS,
	.match = pl2303_match,
	.priv_size = sizeof(struct pl2303),
	.class_ops = &pl_ops,
};
DD_DRIVER_REGISTER(pl2303_driver);
