/* serial-chips.c — virtual USB UART models: FTDI FT232R and FT2232H, Silicon
 * Labs CP2102, WCH CH340, Prolific PL2303HX and a CDC-ACM device. Each checks
 * the control requests it receives against what the real chip accepts (and
 * stalls the rest), loops transmitted bytes back to its receiver, and wires
 * its modem lines like a null-modem plug: DTR drives DSR and DCD, RTS drives
 * CTS. FTDI models frame IN data with two status bytes per packet. */
#include "fifo.h"
#include "vmodel.h"

#include <devdrv/serial.h>
#include <string.h>

enum chip_kind { FT232R, FT2232H, CP2102, CH340, PL2303, ACM, ACM2 };

struct chip_port {
	struct vfifo rx;
	int status_dirty; /* FTDI: send a status packet even without data */
};

struct chip {
	enum chip_kind kind;
	struct chip_port port[2];
	unsigned lines; /* DEVDRV_SERIAL_DTR | RTS, as the host set them */
	int enabled;    /* CP210x IFC_ENABLE */
	uint32_t baud;
	uint8_t latency_ms; /* FTDI latency timer; 0: the chip's default, 16 */
	uint8_t line_coding[7];
	uint8_t regs[256]; /* CH34x registers, PL2303 vendor registers */
	int status_pending; /* CDC / PL2303: a status report is due */
};

static unsigned null_modem_inputs(unsigned lines)
{
	return ((lines & DEVDRV_SERIAL_DTR) ? DEVDRV_SERIAL_DSR | DEVDRV_SERIAL_DCD : 0) |
	       ((lines & DEVDRV_SERIAL_RTS) ? DEVDRV_SERIAL_CTS : 0);
}

static struct chip *chip_of(struct devdrv_vdev *d, enum chip_kind kind)
{
	struct chip *c = devdrv_vdev_state(d);

	c->kind = kind;
	return c;
}

static void set_lines(struct chip *c, unsigned lines)
{
	if (lines != c->lines) {
		c->lines = lines;
		c->port[0].status_dirty = c->port[1].status_dirty = 1;
		c->status_pending = 1;
	}
}

/* FTDI MODEM_CTRL and CP210x SET_MHS: bits 8 and 9 say whether bits 0
 * (DTR) and 1 (RTS) are to be applied. */
static unsigned masked_lines(unsigned lines, uint16_t v)
{
	if (v & 0x100)
		lines = (v & 0x001) ? lines | DEVDRV_SERIAL_DTR : lines & ~(unsigned)DEVDRV_SERIAL_DTR;
	if (v & 0x200)
		lines = (v & 0x002) ? lines | DEVDRV_SERIAL_RTS : lines & ~(unsigned)DEVDRV_SERIAL_RTS;
	return lines;
}

static int reply(struct devdrv_transfer *t, const uint8_t *data, size_t len)
{
	size_t n = len < t->length ? len : t->length;

	if (n) /* a zero-length data stage may come with no buffer */
		memcpy(t->buffer, data, n);
	return (int)n;
}

/* ---- data path -------------------------------------------------------------- */

/* OUT endpoints feed the receiver of the same port; IN drains it. */
static int loop_data(struct chip_port *p, struct devdrv_transfer *t)
{
	if (!(t->endpoint & 0x80)) {
		t->actual_length += vfifo_put(&p->rx, t->buffer + t->actual_length, t->length - t->actual_length);
		return t->actual_length == t->length;
	}
	if (!p->rx.count)
		return 0;
	t->actual_length = vfifo_get(&p->rx, t->buffer, t->length);
	return 1;
}

static void ftdi_status_bytes(const struct chip *c, uint8_t *st)
{
	unsigned in = null_modem_inputs(c->lines);

	st[0] = (uint8_t)(0x01 | ((in & DEVDRV_SERIAL_CTS) ? 0x10 : 0) | ((in & DEVDRV_SERIAL_DSR) ? 0x20 : 0) |
	                  ((in & DEVDRV_SERIAL_DCD) ? 0x80 : 0));
	st[1] = 0x60; /* transmitter empty */
}

