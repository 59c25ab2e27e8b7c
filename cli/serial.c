/* serial.c — devdrv serial: a terminal or a pipe to a serial device. With a
 * terminal on stdin: raw mode, Ctrl-] quits, an escape key (Ctrl-A) leads
 * commands (break, DTR, RTS, baud rate, settings, echo), and the terminal is
 * restored on every exit path, signals included. Otherwise stdin goes to the
 * device and the device to stdout until stdin ends and the device has been
 * quiet for the drain time. The decisions that need neither a device nor a
 * terminal are in serial-term.c. */
#include "cli.h"
#include "serial-term.h"

#include <devdrv/serial.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 20
#define LINES_EVERY_MS 100
#define BREAK_MS 250
#define PULSE_MS 100
#define WRITE_TIMEOUT_MS 2000
#define CHUNK 4096
#define OUT_LINES (DEVDRV_SERIAL_DTR | DEVDRV_SERIAL_RTS)

static const char serial_usage[] =
    "usage: devdrv serial SEL [-b N] [--format 8N1 | -d BITS -y PARITY -p STOP] [-f FLOW]\n"
    "                         [-e L] [-c] [--imap MAPS] [--omap MAPS] [-g FILE] [-t]\n"
    "                         [--reconnect] [-x] [--lines] [--drain MS] [-v]\n"
    "  With a terminal on stdin: an interactive session; Ctrl-] quits, and Ctrl-A\n"
    "  (--escape) then a key is a command: b break, d / r toggle DTR / RTS, p pulse\n"
    "  DTR, u / U baud rate up / down, s settings and lines, e echo, t timestamps,\n"
    "  q quit, h help. Otherwise: stdin is sent to the device and what it sends\n"
    "  comes out on stdout, until stdin ends and the device has been quiet for\n"
    "  --drain MS (default 500).\n"
    "  -b, --baud N       default 115200\n"
    "  --format F         data bits 5-8, parity N/O/E/M/S, stop bits 1/1.5/2 (default 8N1)\n"
    "  -d, --databits N   or one part at a time, in the order given: 5-8,\n"
    "  -y, --parity P     none, odd, even, mark or space (or n, o, e, m, s),\n"
    "  -p, --stopbits N   1, 1.5 or 2\n"
    "  -f, --flow F       none (default), rtscts, xonxoff\n"
    "  -e, --escape L     the escape key is Ctrl-L, for a letter L (default a)\n"
    "  -c, --echo         show what is sent (local echo)\n"
    "  --imap MAPS        maps on what the device sends, --omap on what is sent to it:\n"
    "                     crlf, crcrlf, igncr, lfcr, lfcrlf, ignlf, comma-separated\n"
    "  -g, --log FILE     append what the device sends to FILE, as it came\n"
    "  -t, --timestamps   start each line the device sends with [HH:MM:SS.mmm]\n"
    "  --reconnect        when the device is unplugged, wait for it to come back\n"
    "                     (SEL names a port path or serial=)\n"
    "  -x, --hex          show received bytes as a hex dump\n"
    "  --lines            report modem line changes (CTS DSR RI DCD) on stderr\n"
    "  -v, --verbose      say on stderr the settings in force (the baud rate the chip makes)\n";

/* What the command line asked for. */
struct serial_opts {
	struct cli_serial_opts base; /* line settings, terminal or pipe, --hex, --lines, --drain */
	unsigned char escape;
	unsigned imap, omap;
	int echo, stamps, reconnect, verbose;
	const char *log;
};

/* One session on an open port. */
struct session {
	struct cli *c;
	struct devdrv_handle *h;
	const char *sel;                 /* as given, to open it */
	char shown_sel[CLI_ESCAPED_MAX]; /* as shown: a selector may hold anything */
	struct serial_opts *o;
	struct devdrv_serial_config want, actual; /* asked for, and in force */
	unsigned out_lines;                       /* DTR and RTS as we set them */
	struct term_keys keys;
	const char *nl; /* "\r\n" on a raw terminal, which adds no CR */
	int raw;
	FILE *log;
	int mid_line; /* stdout's last byte was inside a line */
	int quit;
	size_t received;
	unsigned char pending[2 * CHUNK]; /* pipe mode: mapped, not sent while the device was away */
	size_t pending_len;
	int away;      /* --reconnect: unplugged, waiting for it */
	int back;      /* the handle reopened the device: say so */
	int back_rc;   /* what applying the settings again gave */
	char back_err[256];
};

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

