/** @file
 * A continuous reader: several transfers always in flight on an
 * IN pipe, so that a device that produces data without pause (a logic
 * analyser, a sensor, gadget zero's source) never waits for the host; and
 * its mirror, a queued writer that keeps an OUT pipe busy (a display, a
 * signal generator, gadget zero's sink).
 *
 *     struct devdrv_stream *s;
 *     devdrv_stream_start(h, NULL, on_data, ctx_of_mine, &s);
 *     rc = devdrv_stream_wait(s, 0);   // until on_data says stop, or an error
 *     devdrv_stream_free(s);
 *
 * Data arrives in order through the callback, one call per completed
 * transfer, from event handling (devdrv_stream_wait(), or
 * devdrv_handle_events() on a thread of the application's). A finished
 * transfer is resubmitted before its data is handed over, so the pipe keeps
 * its depth while the callback works. The first error ends the stream and is
 * reported once, by devdrv_stream_wait().
 *
 * Writing: devdrv_stream_start_writer() calls the fill callback for each
 * transfer's buffer and sends what it returns; a transfer that is done is
 * refilled and sent again at once, in order. Returning 0 ends the stream
 * once what is queued is sent; devdrv_stream_wait() then returns 0.
 *
 * Threads: start, stop, wait and free on the handle's thread; the callbacks
 * run on a thread that handles events (the library's event thread by
 * default: devdrv/events.h), one at a time, in the pipe's order. */
#ifndef DEVDRV_STREAM_H
#define DEVDRV_STREAM_H

#include <devdrv/devdrv.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** A stream of transfers on one pipe of a handle. */
struct devdrv_stream;

/** Options; NULL or zero members take the defaults. Set size to sizeof. */
struct devdrv_stream_options {
	size_t size;              /**< sizeof(struct devdrv_stream_options) */
	unsigned transfers;       /**< in flight at once; default 8, at most 64 */
	size_t transfer_size;     /**< bytes each; default 64 KiB, at most 16 MiB */
	uint8_t endpoint;         /**< 0: the handle's IN pipe (reading) or OUT pipe (writing) */
	unsigned timeout_ms;      /**< per transfer; 0: none (a silent device is no error) */
};

/** What to do with @p len bytes (len may be 0 for a zero-length packet).
 * Return 0 to go on, anything else to stop the stream (then
 * devdrv_stream_wait() returns 0).
 * @param s     the stream
 * @param data  the bytes one transfer brought, valid during the call only
 * @param len   how many
 * @param user  the @p user given to devdrv_stream_start() */
typedef int (*devdrv_stream_cb)(struct devdrv_stream *s, const uint8_t *data, size_t len, void *user);

/** Start reading.
 * @param h     the handle
 * @param opts  options, or NULL for the defaults
 * @param cb    called with the data of each transfer, in order
 * @param user  passed to @p cb
 * @param[out] out  the stream, for devdrv_stream_wait() and devdrv_stream_free()
 * @return 0, DEVDRV_E_INVALID (bad options, no IN pipe),
 * DEVDRV_E_NOMEM, or the error of the first submission. */
int devdrv_stream_start(struct devdrv_handle *h, const struct devdrv_stream_options *opts, devdrv_stream_cb cb,
                        void *user, struct devdrv_stream **out);

/** Fill @p buf (@p len bytes of room) with what to send next; return how
 * many bytes (at most @p len), or 0 to end the stream.
 * @param s     the stream
 * @param buf   the next transfer's buffer
 * @param len   its room: the options' transfer_size
 * @param user  the @p user given to devdrv_stream_start_writer() */
typedef size_t (*devdrv_stream_fill_cb)(struct devdrv_stream *s, uint8_t *buf, size_t len, void *user);

/** Start writing.
 * @param h     the handle
 * @param opts  options, or NULL for the defaults
 * @param fill  called for the data of each transfer, in order
 * @param user  passed to @p fill
 * @param[out] out  the stream, for devdrv_stream_wait() and devdrv_stream_free()
 * @return 0, DEVDRV_E_INVALID (bad options, no OUT pipe),
 * DEVDRV_E_NOMEM, or the error of the first submission. */
int devdrv_stream_start_writer(struct devdrv_handle *h, const struct devdrv_stream_options *opts,
                               devdrv_stream_fill_cb fill, void *user, struct devdrv_stream **out);

/** Handle events until the stream ends (the callback said stop, devdrv_stream_stop(),
 * or an error) or @p timeout_ms pass (0: no limit).
 * @param s           the stream
 * @param timeout_ms  the longest to wait, 0 no limit
 * @return 0 when it ended without error, 1 when the time passed and it goes
 *         on, or the error that ended it (DEVDRV_E_DISCONNECTED, or
 *         DEVDRV_E_TIMEOUT when a transfer's own timeout expired...). */
int devdrv_stream_wait(struct devdrv_stream *s, unsigned timeout_ms);

/** Ask the stream to end: nothing is resubmitted, what is in flight is
 * cancelled; devdrv_stream_wait() then returns once everything completed.
 * @param s  the stream; NULL is a no-op */
void devdrv_stream_stop(struct devdrv_stream *s);

/** Bytes delivered to the callback (reading) or sent (writing) so far.
 * @param s  the stream
 * @return the count; 0 for a NULL @p s. */
uint64_t devdrv_stream_bytes(const struct devdrv_stream *s);

/** Stop, wait for every transfer, free. NULL is a no-op.
 * @param s  the stream, freed */
void devdrv_stream_free(struct devdrv_stream *s);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
