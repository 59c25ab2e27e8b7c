/* test-cli.c — devdrv's argument handling, exit codes (0 ok, 1 device, 2
 * usage), one-line errors with a hint, and output on the virtual bus. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <devdrv/usbip.h>
#include <devdrv/virtual.h>
#include <stdint.h>

#include "cli.h"

struct run {
	int rc;
	char *out, *err;
	size_t out_len, err_len;
};

static struct run run_cli(const char *stdin_text, int argc, const char **argv)
{
	struct run r = { 0 };
	FILE *out = open_memstream(&r.out, &r.out_len);
	FILE *err = open_memstream(&r.err, &r.err_len);
	FILE *in = fmemopen((void *)(stdin_text ? stdin_text : ""), stdin_text ? strlen(stdin_text) : 0, "r");
	char *args[16];

	assert_true(argc < 16);
	for (int i = 0; i < argc; i++)
		args[i] = (char *)argv[i];
	args[argc] = NULL;
	r.rc = cli_main(argc, args, in, out, err);
	fclose(in);
	fclose(out);
	fclose(err);
	return r;
}

#define RUN(...) run_cli(NULL, (int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)), \
                         (const char *[]){ __VA_ARGS__ })

static void done(struct run *r)
{
	free(r->out);
	free(r->err);
}

static int starts_with(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Every failure is exactly one line on stderr, names devdrv, and says what
 * to do; nothing goes to stdout. */
static void expect_failure(struct run *r, int rc, const char *words)
{
	if (r->rc != rc || count_lines(r->err) != 1 || strncmp(r->err, "devdrv", 6) ||
	    !strstr(r->err, words) || !strstr(r->err, "; "))
		fail_msg("rc %d (want %d), stderr: %s (want one line with '%s')", r->rc, rc, r->err, words);
	assert_int_equal(r->out_len, 0);
	done(r);
}

/* Under --json the same failure is one JSON document on stderr. */
static void expect_json_failure(struct run *r, int rc, const char *words)
{
	char exit_field[32];

	snprintf(exit_field, sizeof(exit_field), "\"exit\":%d}}\n", rc);
	if (r->rc != rc || count_lines(r->err) != 1 ||
	    !starts_with(r->err, "{\"schema_version\":1,\"error\":{\"message\":\"devdrv") || !strstr(r->err, words) ||
	    !strstr(r->err, exit_field))
		fail_msg("rc %d (want %d), stderr: %s (want a JSON error with '%s')", r->rc, rc, r->err, words);
	assert_int_equal(r->out_len, 0);
	done(r);
}

static void test_version_and_help(void **state)
{
	struct run r = RUN("devdrv", "--version");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "devdrv 0.1.0\n");
	done(&r);
	r = RUN("devdrv", "--help");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "Exit codes"));
	done(&r);
	static const char *const cmds[] = { "list", "info", "read", "write", "ctrl", "drivers", "serial", "hid" };
	for (size_t i = 0; i < 8; i++) {
		char want[32];

		r = RUN("devdrv", cmds[i], "--help");
		snprintf(want, sizeof(want), "usage: devdrv %s", cmds[i]);
		assert_int_equal(r.rc, 0);
		assert_non_null(strstr(r.out, want));
		done(&r);
		r = RUN("devdrv", "help", cmds[i]); /* the same, as git help does it */
		assert_int_equal(r.rc, 0);
		assert_non_null(strstr(r.out, want));
		done(&r);
	}
	r = RUN("devdrv", "help");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "Exit codes"));
	done(&r);
	r = RUN("devdrv", "help", "frobnicate");
	expect_failure(&r, 2, "unknown command 'frobnicate'");
}

/* devdrv models: every model --plug takes, sorted, and they all plug. */
static void test_models(void **state)
{
	struct run r = RUN("devdrv", "models");
	char *save = NULL, prev[64] = "";
	int n = 0;

	(void)state;
	assert_int_equal(r.rc, 0);
	for (char *name = strtok_r(r.out, "\n", &save); name; name = strtok_r(NULL, "\n", &save), n++) {
		char plug[80];
		struct run p;

		assert_true(strcmp(prev, name) < 0);
		snprintf(prev, sizeof(prev), "%s", name);
		snprintf(plug, sizeof(plug), "%s@1-9", name);
		p = RUN("devdrv", "--virtual", "--plug", plug, "list", "1-9");
		if (p.rc != 0)
			fail_msg("--plug %s: rc %d: %s", plug, p.rc, p.err);
		done(&p);
	}
	assert_in_range(n, 30, 256);
	done(&r);
	r = RUN("devdrv", "models", "--json");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "\"ft232r\""));
	assert_true(starts_with(r.out, "{\"schema_version\":1,\"models\":["));
	done(&r);
}

/* --debug shows the library's log in the format the library itself uses on
 * stderr with $DEVDRV_DEBUG: "devdrv: LEVEL: message", each line with its own
 * level's name. */
static void test_debug_log_lines_name_their_level(void **state)
{
	struct run r = RUN("devdrv", "--virtual", "--debug", "read", "1-1", "-n", "1", "--timeout", "10");

	(void)state;
	assert_int_equal(r.rc, 1);
	assert_true(starts_with(r.err, "devdrv: info: opened 1-1 (1209:0001) with driver generic"));
	done(&r);
	assert_string_equal(devdrv_log_level_name(DEVDRV_LOG_WARN), "warn");
	assert_string_equal(devdrv_log_level_name(DEVDRV_LOG_DEBUG), "debug");
	assert_string_equal(devdrv_log_level_name((enum devdrv_log_level)5), "?");
	assert_string_equal(devdrv_log_level_name((enum devdrv_log_level)-1), "?");
}

/* Global options may follow the command, as users type them; not after
 * run's --exec, whose arguments are another program's. */
static void test_global_options_after_the_command(void **state)
{
	struct run r = RUN("devdrv", "list", "--virtual", "--plug", "ft232r@1-3", "1-3");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "0403:6001"));
	done(&r);
	r = RUN("devdrv", "list", "1-3", "--plug=cp2102@1-3", "--virtual", "--json");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "\"pid\":\"ea60\""));
	done(&r);
	/* the command's exit status is run's: 0 only if it got its --virtual */
	r = RUN("devdrv", "--virtual", "run", "1-1", "--exec", "sh", "-c", "[ \"$1\" = --virtual ]", "sh", "--virtual");
	assert_int_equal(r.rc, 0);
	done(&r);
	r = RUN("devdrv", "--virtual", "run", "1-1", "--exec", "sh", "-c", "[ \"$1\" = --virtual ]", "sh", "--debug");
	assert_int_not_equal(r.rc, 0);
	done(&r);
	r = RUN("devdrv", "list", "--plug");
	expect_failure(&r, 2, "--plug needs a value");
}

