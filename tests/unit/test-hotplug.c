/* test-hotplug.c — arrival and removal callbacks and the event loop on the
 * virtual bus: events filtered by selector, the devices already present on
 * request, (de)registration from a callback, opening a device from its
 * arrival, 1,000 plug/unplug cycles with flat memory; an application's own
 * poll() loop through devdrv_get_pollfds(); the library's event thread
 * running callbacks nobody waits for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <devdrv/devdrv.h>
#include <devdrv/driver.h>
#include <devdrv/events.h>
#include <devdrv/hotplug.h>
#include <devdrv/virtual.h>

#define SOURCE_PID 0x000b

struct seen {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned arrived, left;
	char last_port[32];
	uint16_t last_pid;
	char last_driver[32];
	enum devdrv_hotplug_event last;
	int deregister_self, self_id;
	int open_on_arrival, opened, read_rc;
	pthread_t thread;
};

static void on_event(struct devdrv_context *ctx, enum devdrv_hotplug_event ev, const struct devdrv_device_info *info,
                     void *user)
{
	struct seen *s = user;

	pthread_mutex_lock(&s->lock);
	if (ev == DEVDRV_HOTPLUG_ARRIVED)
		s->arrived++;
	else
		s->left++;
	s->last = ev;
	snprintf(s->last_port, sizeof(s->last_port), "%s", info->port_path);
	snprintf(s->last_driver, sizeof(s->last_driver), "%s", info->driver ? info->driver : "");
	s->last_pid = info->pid;
	s->thread = pthread_self();
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->deregister_self)
		assert_int_equal(devdrv_hotplug_deregister(ctx, s->self_id), 0);
	if (s->open_on_arrival && ev == DEVDRV_HOTPLUG_ARRIVED) {
		struct devdrv_handle *h;
		char sel[48], buf[4];

		snprintf(sel, sizeof(sel), "port=%s", info->port_path);
		if (devdrv_open(ctx, sel, &h) == 0) {
			s->opened++;
			s->read_rc = (int)devdrv_read(h, buf, sizeof(buf), 1000);
			devdrv_close(h);
		}
	}
}

static void seen_init(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
}

static struct devdrv_context *bus(int mode)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL, .events = mode };
	struct devdrv_context *ctx = NULL;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	return ctx;
}

static void test_arrival_and_removal_by_selector(void **state)
{
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_APPLICATION);
	struct seen s;
	int id;

	(void)state;
	seen_init(&s);
	assert_int_equal(devdrv_hotplug_register(ctx, "1209:000b", 0, on_event, &s, &id), 0);
	assert_int_equal(devdrv_handle_events(ctx, 0), 0);
	assert_int_equal(s.arrived + s.left, 0); /* the loopback and button present: not asked for */

	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-5"), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "loopback", "1-6"), 0); /* not matched */
	assert_int_equal(devdrv_handle_events(ctx, 0), 0);
	assert_int_equal(s.arrived, 1);
	assert_string_equal(s.last_port, "1-5");
	assert_int_equal(s.last_pid, SOURCE_PID);
	assert_string_equal(s.last_driver, "generic");

	assert_int_equal(devdrv_virtual_unplug(ctx, "1-6"), 0);
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-5"), 0);
	assert_int_equal(devdrv_handle_events(ctx, 0), 0);
	assert_int_equal(s.left, 1);
	assert_int_equal(s.last, DEVDRV_HOTPLUG_LEFT);
	assert_string_equal(s.last_port, "1-5");

	/* unplugged and plugged again between two looks: both are seen */
	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-5"), 0);
	assert_int_equal(devdrv_handle_events(ctx, 0), 0);
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-5"), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-5"), 0);
	assert_int_equal(devdrv_handle_events(ctx, 0), 0);
	assert_int_equal(s.arrived, 3);
	assert_int_equal(s.left, 2);
	assert_int_equal(s.last, DEVDRV_HOTPLUG_ARRIVED);

	assert_int_equal(devdrv_hotplug_deregister(ctx, id), 0);
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-5"), 0);
	assert_int_equal(devdrv_handle_events(ctx, 0), 0);
	assert_int_equal(s.left, 2); /* deregistered: told nothing */
	devdrv_context_free(ctx);
}

