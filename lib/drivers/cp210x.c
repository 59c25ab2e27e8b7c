/* cp210x.c — Silicon Labs CP210x USB UARTs (CP2101-CP2105, CP2108, CP2102N).
 * Requests follow Silicon Labs AN571 "CP210x Virtual COM Port Interface":
 * vendor requests to the interface, wIndex = interface number. The chip
 * rounds the baud rate itself; GET_BAUDRATE reads back what it chose. */
#include "builtin.h"
#include "serial-core.h"

#include <string.h>

#define CP_OUT 0x41 /* host to device, vendor, interface */
#define CP_IN 0xc1
#define CP_IFC_ENABLE 0x00
#define CP_SET_LINE_CTL 0x03
#define CP_SET_BREAK 0x05
#define CP_SET_MHS 0x07
#define CP_GET_MDMSTS 0x08
#define CP_PURGE 0x12
#define CP_SET_FLOW 0x13
#define CP_SET_CHARS 0x19
#define CP_GET_BAUDRATE 0x1d
#define CP_SET_BAUDRATE 0x1e

/* IDs from Silicon Labs' CP210x datasheets (default VID/PID). */
static const struct devdrv_match cp210x_match[] = {
	{ DEVDRV_MATCH_DEVICE(0x10c4, 0xea60) }, /* CP2101/2/3/4, CP2102N, CP2109 */
	{ DEVDRV_MATCH_DEVICE(0x10c4, 0xea70) }, /* CP2105 dual */
	{ DEVDRV_MATCH_DEVICE(0x10c4, 0xea71) }, /* CP2108 quad */
	{ 0 },
};

static uint16_t iface_of(struct devdrv_handle *h)
{
	return (uint16_t)devdrv_handle_interface(h);
}

static int cp_out(struct devdrv_handle *h, uint8_t req, uint16_t value, const void *data, uint16_t len)
{
	return dd_serial_out(h, CP_OUT, req, value, iface_of(h), data, len);
}

static int cp_init(struct devdrv_handle *h)
{
	return cp_out(h, CP_IFC_ENABLE, 1, NULL, 0);
}

/* AN571 SET_FLOW: ulControlHandshake (bit 0 DTR active, bit 3 CTS
 * handshake), ulFlowReplace (bit 0/1 auto transmit/receive = XON/XOFF,
 * bits 6-7 RTS: 1 active, 2 flow control), ulXonLimit, ulXoffLimit. The DTR
 * and RTS states ride along, so they follow the current output lines. */
static int cp_set_flow(struct devdrv_handle *h, enum devdrv_flow flow, unsigned lines)
{
	uint8_t buf[16];
	uint32_t handshake = (lines & DEVDRV_SERIAL_DTR) ? 0x01 : 0x00;
	uint32_t replace = (lines & DEVDRV_SERIAL_RTS) ? 0x40 : 0x00;

	if (flow == DEVDRV_FLOW_RTSCTS) {
		handshake |= 0x08;
		replace = 0x80;
	} else if (flow == DEVDRV_FLOW_XONXOFF) {
		replace |= 0x03;
	}
	dd_put_le32(buf, handshake);
	dd_put_le32(buf + 4, replace);
	dd_put_le32(buf + 8, 128);  /* XON when the receive buffer drains below */
	dd_put_le32(buf + 12, 128); /* XOFF when fewer than this many bytes are free */
	return cp_out(h, CP_SET_FLOW, 0, buf, sizeof(buf));
}

static int cp_configure(struct devdrv_handle *h, const struct devdrv_serial_config *want,
                        struct devdrv_serial_config *actual)
{
	/* SET_CHARS: EOF, error, break, event, XON, XOFF characters */
	static const uint8_t chars[6] = { 0, 0, 0, 0, 0x11, 0x13 };
	uint8_t baud[4], got[4];
	uint16_t line = (uint16_t)(want->stop_bits | want->parity << 4 | want->data_bits << 8);
	int rc;