static void test_usage_errors(void **state)
{
	struct run r = RUN("devdrv");

	(void)state;
	assert_int_equal(r.rc, 2);
	done(&r);
	r = RUN("devdrv", "frobnicate");
	expect_failure(&r, 2, "unknown command 'frobnicate'");
	r = RUN("devdrv", "--bogus", "list");
	expect_failure(&r, 2, "unknown or incomplete option '--bogus'");
	/* a short option inside a cluster is named, not the argument before it */
	r = RUN("devdrv", "--virtual", "read", "-xz", "1-1");
	expect_failure(&r, 2, "unknown or incomplete option '-z'");
	/* what the user typed is quoted on one line, control characters escaped */
	r = RUN("devdrv", "--virtual", "--plug", "stick@1-3", "storage", "1-3", "in\nfo");
	expect_failure(&r, 2, "unknown action 'in\\x0afo'");
	r = RUN("devdrv", "--virtual", "read");
	expect_failure(&r, 2, "needs exactly one selector");
	r = RUN("devdrv", "--virtual", "read", "1-1", "-n", "0");
	expect_failure(&r, 2, "positive byte count");
	r = RUN("devdrv", "--virtual", "read", "1-1", "--timeout", "soon");
	expect_failure(&r, 2, "milliseconds");
	r = RUN("devdrv", "--virtual", "ctrl", "1-1", "0x1ff", "1", "0", "0");
	expect_failure(&r, 2, "REQTYPE '0x1ff'");
	r = RUN("devdrv", "--virtual", "ctrl", "1-1", "0x40", "1", "0", "0", "zz");
	expect_failure(&r, 2, "HEXDATA 'zz'");
	r = RUN("devdrv", "--virtual", "write", "1-1", "--hex", "0g");
	expect_failure(&r, 2, "column 2 is not a two-digit hex byte");
	r = RUN("devdrv", "--virtual", "read", "04z3:6001");
	expect_failure(&r, 2, "column 3");
	r = RUN("devdrv", "--virtual", "list", "colour=blue");
	expect_failure(&r, 2, "unknown key");
	r = RUN("devdrv", "drivers", "extra");
	expect_failure(&r, 2, "takes only --json");
	r = RUN("devdrv", "--virtual", "--plug", "ft232r", "list");
	expect_failure(&r, 2, "MODEL@PORT");
	r = RUN("devdrv", "--virtual", "--plug", "toaster@1-3", "list");
	expect_failure(&r, 2, "unknown model");
	r = RUN("devdrv", "--plug", "ft232r@1-3", "list");
	expect_failure(&r, 2, "--plug needs the virtual bus");
}

static void test_device_errors(void **state)
{
	struct run r = RUN("devdrv", "--virtual", "read", "0403:6001");

	(void)state;
	expect_failure(&r, 1, "devdrv list");
	r = RUN("devdrv", "--virtual", "read", "1-1", "--timeout", "20");
	expect_failure(&r, 1, "nothing moved within 20 ms");
	r = RUN("devdrv", "--virtual", "write", "1-2", "hi");
	expect_failure(&r, 1, "no OUT pipe");
	r = RUN("devdrv", "--virtual", "ctrl", "1-1", "0xc0", "0x55", "0", "0");
	expect_failure(&r, 1, "STALL");
	r = RUN("devdrv", "--virtual", "info", "1-1#4");
	expect_failure(&r, 1, "#4 does not exist");
	r = RUN("devdrv", "--virtual", "--plug", "ch340@1-3", "serial", "1-3", "--format", "8N1.5");
	expect_failure(&r, 1, "CH34x cannot send 1.5 stop bits");
}

static void test_list_outputs(void **state)
{
	struct run r = RUN("devdrv", "--virtual", "list");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_int_equal(count_lines(r.out), 3);
	assert_non_null(strstr(r.out, "1-1          1:2      1209:0001 480    generic"));
	done(&r);
	r = RUN("devdrv", "--virtual", "list", "1-2");
	assert_int_equal(count_lines(r.out), 2);
	assert_non_null(strstr(r.out, "Virtual Button"));
	assert_null(strstr(r.out, "Loopback"));
	done(&r);
	r = RUN("devdrv", "--virtual", "list", "--json");
	assert_int_equal(r.rc, 0);
	assert_true(starts_with(r.out, "{\"schema_version\":1,\"devices\":["));
	assert_non_null(strstr(r.out, "\"port_path\":\"1-1\",\"vid\":\"1209\",\"pid\":\"0001\""));
	assert_non_null(strstr(r.out, "\"speed\":480,")); /* Mbit/s, a number */
	assert_non_null(strstr(r.out, "\"endpoints\":[{\"address\":1,\"direction\":\"out\",\"type\":\"bulk\""));
	assert_non_null(strstr(r.out, "\"serial\":null"));
	done(&r);
	r = RUN("devdrv", "--virtual", "list", "-v");
	assert_non_null(strstr(r.out, "endpoint 0x81 IN  interrupt max packet 8"));
	done(&r);
}

/* --plug works with the virtual bus however it was chosen (the demo uses
 * DEVDRV_TRANSPORT=virtual). */
static void test_plug_with_environment_transport(void **state)
{
	struct run r;

	(void)state;
	setenv("DEVDRV_TRANSPORT", "virtual", 1);
	r = RUN("devdrv", "--plug", "ft232r@1-3", "list", "1-3");
	unsetenv("DEVDRV_TRANSPORT");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "0403:6001 12     ftdi"));
	done(&r);
}

static void test_info_and_drivers(void **state)
{
	struct run r = RUN("devdrv", "--virtual", "info", "serial=LOOP0001");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "Device 1-1 (bus 1, address 2, transport virtual)"));
	assert_non_null(strstr(r.out, "Endpoint 0x81 IN bulk, max packet 512"));
	assert_non_null(strstr(r.out, "libdevdrv driver: generic"));
	assert_non_null(strstr(r.out, "why: generic"));
	done(&r);
	r = RUN("devdrv", "drivers");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "generic    raw"));
	done(&r);
}