/* Every packet of up to @mps bytes starts with the two status bytes. */
static int ftdi_in(struct chip *c, struct chip_port *p, struct devdrv_transfer *t, size_t mps)
{
	size_t off = 0;

	if (!p->rx.count && !p->status_dirty)
		return 0;
	p->status_dirty = 0;
	do {
		size_t room = t->length - off;
		size_t chunk = room < mps ? room : mps;

		if (chunk < 2)
			break;
		ftdi_status_bytes(c, t->buffer + off);
		off += 2 + vfifo_get(&p->rx, t->buffer + off + 2, chunk - 2);
	} while (p->rx.count && off % mps == 0 && off < t->length);
	t->actual_length = off;
	return 1;
}

/* ---- FTDI ------------------------------------------------------------------- */

static int ftdi_port_ok(const struct chip *c, uint16_t index)
{
	unsigned port = index & 0xff;

	return c->kind == FT2232H ? (port == 1 || port == 2) : port == 0;
}

/* AN232B-05: a valid divisor is 0 (3 MHz), 1 (2 MHz) or an integer part of
 * 2..16383 with any eighths. Returns the rate, 0 when invalid. */
static uint32_t ftdi_decode_baud(uint32_t div, int high_speed)
{
	static const uint8_t eighths_of_code[8] = { 0, 4, 2, 1, 3, 5, 6, 7 };
	uint32_t clock = (high_speed && (div & (1u << 17))) ? 12000000 : 3000000;
	uint32_t d8;

	div &= ~(1u << 17);
	if (div == 0)
		return clock;
	if (div == 1)
		return clock * 2 / 3;
	d8 = (div & 0x3fff) * 8 + eighths_of_code[(div >> 14) & 7];
	return d8 < 16 ? 0 : (uint32_t)(((uint64_t)clock * 8 + d8 / 2) / d8);
}

static int ftdi_control(struct devdrv_vdev *d, struct devdrv_transfer *t, enum chip_kind kind)
{
	struct chip *c = chip_of(d, kind);
	uint16_t v = t->setup.value, i = t->setup.index;

	if (t->setup.request_type == 0xc0 && t->setup.request == 0x05) { /* GET_MODEM_STATUS */
		uint8_t st[2];

		ftdi_status_bytes(c, st);
		return reply(t, st, sizeof(st));
	}
	if (t->setup.request_type == 0xc0 && t->setup.request == 0x0a) { /* GET_LATENCY_TIMER */
		uint8_t ms = c->latency_ms ? c->latency_ms : 16;

		return ftdi_port_ok(c, i) ? reply(t, &ms, 1) : DEVDRV_E_PIPE;
	}
	if (t->setup.request_type == 0xc0 && t->setup.request == 0x90) { /* READ_EEPROM: word at wIndex */
		static const uint8_t word[2]; /* CBUS pins in their default roles, none a GPIO */

		return i < 64 ? reply(t, word, sizeof(word)) : DEVDRV_E_PIPE;
	}
	if (t->setup.request_type != 0x40 || t->length)
		return DEVDRV_E_PIPE;
	if (t->setup.request == 0x03) { /* SET_BAUDRATE: bits 16-17 in wIndex */
		uint32_t div = kind == FT2232H ? (uint32_t)v | (uint32_t)(i >> 8) << 16 : (uint32_t)v | (uint32_t)(i & 1) << 16;

		if ((kind == FT2232H && !ftdi_port_ok(c, i)) || !(c->baud = ftdi_decode_baud(div, kind == FT2232H)))
			return DEVDRV_E_PIPE;
		devdrv_vdev_log(d, DEVDRV_LOG_INFO, "baud rate %u (divisor 0x%05x)", c->baud, div);
		return 0;
	}
	if (!ftdi_port_ok(c, i))
		return DEVDRV_E_PIPE;
	switch (t->setup.request) {
	case 0x00: return v <= 2 ? 0 : DEVDRV_E_PIPE;                          /* RESET / purge */
	case 0x01: /* MODEM_CTRL: bits 8/9 enable bits 0/1 */
		set_lines(c, masked_lines(c->lines, v));
		return 0;
	case 0x02: return ((i >> 8) == 0 || (i >> 8) == 1 || (i >> 8) == 2 || (i >> 8) == 4) ? 0 : DEVDRV_E_PIPE;
	case 0x04: /* SET_DATA: 7 or 8 bits, parity 0-4, stop 0-2 */
		return ((v & 0xff) == 7 || (v & 0xff) == 8) && ((v >> 8) & 7) <= 4 && ((v >> 11) & 7) <= 2 ? 0 : DEVDRV_E_PIPE;
	case 0x09: /* SET_LATENCY_TIMER */
		if (v < 1 || v > 255)
			return DEVDRV_E_PIPE;
		c->latency_ms = (uint8_t)v;
		return 0;
	default: return DEVDRV_E_PIPE;
	}
}