static void nap(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A status line on stderr. On a terminal it starts a line of its own, not
 * the middle of one the device is sending. */
static void say(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->raw && s->mid_line) {
		fputs(s->nl, s->c->err);
		s->mid_line = 0;
	}
	fputs("devdrv: ", s->c->err);
	va_start(ap, fmt);
	vfprintf(s->c->err, fmt, ap);
	va_end(ap);
	fputs(s->nl, s->c->err);
	fflush(s->c->err);
}

/* A failure that ends the session: cli_fail's line, then back to the
 * first column on a raw terminal. */
static int fail(struct session *s, int code, const char *detail)
{
	char what[160];
	int rc;

	if (s->raw && s->mid_line)
		fputs(s->nl, s->c->err);
	snprintf(what, sizeof(what), "serial %s", s->sel);
	rc = cli_fail(s->c, what, code, detail);
	if (s->raw)
		fputc('\r', s->c->err);
	fflush(s->c->err);
	return rc;
}

/* A command of the escape key that did not work: the session goes on. */
static int command_failed(struct session *s, const char *what, int code)
{
	char shown[CLI_ESCAPED_MAX];
	const char *detail = devdrv_errmsg(s->h);

	say(s, "%s: %s", what, cli_escape(*detail ? detail : devdrv_strerror(code), shown, sizeof(shown)));
	return EXIT_OK;
}

/* --lines: the same stty-style text as the escape key's line display. */
static void report_lines(struct session *s, unsigned lines)
{
	char text[128];

	say(s, "lines: %s", term_lines_text(lines, text, sizeof(text)));
}

static const char *port_line(struct session *s, char *buf, size_t len)
{
	return term_port_line(buf, len, s->shown_sel, devdrv_handle_driver(s->h), &s->want, &s->actual);
}

/* ---- what the device sends --------------------------------------------- */

static int write_log(struct session *s, const unsigned char *p, size_t n)
{
	char shown[CLI_ESCAPED_MAX];

	errno = 0;
	if (fwrite(p, 1, n, s->log) == n && fflush(s->log) == 0)
		return EXIT_OK;
	fprintf(s->c->err, "devdrv: serial --log %s: cannot write: %s; free some space or log elsewhere%s",
	        cli_escape(s->o->log, shown, sizeof(shown)), strerror(errno ? errno : EIO), s->raw ? "\r\n" : "\n");
	fflush(s->c->err);
	return EXIT_DEVICE;
}

/* To the log as it came, to stdout mapped and stamped (or as a hex dump). */
static int show_received(struct session *s, const unsigned char *rx, size_t n)
{
	unsigned char mapped[2 * CHUNK];
	char stamp[TERM_STAMP_MAX];
	struct timespec now;

	if (s->log && write_log(s, rx, n) != EXIT_OK)
		return EXIT_DEVICE;
	if (s->o->base.hex) {
		/* a raw terminal adds no CR; a file or pipe wants none */
		cli_hexdump(s->c->out, rx, n, s->received, s->raw && isatty(fileno(s->c->out)) ? "\r\n" : "\n");
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		term_write_stamped(s->c->out, &s->mid_line, mapped, term_map(s->o->imap, rx, n, mapped),
		                   s->o->stamps ? term_stamp(&now, stamp, sizeof(stamp)) : NULL);
	}
	/* stdout gone (a full disk, a reader that quit): say so rather than
	 * drop what the device sends and exit 0 */
	if (fflush(s->c->out) == EOF || ferror(s->c->out))
		return fail(s, DEVDRV_E_IO, "standard output failed; the device's data is not being kept");
	s->received += n;
	return EXIT_OK;
}