static void test_io_commands(void **state)
{
	struct run r = RUN("devdrv", "--virtual", "write", "1-1", "hello");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.err_len, 0);
	done(&r);
	r = RUN("devdrv", "--virtual", "write", "1-1", "--hex", "01 02 ff");
	assert_int_equal(r.rc, 0);
	done(&r);
	r = run_cli("from stdin", 5, (const char *[]){ "devdrv", "--virtual", "write", "1-1", "-" });
	assert_int_equal(r.rc, 0);
	done(&r);
	/* pipe mode: stdin to the device, the device to stdout, no status bytes */
	r = run_cli("through the chip", 8, (const char *[]){ "devdrv", "--virtual", "--plug", "ft232r@1-3",
	                                                     "serial", "1-3", "--drain", "100" });
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "through the chip");
	done(&r);
	r = RUN("devdrv", "--virtual", "ctrl", "1-1", "0x40", "1", "0", "0", "0a0b0c");
	assert_int_equal(r.rc, 0);
	done(&r);
	/* each run is its own process-like context: a fresh device model */
	r = RUN("devdrv", "--virtual", "ctrl", "1-1", "0x80", "6", "0x0100", "0", "18");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "12 01 00 02 ff 00 00 40 09 12 01 00 00 01 01 02 03 01\n");
	done(&r);
}

static void *serve_usbip(void *arg)
{
	return (void *)(intptr_t)devdrv_usbip_server_run(arg);
}

/* Separate commands share one virtual bus when a server holds it: what
 * 'write' puts in the loopback, a later 'read' gets back. Without it, the
 * read's error says why it finds nothing. */
static void test_shared_virtual_bus(void **state)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_usbip_options so = { .size = sizeof(so), .listen = "127.0.0.1:0" };
	struct devdrv_usbip_server *srv;
	struct devdrv_context *bus;
	pthread_t thread;
	char address[32];
	struct run r;

	(void)state;
	r = RUN("devdrv", "--virtual", "read", "1-1", "--timeout", "50");
	expect_failure(&r, 1, "usbip-export");
	assert_int_equal(devdrv_context_new(&o, &bus), 0);
	assert_int_equal(devdrv_usbip_server_new(bus, &so, &srv), 0);
	snprintf(address, sizeof(address), "127.0.0.1:%d", devdrv_usbip_server_port(srv));
	assert_int_equal(pthread_create(&thread, NULL, serve_usbip, srv), 0);
	r = RUN("devdrv", "--remote", address, "write", "1-1", "kept");
	assert_int_equal(r.rc, 0);
	done(&r);
	r = RUN("devdrv", "read", "1-1", "--remote", address);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "kept");
	done(&r);
	r = RUN("devdrv", "--remote", address, "list");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "[usbip] libdevdrv Virtual Loopback"));
	done(&r);
	r = RUN("devdrv", "--remote", "[::1", "list");
	expect_failure(&r, 2, "--remote");
	devdrv_usbip_server_stop(srv);
	pthread_join(thread, NULL);
	devdrv_usbip_server_free(srv);
	devdrv_context_free(bus);
	r = RUN("devdrv", "--remote", address, "list");
	expect_failure(&r, 1, "cannot reach");
}

/* lsusb's habits: -d and -s select as lsusb's do, -t draws the tree with
 * interfaces and speeds with units, info without a selector shows every
 * device, with class-specific descriptors by name and the binding in words;
 * names come from the udev hwdb where the machine has one. */
static void test_lsusb_habits(void **state)
{
	struct run r = RUN("devdrv", "--virtual", "--plug", "ft232r@1-3", "list", "-d", "1209:");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_int_equal(count_lines(r.out), 3); /* the header, loopback and button */
	assert_null(strstr(r.out, "0403:6001"));
	done(&r);
	r = RUN("devdrv", "--virtual", "--plug", "ft232r@1-3", "list", "-d", "0403:6001", "-s", "1:4");
	assert_int_equal(r.rc, 0);
	assert_int_equal(count_lines(r.out), 2);
	assert_non_null(strstr(r.out, "1-3          1:4      0403:6001"));
	done(&r);
	r = RUN("devdrv", "--virtual", "list", "-s", "3");  /* address 3: the button */
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "1-2 "));
	assert_int_equal(count_lines(r.out), 2);
	done(&r);
	r = RUN("devdrv", "--virtual", "list", "-s", "2:");  /* no bus 2: nothing, exit 1 as lsusb */
	assert_int_equal(r.rc, 1);
	done(&r);
	r = RUN("devdrv", "--virtual", "list", "-s", "1:x");
	expect_failure(&r, 2, "-s takes [BUS:][ADDR]");
	r = RUN("devdrv", "--virtual", "list", "-d", "0403");
	expect_failure(&r, 2, "-d takes VID:[PID]");

	r = RUN("devdrv", "--virtual", "--plug", "keyboard@1-3", "list", "-t");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "/:  Bus 01 (virtual)\n"));
	assert_non_null(strstr(r.out, "    |__ Port 1: Dev 2, 1209:0001 Virtual Loopback, 480M\n"));
	assert_non_null(strstr(r.out, "        |__ If 0, Class="));
	assert_non_null(strstr(r.out, "Driver=-, devdrv=hid\n"));
	done(&r);

	r = RUN("devdrv", "--virtual", "--plug", "keyboard@1-3", "info");
	assert_int_equal(r.rc, 0);
	{
		const char *d1 = strstr(r.out, "Device 1-1 "), *d2 = strstr(r.out, "Device 1-2 "), *d3 = strstr(r.out, "Device 1-3 ");

		assert_true(d1 && d2 && d3 && d1 < d2 && d2 < d3); /* every device, in list order */
	}
	assert_non_null(strstr(r.out, "HID descriptor (type 0x21, 9 bytes): bcdHID 1.11, country 0, report descriptor "));
	assert_non_null(strstr(r.out, "bMaxPacketSize0 64\n"));
	assert_non_null(strstr(r.out, "bus-powered, remote wakeup"));
	assert_non_null(strstr(r.out, "why: hid binds interface 0: its match table names the interface class;"));
	assert_null(strstr(r.out, "score"));
	if (access("/usr/lib/udev/hwdb.bin", R_OK) == 0 || access("/etc/udev/hwdb.bin", R_OK) == 0)
		assert_non_null(strstr(r.out, "(Human Interface Device / Boot Interface Subclass / Keyboard)"));
	done(&r);
	r = RUN("devdrv", "--virtual", "--plug", "ft232r@1-3", "info", "0403:6001");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "why: ftdi binds interface 0: its match table names the vendor and product; "));
	if (access("/usr/lib/udev/hwdb.bin", R_OK) == 0 || access("/etc/udev/hwdb.bin", R_OK) == 0)
		assert_non_null(strstr(r.out, "idVendor        0x0403 Future Technology Devices International"));
	done(&r);
	r = RUN("devdrv", "--virtual", "info", "9-9");
	expect_failure(&r, 1, "no device matches");
}

