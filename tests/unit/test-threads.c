/* test-threads.c — what devdrv.h allows across threads, on the virtual bus:
 * an unplug racing a blocked read, several handles of one context in
 * several threads, opens and closes racing I/O and listing, a cancel from
 * another thread while a third runs the event loop, status callbacks run by
 * another handle's thread. CI builds this with
 * -fsanitize=thread (tests/meson.build, suite "threads"); under gcc it is an
 * ordinary stress test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <devdrv/serial.h>
#include <devdrv/virtual.h>
#include "internal.h"

static struct devdrv_context *new_bus(void)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_context *ctx = NULL;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	return ctx;
}

struct blocked_read {
	struct devdrv_handle *h;
	atomic_int started;
	ssize_t rc;
};

static void *read_until_unplug(void *arg)
{
	struct blocked_read *r = arg;
	char buf[64];

	atomic_store(&r->started, 1);
	r->rc = devdrv_read(r->h, buf, sizeof(buf), 10000);
	return NULL;
}

/* The synchronous read's transfer lives on the reader's stack: the unplugging
 * thread must not touch it once the reader may have returned. */
static void test_unplug_races_a_blocked_read(void **state)
{
	(void)state;
	for (int i = 0; i < 200; i++) {
		struct devdrv_context *ctx = new_bus();
		struct blocked_read r = { 0 };
		pthread_t reader;

		assert_int_equal(devdrv_open(ctx, "1-1", &r.h), 0);
		assert_int_equal(pthread_create(&reader, NULL, read_until_unplug, &r), 0);
		while (!atomic_load(&r.started))
			sched_yield();
		if (i % 2)
			usleep((useconds_t)(i % 7) * 100); /* sometimes the read is waiting, sometimes not yet */
		assert_int_equal(devdrv_virtual_unplug(ctx, "1-1"), 0);
		assert_int_equal(pthread_join(reader, NULL), 0);
		assert_int_equal(r.rc, DEVDRV_E_DISCONNECTED);
		devdrv_close(r.h);
		devdrv_context_free(ctx);
	}
}

struct worker {
	struct devdrv_context *ctx;
	const char *selector;
	int failures;
};

/* Write, read back, repeat: the loopback and the chip models echo. */
static void *echo_loop(void *arg)
{
	struct worker *w = arg;
	struct devdrv_handle *h;
	char buf[16];

	if (devdrv_open(w->ctx, w->selector, &h) < 0) {
		w->failures++;
		return NULL;
	}
	for (int i = 0; i < 300; i++) {
		unsigned lines;

		if (devdrv_write(h, "0123456789", 10, 1000) != 10)
			w->failures++;
		for (size_t got = 0; got < 10;) {
			ssize_t n = devdrv_read(h, buf, 10 - got, 1000);

			if (n <= 0) {
				w->failures++;
				break;
			}
			got += (size_t)n;
		}
		if (strcmp(devdrv_handle_driver(h), "generic") && devdrv_serial_get_lines(h, &lines) < 0)
			w->failures++;
	}
	devdrv_close(h);
	return NULL;
}

static void test_several_handles_in_several_threads(void **state)
{
	struct devdrv_context *ctx = new_bus();
	struct worker w[4] = { { ctx, "1-1", 0 }, { ctx, "1-3", 0 }, { ctx, "1-4", 0 }, { ctx, "1-5", 0 } };
	pthread_t t[4];

	(void)state;
	assert_int_equal(devdrv_virtual_plug(ctx, "ft232r", "1-3"), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "cdc-acm", "1-4"), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "pl2303", "1-5"), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, echo_loop, &w[i]), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	devdrv_context_free(ctx);
}

static void *open_close_loop(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 300; i++) {
		struct devdrv_handle *h;

		if (devdrv_open(w->ctx, w->selector, &h) < 0)
			w->failures++;
		devdrv_close(h);
	}
	return NULL;
}

