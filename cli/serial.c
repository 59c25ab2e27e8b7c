/* serial.c — devdrv serial: a terminal or a pipe to a serial device. With a
 * terminal on stdin: raw mode, Ctrl-] quits, the terminal is restored on
 * every exit path, signals included. Otherwise stdin goes to the device and
 * the device to stdout until stdin ends and the device has been quiet for
 * the drain time. */
#include "cli.h"

#include <devdrv/serial.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define ESCAPE_KEY 0x1d /* Ctrl-] */
#define POLL_MS 20
#define LINES_EVERY_MS 100

static const char serial_usage[] =
    "usage: devdrv serial SEL [--baud N] [--format 8N1] [--flow none|rtscts|xonxoff]\n"
    "                         [--hex] [--lines] [--drain MS]\n"
    "  With a terminal on stdin: an interactive session; press Ctrl-] to quit.\n"
    "  Otherwise: stdin is sent to the device and what it sends comes out on\n"
    "  stdout, until stdin ends and the device has been quiet for --drain MS\n"
    "  (default 500).\n"
    "  --baud N      default 115200\n"
    "  --format F    data bits 5-8, parity N/O/E/M/S, stop bits 1/1.5/2 (default 8N1)\n"
    "  --flow F      none (default), rtscts, xonxoff\n"
    "  --hex         show received bytes as a hex dump\n"
    "  --lines       report modem line changes (CTS DSR RI DCD) on stderr\n";

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void report_lines(struct cli *c, unsigned lines)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { DEVDRV_SERIAL_DTR, "DTR" }, { DEVDRV_SERIAL_RTS, "RTS" }, { DEVDRV_SERIAL_CTS, "CTS" },
		      { DEVDRV_SERIAL_DSR, "DSR" }, { DEVDRV_SERIAL_RI, "RI" },   { DEVDRV_SERIAL_DCD, "DCD" },
		      { DEVDRV_SERIAL_BREAK, "break" }, { DEVDRV_SERIAL_FRAMING, "framing-error" },
		      { DEVDRV_SERIAL_PARITY, "parity-error" }, { DEVDRV_SERIAL_OVERRUN, "overrun" } };

	fprintf(c->err, "devdrv: lines:");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (lines & names[i].bit)
			fprintf(c->err, " %s", names[i].name);
	fprintf(c->err, "%s\r\n", lines ? "" : " none");
}

static int send_all(struct cli *c, struct devdrv_handle *h, const char *sel, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = devdrv_write(h, p, n, 2000);

		if (w < 0) {
			char what[160];

			snprintf(what, sizeof(what), "serial %s", sel);
			return cli_fail(c, what, (int)w, devdrv_errmsg(h));
		}
		p += w;
		n -= (size_t)w;
	}
	return EXIT_OK;
}

/* Read what stdin has without blocking. Returns bytes, 0 at end of input,
 * -1 when nothing is waiting. A stream without a descriptor never blocks. */
static ssize_t poll_input(struct cli *c, unsigned char *buf, size_t len)
{
	int fd = fileno(c->in);
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	if (fd < 0)
		return (ssize_t)fread(buf, 1, len, c->in);
	if (poll(&p, 1, 0) <= 0)
		return -1;
	n = read(fd, buf, len);
	return n < 0 ? (errno == EINTR || errno == EAGAIN ? -1 : 0) : n;
}

int cli_serial_session(struct cli *c, struct devdrv_handle *h, const char *sel,
                       const struct cli_serial_opts *o)
{
	unsigned char in[4096], rx[4096];
	int input_open = 1, rc = EXIT_OK;
	double quiet_since = now_ms(), lines_at = 0;
	unsigned last_lines = ~0u;
	size_t received = 0;

	while (!stop_signal && rc == EXIT_OK) {
		ssize_t n = input_open ? poll_input(c, in, sizeof(in)) : -1;
		unsigned char *esc;

		if (n == 0) {
			input_open = 0;
			quiet_since = now_ms();
		} else if (n > 0) {
			esc = o->interactive ? memchr(in, ESCAPE_KEY, (size_t)n) : NULL;
			rc = send_all(c, h, sel, in, esc ? (size_t)(esc - in) : (size_t)n);
			if (esc)
				break;
		}
		if (rc != EXIT_OK)
			break;
		n = devdrv_read(h, rx, sizeof(rx), POLL_MS);
		if (n > 0) {
			if (o->hex)
				cli_hexdump(c->out, rx, (size_t)n, received);
			else
				fwrite(rx, 1, (size_t)n, c->out);
			fflush(c->out);
			received += (size_t)n;
			quiet_since = now_ms();
		} else if (n < 0 && n != DEVDRV_E_TIMEOUT) {
			char what[160];

			snprintf(what, sizeof(what), "serial %s", sel);
			rc = cli_fail(c, what, (int)n, devdrv_errmsg(h));
			break;
		}
		if (o->show_lines && now_ms() - lines_at >= LINES_EVERY_MS) {
			unsigned lines;

			lines_at = now_ms();
			if (devdrv_serial_get_lines(h, &lines) == 0 && lines != last_lines)
				report_lines(c, last_lines = lines);
		}
		if (!input_open && now_ms() - quiet_since >= o->drain_ms)
			break;
	}
	return rc;
}

