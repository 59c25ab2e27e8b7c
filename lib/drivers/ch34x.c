/* ch34x.c — WCH CH340/CH341 USB UARTs. WCH publishes no protocol document;
 * requests, registers and the baud divisor follow the Linux kernel's
 * drivers/usb/serial/ch341.c, the public reference for these chips. */
#include "builtin.h"
#include "serial-core.h"

#define CH_OUT 0x40
#define CH_IN 0xc0
#define CH_READ_VERSION 0x5f
#define CH_READ_REG 0x95
#define CH_WRITE_REG 0x9a
#define CH_SERIAL_INIT 0xa1
#define CH_MODEM_CTRL 0xa4
#define CH_REG_PRESCALER_DIVISOR 0x1312 /* written together: divisor << 8 | prescaler */
#define CH_REG_LCR_LCR2 0x2518
#define CH_REG_BREAK_LCR 0x1805
#define CH_REG_MODEM_STATUS 0x0706
#define CH_REG_FLOW 0x2727
#define CH_LCR_ENABLE_RX 0x80
#define CH_LCR_ENABLE_TX 0x40
#define CH_LCR_MARK_SPACE 0x20
#define CH_LCR_PAR_EVEN 0x10
#define CH_LCR_ENABLE_PAR 0x08
#define CH_LCR_STOP_BITS_2 0x04
#define CH_NBREAK 0x01
#define CH_CLOCK 48000000u
#define CH_MIN_BAUD 46
#define CH_MAX_BAUD 3000000

/* IDs from WCH's product pages and the kernel's ch341.c table. */
static const struct devdrv_match ch34x_match[] = {
	{ DEVDRV_MATCH_DEVICE(0x1a86, 0x7523) }, /* CH340 */
	{ DEVDRV_MATCH_DEVICE(0x1a86, 0x7522) }, /* CH340K */
	{ DEVDRV_MATCH_DEVICE(0x1a86, 0x5523) }, /* CH341A in UART mode */
	{ 0 },
};

/* The UART clock is 48 MHz divided by 2^(12 - 3 * ps - fact) and by an
 * 8-bit divisor: find the closest rate, preferring fact = 0 when it is
 * exact (the receiver tolerates more error then). */
static uint32_t clk_div(int ps, int fact)
{
	return 1u << (12 - 3 * ps - fact);
}

static int ch_divisor(uint32_t baud, uint16_t *value, uint32_t *actual)
{
	uint32_t cd, div;
	int ps, fact = 1;

	for (ps = 3; ps >= 0; ps--)
		if (baud > CH_CLOCK / (clk_div(ps, 1) * 512))
			break;
	if (ps < 0)
		return -1;
	cd = clk_div(ps, fact);
	div = CH_CLOCK / (cd * baud);
	if (div < 9 || div > 255) {
		div /= 2;
		cd *= 2;
		fact = 0;
	}
	if (div < 2)
		return -1;
	/* the next divisor if its rate is closer (x16 to keep low rates exact) */
	if (16 * CH_CLOCK / (cd * div) - 16 * baud >= 16 * baud - 16 * CH_CLOCK / (cd * (div + 1)))
		div++;
	if (fact == 1 && div % 2 == 0) {
		div /= 2;
		fact = 0;
		cd *= 2;
	}
	*actual = (CH_CLOCK + cd * div / 2) / (cd * div);
	/* bit 7: send without waiting for a full 32-byte packet */
	*value = (uint16_t)((0x100 - div) << 8 | (uint32_t)fact << 2 | (uint32_t)ps | 0x80);
	return 0;
}

static int ch_write_reg(struct devdrv_handle *h, uint16_t reg, uint16_t value)
{
	return dd_serial_out(h, CH_OUT, CH_WRITE_REG, reg, value, NULL, 0);
}

static int ch_init(struct devdrv_handle *h)
{
	uint8_t version[2];
	int rc = dd_serial_in(h, CH_IN, CH_READ_VERSION, 0, 0, version, sizeof(version));

	if (rc < 0)
		return rc;
	devdrv_dbg(h, "CH34x version 0x%02x", version[0]);
	return dd_serial_out(h, CH_OUT, CH_SERIAL_INIT, 0, 0, NULL, 0);
}

static uint8_t lcr_of(const struct devdrv_serial_config *c)
{
	static const uint8_t parity[] = {
		0, CH_LCR_ENABLE_PAR, CH_LCR_ENABLE_PAR | CH_LCR_PAR_EVEN,
		CH_LCR_ENABLE_PAR | CH_LCR_MARK_SPACE, CH_LCR_ENABLE_PAR | CH_LCR_MARK_SPACE | CH_LCR_PAR_EVEN,
	};

	return (uint8_t)(CH_LCR_ENABLE_RX | CH_LCR_ENABLE_TX | (c->data_bits - 5) | parity[c->parity] |
	                 (c->stop_bits == DEVDRV_STOP_2 ? CH_LCR_STOP_BITS_2 : 0));
}