/* --json everywhere: one document with its schema version per command (a
 * line per transfer or event for streams), numbers as numbers, and errors
 * as a JSON document on stderr with the library's code and the exit code. */
static void test_json_everywhere(void **state)
{
	struct run r = RUN("devdrv", "--virtual", "info", "1-1", "--json");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_true(starts_with(r.out, "{\"schema_version\":1,\"devices\":[{\"transport\":\"virtual\""));
	assert_non_null(strstr(r.out, "\"binding\":{\"driver\":\"generic\",\"interface\":0,\"reason\":\"generic binds"));
	assert_non_null(strstr(r.out, "\"stack\":[{\"kind\":\"driver\",\"name\":\"generic\"}"));
	assert_int_equal(count_lines(r.out), 1);
	done(&r);
	r = RUN("devdrv", "drivers", "--json");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "{\"name\":\"ftdi\",\"class\":\"serial\""));
	assert_non_null(strstr(r.out, "{\"vid\":\"0403\",\"pid\":\"6001\"}"));
	done(&r);
	r = RUN("devdrv", "--virtual", "ctrl", "1-1", "0x80", "6", "0x0100", "0", "18", "--json");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "{\"schema_version\":1,\"direction\":\"in\",\"length\":18,"
	                           "\"hex\":\"12010002ff00004009120100000101020301\"}\n");
	done(&r);
	r = RUN("devdrv", "--virtual", "write", "1-1", "hi", "--json");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "{\"schema_version\":1,\"written\":2}\n");
	done(&r);
	r = RUN("devdrv", "--virtual", "--plug", "source@1-3", "read", "1-3", "-n", "8", "--json");
	assert_int_equal(r.rc, 0);
	assert_true(starts_with(r.out, "{\"schema_version\":1,\"offset\":0,\"length\":8,\"hex\":\""));
	done(&r);
	r = RUN("devdrv", "--virtual", "read", "9-9", "--json");
	expect_json_failure(&r, 1, "\"code\":-2,");
	r = RUN("devdrv", "--virtual", "list", "--json", "--bogus");
	expect_json_failure(&r, 2, "\"code\":null,");
	r = RUN("devdrv", "--virtual", "read", "1-1", "--json", "--hex");
	expect_json_failure(&r, 2, "pick one");
}

/* Hex data is two digits a byte: "0 12" is refused, not sent as 01 12. */
static void test_hex_data_is_strict(void **state)
{
	struct run r = RUN("devdrv", "--virtual", "write", "1-1", "--hex", "0 12");

	(void)state;
	expect_failure(&r, 2, "DATA '0 12': column 1 is not a two-digit hex byte");
	r = RUN("devdrv", "--virtual", "ctrl", "1-1", "0x40", "1", "0", "0", "1 2");
	expect_failure(&r, 2, "HEXDATA '1 2': column 1");
	r = RUN("devdrv", "--virtual", "ctrl", "1-1", "0x40", "1", "0", "0", "01020");
	expect_failure(&r, 2, "column 5");
	/* what is accepted is exactly what was typed */
	{
		unsigned char bytes[8];
		size_t len = 0, bad = 0;

		assert_int_equal(cli_parse_hex("01:02 ff\t0a0B", bytes, sizeof(bytes), &len, &bad), 0);
		assert_int_equal(len, 5);
		assert_memory_equal(bytes, "\x01\x02\xff\x0a\x0b", 5);
		assert_int_equal(cli_parse_hex("0102", bytes, 1, &len, &bad), CLI_HEX_TOO_LONG);
		/* C's 0x, before each byte or a run of them */
		assert_int_equal(cli_parse_hex("0x01 0XfF 0x0a0b", bytes, sizeof(bytes), &len, &bad), 0);
		assert_int_equal(len, 4);
		assert_memory_equal(bytes, "\x01\xff\x0a\x0b", 4);
		/* an x inside a group, or a bare 0x, is still a mistake */
		assert_int_equal(cli_parse_hex("010x02", bytes, sizeof(bytes), &len, &bad), CLI_HEX_BAD_DIGIT);
		assert_int_equal(bad, 3);
		assert_int_equal(cli_parse_hex("0x", bytes, sizeof(bytes), &len, &bad), CLI_HEX_BAD_DIGIT);
		assert_int_equal(bad, 1);
	}
}

/* A device's strings cannot drive the terminal: control characters, C1
 * controls and bytes that are not UTF-8 come out as \xNN in every table,
 * while JSON keeps them exactly (escaped the JSON way). */
static void test_device_strings_are_escaped(void **state)
{
	static const char *const views[][3] = { { "list", NULL, NULL }, { "list", "-v", NULL }, { "info", "1-3", NULL } };

	(void)state;
	for (size_t v = 0; v < 3; v++) {
		struct run r = views[v][1]
		                   ? RUN("devdrv", "--virtual", "--plug", "hostile-strings@1-3", views[v][0], views[v][1])
		                   : RUN("devdrv", "--virtual", "--plug", "hostile-strings@1-3", views[v][0]);

		assert_int_equal(r.rc, 0);
		for (size_t i = 0; i < r.out_len; i++)
			if (((unsigned char)r.out[i] < 0x20 && r.out[i] != '\n') || (unsigned char)r.out[i] == 0x7f ||
			    (unsigned char)r.out[i] >= 0x80)
				fail_msg("%s: raw byte 0x%02x at %zu:\n%s", views[v][0], (unsigned char)r.out[i], i, r.out);
		assert_non_null(strstr(r.out, "Evil\\x1b[2J\\x07 Corp"));
		assert_non_null(strstr(r.out, "SER\\x0d\\x0aIAL\\xc2\\x9b31m\\xff"));
		done(&r);
	}
	{
		struct run r = RUN("devdrv", "--virtual", "--plug", "hostile-strings@1-3", "list", "1-3", "--json");

		assert_int_equal(r.rc, 0);
		assert_non_null(strstr(r.out, "\"manufacturer\":\"Evil\\u001b[2J\\u0007 Corp\""));
		done(&r);
	}
}

