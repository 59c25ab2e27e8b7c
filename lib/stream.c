/* stream.c — the continuous reader and the queued writer (devdrv/stream.h).
 * N transfers stay in flight on the pipe. Reading, N + 1 buffers make it
 * possible to resubmit a finished transfer with a spare buffer before its
 * data goes to the callback; writing, each transfer is refilled by the
 * application's callback and resubmitted as soon as it is done. */
#include "internal.h"
#include "deadline.h"

#include <devdrv/stream.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STREAM_DEFAULT_TRANSFERS 8
#define STREAM_MAX_TRANSFERS 64
#define STREAM_DEFAULT_SIZE (64 * 1024)
#define STREAM_MAX_SIZE (16 * 1024 * 1024)

struct devdrv_stream {
	struct devdrv_handle *h;
	devdrv_stream_cb cb;          /* reading */
	devdrv_stream_fill_cb fill;   /* writing (then cb is NULL) */
	int fill_ended;               /* fill returned 0: nothing more to queue */
	void *user;
	unsigned n;
	size_t size;
	struct devdrv_transfer *t[STREAM_MAX_TRANSFERS];
	uint8_t *memory;              /* n + 1 buffers */
	uint8_t *spares[STREAM_MAX_TRANSFERS + 1];
	unsigned num_spares;
	pthread_mutex_t lock;         /* spares, error, the callback: one at a time, in order */
	pthread_cond_t settled;       /* a completion callback returned (CLOCK_MONOTONIC) */
	int stopping;
	int error;
	unsigned in_flight;
	/* Completion callbacks between their start and their last touch of the
	 * stream: the waiter may free it only when none runs, or a callback on
	 * the event thread would finish on freed memory. */
	unsigned callbacks_running;
	_Atomic uint64_t bytes;
	/* Completions may run on several threads handling events at once (the
	 * event thread and a waiter): each transfer takes a number when it is
	 * submitted, and one that finishes before its predecessor waits for it,
	 * so that data reaches the callback in the pipe's order. */
	uint64_t seq[STREAM_MAX_TRANSFERS];
	int finished[STREAM_MAX_TRANSFERS];
	uint64_t next_seq, next_to_deliver;
};

static uint8_t *take_spare_locked(struct devdrv_stream *s)
{
	return s->num_spares ? s->spares[--s->num_spares] : NULL;
}

static void fail_locked(struct devdrv_stream *s, int code)
{
	if (!s->error)
		s->error = code; /* the first error is the one reported */
	s->stopping = 1;
}

static void cancel_all(struct devdrv_stream *s)
{
	for (unsigned i = 0; i < s->n; i++)
		devdrv_transfer_cancel(s->t[i]);
}

/* Deliver @len bytes unless the stream is ending; the callback may end it. */
static void deliver_locked(struct devdrv_stream *s, const uint8_t *data, size_t len)
{
	if (s->stopping)
		return;
	atomic_fetch_add(&s->bytes, len);
	if (s->cb(s, data, len, s->user) != 0)
		s->stopping = 1;
}

/* Submit transfer @i (its buffer set) with the next number. */
static int submit_locked(struct devdrv_stream *s, unsigned i)
{
	s->seq[i] = s->next_seq++;
	return devdrv_transfer_submit(s->t[i]);
}

/* Transfer @i finished and all before it are handled: put it back in flight
 * with a spare buffer first, then hand its data over; its old buffer
 * becomes the next spare. */
static void handle_finished_locked(struct devdrv_stream *s, unsigned i)
{
	struct devdrv_transfer *t = s->t[i];
	uint8_t *data = t->buffer, *spare;
	size_t len = t->actual_length;
	int status = t->status, resubmitted = 0;

	if (status == 0 && !s->stopping && (spare = take_spare_locked(s))) {
		t->buffer = spare;
		if (submit_locked(s, i) == 0) {
			resubmitted = 1;
		} else {
			t->buffer = data;
			s->spares[s->num_spares++] = spare;
			fail_locked(s, t->status < 0 ? t->status : DEVDRV_E_IO);
		}
	}
	if (status == 0 || (len && status != DEVDRV_E_CANCELLED))
		deliver_locked(s, data, len); /* a failed transfer's partial data too */
	if (status < 0 && !(status == DEVDRV_E_CANCELLED && s->stopping))
		fail_locked(s, status);
	if (resubmitted)
		s->spares[s->num_spares++] = data;
	else
		s->in_flight--;
}

/* Writing: refill transfer @i and send it again; 0 when it is in flight. */
static int refill_locked(struct devdrv_stream *s, unsigned i)
{
	struct devdrv_transfer *t = s->t[i];
	size_t len;
	int rc;

	if (s->stopping || s->fill_ended)
		return 1;
	len = s->fill(s, s->memory + i * s->size, s->size, s->user);
	if (len == 0 || len > s->size) {
		s->fill_ended = 1;
		if (len > s->size) {
			devdrv_handle_fail(s->h, DEVDRV_E_INVALID, "stream: the fill callback gave %zu bytes for a %zu-byte buffer",
			                   len, s->size);
			fail_locked(s, DEVDRV_E_INVALID);
		}
		return 1;
	}
	t->buffer = s->memory + i * s->size;
	t->length = len;
	if ((rc = submit_locked(s, i)) < 0) {
		fail_locked(s, rc);
		return 1;
	}
	return 0;
}

