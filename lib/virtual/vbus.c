/* vbus.c — the virtual transport: a bus of in-process device models. Transfers
 * queue per device until the model completes them, their timeout expires, or
 * the device is unplugged. One lock per bus.
 *
 * Completion follows one contract: submit never completes inline. A transfer
 * waited for without a callback belongs to its waiter again the moment it is
 * marked completed (it may live on the waiter's stack), so the bus never
 * touches it after that. Transfers with a callback go to a FIFO of finished
 * work that event handling (devdrv_handle_events, or any synchronous wait)
 * dispatches, without the lock, so a callback may submit again. */
#include "vbus.h"
#include "../deadline.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* A transfer's queue entry lives in its framework state: no allocation. */
static struct vq_node *node_of(struct devdrv_transfer *t)
{
	return (struct vq_node *)(void *)dd_xfer(t)->tpriv;
}

void vbus_vdev_unref_locked(struct devdrv_vdev *d)
{
	if (--d->refs > 0)
		return;
	free(d->state);
	dd_plugin_release(d->plugin); /* the model's code goes last */
	free(d);
}

/* ---- completion ------------------------------------------------------------ */

/* Finish @n's transfer. A transfer without a callback is handed straight back
 * to its waiter; one with a callback waits in the FIFO for dispatch. */
static void finish_locked(struct vbus *bus, struct vq_node *n, int status)
{
	struct devdrv_transfer *t = n->t;

	t->status = status;
	if (!n->callback) {
		dd_xfer(t)->completed = 1; /* from here on t (and n in it) belongs to its waiter */
	} else {
		n->next = NULL;
		*bus->done_tail = n;
		bus->done_tail = &n->next;
		dd_ctx_wake(bus->ctx); /* a callback is due: wake an event loop */
	}
	pthread_cond_broadcast(&bus->cond);
}

void vbus_complete_locked(struct vbus *bus, struct vq_node **link, int status)
{
	struct vq_node *n = *link;

	*link = n->next;
	finish_locked(bus, n, status);
}

/* Run the callbacks finished so far, without the lock (a callback may
 * submit again); called and returns with the lock held. What the callbacks
 * finish in turn waits for the next round, so a device that always has data
 * cannot keep one caller here forever. A transfer counts as completed from
 * just before its own callback, and as running until that callback returns:
 * a waiter waits for both (the bus never reads the transfer afterwards). */
static void dispatch_locked(struct vbus *bus)
{
	struct vq_node *batch = bus->done;

	bus->done = NULL;
	bus->done_tail = &bus->done;
	while (batch) {
		struct vq_node *n = batch;
		struct devdrv_transfer *t = n->t;
		struct dd_running self;

		batch = n->next; /* n lives in t, which its callback may resubmit */
		dd_xfer(t)->completed = 1;
		dd_running_enter(&bus->running, &self, t);
		pthread_mutex_unlock(&bus->lock);
		dd_transfer_complete(t);
		pthread_mutex_lock(&bus->lock);
		dd_running_leave(&bus->running, &self);
		pthread_cond_broadcast(&bus->cond);
	}
}

/* Let the model work through the queue until nothing moves; one transfer's
 * progress (an OUT filling the FIFO) can unblock an earlier one (an IN). */
void vbus_pump_locked(struct devdrv_vdev *d)
{
	int progress = 1;

	while (progress && !d->unplugged) {
		progress = 0;
		for (struct vq_node **link = &d->queue; *link;) {
			size_t before = (*link)->t->actual_length;
			int rc = d->model->service(d, (*link)->t);

			if (rc != 0) { /* done, or failed (a babbling model: OVERFLOW) */
				vbus_complete_locked(d->bus, link, rc > 0 ? 0 : rc);
				progress = 1;
				continue;
			}
			if ((*link)->t->actual_length != before)
				progress = 1;
			link = &(*link)->next;
		}
	}
}