/* ctrl says when an IN request got no data, and takes --timeout anywhere;
 * a class command on a device of another class says where to look. */
static void test_ctrl_and_class_hints(void **state)
{
	struct run r = RUN("devdrv", "--virtual", "ctrl", "1-1", "0xc0", "0x02", "0", "0", "16");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "(0 bytes)\n"); /* the loopback's scratch register is empty */
	done(&r);
	r = RUN("devdrv", "--virtual", "ctrl", "--timeout", "200", "1-1", "0x40", "0x01", "0", "0", "6869");
	assert_int_equal(r.rc, 0);
	done(&r);
	r = RUN("devdrv", "--virtual", "ctrl", "1-1", "0xc0", "0x02", "0", "0", "--timeout=200", "16");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "(0 bytes)\n"); /* a new bus per command: empty again */
	done(&r);
	r = RUN("devdrv", "--virtual", "ctrl", "1-1", "0xc0", "0x02", "0", "0", "--timeout", "soon");
	expect_failure(&r, 2, "--timeout takes milliseconds");
	r = RUN("devdrv", "--virtual", "ctrl", "1-1", "0xc0", "0x02", "0", "0", "--timeout");
	expect_failure(&r, 2, "incomplete option '--timeout'");
	r = RUN("devdrv", "--virtual", "serial", "1-1");
	expect_failure(&r, 1, "not a serial one ('devdrv drivers' lists the serial drivers");
}

/* Selector and exit-code edges found from outside. */
static void test_selector_edges(void **state)
{
	struct run r = RUN("devdrv", "--virtual", "info", "");
	char long_sel[300];

	(void)state;
	expect_failure(&r, 2, "the selector is empty");
	r = RUN("devdrv", "--virtual", "read", "");
	expect_failure(&r, 2, "the selector is empty");
	/* a root hub's port path, as list shows it, is a selector (none here):
	 * nothing matches, which is exit 1 and no output, as lsusb -d */
	r = RUN("devdrv", "--virtual", "list", "1");
	assert_int_equal(r.rc, 1);
	assert_int_equal(count_lines(r.out), 0);
	assert_int_equal(count_lines(r.err), 0); /* the bus exists: nothing to explain */
	done(&r);
	r = RUN("devdrv", "--virtual", "list", "1", "--json");
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.out, "{\"schema_version\":1,\"devices\":[]}\n");
	done(&r);
	/* a long selector's error still says which column */
	memset(long_sel, 0, sizeof(long_sel));
	strcpy(long_sel, "serial=");
	memset(long_sel + 7, 'A', 120);
	strcat(long_sel, ",colour=blue");
	r = RUN("devdrv", "--virtual", "read", long_sel);
	expect_failure(&r, 2, "unknown key");
	r = RUN("devdrv", "--virtual", "read", long_sel);
	assert_non_null(strstr(r.err, "column 129"));
	done(&r);
	/* interface 200 exists and works: an I/O error (1), not a usage error */
	r = RUN("devdrv", "--virtual", "--plug", "hostile-high-iface@1-3", "read", "1-3,iface=200", "--timeout", "50");
	expect_failure(&r, 1, "nothing moved within 50 ms");
	/* the timeout a serial read reports is the one asked for */
	r = RUN("devdrv", "--virtual", "--plug", "ft232r@1-3", "read", "1-3", "--timeout", "200");
	expect_failure(&r, 1, "within 200 ms");
	/* a write that times out does not blame the device for sending nothing */
	r = RUN("devdrv", "--virtual", "--plug", "hostile-nak@1-3", "write", "1-3", "hi", "--timeout", "50");
	assert_null(strstr(r.err, "sent nothing"));
	expect_failure(&r, 1, "took nothing");
	/* endpoints that exist only in an alternate setting: a hint, then alt= */
	r = RUN("devdrv", "--virtual", "--plug", "alt-loopback@1-3", "read", "1-3");
	expect_failure(&r, 1, "select it with alt=1");
	r = RUN("devdrv", "--virtual", "--plug", "alt-loopback@1-3", "read", "1-3,alt=1", "--timeout", "50");
	expect_failure(&r, 1, "bulk IN 0x81: nothing moved within 50 ms");
	r = RUN("devdrv", "--virtual", "--plug", "alt-loopback@1-3", "read", "1-3,alt=2");
	expect_failure(&r, 1, "no device matches");
	r = RUN("devdrv", "--virtual", "--plug", "alt-loopback@1-3", "list", "-v", "1-3");
	assert_non_null(strstr(r.out, "interface 0 alt 0  class ff/00/00  kernel driver: (none)  \"idle\""));
	assert_non_null(strstr(r.out, "interface 0 alt 1  class ff/00/00  kernel driver: (none)  \"loopback\""));
	done(&r);
}

