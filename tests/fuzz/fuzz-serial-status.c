/* fuzz-serial-status.c — what serial chips report about their lines: FTDI's
 * status bytes in every IN packet, CDC SERIAL_STATE notifications, PL2303
 * status reports. The first input byte picks the parser (its value mod 3)
 * and the FTDI max packet size (its value / 3, mod 8); the rest is the data
 * as it comes off the wire. */
#include "fuzz.h"
#include "serial-core.h"

#include <string.h>

#define IN_LINES (DEVDRV_SERIAL_CTS | DEVDRV_SERIAL_DSR | DEVDRV_SERIAL_RI | DEVDRV_SERIAL_DCD)
#define EVENTS (DEVDRV_SERIAL_BREAK | DEVDRV_SERIAL_FRAMING | DEVDRV_SERIAL_PARITY | DEVDRV_SERIAL_OVERRUN)

/* below 3 are sizes no endpoint has; the driver must still cope */
static const size_t max_packets[8] = { 0, 1, 2, 3, 8, 16, 64, 512 };

/* FTDI: the payload is what follows the two status bytes of each packet. */
static void check_unframe(struct dd_serial *s, size_t mps, const uint8_t *data, size_t len)
{
	uint8_t *buf = malloc(len), *expect = malloc(len); /* exact: ASan sees overruns */
	size_t got, want = 0;

	if (!len || !buf || !expect) {
		free(buf);
		free(expect);
		return;
	}
	memcpy(buf, data, len);
	got = dd_ftdi_unframe(s, mps, buf, len);
	CHECK(got <= len);
	if (mps >= 3) {
		for (size_t off = 0; off + 2 <= len; off += mps) {
			size_t chunk = len - off < mps ? len - off : mps;

			memcpy(expect + want, data + off + 2, chunk - 2);
			want += chunk - 2;
		}
		CHECK(got == want && !memcmp(buf, expect, got));
	}
	free(buf);
	free(expect);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dd_serial s; /* large (receive buffer): not on the stack */

	if (!size)
		return 0;
	memset(&s, 0, sizeof(s));
	switch (data[0] % 3) {
	case 0:
		check_unframe(&s, max_packets[data[0] / 3 % 8], data + 1, size - 1);
		break;
	case 1:
		dd_acm_parse_notifications(&s, data + 1, size - 1);
		break;
	default:
		dd_pl2303_parse_status(&s, data + 1, size - 1);
		break;
	}
	CHECK(!(s.in_lines & ~IN_LINES) && !(s.events & ~EVENTS));
	return 0;
}
