/* test-serial.c — the serial drivers on virtual chip models: the exact
 * control requests each driver sends for tables of rates and formats, with
 * expected values taken from the vendors' documents (not from our code),
 * refusals of what a chip cannot do, payload round trips and modem lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <devdrv/serial.h>
#include <devdrv/virtual.h>
#include "internal.h"

struct req {
	uint8_t type, request;
	uint16_t value, index, length;
	const char *data; /* hex of the data stage's first bytes, or NULL */
};

struct bed {
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
};

static struct bed open_chip(const char *model, const char *selector)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct bed b = { 0 };

	assert_int_equal(devdrv_context_new(&o, &b.ctx), 0);
	assert_int_equal(devdrv_virtual_unplug_all(b.ctx), 2); /* the loopback and the button: start empty */
	assert_int_equal(devdrv_virtual_plug(b.ctx, model, "1-1"), 0);
	if (devdrv_open(b.ctx, selector, &b.h) < 0)
		fail_msg("open %s: %s", model, devdrv_context_errmsg(b.ctx));
	dd_virtual_control_log_clear(b.ctx, "1-1");
	return b;
}

static void close_chip(struct bed *b)
{
	devdrv_close(b->h);
	devdrv_context_free(b->ctx);
}

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	out[2 * n] = 0;
}

/* The device saw exactly @n requests, equal to @want, since the last clear. */
static void expect_requests(struct bed *b, const struct req *want, size_t n, const char *what)
{
	struct dd_vcontrol got[DD_VCONTROL_LOG];
	size_t count = dd_virtual_control_log(b->ctx, "1-1", got, DD_VCONTROL_LOG);

	for (size_t i = 0; i < n || i < count; i++) {
		char data[40] = "";

		if (i >= count || i >= n)
			fail_msg("%s: %zu requests sent, %zu expected", what, count, n);
		hex(got[i].data, got[i].length < 16 ? got[i].length : 16, data);
		if (got[i].request_type != want[i].type || got[i].request != want[i].request ||
		    got[i].value != want[i].value || got[i].index != want[i].index ||
		    got[i].length != want[i].length || (want[i].data && strcmp(data, want[i].data)) || got[i].status)
			fail_msg("%s: request %zu is %02x/%02x value %04x index %04x len %u data %s status %d; "
			         "expected %02x/%02x value %04x index %04x len %u data %s",
			         what, i, got[i].request_type, got[i].request, got[i].value, got[i].index,
			         got[i].length, data, got[i].status, want[i].type, want[i].request, want[i].value,
			         want[i].index, want[i].length, want[i].data ? want[i].data : "-");
	}
	dd_virtual_control_log_clear(b->ctx, "1-1");
}

static struct devdrv_serial_config cfg(uint32_t baud, const char *format, enum devdrv_flow flow)
{
	struct devdrv_serial_config c = { .baud = baud, .flow = flow };

	assert_int_equal(devdrv_serial_parse_format(format, &c), 0);
	return c;
}

static void round_trip(struct bed *b)
{
	char back[32] = { 0 };
	size_t got = 0;

	assert_int_equal(devdrv_write(b->h, "hello, serial", 13, 1000), 13);
	while (got < 13) {
		ssize_t n = devdrv_read(b->h, back + got, sizeof(back) - 1 - got, 1000);

		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_string_equal(back, "hello, serial"); /* payload only: no status bytes */
}

/* ---- FTDI: AN232B-05 ----------------------------------------------------------- */

static void test_ftdi_ft232r_baud_table(void **state)
{
	/* AN232B-05's standard table, its worked example (53.625 -> 55944
	 * baud) and the two special divisors 0 (3 MHz) and 1 (2 MHz). The
	 * FT232R puts divisor bit 16 in wIndex bit 0. One exception: for 57600
	 * the note's INF table has 0x0034 (divisor 52, 57692 baud, +0.16%),
	 * but 52.125 (0xc034: 1/8 is code 3 in bits 14-16, 57554 baud,
	 * -0.08%) is nearer, and the nearest is what we promise. */
	static const struct {
		uint32_t baud;
		uint16_t value, index;
	} rates[] = {
		{ 300, 0x2710, 0 },   { 600, 0x1388, 0 },   { 1200, 0x09c4, 0 },  { 2400, 0x04e2, 0 },
		{ 4800, 0x0271, 0 },  { 9600, 0x4138, 0 },  { 19200, 0x809c, 0 }, { 38400, 0xc04e, 0 },
		{ 57600, 0xc034, 0 }, { 115200, 0x001a, 0 }, { 230400, 0x000d, 0 }, { 460800, 0x4006, 0 },
		{ 921600, 0x8003, 0 }, { 55944, 0x4035, 1 }, { 3000000, 0x0000, 0 }, { 2000000, 0x0001, 0 },
	};
	struct bed b = open_chip("ft232r", "0403:6001");

	(void)state;
	assert_string_equal(devdrv_handle_driver(b.h), "ftdi");
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct devdrv_serial_config c = cfg(rates[i].baud, "8N1", DEVDRV_FLOW_NONE);
		const struct req want[] = {
			{ 0x40, 0x03, rates[i].value, rates[i].index, 0, NULL },
			{ 0x40, 0x04, 0x0008, 0, 0, NULL },
			{ 0x40, 0x02, 0x0000, 0x0000, 0, NULL },
		};
		char what[32];

		snprintf(what, sizeof(what), "%u baud", rates[i].baud);
		assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), 0);
		expect_requests(&b, want, 3, what);
	}
	close_chip(&b);
}

