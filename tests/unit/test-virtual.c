/* test-virtual.c — the generic driver and the public API on the virtual
 * transport: round trips, back-pressure, timeouts, stalls, interrupt pipes,
 * unsupported directions, claims, unplug during a blocked read, async
 * submission and cancellation, and every selector kind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <devdrv/devdrv.h>
#include <devdrv/driver.h>
#include <devdrv/raw.h>
#include <devdrv/virtual.h>

#include "transport-cases.h"

static int setup(void **state);

static void unplug_virtual_loopback(struct transport_bed *b)
{
	assert_int_equal(devdrv_virtual_unplug(b->ctx, "1-1"), 0);
}

static struct transport_bed *make_virtual_bed(void)
{
	static struct transport_bed b;

	b = (struct transport_bed){ .loopback = "1-1", .unplug_loopback = unplug_virtual_loopback };
	assert_int_equal(setup((void **)&b.ctx), 0);
	return &b;
}

static void drop_virtual_bed(struct transport_bed *b)
{
	devdrv_context_free(b->ctx);
}

/* The cases every transport passes the same way (tests/common/). */
static void test_transport_cases(void **state)
{
	(void)state;
	run_transport_cases(make_virtual_bed, drop_virtual_bed);
}

static int setup(void **state)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_context *ctx;

	if (devdrv_context_new(&o, &ctx) < 0)
		return -1;
	*state = ctx;
	return 0;
}

static int teardown(void **state)
{
	devdrv_context_free(*state);
	return 0;
}

static struct devdrv_handle *open_ok(struct devdrv_context *ctx, const char *sel)
{
	struct devdrv_handle *h = NULL;
	int rc = devdrv_open(ctx, sel, &h);

	if (rc < 0)
		fail_msg("open '%s': %s (%s)", sel, devdrv_strerror(rc), devdrv_context_errmsg(ctx));
	return h;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_list(void **state)
{
	const struct devdrv_device_info **list;
	ssize_t n = devdrv_get_device_list(*state, &list);

	assert_int_equal(n, 2);
	assert_string_equal(list[0]->port_path, "1-1");
	assert_int_equal(list[0]->vid, 0x1209);
	assert_int_equal(list[0]->pid, 0x0001);
	assert_string_equal(list[0]->product, "Virtual Loopback");
	assert_string_equal(list[0]->serial, "LOOP0001");
	assert_string_equal(list[0]->transport, "virtual");
	assert_int_equal(list[0]->speed, DEVDRV_SPEED_HIGH);
	assert_string_equal(list[0]->driver, "generic");
	assert_int_equal(list[0]->driver_interface, 0);
	assert_string_equal(list[1]->port_path, "1-2");
	assert_null(list[1]->serial);
	assert_null(list[2]);
	devdrv_free_device_list(list);
}

struct reader {
	struct devdrv_handle *h;
	unsigned char *buf;
	size_t want;
	ssize_t result;
	double returned_at;
	unsigned timeout;
};

static void *read_all(void *arg)
{
	struct reader *r = arg;
	size_t got = 0;

	r->result = 0;
	while (got < r->want) {
		ssize_t n = devdrv_read(r->h, r->buf + got, r->want - got, r->timeout);
		if (n < 0) {
			r->result = n;
			break;
		}
		got += (size_t)n;
		r->result = (ssize_t)got;
	}
	r->returned_at = now_s();
	return NULL;
}

/* 192 KiB through a 64 KiB FIFO: the writer must block until the reader
 * drains, and every byte must arrive in order. */
static void test_back_pressure(void **state)
{
	static unsigned char out[192 * 1024], in[192 * 1024];
	struct devdrv_handle *h = open_ok(*state, "1-1");
	struct reader r = { h, in, sizeof(in), 0, 0, 2000 };
	pthread_t t;

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i ^ (i >> 8));
	pthread_create(&t, NULL, read_all, &r);
	assert_int_equal(devdrv_write(h, out, sizeof(out), 2000), sizeof(out));
	pthread_join(t, NULL);
	assert_int_equal(r.result, sizeof(in));
	assert_memory_equal(in, out, sizeof(out));
	devdrv_close(h);
}

