/* test-serial-terminal.c — devdrv serial at picocom/tio level: the escape-key
 * state machine, CR/LF maps, timestamps and status text as pure functions;
 * then the command on the virtual FT232R (which loops TX back to RX and
 * wires DTR to DSR/DCD, RTS to CTS): maps, --log, --timestamps, --verbose,
 * the short options, the escape commands on a pseudo-terminal, and
 * --reconnect across an unplug. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <devdrv/filter.h>
#include <devdrv/virtual.h>

#include "cli.h"
#include "serial-term.h"

/* ---- pure parts ------------------------------------------------------------ */

static void test_escape_keys(void **state)
{
	static const struct {
		unsigned char key;
		enum term_cmd cmd;
	} commands[] = { { 'b', TERM_BREAK },   { 'd', TERM_DTR },       { 'r', TERM_RTS },    { 'p', TERM_PULSE },
		         { 'u', TERM_BAUD_UP }, { 'U', TERM_BAUD_DOWN }, { 's', TERM_SHOW },   { 'e', TERM_ECHO },
		         { 't', TERM_STAMPS },  { 'h', TERM_HELP },      { '?', TERM_HELP },   { 'q', TERM_QUIT },
		         { 'x', TERM_QUIT },    { 0x18, TERM_QUIT },     { 0x11, TERM_QUIT },  { 'z', TERM_UNKNOWN } };
	struct term_keys k = { TERM_DEFAULT_ESCAPE, 0 };

	(void)state;
	assert_int_equal(term_key(&k, 'b'), TERM_DATA); /* not armed: a letter is data */
	assert_int_equal(term_key(&k, 0x1d), TERM_QUIT); /* Ctrl-] quits, as before */
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		assert_int_equal(term_key(&k, 0x01), TERM_ARMED);
		assert_int_equal(term_key(&k, commands[i].key), commands[i].cmd);
		assert_int_equal(k.armed, 0); /* one key per escape */
	}
	/* the escape key twice sends it; escape then Ctrl-] sends Ctrl-] */
	assert_int_equal(term_key(&k, 0x01), TERM_ARMED);
	assert_int_equal(term_key(&k, 0x01), TERM_DATA);
	assert_int_equal(term_key(&k, 0x01), TERM_ARMED);
	assert_int_equal(term_key(&k, 0x1d), TERM_DATA);
	assert_int_equal(term_key(&k, 'q'), TERM_DATA);
	/* another escape key: Ctrl-A becomes data */
	k.escape = 0x14;
	assert_int_equal(term_key(&k, 0x01), TERM_DATA);
	assert_int_equal(term_key(&k, 0x14), TERM_ARMED);
	assert_int_equal(term_key(&k, 's'), TERM_SHOW);
}

static void test_escape_option(void **state)
{
	static const char *const refused[] = { "m", "J", "h", "i", "ab", "1", "", "[", "]" };
	unsigned char key = 0;
	char name[8];

	(void)state;
	assert_int_equal(term_parse_escape("a", &key), 0);
	assert_int_equal(key, 0x01);
	assert_int_equal(term_parse_escape("T", &key), 0);
	assert_int_equal(key, 0x14);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		key = 0x55;
		assert_int_equal(term_parse_escape(refused[i], &key), -1);
		assert_int_equal(key, 0x55);
	}
	assert_string_equal(term_key_name(0x01, name, sizeof(name)), "Ctrl-A");
	assert_string_equal(term_key_name(0x1d, name, sizeof(name)), "Ctrl-]");
	assert_string_equal(term_key_name('z', name, sizeof(name)), "z");
	assert_string_equal(term_key_name(0xe9, name, sizeof(name)), "\\xe9");
}

static void test_help_names_every_command(void **state)
{
	static const char *const want[] = { "devdrv: Ctrl-T then: b break (250 ms), d toggle DTR, r toggle RTS",
		                            "p pulse DTR (100 ms)", "u / U baud rate up / down", "s settings and lines",
		                            "e local echo", "t timestamps", "h or ? this help", "q or x quit",
		                            "Ctrl-T send Ctrl-T", "Ctrl-] send Ctrl-]\r\n", "Ctrl-] alone quits\r\n" };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	term_help(f, 0x14, "\r\n");
	fclose(f);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(text, want[i]))
			fail_msg("help lacks '%s':\n%s", want[i], text);
	free(text);
}