static void test_ftdi_formats_flow_lines(void **state)
{
	static const struct {
		const char *format;
		uint16_t value; /* SET_DATA: bits 0-7 data, 8-10 parity, 11-13 stop */
	} formats[] = { { "7E2", 0x1207 }, { "8O1", 0x0108 }, { "8N1.5", 0x0808 }, { "8M1", 0x0308 }, { "8S1", 0x0408 } };
	struct bed b = open_chip("ft232r", "0403:6001");
	struct devdrv_serial_config c = cfg(115200, "8N1", DEVDRV_FLOW_RTSCTS), actual;
	unsigned lines = 0;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		struct devdrv_serial_config f = cfg(115200, formats[i].format, DEVDRV_FLOW_NONE);
		const struct req want[] = {
			{ 0x40, 0x03, 0x001a, 0, 0, NULL }, { 0x40, 0x04, formats[i].value, 0, 0, NULL },
			{ 0x40, 0x02, 0, 0, 0, NULL },
		};

		assert_int_equal(devdrv_serial_configure(b.h, &f, NULL), 0);
		expect_requests(&b, want, 3, formats[i].format);
	}
	assert_int_equal(devdrv_serial_configure(b.h, &c, &actual), 0);
	assert_int_equal(actual.baud, 115385); /* 3 MHz / 26: the chip's nearest rate */
	{
		const struct req want[] = { { 0x40, 0x03, 0x001a, 0, 0, NULL }, { 0x40, 0x04, 0x0008, 0, 0, NULL },
			                    { 0x40, 0x02, 0x0000, 0x0100, 0, NULL } }; /* RTS/CTS: flow 0x01 in wIndex high byte */
		expect_requests(&b, want, 3, "rts/cts");
	}
	c.flow = DEVDRV_FLOW_XONXOFF;
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), 0);
	{
		const struct req want[] = { { 0x40, 0x03, 0x001a, 0, 0, NULL }, { 0x40, 0x04, 0x0008, 0, 0, NULL },
			                    { 0x40, 0x02, 0x1311, 0x0400, 0, NULL } }; /* XOFF 0x13, XON 0x11 */
		expect_requests(&b, want, 3, "xon/xoff");
	}
	assert_int_equal(devdrv_serial_set_lines(b.h, DEVDRV_SERIAL_DTR, 0), 0);
	assert_int_equal(devdrv_serial_break(b.h, 1), 0);
	assert_int_equal(devdrv_serial_purge(b.h, DEVDRV_SERIAL_PURGE_RX | DEVDRV_SERIAL_PURGE_TX), 0);
	assert_int_equal(devdrv_serial_set_latency(b.h, 2), 0);
	{
		const struct req want[] = {
			{ 0x40, 0x01, 0x0302, 0, 0, NULL }, /* DTR off, RTS on: bits 8/9 enable bits 0/1 */
			{ 0x40, 0x04, 0x4008, 0, 0, NULL }, /* break: bit 14 of SET_DATA */
			{ 0x40, 0x00, 0x0001, 0, 0, NULL }, /* purge RX */
			{ 0x40, 0x00, 0x0002, 0, 0, NULL }, /* purge TX */
			{ 0x40, 0x09, 0x0002, 0, 0, NULL }, /* latency timer */
		};
		expect_requests(&b, want, 5, "lines, break, purge, latency");
	}
	c = cfg(9600, "6N1", DEVDRV_FLOW_NONE);
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), DEVDRV_E_UNSUPPORTED);
	assert_non_null(strstr(devdrv_errmsg(b.h), "7 or 8 data bits"));
	c = cfg(100, "8N1", DEVDRV_FLOW_NONE);
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), DEVDRV_E_UNSUPPORTED);
	round_trip(&b);
	/* RTS is up, DTR down: the null-modem model shows CTS only */
	assert_int_equal(devdrv_serial_get_lines(b.h, &lines), 0);
	assert_int_equal(lines & (DEVDRV_SERIAL_CTS | DEVDRV_SERIAL_DSR | DEVDRV_SERIAL_DCD), DEVDRV_SERIAL_CTS);
	close_chip(&b);
}

