/* replay.c — the replay transport: recorded sessions (format.h) served back
 * as devices, so that a program or a driver runs without the hardware.
 *
 * Each endpoint replays its own recorded transfers in order (control
 * transfers in theirs): transfers on different endpoints interleave
 * differently from run to run, those on one endpoint never do. A submitted
 * transfer must match the next recorded one of its endpoint (kind,
 * endpoint, setup packet, length, OUT data); the first that does not fails
 * its submit with DEVDRV_E_PROTOCOL naming the recording's line. A recorded
 * timeout takes its time again; a transfer still pending when the session
 * ended (cancelled), or an IN transfer past the end of its pipe's
 * recording, stays pending until it is cancelled or times out.
 *
 * Completion follows the same contract as the other transports: submit
 * never completes inline; callbacks run from event handling. */
#include "../internal.h"
#include "format.h"
#include "../cq.h"
#include "../deadline.h"

#include <devdrv/replay.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PIPE_KEYS 32 /* control, then OUT 1-15, then IN 1-15 */

struct rnode {
	struct devdrv_transfer *t;
	struct timespec deadline;
	int has_deadline;
	int status_then; /* what it completes with at the deadline */
	/* An answer held back (wait=): which record, to give it to the next
	 * transfer instead if this one is cancelled or times out first. */
	struct rdev *late_dev;
	size_t late_record;
	struct rnode *next;
};

struct rdev {
	struct dd_recording *rec;
	struct replay *rp;
	size_t cursor[PIPE_KEYS]; /* next record to look at, per pipe */
	int gone;                 /* a recorded disconnect was served */
	int refs;                 /* the transport's, and one per device record handed out */
	struct rdev *next;
};

struct replay {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct devdrv_context *ctx;
	struct rdev *devs;
	struct rnode *held;                /* pending until cancelled or timed out */
	struct dd_cq cq;                   /* finished, callback not yet run */
};

static const struct dd_transport_ops replay_transport;

static struct rnode *node_of(struct devdrv_transfer *t)
{
	return (struct rnode *)(void *)dd_xfer(t)->tpriv;
}

static unsigned pipe_key(enum devdrv_transfer_type type, uint8_t ep)
{
	if (type == DEVDRV_TRANSFER_CONTROL)
		return 0;
	return (ep & 0x0f) + ((ep & 0x80) ? 16 : 0);
}

static void rdev_unref_locked(struct rdev *d)
{
	if (--d->refs > 0)
		return;
	dd_rf_free(d->rec);
	free(d);
}

/* ---- completion ---------------------------------------------------------------- */

static void finish_locked(struct replay *rp, struct rnode *n, int status)
{
	dd_cq_finish_locked(&rp->cq, n->t, status);
}

/* A held-back answer that did not reach its transfer (cancelled, or timed
 * out first) goes to the pipe's next transfer, as a device keeps what it
 * has not sent yet. */
static void give_back_locked(struct rnode *n)
{
	struct rdev *d = n->late_dev;
	const struct dd_rf_transfer *rec;
	unsigned key;

	if (!d)
		return;
	rec = &d->rec->transfers[n->late_record];
	key = pipe_key(rec->type, rec->endpoint);
	if (d->cursor[key] > n->late_record)
		d->cursor[key] = n->late_record;
	n->t->actual_length = 0;
	n->late_dev = NULL;
}

/* Time out held transfers that are due; *next gets the earliest other. */
static int expire_locked(struct replay *rp, struct timespec *next)
{
	struct timespec now;
	int pending = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (struct rnode **link = &rp->held; *link;) {
		struct rnode *n = *link;

		if (n->has_deadline && !dd_ts_before(&now, &n->deadline)) {
			*link = n->next;
			if (n->status_then == DEVDRV_E_TIMEOUT)
				give_back_locked(n);
			finish_locked(rp, n, n->status_then);
			continue;
		}
		if (n->has_deadline && (!pending || dd_ts_before(&n->deadline, next))) {
			*next = n->deadline;
			pending = 1;
		}
		link = &n->next;
	}
	return pending;
}

