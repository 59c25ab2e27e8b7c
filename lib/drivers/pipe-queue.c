/* pipe-queue.c — transfers kept in flight on a bulk pipe (pipe-queue.h).
 *
 * Both queues share one core: N transfers, their buffers, a lock and a
 * condition that completions signal. Reading, each posted buffer takes a
 * number in the pipe's order, and the reader takes the lowest number that
 * is ready. (Completions run on two threads at once, the event thread and
 * one waiting synchronously, may still swap two buffers: the reader does
 * not wait for a lower number in flight.) */
#include "pipe-queue.h"
#include "../deadline.h"
#include "../internal.h"

#include <devdrv/events.h>

#include <stdlib.h>
#include <time.h>

/* Reading: buffers beyond the transfers, for data the reader has not
 * taken yet; a transfer is posted again at once with a spare one. */
#define INQ_SPARES_PER_TRANSFER 3
#define INQ_MAX_BUFFERS (DD_PIPE_QUEUE_MAX * (1 + INQ_SPARES_PER_TRANSFER))

struct queue {
	struct devdrv_handle *h;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a transfer completed */
	unsigned n;
	size_t size;
	uint8_t *memory; /* the buffers, each @size bytes */
	struct devdrv_transfer *t[DD_PIPE_QUEUE_MAX];
	int in_flight_of[DD_PIPE_QUEUE_MAX];
	unsigned in_flight;
	int stopping; /* freeing: nothing is submitted again */
	int error;    /* a submission failed: that transfer is lost */
	/* what a completion does, the lock held */
	void (*on_complete)(struct queue *q, unsigned i);
};

/* Reading. A buffer is posted (a transfer fills it), ready (filled, the
 * reader has not taken it), taken (the reader holds it) or free. */
struct in_buffer {
	enum { BUF_FREE, BUF_POSTED, BUF_READY, BUF_TAKEN } state;
	uint64_t seq; /* the order of its data in the pipe */
	size_t len;
	int status;
};

struct dd_inq {
	struct queue q;
	unsigned num_buffers;
	struct in_buffer buf[INQ_MAX_BUFFERS];
	unsigned buffer_of[DD_PIPE_QUEUE_MAX]; /* the buffer each transfer fills */
	uint64_t next_seq;
	int taken; /* the buffer the reader holds, or -1 */
	unsigned ready; /* buffers in state BUF_READY: asked once a frame (dd_inq_ready) */
	int gone;  /* a transfer found the device unplugged: nothing is posted again */
	uint64_t dropped;
};

struct dd_outq {
	struct queue q;
	int filling; /* the transfer dd_outq_buffer() gave, or -1 */
	int held;    /* filled, waiting for the pipe to have room (dd_outq_hold), or -1 */
	size_t held_len;
	unsigned hold_below; /* the held transfer goes when fewer are in flight */
	uint64_t failed;
	int gone; /* a write found the device unplugged */
};

static void completed(struct devdrv_transfer *t)
{
	struct queue *q = t->user_data;
	unsigned i = 0;

	pthread_mutex_lock(&q->lock);
	while (q->t[i] != t)
		i++;
	q->in_flight_of[i] = 0;
	q->in_flight--;
	q->on_complete(q, i);
	pthread_cond_broadcast(&q->changed);
	pthread_mutex_unlock(&q->lock); /* the last touch: the freer waits for in_flight 0 */
}

/* @n transfers on @ep, and @buffers buffers of @size bytes. */
static int queue_init(struct queue *q, struct devdrv_handle *h, uint8_t ep, unsigned n, unsigned buffers, size_t size)
{
	pthread_condattr_t attr;

	q->h = h;
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->changed, &attr);
	pthread_condattr_destroy(&attr);
	if (n == 0 || n > DD_PIPE_QUEUE_MAX || size == 0)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "pipe queue: %u transfers of %zu bytes", n, size);
	q->n = n;
	q->size = size;
	if (!(q->memory = malloc((size_t)buffers * size)))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "pipe queue: out of memory for %u x %zu bytes", buffers, size);
	for (unsigned i = 0; i < n; i++) {
		if (!(q->t[i] = devdrv_transfer_alloc()))
			return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "pipe queue: out of memory");
		*q->t[i] = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_BULK, .endpoint = ep,
			                             .length = size, .callback = completed, .user_data = q };
	}
	return 0;
}