/* ---- reconnection ------------------------------------------------------ */

/* on_reconnect: the port is a new one, at the chip's defaults. Runs inside
 * whichever call on the handle found the device back. */
static void reapply_settings(struct devdrv_handle *h, void *user)
{
	struct session *s = user;

	s->back = 1;
	s->back_rc = devdrv_serial_configure(h, &s->want, &s->actual);
	if (s->back_rc == 0 && s->out_lines != OUT_LINES)
		s->back_rc = devdrv_serial_set_lines(h, OUT_LINES, s->out_lines);
	if (s->back_rc < 0)
		snprintf(s->back_err, sizeof(s->back_err), "%s", devdrv_errmsg(h));
}

static void went_away(struct session *s)
{
	if (s->away)
		return;
	s->away = 1;
	say(s, "%s unplugged; waiting for it to come back", s->shown_sel);
}

static int came_back(struct session *s)
{
	char line[256];

	s->back = 0;
	s->away = 0;
	if (s->back_rc == DEVDRV_E_DISCONNECTED) { /* gone again at once: settings go when it is back */
		went_away(s);
		return EXIT_OK;
	}
	if (s->back_rc < 0)
		return fail(s, s->back_rc, s->back_err);
	say(s, "%s is back: %s", s->shown_sel, port_line(s, line, sizeof(line)));
	return EXIT_OK;
}

/* ---- what is sent ------------------------------------------------------ */

/* In pipe mode what the device could not take while away waits for it;
 * keys typed meanwhile are dropped (the user sees it is away). */
static void keep(struct session *s, const unsigned char *p, size_t n)
{
	if (s->o->base.interactive)
		return;
	memmove(s->pending, p, n); /* p may be inside pending */
	s->pending_len = n;
}

static int send_mapped(struct session *s, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = s->away ? DEVDRV_E_DISCONNECTED : devdrv_write(s->h, p, n, WRITE_TIMEOUT_MS);

		if (w == DEVDRV_E_DISCONNECTED && s->o->reconnect) {
			went_away(s);
			keep(s, p, n);
			return EXIT_OK;
		}
		if (w < 0)
			return fail(s, (int)w, devdrv_errmsg(s->h));
		p += w;
		n -= (size_t)w;
	}
	return EXIT_OK;
}

static void echo(struct session *s, const unsigned char *p, size_t n)
{
	unsigned char shown[2 * CHUNK];

	/* a raw terminal moves down on LF only: show Enter as a new line */
	n = term_map(s->raw ? TERM_MAP_CRCRLF : 0, p, n, shown);
	term_write_stamped(s->c->out, &s->mid_line, shown, n, NULL);
	fflush(s->c->out);
}

/* @n (at most CHUNK) bytes to the device: echoed as typed, sent mapped. */
static int send_data(struct session *s, const unsigned char *p, size_t n)
{
	unsigned char mapped[2 * CHUNK];

	if (!n)
		return EXIT_OK;
	if (s->o->echo)
		echo(s, p, n);
	return send_mapped(s, mapped, term_map(s->o->omap, p, n, mapped));
}

static int flush_pending(struct session *s)
{
	size_t n = s->pending_len;

	s->pending_len = 0;
	return send_mapped(s, s->pending, n);
}

/* ---- the escape key's commands ------------------------------------------ */

static int send_break(struct session *s)
{
	int rc = devdrv_serial_break(s->h, 1);

	if (rc == 0) {
		nap(BREAK_MS);
		rc = devdrv_serial_break(s->h, 0);
	}
	if (rc < 0)
		return command_failed(s, "break", rc);
	say(s, "break sent (%d ms)", BREAK_MS);
	return EXIT_OK;
}

static int set_out_lines(struct session *s, unsigned lines)
{
	int rc = devdrv_serial_set_lines(s->h, OUT_LINES, lines);

	if (rc < 0)
		return command_failed(s, "DTR/RTS", rc);
	s->out_lines = lines;
	say(s, "DTR %s, RTS %s", (lines & DEVDRV_SERIAL_DTR) ? "on" : "off", (lines & DEVDRV_SERIAL_RTS) ? "on" : "off");
	return EXIT_OK;
}