static void test_enumerate_reports_devices_present(void **state)
{
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_APPLICATION);
	struct seen all, by_driver;

	(void)state;
	seen_init(&all);
	seen_init(&by_driver);
	assert_int_equal(devdrv_hotplug_register(ctx, NULL, DEVDRV_HOTPLUG_ENUMERATE, on_event, &all, NULL), 0);
	assert_int_equal(all.arrived, 2); /* loopback 1-1 and button 1-2, before register returned */
	assert_int_equal(devdrv_hotplug_register(ctx, "1209:0002", DEVDRV_HOTPLUG_ENUMERATE, on_event, &by_driver, NULL),
	                 0);
	assert_int_equal(by_driver.arrived, 1);
	assert_string_equal(by_driver.last_port, "1-2");
	assert_int_equal(devdrv_virtual_plug(ctx, "ft232r", "1-4"), 0);
	assert_int_equal(devdrv_hotplug_register(ctx, "driver=ftdi", DEVDRV_HOTPLUG_ENUMERATE, on_event, &by_driver, NULL),
	                 0);
	assert_int_equal(by_driver.arrived, 2);
	assert_string_equal(by_driver.last_driver, "ftdi");
	devdrv_context_free(ctx);
}

static void test_bad_registrations(void **state)
{
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_APPLICATION);
	struct seen s;

	(void)state;
	seen_init(&s);
	assert_int_equal(devdrv_hotplug_register(ctx, "1209:000b#1", 0, on_event, &s, NULL), DEVDRV_E_INVALID);
	assert_non_null(strstr(devdrv_context_errmsg(ctx), "#N picks a device"));
	assert_int_equal(devdrv_hotplug_register(ctx, "vid=zz", 0, on_event, &s, NULL), DEVDRV_E_INVALID);
	assert_non_null(strstr(devdrv_context_errmsg(ctx), "zz"));
	assert_int_equal(devdrv_hotplug_register(ctx, NULL, 0, NULL, &s, NULL), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_hotplug_register(ctx, NULL, 0x80, on_event, &s, NULL), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_hotplug_deregister(ctx, 42), DEVDRV_E_NOT_FOUND);
	assert_non_null(strstr(devdrv_context_errmsg(ctx), "42"));
	assert_string_equal(devdrv_hotplug_event_name(DEVDRV_HOTPLUG_LEFT), "left");
	devdrv_context_free(ctx);
}

static void test_deregister_from_own_callback(void **state)
{
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_APPLICATION);
	struct seen s;

	(void)state;
	seen_init(&s);
	s.deregister_self = 1;
	assert_int_equal(devdrv_hotplug_register(ctx, "port=1-5", 0, on_event, &s, &s.self_id), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-5"), 0);
	assert_int_equal(devdrv_handle_events(ctx, 0), 0);
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-5"), 0);
	assert_int_equal(devdrv_handle_events(ctx, 0), 0);
	assert_int_equal(s.arrived, 1);
	assert_int_equal(s.left, 0); /* gone after its first call */
	assert_int_equal(devdrv_hotplug_deregister(ctx, s.self_id), DEVDRV_E_NOT_FOUND);
	devdrv_context_free(ctx);
}

static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

/* 1,000 cycles, each device opened and read from its own arrival callback:
 * every event is told, and the heap after the last cycle is what it was
 * after the 100th. */
static void test_thousand_cycles_flat_memory(void **state)
{
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_APPLICATION);
	size_t after_warmup = 0;
	struct seen s;

	(void)state;
	seen_init(&s);
	s.open_on_arrival = 1;
	assert_int_equal(devdrv_hotplug_register(ctx, "port=1-5", 0, on_event, &s, NULL), 0);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-5"), 0);
		assert_int_equal(devdrv_handle_events(ctx, 0), 0);
		assert_int_equal(devdrv_virtual_unplug(ctx, "1-5"), 0);
		assert_int_equal(devdrv_handle_events(ctx, 0), 0);
		if (i == 99)
			after_warmup = heap_in_use();
	}
	assert_int_equal(s.arrived, 1000);
	assert_int_equal(s.left, 1000);
	assert_int_equal(s.opened, 1000);
	assert_int_equal(s.read_rc, 4); /* the source gave its counter */
	if (after_warmup) /* 0 under a sanitizer's allocator */
		assert_true(heap_in_use() <= after_warmup + 4096);
	devdrv_context_free(ctx);
}

