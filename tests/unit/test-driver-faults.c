/* test-driver-faults.c — every built-in byte-stream driver (generic, and
 * the five serial chip drivers) meets a stall, a timeout, a short transfer,
 * babble (more than was asked for) and a disconnect, injected by the fault filter under it, and returns what
 * devdrv.h documents, with a message, within the caller's timeout. A fault
 * during open fails the open cleanly. (ASan and valgrind runs of the suite
 * check that nothing leaks.) One line per driver, one per fault. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <devdrv/devdrv.h>
#include <devdrv/driver.h>
#include <devdrv/filter.h>
#include <devdrv/virtual.h>

static const struct {
	const char *model; /* NULL: the loopback at 1-1 */
	const char *driver;
} drivers[] = {
	{ NULL, "generic" },  { "ft232r", "ftdi" },  { "cp2102", "cp210x" },
	{ "ch340", "ch34x" }, { "pl2303", "pl2303" }, { "cdc-acm", "cdc-acm" },
};

enum op { OP_READ, OP_WRITE };

static const struct {
	const char *name;
	const char *rule; /* %02x: the pipe's endpoint */
	enum op op;
	ssize_t expect;   /* a DEVDRV_E_* code, or a byte count */
	const char *message; /* part of devdrv_errmsg(), or NULL for a count */
} faults[] = {
	{ "stall", "fault:stall,ep=0x%02x", OP_READ, DEVDRV_E_PIPE, "stall" },
	{ "timeout", "fault:timeout,ep=0x%02x", OP_READ, DEVDRV_E_TIMEOUT, "within" },
	{ "short", "fault:short,ep=0x%02x,len=3", OP_WRITE, 3, NULL },
	{ "disconnect", "fault:disconnect,ep=0x%02x", OP_READ, DEVDRV_E_DISCONNECTED, "unplugged" },
	{ "babble", "fault:babble,ep=0x%02x", OP_READ, DEVDRV_E_OVERFLOW, "overflow" },
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct devdrv_context *bus(const char *filters)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL,
		                            .filters = filters };
	struct devdrv_context *ctx = NULL;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	return ctx;
}

static const char *plug(struct devdrv_context *ctx, size_t d)
{
	if (!drivers[d].model)
		return "1-1";
	assert_int_equal(devdrv_virtual_plug(ctx, drivers[d].model, "1-3"), 0);
	return "1-3";
}

static void one(size_t d, size_t f)
{
	struct devdrv_context *ctx = bus(NULL);
	const char *sel = plug(ctx, d);
	const struct devdrv_pipes *pipes;
	struct devdrv_handle *h;
	char rule[96], buf[64];
	ssize_t got;
	double t0;

	assert_int_equal(devdrv_open(ctx, sel, &h), 0);
	assert_string_equal(devdrv_handle_driver(h), drivers[d].driver);
	pipes = devdrv_handle_pipes(h);
	snprintf(rule, sizeof(rule), faults[f].rule, faults[f].op == OP_READ ? pipes->in : pipes->out);
	assert_int_equal(devdrv_filter_attach(h, rule), 0);
	t0 = now_ms();
	got = faults[f].op == OP_READ ? devdrv_read(h, buf, sizeof(buf), 500) : devdrv_write(h, "abcdefgh", 8, 500);
	if (got != faults[f].expect)
		fail_msg("%s, %s: got %zd (%s), expected %zd", drivers[d].driver, faults[f].name, got,
		         got < 0 ? devdrv_errmsg(h) : "bytes", faults[f].expect);
	if (faults[f].message && !strstr(devdrv_errmsg(h), faults[f].message))
		fail_msg("%s, %s: message \"%s\" does not say \"%s\"", drivers[d].driver, faults[f].name,
		         devdrv_errmsg(h), faults[f].message);
	assert_true(now_ms() - t0 < 400); /* faults are immediate: nothing waits out the 500 ms */
	if (faults[f].expect == DEVDRV_E_DISCONNECTED) /* and it stays gone */
		assert_int_equal(devdrv_write(h, "x", 1, 500), DEVDRV_E_DISCONNECTED);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_every_driver_meets_every_fault(void **state)
{
	(void)state;
	for (size_t d = 0; d < sizeof(drivers) / sizeof(drivers[0]); d++)
		for (size_t f = 0; f < sizeof(faults) / sizeof(faults[0]); f++)
			one(d, f);
}

/* The first control request of a serial driver's open stalls: the open
 * fails, says which request, and leaves nothing open. */
static void test_fault_during_open(void **state)
{
	(void)state;
	for (size_t d = 1; d < sizeof(drivers) / sizeof(drivers[0]); d++) {
		struct devdrv_context *ctx = bus("fault:stall,ep=0x00/stall,ep=0x80");
		const char *sel = plug(ctx, d);
		struct devdrv_handle *h = NULL;
		int rc = devdrv_open(ctx, sel, &h);

		if (rc != DEVDRV_E_PIPE)
			fail_msg("%s: open gave %d (%s)", drivers[d].driver, rc, devdrv_context_errmsg(ctx));
		assert_null(h);
		if (!strstr(devdrv_context_errmsg(ctx), "control request"))
			fail_msg("%s: \"%s\" does not name the request", drivers[d].driver, devdrv_context_errmsg(ctx));
		devdrv_context_free(ctx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_driver_meets_every_fault),
		cmocka_unit_test(test_fault_during_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