static int ch_check(struct devdrv_handle *h, const struct devdrv_serial_config *want,
                    struct devdrv_serial_config *actual)
{
	uint16_t divisor;

	if (want->stop_bits == DEVDRV_STOP_1_5)
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED, "CH34x cannot send 1.5 stop bits");
	if (want->flow == DEVDRV_FLOW_XONXOFF)
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED, "CH34x has no XON/XOFF flow control");
	if (want->baud < CH_MIN_BAUD || want->baud > CH_MAX_BAUD || ch_divisor(want->baud, &divisor, &actual->baud) < 0)
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED, "CH34x rates are %d to %d baud, not %u",
		                          CH_MIN_BAUD, CH_MAX_BAUD, want->baud);
	return 0;
}

static int ch_configure(struct devdrv_handle *h, const struct devdrv_serial_config *want,
                        struct devdrv_serial_config *actual)
{
	uint16_t divisor;
	uint32_t rate;
	int rc;

	(void)actual; /* check computed the rate */
	ch_divisor(want->baud, &divisor, &rate);
	if ((rc = ch_write_reg(h, CH_REG_PRESCALER_DIVISOR, divisor)) < 0 ||
	    (rc = ch_write_reg(h, CH_REG_LCR_LCR2, lcr_of(want))) < 0)
		return rc;
	return ch_write_reg(h, CH_REG_FLOW, want->flow == DEVDRV_FLOW_RTSCTS ? 0x0101 : 0x0000);
}

static int ch_set_lines(struct devdrv_handle *h, unsigned lines)
{
	/* active-low: DTR is bit 5, RTS bit 6 */
	unsigned bits = ((lines & DEVDRV_SERIAL_DTR) ? 1u << 5 : 0) | ((lines & DEVDRV_SERIAL_RTS) ? 1u << 6 : 0);

	return dd_serial_out(h, CH_OUT, CH_MODEM_CTRL, (uint16_t)~bits, 0, NULL, 0);
}

static int ch_poll_lines(struct devdrv_handle *h)
{
	uint8_t st[2];
	int rc = dd_serial_in(h, CH_IN, CH_READ_REG, CH_REG_MODEM_STATUS, 0, st, sizeof(st));
	unsigned bits;

	if (rc < 0)
		return rc;
	bits = ~st[0] & 0x0f; /* active-low: CTS 0x01, DSR 0x02, RI 0x04, DCD 0x08 */
	dd_serial_of(h)->in_lines = ((bits & 1) ? DEVDRV_SERIAL_CTS : 0) | ((bits & 2) ? DEVDRV_SERIAL_DSR : 0) |
	                            ((bits & 4) ? DEVDRV_SERIAL_RI : 0) | ((bits & 8) ? DEVDRV_SERIAL_DCD : 0);
	return 0;
}

static int ch_set_break(struct devdrv_handle *h, int on)
{
	uint8_t regs[2]; /* [0] break register 0x05, [1] LCR 0x18 */
	int rc = dd_serial_in(h, CH_IN, CH_READ_REG, CH_REG_BREAK_LCR, 0, regs, sizeof(regs));

	if (rc < 0)
		return rc;
	if (on) {
		regs[0] &= (uint8_t)~CH_NBREAK;
		regs[1] &= (uint8_t)~CH_LCR_ENABLE_TX;
	} else {
		regs[0] |= CH_NBREAK;
		regs[1] |= CH_LCR_ENABLE_TX;
	}
	return ch_write_reg(h, CH_REG_BREAK_LCR, (uint16_t)(regs[1] << 8 | regs[0]));
}

static const struct dd_serial_ops ch_ops = {
	.init = ch_init,
	.check = ch_check,
	.configure = ch_configure,
	.set_lines = ch_set_lines,
	.poll_lines = ch_poll_lines,
	.set_break = ch_set_break,
};

static const struct devdrv_driver ch34x_driver = {
	.name = "ch34x",
	.description = "WCH CH340/CH341 USB UARTs",
	DD_SERIAL_DRIVER_DEFAULTS,
	.match = ch34x_match,
	.priv_size = sizeof(struct dd_serial),
	.class_ops = &ch_ops,
};
DD_DRIVER_REGISTER(ch34x_driver);