static size_t map_text(unsigned map, const char *in, char *out)
{
	size_t n = term_map(map, (const unsigned char *)in, strlen(in), (unsigned char *)out);

	out[n] = 0;
	return n;
}

static void test_maps(void **state)
{
	static const struct {
		const char *maps, *in, *out;
	} cases[] = {
		{ "none", "a\rb\nc\r\n", "a\rb\nc\r\n" },
		{ "crlf", "a\rb\nc\r\n", "a\nb\nc\n\n" },
		{ "crcrlf", "a\rb\n", "a\r\nb\n" },
		{ "igncr", "a\r\nb\r", "a\nb" },
		{ "lfcr", "a\nb\r", "a\rb\r" },
		{ "lfcrlf", "a\nb\r\n", "a\r\nb\r\r\n" },
		{ "ignlf", "a\r\nb\n", "a\rb" },
		{ "igncr,crlf", "a\r\n", "a\n" },        /* ign wins over the others */
		{ "crlf,crcrlf", "a\r", "a\n" },         /* crlf over crcrlf */
		{ "lfcrlf,lfcr", "a\n", "a\r" },         /* lfcr over lfcrlf */
		{ "crlf,lfcr", "\r\n\r", "\n\r\n" },     /* CR and LF swapped */
		{ "crcrlf,lfcrlf", "\r\n", "\r\n\r\n" }, /* at most twice as long */
	};
	char out[64], name[64];
	unsigned map = 99;
	const char *bad = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(term_parse_map(cases[i].maps, &map, &bad), 0);
		map_text(map, cases[i].in, out);
		if (strcmp(out, cases[i].out))
			fail_msg("map %s changed the bytes wrongly (case %zu)", cases[i].maps, i);
	}
	assert_int_equal(term_parse_map("", &map, &bad), 0);
	assert_int_equal(map, 0);
	assert_int_equal(term_parse_map("crlf,ignlf", &map, &bad), 0);
	assert_int_equal(map, TERM_MAP_CRLF | TERM_MAP_IGNLF);
	assert_string_equal(term_map_name(map, name, sizeof(name)), "crlf,ignlf");
	assert_string_equal(term_map_name(0, name, sizeof(name)), "none");
	assert_int_equal(term_parse_map("crlf,bsdel,igncr", &map, &bad), -1);
	assert_int_equal(strncmp(bad, "bsdel,", 6), 0); /* names the one not known */
	assert_int_equal(term_parse_map("crlf,", &map, &bad), -1);
	assert_int_equal(term_parse_map("none,crlf", &map, &bad), -1);
}

static void test_stamps_at_line_starts(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int mid = 0;

	(void)state;
	assert_int_equal(term_write_stamped(f, &mid, (const unsigned char *)"one\ntw", 6, "S1 "), 0);
	assert_int_equal(mid, 1);
	/* the rest of a line: no stamp; an empty line gets one */
	assert_int_equal(term_write_stamped(f, &mid, (const unsigned char *)"o\n\nthree", 8, "S2 "), 0);
	assert_int_equal(term_write_stamped(f, &mid, (const unsigned char *)"\n", 1, NULL), 0);
	assert_int_equal(mid, 0);
	assert_int_equal(term_write_stamped(f, &mid, (const unsigned char *)"x", 1, NULL), 0); /* stamps off */
	fclose(f);
	assert_string_equal(text, "S1 one\nS1 two\nS2 \nS2 three\nx");
	free(text);
}

static void test_stamp_format(void **state)
{
	struct timespec when = { 13 * 3600 + 5 * 60 + 7, 123456789 };
	char *tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	char buf[TERM_STAMP_MAX];

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_string_equal(term_stamp(&when, buf, sizeof(buf)), "[13:05:07.123] ");
	when.tv_nsec = 999999999; /* milliseconds truncated, never 1000 */
	assert_string_equal(term_stamp(&when, buf, sizeof(buf)), "[13:05:07.999] ");
	if (tz)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(tz);
}