/* Submit transfer @i; on failure it stays idle and the error is kept. */
static int submit_locked(struct queue *q, unsigned i)
{
	int rc = q->stopping ? DEVDRV_E_CANCELLED : devdrv_transfer_submit(q->t[i]);

	if (rc < 0) {
		if (!q->stopping)
			q->error = rc;
		return rc;
	}
	q->in_flight_of[i] = 1;
	q->in_flight++;
	return 0;
}

/* Wait, the lock held, until ready(q, arg) or @timeout_ms pass (0: no
 * limit, as devdrv_read() means it): 1 ready, 0 not. Completions signal
 * the condition; without the event thread the wait runs them itself. */
static int wait_locked(struct queue *q, int (*ready)(struct queue *q, void *arg), void *arg, unsigned timeout_ms)
{
	struct timespec deadline = dd_deadline_in(timeout_ms);

	while (!ready(q, arg))
		if (devdrv_handle_wait(q->h, &q->changed, &q->lock, timeout_ms ? &deadline : NULL) == DEVDRV_E_TIMEOUT)
			return 0;
	return 1;
}

static int none_in_flight(struct queue *q, void *arg)
{
	(void)arg;
	return q->in_flight == 0;
}

/* Cancel what is in flight and wait for every completion; then free the
 * transfers and buffers (the caller frees the rest). */
static void queue_stop(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->stopping = 1;
	for (unsigned i = 0; i < q->n; i++)
		if (q->in_flight_of[i])
			devdrv_transfer_cancel(q->t[i]);
	while (!wait_locked(q, none_in_flight, NULL, 1000))
		devdrv_warn(q->h, "pipe queue: %u transfers still cancelling", q->in_flight);
	pthread_mutex_unlock(&q->lock);
	for (unsigned i = 0; i < q->n; i++) {
		/* a filter that completed it may still be finishing its delivery */
		if (q->t[i])
			dd_deferred_wait(devdrv_handle_context(q->h), dd_xfer(q->t[i]));
		devdrv_transfer_free(q->t[i]);
	}
	free(q->memory);
	pthread_cond_destroy(&q->changed);
	pthread_mutex_destroy(&q->lock);
}

/* ---- reading -------------------------------------------------------------- */

static int free_buffer_locked(struct dd_inq *r)
{
	for (unsigned b = 0; b < r->num_buffers; b++)
		if (r->buf[b].state == BUF_FREE)
			return (int)b;
	return -1;
}

/* Post transfer @i to fill buffer @b, as the pipe's next. */
static int post_locked(struct dd_inq *r, unsigned i, unsigned b)
{
	r->buffer_of[i] = b;
	r->q.t[i]->buffer = r->q.memory + (size_t)b * r->q.size;
	r->buf[b] = (struct in_buffer){ .state = BUF_POSTED, .seq = r->next_seq++ };
	if (submit_locked(&r->q, i) < 0) {
		r->buf[b].state = BUF_FREE;
		return -1;
	}
	return 0;
}

/* Transfer @i completed: its buffer becomes ready for the reader, and the
 * transfer is posted again at once with a free buffer, so that the device
 * always has somewhere to send. With none free (the reader fell behind),
 * this data is dropped and counted instead, and its buffer posted again:
 * a device kept waiting can do worse than drop (Linux's f_ncm then holds
 * its last NTB until more traffic comes). */