/* DTR the other way for PULSE_MS, then back: the reset of a board whose
 * reset pin hangs on DTR through a capacitor (Arduino). */
static int pulse_dtr(struct session *s)
{
	int rc = devdrv_serial_set_lines(s->h, OUT_LINES, s->out_lines ^ DEVDRV_SERIAL_DTR);

	if (rc == 0) {
		nap(PULSE_MS);
		rc = devdrv_serial_set_lines(s->h, OUT_LINES, s->out_lines);
	}
	if (rc < 0)
		return command_failed(s, "DTR pulse", rc);
	say(s, "DTR pulsed (%d ms)", PULSE_MS);
	return EXIT_OK;
}

static int step_baud(struct session *s, int up)
{
	struct devdrv_serial_config want = s->want, actual;
	char line[256], what[64];
	int rc;

	want.baud = term_next_rate(s->want.baud, up);
	if (!want.baud) {
		say(s, "no standard rate %s %u baud", up ? "above" : "below", s->want.baud);
		return EXIT_OK;
	}
	if ((rc = devdrv_serial_configure(s->h, &want, &actual)) < 0) {
		snprintf(what, sizeof(what), "%u baud (the port stays at %u)", want.baud, s->actual.baud);
		return command_failed(s, what, rc);
	}
	s->want = want;
	s->actual = actual;
	say(s, "%s", port_line(s, line, sizeof(line)));
	return EXIT_OK;
}

/* The settings in force, the lines, and this session's own, as stty -a. */
static void show_settings(struct session *s)
{
	char line[256], lines[128], imap[64], omap[64], esc[8], log[CLI_ESCAPED_MAX];
	unsigned now;

	say(s, "%s", port_line(s, line, sizeof(line)));
	if (devdrv_serial_get_lines(s->h, &now) == 0)
		say(s, "lines: %s", term_lines_text(now, lines, sizeof(lines)));
	else
		command_failed(s, "lines", DEVDRV_E_IO);
	say(s, "echo %s; imap %s; omap %s; timestamps %s; log %s; escape %s", s->o->echo ? "on" : "off",
	    term_map_name(s->o->imap, imap, sizeof(imap)), term_map_name(s->o->omap, omap, sizeof(omap)),
	    s->o->stamps ? "on" : "off", s->o->log ? cli_escape(s->o->log, log, sizeof(log)) : "off",
	    term_key_name(s->o->escape, esc, sizeof(esc)));
}

static int toggle(struct session *s, int *flag, const char *name)
{
	*flag = !*flag;
	say(s, "%s %s", name, *flag ? "on" : "off");
	return EXIT_OK;
}

static int run_command(struct session *s, enum term_cmd cmd, unsigned char key)
{
	char e[8], k[8];

	switch (cmd) {
	case TERM_QUIT: s->quit = 1; return EXIT_OK;
	case TERM_BREAK: return send_break(s);
	case TERM_DTR: return set_out_lines(s, s->out_lines ^ DEVDRV_SERIAL_DTR);
	case TERM_RTS: return set_out_lines(s, s->out_lines ^ DEVDRV_SERIAL_RTS);
	case TERM_PULSE: return pulse_dtr(s);
	case TERM_BAUD_UP: return step_baud(s, 1);
	case TERM_BAUD_DOWN: return step_baud(s, 0);
	case TERM_SHOW: show_settings(s); return EXIT_OK;
	case TERM_ECHO: return toggle(s, &s->o->echo, "local echo");
	case TERM_STAMPS: return toggle(s, &s->o->stamps, "timestamps");
	case TERM_HELP:
		if (s->raw && s->mid_line) {
			fputs(s->nl, s->c->err);
			s->mid_line = 0;
		}
		term_help(s->c->err, s->o->escape, s->nl);
		fflush(s->c->err);
		return EXIT_OK;
	case TERM_UNKNOWN:
		term_key_name(s->o->escape, e, sizeof(e));
		say(s, "%s %s is no command; %s h lists them", e, term_key_name(key, k, sizeof(k)), e);
		return EXIT_OK;
	default: return EXIT_OK;
	}
}