static void copy_back(struct devdrv_transfer *t)
{
	int *done = t->user_data;

	*done = 1;
}

/* The application's own loop: poll() on what devdrv_get_pollfds() gives
 * wakes for a plug and for a transfer's completion, and
 * devdrv_handle_events(ctx, 0) then runs the callbacks, on this thread. */
static void test_application_poll_loop(void **state)
{
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_APPLICATION);
	struct pollfd fds[8];
	struct devdrv_handle *h;
	uint8_t out[4] = { 1, 2, 3, 4 }, in[4] = { 0 };
	int timeout, n, done = 0;
	struct seen s;

	(void)state;
	seen_init(&s);
	assert_int_equal(devdrv_get_pollfds(ctx, NULL, 0, &timeout), 1); /* the wake-up descriptor */
	assert_int_equal(devdrv_get_pollfds(ctx, NULL, 1, &timeout), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_hotplug_register(ctx, NULL, 0, on_event, &s, NULL), 0);
	n = devdrv_get_pollfds(ctx, fds, 8, &timeout);
	assert_int_equal(n, 1);
	assert_int_equal(timeout, -1); /* nothing due: sleep until woken */
	assert_int_equal(poll(fds, (nfds_t)n, 0), 0);

	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-5"), 0);
	assert_int_equal(poll(fds, (nfds_t)n, 1000), 1);
	assert_int_equal(s.arrived, 0); /* not before the loop handles events */
	assert_int_equal(devdrv_handle_events(ctx, 0), 0);
	assert_int_equal(s.arrived, 1);
	assert_true(pthread_equal(s.thread, pthread_self()));

	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_int_equal(devdrv_write(h, out, sizeof(out), 1000), 4);
	struct devdrv_transfer *t = devdrv_transfer_alloc();
	*t = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_BULK, .endpoint = 0x81, .buffer = in,
		                       .length = sizeof(in), .timeout_ms = 1000, .callback = copy_back,
		                       .user_data = &done };
	assert_int_equal(devdrv_transfer_submit(t), 0);
	n = devdrv_get_pollfds(ctx, fds, 8, &timeout);
	assert_true(timeout == 0 || poll(fds, (nfds_t)n, 1000) == 1);
	assert_int_equal(done, 0); /* never inline, nor on another thread */
	assert_int_equal(devdrv_handle_events(ctx, 0), 0);
	assert_int_equal(done, 1);
	assert_memory_equal(in, out, sizeof(in));

	/* a transfer nobody answers times out through the loop's timeout */
	done = 0;
	assert_int_equal(devdrv_transfer_submit(t), 0);
	n = devdrv_get_pollfds(ctx, fds, 8, &timeout);
	assert_true(timeout > 0 && timeout <= 1000);
	poll(fds, (nfds_t)n, timeout);
	for (int i = 0; i < 50 && !done; i++) {
		n = devdrv_get_pollfds(ctx, fds, 8, &timeout);
		poll(fds, (nfds_t)n, timeout < 0 || timeout > 100 ? 100 : timeout);
		assert_int_equal(devdrv_handle_events(ctx, 0), 0);
	}
	assert_int_equal(done, 1);
	assert_int_equal(t->status, DEVDRV_E_TIMEOUT);
	devdrv_transfer_free(t);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static int wait_for(struct seen *s, unsigned *counter, unsigned want)
{
	struct timespec until;
	int ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&s->lock);
	while (*counter < want && pthread_cond_timedwait(&s->cond, &s->lock, &until) == 0)
		;
	ok = *counter >= want;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

struct async_done {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
	pthread_t thread;
};