static int ft232r_control(struct devdrv_vdev *d, struct devdrv_transfer *t) { return ftdi_control(d, t, FT232R); }
static int ft2232h_control(struct devdrv_vdev *d, struct devdrv_transfer *t) { return ftdi_control(d, t, FT2232H); }

static int ft232r_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct chip *c = chip_of(d, FT232R);

	return (t->endpoint & 0x80) ? ftdi_in(c, &c->port[0], t, 64) : loop_data(&c->port[0], t);
}

static int ft2232h_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct chip *c = chip_of(d, FT2232H);
	struct chip_port *p = &c->port[(t->endpoint & 0x0f) >= 3 ? 1 : 0]; /* 0x81/0x02: A, 0x83/0x04: B */

	return (t->endpoint & 0x80) ? ftdi_in(c, p, t, 512) : loop_data(p, t);
}

/* ---- CP210x (AN571) ---------------------------------------------------------- */

static int cp2102_control(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct chip *c = chip_of(d, CP2102);
	uint16_t v = t->setup.value;

	if ((t->setup.request_type != 0x41 && t->setup.request_type != 0xc1) || t->setup.index != 0)
		return DEVDRV_E_PIPE;
	if (t->setup.request == 0x00) { /* IFC_ENABLE */
		c->enabled = v == 1;
		return v <= 1 ? 0 : DEVDRV_E_PIPE;
	}
	if (!c->enabled) /* everything else needs the interface enabled */
		return DEVDRV_E_PIPE;
	switch (t->setup.request) {
	case 0x1e: { /* SET_BAUDRATE: the model's clock makes 24 MHz / n */
		uint32_t want;

		if (t->length != 4)
			return DEVDRV_E_PIPE;
		want = t->buffer[0] | t->buffer[1] << 8 | (uint32_t)t->buffer[2] << 16 | (uint32_t)t->buffer[3] << 24;
		if (want < 300 || want > 3000000)
			return DEVDRV_E_PIPE;
		c->baud = 24000000 / ((24000000 + want / 2) / want);
		return 4;
	}
	case 0x1d: { /* GET_BAUDRATE */
		uint8_t b[4] = { (uint8_t)c->baud, (uint8_t)(c->baud >> 8), (uint8_t)(c->baud >> 16), (uint8_t)(c->baud >> 24) };

		return reply(t, b, sizeof(b));
	}
	case 0x03: /* SET_LINE_CTL: 5-8 data bits; 1.5 stop bits only with 5 */
		if ((v >> 8) < 5 || (v >> 8) > 8 || ((v >> 4) & 0xf) > 4 || (v & 0xf) > 2 ||
		    ((v & 0xf) == 1 && (v >> 8) != 5))
			return DEVDRV_E_PIPE;
		return 0;
	case 0x05: return v <= 1 ? 0 : DEVDRV_E_PIPE; /* SET_BREAK */
	case 0x07: /* SET_MHS */
		set_lines(c, masked_lines(c->lines, v));
		return 0;
	case 0x08: { /* GET_MDMSTS */
		unsigned in = null_modem_inputs(c->lines);
		uint8_t st = (uint8_t)(((c->lines & DEVDRV_SERIAL_DTR) ? 0x01 : 0) | ((c->lines & DEVDRV_SERIAL_RTS) ? 0x02 : 0) |
		                       ((in & DEVDRV_SERIAL_CTS) ? 0x10 : 0) | ((in & DEVDRV_SERIAL_DSR) ? 0x20 : 0) |
		                       ((in & DEVDRV_SERIAL_DCD) ? 0x80 : 0));

		return reply(t, &st, 1);
	}
	case 0x12: return (v & ~0x0fu) ? DEVDRV_E_PIPE : 0; /* PURGE */
	case 0x13: return t->length == 16 ? 16 : DEVDRV_E_PIPE; /* SET_FLOW */
	case 0x19: return t->length == 6 ? 6 : DEVDRV_E_PIPE;   /* SET_CHARS */
	default: return DEVDRV_E_PIPE;
	}
}