/* Keys typed on the terminal: data goes out in order with the commands
 * between them. */
static int typed(struct session *s, const unsigned char *in, size_t n)
{
	unsigned char data[CHUNK];
	size_t len = 0;
	int rc = EXIT_OK;

	for (size_t i = 0; i < n && rc == EXIT_OK && !s->quit; i++) {
		enum term_cmd cmd = term_key(&s->keys, in[i]);

		if (cmd == TERM_DATA) {
			data[len++] = in[i];
			continue;
		}
		if (cmd == TERM_ARMED)
			continue;
		rc = send_data(s, data, len);
		len = 0;
		if (rc == EXIT_OK)
			rc = run_command(s, cmd, in[i]);
	}
	return rc == EXIT_OK ? send_data(s, data, len) : rc;
}

/* ---- the loop ------------------------------------------------------------ */

#define INPUT_NONE (-1)  /* nothing waiting now */
#define INPUT_ERROR (-2) /* a read error, errno says which */

/* Read what stdin has without blocking. Returns bytes, 0 at end of input,
 * INPUT_NONE or INPUT_ERROR. A stream without a descriptor never blocks. */
static ssize_t poll_input(struct cli *c, unsigned char *buf, size_t len)
{
	int fd = fileno(c->in);
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	if (fd < 0) {
		n = (ssize_t)fread(buf, 1, len, c->in);
		return n == 0 && ferror(c->in) ? INPUT_ERROR : n;
	}
	if (poll(&p, 1, 0) <= 0)
		return INPUT_NONE;
	n = read(fd, buf, len);
	return n < 0 ? (errno == EINTR || errno == EAGAIN ? INPUT_NONE : INPUT_ERROR) : n;
}

static int input_step(struct session *s, int *input_open, double *quiet_since)
{
	unsigned char in[CHUNK];
	ssize_t n;

	if (s->pending_len)
		return s->away ? EXIT_OK : flush_pending(s);
	/* a pipe waits while the device is away; a terminal still takes keys */
	if (!*input_open || (s->away && !s->o->base.interactive))
		return EXIT_OK;
	n = poll_input(s->c, in, sizeof(in));
	if (n == INPUT_ERROR) { /* not an end of input: what was to be sent is lost */
		char why[120];

		snprintf(why, sizeof(why), "standard input failed: %s", strerror(errno ? errno : EIO));
		return fail(s, DEVDRV_E_IO, why);
	}
	if (n < 0)
		return EXIT_OK;
	if (n == 0) {
		*input_open = 0;
		*quiet_since = now_ms();
		return EXIT_OK;
	}
	return s->o->base.interactive ? typed(s, in, (size_t)n) : send_data(s, in, (size_t)n);
}

static int device_step(struct session *s, double *quiet_since)
{
	unsigned char rx[CHUNK];
	ssize_t n = devdrv_read(s->h, rx, sizeof(rx), POLL_MS);
	int rc;

	/* the read may have found the device back: say so before its bytes */
	if (s->back && (rc = came_back(s)) != EXIT_OK)
		return rc;
	if (n > 0) {
		*quiet_since = now_ms();
		return show_received(s, rx, (size_t)n);
	}
	if (n == DEVDRV_E_DISCONNECTED && s->o->reconnect) {
		went_away(s);
		nap(POLL_MS); /* the read returned at once: no busy loop while it is away */
		return EXIT_OK;
	}
	if (n < 0 && n != DEVDRV_E_TIMEOUT)
		return fail(s, (int)n, devdrv_errmsg(s->h));
	return EXIT_OK;
}

static void lines_step(struct session *s, double *lines_at, unsigned *last)
{
	unsigned lines;

	if (!s->o->base.show_lines || s->away || now_ms() - *lines_at < LINES_EVERY_MS)
		return;
	*lines_at = now_ms();
	if (devdrv_serial_get_lines(s->h, &lines) == 0 && lines != *last)
		report_lines(s, *last = lines);
}

