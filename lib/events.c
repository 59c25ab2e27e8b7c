/* events.c — the event loop: a wake-up descriptor per context that every
 * layer without descriptors of its own signals when work is due (the
 * virtual bus, the replay transport, filters' completions, hotplug), the
 * pollable descriptors for an application's loop, and the library's own
 * event thread built on the same two. */
#include "deadline.h"
#include "internal.h"

#include <devdrv/events.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The event thread's poll set: the wake-up descriptor and libusb's few. */
#define EVENT_THREAD_FDS 32
/* The longest the event thread sleeps without being woken: a bound on
 * what a missed wake-up could cost, not a polling interval. */
#define EVENT_THREAD_MAX_SLEEP_MS 1000
/* without the event thread: the longest devdrv_handle_wait() handles events
 * before its caller looks at its condition again */
#define WAIT_EVENTS_SLICE_MS 50

struct dd_events {
	int mode;
	int wake_fd;
	/* Someone polls the descriptors: dd_ctx_wake() writes only then, so a
	 * program that never waits on them pays nothing per completion. */
	_Atomic int armed;
	pthread_mutex_t lock; /* starting and stopping the thread */
	pthread_t thread;
	_Atomic int running;
	_Atomic int stop;
};

int dd_events_init(struct devdrv_context *ctx, int mode)
{
	struct dd_events *ev;

	if (mode != DEVDRV_EVENTS_THREAD && mode != DEVDRV_EVENTS_APPLICATION)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID,
		                   "context options: events=%d is neither DEVDRV_EVENTS_THREAD nor "
		                   "DEVDRV_EVENTS_APPLICATION", mode);
	if (!(ev = calloc(1, sizeof(*ev))))
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "context: out of memory");
	ev->mode = mode;
	ev->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ev->wake_fd < 0) {
		int err = errno;

		free(ev);
		return dd_ctx_fail(ctx, DEVDRV_E_IO, "context: eventfd: %s", strerror(err));
	}
	pthread_mutex_init(&ev->lock, NULL);
	ctx->events = ev;
	return 0;
}