static void test_standard_rates(void **state)
{
	(void)state;
	assert_int_equal(term_next_rate(115200, 1), 230400);
	assert_int_equal(term_next_rate(115200, 0), 57600);
	assert_int_equal(term_next_rate(74880, 1), 115200); /* from a rate between two */
	assert_int_equal(term_next_rate(74880, 0), 57600);
	assert_int_equal(term_next_rate(921600, 1), 1000000);
	assert_int_equal(term_next_rate(3000000, 1), 0);
	assert_int_equal(term_next_rate(300, 0), 0);
	assert_int_equal(term_next_rate(1, 1), 300);
}

static void test_status_text(void **state)
{
	struct devdrv_serial_config want = { .baud = 115200, .data_bits = 8 }, actual = want;
	char buf[256];

	(void)state;
	actual.baud = 115385;
	assert_string_equal(term_port_line(buf, sizeof(buf), "1-3", "ftdi", &want, &actual),
	                    "1-3 at 115385 baud (asked 115200), 8N1, flow none (ftdi)");
	actual.baud = 115200;
	actual.parity = DEVDRV_PARITY_EVEN;
	actual.data_bits = 7;
	actual.flow = DEVDRV_FLOW_RTSCTS;
	assert_string_equal(term_port_line(buf, sizeof(buf), "1-3", "cp210x", &want, &actual),
	                    "1-3 at 115200 baud, 7E1, flow rtscts (cp210x)");
	assert_string_equal(term_lines_text(DEVDRV_SERIAL_DTR | DEVDRV_SERIAL_CTS | DEVDRV_SERIAL_RI, buf, sizeof(buf)),
	                    "DTR -RTS CTS -DSR -DCD RI");
	assert_string_equal(term_lines_text(DEVDRV_SERIAL_BREAK | DEVDRV_SERIAL_OVERRUN, buf, sizeof(buf)),
	                    "-DTR -RTS -CTS -DSR -DCD -RI break overrun");
	/* a short buffer is cut, never overrun */
	assert_string_equal(term_lines_text(0, buf, 8), "-DTR -R");
}

/* ---- pipe mode through cli_main ------------------------------------------- */

struct run {
	int rc;
	char *out, *err;
	size_t out_len, err_len;
};

static struct run run_cli(const char *stdin_text, const char **args)
{
	struct run r = { 0 };
	FILE *out = open_memstream(&r.out, &r.out_len);
	FILE *err = open_memstream(&r.err, &r.err_len);
	/* fmemopen takes no empty buffer everywhere */
	FILE *in = *stdin_text ? fmemopen((void *)stdin_text, strlen(stdin_text), "r") : fopen("/dev/null", "r");
	char *argv[32];
	int argc = 0;

	for (; args[argc]; argc++)
		argv[argc] = (char *)args[argc];
	argv[argc] = NULL;
	r.rc = cli_main(argc, argv, in, out, err);
	fclose(in);
	fclose(out);
	fclose(err);
	return r;
}

/* devdrv --virtual --plug ft232r@1-3 serial 1-3 --drain 100 ARGS... */
#define SERIAL(stdin_text, ...)                                                                                   \
	run_cli(stdin_text, (const char *[]){ "devdrv", "--virtual", "--plug", "ft232r@1-3", "serial", "1-3", "--drain", \
	                                      "100", __VA_ARGS__, NULL })

static void done(struct run *r)
{
	free(r->out);
	free(r->err);
}

static void expect_usage_error(struct run *r, const char *words)
{
	if (r->rc != 2 || !strstr(r->err, words) || !strstr(r->err, "see 'devdrv serial --help'") ||
	    strchr(r->err, '\n') != r->err + strlen(r->err) - 1)
		fail_msg("rc %d, stderr: %s (want one usage line with '%s')", r->rc, r->err, words);
	done(r);
}

static void test_pipe_maps(void **state)
{
	struct run r;

	(void)state;
	/* out: CR becomes LF; back in: LF becomes CR LF */
	r = SERIAL("a\rb\n", "--omap", "crlf", "--imap", "lfcrlf");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "a\r\nb\r\n");
	done(&r);
	r = SERIAL("x\r\ny\r\n", "--imap", "igncr");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "x\ny\n");
	done(&r);
	/* binary-clean without maps: the escape key and Ctrl-] pass in a pipe */
	r = SERIAL("\x01q\x1d\r\n", "-x");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "00000000  01 71 1d 0d 0a\n");
	done(&r);
	/* local echo: what is sent, then what came back */
	r = SERIAL("hi", "-c");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "hihi");
	done(&r);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = calloc(1, 4096);

	assert_non_null(f);
	assert_non_null(text);
	assert_true(fread(text, 1, 4095, f) < 4095);
	fclose(f);
	return text;
}