static void in_completed(struct queue *q, unsigned i)
{
	struct dd_inq *r = (struct dd_inq *)q;
	struct devdrv_transfer *t = q->t[i];
	unsigned b = r->buffer_of[i];
	int spare;

	if (q->stopping) {
		r->buf[b].state = BUF_FREE;
		return;
	}
	if (t->status == DEVDRV_E_DISCONNECTED)
		r->gone = 1;
	if (t->status == DEVDRV_E_CANCELLED) { /* not ours: idle until the reader posts it again */
		r->buf[b].state = BUF_FREE;
		return;
	}
	if (t->status == 0 && t->actual_length == 0) { /* a zero-length packet: nothing to hand over */
		r->buf[b].state = BUF_FREE;
		post_locked(r, i, b);
		return;
	}
	if ((spare = free_buffer_locked(r)) < 0 && t->status == 0) {
		r->dropped++;
		r->buf[b].state = BUF_FREE;
		post_locked(r, i, b);
		return;
	}
	r->buf[b].state = BUF_READY;
	r->ready++;
	r->buf[b].len = t->actual_length;
	r->buf[b].status = t->status;
	/* after an error the device may be going: the transfer waits, idle,
	 * for the reader to post it again once it knows the device is there
	 * (a submission to a device being unplugged is an error the kernel
	 * logs) */
	if (spare >= 0 && t->status == 0)
		post_locked(r, i, (unsigned)spare);
}

/* A transfer idle while a buffer is free: one to post again. */
static int idle_transfer_locked(struct dd_inq *r)
{
	if (r->gone || r->q.stopping || free_buffer_locked(r) < 0)
		return -1;
	for (unsigned i = 0; i < r->q.n; i++)
		if (!r->q.in_flight_of[i])
			return (int)i;
	return -1;
}

/* Post again, with free buffers, the transfers left idle (an error came,
 * or a submission failed), once the device is known to be there. That is
 * asked with the lock released: asking is a transfer, whose completion may
 * wait for an event thread that is waiting for this lock in a completion
 * of ours. */
static void repost_idle_locked(struct dd_inq *r)
{
	int i, present;

	if (idle_transfer_locked(r) < 0)
		return;
	pthread_mutex_unlock(&r->q.lock);
	present = devdrv_handle_check_present(r->q.h) == 0;
	pthread_mutex_lock(&r->q.lock);
	if (!present) {
		r->gone = 1;
		return;
	}
	while ((i = idle_transfer_locked(r)) >= 0)
		if (post_locked(r, (unsigned)i, (unsigned)free_buffer_locked(r)) < 0)
			break; /* the error is the queue's: the reader reports it */
}

/* The ready buffer first in the pipe's order, or -1. */
static int first_ready_locked(struct dd_inq *r)
{
	int best = -1;

	for (unsigned b = 0; b < r->num_buffers; b++)
		if (r->buf[b].state == BUF_READY && (best < 0 || r->buf[b].seq < r->buf[best].seq))
			best = (int)b;
	return best;
}

static int ready_or_dead(struct queue *q, void *arg)
{
	struct dd_inq *r = arg;

	return r->ready || q->in_flight == 0;
}

