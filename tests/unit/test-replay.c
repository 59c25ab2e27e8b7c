/* test-replay.c — record a session on the virtual bus with the record
 * filter, play it back with the replay transport: the same calls get the
 * same answers without the device; a program that does something else gets
 * DEVDRV_E_PROTOCOL naming the recording's line; malformed recordings are
 * refused with the line and what is wrong. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <devdrv/devdrv.h>
#include <devdrv/driver.h>
#include <devdrv/replay.h>
#include <devdrv/serial.h>
#include <devdrv/virtual.h>

static char dir[] = "/tmp/devdrv-replay-XXXXXX";
static char rec_path[256];

static int make_dir(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(rec_path, sizeof(rec_path), "%s/session.rec", dir);
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* The virtual bus with a recorder, and @below between it and the bus. */
static struct devdrv_context *recording_bus(const char *below)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_context *ctx = NULL;
	char filters[600];

	snprintf(filters, sizeof(filters), "record:%s%s%s", rec_path, below ? ";" : "", below ? below : "");
	o.filters = filters;
	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	return ctx;
}

static struct devdrv_context *replaying(const char *path)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_REPLAY };
	struct devdrv_context *ctx = NULL;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	if (devdrv_replay_add(ctx, path) < 0)
		fail_msg("replay %s: %s", path, devdrv_context_errmsg(ctx));
	return ctx;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The session both runs make: a write, a read, a vendor request, a read
 * that times out. What it saw goes to @log. */
static void loopback_session(struct devdrv_context *ctx, char *log, size_t len)
{
	struct devdrv_handle *h;
	uint8_t buf[64];
	ssize_t n;
	int rc;

	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_int_equal(devdrv_write(h, "recorded", 8, 1000), 8);
	n = devdrv_read(h, buf, sizeof(buf), 1000);
	assert_int_equal(devdrv_control(h, 0x40, 0x01, 0, 0, "scratch", 7, 1000), 7);
	rc = devdrv_control(h, 0xc0, 0x02, 0, 0, buf + 32, 16, 1000);
	snprintf(log, len, "read %zd %.8s ctrl %d %.7s timeout %zd", n, (char *)buf, rc, (char *)buf + 32,
	         devdrv_read(h, buf, sizeof(buf), 100));
	devdrv_close(h);
}

static void test_replay_answers_as_recorded(void **state)
{
	struct devdrv_context *ctx = recording_bus(NULL);
	const struct devdrv_device_info **list;
	char live[128], replayed[128];
	double t0;

	(void)state;
	loopback_session(ctx, live, sizeof(live));
	devdrv_context_free(ctx);
	assert_string_equal(live, "read 8 recorded ctrl 7 scratch timeout -6");

	ctx = replaying(rec_path);
	assert_int_equal(devdrv_get_device_list(ctx, &list), 1);
	assert_string_equal(list[0]->transport, "replay");
	assert_string_equal(list[0]->port_path, "1-1");
	assert_int_equal(list[0]->vid, 0x1209);
	assert_string_equal(list[0]->product, "Virtual Loopback");
	assert_string_equal(list[0]->driver, "generic");
	devdrv_free_device_list(list);
	t0 = now_ms();
	loopback_session(ctx, replayed, sizeof(replayed));
	assert_string_equal(replayed, live);
	assert_true(now_ms() - t0 >= 95); /* the recorded timeout takes its time again */
	devdrv_context_free(ctx);
}

