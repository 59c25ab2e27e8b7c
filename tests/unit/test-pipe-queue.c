/* test-pipe-queue.c — the transfers the network drivers keep in flight
 * (lib/drivers/pipe-queue.c), on the virtual bus, with the library's event
 * thread and with the application handling events: a source that never
 * pauses arrives in order; a reader that falls behind loses whole
 * transfers, counted, and then reads on; a read that times out loses
 * nothing; queued writes arrive in order; an unplug ends both ways with
 * DEVDRV_E_DISCONNECTED. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include <devdrv/devdrv.h>
#include <devdrv/driver.h>
#include <devdrv/events.h>
#include <devdrv/virtual.h>

#include "drivers/pipe-queue.h"

#define SIZE 4096

static struct devdrv_context *bus(int events, const char *model, struct devdrv_handle **h)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL, .events = events };
	struct devdrv_context *ctx = NULL;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, model, "1-3"), 0);
	assert_int_equal(devdrv_open(ctx, "1-3", h), 0);
	return ctx;
}

static uint32_t counter_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Read @count transfers from the source; each holds SIZE / 4 counter
 * values in a row. Returns how many values were skipped between them
 * (data dropped), or -1 if a transfer was out of order or not whole. */
static long read_counters(struct dd_inq *q, unsigned count, uint32_t *next)
{
	long skipped = 0;

	for (unsigned i = 0; i < count; i++) {
		const uint8_t *data;
		ssize_t n = dd_inq_next(q, 2000, &data);
		uint32_t first;

		assert_int_equal(n, SIZE);
		first = counter_at(data);
		for (size_t k = 0; k < SIZE; k += 4)
			if (counter_at(data + k) != first + k / 4)
				return -1;
		if (first < *next)
			return -1;
		skipped += first - *next;
		*next = first + SIZE / 4;
		dd_inq_release(q);
	}
	return skipped;
}

/* Whole transfers, in the pipe's order. With the application's loop,
 * completions run only while the reader waits: it never falls behind, and
 * nothing is dropped. The event thread completes transfers from a source
 * this fast sooner than the reader takes them: gaps of whole transfers. */