int dd_inq_start(struct devdrv_handle *h, uint8_t ep, unsigned n, size_t size, struct dd_inq **out)
{
	struct dd_inq *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "pipe queue: out of memory");
	r->taken = -1;
	r->q.on_complete = in_completed;
	r->num_buffers = n * (1 + INQ_SPARES_PER_TRANSFER);
	if ((rc = queue_init(&r->q, h, ep | 0x80, n, r->num_buffers, size)) < 0) {
		dd_inq_free(r);
		return rc;
	}
	pthread_mutex_lock(&r->q.lock);
	for (unsigned i = 0; i < n && rc == 0; i++)
		rc = post_locked(r, i, i);
	rc = rc < 0 ? r->q.error : 0;
	pthread_mutex_unlock(&r->q.lock);
	if (rc < 0) {
		dd_inq_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* A transfer that ended with @status: the device gone, or an error worth
 * reporting (its transfer is posted again already). */
static ssize_t failed(struct dd_inq *r, int status)
{
	struct devdrv_handle *h = r->q.h;

	if (status != DEVDRV_E_DISCONNECTED && devdrv_handle_check_present(h) < 0)
		status = DEVDRV_E_DISCONNECTED;
	return devdrv_handle_fail(h, status, "reading endpoint 0x%02x: %s", r->q.t[0]->endpoint,
	                          status == DEVDRV_E_DISCONNECTED ? "the device was unplugged" : devdrv_strerror(status));
}

ssize_t dd_inq_next(struct dd_inq *r, unsigned timeout_ms, const uint8_t **data)
{
	struct queue *q = &r->q;
	struct in_buffer *buf;
	int b, status;

	pthread_mutex_lock(&q->lock);
	if (r->taken >= 0) {
		pthread_mutex_unlock(&q->lock);
		return devdrv_handle_fail(q->h, DEVDRV_E_INVALID, "pipe queue: the last transfer was not released");
	}
	repost_idle_locked(r);
	if (!wait_locked(q, ready_or_dead, r, timeout_ms)) {
		pthread_mutex_unlock(&q->lock);
		return DEVDRV_E_TIMEOUT;
	}
	if ((b = first_ready_locked(r)) < 0) { /* nothing could be posted */
		status = r->gone ? DEVDRV_E_DISCONNECTED : q->error ? q->error : DEVDRV_E_IO;
		pthread_mutex_unlock(&q->lock);
		return failed(r, status);
	}
	buf = &r->buf[b];
	r->ready--;
	if ((status = buf->status) < 0) {
		buf->state = BUF_FREE;
		repost_idle_locked(r);
		pthread_mutex_unlock(&q->lock);
		return failed(r, status);
	}
	buf->state = BUF_TAKEN;
	r->taken = b;
	*data = q->memory + (size_t)b * q->size;
	pthread_mutex_unlock(&q->lock);
	return (ssize_t)buf->len;
}

int dd_inq_ready(struct dd_inq *r)
{
	int ready;

	pthread_mutex_lock(&r->q.lock);
	ready = r->ready > 0;
	pthread_mutex_unlock(&r->q.lock);
	return ready;
}

void dd_inq_release(struct dd_inq *r)
{
	pthread_mutex_lock(&r->q.lock);
	if (r->taken >= 0)
		r->buf[r->taken].state = BUF_FREE;
	r->taken = -1;
	repost_idle_locked(r);
	pthread_mutex_unlock(&r->q.lock);
}

/* A counter the completions update, read under the queue's lock. */
static uint64_t counter(struct queue *q, const uint64_t *c)
{
	uint64_t n;

	pthread_mutex_lock(&q->lock);
	n = *c;
	pthread_mutex_unlock(&q->lock);
	return n;
}

uint64_t dd_inq_dropped(struct dd_inq *r)
{
	return counter(&r->q, &r->dropped);
}

void dd_inq_free(struct dd_inq *r)
{
	if (!r)
		return;
	queue_stop(&r->q);
	free(r);
}

/* ---- writing -------------------------------------------------------------- */

/* A transfer neither in flight, nor being filled, nor held, or -1. */
static int idle_locked(struct dd_outq *w)
{
	for (unsigned i = 0; i < w->q.n; i++)
		if (!w->q.in_flight_of[i] && (int)i != w->filling && (int)i != w->held)
			return (int)i;
	return -1;
}

static int send_locked(struct dd_outq *w, unsigned i, size_t len)
{
	w->q.t[i]->length = len;
	return submit_locked(&w->q, i);
}

/* Send what is held. A failure nobody returns (from a completion) counts
 * as a failed write; a caller counts the one it gets. */
static int send_held_locked(struct dd_outq *w, int count_failure)
{
	int i = w->held, rc;

	w->held = -1;
	if (i < 0)
		return 0;
	if ((rc = send_locked(w, (unsigned)i, w->held_len)) < 0 && count_failure && !w->q.stopping)
		w->failed++;
	return rc;
}

/* A write finished: count its failure; a device found gone fails the
 * writes that follow. */
static void out_completed(struct queue *q, unsigned i)
{
	struct dd_outq *w = (struct dd_outq *)q;
	int status = q->t[i]->status;

	if (status == DEVDRV_E_DISCONNECTED)
		w->gone = 1;
	if (status < 0 && !(status == DEVDRV_E_CANCELLED && q->stopping))
		w->failed++;
	if (w->held >= 0 && q->in_flight < w->hold_below && !q->stopping)
		send_held_locked(w, 1);
}

static int idle_or_gone(struct queue *q, void *arg)
{
	struct dd_outq *w = arg;

	(void)q;
	return w->gone || idle_locked(w) >= 0;
}

int dd_outq_start(struct devdrv_handle *h, uint8_t ep, unsigned n, size_t size, struct dd_outq **out)
{
	struct dd_outq *w = calloc(1, sizeof(*w));
	int rc;

	*out = NULL;
	if (!w)
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "pipe queue: out of memory");
	w->filling = -1;
	w->held = -1;
	w->q.on_complete = out_completed;
	if ((rc = queue_init(&w->q, h, ep & 0x7f, n, n, size)) < 0) {
		dd_outq_free(w, 0);
		return rc;
	}
	for (unsigned i = 0; i < n; i++)
		w->q.t[i]->buffer = w->q.memory + (size_t)i * size;
	*out = w;
	return 0;
}