static void test_log_file(void **state)
{
	char path[] = "/tmp/test-serial-cli-XXXXXX", *text;
	int fd = mkstemp(path);
	struct run r;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "before\n", 7), 7);
	close(fd);
	/* as the device sent it: neither mapped nor stamped; appended */
	r = SERIAL("one\r\n", "-g", path, "--imap", "igncr", "-t");
	assert_int_equal(r.rc, 0);
	assert_null(strchr(r.out, '\r'));
	done(&r);
	r = SERIAL("two\r\n", "--log", path);
	assert_int_equal(r.rc, 0);
	done(&r);
	text = read_file(path);
	assert_string_equal(text, "before\none\r\ntwo\r\n");
	free(text);
	unlink(path);
	/* a log that cannot be written ends the session with one line */
	r = SERIAL("full\n", "--log", "/dev/full");
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.err, "devdrv: serial --log /dev/full: cannot write: No space left on device; "
	                           "free some space or log elsewhere\n");
	done(&r);
	r = SERIAL("x", "--log", "/nonexistent/dir/log");
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.err, "devdrv: serial --log /nonexistent/dir/log: cannot open: No such file or directory; "
	                           "check the path and its permissions\n");
	assert_int_equal(r.out_len, 0);
	done(&r);
}

static void test_timestamps(void **state)
{
	regex_t re;
	struct run r;

	(void)state;
	assert_int_equal(regcomp(&re,
	                         "^\\[[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3}\\] one\n"
	                         "\\[[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3}\\] two\n$",
	                         REG_EXTENDED | REG_NOSUB),
	                 0);
	r = SERIAL("one\ntwo\n", "--timestamps");
	assert_int_equal(r.rc, 0);
	if (regexec(&re, r.out, 0, NULL, 0))
		fail_msg("not two stamped lines: '%s'", r.out);
	done(&r);
	regfree(&re);
	r = SERIAL("one\n", "-x", "-t");
	expect_usage_error(&r, "--hex shows the bytes as they came");
}

static void test_verbose_and_short_options(void **state)
{
	struct run r;

	(void)state;
	/* the rate the chip makes, not the one asked for */
	r = SERIAL("", "--verbose");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "devdrv: 1-3 at 115385 baud (asked 115200), 8N1, flow none (ftdi)\n");
	done(&r);
	r = SERIAL("", "-v", "-b", "9600", "-d", "7", "-y", "even", "-p", "2", "-f", "rtscts");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "devdrv: 1-3 at 9600 baud, 7E2, flow rtscts (ftdi)\n");
	done(&r);
	/* the parts override --format in order; picocom's parity letters */
	r = SERIAL("", "-v", "--format", "7O1", "--parity", "n", "--databits", "8", "--stopbits", "1");
	assert_string_equal(r.err, "devdrv: 1-3 at 115385 baud (asked 115200), 8N1, flow none (ftdi)\n");
	done(&r);
	/* quiet without it: a pipe's stderr stays empty */
	r = SERIAL("", "-b", "9600");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.err_len, 0);
	done(&r);
	r = SERIAL("", "-d", "9");
	expect_usage_error(&r, "--databits is 5, 6, 7 or 8, not '9'");
	r = SERIAL("", "-y", "q");
	expect_usage_error(&r, "--parity is none, odd, even, mark or space, not 'q'");
	r = SERIAL("", "-p", "3");
	expect_usage_error(&r, "--stopbits is 1, 1.5 or 2, not '3'");
	r = SERIAL("", "-e", "m");
	expect_usage_error(&r, "--escape is a letter");
	r = SERIAL("", "--imap", "crlf,spchex");
	expect_usage_error(&r, "--imap: 'spchex' is not a map");
	r = SERIAL("", "-b");
	expect_usage_error(&r, "incomplete option '-b'");
	/* what the chip cannot do is still refused before the port is touched */
	r = SERIAL("", "-d", "5");
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "7 or 8 data bits"));
	done(&r);
}

/* Standard output on a full disk: the data the device sends back (the
 * virtual FT232R loops TX to RX) cannot be kept, and the session ends with
 * exit 1 and says so, instead of dropping it and exiting 0. */