static void sleep_locked(struct replay *rp, int timed, const struct timespec *until)
{
	if (timed)
		pthread_cond_timedwait(&rp->cond, &rp->lock, until);
	else
		pthread_cond_wait(&rp->cond, &rp->lock);
}

/* ---- matching a transfer against the recording ---------------------------------------- */

static const char *kind_name(enum devdrv_transfer_type type)
{
	return dd_transfer_kind(type);
}

/* The next recorded transfer of @t's pipe, or NULL when there is none. */
static struct dd_rf_transfer *next_record(struct rdev *d, const struct devdrv_transfer *t)
{
	unsigned key = pipe_key(t->type, t->endpoint);
	struct dd_recording *r = d->rec;

	for (size_t i = d->cursor[key]; i < r->num_transfers; i++)
		if (pipe_key(r->transfers[i].type, r->transfers[i].endpoint) == key) {
			d->cursor[key] = i + 1;
			return &r->transfers[i];
		}
	d->cursor[key] = r->num_transfers;
	return NULL;
}

/* Why @t is not @rec, or NULL when it is. */
static const char *difference(const struct devdrv_transfer *t, const struct dd_rf_transfer *rec)
{
	int in = t->type == DEVDRV_TRANSFER_CONTROL ? (t->setup.request_type & 0x80) : (t->endpoint & 0x80);

	if (t->type != rec->type)
		return "another kind of transfer";
	if (t->type == DEVDRV_TRANSFER_CONTROL &&
	    (t->setup.request_type != rec->request_type || t->setup.request != rec->request ||
	     t->setup.value != rec->value || t->setup.index != rec->index))
		return "another setup packet";
	if (t->type != DEVDRV_TRANSFER_CONTROL && t->endpoint != rec->endpoint)
		return "another endpoint";
	if (t->length != rec->length)
		return "another length";
	if (!in && t->length && memcmp(t->buffer, rec->out, t->length))
		return "other OUT data";
	return NULL;
}

static void describe_transfer(char *buf, size_t len, enum devdrv_transfer_type type, uint8_t ep, uint8_t rt,
                              uint8_t req, uint16_t value, uint16_t index, size_t length)
{
	if (type == DEVDRV_TRANSFER_CONTROL)
		snprintf(buf, len, "control %02x/%02x value 0x%04x index 0x%04x length %zu", rt, req, value, index, length);
	else
		snprintf(buf, len, "%s %s 0x%02x length %zu", kind_name(type), (ep & 0x80) ? "IN" : "OUT", ep, length);
}

static int diverged(struct rdev *d, struct devdrv_transfer *t, const struct dd_rf_transfer *rec, const char *why)
{
	char got[96], want[96];

	describe_transfer(got, sizeof(got), t->type, t->endpoint, t->setup.request_type, t->setup.request,
	                  t->setup.value, t->setup.index, t->length);
	if (!rec)
		return devdrv_handle_fail(t->handle, DEVDRV_E_PROTOCOL,
		                          "replay: %s has no more transfers like %s (the program asked for more than was recorded)",
		                          d->rec->path, got);
	describe_transfer(want, sizeof(want), rec->type, rec->endpoint, rec->request_type, rec->request, rec->value,
	                  rec->index, rec->length);
	if (!strcmp(why, "other OUT data")) {
		size_t i = 0;

		while (i < t->length && t->buffer[i] == rec->out[i])
			i++;
		return devdrv_handle_fail(t->handle, DEVDRV_E_PROTOCOL,
		                          "replay: %s:%u: other OUT data in %s: byte %zu is 0x%02x, recorded 0x%02x",
		                          d->rec->path, rec->line, got, i, t->buffer[i], rec->out[i]);
	}
	return devdrv_handle_fail(t->handle, DEVDRV_E_PROTOCOL, "replay: %s:%u: %s: recorded %s, got %s", d->rec->path,
	                          rec->line, why, want, got);
}

