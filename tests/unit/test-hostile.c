/* test-hostile.c — devices that break the rules, on the virtual bus: lying
 * descriptors, endpoints that NAK forever, babble, a status endpoint that
 * floods, and a device that disconnects at every step of every operation.
 * Each must give a defined error: no crash, no hang beyond the caller's
 * timeout, no leak (the suite also runs under ASan), and listing never fails
 * because one device is hostile. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <devdrv/serial.h>
#include <devdrv/virtual.h>
#include "internal.h"

static struct devdrv_context *new_bus(void)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_context *ctx = NULL;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_virtual_unplug_all(ctx), 2); /* the loopback and the button: start empty */
	return ctx;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const struct devdrv_device_info *find_port(const struct devdrv_device_info **l, const char *port)
{
	for (size_t i = 0; l[i]; i++)
		if (!strcmp(l[i]->port_path, port))
			return l[i];
	return NULL;
}

/* Every hostile model on one bus beside a well-formed loopback: all are
 * listed, with what their descriptors really hold. */
static void test_listing_survives_every_hostile_device(void **state)
{
	static const char *const models[] = { "hostile-strings", "hostile-nak", "hostile-babble",
		                              "hostile-flood", "hostile-truncated", "hostile-zero-length",
		                              "hostile-counts", "hostile-high-iface" };
	struct devdrv_context *ctx = new_bus();
	const struct devdrv_device_info **l;
	const struct devdrv_config_info *cfg;
	char port[8];

	(void)state;
	assert_int_equal(devdrv_virtual_plug(ctx, "loopback", "1-1"), 0);
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		snprintf(port, sizeof(port), "1-%zu", i + 2);
		assert_int_equal(devdrv_virtual_plug(ctx, models[i], port), 0);
	}
	assert_int_equal(devdrv_get_device_list(ctx, &l), 9);
	assert_string_equal(find_port(l, "1-1")->driver, "generic");
	/* wTotalLength 64 with 25 bytes: what arrived is parsed, one endpoint */
	cfg = devdrv_active_config(find_port(l, "1-6"));
	assert_non_null(cfg);
	assert_int_equal(cfg->num_interfaces, 1);
	assert_int_equal(cfg->interfaces[0].num_endpoints, 1);
	/* bLength 0 ends the walk: the configuration is refused, the device stays */
	assert_int_equal(find_port(l, "1-7")->num_configs, 0);
	assert_null(find_port(l, "1-7")->driver);
	/* counts without items: the arrays hold what is there */
	cfg = devdrv_active_config(find_port(l, "1-8"));
	assert_int_equal(cfg->num_interfaces, 1);
	assert_int_equal(cfg->interfaces[0].num_endpoints, 1);
	assert_string_equal(find_port(l, "1-9")->driver, "generic");
	assert_int_equal(find_port(l, "1-9")->driver_interface, 200);
	devdrv_free_device_list(l);
	devdrv_context_free(ctx);
}

static void expect_open_error(struct devdrv_context *ctx, const char *selector, int code)
{
	struct devdrv_handle *h = NULL;
	int rc = devdrv_open(ctx, selector, &h);

	if (rc != code)
		fail_msg("open %s: %d (%s), expected %d", selector, rc, devdrv_context_errmsg(ctx), code);
	assert_null(h);
	assert_true(strlen(devdrv_context_errmsg(ctx)) > 10);
}

static void test_lying_descriptors_give_defined_errors(void **state)
{
	struct devdrv_context *ctx = new_bus();
	struct devdrv_handle *h;
	char buf[8];

	(void)state;
	assert_int_equal(devdrv_virtual_plug(ctx, "hostile-zero-length", "1-2"), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "hostile-counts", "1-3"), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "hostile-truncated", "1-4"), 0);
	expect_open_error(ctx, "1-2", DEVDRV_E_NO_DRIVER);
	expect_open_error(ctx, "1-3,iface=3", DEVDRV_E_NOT_FOUND); /* announced, absent */
	/* what is there works: the one endpoint of the truncated configuration */
	assert_int_equal(devdrv_open(ctx, "1-4", &h), 0);
	assert_int_equal(devdrv_handle_pipes(h)->in, 0x81);
	assert_int_equal(devdrv_write(h, "x", 1, 100), DEVDRV_E_UNSUPPORTED);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 50), DEVDRV_E_TIMEOUT);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* An endpoint that NAKs forever ends at the caller's timeout, both ways. */
static void test_nak_forever_ends_at_the_timeout(void **state)
{
	struct devdrv_context *ctx = new_bus();
	struct devdrv_handle *h;
	char buf[64] = { 0 };
	double t0;

	(void)state;
	assert_int_equal(devdrv_virtual_plug(ctx, "hostile-nak", "1-2"), 0);
	assert_int_equal(devdrv_open(ctx, "1-2", &h), 0);
	t0 = now_ms();
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 150), DEVDRV_E_TIMEOUT);
	assert_true(now_ms() - t0 >= 140 && now_ms() - t0 < 1000);
	assert_non_null(strstr(devdrv_errmsg(h), "within 150 ms"));
	t0 = now_ms();
	assert_int_equal(devdrv_write(h, buf, sizeof(buf), 150), DEVDRV_E_TIMEOUT);
	assert_true(now_ms() - t0 >= 140 && now_ms() - t0 < 1000);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void on_async_done(struct devdrv_transfer *t)
{
	(*(int *)t->user_data)++;
}

