/* cq.c — finished transfers waiting for event handling (see cq.h). */
#include "cq.h"

void dd_cq_init(struct dd_cq *q, struct devdrv_context *ctx, pthread_mutex_t *lock, pthread_cond_t *cond)
{
	*q = (struct dd_cq){ .lock = lock, .cond = cond, .ctx = ctx };
	q->done_tail = &q->done;
}

void dd_cq_finish_locked(struct dd_cq *q, struct devdrv_transfer *t, int status)
{
	struct dd_transfer *x = dd_xfer(t);

	t->status = status;
	if (!t->callback) {
		x->completed = 1; /* the waiter's from here on */
	} else {
		x->cq_next = NULL;
		*q->done_tail = x;
		q->done_tail = &x->cq_next;
		dd_ctx_wake(q->ctx); /* a callback is due: wake an event loop */
	}
	pthread_cond_broadcast(q->cond);
}

static int running_slot(const struct dd_cq *q, const struct devdrv_transfer *t)
{
	for (int i = 0; i < DD_CQ_RUNNING; i++)
		if (q->running[i] == t)
			return i;
	return -1;
}

/* The running slots tell a waiter that its transfer's callback is still
 * running on another thread. */
void dd_cq_dispatch_locked(struct dd_cq *q)
{
	struct dd_transfer *batch = q->done;

	q->done = NULL;
	q->done_tail = &q->done;
	while (batch) {
		struct devdrv_transfer *t = &batch->pub;
		int slot;

		batch = batch->cq_next;
		while ((slot = running_slot(q, NULL)) < 0)
			pthread_cond_wait(q->cond, q->lock);
		q->running[slot] = t;
		dd_xfer(t)->completed = 1;
		pthread_mutex_unlock(q->lock);
		dd_transfer_complete(t); /* may submit again, and finish others */
		pthread_mutex_lock(q->lock);
		q->running[slot] = NULL;
		pthread_cond_broadcast(q->cond);
	}
}

int dd_cq_wait_over_locked(const struct dd_cq *q, struct devdrv_transfer *t, int has_callback)
{
	if (has_callback && running_slot(q, t) >= 0)
		return 0;
	return dd_xfer(t)->completed || dd_xfer(t)->by_filter;
}