/* Answer @t from @rec: its status, actual length and IN data. */
static void answer(struct devdrv_transfer *t, const struct dd_rf_transfer *rec)
{
	int in = t->type == DEVDRV_TRANSFER_CONTROL ? (t->setup.request_type & 0x80) : (t->endpoint & 0x80);

	t->actual_length = rec->actual <= t->length ? rec->actual : t->length;
	if (in && t->actual_length)
		memcpy(t->buffer, rec->in, t->actual_length);
}

/* ---- transport ops ---------------------------------------------------------------------- */

/* Keep @n pending until it is cancelled or, after @ms (0: never), completes
 * with @status_then. */
static void hold_locked(struct replay *rp, struct rnode *n, unsigned ms, int status_then)
{
	n->has_deadline = ms != 0;
	n->status_then = status_then;
	if (n->has_deadline)
		n->deadline = dd_deadline_in(ms);
	struct rnode **tail = &rp->held;

	while (*tail) /* in submission order: one pipe's transfers complete in theirs */
		tail = &(*tail)->next;
	n->next = NULL;
	*tail = n;
	pthread_cond_broadcast(&rp->cond);
	if (n->has_deadline && n->t->callback) /* an event loop times it out */
		dd_ctx_wake(rp->ctx);
}

/* A later transfer of the same pipe is not answered before an earlier one. */
static void keep_pipe_order_locked(struct replay *rp, struct rnode *n)
{
	for (struct rnode *o = rp->held; o && o != n; o = o->next)
		if (o->late_dev && o->t->handle == n->t->handle && o->t->endpoint == n->t->endpoint &&
		    o->has_deadline && dd_ts_before(&n->deadline, &o->deadline))
			n->deadline = o->deadline;
}

/* An IN transfer the device took rec->wait_ms to answer is answered as
 * late again (a keyboard's keys one by one, not all at once), unless its
 * own timeout comes first. */
static void answer_late_locked(struct replay *rp, struct rdev *d, struct rnode *n, const struct dd_rf_transfer *rec)
{
	struct devdrv_transfer *t = n->t;

	n->late_dev = d;
	n->late_record = (size_t)(rec - d->rec->transfers);
	if (t->timeout_ms && t->timeout_ms < rec->wait_ms)
		return hold_locked(rp, n, t->timeout_ms, DEVDRV_E_TIMEOUT);
	answer(t, rec);
	hold_locked(rp, n, rec->wait_ms, rec->status);
	keep_pipe_order_locked(rp, n);
}

static int is_in_pipe(const struct devdrv_transfer *t)
{
	return t->type != DEVDRV_TRANSFER_CONTROL && (t->endpoint & 0x80);
}

/* What happened to @t when it was recorded, again: the same data and end.
 * A timeout takes its time again, and an IN pipe past the end of the
 * recording is silent, as a device with nothing more to say; anything else
 * the recording does not have is a divergence. */
static int replay_submit(struct devdrv_transfer *t)
{
	struct rdev *d = t->handle->tpriv;
	struct replay *rp = d->rp;
	struct rnode *n = node_of(t);
	struct dd_rf_transfer *rec;
	const char *why = NULL;

	pthread_mutex_lock(&rp->lock);
	if (d->gone) {
		pthread_mutex_unlock(&rp->lock);
		return DEVDRV_E_DISCONNECTED;
	}
	rec = next_record(d, t);
	if ((rec && (why = difference(t, rec))) || (!rec && !is_in_pipe(t))) {
		pthread_mutex_unlock(&rp->lock);
		return diverged(d, t, rec, why);
	}
	*n = (struct rnode){ .t = t };
	if (!rec || rec->status == DEVDRV_E_CANCELLED || rec->status == DEVDRV_E_TIMEOUT) {
		if (rec)
			answer(t, rec); /* what moved before the timeout */
		hold_locked(rp, n, t->timeout_ms, DEVDRV_E_TIMEOUT);
	} else if (rec->wait_ms && rec->status != DEVDRV_E_DISCONNECTED) {
		answer_late_locked(rp, d, n, rec);
	} else {
		answer(t, rec);
		d->gone = rec->status == DEVDRV_E_DISCONNECTED;
		finish_locked(rp, n, rec->status);
	}
	pthread_mutex_unlock(&rp->lock);
	return 0;
}