int dd_outq_buffer(struct dd_outq *w, unsigned timeout_ms, uint8_t **buf)
{
	struct queue *q = &w->q;
	int rc = 0;

	pthread_mutex_lock(&q->lock);
	if (!wait_locked(q, idle_or_gone, w, timeout_ms))
		rc = devdrv_handle_fail(q->h, DEVDRV_E_TIMEOUT, "writing endpoint 0x%02x: %u transfers still in flight "
		                        "after %u ms", q->t[0]->endpoint, q->n, timeout_ms);
	else if (w->gone)
		rc = devdrv_handle_fail(q->h, DEVDRV_E_DISCONNECTED, "writing endpoint 0x%02x: the device was unplugged",
		                        q->t[0]->endpoint);
	else {
		w->filling = idle_locked(w);
		*buf = q->t[w->filling]->buffer;
	}
	pthread_mutex_unlock(&q->lock);
	return rc;
}

int dd_outq_send(struct dd_outq *w, size_t len)
{
	struct queue *q = &w->q;
	int rc;

	pthread_mutex_lock(&q->lock);
	if (w->filling < 0 || len > q->size) {
		pthread_mutex_unlock(&q->lock);
		return devdrv_handle_fail(q->h, DEVDRV_E_INVALID, "pipe queue: %zu bytes to send without a buffer of %zu",
		                          len, q->size);
	}
	rc = send_locked(w, (unsigned)w->filling, len);
	w->filling = -1;
	pthread_mutex_unlock(&q->lock);
	return rc;
}

int dd_outq_hold(struct dd_outq *w, size_t len, unsigned busy)
{
	struct queue *q = &w->q;
	int rc = 0;

	pthread_mutex_lock(&q->lock);
	if (w->filling < 0 || len > q->size) {
		pthread_mutex_unlock(&q->lock);
		return devdrv_handle_fail(q->h, DEVDRV_E_INVALID, "pipe queue: %zu bytes to hold without a buffer of %zu",
		                          len, q->size);
	}
	w->held = w->filling;
	w->held_len = len;
	w->hold_below = busy;
	w->filling = -1;
	if (q->in_flight < busy)
		rc = send_held_locked(w, 0);
	pthread_mutex_unlock(&q->lock);
	return rc;
}

int dd_outq_take_held(struct dd_outq *w, uint8_t **buf)
{
	int got = 0;

	pthread_mutex_lock(&w->q.lock);
	if (w->held >= 0 && w->filling < 0) {
		w->filling = w->held;
		w->held = -1;
		*buf = w->q.t[w->filling]->buffer;
		got = 1;
	}
	pthread_mutex_unlock(&w->q.lock);
	return got;
}

void dd_outq_unfill(struct dd_outq *w)
{
	pthread_mutex_lock(&w->q.lock);
	w->filling = -1;
	pthread_mutex_unlock(&w->q.lock);
}

uint64_t dd_outq_failed(struct dd_outq *w)
{
	return counter(&w->q, &w->failed);
}

void dd_outq_free(struct dd_outq *w, unsigned timeout_ms)
{
	if (!w)
		return;
	if (w->q.memory && timeout_ms) {
		pthread_mutex_lock(&w->q.lock);
		send_held_locked(w, 1);
		wait_locked(&w->q, none_in_flight, NULL, timeout_ms);
		pthread_mutex_unlock(&w->q.lock);
	}
	queue_stop(&w->q);
	free(w);
}
