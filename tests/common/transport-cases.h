/* transport-cases.h — the cases every transport must pass the same way, run
 * against each transport's loopback device: the virtual bus's model
 * (tests/unit/test-virtual.c) and an emulated usbfs device under real
 * libusb (tests/integration/test-umockdev.c).
 *
 * A loopback: bulk OUT echoed on bulk IN; vendor request OUT 0x01 stores
 * up to 64 bytes in a scratch register, IN 0x02 reads it back; every other
 * vendor request stalls. */
#ifndef DEVDRV_TRANSPORT_CASES_H
#define DEVDRV_TRANSPORT_CASES_H

#include <devdrv/devdrv.h>
#include <pthread.h>

struct transport_bed {
	struct devdrv_context *ctx;
	const char *loopback;                       /* its selector */
	void (*unplug_loopback)(struct transport_bed *b); /* from another thread */
	void *priv;
};

struct transport_case {
	const char *name;
	void (*run)(struct transport_bed *b);
};

extern const struct transport_case transport_cases[];
extern const unsigned num_transport_cases;

/* A read of the loopback, blocked for up to 10 s in a thread of its own. */
struct transport_blocked_read {
	struct devdrv_handle *h;
	ssize_t result;
	double returned_at;
	pthread_t thread;
};
void transport_start_blocked_read(struct transport_bed *b, struct transport_blocked_read *r);
void transport_join_blocked_read(struct transport_blocked_read *r);
double transport_now(void);

/* One of the cases, for a bed whose unplug differs (a controller that fails
 * the pending URB with a protocol error on the way out). */
void transport_case_unplug_during_blocked_read(struct transport_bed *b);

/* Run every case on a fresh bed from @make (freed with @drop), naming each. */
void run_transport_cases(struct transport_bed *(*make)(void), void (*drop)(struct transport_bed *b));

#endif