/* A setting the chip cannot do is refused before the port is touched. */
static void test_serial_refusals(void **state)
{
	static const char *const refused[][3] = {
		{ "--baud", "4000000000", "cannot make 4000000000 baud" },
		{ "--baud", "12000000", "cannot make 12000000 baud" },
		{ "--baud", "2500000", "cannot make 2500000 baud" },
		{ "--format", "5N1", "7 or 8 data bits" },
		{ "--baud", "1", "below the slowest rate" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct run r = RUN("devdrv", "--virtual", "--plug", "ft232r@1-3", "serial", "1-3", refused[i][0],
		                   refused[i][1]);
		expect_failure(&r, 1, refused[i][2]);
	}
}

/* Bytes that are not UTF-8 (lead bytes f5-ff, overlong forms, surrogates)
 * are escaped for the terminal and replaced in JSON, never passed through:
 * a raw 0x9b is CSI to an 8-bit terminal, and one bad byte would make the
 * whole JSON document unparsable. */
static void test_invalid_utf8_never_passes(void **state)
{
	static const struct {
		const char *in, *shown, *json;
	} cases[] = {
		{ "C\xf8\x9b\x9b" "D", "C\\xf8\\x9b\\x9bD", "\"C\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "D\"" },
		{ "A\xc0\xaf" "B", "A\\xc0\\xafB", "\"A\xef\xbf\xbd\xef\xbf\xbd" "B\"" },
		{ "\xed\xa0\x80", "\\xed\\xa0\\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char shown[CLI_ESCAPED_MAX], *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);
		struct json j;

		assert_string_equal(cli_escape(cases[i].in, shown, sizeof(shown)), cases[i].shown);
		json_begin(&j, f);
		json_string(&j, NULL, cases[i].in);
		fclose(f);
		assert_string_equal(out, cases[i].json);
		free(out);
	}
}

/* devdrv hid on the virtual keyboard and mouse: reports as hex and decoded
 * fields, JSON, the descriptor tree, feature reports. */
static void test_hid_command(void **state)
{
	struct run r = RUN("devdrv", "--virtual", "--plug", "keyboard@1-3", "hid", "1-3", "-n", "3");

	(void)state;
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "00 00 0b 00 00 00 00 00  h\n00 00 00 00 00 00 00 00\n00 00 08 00 00 00 00 00  e\n");
	done(&r);
	r = RUN("devdrv", "--virtual", "--plug", "mouse@1-3", "hid", "1-3", "-n", "1", "--json");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "{\"schema_version\":1,\"report_id\":1,\"bytes\":\"0100050000\",\"fields\":["));
	assert_non_null(strstr(r.out, "{\"usage_page\":1,\"usage\":48,\"name\":\"X\",\"value\":5}"));
	done(&r);
	r = RUN("devdrv", "--virtual", "--plug", "mouse@1-3", "hid", "1-3", "--descriptor");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "Collection Application (Mouse)\n"));
	assert_non_null(strstr(r.out, "    Input   report 1  3 x 8 bits  Data,Var,Rel  logical -127..127  X, Y, Wheel\n"));
	assert_non_null(strstr(r.out, "Feature report 2: 2 bytes\n"));
	/* descriptor order: the feature report comes after the Physical collection */
	assert_true(strstr(r.out, "  Feature report 2") > strstr(r.out, "Collection Physical (Pointer)"));
	done(&r);
	r = RUN("devdrv", "--virtual", "--plug", "keyboard@1-3", "hid", "1-3", "--send", "0202");
	expect_failure(&r, 2, "output report 0 is 1 byte, not 2; see the device's reports");
	r = RUN("devdrv", "--virtual", "--plug", "mouse@1-3", "hid", "1-3", "--descriptor", "--json");
	expect_json_failure(&r, 2, "--json is for reports");
	r = RUN("devdrv", "--virtual", "--plug", "mouse@1-3", "hid", "1-3", "--descriptor", "--raw");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "00000000  05 01 09 02 a1 01 85 01"));
	done(&r);
	r = RUN("devdrv", "--virtual", "--plug", "mouse@1-3", "hid", "1-3", "--get-feature", "2");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "02 00  Resolution Multiplier=0\n");
	done(&r);
	r = RUN("devdrv", "--virtual", "--plug", "mouse@1-3", "hid", "1-3", "--set-feature", "2", "01");
	assert_int_equal(r.rc, 0);
	done(&r);
	r = RUN("devdrv", "--virtual", "--plug", "mouse@1-3", "hid", "1-3", "--set-feature", "2", "7");
	expect_failure(&r, 2, "column 1 is not a two-digit hex byte");
	r = RUN("devdrv", "--virtual", "--plug", "mouse@1-3", "hid", "1-3", "--send", "01");
	expect_failure(&r, 1, "no output report");
	r = RUN("devdrv", "--virtual", "hid", "1-1");
	expect_failure(&r, 1, "binds driver generic, a raw driver, not a hid one");
	r = RUN("devdrv", "--virtual", "--plug", "keyboard@1-3", "hid", "1-3", "--raw");
	expect_failure(&r, 2, "--raw goes with --descriptor");
}

/* Dump offsets continue across reads: the second chunk starts at its base. */
/* The driver stack from the command line: filters by name, the stack in
 * info, stats at the end, faults, a recording played back. */
static void test_filters_from_the_command_line(void **state)
{
	char dir[] = "/tmp/devdrv-cli-XXXXXX", rec[64], pcap[64];
	struct run r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(rec, sizeof(rec), "%s/s.rec", dir);
	snprintf(pcap, sizeof(pcap), "trace:%s/t.pcap", dir);
	r = RUN("devdrv", "--virtual", "--filter", "nosuch", "list");
	expect_failure(&r, 2, "no filter named \"nosuch\"");
	r = RUN("devdrv", "--virtual", "--filter", "fault:melt", "read", "1-1");
	expect_failure(&r, 2, "\"melt\" is not a fault");
	r = RUN("devdrv", "--virtual", "--filter", "fault:stall,ep=0x81", "read", "1-1");
	expect_failure(&r, 1, "stall");
	r = RUN("devdrv", "--virtual", "--filter", "stats", "--filter", pcap, "info", "1-1");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "stack (top to bottom):\n    driver        generic\n    lower filter  stats\n"
	                              "    lower filter  trace\n    transport     virtual\n"));
	done(&r);
	r = RUN("devdrv", "--virtual", "--stats", "write", "1-1", "hello");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.err, "stats: 0x01 bulk              1            5      0"));
	done(&r);
	r = RUN("devdrv", "--virtual", "--stats=json", "write", "1-1", "hello");
	assert_non_null(strstr(r.err, "\"endpoint\":1,\"type\":\"bulk\",\"transfers\":1,\"bytes\":5"));
	done(&r);
	r = RUN("devdrv", "filters", "--json");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "{\"name\":\"trace\",\"position\":\"lower\",\"args\":\"FILE.pcap\""));
	done(&r);
	r = RUN("devdrv", "--virtual", "--record", rec, "write", "1-1", "hello");
	assert_int_equal(r.rc, 0);
	done(&r);
	r = RUN("devdrv", "--replay", rec, "write", "1-1", "hello");
	assert_int_equal(r.rc, 0);
	done(&r);
	r = RUN("devdrv", "--replay", rec, "write", "1-1", "hellO");
	expect_failure(&r, 1, "other OUT data");
	r = RUN("devdrv", "--virtual", "--plug", "source@1-3", "read", "1-3", "--stream", "-n", "8", "--stats");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.out_len, 8);
	assert_memory_equal(r.out, "\0\0\0\0\1\0\0\0", 8); /* the source's counter, 0 then 1 */
	assert_non_null(strstr(r.err, "devdrv: read 8 bytes in "));
	done(&r);
	r = RUN("devdrv", "--virtual", "read", "1-1", "--stream", "--timeout", "50", "-n", "4");
	expect_failure(&r, 1, "ended: timeout");
	r = RUN("devdrv", "--virtual", "read", "1-1", "--stats");
	expect_failure(&r, 2, "go with --stream");
	r = RUN("devdrv", "--replay", "/nonexistent.rec", "list");
	expect_failure(&r, 2, "No such file");
	unlink(rec);
	snprintf(rec, sizeof(rec), "%s/t.pcap", dir);
	unlink(rec);
	rmdir(dir);
}