/* A transfer nobody waits on times out too, in event handling. */
static void test_async_timeout_without_a_waiter(void **state)
{
	struct devdrv_context *ctx = new_bus();
	struct devdrv_handle *h;
	uint8_t buf[16];
	int done = 0;
	struct devdrv_transfer *t = devdrv_transfer_alloc();
	double t0;

	(void)state;
	assert_int_equal(devdrv_virtual_plug(ctx, "hostile-nak", "1-2"), 0);
	assert_int_equal(devdrv_open(ctx, "1-2", &h), 0);
	assert_non_null(t);
	t->handle = h;
	t->type = DEVDRV_TRANSFER_BULK;
	t->endpoint = 0x81;
	t->buffer = buf;
	t->length = sizeof(buf);
	t->timeout_ms = 100;
	t->user_data = &done;
	t->callback = on_async_done;
	assert_int_equal(devdrv_transfer_submit(t), 0);
	t0 = now_ms();
	while (!done && now_ms() - t0 < 2000)
		devdrv_handle_events(ctx, 50);
	assert_int_equal(done, 1);
	assert_int_equal(t->status, DEVDRV_E_TIMEOUT);
	assert_true(now_ms() - t0 < 1000);
	devdrv_transfer_free(t);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* Babble: a 64-byte report on an 8-byte endpoint overflows a small buffer
 * (and writes nothing past it: ASan watches) and fits a large one. */
static void test_babble_is_an_overflow(void **state)
{
	struct devdrv_context *ctx = new_bus();
	struct devdrv_handle *h;
	uint8_t small[8], big[64];

	(void)state;
	assert_int_equal(devdrv_virtual_plug(ctx, "hostile-babble", "1-2"), 0);
	assert_int_equal(devdrv_open(ctx, "1-2", &h), 0);
	assert_int_equal(devdrv_read(h, small, sizeof(small), 100), DEVDRV_E_OVERFLOW);
	assert_int_equal(devdrv_read(h, big, sizeof(big), 100), 64);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* A notification endpoint that always has news must not starve the caller:
 * each event round runs what was due, then returns. */
static void test_flooding_status_pipe_is_bounded(void **state)
{
	struct devdrv_context *ctx = new_bus();
	struct devdrv_handle *h;
	unsigned lines = 0, seen = 0;
	char buf[16];
	double t0;

	(void)state;
	assert_int_equal(devdrv_virtual_plug(ctx, "hostile-flood", "1-2"), 0);
	assert_int_equal(devdrv_open(ctx, "1-2", &h), 0);
	assert_string_equal(devdrv_handle_driver(h), "cdc-acm");
	t0 = now_ms();
	/* events are those seen since the previous call: the event thread may
	 * decode the next report after this thread asked, so gather them */
	for (int i = 0; i < 100; i++) {
		assert_int_equal(devdrv_serial_get_lines(h, &lines), 0);
		seen |= lines;
	}
	assert_true(lines & DEVDRV_SERIAL_DCD);
	assert_true(lines & DEVDRV_SERIAL_DSR);
	assert_true(seen & DEVDRV_SERIAL_FRAMING);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 100), DEVDRV_E_TIMEOUT);
	assert_int_equal(devdrv_write(h, "ping", 4, 100), 4);
	assert_true(now_ms() - t0 < 3000);
	devdrv_close(h); /* stops the status pipe it keeps resubmitting */
	devdrv_context_free(ctx);
}

/* One step of an operation script; returns the call's result. */
static int run_step(struct devdrv_handle *h, int step)
{
	struct devdrv_serial_config c = { 115200, 8, DEVDRV_PARITY_NONE, DEVDRV_STOP_1, DEVDRV_FLOW_NONE };
	unsigned lines;
	char buf[32];

	switch (step) {
	case 0: return devdrv_serial_configure(h, &c, NULL);
	case 1: return (int)devdrv_write(h, "hello", 5, 200);
	case 2: return (int)devdrv_read(h, buf, sizeof(buf), 200);
	case 3: return devdrv_serial_set_lines(h, DEVDRV_SERIAL_DTR, 0);
	case 4: return devdrv_serial_get_lines(h, &lines);
	default: return devdrv_serial_break(h, 0);
	}
}

#define STEPS 6

/* The device disappears at the n-th transfer of open, configure, write,
 * read, lines and close, for every n until it survives the whole script:
 * open fails with DISCONNECTED, or every later call does. */