static int cp2102_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	return loop_data(&chip_of(d, CP2102)->port[0], t);
}

/* ---- CH340 (per the kernel's ch341.c) ------------------------------------------ */

static int ch340_control(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct chip *c = chip_of(d, CH340);
	uint16_t v = t->setup.value, i = t->setup.index;

	switch (t->setup.request_type << 8 | t->setup.request) {
	case 0xc05f: { /* READ_VERSION */
		static const uint8_t version[2] = { 0x31, 0x00 };
		return reply(t, version, sizeof(version));
	}
	case 0x40a1: return 0; /* SERIAL_INIT */
	case 0x409a:           /* WRITE_REG: two registers, two values */
		if ((v & 0xff) == 0x12 && (i >> 8) > 0xfe)
			return DEVDRV_E_PIPE; /* a divisor below 2 */
		c->regs[v & 0xff] = (uint8_t)i;
		c->regs[v >> 8] = (uint8_t)(i >> 8);
		return 0;
	case 0xc095: { /* READ_REG; 0x06 is the modem status, active-low */
		unsigned in = null_modem_inputs(c->lines);
		uint8_t out[2] = { c->regs[v & 0xff], c->regs[v >> 8] };

		if ((v & 0xff) == 0x06)
			out[0] = (uint8_t)~(((in & DEVDRV_SERIAL_CTS) ? 1 : 0) | ((in & DEVDRV_SERIAL_DSR) ? 2 : 0) |
			                    ((in & DEVDRV_SERIAL_DCD) ? 8 : 0));
		return reply(t, out, sizeof(out));
	}
	case 0x40a4: /* MODEM_CTRL: active-low DTR bit 5, RTS bit 6 */
		set_lines(c, ((v & 0x20) ? 0 : DEVDRV_SERIAL_DTR) | ((v & 0x40) ? 0 : DEVDRV_SERIAL_RTS));
		return 0;
	default:
		return DEVDRV_E_PIPE;
	}
}

static int ch340_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct chip *c = chip_of(d, CH340);

	if (t->endpoint == 0x81)
		return 0; /* the interrupt pipe: nothing to report in this model */
	return loop_data(&c->port[0], t);
}

/* ---- PL2303HX (per the kernel's pl2303.c) and CDC-ACM ---------------------------- */

