/* test-stream.c — the continuous reader on the virtual bus: megabytes from a
 * source that never pauses arrive whole and in order; the callback stops it;
 * an unplug, a stall or a timeout ends it with that error, reported once;
 * a silent device is no error, and a wait on it ends when its timeout says;
 * bad options are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include <devdrv/devdrv.h>
#include <devdrv/driver.h>
#include <devdrv/events.h>
#include <devdrv/stream.h>
#include <devdrv/virtual.h>

struct check {
	uint32_t next;      /* the counter value expected next */
	unsigned offset;    /* bytes of it seen */
	uint64_t bytes, stop_at;
	unsigned calls, unplug_at;
	int broken;         /* a byte was not the one expected */
	struct devdrv_context *ctx;
};

static int on_data(struct devdrv_stream *s, const uint8_t *data, size_t len, void *user)
{
	struct check *c = user;

	(void)s;
	for (size_t i = 0; i < len && !c->broken; i++) {
		if (data[i] != (uint8_t)(c->next >> (8 * c->offset)))
			c->broken = 1;
		if (++c->offset == 4)
			c->offset = 0, c->next++;
	}
	c->bytes += len;
	if (++c->calls == c->unplug_at)
		devdrv_virtual_unplug(c->ctx, "1-3");
	return c->stop_at && c->bytes >= c->stop_at;
}

static struct devdrv_context *bus(const char *filters, const char *model)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL,
		                            .filters = filters };
	struct devdrv_context *ctx = NULL;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	if (model)
		assert_int_equal(devdrv_virtual_plug(ctx, model, "1-3"), 0);
	return ctx;
}