static int replay_cancel(struct devdrv_transfer *t)
{
	struct replay *rp = ((struct rdev *)t->handle->tpriv)->rp;

	pthread_mutex_lock(&rp->lock);
	for (struct rnode **link = &rp->held; *link; link = &(*link)->next)
		if ((*link)->t == t) {
			struct rnode *n = *link;

			*link = n->next;
			give_back_locked(n);
			finish_locked(rp, n, DEVDRV_E_CANCELLED);
			break;
		}
	pthread_mutex_unlock(&rp->lock);
	return 0;
}

static int replay_wait(struct devdrv_transfer *t)
{
	struct replay *rp = ((struct rdev *)t->handle->tpriv)->rp;
	int has_callback = t->callback != NULL;

	pthread_mutex_lock(&rp->lock);
	for (;;) {
		struct timespec next;
		int timed;

		dd_cq_dispatch_locked(&rp->cq);
		timed = expire_locked(rp, &next);
		if (dd_cq_wait_over_locked(&rp->cq, t, has_callback))
			break;
		if (!dd_cq_pending_locked(&rp->cq))
			sleep_locked(rp, timed, &next);
	}
	pthread_mutex_unlock(&rp->lock);
	return 0;
}

/* No descriptor: completions signal the context's wake-up; the timeout is
 * the next held transfer's. */
static int replay_poll_info(void *state, struct pollfd *fds, size_t max, int *timeout_ms)
{
	struct replay *rp = state;
	struct timespec next;

	(void)fds;
	(void)max;
	pthread_mutex_lock(&rp->lock);
	if (expire_locked(rp, &next))
		dd_timeout_until(&next, timeout_ms);
	if (dd_cq_pending_locked(&rp->cq))
		*timeout_ms = 0;
	pthread_mutex_unlock(&rp->lock);
	return 0;
}

static int replay_handle_events(void *state, unsigned timeout_ms)
{
	struct replay *rp = state;
	struct timespec until, next, now;

	until = dd_deadline_in(timeout_ms);
	pthread_mutex_lock(&rp->lock);
	for (;;) {
		int timed = expire_locked(rp, &next);

		if (dd_cq_pending_locked(&rp->cq)) {
			dd_cq_dispatch_locked(&rp->cq);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!dd_ts_before(&now, &until))
			break;
		sleep_locked(rp, 1, timed && dd_ts_before(&next, &until) ? &next : &until);
	}
	pthread_mutex_unlock(&rp->lock);
	return 0;
}

static int replay_open(struct devdrv_handle *h)
{
	struct rdev *d = h->dev->tdev;

	pthread_mutex_lock(&d->rp->lock);
	memset(d->cursor, 0, sizeof(d->cursor)); /* a session replays from its start */
	d->gone = 0;
	pthread_mutex_unlock(&d->rp->lock);
	h->tpriv = d;
	return 0;
}

/* Closing discards what is held, as closing a usbfs file descriptor does. */
static void replay_close(struct devdrv_handle *h)
{
	struct rdev *d = h->tpriv;
	struct replay *rp = d->rp;

	pthread_mutex_lock(&rp->lock);
	for (struct rnode **link = &rp->held; *link;) {
		struct rnode *n = *link;

		if (n->t->handle == h) {
			*link = n->next;
			finish_locked(rp, n, DEVDRV_E_CANCELLED);
		} else {
			link = &n->next;
		}
	}
	dd_cq_dispatch_locked(&rp->cq);
	pthread_mutex_unlock(&rp->lock);
	h->tpriv = NULL;
}

static int replay_claim(struct devdrv_handle *h, int iface)
{
	if (!devdrv_find_interface(devdrv_active_config(&h->dev->info), iface))
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "claim interface %d: no such interface", iface);
	return 0;
}

