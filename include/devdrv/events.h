/** @file
 * libdevdrv's event loop: who runs the callbacks of asynchronous
 * transfers, streams and hotplug, and how an application with its own loop
 * (poll, epoll, GLib, libuv) takes that job.
 *
 * Two modes, chosen per context with devdrv_context_options.events:
 *
 *   DEVDRV_EVENTS_THREAD (the default): the library starts one event thread
 *   for the context the first time something needs it (a transfer submitted
 *   with a callback, a stream, a hotplug callback) and stops it in
 *   devdrv_context_free(). Callbacks then run on that thread, or on a thread
 *   of the application's that waits synchronously or calls
 *   devdrv_handle_events(): never on two threads at once for one transfer.
 *
 *   DEVDRV_EVENTS_APPLICATION: no thread is started. The application asks
 *   devdrv_get_pollfds() what to wait for, waits (poll() or its own loop),
 *   then calls devdrv_handle_events(ctx, 0). Synchronous calls still handle
 *   events while they wait, as libusb's do.
 *
 * Thread safety: every function here may be called from any thread,
 * concurrently. A callback must not call devdrv_context_free() on its own
 * context.
 */
#ifndef DEVDRV_EVENTS_H
#define DEVDRV_EVENTS_H

#include <devdrv/devdrv.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

struct pollfd;

/** Who runs callbacks: see the top of this header. */
enum devdrv_events_mode {
	DEVDRV_EVENTS_THREAD = 0,      /**< a library thread, started when first needed */
	DEVDRV_EVENTS_APPLICATION = 1, /**< the application's loop: devdrv_get_pollfds() */
};

/** Run the callbacks of completed asynchronous transfers and hotplug events,
 * waiting up to @p timeout_ms (0: do not wait) for one; also times out
 * transfers nobody waits for. Synchronous calls do this themselves while
 * they wait. Any thread, concurrently: each completion's callback runs
 * exactly once, on one of the threads handling events.
 * @param ctx         the context
 * @param timeout_ms  the longest to wait for an event, 0 not at all
 * @return 0 or a DEVDRV_E_* code. */
int devdrv_handle_events(struct devdrv_context *ctx, unsigned timeout_ms);

/**
 * What an application's loop waits for before it calls
 * devdrv_handle_events(ctx, 0): file descriptors (with the events to wait
 * for in .events) and a timeout. Ask again before every wait: the set and
 * the timeout change as transfers come and go.
 * @param ctx      the context
 * @param[out] fds filled with up to @p max entries
 * @param max      room in @p fds
 * @param[out] timeout_ms  the longest the loop may wait (-1: no limit; 0:
 *                 something is due now)
 * @return the number of descriptors the context has (more than @p max means
 *         the array was too small: only @p max were written), or
 *         DEVDRV_E_INVALID, DEVDRV_E_NOMEM.
 */
int devdrv_get_pollfds(struct devdrv_context *ctx, struct pollfd *fds, size_t max, int *timeout_ms);

/** Wake a thread blocked in devdrv_handle_events() or in poll() on the
 * context's descriptors, for instance to make a loop see a stop flag.
 * @param ctx  the context
 * @return 0, DEVDRV_E_INVALID. */
int devdrv_events_wakeup(struct devdrv_context *ctx);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