static void expect_divergence(const char *data, size_t len, const char *message)
{
	struct devdrv_context *ctx = replaying(rec_path);
	struct devdrv_handle *h;

	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_int_equal(devdrv_write(h, data, len, 1000), DEVDRV_E_PROTOCOL);
	assert_string_equal(devdrv_errmsg(h), message);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_divergence_names_the_line(void **state)
{
	struct devdrv_context *ctx = recording_bus(NULL);
	struct devdrv_handle *h;
	char msg[512];

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_int_equal(devdrv_write(h, "hello", 5, 1000), 5);
	devdrv_close(h);
	devdrv_context_free(ctx);
	/* line 7: after the version, device, three strings and one configuration */
	snprintf(msg, sizeof(msg),
	         "replay: %s:7: other OUT data in bulk OUT 0x01 length 5: byte 4 is 0x4f, recorded 0x6f", rec_path);
	expect_divergence("hellO", 5, msg);
	snprintf(msg, sizeof(msg),
	         "replay: %s:7: another length: recorded bulk OUT 0x01 length 5, got bulk OUT 0x01 length 6", rec_path);
	expect_divergence("hello!", 6, msg);

	ctx = replaying(rec_path);
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_int_equal(devdrv_write(h, "hello", 5, 1000), 5);
	assert_int_equal(devdrv_write(h, "again", 5, 1000), DEVDRV_E_PROTOCOL);
	snprintf(msg, sizeof(msg), "replay: %s has no more transfers like bulk OUT 0x01 length 5 "
	                           "(the program asked for more than was recorded)", rec_path);
	assert_string_equal(devdrv_errmsg(h), msg);
	assert_int_equal(devdrv_control(h, 0x40, 0x01, 0, 0, "x", 1, 1000), DEVDRV_E_PROTOCOL);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* A serial port with a status pipe (CDC-ACM): its interrupt transfer was
 * pending when recording ended; replayed, it is pending again and the
 * close cancels it. */
static void serial_session(struct devdrv_context *ctx, const char *sel, char *log, size_t len)
{
	struct devdrv_serial_config cfg = { 115200, 8, DEVDRV_PARITY_NONE, DEVDRV_STOP_1, DEVDRV_FLOW_NONE };
	struct devdrv_handle *h;
	char buf[32] = { 0 };
	ssize_t n;

	assert_int_equal(devdrv_serial_open(ctx, sel, &cfg, &h), 0);
	assert_int_equal(devdrv_write(h, "ping", 4, 1000), 4);
	n = devdrv_read(h, buf, sizeof(buf) - 1, 500);
	snprintf(log, len, "%zd %s", n, buf);
	devdrv_close(h);
}

static void test_serial_chips_replay(void **state)
{
	static const char *const chips[] = { "cdc-acm", "ft232r", "cp2102", "ch340", "pl2303" };

	(void)state;
	for (size_t i = 0; i < sizeof(chips) / sizeof(chips[0]); i++) {
		struct devdrv_context *ctx = recording_bus(NULL);
		char live[64], replayed[64];

		assert_int_equal(devdrv_virtual_plug(ctx, chips[i], "1-3"), 0);
		serial_session(ctx, "1-3", live, sizeof(live));
		devdrv_context_free(ctx);
		ctx = replaying(rec_path);
		serial_session(ctx, "1-3", replayed, sizeof(replayed));
		devdrv_context_free(ctx);
		if (strcmp(live, replayed))
			fail_msg("%s: live \"%s\", replayed \"%s\"", chips[i], live, replayed);
	}
}

/* A disconnect in the recording comes back as one, and stays. */
static void test_recorded_disconnect(void **state)
{
	struct devdrv_context *ctx = recording_bus("fault:disconnect,ep=0x01,nth=2");
	struct devdrv_handle *h;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_int_equal(devdrv_write(h, "a", 1, 1000), 1);
	assert_int_equal(devdrv_write(h, "b", 1, 1000), DEVDRV_E_DISCONNECTED);
	devdrv_close(h);
	devdrv_context_free(ctx);
	ctx = replaying(rec_path);
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_int_equal(devdrv_write(h, "a", 1, 1000), 1);
	assert_int_equal(devdrv_write(h, "b", 1, 1000), DEVDRV_E_DISCONNECTED);
	assert_int_equal(devdrv_write(h, "c", 1, 1000), DEVDRV_E_DISCONNECTED);
	assert_int_equal(devdrv_handle_check_present(h), DEVDRV_E_DISCONNECTED);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_environment_makes_replay_the_default(void **state)
{
	struct devdrv_context *ctx = recording_bus(NULL);
	const struct devdrv_device_info **list;
	struct devdrv_handle *h;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	devdrv_close(h);
	devdrv_context_free(ctx);
	setenv("DEVDRV_REPLAY", rec_path, 1);
	assert_int_equal(devdrv_context_new(NULL, &ctx), 0);
	unsetenv("DEVDRV_REPLAY");
	assert_int_equal(devdrv_get_device_list(ctx, &list), 1);
	assert_string_equal(list[0]->transport, "replay");
	devdrv_free_device_list(list);
	devdrv_context_free(ctx);
}

/* The recorder writes how long an IN transfer waited for the device, and a
 * replay answers as late again: the virtual button pressed 150 ms after the
 * read was submitted is recorded with wait= about 150, and its replay takes
 * as long, or times out if the read's own timeout is shorter, and the next
 * read gets the answer then. */
static void test_recorded_waits(void **state)
{
	struct devdrv_context *ctx = recording_bus(NULL);
	struct devdrv_transfer *t = devdrv_transfer_alloc();
	struct devdrv_handle *h;
	uint8_t report[8], buf[8];
	char line[512], *w;
	unsigned long wait = 0;
	double t0;
	FILE *f;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-2", &h), 0);
	*t = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_INTERRUPT, .endpoint = 0x81,
		                       .buffer = report, .length = sizeof(report), .timeout_ms = 3000 };
	assert_int_equal(devdrv_transfer_submit(t), 0);
	nanosleep(&(struct timespec){ 0, 150000000 }, NULL);
	assert_int_equal(devdrv_control(h, 0x40, 0x01, 0x42, 0, NULL, 0, 1000), 0);
	assert_int_equal(devdrv_transfer_wait(t), 0);
	devdrv_transfer_free(t);
	devdrv_close(h);
	devdrv_context_free(ctx);
	assert_non_null(f = fopen(rec_path, "r"));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "interrupt ep=0x81", 17) && (w = strstr(line, " wait=")))
			wait = strtoul(w + 6, NULL, 10);
	fclose(f);
	assert_in_range(wait, 140, 2000);

	ctx = replaying(rec_path);
	assert_int_equal(devdrv_open(ctx, "1-2", &h), 0);
	t0 = now_ms();
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 3000), 2);
	assert_true(now_ms() - t0 >= (double)wait - 5);
	assert_int_equal(buf[1], 0x42);
	devdrv_close(h);
	devdrv_context_free(ctx);

	ctx = replaying(rec_path);
	assert_int_equal(devdrv_open(ctx, "1-2", &h), 0);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 50), DEVDRV_E_TIMEOUT); /* the device was slower */
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 3000), 2); /* and still has the press for the next read */
	assert_int_equal(buf[1], 0x42);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static const char header[] = "devdrv-recording 1\n"
                             "device vid=0x1209 pid=0x0001 bcd_device=0x0100 bcd_usb=0x0200 class=0xff "
                             "subclass=0x00 protocol=0x00 mps0=64 speed=480 bus=1 address=2 port=1-1 config=1\n";