	dd_put_le32(baud, want->baud);
	if ((rc = cp_out(h, CP_SET_BAUDRATE, 0, baud, sizeof(baud))) < 0)
		return rc;
	if ((rc = dd_serial_in(h, CP_IN, CP_GET_BAUDRATE, 0, iface_of(h), got, sizeof(got))) < 0)
		return rc;
	/* the chip's word, checked: its rounding stays within a few percent */
	actual->baud = dd_get_le32(got);
	if (actual->baud < want->baud / 2 || actual->baud > want->baud * 2ull)
		return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "CP210x says it runs at %u baud after being set to %u",
		                          actual->baud, want->baud);
	rc = cp_out(h, CP_SET_LINE_CTL, line, NULL, 0);
	if (rc == DEVDRV_E_PIPE) /* the chip refuses formats it cannot do */
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED, "CP210x refused %u data bits, parity %d, stop %d",
		                          want->data_bits, want->parity, want->stop_bits);
	if (rc < 0)
		return rc;
	if (want->flow == DEVDRV_FLOW_XONXOFF && (rc = cp_out(h, CP_SET_CHARS, 0, chars, sizeof(chars))) < 0)
		return rc;
	return cp_set_flow(h, want->flow, dd_serial_of(h)->out_lines);
}

static int cp_set_lines(struct devdrv_handle *h, unsigned lines)
{
	/* bits 8 and 9 say that bits 0 (DTR) and 1 (RTS) are to be set; with
	 * RTS/CTS flow the chip owns RTS and ignores the request for it */
	return cp_out(h, CP_SET_MHS, 0x0300 | dd_serial_dtr_rts(lines), NULL, 0);
}

static int cp_poll_lines(struct devdrv_handle *h)
{
	uint8_t st;
	int rc = dd_serial_in(h, CP_IN, CP_GET_MDMSTS, 0, iface_of(h), &st, 1);

	if (rc < 0)
		return rc;
	/* bit 4 CTS, 5 DSR, 6 RI, 7 DCD */
	dd_serial_of(h)->in_lines = ((st & 0x10) ? DEVDRV_SERIAL_CTS : 0) | ((st & 0x20) ? DEVDRV_SERIAL_DSR : 0) |
	                            ((st & 0x40) ? DEVDRV_SERIAL_RI : 0) | ((st & 0x80) ? DEVDRV_SERIAL_DCD : 0);
	return 0;
}

static int cp_set_break(struct devdrv_handle *h, int on)
{
	return cp_out(h, CP_SET_BREAK, on ? 1 : 0, NULL, 0);
}

static int cp_purge(struct devdrv_handle *h, unsigned what)
{
	/* bits 0/2: transmit queue and transmit, bits 1/3: receive */
	uint16_t mask = (uint16_t)(((what & DEVDRV_SERIAL_PURGE_TX) ? 0x05 : 0) |
	                           ((what & DEVDRV_SERIAL_PURGE_RX) ? 0x0a : 0));

	return cp_out(h, CP_PURGE, mask, NULL, 0);
}

static void cp_shutdown(struct devdrv_handle *h)
{
	cp_out(h, CP_IFC_ENABLE, 0, NULL, 0);
}

static const struct dd_serial_ops cp_ops = {
	.init = cp_init,
	.configure = cp_configure,
	.set_lines = cp_set_lines,
	.poll_lines = cp_poll_lines,
	.set_break = cp_set_break,
	.purge = cp_purge,
	.shutdown = cp_shutdown,
};

static const struct devdrv_driver cp210x_driver = {
	.name = "cp210x",
	.description = "Silicon Labs CP210x USB UARTs",
	DD_SERIAL_DRIVER_DEFAULTS,
	.match = cp210x_match,
	.priv_size = sizeof(struct dd_serial),
	.class_ops = &cp_ops,
};
DD_DRIVER_REGISTER(cp210x_driver);