static void source_arrives_in_order(int events)
{
	struct devdrv_handle *h;
	struct devdrv_context *ctx = bus(events, "source", &h);
	struct dd_inq *q;
	uint32_t next = 0;
	long skipped;

	assert_int_equal(dd_inq_start(h, 0x81, 4, SIZE, &q), 0);
	skipped = read_counters(q, 512, &next);
	if (events == DEVDRV_EVENTS_APPLICATION) {
		assert_int_equal(skipped, 0);
		assert_int_equal(dd_inq_dropped(q), 0);
	} else {
		assert_true(skipped >= 0);
		assert_int_equal(skipped % (SIZE / 4), 0);
		assert_true(dd_inq_dropped(q) >= (uint64_t)skipped / (SIZE / 4)); /* each gap was counted */
	}
	dd_inq_free(q);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_source_in_order_application_loop(void **state)
{
	(void)state;
	source_arrives_in_order(DEVDRV_EVENTS_APPLICATION);
}

static void test_source_in_order_event_thread(void **state)
{
	(void)state;
	source_arrives_in_order(DEVDRV_EVENTS_THREAD);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The event thread keeps the transfers posted while nobody reads: the
 * buffers fill, then whole transfers are dropped and counted; reading
 * then goes on from what was kept, in order. */
static void test_reader_behind_drops_whole_transfers(void **state)
{
	struct devdrv_handle *h;
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_THREAD, "source", &h);
	struct dd_inq *q;
	uint32_t next = 0;
	long skipped;

	(void)state;
	assert_int_equal(dd_inq_start(h, 0x81, 2, SIZE, &q), 0);
	sleep_ms(300);
	assert_true(dd_inq_dropped(q) > 0);
	/* what was kept, then a gap of whole transfers, each counted */
	skipped = read_counters(q, 64, &next);
	assert_true(skipped > 0);
	assert_int_equal(skipped % (SIZE / 4), 0);
	assert_true(dd_inq_dropped(q) >= (uint64_t)skipped / (SIZE / 4));
	dd_inq_free(q);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* Read from @in until @have reaches @want bytes, into @got. */
static void read_back(struct dd_inq *in, uint8_t *got, size_t *have, size_t want)
{
	const uint8_t *data;

	while (*have < want) {
		ssize_t n = dd_inq_next(in, 2000, &data);

		assert_true(n > 0);
		assert_true(*have + (size_t)n <= want);
		memcpy(got + *have, data, (size_t)n);
		*have += (size_t)n;
		dd_inq_release(in);
	}
}

/* Writes queued without waiting, 8 at a time (fewer than the reader's
 * buffers, so nothing is dropped), come back from the loopback in order;
 * a read that timed out before they came lost nothing. */
static void loopback_round_trip(int events)
{
	struct devdrv_handle *h;
	struct devdrv_context *ctx = bus(events, "loopback", &h);
	struct dd_inq *in;
	struct dd_outq *out;
	uint8_t sent[64 * 100], got[sizeof(sent)];
	size_t have = 0, total = 0;
	const uint8_t *data;

	assert_int_equal(dd_inq_start(h, 0x81, 4, SIZE, &in), 0);
	assert_int_equal(dd_outq_start(h, 0x01, 4, SIZE, &out), 0);
	assert_int_equal(dd_inq_next(in, 50, &data), DEVDRV_E_TIMEOUT);
	for (unsigned i = 0; i < 64; i++) {
		uint8_t *b;
		size_t len = 1 + i % 100;

		for (size_t k = 0; k < len; k++)
			sent[total + k] = (uint8_t)(i * 7 + k);
		assert_int_equal(dd_outq_buffer(out, 1000, &b), 0);
		memcpy(b, sent + total, len);
		assert_int_equal(dd_outq_send(out, len), 0);
		total += len;
		if (i % 8 == 7)
			read_back(in, got, &have, total);
	}
	assert_memory_equal(got, sent, total);
	/* timeout 0 is no limit, as devdrv_read() means it, not "do not wait" */
	{
		uint8_t *b;

		assert_int_equal(dd_outq_buffer(out, 0, &b), 0);
		memcpy(b, "zero", 4);
		assert_int_equal(dd_outq_send(out, 4), 0);
		assert_int_equal(dd_inq_next(in, 0, &data), 4);
		assert_memory_equal(data, "zero", 4);
		dd_inq_release(in);
	}
	assert_int_equal(dd_outq_failed(out), 0);
	assert_int_equal(dd_inq_dropped(in), 0);
	dd_outq_free(out, 1000);
	dd_inq_free(in);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_loopback_application_loop(void **state)
{
	(void)state;
	loopback_round_trip(DEVDRV_EVENTS_APPLICATION);
}

static void test_loopback_event_thread(void **state)
{
	(void)state;
	loopback_round_trip(DEVDRV_EVENTS_THREAD);
}

/* A held buffer waits while the pipe is busy (the loopback's 64 KiB FIFO
 * full, one write stuck in flight), can be taken back and added to, and
 * goes out from the completion that frees the pipe, after what was
 * before it. */
static void test_held_buffer_goes_when_the_pipe_frees(void **state)
{
	struct devdrv_handle *h;
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_THREAD, "loopback", &h);
	static uint8_t sent[17 * SIZE + 200], got[sizeof(sent)];
	size_t total = 0, have = 0;
	struct dd_inq *in;
	struct dd_outq *out;
	uint8_t *b, *again;

	(void)state;
	for (size_t k = 0; k < sizeof(sent); k++)
		sent[k] = (uint8_t)(k * 13 + k / 4096);
	assert_int_equal(dd_outq_start(h, 0x01, 24, SIZE, &out), 0);
	for (int i = 0; i < 17; i++, total += SIZE) { /* the 17th does not fit the FIFO */
		assert_int_equal(dd_outq_buffer(out, 1000, &b), 0);
		memcpy(b, sent + total, SIZE);
		assert_int_equal(dd_outq_send(out, SIZE), 0);
	}
	assert_int_equal(dd_outq_buffer(out, 1000, &b), 0);
	memcpy(b, sent + total, 100);
	assert_int_equal(dd_outq_hold(out, 100, 1), 0);
	sleep_ms(100);
	assert_int_equal(dd_outq_take_held(out, &again), 1); /* still there: the pipe is busy */
	assert_ptr_equal(again, b);
	memcpy(b + 100, sent + total + 100, 100);
	assert_int_equal(dd_outq_hold(out, 200, 1), 0);
	total += 200;
	/* buffers for all of it: a reader slower than the event thread drops nothing */
	assert_int_equal(dd_inq_start(h, 0x81, 16, SIZE, &in), 0);
	read_back(in, got, &have, total);
	assert_memory_equal(got, sent, total);
	assert_int_equal(dd_outq_take_held(out, &again), 0); /* it went */
	assert_int_equal(dd_outq_failed(out), 0);
	dd_outq_free(out, 1000);
	dd_inq_free(in);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_unplug_ends_both_ways(void **state)
{
	struct devdrv_handle *h;
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_THREAD, "loopback", &h);
	struct dd_inq *in;
	struct dd_outq *out;
	const uint8_t *data;
	uint8_t *b;
	int rc = 0;

	(void)state;
	assert_int_equal(dd_inq_start(h, 0x81, 4, SIZE, &in), 0);
	assert_int_equal(dd_outq_start(h, 0x01, 2, SIZE, &out), 0);
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-3"), 0);
	assert_int_equal(dd_inq_next(in, 2000, &data), DEVDRV_E_DISCONNECTED);
	assert_non_null(strstr(devdrv_errmsg(h), "unplugged"));
	/* a write may be queued before the unplug is seen; then it fails */
	for (int i = 0; i < 4 && rc == 0; i++)
		if ((rc = dd_outq_buffer(out, 2000, &b)) == 0)
			rc = dd_outq_send(out, 8);
	assert_int_equal(rc, DEVDRV_E_DISCONNECTED);
	dd_outq_free(out, 100);
	dd_inq_free(in);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_bad_sizes_refused(void **state)
{
	struct devdrv_handle *h;
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_THREAD, "loopback", &h);
	struct dd_inq *in = (struct dd_inq *)1;
	struct dd_outq *out = (struct dd_outq *)1;

	(void)state;
	assert_int_equal(dd_inq_start(h, 0x81, 0, SIZE, &in), DEVDRV_E_INVALID);
	assert_null(in);
	assert_int_equal(dd_outq_start(h, 0x01, DD_PIPE_QUEUE_MAX + 1, SIZE, &out), DEVDRV_E_INVALID);
	assert_null(out);
	assert_int_equal(dd_outq_start(h, 0x01, 2, SIZE, &out), 0);
	assert_int_equal(dd_outq_send(out, 8), DEVDRV_E_INVALID); /* no buffer asked for */
	dd_outq_free(out, 0);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_in_order_application_loop),
		cmocka_unit_test(test_source_in_order_event_thread),
		cmocka_unit_test(test_reader_behind_drops_whole_transfers),
		cmocka_unit_test(test_loopback_application_loop),
		cmocka_unit_test(test_loopback_event_thread),
		cmocka_unit_test(test_held_buffer_goes_when_the_pipe_frees),
		cmocka_unit_test(test_unplug_ends_both_ways),
		cmocka_unit_test(test_bad_sizes_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