static void disconnect_at_every_step(const char *model)
{
	for (unsigned long n = 1;; n++) {
		struct devdrv_context *ctx = new_bus();
		struct devdrv_handle *h = NULL;
		int gone = 0, rc;

		assert_int_equal(devdrv_virtual_plug(ctx, model, "1-1"), 0);
		assert_int_equal(dd_virtual_disconnect_after(ctx, "1-1", n), 0);
		rc = devdrv_open(ctx, "1-1", &h);
		if (rc < 0) {
			if (rc != DEVDRV_E_DISCONNECTED)
				fail_msg("%s, gone at transfer %lu: open gave %d (%s)", model, n, rc,
				         devdrv_context_errmsg(ctx));
			devdrv_context_free(ctx);
			continue;
		}
		for (int step = 0; step < STEPS; step++) {
			rc = run_step(h, step);
			if (gone && rc != DEVDRV_E_DISCONNECTED)
				fail_msg("%s, gone at transfer %lu: step %d after the unplug gave %d (%s)", model, n,
				         step, rc, devdrv_errmsg(h));
			if (rc == DEVDRV_E_DISCONNECTED)
				gone = 1;
			else if (rc < 0 && rc != DEVDRV_E_TIMEOUT && rc != DEVDRV_E_UNSUPPORTED)
				fail_msg("%s, gone at transfer %lu: step %d gave %d (%s)", model, n, step, rc,
				         devdrv_errmsg(h));
		}
		devdrv_close(h);
		devdrv_context_free(ctx);
		if (!gone)
			return; /* survived the whole script: every step has been hit */
		assert_true(n < 200);
	}
}

static void test_disconnect_in_every_phase(void **state)
{
	static const char *const models[] = { "ft232r", "ft2232h", "cp2102", "ch340", "pl2303", "cdc-acm" };

	(void)state;
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		disconnect_at_every_step(models[i]);
}

/* The generic driver on the loopback: gone at its first, second or third
 * transfer, and every call after says so. */
static void test_disconnect_generic_in_every_phase(void **state)
{
	(void)state;
	for (unsigned long n = 1; n < 4; n++) {
		struct devdrv_context *ctx = new_bus();
		struct devdrv_handle *h;
		char buf[8];

		assert_int_equal(devdrv_virtual_plug(ctx, "loopback", "1-1"), 0);
		assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
		assert_int_equal(dd_virtual_disconnect_after(ctx, "1-1", n), 0);
		for (unsigned long k = 1; k < n; k++)
			assert_int_equal(devdrv_write(h, "ab", 2, 100), 2);
		assert_int_equal(devdrv_read(h, buf, sizeof(buf), 100), DEVDRV_E_DISCONNECTED);
		assert_int_equal(devdrv_write(h, "ab", 2, 100), DEVDRV_E_DISCONNECTED);
		assert_int_equal(devdrv_control(h, 0xc0, 0x02, 0, 0, buf, sizeof(buf), 100), DEVDRV_E_DISCONNECTED);
		devdrv_close(h);
		devdrv_context_free(ctx);
	}
}

/* After an unplug, lines are an error, not the last ones seen (the chips
 * whose lines come in data or on a status pipe included). */
static void test_lines_after_unplug(void **state)
{
	static const char *const models[] = { "ft232r", "cdc-acm", "pl2303", "cp2102", "ch340" };

	(void)state;
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		struct devdrv_context *ctx = new_bus();
		struct devdrv_handle *h;
		unsigned lines;

		assert_int_equal(devdrv_virtual_plug(ctx, models[i], "1-1"), 0);
		assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
		assert_int_equal(devdrv_serial_get_lines(h, &lines), 0);
		assert_int_equal(devdrv_virtual_unplug(ctx, "1-1"), 0);
		if (devdrv_serial_get_lines(h, &lines) != DEVDRV_E_DISCONNECTED)
			fail_msg("%s: get_lines after unplug: %s", models[i], devdrv_errmsg(h));
		devdrv_close(h);
		devdrv_context_free(ctx);
	}
}

/* A host controller hands addresses out again: plugging forever works. */
static void test_addresses_are_reused(void **state)
{
	struct devdrv_context *ctx = new_bus();
	const struct devdrv_device_info **l;

	(void)state;
	for (int i = 0; i < 300; i++) {
		if (devdrv_virtual_plug(ctx, "loopback", "1-1") < 0)
			fail_msg("plug %d: %s", i, devdrv_context_errmsg(ctx));
		assert_int_equal(devdrv_virtual_unplug(ctx, "1-1"), 0);
	}
	assert_int_equal(devdrv_virtual_plug(ctx, "loopback", "1-1"), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "button", "1-2"), 0);
	assert_int_equal(devdrv_get_device_list(ctx, &l), 2);
	assert_int_equal(l[0]->address, 2);
	assert_int_equal(l[1]->address, 3);
	devdrv_free_device_list(l);
	devdrv_context_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listing_survives_every_hostile_device),
		cmocka_unit_test(test_lying_descriptors_give_defined_errors),
		cmocka_unit_test(test_nak_forever_ends_at_the_timeout),
		cmocka_unit_test(test_async_timeout_without_a_waiter),
		cmocka_unit_test(test_babble_is_an_overflow),
		cmocka_unit_test(test_flooding_status_pipe_is_bounded),
		cmocka_unit_test(test_disconnect_in_every_phase),
		cmocka_unit_test(test_disconnect_generic_in_every_phase),
		cmocka_unit_test(test_lines_after_unplug),
		cmocka_unit_test(test_addresses_are_reused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