static void test_hexdump_offsets(void **state)
{
	unsigned char bytes[20];
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	for (int i = 0; i < 20; i++)
		bytes[i] = (unsigned char)i;
	cli_hexdump(f, bytes, sizeof(bytes), 0x10000, "\n");
	cli_hexdump(f, bytes, 2, 0, "\r\n"); /* a raw terminal's line end */
	fclose(f);
	assert_string_equal(out, "00010000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n"
	                         "00010010  10 11 12 13\n"
	                         "00000000  00 01\r\n");
	free(out);
}

static void test_watch_arguments_and_existing(void **state)
{
	struct run r;

	(void)state;
	r = RUN("devdrv", "--virtual", "watch", "--count", "0");
	expect_failure(&r, 2, "--count takes a number");
	r = RUN("devdrv", "--virtual", "watch", "1209:0001#1");
	expect_failure(&r, 2, "#N picks a device");
	r = RUN("devdrv", "--virtual", "watch", "vid=12345");
	expect_failure(&r, 2, "12345");
	r = RUN("devdrv", "--virtual", "--plug", "ft232r@1-4", "watch", "--existing", "--count", "3");
	assert_int_equal(r.rc, 0);
	assert_int_equal(count_lines(r.out), 3);
	assert_non_null(strstr(r.out, " arrived 1209:0001,serial=LOOP0001 1-1 "));
	assert_non_null(strstr(r.out, " 1-4        0403:6001 ftdi "));
	done(&r);
	r = RUN("devdrv", "--virtual", "watch", "--existing", "--json", "--count", "1", "1-2");
	assert_int_equal(r.rc, 0);
	assert_int_equal(count_lines(r.out), 1);
	assert_non_null(strstr(r.out, "\"event\":\"arrived\",\"selector\":\"1-2\",\"transport\":\"virtual\",\"port\":\"1-2\""));
	assert_non_null(strstr(r.out, "\"vid\":\"1209\",\"pid\":\"0002\",\"driver\":\"generic\""));
	done(&r);
}

struct watcher {
	struct devdrv_context *ctx;
	FILE *out, *err;
	int rc;
	const char *count;
};

static void *run_watch(void *arg)
{
	struct watcher *w = arg;
	char *argv[] = { "devdrv", "watch", "--json", "--existing", "--count", (char *)w->count, "port=1-5", NULL };

	w->rc = cli_main_in(w->ctx, 7, argv, stdin, w->out, w->err);
	fclose(w->out);
	return NULL;
}

/* One line from @fd, waiting up to 5 s for it; NULL on timeout or EOF. */
static char *read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 5000) != 1 || read(fd, buf + n, 1) != 1)
			return NULL;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = 0;
	return buf;
}

/* devdrv watch --json on a bus whose device at 1-5 is unplugged and plugged
 * 1,000 times: every event is one line, in order, with the device's record. */
static void test_watch_sees_every_event(void **state)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct watcher w = { .count = "2001", .err = tmpfile() };
	pthread_t thread;
	char line[1024];
	int fds[2];

	(void)state;
	assert_int_equal(devdrv_context_new(&o, &w.ctx), 0);
	assert_int_equal(devdrv_virtual_plug(w.ctx, "source", "1-5"), 0);
	assert_int_equal(pipe(fds), 0);
	w.out = fdopen(fds[1], "w");
	assert_int_equal(pthread_create(&thread, NULL, run_watch, &w), 0);
	/* the device already there, once the watch runs */
	assert_non_null(read_line(fds[0], line, sizeof(line)));
	assert_non_null(strstr(line, "\"event\":\"arrived\""));
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(devdrv_virtual_unplug(w.ctx, "1-5"), 0);
		assert_non_null(read_line(fds[0], line, sizeof(line)));
		if (!strstr(line, "\"event\":\"left\"") || !strstr(line, "\"port\":\"1-5\""))
			fail_msg("cycle %d, unplug: %s", i, line);
		assert_int_equal(devdrv_virtual_plug(w.ctx, "source", "1-5"), 0);
		assert_non_null(read_line(fds[0], line, sizeof(line)));
		if (!strstr(line, "\"event\":\"arrived\"") || !strstr(line, "\"pid\":\"000b\""))
			fail_msg("cycle %d, plug: %s", i, line);
	}
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(w.rc, 0);
	assert_null(read_line(fds[0], line, sizeof(line))); /* --count: nothing more, the pipe closed */
	close(fds[0]);
	fclose(w.err);
	devdrv_context_free(w.ctx);
}

static char *write_temp(const char *text)
{
	static char path[3][64];
	static int next;
	char *p = path[next++ % 3];
	FILE *f;

	snprintf(p, 64, "/tmp/devdrv-test-%ld-%d.conf", (long)getpid(), next);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

/* The rules: flags from the match tables (add by attribute, remove by
 * PRODUCT), access only for devices matched by vendor and product unless
 * asked, a group when asked, never world-writable. */
static void test_udev_rules_layers(void **state)
{
	struct run r;

	(void)state;
	r = RUN("devdrv", "udev-rules");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "ATTR{idVendor}==\"0403\", ATTR{idProduct}==\"6001\", ENV{ID_DEVDRV}=\"1\", "
	                              "ENV{ID_DEVDRV_DRIVER}=\"ftdi\", ENV{ID_DEVDRV_ACCESS}=\"1\"\n"));
	assert_non_null(strstr(r.out, "ENV{PRODUCT}==\"403/6001/*\", ENV{ID_DEVDRV}=\"1\", ENV{ID_DEVDRV_DRIVER}=\"ftdi\"\n"));
	assert_non_null(strstr(r.out, "ENV{ID_USB_INTERFACES}==\"*:03????:*\", ENV{ID_DEVDRV}=\"1\", "
	                              "ENV{ID_DEVDRV_DRIVER}=\"hid\"\n"));
	assert_non_null(strstr(r.out, "ENV{ID_DEVDRV_ACCESS}==\"1\", TAG+=\"uaccess\"\n"));
	assert_null(strstr(r.out, "0666"));
	assert_null(strstr(r.out, "GROUP="));
	assert_null(strstr(r.out, "SYSTEMD_WANTS"));
	assert_true(strstr(r.out, "LABEL=\"devdrv_remove\"") < strstr(r.out, "ENV{PRODUCT}"));
	done(&r);
	r = RUN("devdrv", "udev-rules", "--class-access", "--group", "plugdev");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "ENV{ID_DEVDRV_DRIVER}=\"hid\", ENV{ID_DEVDRV_ACCESS}=\"1\"\n"));
	assert_non_null(strstr(r.out, "ENV{ID_DEVDRV_ACCESS}==\"1\", GROUP=\"plugdev\", MODE=\"0660\"\n"));
	done(&r);
	r = RUN("devdrv", "udev-rules", "--group", "Bad Group");
	expect_failure(&r, 2, "'Bad Group'");
	r = RUN("devdrv", "udev-rules", "-o", "/nonexistent/dir/x.rules");
	expect_failure(&r, 1, "cannot write /nonexistent/dir/x.rules");
}