static void test_control(void **state)
{
	struct devdrv_handle *h = open_ok(*state, "1-1");
	unsigned char scratch[5] = { 1, 2, 3, 4, 5 }, back[16] = { 0 }, big[65] = { 0 };

	assert_int_equal(devdrv_control(h, 0x40, 0x01, 0, 0, scratch, 5, 1000), 5);
	assert_int_equal(devdrv_control(h, 0xc0, 0x02, 0, 0, back, sizeof(back), 1000), 5);
	assert_memory_equal(back, scratch, 5);
	assert_int_equal(devdrv_control(h, 0xc0, 0x77, 0, 0, back, 4, 1000), DEVDRV_E_PIPE);
	assert_non_null(strstr(devdrv_errmsg(h), "STALL"));
	assert_int_equal(devdrv_control(h, 0x40, 0x01, 0, 0, big, sizeof(big), 1000), DEVDRV_E_PIPE);
	/* zero-length data stages with no buffer at all */
	assert_int_equal(devdrv_control(h, 0x40, 0x01, 0, 0, NULL, 0, 1000), 0);
	assert_int_equal(devdrv_control(h, 0xc0, 0x02, 0, 0, NULL, 0, 1000), 0);
	assert_int_equal(devdrv_control(h, 0x80, 0x00, 0, 0, NULL, 0, 1000), 0);
	/* a standard request: the device descriptor */
	assert_int_equal(devdrv_control(h, 0x80, 0x06, 0x0100, 0, back, 18 > 16 ? 16 : 18, 1000), 16);
	assert_int_equal(back[0], 18);
	assert_int_equal(back[8] | back[9] << 8, 0x1209);
	devdrv_close(h);
}

static void test_interrupt_button(void **state)
{
	struct devdrv_handle *h = open_ok(*state, "1-2");
	unsigned char report[8];

	assert_int_equal(devdrv_read(h, report, sizeof(report), 30), DEVDRV_E_TIMEOUT);
	assert_int_equal(devdrv_control(h, 0x40, 0x01, 0x42, 0, NULL, 0, 1000), 0);
	assert_int_equal(devdrv_control(h, 0x40, 0x01, 0x43, 0, NULL, 0, 1000), 0);
	assert_int_equal(devdrv_read(h, report, sizeof(report), 1000), 2);
	assert_int_equal(report[0], 0);
	assert_int_equal(report[1], 0x42);
	assert_int_equal(devdrv_read(h, report, sizeof(report), 1000), 2);
	assert_int_equal(report[0], 1);
	assert_int_equal(report[1], 0x43);
	/* the button has no OUT pipe */
	assert_int_equal(devdrv_write(h, report, 1, 100), DEVDRV_E_UNSUPPORTED);
	assert_non_null(strstr(devdrv_errmsg(h), "no OUT pipe"));
	devdrv_close(h);
}

static void test_read_without_in_pipe(void **state)
{
	struct devdrv_handle *h;
	unsigned char buf[4] = { 0 };

	assert_int_equal(devdrv_virtual_plug(*state, "sink", "1-3"), 0);
	h = open_ok(*state, "1-3");
	assert_int_equal(devdrv_write(h, buf, sizeof(buf), 100), 4);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 100), DEVDRV_E_UNSUPPORTED);
	assert_non_null(strstr(devdrv_errmsg(h), "no IN pipe"));
	devdrv_close(h);
}

static void test_busy(void **state)
{
	struct devdrv_handle *a = open_ok(*state, "1-1"), *b = NULL;

	assert_int_equal(devdrv_open(*state, "1-1", &b), DEVDRV_E_BUSY);
	assert_null(b);
	assert_non_null(strstr(devdrv_context_errmsg(*state), "claim interface 0: busy"));
	devdrv_close(a);
	b = open_ok(*state, "1-1"); /* released on close */
	devdrv_close(b);
}

static void test_wrong_pipe_is_refused(void **state)
{
	struct devdrv_handle *h = open_ok(*state, "1-1");
	unsigned char b[4];

	assert_int_equal(devdrv_usb_bulk(h, 0x83, b, sizeof(b), 100), DEVDRV_E_INVALID);
	assert_non_null(strstr(devdrv_errmsg(h), "does not exist"));
	assert_int_equal(devdrv_usb_interrupt(h, 0x81, b, sizeof(b), 100), DEVDRV_E_INVALID);
	devdrv_close(h);
}

static void test_every_selector_kind(void **state)
{
	static const char *const selectors[] = {
		"1209:0001", "1:2", "1-1", "port=1-1", "serial=LOOP0001", "driver=generic",
		"1209:0001#0", "vid=1209,pid=0001", "iface=0,ep_in=0x81,ep_out=0x01",
		"transport=virtual,bus=1,addr=2",
	};

	for (size_t i = 0; i < sizeof(selectors) / sizeof(selectors[0]); i++) {
		struct devdrv_handle *h = open_ok(*state, selectors[i]);

		if (strcmp(devdrv_handle_info(h)->port_path, "1-1"))
			fail_msg("'%s' opened %s", selectors[i], devdrv_handle_info(h)->port_path);
		devdrv_close(h);
	}
}