static int line_requests(struct chip *c, struct devdrv_transfer *t, uint16_t index)
{
	if (t->setup.index != index)
		return DEVDRV_E_PIPE;
	switch (t->setup.request_type << 8 | t->setup.request) {
	case 0x2120: /* SET_LINE_CODING: 7 bytes */
		if (t->length != 7 || t->buffer[4] > 2 || t->buffer[5] > 4 || t->buffer[6] < 5 || t->buffer[6] > 8)
			return DEVDRV_E_PIPE;
		memcpy(c->line_coding, t->buffer, 7);
		return 7;
	case 0xa121: return reply(t, c->line_coding, 7); /* GET_LINE_CODING */
	case 0x2122:                                      /* SET_CONTROL_LINE_STATE */
		set_lines(c, ((t->setup.value & 1) ? DEVDRV_SERIAL_DTR : 0) | ((t->setup.value & 2) ? DEVDRV_SERIAL_RTS : 0));
		return 0;
	case 0x2123: return 0; /* SEND_BREAK */
	default: return DEVDRV_E_PIPE;
	}
}

static int pl2303_control(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct chip *c = chip_of(d, PL2303);
	uint16_t v = t->setup.value;

	if (t->setup.request_type == 0xc0 && t->setup.request == 0x01) { /* vendor read */
		uint8_t byte = (v == 0x8484 || v == 0x8383) ? 0x02 : c->regs[v & 0x7f];
		return reply(t, &byte, 1);
	}
	if (t->setup.request_type == 0x40 && t->setup.request == 0x01 && !t->length) { /* vendor write */
		c->regs[v & 0x7f] = (uint8_t)t->setup.index;
		return 0;
	}
	return line_requests(c, t, 0);
}

static int status_report(struct chip *c, struct devdrv_transfer *t, enum chip_kind kind)
{
	unsigned in = null_modem_inputs(c->lines);
	uint8_t r[10] = { 0 };

	if (!c->status_pending)
		return 0;
	c->status_pending = 0;
	if (kind == PL2303) { /* byte 8: DCD 0x01, DSR 0x02, CTS 0x80 */
		r[8] = (uint8_t)(((in & DEVDRV_SERIAL_DCD) ? 0x01 : 0) | ((in & DEVDRV_SERIAL_DSR) ? 0x02 : 0) |
		                 ((in & DEVDRV_SERIAL_CTS) ? 0x80 : 0));
	} else { /* CDC SERIAL_STATE: bRxCarrier (DCD) bit 0, bTxCarrier (DSR) bit 1 */
		r[0] = 0xa1, r[1] = 0x20, r[6] = 2;
		r[8] = (uint8_t)(((in & DEVDRV_SERIAL_DCD) ? 0x01 : 0) | ((in & DEVDRV_SERIAL_DSR) ? 0x02 : 0));
	}
	t->actual_length = t->length < sizeof(r) ? t->length : sizeof(r);
	memcpy(t->buffer, r, t->actual_length);
	return 1;
}

static int pl2303_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct chip *c = chip_of(d, PL2303);

	return t->endpoint == 0x81 ? status_report(c, t, PL2303) : loop_data(&c->port[0], t);
}

static int acm_control(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	return line_requests(chip_of(d, ACM), t, 0);
}

static int acm_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct chip *c = chip_of(d, ACM);

	return t->endpoint == 0x83 ? status_report(c, t, ACM) : loop_data(&c->port[0], t);
}

/* Two ACM functions: interfaces 0/1 (notify 0x83, data 0x81/0x02) and 2/3
 * (notify 0x86, data 0x84/0x05); requests go to the communication
 * interface of the function they are for. */
static int acm2_control(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct chip *c = chip_of(d, ACM2);

	return t->setup.index == 0 || t->setup.index == 2 ? line_requests(c, t, t->setup.index) : DEVDRV_E_PIPE;
}

static int acm2_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct chip *c = chip_of(d, ACM2);
	int second = (t->endpoint & 0x0f) >= 4;

	if (t->endpoint == 0x83 || t->endpoint == 0x86)
		return 0; /* no line changes in this model */
	return loop_data(&c->port[second], t);
}

/* ---- descriptors ------------------------------------------------------------ */

