/* test-stack.c — the driver stack on the virtual bus: filter order on the way
 * down and up, pass-through, a filter completing or refusing a request,
 * upper filters, attach and detach, several handles at once, registration
 * rules, and the built-in stats, fault and verifier filters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <devdrv/devdrv.h>
#include <devdrv/driver.h>
#include <devdrv/filter.h>
#include <devdrv/stats.h>
#include <devdrv/virtual.h>

/* ---- test filters: each appends "NAME:event" to a shared journal ---------- */

static char journal[4096];

static void note(const char *fmt, ...)
{
	size_t used = strlen(journal);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(journal + used, sizeof(journal) - used, fmt, ap);
	va_end(ap);
}

static int log_submit(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	note("%s:down:%02x ", devdrv_filter_name(f), t->endpoint);
	return devdrv_filter_pass(f, t);
}

static void log_complete(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	note("%s:up:%02x:%d ", devdrv_filter_name(f), t->endpoint, t->status);
}

static const struct devdrv_filter_ops filter_a = {
	.api_version = DEVDRV_FILTER_API_VERSION, .name = "test-a",
	.position = DEVDRV_FILTER_LOWER, .submit = log_submit, .complete = log_complete,
};
static const struct devdrv_filter_ops filter_b = {
	.api_version = DEVDRV_FILTER_API_VERSION, .name = "test-b",
	.position = DEVDRV_FILTER_LOWER, .submit = log_submit, .complete = log_complete,
};
/* No callbacks at all: everything passes through it. */
static const struct devdrv_filter_ops filter_empty = {
	.api_version = DEVDRV_FILTER_API_VERSION, .name = "test-empty", .position = DEVDRV_FILTER_LOWER,
};

/* Completes every IN transfer itself with "xyz": the device never sees it. */
static int canned_submit(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	if (!(t->endpoint & 0x80) || t->type == DEVDRV_TRANSFER_CONTROL)
		return devdrv_filter_pass(f, t);
	memcpy(t->buffer, "xyz", t->length < 3 ? t->length : 3);
	t->actual_length = t->length < 3 ? t->length : 3;
	devdrv_filter_complete(f, t, 0);
	return 0;
}

static const struct devdrv_filter_ops filter_canned = {
	.api_version = DEVDRV_FILTER_API_VERSION, .name = "test-canned",
	.position = DEVDRV_FILTER_LOWER, .submit = canned_submit,
};

/* Refuses every OUT transfer. */
static int refuse_submit(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	if (t->endpoint & 0x80)
		return devdrv_filter_pass(f, t);
	return devdrv_filter_fail(f, DEVDRV_E_IO, "OUT refused for the test");
}

static const struct devdrv_filter_ops filter_refuse = {
	.api_version = DEVDRV_FILTER_API_VERSION, .name = "test-refuse",
	.position = DEVDRV_FILTER_LOWER, .submit = refuse_submit,
};

/* An upper filter: writes go down upper-cased, ioctl 0x7777 answers here. */
static ssize_t upper_write(struct devdrv_filter *f, const void *buf, size_t len, unsigned timeout_ms)
{
	char copy[64];

	if (len > sizeof(copy))
		return devdrv_filter_fail(f, DEVDRV_E_INVALID, "too long for the test");
	for (size_t i = 0; i < len; i++)
		copy[i] = (char)(((const char *)buf)[i] & ~0x20);
	note("upper:write ");
	return devdrv_filter_write_next(f, copy, len, timeout_ms);
}

static int upper_ioctl(struct devdrv_filter *f, unsigned request, void *arg, size_t arg_size)
{
	if (request == 0x7777 && arg && arg_size == sizeof(int)) {
		*(int *)arg = 42;
		return 0;
	}
	return devdrv_filter_ioctl_next(f, request, arg, arg_size);
}

static int upper_attach(struct devdrv_filter *f, const char *args)
{
	if (args && strcmp(args, "ok"))
		return devdrv_filter_fail(f, DEVDRV_E_INVALID, "only 'ok' is accepted, got \"%s\"", args);
	return 0;
}

static const struct devdrv_filter_ops filter_upper = {
	.api_version = DEVDRV_FILTER_API_VERSION, .name = "test-upper", .position = DEVDRV_FILTER_UPPER,
	.attach = upper_attach, .write = upper_write, .ioctl = upper_ioctl,
};