static void test_selector_picks(void **state)
{
	struct devdrv_handle *h = NULL;

	h = open_ok(*state, "vid=1209#1"); /* second match in list order */
	assert_string_equal(devdrv_handle_info(h)->port_path, "1-2");
	devdrv_close(h);
	assert_int_equal(devdrv_open(*state, "vid=1209#2", &h), DEVDRV_E_NOT_FOUND);
	assert_non_null(strstr(devdrv_context_errmsg(*state), "matches 2 device(s), so #2"));
	assert_int_equal(devdrv_open(*state, "0403:6001", &h), DEVDRV_E_NOT_FOUND);
	assert_int_equal(devdrv_open(*state, "0403:60x1", &h), DEVDRV_E_INVALID);
	assert_non_null(strstr(devdrv_context_errmsg(*state), "column 8"));
	assert_int_equal(devdrv_open(*state, "1-1,ep_in=0x82", &h), DEVDRV_E_NOT_FOUND);
	assert_non_null(strstr(devdrv_context_errmsg(*state), "no bulk/interrupt endpoint 0x82"));
	assert_int_equal(devdrv_open(*state, "1-1,driver=ftdi", &h), DEVDRV_E_NOT_FOUND);
	assert_null(h);
}

static void test_ioctls(void **state)
{
	struct devdrv_handle *h = open_ok(*state, "1-1");
	struct devdrv_raw_pipes p;
	uint8_t ep = 0x81;

	assert_int_equal(devdrv_ioctl(h, DEVDRV_IOC_RAW_GET_PIPES, &p, sizeof(p)), 0);
	assert_int_equal(p.interface, 0);
	assert_int_equal(p.in, 0x81);
	assert_int_equal(p.out, 0x01);
	p.in = 0x01; /* an OUT endpoint cannot become the IN pipe */
	p.out = 0;
	assert_int_equal(devdrv_ioctl(h, DEVDRV_IOC_RAW_SET_PIPES, &p, sizeof(p)), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_ioctl(h, DEVDRV_IOC_RAW_GET_PIPES, &p, 3), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_ioctl(h, DEVDRV_IOC_CLEAR_HALT, &ep, sizeof(ep)), 0);
	assert_int_equal(devdrv_ioctl(h, DEVDRV_IOC_CLEAR_HALT, &ep, 4), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_ioctl(h, 0x1234, NULL, 0), DEVDRV_E_UNSUPPORTED);
	assert_non_null(strstr(devdrv_errmsg(h), "not supported by driver generic"));
	devdrv_close(h);
}

static void test_plug_errors(void **state)
{
	assert_int_equal(devdrv_virtual_plug(*state, "toaster9000", "1-5"), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_virtual_plug(*state, "sink", "1-1"), DEVDRV_E_INVALID);
	assert_non_null(strstr(devdrv_context_errmsg(*state), "taken"));
	assert_int_equal(devdrv_virtual_plug(*state, "sink", "2-1"), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_virtual_plug(*state, "sink", "1-x"), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_virtual_unplug(*state, "1-9"), DEVDRV_E_NOT_FOUND);
}

/* A virtual bus emptied lists nothing; unknown transport bits are refused. */
static void test_empty_bus_and_bad_transport(void **state)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_context *ctx;
	const struct devdrv_device_info **list;

	(void)state;
	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_virtual_unplug_all(ctx), 2); /* the loopback and the button: start empty */
	assert_int_equal(devdrv_get_device_list(ctx, &list), 0);
	devdrv_free_device_list(list);
	devdrv_context_free(ctx);
	o.transports = 1u << 7;
	assert_int_equal(devdrv_context_new(&o, &ctx), DEVDRV_E_INVALID);
}

struct log_seen {
	int levels;     /* a bit per level the callback was called with */
	char first[256]; /* the first message */
};

static void keep_level(enum devdrv_log_level level, const char *msg, void *user)
{
	struct log_seen *seen = user;

	if (!seen->first[0])
		snprintf(seen->first, sizeof(seen->first), "%s", msg);
	seen->levels |= 1 << level;
}

/* Which of a message at each level gets through with $DEVDRV_DEBUG set to
 * VALUE (a bit per level); *seen also has what the context itself said. */
static int levels_through(const char *value, struct log_seen *seen)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL,
		                            .log_fn = keep_level, .log_user = seen };
	struct devdrv_context *ctx;
	int before;

	*seen = (struct log_seen){ 0 };
	assert_int_equal(setenv("DEVDRV_DEBUG", value, 1), 0);
	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	before = seen->levels;
	seen->levels = 0;
	for (int level = DEVDRV_LOG_ERROR; level <= DEVDRV_LOG_DEBUG; level++)
		devdrv_log(ctx, (enum devdrv_log_level)level, "at %d", level);
	devdrv_context_free(ctx);
	unsetenv("DEVDRV_DEBUG");
	seen->levels |= before << 8; /* what came before our own messages, apart */
	return seen->levels & 0xff;
}

/* $DEVDRV_DEBUG: 0-4 or the level's name; 0 is silence (not, as a careless
 * parse would have it, everything); a value it cannot read logs everything
 * and says so first. */