static void test_megabytes_arrive_whole_and_in_order(void **state)
{
	struct devdrv_context *ctx = bus("stats", "source");
	struct devdrv_stream_options o = { .size = sizeof(o), .transfers = 4, .transfer_size = 65536 };
	struct check c = { .stop_at = 8u << 20, .ctx = ctx };
	struct devdrv_stream *s;
	struct devdrv_handle *h;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-3", &h), 0);
	assert_int_equal(devdrv_stream_start(h, &o, on_data, &c, &s), 0);
	assert_int_equal(devdrv_stream_wait(s, 10000), 0);
	assert_false(c.broken);
	assert_true(c.bytes >= (8u << 20));
	assert_int_equal(devdrv_stream_bytes(s), c.bytes);
	assert_int_equal(c.calls, c.bytes / 65536);
	devdrv_stream_free(s);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_unplug_ends_it_once(void **state)
{
	struct devdrv_context *ctx = bus(NULL, "source");
	struct check c = { .unplug_at = 10, .ctx = ctx };
	struct devdrv_stream *s;
	struct devdrv_handle *h;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-3", &h), 0);
	assert_int_equal(devdrv_stream_start(h, NULL, on_data, &c, &s), 0);
	assert_int_equal(devdrv_stream_wait(s, 5000), DEVDRV_E_DISCONNECTED);
	assert_non_null(strstr(devdrv_errmsg(h), "stream on endpoint 0x81 ended"));
	assert_int_equal(c.calls, 10); /* nothing after the unplug */
	assert_false(c.broken);
	assert_int_equal(devdrv_stream_wait(s, 100), DEVDRV_E_DISCONNECTED); /* the same error */
	devdrv_stream_free(s);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* One transfer in flight: the fault filter completes the stalled one
 * itself, and its completion would otherwise overtake those before it. */
static void test_stall_ends_it(void **state)
{
	struct devdrv_context *ctx = bus("fault:stall,ep=0x81,nth=7", "source");
	struct devdrv_stream_options o = { .size = sizeof(o), .transfers = 1 };
	struct check c = { .ctx = ctx };
	struct devdrv_stream *s;
	struct devdrv_handle *h;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-3", &h), 0);
	assert_int_equal(devdrv_stream_start(h, &o, on_data, &c, &s), 0);
	assert_int_equal(devdrv_stream_wait(s, 5000), DEVDRV_E_PIPE);
	assert_int_equal(c.calls, 6); /* the six before it, whole and in order */
	assert_false(c.broken);
	devdrv_stream_free(s);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* The loopback has nothing to say: without a timeout that is no error, the
 * wait just runs out; with one, the stream ends with it. */
static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_silence(void **state)
{
	double late_ms = 0;
	struct devdrv_context *ctx = bus(NULL, NULL);
	struct devdrv_stream_options o = { .size = sizeof(o), .timeout_ms = 50 };
	struct check c = { .ctx = ctx };
	struct devdrv_stream *s;
	struct devdrv_handle *h;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_int_equal(devdrv_stream_start(h, NULL, on_data, &c, &s), 0);
	assert_int_equal(devdrv_stream_wait(s, 150), 1); /* still running */
	for (int i = 0; i < 5; i++) { /* a short timeout is kept, not rounded up to a slice of event handling */
		double t0 = now_ms();

		assert_int_equal(devdrv_stream_wait(s, 10), 1);
		if (now_ms() - t0 - 10 > late_ms)
			late_ms = now_ms() - t0 - 10;
	}
	if (late_ms > 60)
		fail_msg("devdrv_stream_wait(s, 10) returned %.0f ms late", late_ms);
	devdrv_stream_stop(s);
	assert_int_equal(devdrv_stream_wait(s, 1000), 0); /* stopped by us: no error */
	devdrv_stream_free(s);
	assert_int_equal(devdrv_stream_start(h, &o, on_data, &c, &s), 0);
	assert_int_equal(devdrv_stream_wait(s, 5000), DEVDRV_E_TIMEOUT);
	assert_int_equal(c.calls, 0);
	devdrv_stream_free(s);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* Without the event thread the waiter runs the completions itself: data
 * arrives, a short timeout is kept, a stop ends it. */
static void test_application_events(void **state)
{
	struct devdrv_context_options co = { .size = sizeof(co), .transports = DEVDRV_TRANSPORT_VIRTUAL,
		                             .events = DEVDRV_EVENTS_APPLICATION };
	struct devdrv_context *ctx = NULL;
	struct check c = { .stop_at = 1u << 20 };
	struct devdrv_stream *s;
	struct devdrv_handle *h;
	double t0;

	(void)state;
	assert_int_equal(devdrv_context_new(&co, &ctx), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-3"), 0);
	c.ctx = ctx;
	assert_int_equal(devdrv_open(ctx, "1-3", &h), 0);
	assert_int_equal(devdrv_stream_start(h, NULL, on_data, &c, &s), 0);
	assert_int_equal(devdrv_stream_wait(s, 10000), 0); /* the callback stopped it at 1 MiB */
	assert_true(c.bytes >= c.stop_at);
	assert_false(c.broken);
	devdrv_stream_free(s);
	devdrv_close(h);

	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0); /* the loopback: silent */
	assert_int_equal(devdrv_stream_start(h, NULL, on_data, &c, &s), 0);
	t0 = now_ms();
	assert_int_equal(devdrv_stream_wait(s, 10), 1);
	if (now_ms() - t0 > 70)
		fail_msg("devdrv_stream_wait(s, 10) returned after %.0f ms", now_ms() - t0);
	devdrv_stream_stop(s);
	assert_int_equal(devdrv_stream_wait(s, 1000), 0);
	devdrv_stream_free(s);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_bad_options(void **state)
{
	struct devdrv_context *ctx = bus(NULL, NULL);
	struct devdrv_stream_options o = { .size = sizeof(o), .endpoint = 0x01 };
	struct check c = { .ctx = ctx };
	struct devdrv_stream *s = NULL;
	struct devdrv_handle *h;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_int_equal(devdrv_stream_start(h, &o, on_data, &c, &s), DEVDRV_E_INVALID);
	assert_string_equal(devdrv_errmsg(h), "stream: endpoint 0x01 is not an IN endpoint");
	o = (struct devdrv_stream_options){ .size = sizeof(o), .transfers = 65 };
	assert_int_equal(devdrv_stream_start(h, &o, on_data, &c, &s), DEVDRV_E_INVALID);
	o.size = 4;
	assert_int_equal(devdrv_stream_start(h, &o, on_data, &c, &s), DEVDRV_E_INVALID);
	assert_null(s);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

struct feed {
	unsigned chunks, chunk, made; /* chunks to give, of chunk bytes; given so far */
	unsigned unplug_at;
	struct devdrv_context *ctx;
	size_t overfill;              /* give this many bytes once: too many */
};

/* Chunk k holds bytes (k * 7 + i) & 0xff: order and content are checkable. */
static size_t fill(struct devdrv_stream *s, uint8_t *buf, size_t len, void *user)
{
	struct feed *f = user;

	(void)s;
	if (f->overfill)
		return len + f->overfill;
	if (f->made == f->chunks)
		return 0;
	assert_true(len >= f->chunk);
	for (unsigned i = 0; i < f->chunk; i++)
		buf[i] = (uint8_t)(f->made * 7 + i);
	if (++f->made == f->unplug_at)
		devdrv_virtual_unplug(f->ctx, "1-3");
	return f->chunk;
}

/* Queued writes reach the device whole and in order: 48 KiB in 12 chunks,
 * 4 in flight, into the loopback's FIFO, read back. */
static void test_writer_in_order(void **state)
{
	struct devdrv_context *ctx = bus(NULL, NULL);
	struct devdrv_stream_options o = { .size = sizeof(o), .transfers = 4, .transfer_size = 4096 };
	struct feed f = { .chunks = 12, .chunk = 4096 };
	static uint8_t back[12 * 4096];
	struct devdrv_stream *s;
	struct devdrv_handle *h;
	size_t got = 0;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_int_equal(devdrv_stream_start_writer(h, &o, fill, &f, &s), 0);
	assert_int_equal(devdrv_stream_wait(s, 10000), 0);
	assert_int_equal(devdrv_stream_bytes(s), sizeof(back));
	devdrv_stream_free(s);
	while (got < sizeof(back)) {
		ssize_t n = devdrv_read(h, back + got, sizeof(back) - got, 1000);

		assert_true(n > 0);
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(back); i++)
		if (back[i] != (uint8_t)((i / 4096) * 7 + i % 4096))
			fail_msg("byte %zu is %u", i, back[i]);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* 8 MiB into the sink, 8 x 64 KiB in flight: every byte counted. */
static void test_writer_megabytes(void **state)
{
	struct devdrv_context *ctx = bus("stats", "sink");
	struct feed f = { .chunks = 128, .chunk = 65536 };
	struct devdrv_stream *s;
	struct devdrv_handle *h;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-3", &h), 0);
	assert_int_equal(devdrv_stream_start_writer(h, NULL, fill, &f, &s), 0);
	assert_int_equal(devdrv_stream_wait(s, 10000), 0);
	assert_int_equal(devdrv_stream_bytes(s), 8u << 20);
	assert_int_equal(f.made, 128);
	devdrv_stream_free(s);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* An unplug while writing ends it with DISCONNECTED, once; a fill that
 * gives more than the buffer holds is refused; an IN endpoint is refused. */
static void test_writer_errors(void **state)
{
	struct devdrv_context *ctx = bus(NULL, "sink");
	struct devdrv_stream_options in = { .size = sizeof(in), .endpoint = 0x81 };
	struct feed f = { .chunks = 1000, .chunk = 1024, .unplug_at = 20 }, over = { .overfill = 1 };
	struct devdrv_stream *s;
	struct devdrv_handle *h;

	(void)state;
	f.ctx = ctx;
	assert_int_equal(devdrv_open(ctx, "1-3", &h), 0);
	assert_int_equal(devdrv_stream_start_writer(h, &in, fill, &f, &s), DEVDRV_E_INVALID);
	assert_non_null(strstr(devdrv_errmsg(h), "not an OUT endpoint"));
	assert_int_equal(devdrv_stream_start_writer(h, NULL, fill, &over, &s), DEVDRV_E_INVALID);
	assert_non_null(strstr(devdrv_errmsg(h), "for a 65536-byte buffer"));
	assert_int_equal(devdrv_stream_start_writer(h, NULL, fill, &f, &s), 0);
	assert_int_equal(devdrv_stream_wait(s, 5000), DEVDRV_E_DISCONNECTED);
	assert_true(f.made < 1000 && f.made >= 20);
	assert_int_equal(devdrv_stream_wait(s, 100), DEVDRV_E_DISCONNECTED);
	devdrv_stream_free(s);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_megabytes_arrive_whole_and_in_order),
		cmocka_unit_test(test_unplug_ends_it_once),
		cmocka_unit_test(test_stall_ends_it),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_application_events),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_writer_in_order),
		cmocka_unit_test(test_writer_megabytes),
		cmocka_unit_test(test_writer_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