static void test_ftdi_ft2232h_ports_and_high_speed_clock(void **state)
{
	/* H chips: 12 MHz clock flagged by divisor bit 17, which goes with bit
	 * 16 into wIndex's high byte; the low byte is the port (A = 1, B = 2). */
	struct bed b = open_chip("ft2232h", "0403:6010,iface=1");
	struct devdrv_serial_config c = cfg(115200, "8N1", DEVDRV_FLOW_NONE), actual;

	(void)state;
	assert_int_equal(devdrv_serial_configure(b.h, &c, &actual), 0);
	assert_int_equal(actual.baud, 115246); /* 12 MHz / 104.125 */
	c.baud = 12000000;
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), 0);
	c.baud = 300; /* below 1200 the H chips use the 3 MHz clock */
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), 0);
	{
		const struct req want[] = {
			{ 0x40, 0x03, 0xc068, 0x0202, 0, NULL }, { 0x40, 0x04, 0x0008, 2, 0, NULL }, { 0x40, 0x02, 0, 2, 0, NULL },
			{ 0x40, 0x03, 0x0000, 0x0202, 0, NULL }, { 0x40, 0x04, 0x0008, 2, 0, NULL }, { 0x40, 0x02, 0, 2, 0, NULL },
			{ 0x40, 0x03, 0x2710, 0x0002, 0, NULL }, { 0x40, 0x04, 0x0008, 2, 0, NULL }, { 0x40, 0x02, 0, 2, 0, NULL },
		};
		expect_requests(&b, want, 9, "FT2232H port B");
	}
	round_trip(&b);
	close_chip(&b);
}

/* ---- CP210x: AN571 ----------------------------------------------------------------- */