static void test_stdout_failure_ends_the_session(void **state)
{
	const char *text = "hello";
	FILE *in = fmemopen((void *)text, strlen(text), "r"), *out = fopen("/dev/full", "w");
	char *err_text = NULL;
	size_t err_len = 0;
	FILE *err = open_memstream(&err_text, &err_len);
	char *argv[] = { "devdrv", "--virtual", "--plug", "ft232r@1-3", "serial", "1-3", "--drain", "300", NULL };
	int rc;

	(void)state;
	assert_non_null(out);
	rc = cli_main(8, argv, in, out, err);
	fclose(in);
	fclose(out);
	fclose(err);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(err_text, "standard output failed"));
	free(err_text);
}

/* A read error on standard input (a directory here, EISDIR) is no end of
 * input: the session says so and exits 1. */
static void test_stdin_failure_is_not_eof(void **state)
{
	FILE *in = fopen("/", "r");
	char *out_text = NULL, *err_text = NULL;
	size_t out_len = 0, err_len = 0;
	FILE *out = open_memstream(&out_text, &out_len), *err = open_memstream(&err_text, &err_len);
	char *argv[] = { "devdrv", "--virtual", "--plug", "ft232r@1-3", "serial", "1-3", NULL };
	int rc;

	(void)state;
	assert_non_null(in);
	rc = cli_main(6, argv, in, out, err);
	fclose(in);
	fclose(out);
	fclose(err);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(err_text, "standard input failed: Is a directory"));
	free(out_text);
	free(err_text);
}

/* --lines in pipe mode: the lines as the escape key shows them, stty-style
 * (the virtual FT232R wires DTR to DSR and DCD, RTS to CTS). */
static void test_lines_reported_in_pipe_mode(void **state)
{
	struct run r = run_cli("", (const char *[]){ "devdrv", "--virtual", "--plug", "ft232r@1-3", "serial", "0403:6001",
	                                             "--lines", "--drain", "200", NULL });

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "devdrv: lines: DTR RTS CTS DSR DCD -RI\n");
	done(&r);
}

static void test_reconnect_needs_a_stable_selector(void **state)
{
	struct run r = run_cli("", (const char *[]){ "devdrv", "--virtual", "--plug", "ft232r@1-3", "serial", "0403:6001",
	                                             "--reconnect", NULL });

	(void)state;
	assert_int_equal(r.rc, 2);
	assert_non_null(strstr(r.err, "to reconnect, the selector names a port path or serial="));
	done(&r);
	r = run_cli("", (const char *[]){ "devdrv", "--virtual", "serial", "1-1", "--reconnect", NULL });
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.err, "devdrv: serial 1-1: 1-1 binds driver generic, not a serial one; 'devdrv drivers' "
	                           "lists the serial drivers, driver=NAME in the selector picks one\n");
	done(&r);
}

/* ---- live sessions: a thread runs the command, the test talks to it ------ */

struct reader {
	int fd;
	char buf[65536];
	size_t len;
};

/* Read @r until @text has come (1) or 5 s passed (0). */
static int wait_for(struct reader *r, const char *text)
{
	for (int waited = 0; waited < 5000; waited += 10) {
		struct pollfd p = { r->fd, POLLIN, 0 };
		ssize_t n;

		if (memmem(r->buf, r->len, text, strlen(text)))
			return 1;
		if (poll(&p, 1, 10) == 1 && (n = read(r->fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len)) > 0)
			r->len += (size_t)n;
	}
	return memmem(r->buf, r->len, text, strlen(text)) != NULL;
}

#define EXPECT(r, text)                                                                                     \
	do {                                                                                                    \
		if (!wait_for(r, text))                                                                         \
			fail_msg("'%s' did not come; got: %.*s", text, (int)(r)->len, (r)->buf);                \
	} while (0)

struct live {
	struct devdrv_context *ctx;
	struct cli c;
	char *argv[16];
	int argc, rc;
	int keys;    /* the terminal's master, or the write end of stdin's pipe */
	int slave;   /* the terminal, -1 in pipe mode */
	struct reader out, err;
	struct termios before, after; /* the terminal's settings before and after the command */
	pthread_t thread;
	pthread_mutex_t log_lock;
	char log[8192]; /* the library's log lines */
	size_t log_len;
};