static int replay_release(struct devdrv_handle *h, int iface)
{
	(void)h, (void)iface;
	return 0;
}

/* The kernel's part of these (SET_INTERFACE, CLEAR_FEATURE, a port reset)
 * is not in the recording: the transport agrees. */
static int replay_set_alt(struct devdrv_handle *h, int iface, int alt)
{
	(void)h, (void)iface, (void)alt;
	return 0;
}

static int replay_clear_halt(struct devdrv_handle *h, uint8_t ep)
{
	(void)h, (void)ep;
	return 0;
}

static int replay_reset(struct devdrv_handle *h)
{
	(void)h;
	return 0;
}

static int replay_present(struct devdrv_handle *h)
{
	struct rdev *d = h->dev->tdev;
	int present;

	pthread_mutex_lock(&d->rp->lock);
	present = !d->gone;
	pthread_mutex_unlock(&d->rp->lock);
	return present;
}

/* ---- devices ----------------------------------------------------------------------------- */

static int fill_record(struct dd_device *dev, const struct dd_recording *r)
{
	const struct dd_rf_device *d = &r->dev;
	struct devdrv_device_info *info = &dev->info;
	int rc = 0;

	snprintf(dev->port_path, sizeof(dev->port_path), "%s", d->port);
	info->transport = "replay";
	info->port_path = dev->port_path;
	info->bus = d->bus, info->address = d->address;
	info->vid = d->vid, info->pid = d->pid, info->bcd_device = d->bcd_device, info->bcd_usb = d->bcd_usb;
	info->cls = d->cls, info->subclass = d->subclass, info->protocol = d->protocol;
	info->max_packet0 = d->max_packet0;
	info->speed = d->speed;
	info->active_config = d->active_config;
	if ((d->manufacturer && (rc = dd_device_set_string(&info->manufacturer, d->manufacturer)) < 0) ||
	    (d->product && (rc = dd_device_set_string(&info->product, d->product)) < 0) ||
	    (d->serial && (rc = dd_device_set_string(&info->serial, d->serial)) < 0))
		return rc;
	for (unsigned i = 0; i < d->num_configs && rc == 0; i++)
		rc = dd_device_add_config(dev, d->configs[i], d->config_len[i]);
	return rc;
}

static int replay_enumerate(struct devdrv_context *ctx, void *state, struct dd_device_vec *out)
{
	struct replay *rp = state;
	int rc = 0;

	pthread_mutex_lock(&rp->lock);
	for (struct rdev *d = rp->devs; d && rc == 0; d = d->next) {
		struct dd_device *dev = dd_device_new(&replay_transport, rp, d);

		if (!dev) {
			rc = dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "replay: out of memory");
			break;
		}
		d->refs++;
		if ((rc = fill_record(dev, d->rec)) < 0 || (rc = dd_device_vec_push(out, dev)) < 0) {
			dd_device_free(dev);
			rc = dd_ctx_fail(ctx, rc, "replay %s: the recorded device does not describe itself: %s",
			                 d->rec->path, devdrv_strerror(rc));
		}
	}
	pthread_mutex_unlock(&rp->lock);
	return rc;
}

static void replay_device_release(void *tdev)
{
	struct rdev *d = tdev;
	struct replay *rp = d->rp;

	pthread_mutex_lock(&rp->lock);
	rdev_unref_locked(d);
	pthread_mutex_unlock(&rp->lock);
}