static void test_cp210x_requests(void **state)
{
	struct bed b = open_chip("cp2102", "10c4:ea60");
	struct devdrv_serial_config c = cfg(115200, "8N1", DEVDRV_FLOW_NONE), actual;
	unsigned lines;

	(void)state;
	assert_string_equal(devdrv_handle_driver(b.h), "cp210x");
	assert_int_equal(devdrv_serial_configure(b.h, &c, &actual), 0);
	assert_int_equal(actual.baud, 115384); /* what GET_BAUDRATE says the chip chose */
	{
		const struct req want[] = {
			{ 0x41, 0x1e, 0, 0, 4, "00c20100" },  /* SET_BAUDRATE 115200 LE */
			{ 0xc1, 0x1d, 0, 0, 4, NULL },        /* GET_BAUDRATE */
			{ 0x41, 0x03, 0x0800, 0, 0, NULL },   /* SET_LINE_CTL: 8 data bits, no parity, 1 stop */
			{ 0x41, 0x13, 0, 0, 16, "01000000400000008000000080000000" }, /* DTR, RTS active */
		};
		expect_requests(&b, want, 4, "115200 8N1");
	}
	c = cfg(9600, "7E2", DEVDRV_FLOW_RTSCTS);
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), 0);
	{
		const struct req want[] = {
			{ 0x41, 0x1e, 0, 0, 4, "80250000" }, { 0xc1, 0x1d, 0, 0, 4, NULL },
			{ 0x41, 0x03, 0x0722, 0, 0, NULL }, /* 7 bits, even (2 << 4), 2 stop bits */
			{ 0x41, 0x13, 0, 0, 16, "09000000800000008000000080000000" }, /* CTS handshake, RTS flow */
		};
		expect_requests(&b, want, 4, "9600 7E2 rts/cts");
	}
	c = cfg(9600, "8N1", DEVDRV_FLOW_XONXOFF);
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), 0);
	{
		const struct req want[] = {
			{ 0x41, 0x1e, 0, 0, 4, "80250000" }, { 0xc1, 0x1d, 0, 0, 4, NULL }, { 0x41, 0x03, 0x0800, 0, 0, NULL },
			{ 0x41, 0x19, 0, 0, 6, "000000001113" },                      /* SET_CHARS: XON, XOFF */
			{ 0x41, 0x13, 0, 0, 16, "01000000430000008000000080000000" }, /* auto TX/RX */
		};
		expect_requests(&b, want, 5, "xon/xoff");
	}
	c = cfg(9600, "8N1.5", DEVDRV_FLOW_NONE); /* 1.5 stop bits exist only with 5 data bits */
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), DEVDRV_E_UNSUPPORTED);
	assert_non_null(strstr(devdrv_errmsg(b.h), "CP210x refused"));
	dd_virtual_control_log_clear(b.ctx, "1-1");
	assert_int_equal(devdrv_serial_set_lines(b.h, DEVDRV_SERIAL_RTS, 0), 0);
	assert_int_equal(devdrv_serial_get_lines(b.h, &lines), 0);
	assert_int_equal(devdrv_serial_break(b.h, 1), 0);
	assert_int_equal(devdrv_serial_purge(b.h, DEVDRV_SERIAL_PURGE_RX | DEVDRV_SERIAL_PURGE_TX), 0);
	{
		const struct req want[] = {
			{ 0x41, 0x07, 0x0301, 0, 0, NULL }, /* SET_MHS: both masks (bits 8, 9), DTR on, RTS off */
			{ 0xc1, 0x08, 0, 0, 1, NULL },      /* GET_MDMSTS */
			{ 0x41, 0x05, 1, 0, 0, NULL },      /* SET_BREAK */
			{ 0x41, 0x12, 0x000f, 0, 0, NULL }, /* PURGE: transmit and receive queues */
		};
		expect_requests(&b, want, 4, "lines, status, break, purge");
	}
	assert_int_equal(lines & (DEVDRV_SERIAL_DTR | DEVDRV_SERIAL_RTS | DEVDRV_SERIAL_DSR | DEVDRV_SERIAL_CTS),
	                 DEVDRV_SERIAL_DTR | DEVDRV_SERIAL_DSR);
	round_trip(&b);
	dd_virtual_control_log_clear(b.ctx, "1-1");
	devdrv_close(b.h);
	{
		struct dd_vcontrol log[4];
		size_t n = dd_virtual_control_log(b.ctx, "1-1", log, 4);

		/* close: DTR and RTS down, then the interface disabled */
		assert_int_equal(n, 2);
		assert_int_equal(log[0].request, 0x07);
		assert_int_equal(log[0].value, 0x0300);
		assert_int_equal(log[1].request, 0x00);
		assert_int_equal(log[1].value, 0);
	}
	devdrv_context_free(b.ctx);
}

/* ---- CH34x: values from WCH's driver as recorded in the Linux ch341.c ---------- */