static void keep_log(enum devdrv_log_level level, const char *msg, void *user)
{
	struct live *l = user;

	(void)level;
	pthread_mutex_lock(&l->log_lock);
	l->log_len += (size_t)snprintf(l->log + l->log_len, sizeof(l->log) - l->log_len, "%s\n", msg);
	if (l->log_len >= sizeof(l->log))
		l->log_len = sizeof(l->log) - 1;
	pthread_mutex_unlock(&l->log_lock);
}

static void *run_command(void *arg)
{
	struct live *l = arg;

	l->rc = cmd_serial(&l->c, l->argc, l->argv);
	return NULL;
}

static FILE *pipe_to(struct reader *r)
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	r->fd = fds[0];
	r->len = 0;
	return fdopen(fds[1], "w");
}

/* `serial 1-3 ARGS...` on a virtual FT232R under the spy filter, in a
 * thread; on a terminal when @on_pty. */
static void start(struct live *l, int on_pty, const char *const *args)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL,
		                            .filters = "serial-spy", .log_fn = keep_log, .log_level = DEVDRV_LOG_INFO };
	int master, fds[2];

	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->log_lock, NULL);
	o.log_user = l;
	assert_int_equal(devdrv_context_new(&o, &l->ctx), 0);
	assert_int_equal(devdrv_virtual_plug(l->ctx, "ft232r", "1-3"), 0);
	l->c.ctx = l->ctx;
	if (on_pty) {
		assert_int_equal(openpty(&master, &l->slave, NULL, NULL, NULL), 0);
		l->keys = master;
		l->c.in = fdopen(dup(l->slave), "r"); /* the test keeps the slave, to see its settings */
		assert_int_equal(tcgetattr(l->slave, &l->before), 0);
	} else {
		assert_int_equal(pipe(fds), 0);
		l->keys = fds[1];
		l->slave = -1;
		l->c.in = fdopen(fds[0], "r");
	}
	l->c.out = pipe_to(&l->out);
	l->c.err = pipe_to(&l->err);
	l->argv[l->argc++] = "serial";
	l->argv[l->argc++] = "1-3";
	for (; *args; args++)
		l->argv[l->argc++] = (char *)*args;
	assert_int_equal(pthread_create(&l->thread, NULL, run_command, l), 0);
}

static void type(struct live *l, const char *keys)
{
	assert_int_equal(write(l->keys, keys, strlen(keys)), (ssize_t)strlen(keys));
}

/* Wait for the command to end; in pipe mode its stdin ends first. */
static int finish(struct live *l)
{
	if (l->slave < 0)
		close(l->keys);
	pthread_join(l->thread, NULL);
	if (l->slave >= 0) {
		assert_int_equal(tcgetattr(l->slave, &l->after), 0);
		close(l->slave);
		close(l->keys);
	}
	fclose(l->c.in);
	fclose(l->c.out);
	fclose(l->c.err);
	close(l->out.fd);
	close(l->err.fd);
	devdrv_context_free(l->ctx);
	pthread_mutex_destroy(&l->log_lock);
	return l->rc;
}

/* The serial ioctls that reach the driver, with when: an upper filter. */
struct spied {
	unsigned request;
	unsigned value; /* BREAK: on; SET_LINES: the values */
	double at_ms;
};
static struct spied spy[256];
static size_t spy_count;
static pthread_mutex_t spy_lock = PTHREAD_MUTEX_INITIALIZER;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int spy_ioctl(struct devdrv_filter *f, unsigned request, void *arg, size_t size)
{
	pthread_mutex_lock(&spy_lock);
	if (spy_count < 256 && (request == DEVDRV_IOC_SERIAL_BREAK || request == DEVDRV_IOC_SERIAL_SET_LINES)) {
		spy[spy_count].request = request;
		spy[spy_count].value = request == DEVDRV_IOC_SERIAL_BREAK ? (unsigned)*(int *)arg
		                                                          : ((struct devdrv_serial_lines_arg *)arg)->values;
		spy[spy_count++].at_ms = now_ms();
	}
	pthread_mutex_unlock(&spy_lock);
	return devdrv_filter_ioctl_next(f, request, arg, size);
}

