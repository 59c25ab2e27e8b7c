/* cq.h — the finished transfers of a transport that completes them itself
 * (replay, usbip): callback transfers wait here for event handling, as the
 * completion contract asks (never inline, callbacks from a thread handling
 * events); waited-for transfers are handed to their waiter at once. Every
 * call is made with the transport's lock held; callbacks run without it. */
#ifndef DEVDRV_CQ_H
#define DEVDRV_CQ_H

#include "internal.h"

#define DD_CQ_RUNNING 16 /* callbacks running at once; more wait for a slot */

struct dd_cq {
	pthread_mutex_t *lock; /* the transport's */
	pthread_cond_t *cond;  /* the transport's; broadcast on every change */
	struct devdrv_context *ctx;
	struct dd_transfer *done, **done_tail;
	const struct devdrv_transfer *running[DD_CQ_RUNNING];
};

void dd_cq_init(struct dd_cq *q, struct devdrv_context *ctx, pthread_mutex_t *lock, pthread_cond_t *cond);
/* @t ended with @status: its waiter's now, or queued for its callback. */
void dd_cq_finish_locked(struct dd_cq *q, struct devdrv_transfer *t, int status);
/* Run the queued callbacks, dropping the lock around each. */
void dd_cq_dispatch_locked(struct dd_cq *q);
/* Is the wait for @t over: completed and, if it has a callback
 * (@has_callback, as it was when the wait began), its callback returned? */
int dd_cq_wait_over_locked(const struct dd_cq *q, struct devdrv_transfer *t, int has_callback);

static inline int dd_cq_pending_locked(const struct dd_cq *q)
{
	return q->done != NULL;
}

#endif