/* Writing: transfer @i is done and all before it are: count it, refill it. */
static void handle_written_locked(struct devdrv_stream *s, unsigned i)
{
	struct devdrv_transfer *t = s->t[i];
	int status = t->status;

	atomic_fetch_add(&s->bytes, t->actual_length);
	if (status < 0 && !(status == DEVDRV_E_CANCELLED && s->stopping))
		fail_locked(s, status);
	if (status < 0 || refill_locked(s, i) != 0)
		s->in_flight--;
}

/* The finished transfer that is next in the pipe's order, or -1. */
static int next_finished_locked(struct devdrv_stream *s)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->finished[i] && s->seq[i] == s->next_to_deliver)
			return (int)i;
	return -1;
}

static void on_complete(struct devdrv_transfer *t)
{
	struct devdrv_stream *s = t->user_data;
	int i, end;

	pthread_mutex_lock(&s->lock);
	s->callbacks_running++;
	for (i = 0; s->t[i] != t; i++)
		;
	s->finished[i] = 1;
	while ((i = next_finished_locked(s)) >= 0) {
		s->finished[i] = 0;
		s->next_to_deliver++;
		if (s->fill)
			handle_written_locked(s, (unsigned)i);
		else
			handle_finished_locked(s, (unsigned)i);
	}
	end = s->stopping;
	pthread_mutex_unlock(&s->lock);
	if (end)
		cancel_all(s);
	pthread_mutex_lock(&s->lock);
	s->callbacks_running--; /* from here on the stream is not touched */
	pthread_cond_broadcast(&s->settled);
	pthread_mutex_unlock(&s->lock);
}

static int check_options(struct devdrv_handle *h, const struct devdrv_stream_options *o, int writing, unsigned *n,
                         size_t *size, uint8_t *ep)
{
	*n = o && o->transfers ? o->transfers : STREAM_DEFAULT_TRANSFERS;
	*size = o && o->transfer_size ? o->transfer_size : STREAM_DEFAULT_SIZE;
	*ep = o && o->endpoint ? o->endpoint : writing ? devdrv_handle_pipes(h)->out : devdrv_handle_pipes(h)->in;
	if (o && o->size < sizeof(*o))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "stream: set options.size to sizeof the struct");
	if (*n > STREAM_MAX_TRANSFERS || *size > STREAM_MAX_SIZE)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "stream: at most %d transfers of %d bytes",
		                          STREAM_MAX_TRANSFERS, STREAM_MAX_SIZE);
	if (!*ep)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "stream: the handle has no %s pipe; name an endpoint",
		                          writing ? "OUT" : "IN");
	if (((*ep & 0x80) != 0) == writing)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "stream: endpoint 0x%02x is not an %s endpoint", *ep,
		                          writing ? "OUT" : "IN");
	return 0;
}

/* The pipe's type: the handle's IN pipe knows it, another endpoint is
 * looked up in the active configuration. */
static enum devdrv_transfer_type pipe_type(struct devdrv_handle *h, uint8_t ep)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(&h->dev->info);
	uint8_t attributes = 2; /* bulk unless the descriptors say otherwise */

	const struct devdrv_pipes *pipes = devdrv_handle_pipes(h);
	int known = ep == pipes->in || ep == pipes->out;

	if (known)
		attributes = ep == pipes->in ? pipes->in_type : pipes->out_type;
	for (unsigned i = 0; cfg && !known && i < cfg->num_interfaces; i++)
		for (unsigned e = 0; e < cfg->interfaces[i].num_endpoints; e++)
			if (cfg->interfaces[i].endpoints[e].address == ep)
				attributes = cfg->interfaces[i].endpoints[e].attributes;
	return (attributes & 3) == 3 ? DEVDRV_TRANSFER_INTERRUPT : DEVDRV_TRANSFER_BULK;
}

static void init_settled(struct devdrv_stream *s)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->settled, &attr);
	pthread_condattr_destroy(&attr);
}

static struct devdrv_stream *stream_new(struct devdrv_handle *h, unsigned n, size_t size)
{
	struct devdrv_stream *s = calloc(1, sizeof(*s));

	if (!s || !(s->memory = malloc((n + 1) * size))) {
		free(s);
		return NULL;
	}
	s->h = h;
	s->n = n;
	s->size = size;
	pthread_mutex_init(&s->lock, NULL);
	init_settled(s);
	for (unsigned i = 0; i < n; i++)
		if (!(s->t[i] = devdrv_transfer_alloc())) {
			devdrv_stream_free(s);
			return NULL;
		}
	s->spares[s->num_spares++] = s->memory + n * size; /* the extra buffer */
	return s;
}