static void test_debug_levels_from_the_environment(void **state)
{
	const int error = 1 << DEVDRV_LOG_ERROR, warn = 1 << DEVDRV_LOG_WARN, info = 1 << DEVDRV_LOG_INFO,
	          debug = 1 << DEVDRV_LOG_DEBUG;
	struct log_seen seen;

	(void)state;
	assert_int_equal(levels_through("0", &seen), 0);
	assert_int_equal(levels_through("none", &seen), 0);
	assert_int_equal(levels_through("1", &seen), error);
	assert_int_equal(levels_through("2", &seen), error | warn);
	assert_int_equal(levels_through("INFO", &seen), error | warn | info);
	assert_int_equal(levels_through("4", &seen), error | warn | info | debug);
	assert_int_equal(seen.levels >> 8, 0); /* a readable value: no complaint */
	assert_int_equal(levels_through("verbose", &seen), error | warn | info | debug);
	assert_int_equal(seen.levels >> 8, warn);
	assert_string_equal(seen.first, "DEVDRV_DEBUG='verbose' is not 0-4 or none, error, warn, info, debug; "
	                                "logging everything");
	assert_int_equal(levels_through("44", &seen), error | warn | info | debug);
	assert_int_equal(seen.levels >> 8, warn);
}

/* A read that times out is not logged, even at debug level (a polling
 * loop would flood the log), but its message is there to ask for; a real
 * failure is logged. */
static void test_timeouts_are_not_logged(void **state)
{
	struct log_seen seen = { 0 };
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL,
		                            .log_fn = keep_level, .log_user = &seen, .log_level = DEVDRV_LOG_DEBUG };
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	char buf[64];

	(void)state;
	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	seen = (struct log_seen){ 0 };
	for (int i = 0; i < 3; i++)
		assert_int_equal(devdrv_read(h, buf, sizeof(buf), 5), DEVDRV_E_TIMEOUT);
	assert_int_equal(seen.levels, 0);
	assert_non_null(strstr(devdrv_errmsg(h), "nothing moved within"));
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-1"), 0);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 5), DEVDRV_E_DISCONNECTED);
	assert_int_equal(seen.levels & 1 << DEVDRV_LOG_DEBUG, 1 << DEVDRV_LOG_DEBUG);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static int never_done(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	(void)d, (void)t;
	return 0;
}

/* bMaxPower counts 2 mA up to high speed and 8 mA at SuperSpeed: the same
 * descriptor byte (50) is 100 mA on a high-speed device, 400 mA on a
 * SuperSpeed one. */
static void test_max_power_units_follow_the_speed(void **state)
{
	static const uint8_t device[18] = { 18, 1, 0x00, 0x03, 0xff, 0, 0, 9, 0x09, 0x12, 0x50, 0x00, 0, 1, 0, 0, 0, 1 };
	static const uint8_t config[9] = { 9, 2, 9, 0, 0, 1, 0, 0x80, 50 };
	struct devdrv_vmodel super = { .api_version = DEVDRV_VMODEL_API_VERSION, .name = "test-superspeed",
		                       .device_desc = device, .config_desc = config, .speed = DEVDRV_SPEED_SUPER,
		                       .service = never_done };
	struct devdrv_vmodel high = super;
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	const struct devdrv_device_info **list;
	struct devdrv_context *ctx;
	int found = 0;

	(void)state;
	high.name = "test-highspeed", high.speed = DEVDRV_SPEED_HIGH;
	assert_int_equal(devdrv_virtual_register_model(&super), 0);
	assert_int_equal(devdrv_virtual_register_model(&high), 0);
	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "test-superspeed", "1-5"), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "test-highspeed", "1-6"), 0);
	assert_true(devdrv_get_device_list(ctx, &list) >= 0);
	for (size_t i = 0; list[i]; i++) {
		if (!strcmp(list[i]->port_path, "1-5"))
			assert_int_equal(list[i]->configs[0].max_power_ma, 400), found++;
		if (!strcmp(list[i]->port_path, "1-6"))
			assert_int_equal(list[i]->configs[0].max_power_ma, 100), found++;
	}
	assert_int_equal(found, 2);
	devdrv_free_device_list(list);
	devdrv_context_free(ctx);
	devdrv_virtual_unregister_model(&super);
	devdrv_virtual_unregister_model(&high);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transport_cases),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back_pressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_button, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_without_in_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_pipe_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_selector_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selector_picks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ioctls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plug_errors, setup, teardown),
		cmocka_unit_test(test_empty_bus_and_bad_transport),
		cmocka_unit_test(test_debug_levels_from_the_environment),
		cmocka_unit_test(test_timeouts_are_not_logged),
		cmocka_unit_test(test_max_power_units_follow_the_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