static const struct devdrv_filter_ops spy_filter = {
	.api_version = DEVDRV_FILTER_API_VERSION, .name = "serial-spy", .description = "test: serial ioctls seen",
	.position = DEVDRV_FILTER_UPPER, .ioctl = spy_ioctl,
};

/* The last two spied requests of @request: they are @first then @second,
 * at least @gap_ms apart. */
static void expect_pair(unsigned request, unsigned first, unsigned second, double gap_ms)
{
	struct spied *pair[2] = { NULL, NULL };
	int found = 0;

	pthread_mutex_lock(&spy_lock);
	for (size_t i = spy_count; i-- > 0 && found < 2;)
		if (spy[i].request == request)
			pair[1 - found++] = &spy[i];
	pthread_mutex_unlock(&spy_lock);
	assert_int_equal(found, 2);
	assert_int_equal(pair[0]->value, first);
	assert_int_equal(pair[1]->value, second);
	if (pair[1]->at_ms - pair[0]->at_ms < gap_ms)
		fail_msg("%.0f ms between the two, want %.0f", pair[1]->at_ms - pair[0]->at_ms, gap_ms);
}

static int same_termios(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_cflag == b->c_cflag &&
	       a->c_lflag == b->c_lflag && !memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc));
}

/* Every command of the escape key on a terminal, checked by what it does
 * to the chip's lines and rate and by what reaches the driver. */
static void test_escape_commands_on_a_terminal(void **state)
{
	struct live l;

	(void)state;
	start(&l, 1, (const char *const[]){ NULL });
	EXPECT(&l.err, "devdrv: 1-3 at 115385 baud (asked 115200), 8N1, flow none (ftdi); press Ctrl-] to quit, "
	               "Ctrl-A h for help\r\n");
	type(&l, "\x01s");
	EXPECT(&l.err, "devdrv: lines: DTR RTS CTS DSR DCD -RI\r\n");
	EXPECT(&l.err, "devdrv: echo off; imap none; omap none; timestamps off; log off; escape Ctrl-A\r\n");
	/* the null-modem model: DTR drives DSR and DCD, RTS drives CTS */
	type(&l, "\x01" "d\x01s");
	EXPECT(&l.err, "devdrv: DTR off, RTS on\r\n");
	EXPECT(&l.err, "devdrv: lines: -DTR RTS CTS -DSR -DCD -RI\r\n");
	type(&l, "\x01r\x01s");
	EXPECT(&l.err, "devdrv: DTR off, RTS off\r\n");
	EXPECT(&l.err, "devdrv: lines: -DTR -RTS -CTS -DSR -DCD -RI\r\n");
	/* DTR is off: the pulse raises it, then drops it again */
	type(&l, "\x01p");
	EXPECT(&l.err, "devdrv: DTR pulsed (100 ms)\r\n");
	expect_pair(DEVDRV_IOC_SERIAL_SET_LINES, DEVDRV_SERIAL_DTR, 0, 95);
	type(&l, "\x01" "b");
	EXPECT(&l.err, "devdrv: break sent (250 ms)\r\n");
	expect_pair(DEVDRV_IOC_SERIAL_BREAK, 1, 0, 245);
	/* through the standard rates, as the chip makes them */
	type(&l, "\x01u");
	EXPECT(&l.err, "devdrv: 1-3 at 230769 baud (asked 230400), 8N1, flow none (ftdi)\r\n");
	type(&l, "\x01U\x01U");
	EXPECT(&l.err, "devdrv: 1-3 at 57554 baud (asked 57600), 8N1, flow none (ftdi)\r\n");
	pthread_mutex_lock(&l.log_lock);
	assert_non_null(strstr(l.log, "baud rate 230769"));
	assert_non_null(strstr(l.log, "baud rate 57554"));
	pthread_mutex_unlock(&l.log_lock);
	/* escaped, the escape key and Ctrl-] go to the device (which loops them back) */
	type(&l, "<\x01\x01\x01\x1d>");
	EXPECT(&l.out, "<\x01\x1d>");
	type(&l, "\x01" "e");
	EXPECT(&l.err, "devdrv: local echo on\r\n");
	type(&l, "E\r");
	EXPECT(&l.out, "E\r\nE\r"); /* the echo shows Enter as a new line; the device sent CR */
	type(&l, "\x01t");
	EXPECT(&l.err, "devdrv: timestamps on\r\n");
	type(&l, "\x01z");
	EXPECT(&l.err, "devdrv: Ctrl-A z is no command; Ctrl-A h lists them\r\n");
	type(&l, "\x01?");
	EXPECT(&l.err, "devdrv: Ctrl-A then: b break (250 ms)");
	type(&l, "\x01q");
	assert_int_equal(finish(&l), 0);
	assert_true(same_termios(&l.before, &l.after));
}