/* Autostart entries become systemd rules; every error names its line. */
static void test_udev_rules_autostart(void **state)
{
	const char *good = write_temp("# devices\n\n0403:6001,serial=A50285BI  --pty /run/devdrv/gps --baud 4800\n"
	                              "  port=1-1.2 --exec /bin/logger \"two words\" --tag x\n");
	static const struct {
		const char *text, *words;
	} bad[] = {
		{ "0403:6001 --pty a\n1-2,iface=1 --pty b\n", ":2: 'iface=1' cannot be matched by udev" },
		{ "0403:6001 --pty a --speed 9\n", ":1: '--speed' is not an option of devdrv run" },
		{ "0403:6001 --baud 9600\n", ":1: say what to run" },
		{ "0403:6001 --exec \"unclosed\n", ":1: a quote is not closed" },
		{ "0403:6001#1 --pty a\n", ":1: selector '0403:6001#1'" },
		{ "vid=zz --pty a\n", ":1: " },
		{ "--pty a\n", ":1: a line starts with a selector" },
		{ "0403:6001 --pty\n", ":1: --pty needs a value" },
	};
	struct run r;

	(void)state;
	r = RUN("devdrv", "udev-rules", "--autostart", good);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "ATTR{idVendor}==\"0403\", ATTR{idProduct}==\"6001\", ATTR{serial}==\"A50285BI\", "
	                              "TAG+=\"systemd\", ENV{SYSTEMD_WANTS}+=\"devdrv@.service\", GROUP=\"devdrv\", "
	                              "MODE=\"0660\"\n"));
	assert_non_null(strstr(r.out, "KERNEL==\"1-1.2\", TAG+=\"systemd\""));
	assert_non_null(strstr(r.out, ".conf:4\n"));
	/* the systemd rules come before the removal label: add events only */
	assert_true(strstr(r.out, "SYSTEMD_WANTS") < strstr(r.out, "LABEL=\"devdrv_remove\""));
	done(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *path = write_temp(bad[i].text);

		r = RUN("devdrv", "udev-rules", "--autostart", path);
		if (r.rc != 2 || !strstr(r.err, path) || !strstr(r.err, bad[i].words) || count_lines(r.err) != 1)
			fail_msg("case %zu: rc %d, stderr %s (want '%s')", i, r.rc, r.err, bad[i].words);
		done(&r);
		unlink(path);
	}
	unlink(good);
}

/* devdrv autostart: the entry that matches the device runs, its command
 * with the device in its environment; no entry is an error that says so. */
static void test_autostart_runs_the_matching_entry(void **state)
{
	char out[64], line[128] = "", text[512];
	const char *conf;
	struct run r;
	FILE *f;

	(void)state;
	snprintf(out, sizeof(out), "/tmp/devdrv-test-%ld.out", (long)getpid());
	snprintf(text, sizeof(text),
	         "1209:0001 --exec sh -c \"exit 9\"\n"
	         "driver=ftdi --exec sh -c \"echo $DEVDRV_PORT $DEVDRV_DRIVER $DEVDRV_SELECTOR > %s\"\n", out);
	conf = write_temp(text);
	r = RUN("devdrv", "--virtual", "--plug", "ft232r@1-3", "autostart", "/sys/devices/pci0000:00/usb1/1-3", "--config",
	        conf);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.err, ".conf:2 for the device at 1-3"));
	done(&r);
	f = fopen(out, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	unlink(out);
	assert_string_equal(line, "1-3 ftdi port=1-3\n");
	r = RUN("devdrv", "--virtual", "autostart", "1-1", "--config", conf);
	assert_int_equal(r.rc, 9); /* the first entry's command, its status */
	done(&r);
	r = RUN("devdrv", "--virtual", "autostart", "1-2", "--config", conf);
	expect_failure(&r, 1, "no entry of");
	r = RUN("devdrv", "--virtual", "autostart", "1-2", "--config", "/nonexistent.conf");
	expect_failure(&r, 2, "/nonexistent.conf");
	unlink(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_and_help), cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_device_errors),    cmocka_unit_test(test_list_outputs),
		cmocka_unit_test(test_info_and_drivers), cmocka_unit_test(test_io_commands),
		cmocka_unit_test(test_shared_virtual_bus), cmocka_unit_test(test_lsusb_habits),
		cmocka_unit_test(test_json_everywhere),
		cmocka_unit_test(test_hexdump_offsets),    cmocka_unit_test(test_plug_with_environment_transport),
		cmocka_unit_test(test_hex_data_is_strict), cmocka_unit_test(test_device_strings_are_escaped),
		cmocka_unit_test(test_selector_edges),     cmocka_unit_test(test_serial_refusals),
		cmocka_unit_test(test_ctrl_and_class_hints),
		cmocka_unit_test(test_debug_log_lines_name_their_level),
		cmocka_unit_test(test_global_options_after_the_command),
		cmocka_unit_test(test_models),
		cmocka_unit_test(test_invalid_utf8_never_passes), cmocka_unit_test(test_hid_command),
		cmocka_unit_test(test_filters_from_the_command_line),
		cmocka_unit_test(test_watch_arguments_and_existing), cmocka_unit_test(test_watch_sees_every_event),
		cmocka_unit_test(test_udev_rules_layers),     cmocka_unit_test(test_udev_rules_autostart),
		cmocka_unit_test(test_autostart_runs_the_matching_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
