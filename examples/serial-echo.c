/* serial-echo.c — a serial port at 115200 8N1: open it with its settings,
 * report the rate the chip really runs at (each chip rounds to a rate its
 * clock can make), send a line and check that the same line comes back.
 * Exits 1 when the echo differs or does not arrive.
 *
 *   serial-echo SELECTOR        a USB serial adapter whose TX is wired to its
 *                               RX (a loopback plug, or a jumper on the pins),
 *                               e.g. serial-echo 0403:6001
 *   serial-echo --virtual       the virtual FT232R plugged at 1-3, which loops
 *                               what it transmits back to its receiver
 */
#include <devdrv/devdrv.h>
#include <devdrv/serial.h>
#include <devdrv/virtual.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	static const char line[] = "hello over the wire at 115200 8N1\n";
	struct devdrv_context_options o = DEVDRV_CONTEXT_OPTIONS_INIT;
	int virt = argc > 1 && !strcmp(argv[1], "--virtual");
	const char *sel = argc > 1 + virt ? argv[1 + virt] : virt ? "1-3" : NULL;
	struct devdrv_serial_config cfg = { .baud = 115200, .flow = DEVDRV_FLOW_NONE }, actual;
	struct devdrv_context *ctx = NULL;
	struct devdrv_handle *h = NULL;
	char echo[sizeof(line)] = { 0 }, format[8];
	size_t got = 0;
	int rc = 1;
	ssize_t n;

	if (!sel) {
		fprintf(stderr, "usage: serial-echo SELECTOR | serial-echo --virtual [SELECTOR]\n");
		return 2;
	}
	devdrv_serial_parse_format("8N1", &cfg);
	o.transports = virt ? DEVDRV_TRANSPORT_VIRTUAL : DEVDRV_TRANSPORT_DEFAULT;
	/* devdrv_serial_open() applies the settings from the first request on, so
	 * the chip never runs at the 9600 baud a plain open would set first. */
	if (devdrv_context_new(&o, &ctx) < 0 || (virt && devdrv_virtual_plug(ctx, "ft232r", "1-3") < 0) ||
	    devdrv_serial_open(ctx, sel, &cfg, &h) < 0) {
		fprintf(stderr, "serial-echo: %s\n", devdrv_context_errmsg(ctx));
		devdrv_context_free(ctx);
		return 1;
	}
	if (devdrv_serial_get_config(h, &actual) < 0)
		goto fail;
	printf("%s: driver %s, asked %u baud, the chip runs at %u baud %s\n", sel, devdrv_handle_driver(h), cfg.baud,
	       actual.baud, devdrv_serial_format_name(&actual, format, sizeof(format)));

	/* Whatever the chip received before we came is not our echo. Not every
	 * driver can purge: that one is not worth failing for. */
	if (devdrv_serial_purge(h, DEVDRV_SERIAL_PURGE_RX | DEVDRV_SERIAL_PURGE_TX) < 0)
		fprintf(stderr, "serial-echo: (no purge: %s)\n", devdrv_errmsg(h));
	if (devdrv_write(h, line, strlen(line), 1000) != (ssize_t)strlen(line))
		goto fail;
	/* A UART delivers bytes as they come, in pieces of any size: keep reading
	 * until the whole line is back or the line stays quiet for a second. */
	while (got < strlen(line)) {
		n = devdrv_read(h, echo + got, strlen(line) - got, 1000);
		if (n == DEVDRV_E_TIMEOUT)
			break;
		if (n < 0)
			goto fail;
		got += (size_t)n;
	}
	printf("sent %zu bytes, %zu came back: %.*s\n", strlen(line), got,
	       (int)(got && echo[got - 1] == '\n' ? got - 1 : got), echo);
	if (got == strlen(line) && memcmp(echo, line, got) == 0)
		rc = 0;
	else
		fprintf(stderr, "serial-echo: the echo differs from what was sent%s\n",
		        virt ? "" : " (is TX wired to RX?)");
	goto done;
fail:
	fprintf(stderr, "serial-echo: %s\n", devdrv_errmsg(h));
done:
	devdrv_close(h);
	devdrv_context_free(ctx);
	return rc;
}