static int run_session(struct session *s)
{
	int input_open = 1, rc = EXIT_OK;
	double quiet_since = now_ms(), lines_at = 0;
	unsigned last_lines = ~0u;

	while (!stop_signal && rc == EXIT_OK && !s->quit) {
		rc = input_step(s, &input_open, &quiet_since);
		if (rc == EXIT_OK && !s->quit)
			rc = device_step(s, &quiet_since);
		if (rc == EXIT_OK && s->back)
			rc = came_back(s);
		lines_step(s, &lines_at, &last_lines);
		if (s->away) /* the drain waits for the device to come back */
			quiet_since = now_ms();
		if (!input_open && !s->pending_len && now_ms() - quiet_since >= s->o->base.drain_ms)
			break;
	}
	return rc;
}

static void session_init(struct session *s, struct cli *c, const char *sel, struct serial_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->sel = sel;
	cli_escape(sel, s->shown_sel, sizeof(s->shown_sel));
	s->o = o;
	s->want = o->base.config;
	s->out_lines = OUT_LINES; /* opening raises both */
	s->keys.escape = o->escape;
	s->nl = "\n";
}

/* ---- options ------------------------------------------------------------- */

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

/* -d, -y, -p: one part of the format each, as picocom and tio take them. */
static int parse_format_part(struct cli *c, int opt, const char *arg, struct devdrv_serial_config *cfg)
{
	static const char *const parities[][2] = { { "none", "n" }, { "odd", "o" }, { "even", "e" },
		                                   { "mark", "m" }, { "space", "s" } };
	static const char *const stops[] = { "1", "1.5", "2" };
	unsigned long v;

	if (opt == 'd') {
		if (cli_parse_uint(arg, 8, &v) < 0 || v < 5)
			return cli_usage_error(c, "serial", "--databits is 5, 6, 7 or 8, not '%s'", arg);
		cfg->data_bits = (uint8_t)v;
	} else if (opt == 'y') {
		for (v = 0; v < 5 && strcasecmp(arg, parities[v][0]) && strcasecmp(arg, parities[v][1]); v++)
			;
		if (v == 5)
			return cli_usage_error(c, "serial", "--parity is none, odd, even, mark or space, not '%s'", arg);
		cfg->parity = (enum devdrv_parity)v;
	} else {
		for (v = 0; v < 3 && strcmp(arg, stops[v]); v++)
			;
		if (v == 3)
			return cli_usage_error(c, "serial", "--stopbits is 1, 1.5 or 2, not '%s'", arg);
		cfg->stop_bits = (enum devdrv_stop_bits)v;
	}
	return EXIT_OK;
}

static int parse_map_option(struct cli *c, const char *name, const char *arg, unsigned *map)
{
	const char *bad;

	if (term_parse_map(arg, map, &bad) == 0)
		return EXIT_OK;
	return cli_usage_error(c, "serial", "%s: '%.*s' is not a map (crlf, crcrlf, igncr, lfcr, lfcrlf, ignlf)", name,
	                       (int)strcspn(bad, ","), bad);
}

/* Long options with no short one take values past the ASCII range. */
enum { OPT_FORMAT = 256, OPT_LINES, OPT_DRAIN, OPT_IMAP, OPT_OMAP, OPT_RECONNECT };