static const uint8_t ft232r_dev[18] = { 18, 1, 0x00, 0x02, 0, 0, 0, 8, 0x03, 0x04, 0x01, 0x60, 0x00, 0x06, 1, 2, 3, 1 };
static const uint8_t ft232r_cfg[32] = {
	9, 2, 32, 0, 1, 1, 0, 0xa0, 45, 9, 4, 0, 0, 2, 0xff, 0xff, 0xff, 2,
	7, 5, 0x81, 2, 64, 0, 0, 7, 5, 0x02, 2, 64, 0, 0,
};
static const char *const ft232r_str[] = { NULL, "FTDI", "FT232R USB UART", "A50285BI" };

static const uint8_t ft2232h_dev[18] = { 18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x03, 0x04, 0x10, 0x60, 0x00, 0x07, 1, 2, 3, 1 };
static const uint8_t ft2232h_cfg[55] = {
	9, 2, 55, 0, 2, 1, 0, 0x80, 50,
	9, 4, 0, 0, 2, 0xff, 0xff, 0xff, 2, 7, 5, 0x81, 2, 0x00, 0x02, 0, 7, 5, 0x02, 2, 0x00, 0x02, 0,
	9, 4, 1, 0, 2, 0xff, 0xff, 0xff, 2, 7, 5, 0x83, 2, 0x00, 0x02, 0, 7, 5, 0x04, 2, 0x00, 0x02, 0,
};
static const char *const ft2232h_str[] = { NULL, "FTDI", "Dual RS232-HS", "FT2232H1" };

static const uint8_t cp2102_dev[18] = { 18, 1, 0x10, 0x01, 0, 0, 0, 64, 0xc4, 0x10, 0x60, 0xea, 0x00, 0x01, 1, 2, 3, 1 };
static const uint8_t cp2102_cfg[32] = {
	9, 2, 32, 0, 1, 1, 0, 0x80, 50, 9, 4, 0, 0, 2, 0xff, 0, 0, 2,
	7, 5, 0x81, 2, 64, 0, 0, 7, 5, 0x01, 2, 64, 0, 0,
};
static const char *const cp2102_str[] = { NULL, "Silicon Labs", "CP2102 USB to UART Bridge Controller", "0001" };

static const uint8_t ch340_dev[18] = { 18, 1, 0x10, 0x01, 0xff, 0, 0, 8, 0x86, 0x1a, 0x23, 0x75, 0x64, 0x02, 0, 2, 0, 1 };
static const uint8_t ch340_cfg[39] = {
	9, 2, 39, 0, 1, 1, 0, 0x80, 49, 9, 4, 0, 0, 3, 0xff, 1, 2, 0,
	7, 5, 0x82, 2, 32, 0, 0, 7, 5, 0x02, 2, 32, 0, 0, 7, 5, 0x81, 3, 8, 0, 1,
};
static const char *const ch340_str[] = { NULL, NULL, "USB Serial" };

static const uint8_t pl2303_dev[18] = { 18, 1, 0x10, 0x01, 0, 0, 0, 64, 0x7b, 0x06, 0x03, 0x23, 0x00, 0x03, 1, 2, 0, 1 };
static const uint8_t pl2303_cfg[39] = {
	9, 2, 39, 0, 1, 1, 0, 0xa0, 50, 9, 4, 0, 0, 3, 0xff, 0, 0, 0,
	7, 5, 0x81, 3, 10, 0, 1, 7, 5, 0x02, 2, 64, 0, 0, 7, 5, 0x83, 2, 64, 0, 0,
};
static const char *const pl2303_str[] = { NULL, "Prolific Technology Inc.", "USB-Serial Controller" };