static int register_test_filters(void **state)
{
	(void)state;
	if (devdrv_filter_register(&filter_a) || devdrv_filter_register(&filter_b) ||
	    devdrv_filter_register(&filter_empty) || devdrv_filter_register(&filter_canned) ||
	    devdrv_filter_register(&filter_refuse) || devdrv_filter_register(&filter_upper))
		return -1;
	return 0;
}

static struct devdrv_context *bus_with(const char *filters)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL,
		                            .filters = filters };
	struct devdrv_context *ctx = NULL;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	journal[0] = '\0';
	return ctx;
}

static struct devdrv_handle *open_ok(struct devdrv_context *ctx, const char *sel)
{
	struct devdrv_handle *h = NULL;
	int rc = devdrv_open(ctx, sel, &h);

	if (rc < 0)
		fail_msg("open %s: %s (%s)", sel, devdrv_strerror(rc), devdrv_context_errmsg(ctx));
	return h;
}

/* ---- the stack ------------------------------------------------------------- */

static void test_layers_are_listed_top_to_bottom(void **state)
{
	struct devdrv_context *ctx = bus_with("test-a;test-upper;test-b");
	struct devdrv_handle *h = open_ok(ctx, "1-1");
	struct devdrv_layer_info l[8];

	(void)state;
	assert_int_equal(devdrv_handle_layers(h, l, 8), 5);
	assert_string_equal(l[0].kind, "upper filter");
	assert_string_equal(l[0].name, "test-upper");
	assert_string_equal(l[1].kind, "driver");
	assert_string_equal(l[1].name, "generic");
	assert_string_equal(l[2].name, "test-a");
	assert_string_equal(l[3].name, "test-b");
	assert_string_equal(l[4].kind, "transport");
	assert_string_equal(l[4].name, "virtual");
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* Down: a before b; up: b before a, for every transfer, sync and async. */
static void test_order_down_and_up(void **state)
{
	struct devdrv_context *ctx = bus_with("test-a;test-b");
	struct devdrv_handle *h = open_ok(ctx, "1-1");
	unsigned char buf[8];

	(void)state;
	journal[0] = '\0';
	assert_int_equal(devdrv_write(h, "hi", 2, 1000), 2);
	assert_string_equal(journal, "test-a:down:01 test-b:down:01 test-b:up:01:0 test-a:up:01:0 ");
	journal[0] = '\0';
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 2);
	assert_memory_equal(buf, "hi", 2);
	assert_string_equal(journal, "test-a:down:81 test-b:down:81 test-b:up:81:0 test-a:up:81:0 ");
	journal[0] = '\0';
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 50), DEVDRV_E_TIMEOUT);
	assert_string_equal(journal, "test-a:down:81 test-b:down:81 test-b:up:81:-6 test-a:up:81:-6 ");
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void count_done(struct devdrv_transfer *t)
{
	note("callback:%d ", t->status);
	++*(int *)t->user_data;
}

