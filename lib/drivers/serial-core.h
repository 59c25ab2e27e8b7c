/* serial-core.h — what the serial chip drivers share, in the manner of the
 * Linux usb-serial core: a driver fills a few callbacks, the core does the
 * ioctls, argument checks, payload buffering, status pipes and defaults. */
#ifndef DEVDRV_SERIAL_CORE_H
#define DEVDRV_SERIAL_CORE_H

#include "byteorder.h"

#include <devdrv/driver.h>
#include <devdrv/serial.h>
#include <pthread.h>

#define DD_SERIAL_RX_SIZE 4096
#define DD_SERIAL_STATUS_SIZE 64

struct dd_serial_ops {
	/* Chip setup once the interface is claimed. NULL: none. */
	int (*init)(struct devdrv_handle *h);
	/* Decide, without a word to the device, whether the chip can do @want
	 * (already range-checked): refuse with DEVDRV_E_UNSUPPORTED, or put what
	 * it will really do in @actual (a copy of @want on entry: the rounded
	 * rate). Every refusal lives here, so a refused setting never leaves
	 * the chip half-configured. NULL: everything in range is accepted. */
	int (*check)(struct devdrv_handle *h, const struct devdrv_serial_config *want,
	             struct devdrv_serial_config *actual);
	/* Apply @want, which check accepted; @actual is what check said (a chip
	 * that rounds by itself, CP210x, may refine it). */
	int (*configure)(struct devdrv_handle *h, const struct devdrv_serial_config *want,
	                 struct devdrv_serial_config *actual);
	/* Drive DTR and RTS to @lines (DEVDRV_SERIAL_DTR | DEVDRV_SERIAL_RTS). */
	int (*set_lines)(struct devdrv_handle *h, unsigned lines);
	/* Read the input lines into the state's in_lines. NULL: they arrive by
	 * themselves (a status pipe, or status bytes in the data). */
	int (*poll_lines)(struct devdrv_handle *h);
	int (*set_break)(struct devdrv_handle *h, int on); /* NULL: unsupported */
	int (*purge)(struct devdrv_handle *h, unsigned what); /* NULL: host buffer only */
	/* Turn raw IN data into payload in place and return its length. NULL:
	 * the data is all payload and is read straight into the caller's buffer. */
	size_t (*unframe)(struct devdrv_handle *h, uint8_t *buf, size_t len);
	int (*set_latency)(struct devdrv_handle *h, unsigned ms); /* NULL: unsupported */
	/* Last words to the chip on close, after the hang-up. NULL: none. */
	void (*shutdown)(struct devdrv_handle *h);
};

/* Per-handle state; the first member of every serial driver's priv. */
struct dd_serial {
	const struct dd_serial_ops *ops;
	struct devdrv_serial_config cfg;
	unsigned out_lines; /* DTR, RTS */
	/* What a status pipe's callback writes may be read by the handle's
	 * thread at the same time: callbacks run on whichever thread handles
	 * events. Hence atomics (a store, an atomic |=, an exchange). */
	_Atomic unsigned in_lines; /* CTS, DSR, RI, DCD */
	_Atomic unsigned events;   /* BREAK, FRAMING, PARITY, OVERRUN since the last get_lines */
	uint8_t rx[DD_SERIAL_RX_SIZE];
	size_t rx_len, rx_pos;
	/* status pipe (interrupt IN): CDC notifications, PL2303 status */
	struct devdrv_transfer *status; /* allocated while the pipe runs */
	uint8_t status_buf[DD_SERIAL_STATUS_SIZE];
	int status_started;
	/* closing and the status pipe's resubmission are decided under this
	 * lock: a close must not miss a transfer its callback is about to submit */
	pthread_mutex_t status_lock;
	_Atomic int status_running, closing;
	_Atomic int status_error; /* how the status pipe's last transfer ended */
	void (*on_status)(struct devdrv_handle *h, const uint8_t *data, size_t len);
};

static inline struct dd_serial *dd_serial_of(struct devdrv_handle *h)
{
	return devdrv_handle_priv(h);
}

/* The driver callbacks a serial driver points at; its struct dd_serial_ops
 * is the driver's class_ops. open: claim, pick pipes, init, 9600 8N1
 * without flow control, DTR and RTS up (as a tty open does). */
int dd_serial_open(struct devdrv_handle *h);
void dd_serial_close(struct devdrv_handle *h);
ssize_t dd_serial_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms);
int dd_serial_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size);

/* DTR in bit 0, RTS in bit 1: the layout of the CDC, FTDI, CP210x and
 * PL2303 modem-control requests. */
static inline uint16_t dd_serial_dtr_rts(unsigned lines)
{
	return (uint16_t)(((lines & DEVDRV_SERIAL_DTR) ? 1 : 0) | ((lines & DEVDRV_SERIAL_RTS) ? 2 : 0));
}

/* The CDC PSTN line coding (6.3.11), which the PL2303 uses too: dwDTERate,
 * bCharFormat, bParityType, bDataBits. Our stop-bit and parity enums have
 * the specification's values. */
static inline void dd_serial_line_coding(uint8_t coding[7], const struct devdrv_serial_config *c)
{
	dd_put_le32(coding, c->baud);
	coding[4] = (uint8_t)c->stop_bits;
	coding[5] = (uint8_t)c->parity;
	coding[6] = c->data_bits;
}

/* The driver-struct members every serial driver shares. */
#define DD_SERIAL_DRIVER_DEFAULTS                                                                  \
	.cls = DEVDRV_CLASS_SERIAL, .open = dd_serial_open, .close = dd_serial_close,                 \
	.read = dd_serial_read, .ioctl = dd_serial_ioctl

/* Keep an interrupt transfer pending on @ep for reports of @len bytes;
 * @on_status gets what each transfer brings (one or more reports). */
int dd_serial_start_status(struct devdrv_handle *h, const struct devdrv_endpoint_info *ep, size_t len,
                           void (*on_status)(struct devdrv_handle *h, const uint8_t *data, size_t len));

/* Vendor/class control transfer helpers: out with optional data, in. */
int dd_serial_out(struct devdrv_handle *h, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
                  const void *data, uint16_t len);
int dd_serial_in(struct devdrv_handle *h, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
                 void *data, uint16_t len);

#define DD_SERIAL_TIMEOUT_MS 1000

/* The chips' status formats, as pure functions of untrusted bytes (fuzzed in
 * tests/fuzz/). They update @s->in_lines and @s->events only. */
/* FTDI: drop the two status bytes that open every @max_packet chunk of @buf
 * in place; returns the payload length. */
size_t dd_ftdi_unframe(struct dd_serial *s, size_t max_packet, uint8_t *buf, size_t len);
/* CDC: one or more notifications (8-byte header + wLength body). */
void dd_acm_parse_notifications(struct dd_serial *s, const uint8_t *data, size_t len);
/* PL2303: the 10-byte interrupt status report. */
void dd_pl2303_parse_status(struct dd_serial *s, const uint8_t *data, size_t len);

#endif
