/* pipe-queue.h — transfers kept in flight on one bulk pipe, for a driver
 * whose device sends and takes data on its own schedule (a network
 * adapter): the host must always have an IN transfer posted, or the
 * device holds its data back, and a write should not wait for the device
 * before the next one goes.
 *
 * Reading (dd_inq): N IN transfers stay posted. A completed one is posted
 * again at once with a spare buffer (3 per transfer); when the reader has
 * let every buffer fill, new data is dropped and counted, as a network
 * card does, rather than leave the device with nowhere to send. A read
 * takes the oldest filled buffer, waiting for one on a condition, never by
 * cancelling a transfer: a read that times out loses nothing. The order is
 * the pipe's (completions that two threads ran at once may swap).
 *
 * Writing (dd_outq): N OUT transfers. A write fills a free one and submits
 * it without waiting for the device; a write waits only when all N are in
 * flight. A buffer may also be held until the pipe has room, and filled
 * further meanwhile. Errors of a finished write are counted, and a disconnection is
 * reported by the next write.
 *
 * Threads: the driver's calls come from the handle's thread; completions
 * run on whichever thread handles events. Private to lib/drivers/. */
#ifndef DEVDRV_PIPE_QUEUE_H
#define DEVDRV_PIPE_QUEUE_H

#include <devdrv/driver.h>

#include <stddef.h>
#include <stdint.h>

#define DD_PIPE_QUEUE_MAX 64

struct dd_inq;
struct dd_outq;

/* @n transfers of @size bytes posted on IN endpoint @ep. */
int dd_inq_start(struct devdrv_handle *h, uint8_t ep, unsigned n, size_t size, struct dd_inq **out);

/* The next transfer's data, waiting up to @timeout_ms (0: no limit, as
 * for devdrv_read()) for it. Returns its length (> 0) with *data pointing at it, valid until
 * dd_inq_release(); DEVDRV_E_TIMEOUT; or the error a transfer ended with
 * (DEVDRV_E_DISCONNECTED once the device is gone). Zero-length transfers
 * are skipped. */
ssize_t dd_inq_next(struct dd_inq *q, unsigned timeout_ms, const uint8_t **data);

/* 1 when a completed transfer waits for dd_inq_next(), else 0. */
int dd_inq_ready(struct dd_inq *q);

/* Done with what dd_inq_next() returned: its buffer is free again. */
void dd_inq_release(struct dd_inq *q);

/* Transfers whose data was dropped because every buffer was full (the
 * reader fell behind). */
uint64_t dd_inq_dropped(struct dd_inq *q);

/* Cancel what is posted, wait for it, free. NULL is a no-op. */
void dd_inq_free(struct dd_inq *q);

/* @n transfers of @size bytes for OUT endpoint @ep. */
int dd_outq_start(struct devdrv_handle *h, uint8_t ep, unsigned n, size_t size, struct dd_outq **out);

/* A free transfer's buffer (@size bytes of room), waiting up to
 * @timeout_ms (0: no limit) for one: 0, DEVDRV_E_TIMEOUT, or DEVDRV_E_DISCONNECTED once
 * a write found the device gone. */
int dd_outq_buffer(struct dd_outq *q, unsigned timeout_ms, uint8_t **buf);

/* Send @len bytes of the buffer dd_outq_buffer() gave (0 sends a
 * zero-length packet). 0, or the submission's error. */
int dd_outq_send(struct dd_outq *q, size_t len);

/* Send the buffer dd_outq_buffer() gave (@len bytes so far) once fewer
 * than @busy transfers are in flight: at once, or from the completion that
 * makes it so. Until then it is held, and the writer may take it back with
 * dd_outq_take_held() to add to it: what comes while the pipe is busy
 * travels together (an NCM driver packs frames into one NTB so). 0, or the
 * submission's error. */
int dd_outq_hold(struct dd_outq *q, size_t len, unsigned busy);

/* The held buffer back for filling: 1 with *buf, 0 when none is held (it
 * went meanwhile). Then dd_outq_hold() or dd_outq_send() it again. */
int dd_outq_take_held(struct dd_outq *q, uint8_t **buf);

/* Give back the buffer being filled, unsent. */
void dd_outq_unfill(struct dd_outq *q);

/* Writes that finished with an error since the start. */
uint64_t dd_outq_failed(struct dd_outq *q);

/* Send what is held, wait up to @timeout_ms (0: not at all) for what is
 * in flight to finish, cancel the rest, free. NULL is a no-op. */
void dd_outq_free(struct dd_outq *q, unsigned timeout_ms);

#endif