/* Another escape key: Ctrl-A is data then, and Ctrl-] still quits. */
static void test_other_escape_key(void **state)
{
	struct live l;

	(void)state;
	start(&l, 1, (const char *const[]){ "-e", "t", "-v", NULL });
	EXPECT(&l.err, "press Ctrl-] to quit, Ctrl-T h for help\r\n");
	EXPECT(&l.err, "escape Ctrl-T\r\n"); /* -v: the settings at the start */
	type(&l, "[\x01]");
	EXPECT(&l.out, "[\x01]");
	type(&l, "\x14" "d");
	EXPECT(&l.err, "devdrv: DTR off, RTS on\r\n");
	type(&l, "\x1d");
	assert_int_equal(finish(&l), 0);
	assert_true(same_termios(&l.before, &l.after));
}

/* --reconnect in pipe mode: the device leaves and comes back, the session
 * says so, the chip gets the settings again, and the bytes keep flowing. */
static void test_reconnect_after_unplug(void **state)
{
	struct live l;
	const char *at;
	int configured = 0;

	(void)state;
	start(&l, 0, (const char *const[]){ "--reconnect", "-b", "57600", "--drain", "100", NULL });
	type(&l, "one\n");
	EXPECT(&l.out, "one\n");
	assert_int_equal(devdrv_virtual_unplug(l.ctx, "1-3"), 0);
	EXPECT(&l.err, "devdrv: 1-3 unplugged; waiting for it to come back\n");
	type(&l, "two\n"); /* waits in the pipe while the device is away */
	usleep(200 * 1000);
	assert_int_equal(devdrv_virtual_plug(l.ctx, "ft232r", "1-3"), 0);
	EXPECT(&l.err, "devdrv: 1-3 is back: 1-3 at 57554 baud (asked 57600), 8N1, flow none (ftdi)\n");
	EXPECT(&l.out, "one\ntwo\n");
	assert_int_equal(finish(&l), 0); /* stdin ends: the session drains and ends */
	/* the new chip was set up again: at its open, and after the re-plug */
	for (at = l.log; (at = strstr(at, "baud rate 57554")); at++)
		configured++;
	assert_int_equal(configured, 2);
}

/* Without --reconnect an unplug ends a pipe session: exit 1, one line. */
static void test_unplug_without_reconnect(void **state)
{
	struct live l;

	(void)state;
	start(&l, 0, (const char *const[]){ NULL });
	type(&l, "x");
	EXPECT(&l.out, "x");
	assert_int_equal(devdrv_virtual_unplug(l.ctx, "1-3"), 0);
	EXPECT(&l.err, "unplugged");
	assert_int_equal(finish(&l), 1);
	assert_null(memmem(l.err.buf, l.err.len, "waiting", 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_keys),
		cmocka_unit_test(test_escape_option),
		cmocka_unit_test(test_help_names_every_command),
		cmocka_unit_test(test_maps),
		cmocka_unit_test(test_stamps_at_line_starts),
		cmocka_unit_test(test_stamp_format),
		cmocka_unit_test(test_standard_rates),
		cmocka_unit_test(test_status_text),
		cmocka_unit_test(test_pipe_maps),
		cmocka_unit_test(test_log_file),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_verbose_and_short_options),
		cmocka_unit_test(test_reconnect_needs_a_stable_selector),
		cmocka_unit_test(test_lines_reported_in_pipe_mode),
		cmocka_unit_test(test_stdout_failure_ends_the_session),
		cmocka_unit_test(test_stdin_failure_is_not_eof),
		cmocka_unit_test(test_escape_commands_on_a_terminal),
		cmocka_unit_test(test_other_escape_key),
		cmocka_unit_test(test_reconnect_after_unplug),
		cmocka_unit_test(test_unplug_without_reconnect),
	};

	assert_int_equal(devdrv_filter_register(&spy_filter), 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
