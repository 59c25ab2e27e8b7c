/* ftdi.c — FTDI USB UARTs: FT232AM/BM/R, FT2232C/D, FT-X, and the high-speed
 * FT2232H, FT4232H and FT232H. Multi-interface chips are one port per
 * interface (iface=N). Requests and the baud divisor encoding follow FTDI's
 * AN232B-05 "Configuring FT232R, FT2232 and FT232B Baud Rates" and the H
 * chips' datasheets (12 MHz clock, selected by divisor bit 17). Every IN
 * packet of up to max-packet bytes starts with two status bytes. */
#include "builtin.h"
#include "serial-core.h"

#include <string.h>

#define FTDI_OUT 0x40 /* host to device, vendor, device */
#define FTDI_RESET 0x00
#define FTDI_MODEM_CTRL 0x01
#define FTDI_SET_FLOW_CTRL 0x02
#define FTDI_SET_BAUDRATE 0x03
#define FTDI_SET_DATA 0x04
#define FTDI_GET_MODEM_STATUS 0x05
#define FTDI_SET_LATENCY 0x09
#define FTDI_PURGE_RX 1
#define FTDI_PURGE_TX 2
#define FTDI_DEFAULT_LATENCY_MS 16

enum ftdi_chip { FT_AM, FT_BM, FT_2232C, FT_R, FT_2232H, FT_4232H, FT_232H, FT_X };

/* Product IDs from FTDI's TN_100 "USB Vendor ID/Product ID Guidelines". */
static const struct devdrv_match ftdi_match[] = {
	{ DEVDRV_MATCH_DEVICE(0x0403, 0x6001) }, /* FT232AM/BM/R, FT245 */
	{ DEVDRV_MATCH_DEVICE(0x0403, 0x6010) }, /* FT2232C/D/H */
	{ DEVDRV_MATCH_DEVICE(0x0403, 0x6011) }, /* FT4232H */
	{ DEVDRV_MATCH_DEVICE(0x0403, 0x6014) }, /* FT232H */
	{ DEVDRV_MATCH_DEVICE(0x0403, 0x6015) }, /* FT-X series */
	{ 0 },
};

struct ftdi {
	struct dd_serial serial; /* first: the serial core's state */
	enum ftdi_chip chip;
	uint16_t port;           /* wIndex: 0 on single-port chips, 1 + interface otherwise */
};

/* bcdDevice tells the chip apart (the kernel's ftdi_sio does the same). */
static enum ftdi_chip chip_of(const struct devdrv_device_info *info)
{
	switch (info->bcd_device & 0xff00) {
	case 0x0200: return FT_AM;
	case 0x0500: return FT_2232C;
	case 0x0600: return FT_R;
	case 0x0700: return FT_2232H;
	case 0x0800: return FT_4232H;
	case 0x0900: return FT_232H;
	case 0x1000: return FT_X;
	default: return FT_BM;
	}
}

static int is_high_speed_chip(enum ftdi_chip c)
{
	return c == FT_2232H || c == FT_4232H || c == FT_232H;
}

static int is_multi_port(enum ftdi_chip c)
{
	return c == FT_2232C || c == FT_2232H || c == FT_4232H;
}

/* AN232B-05: bits 16-14 encode the sub-integer eighths 0, 1/2, 1/4, 1/8,
 * 3/8, 5/8, 3/4, 7/8 as 0..7; indexed here by eighths. */
static const uint8_t eighths_code[8] = { 0, 3, 2, 4, 1, 5, 6, 7 };

/* Divisor in eighths of @clock for @baud, rounded to the nearest one the chip
 * can use: divisors below 2 exist only as 1 (code 0) and 1.5 (code 1). */
static uint32_t divisor_eighths(uint32_t clock, uint32_t baud)
{
	uint32_t d8 = (uint32_t)(((uint64_t)clock * 8 + baud / 2) / baud);

	if (d8 < 16) {
		static const uint32_t valid[] = { 8, 12, 16 };
		uint32_t best = 16;
		uint64_t best_err = UINT64_MAX;

		for (int i = 0; i < 3; i++) {
			uint64_t rate = (uint64_t)clock * 8 / valid[i];
			uint64_t err = rate > baud ? rate - baud : baud - rate;

			if (err < best_err)
				best = valid[i], best_err = err;
		}
		d8 = best;
	}
	return d8;
}

static uint32_t encode_divisor(uint32_t d8)
{
	if (d8 == 8)
		return 0; /* divisor 1 */
	if (d8 == 12)
		return 1; /* divisor 1.5 */
	return (d8 >> 3) | (uint32_t)eighths_code[d8 & 7] << 14;
}

/* FTDI's application notes ask for a rate within 3 % of the one wanted; a
 * request the nearest divisor misses by more (above the chip's top rate, or
 * between its two fastest) is refused rather than silently run slower. */
#define FTDI_TOLERANCE_PERCENT 3