/* ---- transport ops --------------------------------------------------------- */

static struct vbus *bus_of(struct devdrv_transfer *t)
{
	return ((struct devdrv_vdev *)t->handle->dev->tdev)->bus;
}


static void set_deadline(struct vbus *bus, struct vq_node *n, unsigned timeout_ms)
{
	n->has_deadline = timeout_ms != 0;
	if (!timeout_ms)
		return;
	n->deadline = dd_deadline_in(timeout_ms);
	if (n->callback) /* an event loop times it out: it recomputes its sleep */
		dd_ctx_wake(bus->ctx);
}

static int check_pipe(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	uint8_t type = 0;
	int iface = vbus_interface_of_endpoint(d, t->endpoint, &type);

	if (iface < 0)
		return devdrv_handle_fail(t->handle, DEVDRV_E_INVALID,
		                          "endpoint 0x%02x does not exist in the current alternate settings",
		                          t->endpoint);
	if (type != t->type)
		return devdrv_handle_fail(t->handle, DEVDRV_E_INVALID, "endpoint 0x%02x is not %s",
		                          t->endpoint, dd_transfer_kind(t->type));
	if (d->owner[iface] != t->handle)
		return devdrv_handle_fail(t->handle, DEVDRV_E_INVALID,
		                          "endpoint 0x%02x: claim interface %d first", t->endpoint, iface);
	return 0;
}


/* Fault injection for tests: is this the transfer the device dies at? */
static int dies_now_locked(struct devdrv_vdev *d)
{
	if (++d->transfers != d->disconnect_at)
		return 0;
	vbus_unplug_locked(d->bus, d);
	return 1;
}

