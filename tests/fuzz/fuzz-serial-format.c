/* fuzz-serial-format.c — line formats a user types ("8N1", "7E2", "5O1.5"):
 * whatever parses names itself, and the name parses back to the same
 * format. */
#include "fuzz.h"

#include <devdrv/serial.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strdup(data, size);
	/* baud and flow are not the format's: they must come back untouched */
	struct devdrv_serial_config cfg = { .baud = 12345, .flow = DEVDRV_FLOW_XONXOFF }, back = cfg;
	char name[8]; /* the documented minimum */

	if (!text)
		return 0;
	if (devdrv_serial_parse_format(text, &cfg) == 0) {
		CHECK(cfg.baud == 12345 && cfg.flow == DEVDRV_FLOW_XONXOFF);
		CHECK(cfg.data_bits >= 5 && cfg.data_bits <= 8);
		CHECK(cfg.parity <= DEVDRV_PARITY_SPACE && cfg.stop_bits <= DEVDRV_STOP_2);
		CHECK(devdrv_serial_format_name(&cfg, name, sizeof(name)) == name && memchr(name, 0, sizeof(name)));
		CHECK(devdrv_serial_parse_format(name, &back) == 0);
		CHECK(back.data_bits == cfg.data_bits && back.parity == cfg.parity &&
		      back.stop_bits == cfg.stop_bits);
	}
	free(text);
	return 0;
}