static void async_finished(struct devdrv_transfer *t)
{
	struct async_done *a = t->user_data;

	pthread_mutex_lock(&a->lock);
	a->done = 1;
	a->thread = pthread_self();
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

/* By default nobody has to handle events: the library's thread runs the
 * hotplug and transfer callbacks. */
static void test_event_thread_by_default(void **state)
{
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_THREAD);
	struct async_done a = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct devdrv_transfer *t = devdrv_transfer_alloc();
	uint8_t out[3] = { 7, 8, 9 }, in[3];
	struct devdrv_handle *h;
	struct timespec until;
	struct seen s;

	(void)state;
	seen_init(&s);
	assert_int_equal(devdrv_hotplug_register(ctx, "port=1-7", 0, on_event, &s, NULL), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-7"), 0);
	assert_true(wait_for(&s, &s.arrived, 1));
	assert_false(pthread_equal(s.thread, pthread_self()));
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-7"), 0);
	assert_true(wait_for(&s, &s.left, 1));

	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_int_equal(devdrv_write(h, out, sizeof(out), 1000), 3);
	*t = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_BULK, .endpoint = 0x81, .buffer = in,
		                       .length = sizeof(in), .timeout_ms = 2000, .callback = async_finished,
		                       .user_data = &a };
	assert_int_equal(devdrv_transfer_submit(t), 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&a.lock);
	while (!a.done && pthread_cond_timedwait(&a.cond, &a.lock, &until) == 0)
		;
	pthread_mutex_unlock(&a.lock);
	assert_int_equal(a.done, 1);
	assert_false(pthread_equal(a.thread, pthread_self()));
	assert_int_equal(t->status, 0);
	assert_memory_equal(in, out, sizeof(in));
	devdrv_transfer_free(t);
	devdrv_close(h);
	devdrv_context_free(ctx); /* stops the thread */
}

struct revived {
	int calls;
	pthread_t thread;
};

static void on_reconnect(struct devdrv_handle *h, void *user)
{
	struct revived *r = user;

	(void)h;
	r->calls++;
	r->thread = pthread_self();
}

/* Read until the reconnection happened (the event thread sees the
 * arrival) or 5 s passed; returns the last read's result. */
static ssize_t read_until_back(struct devdrv_handle *h, uint8_t *buf, size_t len)
{
	ssize_t n = DEVDRV_E_DISCONNECTED;

	for (int i = 0; i < 500 && n == DEVDRV_E_DISCONNECTED; i++) {
		n = devdrv_read(h, buf, len, 1000);
		if (n == DEVDRV_E_DISCONNECTED)
			nanosleep(&(struct timespec){ 0, 10000000L }, NULL);
	}
	return n;
}

/* A handle opened by port path with DEVDRV_OPEN_RECONNECT: DISCONNECTED
 * while the device is away, the same handle works again when it is back,
 * and the callback runs once, on the handle's thread. */