static int add_recording(struct devdrv_context *ctx, struct replay *rp, const char *path)
{
	struct dd_recording *rec;
	char err[DD_ERRMSG_LEN];
	struct rdev *d;
	int rc = dd_rf_load(path, &rec, err, sizeof(err));

	if (rc < 0)
		return dd_ctx_fail(ctx, rc, "replay: %s", err);
	pthread_mutex_lock(&rp->lock);
	for (d = rp->devs; d; d = d->next)
		if (!strcmp(d->rec->dev.port, rec->dev.port))
			break;
	pthread_mutex_unlock(&rp->lock);
	if (d) {
		rc = dd_ctx_fail(ctx, DEVDRV_E_INVALID, "replay: %s and %s were both recorded at port %s", d->rec->path,
		                 path, rec->dev.port);
		dd_rf_free(rec);
		return rc;
	}
	if (!(d = calloc(1, sizeof(*d)))) {
		dd_rf_free(rec);
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "replay: out of memory");
	}
	d->rec = rec;
	d->rp = rp;
	d->refs = 1;
	pthread_mutex_lock(&rp->lock);
	d->next = rp->devs;
	rp->devs = d;
	pthread_mutex_unlock(&rp->lock);
	dd_info(ctx, "replay: %s at port %s, %zu transfers", path, rec->dev.port, rec->num_transfers);
	return 0;
}

int devdrv_replay_add(struct devdrv_context *ctx, const char *path)
{
	struct replay *rp = dd_ctx_transport_state(ctx, &replay_transport);

	if (!rp)
		return dd_ctx_fail(ctx, DEVDRV_E_UNSUPPORTED, "replay: the context has no replay transport");
	if (!path)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "replay: no file");
	return add_recording(ctx, rp, path);
}

static void replay_exit(void *state);

/* $DEVDRV_REPLAY: recordings to serve from the start, separated by ':'. */
static int add_from_environment(struct devdrv_context *ctx, struct replay *rp)
{
	const char *env = getenv("DEVDRV_REPLAY");
	char *list, *save = NULL;
	int rc = 0;

	if (!env || !*env)
		return 0;
	if (!(list = strdup(env)))
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "replay: out of memory");
	for (char *p = strtok_r(list, ":", &save); p && rc == 0; p = strtok_r(NULL, ":", &save))
		rc = add_recording(ctx, rp, p);
	free(list);
	return rc;
}

static int replay_init(struct devdrv_context *ctx, void **state)
{
	struct replay *rp = calloc(1, sizeof(*rp));
	pthread_condattr_t attr;
	int rc;

	if (!rp)
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "replay: out of memory");
	pthread_mutex_init(&rp->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&rp->cond, &attr);
	pthread_condattr_destroy(&attr);
	rp->ctx = ctx;
	dd_cq_init(&rp->cq, ctx, &rp->lock, &rp->cond);
	if ((rc = add_from_environment(ctx, rp)) < 0) {
		replay_exit(rp);
		return rc;
	}
	*state = rp;
	return 0;
}

static void replay_exit(void *state)
{
	struct replay *rp = state;

	pthread_mutex_lock(&rp->lock);
	dd_cq_dispatch_locked(&rp->cq);
	while (rp->devs) {
		struct rdev *d = rp->devs;

		rp->devs = d->next;
		rdev_unref_locked(d);
	}
	pthread_mutex_unlock(&rp->lock);
	pthread_cond_destroy(&rp->cond);
	pthread_mutex_destroy(&rp->lock);
	free(rp);
}

_Static_assert(sizeof(struct rnode) <= DD_TPRIV_MAX, "a replay entry fits a transfer's framework state");

static const struct dd_transport_ops replay_transport = {
	.name = "replay",
	.id = DEVDRV_TRANSPORT_REPLAY,
	.transfer_priv_size = sizeof(struct rnode),
	.init = replay_init,
	.exit = replay_exit,
	.enumerate = replay_enumerate,
	.device_release = replay_device_release,
	.open = replay_open,
	.close = replay_close,
	.claim = replay_claim,
	.release = replay_release,
	.set_alt = replay_set_alt,
	.clear_halt = replay_clear_halt,
	.reset = replay_reset,
	.submit = replay_submit,
	.cancel = replay_cancel,
	.wait = replay_wait,
	.handle_events = replay_handle_events,
	.poll_info = replay_poll_info,
	.present = replay_present,
};
DD_TRANSPORT_REGISTER(replay_transport);