static void test_ch34x_requests(void **state)
{
	static const struct {
		uint32_t baud;
		uint16_t divisor; /* prescaler | divisor << 8, plus bit 7 (no packet wait) */
	} rates[] = { { 2400, 0xd981 }, { 4800, 0x6482 }, { 9600, 0xb282 }, { 19200, 0xd982 },
		      { 38400, 0x6483 }, { 115200, 0xcc83 } };
	static const struct {
		const char *format;
		uint16_t lcr; /* RX/TX enable 0xc0 | data bits - 5 | parity | stop */
	} formats[] = { { "8N1", 0x00c3 }, { "7E1", 0x00da }, { "8O2", 0x00cf }, { "5S1", 0x00f8 } };
	struct bed b = open_chip("ch340", "1a86:7523");
	struct devdrv_serial_config c;
	unsigned lines;

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		const struct req want[] = {
			{ 0x40, 0x9a, 0x1312, rates[i].divisor, 0, NULL },
			{ 0x40, 0x9a, 0x2518, 0x00c3, 0, NULL },
			{ 0x40, 0x9a, 0x2727, 0x0000, 0, NULL },
		};
		char what[32];

		c = cfg(rates[i].baud, "8N1", DEVDRV_FLOW_NONE);
		snprintf(what, sizeof(what), "%u baud", rates[i].baud);
		assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), 0);
		expect_requests(&b, want, 3, what);
	}
	for (size_t i = 0; i < 4; i++) {
		const struct req want[] = {
			{ 0x40, 0x9a, 0x1312, 0xb282, 0, NULL },
			{ 0x40, 0x9a, 0x2518, formats[i].lcr, 0, NULL },
			{ 0x40, 0x9a, 0x2727, 0x0000, 0, NULL },
		};

		c = cfg(9600, formats[i].format, DEVDRV_FLOW_NONE);
		assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), 0);
		expect_requests(&b, want, 3, formats[i].format);
	}
	c = cfg(9600, "8N1.5", DEVDRV_FLOW_NONE);
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), DEVDRV_E_UNSUPPORTED);
	c = cfg(9600, "8N1", DEVDRV_FLOW_XONXOFF);
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), DEVDRV_E_UNSUPPORTED);
	assert_non_null(strstr(devdrv_errmsg(b.h), "XON/XOFF"));
	dd_virtual_control_log_clear(b.ctx, "1-1");
	assert_int_equal(devdrv_serial_set_lines(b.h, DEVDRV_SERIAL_RTS, 0), 0);
	assert_int_equal(devdrv_serial_get_lines(b.h, &lines), 0);
	{
		const struct req want[] = {
			{ 0x40, 0xa4, 0xffdf, 0, 0, NULL }, /* active-low: DTR (bit 5) on, RTS (bit 6) off */
			{ 0xc0, 0x95, 0x0706, 0, 2, NULL }, /* modem status */
		};
		expect_requests(&b, want, 2, "lines");
	}
	assert_int_equal(lines & (DEVDRV_SERIAL_DSR | DEVDRV_SERIAL_DCD | DEVDRV_SERIAL_CTS), DEVDRV_SERIAL_DSR | DEVDRV_SERIAL_DCD);
	round_trip(&b);
	close_chip(&b);
}

/* ---- PL2303: the Linux kernel's pl2303.c -------------------------------------------- */

