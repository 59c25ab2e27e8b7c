/* record.c — the "record" lower filter: the device's descriptors and strings,
 * then every transfer as it completes, in the recording format the replay
 * transport serves back (docs/recording.md).
 *
 *   record:FILE
 *
 * Transfers on one endpoint complete in the order they were submitted, so
 * the file keeps each endpoint's order, which is what replay checks. */
#include "../deadline.h"
#include "../internal.h"
#include "../replay/format.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct recorder {
	pthread_mutex_t lock; /* completions run on other threads */
	FILE *f;
	int failed;
};

/* How long @t has waited since its submission, in milliseconds. */
static unsigned waited_ms(const struct devdrv_transfer *t)
{
	uint64_t now_ns = dd_monotonic_ns(), then = devdrv_transfer_submit_time_ns(t);

	return then && now_ns > then ? (unsigned)((now_ns - then) / 1000000u) : 0;
}

/* The device's answer time goes with every IN transfer, so that a replay
 * answers as late as the device did (a keyboard's keys come one by one). */
static void record_complete(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	struct recorder *r = devdrv_filter_priv(f);

	pthread_mutex_lock(&r->lock);
	if (dd_rf_write_transfer(r->f, t, waited_ms(t)) < 0 && !r->failed) {
		r->failed = 1;
		devdrv_warn(devdrv_filter_handle(f), "record: writing failed (%s); the recording is incomplete",
		            strerror(errno));
	}
	pthread_mutex_unlock(&r->lock);
}

static int record_attach(struct devdrv_filter *f, const char *args)
{
	struct recorder *r = devdrv_filter_priv(f);

	if (!args || !*args)
		return devdrv_filter_fail(f, DEVDRV_E_INVALID, "give the file: record:FILE");
	if (!(r->f = fopen(args, "w")))
		return devdrv_filter_fail(f, DEVDRV_E_INVALID, "cannot create %s: %s", args, strerror(errno));
	if (dd_rf_write_header(r->f, devdrv_handle_info(devdrv_filter_handle(f))) < 0) {
		fclose(r->f);
		return devdrv_filter_fail(f, DEVDRV_E_IO, "writing %s: %s", args, strerror(errno));
	}
	pthread_mutex_init(&r->lock, NULL);
	return 0;
}

static void record_detach(struct devdrv_filter *f)
{
	struct recorder *r = devdrv_filter_priv(f);

	if (fclose(r->f) != 0 && !r->failed)
		devdrv_warn(devdrv_filter_handle(f), "record: closing failed (%s); the recording is incomplete",
		            strerror(errno));
	pthread_mutex_destroy(&r->lock);
}

static const struct devdrv_filter_ops record_ops = {
	.api_version = DEVDRV_FILTER_API_VERSION,
	.name = "record",
	.description = "record the session (descriptors and every transfer) for the replay transport",
	.usage = "FILE",
	.position = DEVDRV_FILTER_LOWER,
	.priv_size = sizeof(struct recorder),
	.attach = record_attach,
	.detach = record_detach,
	.complete = record_complete,
};
DD_FILTER_REGISTER(record_ops);
