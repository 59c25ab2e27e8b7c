/* stats.h — what the "stats" filter counts: per endpoint transfers, bytes,
 * errors and a latency histogram, for a handle opened with the filter
 * (devdrv --filter stats, DEVDRV_FILTER=stats, or devdrv_filter_attach()). */
#ifndef DEVDRV_STATS_H
#define DEVDRV_STATS_H

#include <devdrv/devdrv.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** Latency buckets: bucket 0 is under 2 µs, bucket i (1..18) covers
 * [2^i, 2^(i+1)) µs, the last everything from 2^19 µs (~0.5 s) up. */
#define DEVDRV_STATS_BUCKETS 20
#define DEVDRV_STATS_MAX_ENDPOINTS 32

struct devdrv_stats_endpoint {
	uint8_t endpoint;      /**< address, bit 7 IN; 0x00/0x80: control OUT/IN */
	uint8_t type;          /**< enum devdrv_transfer_type */
	uint64_t transfers;    /**< completed, successful or not */
	uint64_t bytes;        /**< actual lengths summed */
	uint64_t errors;       /**< completed with a status other than 0 */
	uint64_t timeouts, stalls, cancelled;
	uint64_t latency_min_ns, latency_max_ns, latency_total_ns;
	uint64_t latency_hist[DEVDRV_STATS_BUCKETS];
};

struct devdrv_stats {
	unsigned num_endpoints; /**< in order of first use */
	struct devdrv_stats_endpoint endpoints[DEVDRV_STATS_MAX_ENDPOINTS];
};

/** Copy the counts of the topmost "stats" filter on @p h. Any thread.
 * @return 0, DEVDRV_E_NOT_FOUND (no stats filter on the handle). */
int devdrv_stats_get(struct devdrv_handle *h, struct devdrv_stats *out);

/** Lower bound of latency bucket @p i in microseconds (0, 2, 4, ...). */
uint64_t devdrv_stats_bucket_floor_us(unsigned i);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