static int parse_one(struct cli *c, int opt, const char *arg, char **argv, struct serial_opts *o)
{
	unsigned long v;

	switch (opt) {
	case 'b': return cli_parse_line_setting(c, "serial", 'b', arg, &o->base.config);
	case OPT_FORMAT: return cli_parse_line_setting(c, "serial", 'f', arg, &o->base.config);
	case 'f': return cli_parse_line_setting(c, "serial", 'F', arg, &o->base.config);
	case 'd':
	case 'y':
	case 'p': return parse_format_part(c, opt, arg, &o->base.config);
	case 'e':
		if (term_parse_escape(arg, &o->escape) < 0)
			return cli_usage_error(c, "serial", "--escape is a letter for Ctrl-LETTER, not h, i, j or m "
			                       "(Backspace, Tab, Ctrl-J, Enter), not '%s'", arg);
		return EXIT_OK;
	case 'c': o->echo = 1; return EXIT_OK;
	case OPT_IMAP: return parse_map_option(c, "--imap", arg, &o->imap);
	case OPT_OMAP: return parse_map_option(c, "--omap", arg, &o->omap);
	case 'g': o->log = arg; return EXIT_OK;
	case 't': o->stamps = 1; return EXIT_OK;
	case OPT_RECONNECT: o->reconnect = 1; return EXIT_OK;
	case 'x': o->base.hex = 1; return EXIT_OK;
	case OPT_LINES: o->base.show_lines = 1; return EXIT_OK;
	case 'v': o->verbose = 1; return EXIT_OK;
	case OPT_DRAIN:
		if (cli_parse_uint(arg, 3600000, &v) < 0)
			return cli_usage_error(c, "serial", "--drain needs milliseconds, not '%s'", arg);
		o->base.drain_ms = (unsigned)v;
		return EXIT_OK;
	case 'h': fputs(serial_usage, c->out); return CLI_HELP_SHOWN;
	default: return cli_bad_option(c, "serial", argv);
	}
}

static int parse_serial_opts(struct cli *c, int argc, char **argv, struct serial_opts *o)
{
	static const struct option opts[] = {
		{ "baud", required_argument, NULL, 'b' },       { "format", required_argument, NULL, OPT_FORMAT },
		{ "databits", required_argument, NULL, 'd' },   { "parity", required_argument, NULL, 'y' },
		{ "stopbits", required_argument, NULL, 'p' },   { "flow", required_argument, NULL, 'f' },
		{ "escape", required_argument, NULL, 'e' },     { "echo", no_argument, NULL, 'c' },
		{ "imap", required_argument, NULL, OPT_IMAP },  { "omap", required_argument, NULL, OPT_OMAP },
		{ "log", required_argument, NULL, 'g' },        { "timestamps", no_argument, NULL, 't' },
		{ "reconnect", no_argument, NULL, OPT_RECONNECT }, { "hex", no_argument, NULL, 'x' },
		{ "lines", no_argument, NULL, OPT_LINES },      { "drain", required_argument, NULL, OPT_DRAIN },
		{ "verbose", no_argument, NULL, 'v' },          { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc;

	memset(o, 0, sizeof(*o));
	o->base.config.baud = 115200;
	o->base.config.data_bits = 8;
	o->base.drain_ms = 500;
	o->escape = TERM_DEFAULT_ESCAPE;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "b:d:y:p:f:e:cg:txvh", opts, NULL)) != -1)
		if ((rc = parse_one(c, opt, optarg, argv, o)) != EXIT_OK)
			return rc;
	if (argc - optind != 1)
		return cli_usage_error(c, "serial", "needs exactly one selector");
	/* a hex dump shows the bytes as they came, at their offsets */
	if (o->base.hex && (o->stamps || o->imap))
		return cli_usage_error(c, "serial", "--hex shows the bytes as they came: drop --timestamps and --imap");
	return EXIT_OK;
}

/* ---- the command --------------------------------------------------------- */

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

/* --reconnect: a handle that reopens the device when it comes back; the
 * settings go to the chip after the open (devdrv_open_with takes none). */