static void test_async_completion_passes_the_filters_before_the_callback(void **state)
{
	struct devdrv_context *ctx = bus_with("test-a");
	struct devdrv_handle *h = open_ok(ctx, "1-1");
	struct devdrv_transfer *t = devdrv_transfer_alloc();
	unsigned char buf[8];
	int calls = 0;

	(void)state;
	*t = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_BULK, .endpoint = 0x81,
		                       .buffer = buf, .length = sizeof(buf), .callback = count_done,
		                       .user_data = &calls };
	assert_int_equal(devdrv_transfer_submit(t), 0);
	assert_int_equal(devdrv_write(h, "ab", 2, 1000), 2);
	assert_int_equal(devdrv_transfer_wait(t), 0);
	assert_int_equal(calls, 1);
	assert_non_null(strstr(journal, "test-a:up:81:0 callback:0 "));
	devdrv_transfer_free(t);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_empty_filter_passes_everything_through(void **state)
{
	struct devdrv_context *ctx = bus_with("test-empty;test-a");
	struct devdrv_handle *h = open_ok(ctx, "1-1");
	unsigned char buf[8];

	(void)state;
	assert_int_equal(devdrv_write(h, "abc", 3, 1000), 3);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_non_null(strstr(journal, "test-a:down:81"));
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* A filter's own completion: the layers below never see the transfer (the
 * loopback's FIFO keeps its data), the ones above do, and a callback runs
 * from event handling, not inside submit. */
static void test_filter_completes_a_request(void **state)
{
	struct devdrv_context *ctx = bus_with("test-a;test-canned;test-b");
	struct devdrv_handle *h = open_ok(ctx, "1-1");
	struct devdrv_transfer *t = devdrv_transfer_alloc();
	unsigned char buf[8];
	int calls = 0;

	(void)state;
	assert_int_equal(devdrv_write(h, "device", 6, 1000), 6);
	journal[0] = '\0';
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 3);
	assert_memory_equal(buf, "xyz", 3);
	assert_string_equal(journal, "test-a:down:81 test-a:up:81:0 ");

	*t = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_BULK, .endpoint = 0x81,
		                       .buffer = buf, .length = sizeof(buf), .callback = count_done,
		                       .user_data = &calls };
	assert_int_equal(devdrv_transfer_submit(t), 0);
	assert_int_equal(calls, 0); /* never inside submit */
	assert_int_equal(devdrv_handle_events(ctx, 100), 0);
	assert_int_equal(calls, 1);
	devdrv_transfer_free(t);

	devdrv_filter_detach(h, "test-canned");
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 6); /* the device's data was never taken */
	assert_memory_equal(buf, "device", 6);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_filter_refusal_is_the_callers_error(void **state)
{
	struct devdrv_context *ctx = bus_with("test-a;test-refuse");
	struct devdrv_handle *h = open_ok(ctx, "1-1");

	(void)state;
	journal[0] = '\0';
	assert_int_equal(devdrv_write(h, "x", 1, 1000), DEVDRV_E_IO);
	assert_string_equal(devdrv_errmsg(h), "filter test-refuse: OUT refused for the test");
	/* the filter above saw it end */
	assert_string_equal(journal, "test-a:down:01 test-a:up:01:-10 ");
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_upper_filter_sees_device_requests(void **state)
{
	struct devdrv_context *ctx = bus_with("test-upper:ok;test-a");
	struct devdrv_handle *h = open_ok(ctx, "1-1");
	unsigned char buf[8];
	int answer = 0;

	(void)state;
	journal[0] = '\0';
	assert_int_equal(devdrv_write(h, "abc", 3, 1000), 3);
	assert_string_equal(journal, "upper:write test-a:down:01 test-a:up:01:0 ");
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 3);
	assert_memory_equal(buf, "ABC", 3);
	assert_int_equal(devdrv_ioctl(h, 0x7777, &answer, sizeof(answer)), 0);
	assert_int_equal(answer, 42);
	/* what it does not handle reaches the driver and the core */
	assert_int_equal(devdrv_ioctl(h, 0x7778, &answer, sizeof(answer)), DEVDRV_E_UNSUPPORTED);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_bad_filter_arguments_fail_the_open(void **state)
{
	struct devdrv_context *ctx = bus_with("test-upper:nope");
	struct devdrv_handle *h = NULL;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-1", &h), DEVDRV_E_INVALID);
	assert_null(h);
	assert_string_equal(devdrv_context_errmsg(ctx), "filter test-upper: only 'ok' is accepted, got \"nope\"");
	devdrv_context_free(ctx);
}

static void test_unknown_filter_fails_the_context(void **state)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL,
		                            .filters = "stats;nosuch:1" };
	struct devdrv_context *ctx = NULL;

	(void)state;
	assert_int_equal(devdrv_context_new(&o, &ctx), DEVDRV_E_NOT_FOUND);
	assert_null(ctx);
	assert_string_equal(devdrv_context_errmsg(NULL), "no filter named \"nosuch\"");
}