/* pid.codes test ID 1209:0004; functional descriptors per CDC 1.2 / PSTN. */
static const uint8_t acm_dev[18] = { 18, 1, 0x00, 0x02, 2, 0, 0, 64, 0x09, 0x12, 0x04, 0x00, 0x00, 0x01, 1, 2, 3, 1 };
static const uint8_t acm_cfg[67] = {
	9, 2, 67, 0, 2, 1, 0, 0x80, 50,
	9, 4, 0, 0, 1, 2, 2, 1, 0,
	5, 0x24, 0x00, 0x10, 0x01, 5, 0x24, 0x01, 0x00, 0x01, 4, 0x24, 0x02, 0x02, 5, 0x24, 0x06, 0x00, 0x01,
	7, 5, 0x83, 3, 16, 0, 8,
	9, 4, 1, 0, 2, 0x0a, 0, 0, 0,
	7, 5, 0x81, 2, 0x00, 0x02, 0, 7, 5, 0x02, 2, 0x00, 0x02, 0,
};
static const char *const acm_str[] = { NULL, "libdevdrv", "Virtual CDC-ACM", "ACM0001" };

#define ACM_FUNCTION(comm, data, notify, in, out)                                             \
	8, 0x0b, comm, 2, 2, 2, 1, 0, /* interface association */                                \
	9, 4, comm, 0, 1, 2, 2, 1, 0,                                                             \
	5, 0x24, 0x00, 0x10, 0x01, 5, 0x24, 0x01, 0x00, data, 4, 0x24, 0x02, 0x02,                \
	5, 0x24, 0x06, comm, data, /* union: this comm interface drives that data one */        \
	7, 5, notify, 3, 16, 0, 8,                                                                \
	9, 4, data, 0, 2, 0x0a, 0, 0, 0,                                                          \
	7, 5, in, 2, 0x00, 0x02, 0, 7, 5, out, 2, 0x00, 0x02, 0

static const uint8_t acm2_dev[18] = { 18, 1, 0x00, 0x02, 0xef, 2, 1, 64, 0x09, 0x12, 0x05, 0x00, 0x00, 0x01, 1, 2, 3, 1 };
static const uint8_t acm2_cfg[9 + 2 * 66] = {
	9, 2, 141, 0, 4, 1, 0, 0x80, 50,
	ACM_FUNCTION(0, 1, 0x83, 0x81, 0x02),
	ACM_FUNCTION(2, 3, 0x86, 0x84, 0x05),
};
static const char *const acm2_str[] = { NULL, "libdevdrv", "Virtual dual CDC-ACM", "ACM0002" };

#define CHIP_MODEL(var, model_name, dev, cfg, str, spd, ctl, svc)                                 \
	static const struct devdrv_vmodel var = {                                                        \
		.name = model_name, .device_desc = dev, .config_desc = cfg, .strings = str,            \
		.num_strings = sizeof(str) / sizeof(str[0]), .speed = spd,                             \
		.state_size = sizeof(struct chip), .control = ctl, .service = svc,                      \
	};                                                                                           \
	DD_VMODEL_REGISTER(var)

CHIP_MODEL(ft232r_model, "ft232r", ft232r_dev, ft232r_cfg, ft232r_str, DEVDRV_SPEED_FULL, ft232r_control, ft232r_service);
CHIP_MODEL(ft2232h_model, "ft2232h", ft2232h_dev, ft2232h_cfg, ft2232h_str, DEVDRV_SPEED_HIGH, ft2232h_control, ft2232h_service);
CHIP_MODEL(cp2102_model, "cp2102", cp2102_dev, cp2102_cfg, cp2102_str, DEVDRV_SPEED_FULL, cp2102_control, cp2102_service);
CHIP_MODEL(ch340_model, "ch340", ch340_dev, ch340_cfg, ch340_str, DEVDRV_SPEED_FULL, ch340_control, ch340_service);
CHIP_MODEL(pl2303_model, "pl2303", pl2303_dev, pl2303_cfg, pl2303_str, DEVDRV_SPEED_FULL, pl2303_control, pl2303_service);
CHIP_MODEL(acm2_model, "cdc-acm-dual", acm2_dev, acm2_cfg, acm2_str, DEVDRV_SPEED_HIGH, acm2_control, acm2_service);
CHIP_MODEL(acm_model, "cdc-acm", acm_dev, acm_cfg, acm_str, DEVDRV_SPEED_HIGH, acm_control, acm_service);