static void test_pl2303_startup_and_line_coding(void **state)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct bed b = { 0 };
	struct devdrv_serial_config c, actual;
	unsigned lines = 0;

	(void)state;
	assert_int_equal(devdrv_context_new(&o, &b.ctx), 0);
	assert_int_equal(devdrv_virtual_unplug_all(b.ctx), 2); /* the loopback and the button: start empty */
	assert_int_equal(devdrv_virtual_plug(b.ctx, "pl2303", "1-1"), 0);
	assert_int_equal(devdrv_open(b.ctx, "067b:2303", &b.h), 0);
	{
		const struct req startup[] = {
			{ 0xc0, 0x01, 0x8484, 0, 1, NULL }, { 0x40, 0x01, 0x0404, 0, 0, NULL },
			{ 0xc0, 0x01, 0x8484, 0, 1, NULL }, { 0xc0, 0x01, 0x8383, 0, 1, NULL },
			{ 0xc0, 0x01, 0x8484, 0, 1, NULL }, { 0x40, 0x01, 0x0404, 1, 0, NULL },
			{ 0xc0, 0x01, 0x8484, 0, 1, NULL }, { 0xc0, 0x01, 0x8383, 0, 1, NULL },
			{ 0x40, 0x01, 0x0000, 1, 0, NULL }, { 0x40, 0x01, 0x0001, 0, 0, NULL },
			{ 0x40, 0x01, 0x0002, 0x44, 0, NULL }, /* HX */
			{ 0x40, 0x01, 0x0008, 0, 0, NULL },    { 0x40, 0x01, 0x0009, 0, 0, NULL },
			{ 0x21, 0x20, 0, 0, 7, "80250000000008" }, /* 9600 8N1 */
			{ 0xc0, 0x01, 0x0080, 0, 1, NULL },        /* flow: read register 0 ... */
			{ 0x40, 0x01, 0x0000, 0x0001, 0, NULL },   /* ... write it back without flow bits */
			{ 0x21, 0x22, 0x0003, 0, 0, NULL },        /* DTR and RTS up */
		};
		expect_requests(&b, startup, sizeof(startup) / sizeof(startup[0]), "start-up");
	}
	c = cfg(115200, "7O2", DEVDRV_FLOW_RTSCTS);
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), 0);
	c = cfg(250000, "8N1", DEVDRV_FLOW_NONE); /* not a standard rate: the HX divisor form */
	assert_int_equal(devdrv_serial_configure(b.h, &c, &actual), 0);
	assert_int_equal(actual.baud, 250000);
	{
		const struct req want[] = {
			{ 0x21, 0x20, 0, 0, 7, "00c20100020107" }, { 0xc0, 0x01, 0x0080, 0, 1, NULL },
			{ 0x40, 0x01, 0x0000, 0x0061, 0, NULL }, /* RTS/CTS: 0x60 in the flow bits */
			{ 0x21, 0x20, 0, 0, 7, "80030080000008" }, /* mantissa 384, exponent 1, flag 0x80 */
			{ 0xc0, 0x01, 0x0080, 0, 1, NULL },      { 0x40, 0x01, 0x0000, 0x0001, 0, NULL },
		};
		expect_requests(&b, want, 6, "115200 7O2 rts/cts, 250000");
	}
	c.baud = 7000000;
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), DEVDRV_E_UNSUPPORTED);
	/* DTR up: the status report (byte 8) brings DSR and DCD */
	assert_int_equal(devdrv_serial_set_lines(b.h, DEVDRV_SERIAL_RTS, 0), 0);
	assert_int_equal(devdrv_serial_get_lines(b.h, &lines), 0);
	assert_int_equal(lines & (DEVDRV_SERIAL_DSR | DEVDRV_SERIAL_DCD | DEVDRV_SERIAL_CTS), DEVDRV_SERIAL_DSR | DEVDRV_SERIAL_DCD);
	round_trip(&b);
	close_chip(&b);
}

/* ---- CDC-ACM: PSTN 1.2 ----------------------------------------------------------------- */

static void test_acm_requests_and_notifications(void **state)
{
	struct bed b = open_chip("cdc-acm", "1209:0004");
	struct devdrv_serial_config c = cfg(115200, "7E2", DEVDRV_FLOW_NONE);
	unsigned lines = 0;

	(void)state;
	assert_string_equal(devdrv_handle_driver(b.h), "cdc-acm");
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), 0);
	assert_int_equal(devdrv_serial_set_lines(b.h, DEVDRV_SERIAL_RTS, 0), 0);
	assert_int_equal(devdrv_serial_break(b.h, 1), 0);
	assert_int_equal(devdrv_serial_break(b.h, 0), 0);
	{
		const struct req want[] = {
			{ 0x21, 0x20, 0, 0, 7, "00c20100020207" }, /* dwDTERate, bCharFormat 2, bParityType 2, bDataBits 7 */
			{ 0x21, 0x22, 0x0001, 0, 0, NULL },        /* D0 DTR, D1 RTS */
			{ 0x21, 0x23, 0xffff, 0, 0, NULL },
			{ 0x21, 0x23, 0x0000, 0, 0, NULL },
		};
		expect_requests(&b, want, 4, "cdc-acm");
	}
	c.flow = DEVDRV_FLOW_RTSCTS;
	assert_int_equal(devdrv_serial_configure(b.h, &c, NULL), DEVDRV_E_UNSUPPORTED);
	/* SERIAL_STATE notification: DTR up loops to DCD and DSR */
	assert_int_equal(devdrv_serial_get_lines(b.h, &lines), 0);
	assert_int_equal(lines & (DEVDRV_SERIAL_DSR | DEVDRV_SERIAL_DCD), DEVDRV_SERIAL_DSR | DEVDRV_SERIAL_DCD);
	round_trip(&b);
	close_chip(&b);
}