static void test_reconnect_by_port(void **state)
{
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_THREAD);
	struct devdrv_open_options o = { .size = sizeof(o), .flags = DEVDRV_OPEN_RECONNECT, .on_reconnect = on_reconnect };
	struct revived r = { 0 };
	struct devdrv_handle *h;
	uint8_t buf[8];

	(void)state;
	o.user = &r;
	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-5"), 0);
	assert_int_equal(devdrv_open_with(ctx, "port=1-5", &o, &h), 0);
	assert_int_equal(devdrv_read(h, buf, 4, 1000), 4);
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-5"), 0);
	assert_int_equal(devdrv_read(h, buf, 4, 1000), DEVDRV_E_DISCONNECTED);
	assert_int_equal(devdrv_read(h, buf, 4, 1000), DEVDRV_E_DISCONNECTED); /* until it is back */
	assert_int_equal(r.calls, 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-5"), 0);
	assert_int_equal(read_until_back(h, buf, 4), 4);
	assert_memory_equal(buf, "\0\0\0\0", 4); /* a new device: its counter starts again */
	assert_int_equal(r.calls, 1);
	assert_true(pthread_equal(r.thread, pthread_self()));
	/* and again */
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-5"), 0);
	assert_int_equal(devdrv_read(h, buf, 4, 1000), DEVDRV_E_DISCONNECTED);
	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-5"), 0);
	assert_int_equal(read_until_back(h, buf, 4), 4);
	assert_int_equal(r.calls, 2);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* By serial number the device may come back at another port; without the
 * flag the handle stays disconnected; a selector naming neither is refused. */
static void test_reconnect_by_serial_and_refusals(void **state)
{
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_THREAD);
	struct devdrv_open_options o = DEVDRV_OPEN_OPTIONS_INIT;
	struct devdrv_handle *h, *plain;
	uint8_t buf[8];

	(void)state;
	o.flags = DEVDRV_OPEN_RECONNECT;
	assert_int_equal(devdrv_open_with(ctx, "1209:0001", &o, &h), DEVDRV_E_INVALID);
	assert_non_null(strstr(devdrv_context_errmsg(ctx), "names a port path or serial="));
	o.flags = 0x80;
	assert_int_equal(devdrv_open_with(ctx, "1-1", &o, &h), DEVDRV_E_INVALID);
	o.flags = DEVDRV_OPEN_RECONNECT;
	assert_int_equal(devdrv_open_with(ctx, "serial=LOOP0001", &o, &h), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-5"), 0);
	assert_int_equal(devdrv_open_with(ctx, "port=1-5", NULL, &plain), 0);
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-1"), 0);
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-5"), 0);
	assert_int_equal(devdrv_write(h, "abc", 3, 1000), DEVDRV_E_DISCONNECTED);
	assert_int_equal(devdrv_virtual_plug(ctx, "loopback", "1-7"), 0); /* elsewhere */
	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-5"), 0);
	for (int i = 0; i < 500 && devdrv_write(h, "abc", 3, 1000) != 3; i++)
		nanosleep(&(struct timespec){ 0, 10000000L }, NULL);
	assert_string_equal(devdrv_handle_info(h)->port_path, "1-7");
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 3);
	assert_memory_equal(buf, "abc", 3);
	nanosleep(&(struct timespec){ 0, 200000000L }, NULL);
	assert_int_equal(devdrv_read(plain, buf, 4, 1000), DEVDRV_E_DISCONNECTED); /* no flag: stays so */
	devdrv_close(plain);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* The device comes back but cannot be opened again (another handle took
 * it first): the handle stays disconnected, every call says so, nothing
 * of the old driver state is touched. */
static void test_reconnect_that_fails(void **state)
{
	struct devdrv_context *ctx = bus(DEVDRV_EVENTS_THREAD);
	struct devdrv_open_options o = { .size = sizeof(o), .flags = DEVDRV_OPEN_RECONNECT };
	struct devdrv_handle *h, *other;
	struct seen s;
	uint8_t buf[4];

	(void)state;
	seen_init(&s);
	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-5"), 0);
	assert_int_equal(devdrv_open_with(ctx, "port=1-5", &o, &h), 0);
	assert_int_equal(devdrv_hotplug_register(ctx, "port=1-5", 0, on_event, &s, NULL), 0);
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-5"), 0);
	assert_int_equal(devdrv_read(h, buf, 4, 100), DEVDRV_E_DISCONNECTED);
	assert_int_equal(devdrv_virtual_plug(ctx, "source", "1-5"), 0);
	assert_true(wait_for(&s, &s.arrived, 1));
	assert_int_equal(devdrv_open(ctx, "1-5", &other), 0); /* first */
	assert_int_equal(devdrv_read(h, buf, 4, 100), DEVDRV_E_DISCONNECTED);
	assert_non_null(strstr(devdrv_errmsg(h), "did not open again"));
	assert_int_equal(devdrv_read(h, buf, 4, 100), DEVDRV_E_DISCONNECTED);
	assert_int_equal(devdrv_write(h, buf, 4, 100), DEVDRV_E_DISCONNECTED);
	assert_int_equal(devdrv_ioctl(h, 0x0101, NULL, 0), DEVDRV_E_DISCONNECTED);
	assert_int_equal(devdrv_read(other, buf, 4, 1000), 4);
	devdrv_close(other);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_bad_events_option(void **state)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL, .events = 7 };
	struct devdrv_context *ctx = NULL;

	(void)state;
	assert_int_equal(devdrv_context_new(&o, &ctx), DEVDRV_E_INVALID);
	assert_null(ctx);
	assert_non_null(strstr(devdrv_context_errmsg(NULL), "events=7"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arrival_and_removal_by_selector),
		cmocka_unit_test(test_enumerate_reports_devices_present),
		cmocka_unit_test(test_bad_registrations),
		cmocka_unit_test(test_deregister_from_own_callback),
		cmocka_unit_test(test_thousand_cycles_flat_memory),
		cmocka_unit_test(test_application_poll_loop),
		cmocka_unit_test(test_event_thread_by_default),
		cmocka_unit_test(test_reconnect_by_port),
		cmocka_unit_test(test_reconnect_by_serial_and_refusals),
		cmocka_unit_test(test_reconnect_that_fails),
		cmocka_unit_test(test_bad_events_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