int cli_parse_line_setting(struct cli *c, const char *cmd, int opt, const char *arg, struct devdrv_serial_config *cfg)
{
	static const char *const flows[] = { "none", "rtscts", "xonxoff" };
	unsigned long v;

	if (opt == 'b') {
		if (cli_parse_uint(arg, 0xffffffffu, &v) < 0 || !v)
			return cli_usage_error(c, cmd, "--baud needs a rate, not '%s'", arg);
		cfg->baud = (uint32_t)v;
	} else if (opt == 'f') {
		if (devdrv_serial_parse_format(arg, cfg) < 0)
			return cli_usage_error(c, cmd, "--format '%s' is not like 8N1, 7E2 or 8N1.5", arg);
	} else {
		for (v = 0; v < 3 && strcmp(arg, flows[v]); v++)
			;
		if (v == 3)
			return cli_usage_error(c, cmd, "--flow is none, rtscts or xonxoff, not '%s'", arg);
		cfg->flow = (enum devdrv_flow)v;
	}
	return EXIT_OK;
}

static int parse_serial_opts(struct cli *c, int argc, char **argv, struct cli_serial_opts *o)
{
	static const struct option opts[] = {
		{ "baud", required_argument, NULL, 'b' }, { "format", required_argument, NULL, 'f' },
		{ "flow", required_argument, NULL, 'F' }, { "hex", no_argument, NULL, 'x' },
		{ "lines", no_argument, NULL, 'l' },      { "drain", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },       { NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int opt;

	memset(o, 0, sizeof(*o));
	o->config.baud = 115200;
	o->config.data_bits = 8;
	o->drain_ms = 500;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'b':
		case 'f':
		case 'F':
			if (cli_parse_line_setting(c, "serial", opt, optarg, &o->config) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case 'x': o->hex = 1; break;
		case 'l': o->show_lines = 1; break;
		case 'd':
			if (cli_parse_uint(optarg, 3600000, &v) < 0)
				return cli_usage_error(c, "serial", "--drain needs milliseconds, not '%s'", optarg);
			o->drain_ms = (unsigned)v;
			break;
		case 'h': fputs(serial_usage, c->out); return -1;
		default: return cli_bad_option(c, "serial", argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(c, "serial", "needs exactly one selector");
	return EXIT_OK;
}

/* Raw mode on a terminal stdin; the caller restores @saved on every path. */
static int enter_raw_mode(struct cli *c, struct termios *saved)
{
	struct termios raw;
	int fd = fileno(c->in);

	if (tcgetattr(fd, saved) < 0)
		return -1;
	raw = *saved;
	cfmakeraw(&raw);
	return tcsetattr(fd, TCSAFLUSH, &raw);
}

/* Open with the settings asked for from the start: one the chip cannot do
 * is refused before the port is touched. Returns an exit code. */
static int open_port(struct cli *c, const char *sel, const struct devdrv_serial_config *cfg,
                     struct devdrv_handle **h)
{
	char what[160];
	int rc = cli_need_selector(c, "serial", sel);

	if (rc != EXIT_OK || (rc = cli_context(c)) != EXIT_OK)
		return rc;
	rc = devdrv_serial_open(c->ctx, sel, cfg, h);
	if (rc == 0)
		return EXIT_OK;
	snprintf(what, sizeof(what), "serial %s", sel);
	return cli_fail(c, what, rc, devdrv_context_errmsg(c->ctx));
}

int cmd_serial(struct cli *c, int argc, char **argv)
{
	struct cli_serial_opts o;
	struct devdrv_serial_config actual;
	struct devdrv_handle *h = NULL;
	struct sigaction sa, old[3];
	static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	struct termios saved;
	int rc = parse_serial_opts(c, argc, argv, &o), raw = 0;
	const char *sel;
	char fmt[8];

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	sel = argv[optind];
	if ((rc = open_port(c, sel, &o.config, &h)) != EXIT_OK)
		return rc;
	devdrv_serial_get_config(h, &actual);
	o.interactive = fileno(c->in) >= 0 && isatty(fileno(c->in));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: let waits return */
	stop_signal = 0;
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (o.interactive) {
		raw = enter_raw_mode(c, &saved) == 0;
		fprintf(c->err, "devdrv: %s at %u baud %s (%s); press Ctrl-] to quit\r\n", sel, actual.baud,
		        devdrv_serial_format_name(&actual, fmt, sizeof(fmt)), devdrv_handle_driver(h));
	}
	rc = cli_serial_session(c, h, sel, &o);
	if (raw)
		tcsetattr(fileno(c->in), TCSAFLUSH, &saved);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (stop_signal && rc == EXIT_OK)
		rc = EXIT_DEVICE; /* interrupted: not a clean end */
	cli_close(c, h);
	return rc;
}