static int open_reconnecting(struct session *s, struct devdrv_handle **h)
{
	struct devdrv_open_options opts = DEVDRV_OPEN_OPTIONS_INIT;
	struct devdrv_serial_config cfg;
	char what[160];
	int rc;

	opts.flags = DEVDRV_OPEN_RECONNECT;
	opts.on_reconnect = reapply_settings;
	opts.user = s;
	snprintf(what, sizeof(what), "serial %s", s->sel);
	if ((rc = devdrv_open_with(s->c->ctx, s->sel, &opts, h)) < 0)
		return cli_fail(s->c, what, rc, devdrv_context_errmsg(s->c->ctx));
	if (devdrv_serial_get_config(*h, &cfg) == DEVDRV_E_UNSUPPORTED) {
		char why[200];

		snprintf(why, sizeof(why), "%s binds driver %s, not a serial one; 'devdrv drivers' lists the serial "
		         "drivers, driver=NAME in the selector picks one", devdrv_handle_info(*h)->port_path,
		         devdrv_handle_driver(*h));
		rc = cli_fail(s->c, what, DEVDRV_E_UNSUPPORTED, why); /* a JSON error under --json */
	} else if ((rc = devdrv_serial_configure(*h, &s->want, &cfg)) < 0) {
		rc = cli_fail(s->c, what, rc, devdrv_errmsg(*h));
	}
	if (rc != EXIT_OK) {
		devdrv_close(*h);
		*h = NULL;
	}
	return rc;
}

/* Open with the settings asked for from the start: one the chip cannot do
 * is refused before the port is touched. Returns an exit code. */
static int open_port(struct session *s)
{
	char what[160];
	int rc = cli_need_selector(s->c, "serial", s->sel);

	if (rc != EXIT_OK || (rc = cli_context(s->c)) != EXIT_OK)
		return rc;
	if (s->o->reconnect)
		rc = open_reconnecting(s, &s->h);
	else if ((rc = devdrv_serial_open(s->c->ctx, s->sel, &s->want, &s->h)) < 0) {
		snprintf(what, sizeof(what), "serial %s", s->sel);
		rc = cli_fail(s->c, what, rc, devdrv_context_errmsg(s->c->ctx));
	}
	if (rc == EXIT_OK)
		devdrv_serial_get_config(s->h, &s->actual);
	return rc;
}

/* --log: opened before the port, so that a bad path touches no device. */
static int open_log(struct session *s)
{
	char shown[CLI_ESCAPED_MAX];

	if (!s->o->log || (s->log = fopen(s->o->log, "ab")))
		return EXIT_OK;
	fprintf(s->c->err, "devdrv: serial --log %s: cannot open: %s; check the path and its permissions\n",
	        cli_escape(s->o->log, shown, sizeof(shown)), strerror(errno));
	return EXIT_DEVICE;
}

static void greet(struct session *s)
{
	char line[256], e[8];

	if (s->o->base.interactive) {
		say(s, "%s; press Ctrl-] to quit, %s h for help", port_line(s, line, sizeof(line)),
		    term_key_name(s->o->escape, e, sizeof(e)));
		if (s->o->verbose)
			show_settings(s);
	} else if (s->o->verbose) {
		say(s, "%s", port_line(s, line, sizeof(line)));
	}
}

/* The session with the signals caught and the terminal raw. */
static int run_terminal(struct session *s)
{
	/* SIGPIPE too: a reader of stdout that quits must not leave the terminal raw */
	static const int sigs[4] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa, old[4];
	struct termios saved;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: let waits return */
	stop_signal = 0;
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (s->o->base.interactive && enter_raw_mode(s->c, &saved) == 0) {
		s->raw = 1;
		s->nl = "\r\n";
	}
	greet(s);
	rc = run_session(s);
	if (s->raw)
		tcsetattr(fileno(s->c->in), TCSAFLUSH, &saved);
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (stop_signal && rc == EXIT_OK)
		rc = EXIT_DEVICE; /* interrupted: not a clean end */
	return rc;
}

int cmd_serial(struct cli *c, int argc, char **argv)
{
	struct serial_opts o;
	struct session s;
	int rc = parse_serial_opts(c, argc, argv, &o);

	if (rc != EXIT_OK)
		return rc == CLI_HELP_SHOWN ? EXIT_OK : rc;
	o.base.interactive = fileno(c->in) >= 0 && isatty(fileno(c->in));
	session_init(&s, c, argv[optind], &o);
	if ((rc = open_log(&s)) == EXIT_OK && (rc = open_port(&s)) == EXIT_OK) {
		rc = run_terminal(&s);
		cli_close(c, s.h);
	}
	if (s.log)
		fclose(s.log);
	return rc;
}