/* The first submissions. Reading, every transfer goes; writing, as many
 * as the fill callback has data for. A later one that fails is the
 * stream's error: callbacks may have run already. */
static int submit_first(struct devdrv_stream *s, uint8_t ep, unsigned timeout)
{
	int rc = 0;

	/* all set up before the first goes: its completion may cancel them all */
	for (unsigned i = 0; i < s->n; i++)
		*s->t[i] = (struct devdrv_transfer){ .handle = s->h, .type = pipe_type(s->h, ep), .endpoint = ep,
			                             .buffer = s->memory + i * s->size, .length = s->size,
			                             .timeout_ms = timeout, .callback = on_complete, .user_data = s };
	for (unsigned i = 0; i < s->n; i++) {
		pthread_mutex_lock(&s->lock);
		if (s->fill) {
			rc = 0;
			if (refill_locked(s, i) == 0)
				s->in_flight++;
			else if (s->error && i == 0)
				rc = s->error;
		} else {
			rc = s->stopping ? 0 : submit_locked(s, i);
			s->in_flight += rc == 0 && !s->stopping;
			if (rc < 0 && i > 0)
				fail_locked(s, rc);
		}
		pthread_mutex_unlock(&s->lock);
		if (rc < 0 && i == 0)
			return rc;
	}
	return 0;
}

static int start(struct devdrv_handle *h, const struct devdrv_stream_options *opts, devdrv_stream_cb cb,
                 devdrv_stream_fill_cb fill, void *user, struct devdrv_stream **out)
{
	struct devdrv_stream *s;
	unsigned n, timeout = opts ? opts->timeout_ms : 0;
	size_t size;
	uint8_t ep;
	int rc;

	if (!h || (!cb && !fill) || !out)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "stream: NULL argument");
	*out = NULL;
	if ((rc = check_options(h, opts, fill != NULL, &n, &size, &ep)) < 0)
		return rc;
	if (!(s = stream_new(h, n, size)))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "stream: out of memory for %u x %zu bytes", n, size);
	s->cb = cb;
	s->fill = fill;
	s->user = user;
	if ((rc = submit_first(s, ep, timeout)) < 0) {
		devdrv_stream_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int devdrv_stream_start(struct devdrv_handle *h, const struct devdrv_stream_options *opts, devdrv_stream_cb cb,
                        void *user, struct devdrv_stream **out)
{
	return start(h, opts, cb, NULL, user, out);
}

int devdrv_stream_start_writer(struct devdrv_handle *h, const struct devdrv_stream_options *opts,
                               devdrv_stream_fill_cb fill, void *user, struct devdrv_stream **out)
{
	return start(h, opts, NULL, fill, user, out);
}

/* Until no transfer is in flight and no callback runs, so that the stream
 * may be freed (0), or @timeout_ms (0: no limit) pass (1), or events cannot
 * be handled (their error). The last callback to return signals the
 * waiter; without the event thread the waiter runs the completions. */
static int wait_settled(struct devdrv_stream *s, unsigned timeout_ms)
{
	struct timespec deadline = dd_deadline_in(timeout_ms);
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	while (s->in_flight + s->callbacks_running && rc == 0)
		rc = devdrv_handle_wait(s->h, &s->settled, &s->lock, timeout_ms ? &deadline : NULL);
	pthread_mutex_unlock(&s->lock);
	return rc == DEVDRV_E_TIMEOUT ? 1 : rc;
}

int devdrv_stream_wait(struct devdrv_stream *s, unsigned timeout_ms)
{
	int rc;

	if (!s)
		return DEVDRV_E_INVALID;
	if ((rc = wait_settled(s, timeout_ms)) != 0)
		return rc; /* 1 is not an error: still running */
	pthread_mutex_lock(&s->lock);
	rc = s->error;
	pthread_mutex_unlock(&s->lock);
	if (rc < 0)
		devdrv_handle_fail(s->h, rc, "stream on endpoint 0x%02x ended: %s", s->t[0]->endpoint, devdrv_strerror(rc));
	return rc;
}

void devdrv_stream_stop(struct devdrv_stream *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_mutex_unlock(&s->lock);
	cancel_all(s);
}

uint64_t devdrv_stream_bytes(const struct devdrv_stream *s)
{
	return s ? atomic_load(&((struct devdrv_stream *)s)->bytes) : 0;
}

void devdrv_stream_free(struct devdrv_stream *s)
{
	if (!s)
		return;
	devdrv_stream_stop(s);
	/* an event error: the transfers still finish, cancelled; each try
	 * after one waits a slice */
	while (wait_settled(s, 0) < 0)
		;
	for (unsigned i = 0; i < s->n; i++) {
		/* a filter that completed it may still be finishing its delivery */
		if (s->t[i])
			dd_deferred_wait(s->h->ctx, dd_xfer(s->t[i]));
		devdrv_transfer_free(s->t[i]);
	}
	pthread_cond_destroy(&s->settled);
	pthread_mutex_destroy(&s->lock);
	free(s->memory);
	free(s);
}
