/** @file
 * What the "stats" filter counts: per endpoint transfers, bytes,
 * errors and a latency histogram, for a handle opened with the filter
 * (devdrv \--filter stats, DEVDRV_FILTER=stats, or devdrv_filter_attach()). */
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
/** Endpoints counted per handle: 32 covers every endpoint a device can
 * have (control IN and OUT included). */
#define DEVDRV_STATS_MAX_ENDPOINTS 32

/** The counts of one endpoint and transfer type. */
struct devdrv_stats_endpoint {
	uint8_t endpoint;      /**< address, bit 7 IN; 0x00/0x80: control OUT/IN */
	uint8_t type;          /**< enum devdrv_transfer_type */
	uint64_t transfers;    /**< completed, successful or not */
	uint64_t bytes;        /**< actual lengths summed */
	uint64_t errors;       /**< completed with a status other than 0 */
	/** Of the errors, those that were DEVDRV_E_TIMEOUT, DEVDRV_E_PIPE
	 * (stalls) and DEVDRV_E_CANCELLED. @{ */
	uint64_t timeouts, stalls, cancelled;
	/** @} */
	/** Latency from the driver's submit to the completion, in nanoseconds:
	 * the shortest, the longest, and the sum (divide by transfers for the
	 * mean). @{ */
	uint64_t latency_min_ns, latency_max_ns, latency_total_ns;
	/** @} */
	uint64_t latency_hist[DEVDRV_STATS_BUCKETS]; /**< transfers per latency bucket */
};

/** Every endpoint the handle has used since the filter was attached. */
struct devdrv_stats {
	unsigned num_endpoints; /**< in order of first use */
	/** The first num_endpoints are valid. */
	struct devdrv_stats_endpoint endpoints[DEVDRV_STATS_MAX_ENDPOINTS];
};

/** Copy the counts of the topmost "stats" filter on @p h. Any thread.
 * @param h    the handle
 * @param[out] out  the counts, a consistent snapshot
 * @return 0, DEVDRV_E_NOT_FOUND (no stats filter on the handle). */
int devdrv_stats_get(struct devdrv_handle *h, struct devdrv_stats *out);

/** Lower bound of latency bucket @p i in microseconds (0, 2, 4, ...).
 * @param i  the bucket, 0 to DEVDRV_STATS_BUCKETS - 1
 * @return the bound; 0 also for a bucket out of range. */
uint64_t devdrv_stats_bucket_floor_us(unsigned i);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
