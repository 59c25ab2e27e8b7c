/* stats.c — the "stats" lower filter: per endpoint, how many transfers
 * completed, how many bytes moved, how they failed, and how long they took
 * from the driver's submit to their completion. */
#include "../deadline.h"
#include "../internal.h"

#include <devdrv/stats.h>
#include <string.h>

struct stats_filter {
	pthread_mutex_t lock; /* completions run on any event-handling thread */
	struct devdrv_stats s;
};

uint64_t devdrv_stats_bucket_floor_us(unsigned i)
{
	return i == 0 || i >= DEVDRV_STATS_BUCKETS ? 0 : (uint64_t)1 << i;
}

static unsigned bucket_of(uint64_t ns)
{
	uint64_t us = ns / 1000;
	unsigned i = 0;

	while (us >= 2 && i < DEVDRV_STATS_BUCKETS - 1) {
		us >>= 1;
		i++;
	}
	return i;
}

/* Control transfers count under 0x00 or 0x80 by their direction. */
static uint8_t endpoint_key(const struct devdrv_transfer *t)
{
	if (t->type == DEVDRV_TRANSFER_CONTROL)
		return t->setup.request_type & 0x80;
	return t->endpoint;
}

static struct devdrv_stats_endpoint *slot_locked(struct devdrv_stats *s, const struct devdrv_transfer *t)
{
	uint8_t ep = endpoint_key(t);

	for (unsigned i = 0; i < s->num_endpoints; i++)
		if (s->endpoints[i].endpoint == ep && s->endpoints[i].type == t->type)
			return &s->endpoints[i];
	if (s->num_endpoints == DEVDRV_STATS_MAX_ENDPOINTS)
		return NULL; /* 32 covers every endpoint a device can have */
	s->endpoints[s->num_endpoints] = (struct devdrv_stats_endpoint){ .endpoint = ep, .type = (uint8_t)t->type };
	return &s->endpoints[s->num_endpoints++];
}

static void count(struct devdrv_stats_endpoint *e, const struct devdrv_transfer *t, uint64_t latency)
{
	e->transfers++;
	e->bytes += t->actual_length;
	if (t->status) {
		e->errors++;
		e->timeouts += t->status == DEVDRV_E_TIMEOUT;
		e->stalls += t->status == DEVDRV_E_PIPE;
		e->cancelled += t->status == DEVDRV_E_CANCELLED;
	}
	if (e->transfers == 1 || latency < e->latency_min_ns)
		e->latency_min_ns = latency;
	if (latency > e->latency_max_ns)
		e->latency_max_ns = latency;
	e->latency_total_ns += latency;
	e->latency_hist[bucket_of(latency)]++;
}

static void stats_complete(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	struct stats_filter *sf = devdrv_filter_priv(f);
	uint64_t start = devdrv_transfer_submit_time_ns(t), now = dd_monotonic_ns();
	struct devdrv_stats_endpoint *e;

	pthread_mutex_lock(&sf->lock);
	if ((e = slot_locked(&sf->s, t)))
		count(e, t, now > start ? now - start : 0);
	pthread_mutex_unlock(&sf->lock);
}

static int stats_attach(struct devdrv_filter *f, const char *args)
{
	struct stats_filter *sf = devdrv_filter_priv(f);

	if (args && *args)
		return devdrv_filter_fail(f, DEVDRV_E_INVALID, "takes no arguments, got \"%s\"", args);
	pthread_mutex_init(&sf->lock, NULL);
	return 0;
}

static void stats_detach(struct devdrv_filter *f)
{
	struct stats_filter *sf = devdrv_filter_priv(f);

	pthread_mutex_destroy(&sf->lock);
}

static const struct devdrv_filter_ops stats_ops = {
	.api_version = DEVDRV_FILTER_API_VERSION,
	.name = "stats",
	.description = "count transfers, bytes, errors and latency per endpoint",
	.position = DEVDRV_FILTER_LOWER,
	.priv_size = sizeof(struct stats_filter),
	.attach = stats_attach,
	.detach = stats_detach,
	.complete = stats_complete,
};
DD_FILTER_REGISTER(stats_ops);

int devdrv_stats_get(struct devdrv_handle *h, struct devdrv_stats *out)
{
	struct devdrv_filter *f = devdrv_handle_filter(h, "stats");
	struct stats_filter *sf;

	if (!f || f->ops != &stats_ops || !out)
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "no stats filter on this handle");
	sf = devdrv_filter_priv(f);
	pthread_mutex_lock(&sf->lock);
	*out = sf->s;
	pthread_mutex_unlock(&sf->lock);
	return 0;
}