static int vbus_submit(struct devdrv_transfer *t)
{
	struct devdrv_vdev *d = t->handle->dev->tdev;
	struct vbus *bus = d->bus;
	struct vq_node *n = node_of(t);
	int rc = 0;

	pthread_mutex_lock(&bus->lock);
	if (d->unplugged || dies_now_locked(d))
		rc = DEVDRV_E_DISCONNECTED;
	else if (t->type != DEVDRV_TRANSFER_CONTROL)
		rc = check_pipe(d, t);
	if (rc < 0) {
		pthread_mutex_unlock(&bus->lock);
		return rc;
	}
	*n = (struct vq_node){ .t = t, .callback = t->callback, .dev = d };
	set_deadline(bus, n, t->timeout_ms);
	if (t->type == DEVDRV_TRANSFER_CONTROL) {
		finish_locked(bus, n, vbus_control_locked(d, t)); /* endpoint 0 never waits */
	} else {
		struct vq_node **link = &d->queue;

		while (*link)
			link = &(*link)->next;
		*link = n;
		vbus_pump_locked(d);
	}
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

static struct vq_node **find_link(struct devdrv_vdev *d, struct vq_node *n)
{
	for (struct vq_node **link = &d->queue; *link; link = &(*link)->next)
		if (*link == n)
			return link;
	return NULL;
}

static int vbus_cancel(struct devdrv_transfer *t)
{
	struct devdrv_vdev *d = t->handle->dev->tdev;
	struct vbus *bus = d->bus;
	struct vq_node **link;

	pthread_mutex_lock(&bus->lock);
	if ((link = find_link(d, node_of(t))))
		vbus_complete_locked(bus, link, DEVDRV_E_CANCELLED);
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

void devdrv_vdev_log(struct devdrv_vdev *d, enum devdrv_log_level level, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	devdrv_log(d->bus->ctx, level, "virtual %s (%s): %s", d->port, d->model->name, msg);
}

void devdrv_vdev_wake_in(struct devdrv_vdev *d, unsigned ms)
{
	d->wake = dd_deadline_in(ms);
	d->has_wake = 1;
	pthread_cond_broadcast(&d->bus->cond); /* a sleeper recomputes its deadline */
	dd_ctx_wake(d->bus->ctx);              /* so does an event loop */
}

/* Pump the devices whose wake-up is due; fold the others into *next. */
static int wake_models_locked(struct vbus *bus, const struct timespec *now, struct timespec *next, int pending)
{
	for (struct devdrv_vdev *d = bus->devices; d; d = d->next) {
		if (!d->has_wake || d->unplugged)
			continue;
		if (!dd_ts_before(now, &d->wake)) {
			d->has_wake = 0;
			vbus_pump_locked(d);
		}
		if (d->has_wake && (!pending || dd_ts_before(&d->wake, next))) { /* re-armed, or not yet due */
			*next = d->wake;
			pending = 1;
		}
	}
	return pending;
}

/* Time out every queued transfer whose deadline has passed, waited for or
 * not; *next gets the earliest deadline still pending. Returns whether
 * there is one. */
static int expire_locked(struct vbus *bus, struct timespec *next)
{
	struct timespec now;
	int pending = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (struct devdrv_vdev *d = bus->devices; d; d = d->next) {
		for (struct vq_node **link = &d->queue; *link;) {
			struct vq_node *n = *link;

			if (!n->has_deadline) {
				link = &n->next;
			} else if (!dd_ts_before(&now, &n->deadline)) {
				vbus_complete_locked(bus, link, DEVDRV_E_TIMEOUT);
			} else {
				if (!pending || dd_ts_before(&n->deadline, next))
					*next = n->deadline;
				pending = 1;
				link = &n->next;
			}
		}
	}
	return wake_models_locked(bus, &now, next, pending);
}

/* Is @t finished for its waiter? One with a callback is finished once that
 * callback has returned (a callback may resubmit it: completed is read only
 * when no callback of its runs). */
static int wait_over_locked(struct vbus *bus, const struct devdrv_transfer *t, int has_callback)
{
	const struct dd_transfer *x = (const struct dd_transfer *)t;

	if (has_callback && dd_running_has(bus->running, t))
		return 0;
	return x->completed || x->by_filter; /* by_filter: resubmitted to a filter that completed it */
}

static void sleep_locked(struct vbus *bus, int timed, const struct timespec *until)
{
	if (timed)
		pthread_cond_timedwait(&bus->cond, &bus->lock, until);
	else
		pthread_cond_wait(&bus->cond, &bus->lock);
}

/* Wait for @t, running other transfers' callbacks and timeouts meanwhile, as
 * libusb's event handling does for a synchronous call. */
static int vbus_wait(struct devdrv_transfer *t)
{
	struct vbus *bus = bus_of(t);
	int has_callback = t->callback != NULL;

	pthread_mutex_lock(&bus->lock);
	for (;;) {
		struct timespec next;
		int timed;

		dispatch_locked(bus);
		timed = expire_locked(bus, &next);
		if (wait_over_locked(bus, t, has_callback))
			break;
		if (!bus->done)
			sleep_locked(bus, timed, &next);
	}
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

/* The bus has no descriptor: completions signal the context's wake-up, and
 * the timeout is that of the next deadline or model wake-up. */
static int vbus_poll_info(void *state, struct pollfd *fds, size_t max, int *timeout_ms)
{
	struct vbus *bus = state;
	struct timespec next;

	(void)fds;
	(void)max;
	pthread_mutex_lock(&bus->lock);
	if (bus->done)
		*timeout_ms = 0;
	else if (expire_locked(bus, &next))
		dd_timeout_until(&next, timeout_ms);
	if (bus->done) /* expire_locked may have timed one out */
		*timeout_ms = 0;
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

/* One round of event handling: expire timeouts, then run the callbacks that
 * are due, waiting up to @timeout_ms for some to be. */
static int vbus_handle_events(void *state, unsigned timeout_ms)
{
	struct vbus *bus = state;
	struct timespec until, next;

	until = dd_deadline_in(timeout_ms);
	pthread_mutex_lock(&bus->lock);
	for (;;) {
		struct timespec now;
		int timed = expire_locked(bus, &next);

		if (bus->done) {
			dispatch_locked(bus);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!dd_ts_before(&now, &until))
			break;
		sleep_locked(bus, 1, timed && dd_ts_before(&next, &until) ? &next : &until);
	}
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

static int vbus_present(struct devdrv_handle *h)
{
	struct devdrv_vdev *d = h->dev->tdev;
	int present;

	pthread_mutex_lock(&d->bus->lock);
	present = !d->unplugged;
	pthread_mutex_unlock(&d->bus->lock);
	return present;
}

static int vbus_open(struct devdrv_handle *h)
{
	struct devdrv_vdev *d = h->dev->tdev;
	int rc = 0;

	pthread_mutex_lock(&d->bus->lock);
	if (d->unplugged)
		rc = devdrv_handle_fail(h, DEVDRV_E_DISCONNECTED, "open %s: device was unplugged",
		                        d->port);
	else
		h->tpriv = d;
	pthread_mutex_unlock(&d->bus->lock);
	return rc;
}

/* Does @h still have a transfer queued, or finished with its callback not run? */
static int has_transfers_locked(struct vbus *bus, struct devdrv_vdev *d, struct devdrv_handle *h)
{
	for (struct vq_node *n = d->queue; n; n = n->next)
		if (n->t->handle == h)
			return 1;
	for (struct vq_node *n = bus->done; n; n = n->next)
		if (n->t->handle == h)
			return 1;
	return 0;
}

/* A transfer left queued would take the next handle's data and complete
 * with a freed handle: cancel them and run their callbacks now, as closing
 * a usbfs file descriptor discards its URBs. A callback that resubmits on a
 * closing handle gets a few rounds, then its transfers are cancelled and
 * dropped with a warning. */
static void vbus_close(struct devdrv_handle *h)
{
	struct devdrv_vdev *d = h->dev->tdev;
	struct vbus *bus = d->bus;

	pthread_mutex_lock(&bus->lock);
	for (int round = 0; round < 8 && has_transfers_locked(bus, d, h); round++) {
		for (struct vq_node **link = &d->queue; *link;) {
			if ((*link)->t->handle == h)
				vbus_complete_locked(bus, link, DEVDRV_E_CANCELLED);
			else
				link = &(*link)->next;
		}
		dispatch_locked(bus);
	}
	if (has_transfers_locked(bus, d, h))
		dd_warn(bus->ctx, "virtual %s: a callback kept resubmitting on a closed handle", d->port);
	pthread_mutex_unlock(&bus->lock);
	h->tpriv = NULL;
}

static int vbus_claim(struct devdrv_handle *h, int iface)
{
	struct devdrv_vdev *d = h->dev->tdev;
	int rc = 0;

	pthread_mutex_lock(&d->bus->lock);
	if (d->unplugged)
		rc = devdrv_handle_fail(h, DEVDRV_E_DISCONNECTED, "claim interface %d: unplugged", iface);
	else if (!devdrv_find_interface(devdrv_active_config(&h->dev->info), iface))
		rc = devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "claim interface %d: no such interface",
		                        iface);
	else if (d->owner[iface] && d->owner[iface] != h)
		rc = devdrv_handle_fail(h, DEVDRV_E_BUSY,
		                        "claim interface %d: busy: another handle has claimed it", iface);
	else
		d->owner[iface] = h;
	pthread_mutex_unlock(&d->bus->lock);
	return rc;
}

static int vbus_release(struct devdrv_handle *h, int iface)
{
	struct devdrv_vdev *d = h->dev->tdev;

	pthread_mutex_lock(&d->bus->lock);
	if (d->owner[iface] == h)
		d->owner[iface] = NULL;
	pthread_mutex_unlock(&d->bus->lock);
	return 0;
}

/* A standard request the core makes through the transport, as usbfs makes
 * SET_INTERFACE and CLEAR_FEATURE for libusb: answered here, under the lock,
 * and logged like any control transfer the device received. */
static int standard_direct(struct devdrv_handle *h, uint8_t type, uint8_t request, uint16_t value,
                           uint16_t index)
{
	struct devdrv_vdev *d = h->dev->tdev;
	struct devdrv_transfer t = { .handle = h, .setup = { type, request, value, index } };
	int rc;

	pthread_mutex_lock(&d->bus->lock);
	rc = d->unplugged ? DEVDRV_E_DISCONNECTED : vbus_standard_request(d, &t);
	if (!d->unplugged)
		vbus_log_control(d, &t, rc);
	pthread_mutex_unlock(&d->bus->lock);
	if (rc == DEVDRV_E_DISCONNECTED)
		return devdrv_handle_fail(h, rc, "device %s was unplugged", h->dev->port_path);
	if (rc < 0)
		return devdrv_handle_fail(h, rc, "standard request %02x/%02x value 0x%04x index 0x%04x: refused (STALL)",
		                          type, request, value, index);
	return 0;
}

static int vbus_set_alt(struct devdrv_handle *h, int iface, int alt)
{
	return standard_direct(h, 0x01, 0x0b, (uint16_t)alt, (uint16_t)iface);
}

static int vbus_clear_halt(struct devdrv_handle *h, uint8_t ep)
{
	return standard_direct(h, 0x02, 0x01, 0, ep);
}

static int vbus_reset(struct devdrv_handle *h)
{
	(void)h;
	return 0;
}

static void vbus_exit(void *state);

static int vbus_init(struct devdrv_context *ctx, void **state)
{
	struct vbus *bus = calloc(1, sizeof(*bus));
	pthread_condattr_t attr;

	if (!bus)
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "virtual: out of memory");
	pthread_mutex_init(&bus->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* deadlines ignore clock jumps */
	pthread_cond_init(&bus->cond, &attr);
	pthread_condattr_destroy(&attr);
	bus->ctx = ctx;
	bus->done_tail = &bus->done;
	*state = bus;
	if (vbus_plug_locked(ctx, bus, vbus_builtin_model("loopback"), NULL, "1-1") < 0 ||
	    vbus_plug_locked(ctx, bus, vbus_builtin_model("button"), NULL, "1-2") < 0) {
		vbus_exit(bus);
		*state = NULL;
		return DEVDRV_E_NOMEM;
	}
	return 0;
}

static void vbus_exit(void *state)
{
	struct vbus *bus = state;

	pthread_mutex_lock(&bus->lock);
	while (bus->devices)
		vbus_unplug_locked(bus, bus->devices);
	dispatch_locked(bus); /* nothing should be left: every handle is closed */
	pthread_mutex_unlock(&bus->lock);
	pthread_cond_destroy(&bus->cond);
	pthread_mutex_destroy(&bus->lock);
	free(bus);
}

_Static_assert(sizeof(struct vq_node) <= DD_TPRIV_MAX, "a queue entry fits a transfer's framework state");

const struct dd_transport_ops vbus_transport = {
	.name = "virtual",
	.transfer_priv_size = sizeof(struct vq_node),
	.id = DEVDRV_TRANSPORT_VIRTUAL,
	.init = vbus_init,
	.exit = vbus_exit,
	.enumerate = vbus_enumerate,
	.device_release = vbus_device_release,
	.open = vbus_open,
	.close = vbus_close,
	.claim = vbus_claim,
	.release = vbus_release,
	.set_alt = vbus_set_alt,
	.clear_halt = vbus_clear_halt,
	.reset = vbus_reset,
	.submit = vbus_submit,
	.cancel = vbus_cancel,
	.wait = vbus_wait,
	.handle_events = vbus_handle_events,
	.poll_info = vbus_poll_info,
	.present = vbus_present,
};
DD_TRANSPORT_REGISTER(vbus_transport);