static int within_tolerance(uint32_t want, uint32_t actual)
{
	uint64_t diff = want > actual ? want - actual : actual - want;

	return diff * 100 <= (uint64_t)want * FTDI_TOLERANCE_PERCENT;
}

/* Encoded divisor (bits 0-17) and the rate it gives, or UNSUPPORTED. Pure:
 * the chip comes from the descriptors, so it runs before any I/O. */
static int ftdi_divisor(struct devdrv_handle *h, uint32_t baud, uint32_t *encoded, uint32_t *actual)
{
	enum ftdi_chip chip = chip_of(devdrv_handle_info(h));
	int fast = is_high_speed_chip(chip) && baud >= 1200;
	uint32_t clock = fast ? 12000000 : 3000000;
	uint32_t d8 = divisor_eighths(clock, baud);

	if (d8 > 16383 * 8 + 7)
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED,
		                          "FTDI: %u baud is below the slowest rate (%u baud)", baud,
		                          (uint32_t)((uint64_t)clock * 8 / (16383 * 8 + 7)) + 1);
	*actual = (uint32_t)(((uint64_t)clock * 8 + d8 / 2) / d8);
	if (!within_tolerance(baud, *actual))
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED,
		                          "FTDI: this chip cannot make %u baud; the nearest rate it has is %u "
		                          "(more than %d%% off; the fastest is %u)",
		                          baud, *actual, FTDI_TOLERANCE_PERCENT,
		                          is_high_speed_chip(chip) ? 12000000 : 3000000);
	*encoded = encode_divisor(d8) | (fast ? 1u << 17 : 0);
	return 0;
}

static int ftdi_out(struct devdrv_handle *h, uint8_t req, uint16_t value, uint16_t index)
{
	return dd_serial_out(h, FTDI_OUT, req, value, index, NULL, 0);
}

static int ftdi_set_baud(struct devdrv_handle *h, uint32_t baud)
{
	struct ftdi *f = devdrv_handle_priv(h);
	uint32_t div = 0, actual;
	uint16_t index;
	int rc = ftdi_divisor(h, baud, &div, &actual);

	if (rc < 0)
		return rc;
	/* divisor bits 16-17 go in wIndex; chips after the BM want them in the
	 * high byte with the port number in the low byte */
	index = (uint16_t)(div >> 16);
	if (f->chip != FT_AM && f->chip != FT_BM && f->chip != FT_R)
		index = (uint16_t)(index << 8 | f->port);
	return ftdi_out(h, FTDI_SET_BAUDRATE, (uint16_t)div, index);
}

static uint16_t data_value(const struct devdrv_serial_config *c, int brk)
{
	/* bits 0-7 data bits, 8-10 parity, 11-13 stop bits, 14 break */
	return (uint16_t)(c->data_bits | c->parity << 8 | c->stop_bits << 11 | (brk ? 1 << 14 : 0));
}

static int ftdi_check(struct devdrv_handle *h, const struct devdrv_serial_config *want,
                      struct devdrv_serial_config *actual)
{
	uint32_t div;

	if (want->data_bits < 7)
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED, "FTDI chips send 7 or 8 data bits, not %u",
		                          want->data_bits);
	return ftdi_divisor(h, want->baud, &div, &actual->baud);
}

static int ftdi_configure(struct devdrv_handle *h, const struct devdrv_serial_config *want,
                          struct devdrv_serial_config *actual)
{
	struct ftdi *f = devdrv_handle_priv(h);
	static const uint16_t flow_mode[] = { 0x00, 0x01, 0x04 }; /* none, RTS/CTS, XON/XOFF */
	uint16_t xon_xoff = want->flow == DEVDRV_FLOW_XONXOFF ? 0x1311 : 0; /* XOFF=0x13, XON=0x11 */
	int rc;

	(void)actual; /* check computed the rate */
	if ((rc = ftdi_set_baud(h, want->baud)) < 0 ||
	    (rc = ftdi_out(h, FTDI_SET_DATA, data_value(want, 0), f->port)) < 0)
		return rc;
	return ftdi_out(h, FTDI_SET_FLOW_CTRL, xon_xoff, (uint16_t)(flow_mode[want->flow] << 8 | f->port));
}

static int ftdi_set_lines(struct devdrv_handle *h, unsigned lines)
{
	struct ftdi *f = devdrv_handle_priv(h);
	/* bits 8 and 9 say that bits 0 (DTR) and 1 (RTS) are to be set */
	return ftdi_out(h, FTDI_MODEM_CTRL, 0x0300 | dd_serial_dtr_rts(lines), f->port);
}

static int ftdi_set_break(struct devdrv_handle *h, int on)
{
	struct ftdi *f = devdrv_handle_priv(h);

	return ftdi_out(h, FTDI_SET_DATA, data_value(&dd_serial_of(h)->cfg, on), f->port);
}