static void wake(struct dd_events *ev)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already huge: the poller wakes anyway */
	while (write(ev->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

void dd_ctx_wake(struct devdrv_context *ctx)
{
	struct dd_events *ev = ctx ? ctx->events : NULL;

	if (ev && atomic_load_explicit(&ev->armed, memory_order_acquire))
		wake(ev);
}

int devdrv_events_wakeup(struct devdrv_context *ctx)
{
	if (!ctx || !ctx->events)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "devdrv_events_wakeup: NULL context");
	wake(ctx->events);
	return 0;
}

static void drain_wakeups(struct dd_events *ev)
{
	uint64_t count;

	/* an eventfd hands over its whole count in one read */
	while (read(ev->wake_fd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
}

int devdrv_get_pollfds(struct devdrv_context *ctx, struct pollfd *fds, size_t max, int *timeout_ms)
{
	int n = 1;

	if (!ctx || (!fds && max) || !timeout_ms)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "devdrv_get_pollfds: NULL argument");
	atomic_store_explicit(&ctx->events->armed, 1, memory_order_release);
	*timeout_ms = -1;
	if (max) {
		fds[0] = (struct pollfd){ .fd = ctx->events->wake_fd, .events = POLLIN };
	}
	for (int i = 0; i < ctx->num_transports; i++) {
		const struct dd_transport_ops *ops = ctx->transports[i].ops;
		size_t room = (size_t)n < max ? max - (size_t)n : 0;
		int rc;

		if (!ops->poll_info)
			continue;
		rc = ops->poll_info(ctx->transports[i].state, room ? fds + n : NULL, room, timeout_ms);
		if (rc < 0)
			return rc;
		n += rc;
	}
	/* work queued before the descriptors were armed has no wake-up of its own */
	if (atomic_load(&ctx->deferred_pending))
		*timeout_ms = 0;
	dd_hotplug_pending(ctx, timeout_ms);
	return n;
}

int devdrv_handle_events(struct devdrv_context *ctx, unsigned timeout_ms)
{
	if (!ctx)
		return DEVDRV_E_INVALID;
	drain_wakeups(ctx->events);
	if (dd_deferred_dispatch(ctx) > 0 || dd_hotplug_pending(ctx, NULL))
		timeout_ms = 0; /* something is due: do not wait for more */
	for (int i = 0; i < ctx->num_transports; i++) {
		const struct dd_transport_ops *ops = ctx->transports[i].ops;
		int rc = ops->handle_events ? ops->handle_events(ctx->transports[i].state, timeout_ms) : 0;

		if (rc < 0)
			return rc;
	}
	/* after the transports: libusb reports hotplug from its event handling */
	dd_hotplug_dispatch(ctx);
	return 0;
}

static void *event_thread(void *arg)
{
	struct devdrv_context *ctx = arg;
	struct dd_events *ev = ctx->events;
	struct pollfd fds[EVENT_THREAD_FDS];
	int warned = 0;

	while (!atomic_load(&ev->stop)) {
		int timeout, n = devdrv_get_pollfds(ctx, fds, EVENT_THREAD_FDS, &timeout);

		if (n > EVENT_THREAD_FDS && !warned) {
			dd_warn(ctx, "event thread: %d descriptors, polling %d", n, EVENT_THREAD_FDS);
			warned = 1;
		}
		if (n > EVENT_THREAD_FDS)
			n = EVENT_THREAD_FDS;
		if (timeout < 0 || timeout > EVENT_THREAD_MAX_SLEEP_MS)
			timeout = EVENT_THREAD_MAX_SLEEP_MS;
		if (n > 0 && timeout != 0)
			poll(fds, (nfds_t)n, timeout);
		if (atomic_load(&ev->stop))
			break;
		devdrv_handle_events(ctx, 0);
	}
	return NULL;
}

int dd_events_need_thread(struct devdrv_context *ctx)
{
	struct dd_events *ev = ctx->events;
	sigset_t all, old;
	int rc = 0;

	if (ev->mode != DEVDRV_EVENTS_THREAD || atomic_load(&ev->running))
		return 0;
	pthread_mutex_lock(&ev->lock);
	if (!atomic_load(&ev->running)) {
		atomic_store(&ev->armed, 1);
		/* signals stay with the application's threads (Ctrl-C, SIGTERM) */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		rc = pthread_create(&ev->thread, NULL, event_thread, ctx);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc == 0) {
			pthread_setname_np(ev->thread, "devdrv-events");
			atomic_store(&ev->running, 1);
		}
	}
	pthread_mutex_unlock(&ev->lock);
	return rc ? dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "event thread: %s", strerror(rc)) : 0;
}

int dd_events_threaded(struct devdrv_context *ctx)
{
	return ctx->events->mode == DEVDRV_EVENTS_THREAD;
}

void dd_events_exit(struct devdrv_context *ctx)
{
	struct dd_events *ev = ctx->events;

	if (!ev)
		return;
	if (atomic_load(&ev->running)) {
		atomic_store(&ev->stop, 1);
		wake(ev);
		pthread_join(ev->thread, NULL);
		atomic_store(&ev->running, 0);
	}
	close(ev->wake_fd);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
	ctx->events = NULL;
}

int devdrv_handle_wait(struct devdrv_handle *h, pthread_cond_t *cond, pthread_mutex_t *lock,
                       const struct timespec *deadline)
{
	struct devdrv_context *ctx;
	struct timespec slice_end;
	int left = -1, rc;

	if (!h || !cond || !lock)
		return DEVDRV_E_INVALID;
	if (deadline && (dd_timeout_until(deadline, &left), left == 0))
		return DEVDRV_E_TIMEOUT;
	ctx = devdrv_handle_context(h);
	if (dd_events_threaded(ctx)) {
		dd_cond_wait_bounded(cond, lock, deadline != NULL, deadline);
		return 0;
	}
	if (left < 0 || left > WAIT_EVENTS_SLICE_MS)
		left = WAIT_EVENTS_SLICE_MS;
	pthread_mutex_unlock(lock);
	rc = devdrv_handle_events(ctx, (unsigned)left);
	pthread_mutex_lock(lock);
	if (rc < 0) { /* events cannot be handled now: the caller's next try waits a slice */
		slice_end = dd_deadline_in((unsigned)left);
		pthread_cond_timedwait(cond, lock, &slice_end);
	}
	return rc;
}