static void test_malformed_recordings(void **state)
{
	static const struct {
		const char *text;
		int whole; /* the text is the whole file, without the header */
		const char *message;
	} bad[] = {
		{ "", 1, "1: empty file" },
		{ "devdrv-recording 2\n", 1, "1: format version 2; this libdevdrv reads version 1" },
		{ "hello\n", 1, "1: not a devdrv recording (the first line is not \"devdrv-recording 1\")" },
		{ "devdrv-recording 1\nbulk ep=0x81 length=1 status=ok actual=0\n", 1, "2: a transfer before the device line" },
		{ "devdrv-recording 1\ndevice vid=0x1209\n", 1, "2: missing field pid=" },
		{ "frobnicate now\n", 0, "3: unknown line \"frobnicate\"" },
		{ "bulk ep=0x81 length=4 status=ok actual=5 in=0102030405\n", 0, "3: actual=5 is not a number up to 4" },
		{ "bulk ep=0x01 length=2 status=ok actual=2 out=010\n", 0, "3: out: an odd number of hex digits" },
		{ "bulk ep=0x01 length=2 status=ok actual=2 out=0102ff\n", 0, "3: out: 3 bytes of data where 2 were stated" },
		{ "bulk ep=0x01 length=1 status=ok actual=1 out=zz\n", 0, "3: out: \"zz\" is not a hex byte" },
		{ "bulk ep=0x81 length=1 status=melted actual=0\n", 0,
		  "3: status= must be ok, stall, timeout, cancelled, disconnected, overflow, io, protocol" },
		{ "bulk ep=0x00 length=1 status=ok actual=0\n", 0, "3: ep=0x00 is not a data endpoint" },
		{ "control ep=0x80 type=0x40 request=1 value=0 index=0 length=0 status=ok actual=0\n", 0,
		  "3: control: ep=0x80 but type=0x40 says the other direction" },
		{ "bulk ep=0x81 length=2097152 status=ok actual=0\n", 0, "3: length=2097152 is not a number up to 1048576" },
		{ "bulk ep=0x81 length=1 status=ok actual=0 colour=blue\n", 0, "3: unknown or repeated field \"colour\"" },
		{ "config 0904\n", 0, "3: a configuration descriptor is 9 to 65535 bytes of hex" },
		{ "bulk ep=0x01 length=0 status=ok actual=0 wait=5\n", 0, "3: wait= is for bulk and interrupt IN transfers" },
		{ "bulk ep=0x81 length=0 status=ok actual=0 wait=3600001\n", 0, "3: wait=3600001 is not a number up to 3600000" },
		{ "string product \"unterminated\n", 0, "3: a string is written \"TEXT\"" },
	};
	char path[300], expected[400];

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.rec", dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_REPLAY };
		struct devdrv_context *ctx;
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fprintf(f, "%s%s", bad[i].whole ? "" : header, bad[i].text);
		fclose(f);
		assert_int_equal(devdrv_context_new(&o, &ctx), 0);
		assert_int_equal(devdrv_replay_add(ctx, path), DEVDRV_E_INVALID);
		snprintf(expected, sizeof(expected), "replay: %s:%s", path, bad[i].message);
		if (strcmp(devdrv_context_errmsg(ctx), expected))
			fail_msg("case %zu: got \"%s\", expected \"%s\"", i, devdrv_context_errmsg(ctx), expected);
		devdrv_context_free(ctx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_answers_as_recorded),
		cmocka_unit_test(test_divergence_names_the_line),
		cmocka_unit_test(test_serial_chips_replay),
		cmocka_unit_test(test_recorded_disconnect),
		cmocka_unit_test(test_environment_makes_replay_the_default),
		cmocka_unit_test(test_recorded_waits),
		cmocka_unit_test(test_malformed_recordings),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