static int ftdi_purge(struct devdrv_handle *h, unsigned what)
{
	struct ftdi *f = devdrv_handle_priv(h);
	int rc = 0;

	if (what & DEVDRV_SERIAL_PURGE_RX)
		rc = ftdi_out(h, FTDI_RESET, FTDI_PURGE_RX, f->port);
	if (rc == 0 && (what & DEVDRV_SERIAL_PURGE_TX))
		rc = ftdi_out(h, FTDI_RESET, FTDI_PURGE_TX, f->port);
	return rc;
}

static int ftdi_set_latency(struct devdrv_handle *h, unsigned ms)
{
	struct ftdi *f = devdrv_handle_priv(h);

	return ftdi_out(h, FTDI_SET_LATENCY, (uint16_t)ms, f->port);
}

/* Status byte 0: CTS 0x10, DSR 0x20, RI 0x40, DCD 0x80. Byte 1: overrun
 * 0x02, parity 0x04, framing 0x08, break 0x10. */
static void take_status(struct dd_serial *s, const uint8_t *st)
{
	s->in_lines = ((st[0] & 0x10) ? DEVDRV_SERIAL_CTS : 0) | ((st[0] & 0x20) ? DEVDRV_SERIAL_DSR : 0) |
	              ((st[0] & 0x40) ? DEVDRV_SERIAL_RI : 0) | ((st[0] & 0x80) ? DEVDRV_SERIAL_DCD : 0);
	s->events |= ((st[1] & 0x02) ? DEVDRV_SERIAL_OVERRUN : 0) | ((st[1] & 0x04) ? DEVDRV_SERIAL_PARITY : 0) |
	             ((st[1] & 0x08) ? DEVDRV_SERIAL_FRAMING : 0) | ((st[1] & 0x10) ? DEVDRV_SERIAL_BREAK : 0);
}

/* The status bytes on request: lines that are fresh even when no data flows,
 * and a request that fails once the chip is gone. */
static int ftdi_poll_lines(struct devdrv_handle *h)
{
	struct ftdi *f = devdrv_handle_priv(h);
	uint8_t st[2];
	int rc = dd_serial_in(h, 0xc0, FTDI_GET_MODEM_STATUS, 0, f->port, st, sizeof(st));

	if (rc == 0)
		take_status(dd_serial_of(h), st);
	return rc;
}

size_t dd_ftdi_unframe(struct dd_serial *s, size_t mps, uint8_t *buf, size_t len)
{
	size_t out = 0;

	if (mps < 3)
		mps = 64;
	for (size_t off = 0; off < len; off += mps) {
		size_t chunk = len - off < mps ? len - off : mps;

		if (chunk < 2)
			break; /* a malformed fragment: no status, no payload */
		take_status(s, buf + off);
		memmove(buf + out, buf + off + 2, chunk - 2);
		out += chunk - 2;
	}
	return out;
}

static size_t ftdi_unframe(struct devdrv_handle *h, uint8_t *buf, size_t len)
{
	return dd_ftdi_unframe(dd_serial_of(h), devdrv_handle_pipes(h)->in_max_packet, buf, len);
}

static int ftdi_init(struct devdrv_handle *h)
{
	struct ftdi *f = devdrv_handle_priv(h);
	const struct devdrv_device_info *info = devdrv_handle_info(h);
	int rc;

	f->chip = chip_of(info);
	f->port = is_multi_port(f->chip) ? (uint16_t)(devdrv_handle_interface(h) + 1) : 0;
	if ((rc = ftdi_out(h, FTDI_RESET, 0, f->port)) < 0)
		return rc;
	return ftdi_set_latency(h, FTDI_DEFAULT_LATENCY_MS);
}

static const struct dd_serial_ops ftdi_ops = {
	.init = ftdi_init,
	.check = ftdi_check,
	.configure = ftdi_configure,
	.set_lines = ftdi_set_lines,
	.poll_lines = ftdi_poll_lines,
	.set_break = ftdi_set_break,
	.purge = ftdi_purge,
	.unframe = ftdi_unframe,
	.set_latency = ftdi_set_latency,
};

static int ftdi_probe(const struct devdrv_device_info *info, const struct devdrv_match *m, int *iface)
{
	const struct devdrv_interface_info *intf = devdrv_find_interface(devdrv_active_config(info), *iface);

	(void)m;
	return devdrv_find_endpoint(intf, 1, 1u << 2) && devdrv_find_endpoint(intf, 0, 1u << 2)
	           ? 0
	           : DEVDRV_E_NO_DRIVER;
}

static const struct devdrv_driver ftdi_driver = {
	.name = "ftdi",
	.description = "FTDI USB UARTs (FT232R/BM/H, FT2232C/D/H, FT4232H, FT-X)",
	DD_SERIAL_DRIVER_DEFAULTS,
	.match = ftdi_match,
	.priv_size = sizeof(struct ftdi),
	.probe = ftdi_probe,
	.class_ops = &ftdi_ops,
};
DD_DRIVER_REGISTER(ftdi_driver);
