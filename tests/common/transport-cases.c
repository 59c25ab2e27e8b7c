/* transport-cases.c — see transport-cases.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <devdrv/driver.h>

#include "transport-cases.h"

double transport_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct devdrv_handle *open_loopback(struct transport_bed *b)
{
	struct devdrv_handle *h = NULL;

	if (devdrv_open(b->ctx, b->loopback, &h) < 0)
		fail_msg("open %s: %s", b->loopback, devdrv_context_errmsg(b->ctx));
	return h;
}

/* 4 KiB out and back, in whatever pieces the transport returns them. */
static void round_trip(struct transport_bed *b)
{
	struct devdrv_handle *h = open_loopback(b);
	unsigned char out[4096], in[4096];
	size_t got = 0;

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 13 + 1);
	assert_int_equal(devdrv_write(h, out, sizeof(out), 1000), sizeof(out));
	while (got < sizeof(in)) {
		ssize_t n = devdrv_read(h, in + got, sizeof(in) - got, 1000);

		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_memory_equal(in, out, sizeof(out));
	assert_string_equal(devdrv_handle_driver(h), "generic");
	devdrv_close(h);
}

static void control_and_stall(struct transport_bed *b)
{
	struct devdrv_handle *h = open_loopback(b);
	unsigned char data[8] = { 9, 8, 7 }, back[8] = { 0 };

	assert_int_equal(devdrv_control(h, 0x40, 0x01, 0, 0, data, 3, 1000), 3);
	assert_int_equal(devdrv_control(h, 0xc0, 0x02, 0, 0, back, sizeof(back), 1000), 3);
	assert_memory_equal(back, data, 3);
	assert_int_equal(devdrv_control(h, 0xc0, 0x7f, 0, 0, back, sizeof(back), 1000), DEVDRV_E_PIPE);
	assert_non_null(strstr(devdrv_errmsg(h), "STALL"));
	/* the pipe works after a stall */
	assert_int_equal(devdrv_control(h, 0xc0, 0x02, 0, 0, back, sizeof(back), 1000), 3);
	devdrv_close(h);
}

/* A read that times out takes its time, says so, and leaves the pipe working. */
static void timeout_then_pipe_works(struct transport_bed *b)
{
	struct devdrv_handle *h = open_loopback(b);
	unsigned char buf[64];
	double t0 = transport_now(), took;

	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 100), DEVDRV_E_TIMEOUT);
	took = transport_now() - t0;
	assert_true(took >= 0.09 && took < 1.0);
	assert_non_null(strstr(devdrv_errmsg(h), "within 100 ms"));
	assert_int_equal(devdrv_write(h, "x", 1, 1000), 1);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 1);
	devdrv_close(h);
}

static void *read_blocked(void *arg)
{
	struct transport_blocked_read *r = arg;
	unsigned char buf[64];

	r->result = devdrv_read(r->h, buf, sizeof(buf), 10000);
	r->returned_at = transport_now();
	return NULL;
}

/* The read is under way once this returns (150 ms later). */
void transport_start_blocked_read(struct transport_bed *b, struct transport_blocked_read *r)
{
	*r = (struct transport_blocked_read){ .h = open_loopback(b) };
	assert_int_equal(pthread_create(&r->thread, NULL, read_blocked, r), 0);
	usleep(150 * 1000);
}

void transport_join_blocked_read(struct transport_blocked_read *r)
{
	assert_int_equal(pthread_join(r->thread, NULL), 0);
}

/* An unplug ends a read blocked in another thread within a second, and the
 * handle stays disconnected. */
void transport_case_unplug_during_blocked_read(struct transport_bed *b)
{
	struct transport_blocked_read r;
	double unplugged_at;

	transport_start_blocked_read(b, &r);
	unplugged_at = transport_now();
	b->unplug_loopback(b);
	transport_join_blocked_read(&r);
	assert_int_equal(r.result, DEVDRV_E_DISCONNECTED);
	assert_true(r.returned_at - unplugged_at < 1.0);
	assert_non_null(strstr(devdrv_errmsg(r.h), "unplugged"));
	assert_int_equal(devdrv_write(r.h, "x", 1, 100), DEVDRV_E_DISCONNECTED);
	assert_int_equal(devdrv_handle_check_present(r.h), DEVDRV_E_DISCONNECTED);
	devdrv_close(r.h);
}

static void count(struct devdrv_transfer *t)
{
	++*(int *)t->user_data;
}

/* An asynchronous read: its callback runs once it has data, never inside
 * submit; a cancelled one completes with CANCELLED, its callback once. */
static void async_and_cancel(struct transport_bed *b)
{
	struct devdrv_handle *h = open_loopback(b);
	struct devdrv_transfer *t = devdrv_transfer_alloc();
	unsigned char in[16] = { 0 };
	int calls = 0;

	assert_non_null(t);
	*t = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_BULK,
		                       .endpoint = devdrv_handle_pipes(h)->in, .buffer = in, .length = sizeof(in),
		                       .callback = count, .user_data = &calls };
	assert_int_equal(devdrv_transfer_submit(t), 0);
	assert_int_equal(calls, 0);
	assert_int_equal(devdrv_write(h, "abc", 3, 1000), 3);
	assert_int_equal(devdrv_transfer_wait(t), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(t->actual_length, 3);
	assert_memory_equal(in, "abc", 3);
	assert_int_equal(devdrv_transfer_submit(t), 0);
	assert_int_equal(devdrv_transfer_cancel(t), 0);
	assert_int_equal(devdrv_transfer_wait(t), DEVDRV_E_CANCELLED);
	assert_int_equal(calls, 2);
	devdrv_transfer_free(t);
	devdrv_close(h);
}

const struct transport_case transport_cases[] = {
	{ "round trip", round_trip },
	{ "control and stall", control_and_stall },
	{ "timeout, then the pipe works", timeout_then_pipe_works },
	{ "async submit and cancel", async_and_cancel },
	{ "unplug during a blocked read", transport_case_unplug_during_blocked_read },
};
const unsigned num_transport_cases = sizeof(transport_cases) / sizeof(transport_cases[0]);

void run_transport_cases(struct transport_bed *(*make)(void), void (*drop)(struct transport_bed *b))
{
	for (unsigned i = 0; i < num_transport_cases; i++) {
		struct transport_bed *b = make();

		print_message("  case: %s\n", transport_cases[i].name);
		transport_cases[i].run(b);
		drop(b);
	}
}