/* Two ACM functions on one device: each is a port, picked with iface=N. */
static void test_acm_two_functions_are_two_ports(void **state)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_context *ctx;
	struct devdrv_handle *a, *b;
	struct devdrv_serial_config c = cfg(57600, "8N1", DEVDRV_FLOW_NONE);
	struct dd_vcontrol log[DD_VCONTROL_LOG];
	char got[8] = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_virtual_unplug_all(ctx), 2); /* the loopback and the button: start empty */
	assert_int_equal(devdrv_virtual_plug(ctx, "cdc-acm-dual", "1-1"), 0);
	assert_int_equal(devdrv_open(ctx, "1209:0005", &a), 0); /* the first function by default */
	assert_int_equal(devdrv_open(ctx, "1209:0005,iface=2", &b), 0);
	assert_string_equal(devdrv_handle_driver(b), "cdc-acm");
	assert_int_equal(devdrv_handle_interface(a), 0);
	assert_int_equal(devdrv_handle_interface(b), 2);
	dd_virtual_control_log_clear(ctx, "1-1");
	assert_int_equal(devdrv_serial_configure(b, &c, NULL), 0);
	n = dd_virtual_control_log(ctx, "1-1", log, DD_VCONTROL_LOG);
	assert_int_equal(n, 1);
	assert_int_equal(log[0].index, 2); /* to the second function's communication interface */
	/* data stays on its own port: the data interface the union names (3) */
	assert_int_equal(devdrv_write(b, "B", 1, 1000), 1);
	assert_int_equal(devdrv_read(a, got, sizeof(got), 50), DEVDRV_E_TIMEOUT);
	assert_int_equal(devdrv_read(b, got, sizeof(got), 1000), 1);
	assert_int_equal(got[0], 'B');
	devdrv_close(a);
	devdrv_close(b);
	devdrv_context_free(ctx);
}

static void test_class_api_edges(void **state)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	struct devdrv_serial_config c = { 0 };
	char name[8];

	(void)state;
	assert_int_equal(devdrv_serial_parse_format("8N1", &c), 0);
	assert_string_equal(devdrv_serial_format_name(&c, name, sizeof(name)), "8N1");
	assert_int_equal(devdrv_serial_parse_format("7e1.5", &c), 0);
	assert_string_equal(devdrv_serial_format_name(&c, name, sizeof(name)), "7E1.5");
	assert_int_equal(devdrv_serial_parse_format("9N1", &c), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_serial_parse_format("8X1", &c), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_serial_parse_format("8N3", &c), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_serial_parse_format("8 1", &c), DEVDRV_E_INVALID); /* ' ' & ~0x20 is NUL */
	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0); /* the raw loopback: not serial */
	assert_int_equal(devdrv_serial_configure(h, &c, NULL), DEVDRV_E_UNSUPPORTED);
	devdrv_close(h);
	assert_int_equal(devdrv_virtual_plug(ctx, "ft232r", "1-3"), 0);
	assert_int_equal(devdrv_open(ctx, "1-3", &h), 0);
	c.baud = 0;
	assert_int_equal(devdrv_serial_configure(h, &c, NULL), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_serial_set_lines(h, DEVDRV_SERIAL_CTS, 0), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_serial_purge(h, 0), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_serial_set_latency(h, 0), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_ioctl(h, DEVDRV_IOC_SERIAL_GET_LINES, &c, 1), DEVDRV_E_INVALID);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* A refused setting leaves the chip as it was: not one request is sent,
 * whether it comes with the open or later. Rates an FTDI chip can only
 * approximate by more than 3 % are refused, not run at another rate. */
