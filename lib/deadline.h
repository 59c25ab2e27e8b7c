/* deadline.h — CLOCK_MONOTONIC deadlines, as the transports that keep their
 * own queues (the virtual bus, replay) time out transfers and wake-ups. */
#ifndef DEVDRV_DEADLINE_H
#define DEVDRV_DEADLINE_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC now, in nanoseconds. */
static inline uint64_t dd_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void dd_ts_add_ms(struct timespec *ts, unsigned ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Now plus @ms. */
static inline struct timespec dd_deadline_in(unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	dd_ts_add_ms(&ts, ms);
	return ts;
}

static inline int dd_ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Lower *timeout_ms (-1: none yet) to the milliseconds until @when, rounded
 * up so that a poller wakes after it, not just before: for poll_info. */
static inline void dd_timeout_until(const struct timespec *when, int *timeout_ms)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(when->tv_sec - now.tv_sec) * 1000 + (when->tv_nsec - now.tv_nsec + 999999L) / 1000000L;
	if (ms < 0)
		ms = 0;
	if (ms > 1000000)
		ms = 1000000;
	if (*timeout_ms < 0 || ms < *timeout_ms)
		*timeout_ms = (int)ms;
}

/* Wait on @cond (made with CLOCK_MONOTONIC) until signalled, or until
 * @deadline if @bounded; the caller checks what it waits for again. */
static inline void dd_cond_wait_bounded(pthread_cond_t *cond, pthread_mutex_t *lock, int bounded,
                                        const struct timespec *deadline)
{
	if (bounded)
		pthread_cond_timedwait(cond, lock, deadline);
	else
		pthread_cond_wait(cond, lock);
}

#endif