static void *list_loop(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 300; i++) {
		const struct devdrv_device_info **l;

		if (devdrv_get_device_list(w->ctx, &l) != 2)
			w->failures++;
		devdrv_free_device_list(l);
	}
	return NULL;
}

/* Opening and closing one device while another is busy and a third thread
 * lists the bus. */
static void test_open_close_races_io_and_listing(void **state)
{
	struct devdrv_context *ctx = new_bus();
	struct worker io = { ctx, "1-1", 0 }, churn = { ctx, "1-2", 0 }, lister = { ctx, "", 0 };
	pthread_t t[3];

	(void)state;
	assert_int_equal(pthread_create(&t[0], NULL, echo_loop, &io), 0);
	assert_int_equal(pthread_create(&t[1], NULL, open_close_loop, &churn), 0);
	assert_int_equal(pthread_create(&t[2], NULL, list_loop, &lister), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(io.failures + churn.failures + lister.failures, 0);
	devdrv_context_free(ctx);
}

struct event_loop {
	struct devdrv_context *ctx;
	atomic_int stop;
};

static void *run_events(void *arg)
{
	struct event_loop *e = arg;

	while (!atomic_load(&e->stop))
		devdrv_handle_events(e->ctx, 5);
	return NULL;
}

static void count_completion(struct devdrv_transfer *t)
{
	atomic_fetch_add((atomic_int *)t->user_data, 1);
}

struct async_wait {
	struct devdrv_transfer *t;
	atomic_int submitted;
	int rc;
};

static void *submit_and_wait(void *arg)
{
	struct async_wait *a = arg;

	a->rc = devdrv_transfer_submit(a->t);
	atomic_store(&a->submitted, 1);
	if (a->rc == 0)
		a->rc = devdrv_transfer_wait(a->t);
	return NULL;
}

/* An asynchronous read waited for in one thread, cancelled from another,
 * while a third runs the event loop that dispatches its callback: the wait
 * returns once the callback has run, exactly once. */
static void test_cancel_from_another_thread(void **state)
{
	struct devdrv_context *ctx = new_bus();
	struct event_loop e = { ctx, 0 };
	pthread_t loop;

	(void)state;
	assert_int_equal(pthread_create(&loop, NULL, run_events, &e), 0);
	for (int i = 0; i < 100; i++) {
		struct async_wait a;
		atomic_int calls = 0;
		uint8_t buf[64];
		pthread_t waiter;
		struct devdrv_handle *h;

		assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
		memset(&a, 0, sizeof(a));
		assert_non_null(a.t = devdrv_transfer_alloc());
		a.t->handle = h;
		a.t->type = DEVDRV_TRANSFER_BULK;
		a.t->endpoint = 0x81;
		a.t->buffer = buf;
		a.t->length = sizeof(buf);
		a.t->callback = count_completion;
		a.t->user_data = &calls;
		assert_int_equal(pthread_create(&waiter, NULL, submit_and_wait, &a), 0);
		while (!atomic_load(&a.submitted))
			sched_yield();
		assert_int_equal(devdrv_transfer_cancel(a.t), 0);
		assert_int_equal(pthread_join(waiter, NULL), 0);
		assert_int_equal(a.rc, DEVDRV_E_CANCELLED);
		assert_int_equal(atomic_load(&calls), 1);
		devdrv_transfer_free(a.t);
		devdrv_close(h);
	}
	atomic_store(&e.stop, 1);
	assert_int_equal(pthread_join(loop, NULL), 0);
	devdrv_context_free(ctx);
}

/* A status pipe's callback runs on whichever thread handles events: here
 * the loopback's user dispatches the flooding ACM port's notifications while
 * the port's own thread reads its lines. */
static void test_status_callbacks_on_another_thread(void **state)
{
	struct devdrv_context *ctx = new_bus();
	struct worker io = { ctx, "1-1", 0 };
	struct devdrv_handle *h;
	pthread_t t;
	unsigned lines;

	(void)state;
	assert_int_equal(devdrv_virtual_plug(ctx, "hostile-flood", "1-3"), 0);
	assert_int_equal(devdrv_open(ctx, "1-3", &h), 0);
	assert_int_equal(pthread_create(&t, NULL, echo_loop, &io), 0);
	for (int i = 0; i < 300; i++)
		assert_int_equal(devdrv_serial_get_lines(h, &lines), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(io.failures, 0);
	assert_true(lines & DEVDRV_SERIAL_DCD);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* A driver's wait for its own callback (devdrv_handle_wait): the callback
 * that signals the condition runs, whoever handles events. Without the
 * event thread nobody else would run it, and a plain
 * pthread_cond_timedwait() would wait out its deadline (the toaster's
 * input driver did, behind devdrv run's bridges). A deadline is kept. */
struct signalled {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done, status;
};

static void signal_done(struct devdrv_transfer *t)
{
	struct signalled *sg = t->user_data;

	pthread_mutex_lock(&sg->lock);
	sg->done = 1;
	sg->status = t->status;
	pthread_cond_broadcast(&sg->cond);
	pthread_mutex_unlock(&sg->lock);
}

static void test_handle_wait_runs_the_callback(void **state)
{
	enum devdrv_events_mode mode = *state ? *(enum devdrv_events_mode *)*state : DEVDRV_EVENTS_THREAD;
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL, .events = mode };
	struct signalled sg = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct devdrv_context *ctx = NULL;
	struct devdrv_transfer *t = devdrv_transfer_alloc();
	struct devdrv_handle *h;
	struct timespec deadline;
	pthread_condattr_t attr;
	uint8_t buf[512];
	int rc = 0;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&sg.cond, &attr);
	pthread_condattr_destroy(&attr);
	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-3"), 0);
	assert_int_equal(devdrv_open(ctx, "1-3", &h), 0);
	*t = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_BULK, .endpoint = devdrv_handle_pipes(h)->in,
		                       .buffer = buf, .length = sizeof(buf), .callback = signal_done, .user_data = &sg };
	assert_int_equal(devdrv_transfer_submit(t), 0);

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 5;
	pthread_mutex_lock(&sg.lock);
	while (!sg.done && rc != DEVDRV_E_TIMEOUT)
		rc = devdrv_handle_wait(h, &sg.cond, &sg.lock, &deadline);
	pthread_mutex_unlock(&sg.lock);
	assert_int_equal(sg.done, 1);
	assert_int_equal(sg.status, 0);

	/* nothing will signal it: the deadline ends the wait */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_nsec += 20000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&sg.lock);
	rc = 0;
	for (int i = 0; i < 1000 && rc != DEVDRV_E_TIMEOUT; i++)
		rc = devdrv_handle_wait(h, &sg.cond, &sg.lock, &deadline);
	pthread_mutex_unlock(&sg.lock);
	assert_int_equal(rc, DEVDRV_E_TIMEOUT);
	assert_int_equal(devdrv_handle_wait(NULL, &sg.cond, &sg.lock, NULL), DEVDRV_E_INVALID);

	devdrv_transfer_free(t);
	devdrv_close(h);
	devdrv_context_free(ctx);
	pthread_cond_destroy(&sg.cond);
}

static enum devdrv_events_mode application_events = DEVDRV_EVENTS_APPLICATION;

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unplug_races_a_blocked_read),
		cmocka_unit_test(test_several_handles_in_several_threads),
		cmocka_unit_test(test_open_close_races_io_and_listing),
		cmocka_unit_test(test_cancel_from_another_thread),
		cmocka_unit_test(test_status_callbacks_on_another_thread),
		cmocka_unit_test(test_handle_wait_runs_the_callback),
		{ "test_handle_wait_runs_the_callback, without the event thread", test_handle_wait_runs_the_callback, NULL,
		  NULL, &application_events },
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