static void test_refusals_touch_nothing(void **state)
{
	static const struct {
		const char *model;
		uint32_t baud;
		const char *format;
		enum devdrv_flow flow;
	} refused[] = {
		{ "ft232r", 4000000000u, "8N1", DEVDRV_FLOW_NONE }, { "ft232r", 12000000, "8N1", DEVDRV_FLOW_NONE },
		{ "ft232r", 2500000, "8N1", DEVDRV_FLOW_NONE },     { "ft232r", 115200, "5N1", DEVDRV_FLOW_NONE },
		{ "ft232r", 9600, "6E1", DEVDRV_FLOW_NONE },        { "ft232r", 1, "8N1", DEVDRV_FLOW_NONE },
		{ "ft2232h", 13000000, "8N1", DEVDRV_FLOW_NONE },   { "ch340", 9600, "8N1.5", DEVDRV_FLOW_NONE },
		{ "ch340", 9600, "8N1", DEVDRV_FLOW_XONXOFF },      { "pl2303", 7000000, "8N1", DEVDRV_FLOW_NONE },
		{ "cdc-acm", 9600, "8N1", DEVDRV_FLOW_RTSCTS },
	};
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct devdrv_serial_config c = cfg(refused[i].baud, refused[i].format, refused[i].flow), got;
		struct dd_vcontrol log[DD_VCONTROL_LOG];
		struct devdrv_context *ctx;
		struct devdrv_handle *h = NULL;

		assert_int_equal(devdrv_context_new(&o, &ctx), 0);
		assert_int_equal(devdrv_virtual_unplug_all(ctx), 2); /* the loopback and the button: start empty */
		assert_int_equal(devdrv_virtual_plug(ctx, refused[i].model, "1-1"), 0);
		/* with the open: nothing at all reaches the chip */
		if (devdrv_serial_open(ctx, "1-1", &c, &h) != DEVDRV_E_UNSUPPORTED)
			fail_msg("%s at %u %s: open accepted it", refused[i].model, refused[i].baud, refused[i].format);
		assert_int_equal(dd_virtual_control_log(ctx, "1-1", log, DD_VCONTROL_LOG), 0);
		/* later: the port keeps its settings and the chip hears nothing */
		assert_int_equal(devdrv_serial_open(ctx, "1-1", NULL, &h), 0);
		dd_virtual_control_log_clear(ctx, "1-1");
		assert_int_equal(devdrv_serial_configure(h, &c, NULL), DEVDRV_E_UNSUPPORTED);
		assert_int_equal(dd_virtual_control_log(ctx, "1-1", log, DD_VCONTROL_LOG), 0);
		assert_int_equal(devdrv_serial_get_config(h, &got), 0);
		assert_true(got.baud > 9500 && got.baud < 9700); /* the chip's own rounding of 9600 */
		assert_int_equal(got.data_bits, 8);
		devdrv_close(h);
		devdrv_context_free(ctx);
	}
}

/* Opening with settings applies them from the first request: the chip never
 * runs at 9600 8N1 in between. */
static void test_open_with_settings(void **state)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_serial_config c = cfg(115200, "7E2", DEVDRV_FLOW_NONE), got;
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	struct dd_vcontrol log[DD_VCONTROL_LOG];
	size_t n;

	(void)state;
	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_virtual_unplug_all(ctx), 2); /* the loopback and the button: start empty */
	assert_int_equal(devdrv_virtual_plug(ctx, "ft232r", "1-1"), 0);
	assert_int_equal(devdrv_serial_open(ctx, "1-1", &c, &h), 0);
	assert_int_equal(devdrv_serial_get_config(h, &got), 0);
	assert_int_equal(got.baud, 115385); /* the chip's nearest (AN232B-05: divisor 26) */
	n = dd_virtual_control_log(ctx, "1-1", log, DD_VCONTROL_LOG);
	for (size_t i = 0; i < n; i++) {
		if (log[i].request == 0x03) /* SET_BAUDRATE: 115200, never 9600 (0x4138) */
			assert_int_equal(log[i].value, 0x001a);
		if (log[i].request == 0x04) /* SET_DATA: 7 bits, even, 2 stop bits */
			assert_int_equal(log[i].value, 0x1207);
	}
	devdrv_close(h);
	/* a raw device is not a serial port */
	assert_int_equal(devdrv_virtual_plug(ctx, "loopback", "1-2"), 0);
	assert_int_equal(devdrv_serial_open(ctx, "1-2", NULL, &h), DEVDRV_E_UNSUPPORTED);
	assert_non_null(strstr(devdrv_context_errmsg(ctx), "not a serial one"));
	devdrv_context_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ftdi_ft232r_baud_table),
		cmocka_unit_test(test_ftdi_formats_flow_lines),
		cmocka_unit_test(test_ftdi_ft2232h_ports_and_high_speed_clock),
		cmocka_unit_test(test_cp210x_requests),
		cmocka_unit_test(test_ch34x_requests),
		cmocka_unit_test(test_pl2303_startup_and_line_coding),
		cmocka_unit_test(test_acm_requests_and_notifications),
		cmocka_unit_test(test_acm_two_functions_are_two_ports),
		cmocka_unit_test(test_class_api_edges),
		cmocka_unit_test(test_refusals_touch_nothing),
		cmocka_unit_test(test_open_with_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