static void test_environment_adds_filters(void **state)
{
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	struct devdrv_layer_info l[8];

	(void)state;
	setenv("DEVDRV_FILTER", "test-b", 1);
	ctx = bus_with("test-a");
	unsetenv("DEVDRV_FILTER");
	h = open_ok(ctx, "1-1");
	assert_int_equal(devdrv_handle_layers(h, l, 8), 4);
	assert_string_equal(l[1].name, "test-a");
	assert_string_equal(l[2].name, "test-b");
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_attach_and_detach_on_an_open_handle(void **state)
{
	struct devdrv_context *ctx = bus_with(NULL);
	struct devdrv_handle *h = open_ok(ctx, "1-1");
	struct devdrv_stats s;

	(void)state;
	assert_int_equal(devdrv_handle_layers(h, NULL, 0), 2);
	assert_int_equal(devdrv_filter_attach(h, "stats"), 0);
	assert_int_equal(devdrv_filter_attach(h, "test-a"), 0);
	assert_int_equal(devdrv_handle_layers(h, NULL, 0), 4);
	assert_int_equal(devdrv_write(h, "12345", 5, 1000), 5);
	assert_int_equal(devdrv_stats_get(h, &s), 0);
	assert_int_equal(s.num_endpoints, 1);
	assert_int_equal(s.endpoints[0].endpoint, 0x01);
	assert_int_equal(s.endpoints[0].bytes, 5);
	assert_int_equal(devdrv_filter_detach(h, "stats"), 0);
	assert_int_equal(devdrv_stats_get(h, &s), DEVDRV_E_NOT_FOUND);
	assert_int_equal(devdrv_filter_detach(h, "stats"), DEVDRV_E_NOT_FOUND);
	assert_int_equal(devdrv_filter_attach(h, "nosuch"), DEVDRV_E_NOT_FOUND);
	assert_int_equal(devdrv_filter_attach(h, "stats;test-b"), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_handle_layers(h, NULL, 0), 3);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* Each handle has its own instances: counts do not mix. */
static void test_filters_on_several_handles(void **state)
{
	struct devdrv_context *ctx = bus_with("stats");
	struct devdrv_handle *a, *b;
	struct devdrv_stats sa, sb;

	(void)state;
	assert_int_equal(devdrv_virtual_plug(ctx, "loopback", "1-3"), 0);
	a = open_ok(ctx, "1-1");
	b = open_ok(ctx, "1-3");
	assert_int_equal(devdrv_write(a, "aaaa", 4, 1000), 4);
	assert_int_equal(devdrv_write(b, "bb", 2, 1000), 2);
	assert_int_equal(devdrv_write(b, "bb", 2, 1000), 2);
	assert_int_equal(devdrv_stats_get(a, &sa), 0);
	assert_int_equal(devdrv_stats_get(b, &sb), 0);
	assert_int_equal(sa.endpoints[0].transfers, 1);
	assert_int_equal(sa.endpoints[0].bytes, 4);
	assert_int_equal(sb.endpoints[0].transfers, 2);
	assert_int_equal(sb.endpoints[0].bytes, 4);
	devdrv_close(a);
	devdrv_close(b);
	devdrv_context_free(ctx);
}

static void test_registration_rules(void **state)
{
	static const struct devdrv_filter_ops old = { .api_version = 0, .name = "old", .position = DEVDRV_FILTER_LOWER };
	static const struct devdrv_filter_ops dup = { .api_version = DEVDRV_FILTER_API_VERSION, .name = "stats" };
	static const struct devdrv_filter_ops mixed = { .api_version = DEVDRV_FILTER_API_VERSION, .name = "mixed",
		                                        .position = DEVDRV_FILTER_UPPER, .submit = log_submit };
	static const struct devdrv_filter_ops bad_name = { .api_version = DEVDRV_FILTER_API_VERSION, .name = "a:b" };
	const struct devdrv_filter_ops *all[64];
	size_t n;

	(void)state;
	assert_int_equal(devdrv_filter_register(&old), DEVDRV_E_INVALID);
	assert_non_null(strstr(devdrv_context_errmsg(NULL), "api_version"));
	assert_int_equal(devdrv_filter_register(&dup), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_filter_register(&mixed), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_filter_register(&bad_name), DEVDRV_E_INVALID);
	n = devdrv_filters(all, 64);
	for (size_t i = 1; i < n; i++)
		assert_true(strcmp(all[i - 1]->name, all[i]->name) < 0);
	assert_int_equal(devdrv_filter_unregister(&filter_empty), 0);
	assert_int_equal(devdrv_filters(NULL, 0), n - 1);
	assert_int_equal(devdrv_filter_unregister(&filter_empty), DEVDRV_E_NOT_FOUND);
	assert_int_equal(devdrv_filter_register(&filter_empty), 0);
}

/* ---- stats -------------------------------------------------------------- */

static void test_stats_counts_per_endpoint(void **state)
{
	struct devdrv_context *ctx = bus_with("stats");
	struct devdrv_handle *h = open_ok(ctx, "1-1");
	unsigned char buf[16];
	struct devdrv_stats s;
	uint64_t hist = 0;

	(void)state;
	assert_int_equal(devdrv_write(h, "0123456789", 10, 1000), 10);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 10);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 20), DEVDRV_E_TIMEOUT);
	assert_int_equal(devdrv_stats_get(h, &s), 0);
	assert_int_equal(s.num_endpoints, 2);
	assert_int_equal(s.endpoints[0].endpoint, 0x01);
	assert_int_equal(s.endpoints[1].endpoint, 0x81);
	assert_int_equal(s.endpoints[1].transfers, 2);
	assert_int_equal(s.endpoints[1].bytes, 10);
	assert_int_equal(s.endpoints[1].errors, 1);
	assert_int_equal(s.endpoints[1].timeouts, 1);
	/* the timed-out read waited about 20 ms: in the 16-32 ms bucket or above */
	assert_true(s.endpoints[1].latency_max_ns >= 19000000u);
	for (unsigned b = 0; b < DEVDRV_STATS_BUCKETS; b++)
		hist += s.endpoints[1].latency_hist[b];
	assert_int_equal(hist, 2);
	assert_int_equal(devdrv_stats_bucket_floor_us(14), 16384);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* ---- fault ------------------------------------------------------------------ */

static void test_fault_kinds(void **state)
{
	struct devdrv_context *ctx = bus_with("fault:stall,ep=0x81,nth=2/timeout,ep=0x01/short,ep=0x81,nth=3,len=2");
	struct devdrv_handle *h = open_ok(ctx, "1-1");
	unsigned char buf[16];

	(void)state;
	assert_int_equal(devdrv_write(h, "x", 1, 1000), DEVDRV_E_TIMEOUT); /* first OUT */
	assert_int_equal(devdrv_write(h, "abcdef", 6, 1000), 6);          /* count=1: once */
	assert_int_equal(devdrv_read(h, buf, 3, 1000), 3);                 /* IN #1 */
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), DEVDRV_E_PIPE); /* IN #2 */
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 2);       /* IN #3, cut to 2 */
	assert_memory_equal(buf, "de", 2);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_fault_disconnect_sticks(void **state)
{
	struct devdrv_context *ctx = bus_with("fault:disconnect,nth=2");
	struct devdrv_handle *h = open_ok(ctx, "1-1");

	(void)state;
	assert_int_equal(devdrv_write(h, "a", 1, 1000), 1);
	assert_int_equal(devdrv_write(h, "b", 1, 1000), DEVDRV_E_DISCONNECTED);
	assert_int_equal(devdrv_write(h, "c", 1, 1000), DEVDRV_E_DISCONNECTED);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* The same seed makes the same faults. */
static unsigned long failures_with_seed(const char *spec)
{
	struct devdrv_context *ctx = bus_with(spec);
	struct devdrv_handle *h = open_ok(ctx, "1-1");
	unsigned long pattern = 0;

	for (int i = 0; i < 32; i++)
		if (devdrv_write(h, "a", 1, 1000) == DEVDRV_E_PIPE)
			pattern |= 1ul << i;
	devdrv_close(h);
	devdrv_context_free(ctx);
	return pattern;
}

static void test_fault_probability_is_seeded(void **state)
{
	unsigned long a = failures_with_seed("fault:stall,ep=0x01,prob=0.5,seed=7");
	unsigned long b = failures_with_seed("fault:stall,ep=0x01,prob=0.5,seed=7");
	unsigned long c = failures_with_seed("fault:stall,ep=0x01,prob=0.5,seed=8");

	(void)state;
	assert_true(a == b);
	assert_true(a != c);
	assert_true(__builtin_popcountl(a) > 4 && __builtin_popcountl(a) < 28);
}

static void test_fault_rules_are_checked(void **state)
{
	static const struct { const char *spec, *msg; } bad[] = {
		{ "fault", "filter fault: give the faults: fault:KIND[,ep=E][,nth=N]..." },
		{ "fault:melt", "filter fault: \"melt\" is not a fault (timeout, stall, short, babble, disconnect)" },
		{ "fault:stall,nth=0", "filter fault: bad option nth=0 (ep=0x81, nth=N>0, prob=0..1, count=N>0, seed=N, len=N)" },
		{ "fault:stall,prob=2", "filter fault: bad option prob=2 (ep=0x81, nth=N>0, prob=0..1, count=N>0, seed=N, len=N)" },
		{ "fault:stall,ep", "filter fault: \"ep\": expected KEY=VALUE" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct devdrv_context *ctx = bus_with(bad[i].spec);
		struct devdrv_handle *h = NULL;

		assert_int_equal(devdrv_open(ctx, "1-1", &h), DEVDRV_E_INVALID);
		assert_string_equal(devdrv_context_errmsg(ctx), bad[i].msg);
		devdrv_context_free(ctx);
	}
}

/* ---- verifier ------------------------------------------------------------------ */

static void test_verifier_catches_broken_rules(void **state)
{
	struct devdrv_context *ctx = bus_with("verifier");
	struct devdrv_handle *h = open_ok(ctx, "1-1");
	struct devdrv_transfer *t = devdrv_transfer_alloc();
	unsigned char buf[8];
	int calls = 0;

	(void)state;
	/* a well-behaved round trip passes */
	assert_int_equal(devdrv_write(h, "ok", 2, 1000), 2);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 2);
	/* a request to an interface the handle did not claim */
	assert_int_equal(devdrv_control(h, 0x41, 0x01, 0, 3, NULL, 0, 1000), DEVDRV_E_PROTOCOL);
	assert_string_equal(devdrv_errmsg(h), "verifier: driver generic broke rule 'claimed': "
	                                      "control request 41/01 to interface 3, which it did not claim");
	/* the same transfer submitted twice before it completed */
	*t = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_BULK, .endpoint = 0x81,
		                       .buffer = buf, .length = sizeof(buf), .callback = count_done,
		                       .user_data = &calls };
	assert_int_equal(devdrv_transfer_submit(t), 0);
	assert_int_equal(devdrv_transfer_submit(t), DEVDRV_E_PROTOCOL);
	assert_non_null(strstr(devdrv_errmsg(h), "rule 'in flight'"));
	assert_int_equal(devdrv_transfer_cancel(t), 0);
	assert_int_equal(devdrv_transfer_wait(t), DEVDRV_E_CANCELLED);
	assert_int_equal(calls, 1);
	devdrv_transfer_free(t);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* A status-pipe callback that resubmits whatever happened: the classic bug. */
static void resubmit_blindly(struct devdrv_transfer *t)
{
	int *rc = t->user_data;

	if (*rc == 1)
		*rc = devdrv_transfer_submit(t);
}

static void test_verifier_catches_io_after_unplug(void **state)
{
	struct devdrv_context *ctx = bus_with("verifier;fault:disconnect,ep=0x81");
	struct devdrv_handle *h = open_ok(ctx, "1-1");
	struct devdrv_transfer *t = devdrv_transfer_alloc();
	unsigned char buf[8];
	int resubmitted = 1;

	(void)state;
	*t = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_BULK, .endpoint = 0x81,
		                       .buffer = buf, .length = sizeof(buf), .callback = resubmit_blindly,
		                       .user_data = &resubmitted };
	assert_int_equal(devdrv_transfer_submit(t), 0);
	/* the wait reports how the last submission ended */
	assert_int_equal(devdrv_transfer_wait(t), DEVDRV_E_PROTOCOL);
	assert_int_equal(resubmitted, DEVDRV_E_PROTOCOL);
	assert_string_equal(devdrv_errmsg(h), "verifier: driver generic broke rule 'after unplug': "
	                                      "bulk 0x81 submitted after the device was reported gone");
	devdrv_transfer_free(t);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layers_are_listed_top_to_bottom),
		cmocka_unit_test(test_order_down_and_up),
		cmocka_unit_test(test_async_completion_passes_the_filters_before_the_callback),
		cmocka_unit_test(test_empty_filter_passes_everything_through),
		cmocka_unit_test(test_filter_completes_a_request),
		cmocka_unit_test(test_filter_refusal_is_the_callers_error),
		cmocka_unit_test(test_upper_filter_sees_device_requests),
		cmocka_unit_test(test_bad_filter_arguments_fail_the_open),
		cmocka_unit_test(test_unknown_filter_fails_the_context),
		cmocka_unit_test(test_environment_adds_filters),
		cmocka_unit_test(test_attach_and_detach_on_an_open_handle),
		cmocka_unit_test(test_filters_on_several_handles),
		cmocka_unit_test(test_registration_rules),
		cmocka_unit_test(test_stats_counts_per_endpoint),
		cmocka_unit_test(test_fault_kinds),
		cmocka_unit_test(test_fault_disconnect_sticks),
		cmocka_unit_test(test_fault_probability_is_seeded),
		cmocka_unit_test(test_fault_rules_are_checked),
		cmocka_unit_test(test_verifier_catches_broken_rules),
		cmocka_unit_test(test_verifier_catches_io_after_unplug),
	};

	return cmocka_run_group_tests(tests, register_test_filters, NULL);
}
