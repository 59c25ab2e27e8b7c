/* serial-core.c — the serial class's shared machinery (see serial-core.h). */
#include "serial-core.h"
#include "../internal.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

int dd_serial_out(struct devdrv_handle *h, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
                  const void *data, uint16_t len)
{
	int rc = devdrv_usb_control(h, type, req, value, index, (void *)data, len, DD_SERIAL_TIMEOUT_MS);

	return rc < 0 ? rc : 0;
}

int dd_serial_in(struct devdrv_handle *h, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
                 void *data, uint16_t len)
{
	int rc = devdrv_usb_control(h, type, req, value, index, data, len, DD_SERIAL_TIMEOUT_MS);

	if (rc >= 0 && rc < len) /* the device is untrusted: a short answer is an error */
		return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL,
		                          "request %02x/%02x: %d of %u bytes", type, req, rc, len);
	return rc < 0 ? rc : 0;
}

static void status_done(struct devdrv_transfer *t)
{
	struct devdrv_handle *h = t->user_data;
	struct dd_serial *s = dd_serial_of(h);
	int again;

	s->status_error = t->status;
	if (t->status == 0 && t->actual_length)
		s->on_status(h, t->buffer, t->actual_length);
	else if (t->status < 0)
		devdrv_dbg(h, "status pipe 0x%02x: %s", t->endpoint,
		           devdrv_strerror(t->status));
	/* keep listening unless closing or the device is gone; a babbling
	 * report (overflow) loses that report, not the pipe */
	pthread_mutex_lock(&s->status_lock);
	again = !s->closing && (t->status == 0 || t->status == DEVDRV_E_OVERFLOW) && devdrv_transfer_submit(t) == 0;
	if (!again)
		s->status_running = 0;
	pthread_mutex_unlock(&s->status_lock);
}

int dd_serial_start_status(struct devdrv_handle *h, const struct devdrv_endpoint_info *ep, size_t len,
                           void (*on_status)(struct devdrv_handle *h, const uint8_t *data, size_t len))
{
	struct dd_serial *s = dd_serial_of(h);
	size_t mps = ep->max_packet & 0x7ff;
	int rc;

	/* Whole packets only: a transfer longer than one packet would take the
	 * next report into its tail and overflow. Reports longer than a packet
	 * get as many packets as they need. */
	if (mps && mps < len)
		len = (len + mps - 1) / mps * mps;
	else if (mps)
		len = mps;
	if (len > sizeof(s->status_buf))
		len = sizeof(s->status_buf);
	if (!s->status && !(s->status = devdrv_transfer_alloc()))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "status pipe: out of memory");
	s->status->handle = h;
	s->status->type = DEVDRV_TRANSFER_INTERRUPT;
	s->status->endpoint = ep->address;
	s->status->buffer = s->status_buf;
	s->status->length = len;
	s->status->callback = status_done;
	s->status->user_data = h;
	s->on_status = on_status;
	rc = devdrv_transfer_submit(s->status);
	s->status_running = s->status_started = rc == 0;
	return rc;
}

static void stop_status(struct devdrv_handle *h)
{
	struct dd_serial *s = dd_serial_of(h);
	int running;

	pthread_mutex_lock(&s->status_lock);
	s->closing = 1;
	running = s->status_running;
	if (running) /* under the lock: the callback cannot be between its check and its submit */
		devdrv_transfer_cancel(s->status);
	pthread_mutex_unlock(&s->status_lock);
	if (running)
		devdrv_transfer_wait(s->status);
	s->status_running = 0;
	devdrv_transfer_free(s->status);
	s->status = NULL;
}

/* Everything short of the device: ranges, then what the chip can do. */
static int serial_check(struct devdrv_handle *h, const struct devdrv_serial_config *want,
                        struct devdrv_serial_config *actual)
{
	struct dd_serial *s = dd_serial_of(h);

	if (want->baud == 0 || want->data_bits < 5 || want->data_bits > 8 ||
	    want->parity > DEVDRV_PARITY_SPACE || want->stop_bits > DEVDRV_STOP_2 ||
	    want->flow > DEVDRV_FLOW_XONXOFF)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID,
		                          "serial settings out of range (baud %u, %u data bits)", want->baud,
		                          want->data_bits);
	*actual = *want;
	return s->ops->check ? s->ops->check(h, want, actual) : 0;
}

/* The line settings a port opens with: those devdrv_serial_open() was given,
 * else 9600 8N1 without flow control, as a tty's first open has. */
static struct devdrv_serial_config initial_config(struct devdrv_handle *h)
{
	static const struct devdrv_serial_config tty_default = { 9600, 8, DEVDRV_PARITY_NONE, DEVDRV_STOP_1,
		                                                  DEVDRV_FLOW_NONE };
	const struct devdrv_serial_config *asked = h->open_arg;

	return asked ? *asked : tty_default;
}

int dd_serial_open(struct devdrv_handle *h)
{
	const struct dd_serial_ops *ops = devdrv_handle_class_ops(h);
	struct dd_serial *s = dd_serial_of(h);
	struct devdrv_serial_config want = initial_config(h), actual;
	int rc;

	s->ops = ops;
	pthread_mutex_init(&s->status_lock, NULL);
	/* refuse what the chip cannot do before a single request reaches it */
	if ((rc = serial_check(h, &want, &actual)) < 0 || (rc = devdrv_default_open(h)) < 0)
		goto out;
	if (ops->init && (rc = ops->init(h)) < 0)
		goto out;
	if ((rc = ops->configure(h, &want, &actual)) < 0)
		goto out;
	s->cfg = actual;
	if ((rc = ops->set_lines(h, DEVDRV_SERIAL_DTR | DEVDRV_SERIAL_RTS)) < 0)
		goto out;
	s->out_lines = DEVDRV_SERIAL_DTR | DEVDRV_SERIAL_RTS;
out:
	if (rc < 0) { /* init may have started it; the core closes the rest */
		stop_status(h);
		pthread_mutex_destroy(&s->status_lock);
	}
	return rc;
}

void dd_serial_close(struct devdrv_handle *h)
{
	struct dd_serial *s = dd_serial_of(h);

	stop_status(h);
	if (s->ops && s->out_lines)
		s->ops->set_lines(h, 0); /* hang up, as a tty close does */
	if (s->ops && s->ops->shutdown)
		s->ops->shutdown(h);
	pthread_mutex_destroy(&s->status_lock);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Chips that frame their data (FTDI) read whole packets into the state's
 * buffer and hand out payload; packets with no payload do not end a read. */
static ssize_t read_framed(struct devdrv_handle *h, uint8_t *buf, size_t len, unsigned timeout_ms)
{
	struct dd_serial *s = dd_serial_of(h);
	double deadline = now_ms() + timeout_ms;

	while (s->rx_pos == s->rx_len) {
		unsigned left = timeout_ms;
		ssize_t n;

		if (timeout_ms) {
			double remaining = deadline - now_ms();

			if (remaining < 1)
				return devdrv_handle_fail(h, DEVDRV_E_TIMEOUT, "serial read: nothing arrived within %u ms",
				                          timeout_ms);
			left = (unsigned)remaining;
		}
		n = devdrv_default_read(h, s->rx, sizeof(s->rx), left);
		if (n == DEVDRV_E_TIMEOUT) /* say what the caller asked for, not what was left */
			return devdrv_handle_fail(h, DEVDRV_E_TIMEOUT,
			                          "serial read: nothing arrived within %u ms", timeout_ms);
		if (n < 0)
			return n;
		s->rx_pos = 0;
		s->rx_len = s->ops->unframe(h, s->rx, (size_t)n);
	}
	if (len > s->rx_len - s->rx_pos)
		len = s->rx_len - s->rx_pos;
	memcpy(buf, s->rx + s->rx_pos, len);
	s->rx_pos += len;
	return (ssize_t)len;
}

ssize_t dd_serial_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms)
{
	struct dd_serial *s = dd_serial_of(h);

	if (!len)
		return 0;
	if (s->ops->unframe)
		return read_framed(h, buf, len, timeout_ms);
	return devdrv_default_read(h, buf, len, timeout_ms);
}

static int serial_configure(struct devdrv_handle *h, struct devdrv_serial_configure_arg *arg)
{
	struct dd_serial *s = dd_serial_of(h);
	int rc = serial_check(h, &arg->want, &arg->actual);

	if (rc < 0)
		return rc;
	if ((rc = s->ops->configure(h, &arg->want, &arg->actual)) < 0)
		return rc;
	s->cfg = arg->actual;
	return 0;
}

static int serial_set_lines(struct devdrv_handle *h, const struct devdrv_serial_lines_arg *arg)
{
	struct dd_serial *s = dd_serial_of(h);
	const unsigned outputs = DEVDRV_SERIAL_DTR | DEVDRV_SERIAL_RTS;
	unsigned next;
	int rc;

	if (arg->mask & ~outputs)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "only DTR and RTS can be set");
	next = (s->out_lines & ~arg->mask) | (arg->values & arg->mask);
	if ((rc = s->ops->set_lines(h, next)) < 0)
		return rc;
	s->out_lines = next;
	return 0;
}

/* Lines that arrive by themselves are only as fresh as the status pipe: once
 * it has stopped, say why instead of returning what it last brought. */
static int status_pipe_alive(struct devdrv_handle *h)
{
	struct dd_serial *s = dd_serial_of(h);
	int rc;

	if (!s->status_started || s->status_running)
		return 0;
	if ((rc = devdrv_handle_check_present(h)) < 0)
		return rc;
	return devdrv_handle_fail(h, s->status_error < 0 ? s->status_error : DEVDRV_E_IO,
	                          "the status pipe stopped: %s", devdrv_strerror(s->status_error));
}

static int serial_get_lines(struct devdrv_handle *h, unsigned *lines)
{
	struct dd_serial *s = dd_serial_of(h);
	int rc;

	/* a transfer of this thread saw the unplug; the status pipe's own
	 * completion may still be on its way through the event thread */
	if (h->disconnected)
		return devdrv_handle_check_present(h);
	rc = s->ops->poll_lines ? s->ops->poll_lines(h) : devdrv_handle_events(devdrv_handle_context(h), 0);

	if (rc == 0 && !s->ops->poll_lines)
		rc = status_pipe_alive(h);
	if (rc < 0)
		return rc;
	*lines = s->out_lines | s->in_lines | atomic_exchange(&s->events, 0);
	return 0;
}

static int serial_purge(struct devdrv_handle *h, unsigned what)
{
	struct dd_serial *s = dd_serial_of(h);

	if (!what || (what & ~(unsigned)(DEVDRV_SERIAL_PURGE_RX | DEVDRV_SERIAL_PURGE_TX)))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "purge takes PURGE_RX and/or PURGE_TX");
	if (what & DEVDRV_SERIAL_PURGE_RX)
		s->rx_pos = s->rx_len = 0;
	return s->ops->purge ? s->ops->purge(h, what) : 0;
}

static int wrong_size(struct devdrv_handle *h, unsigned request)
{
	return devdrv_handle_fail(h, DEVDRV_E_INVALID, "serial ioctl 0x%04x: wrong argument size", request);
}

int dd_serial_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t size)
{
	struct dd_serial *s = dd_serial_of(h);

	switch (request) {
	case DEVDRV_IOC_SERIAL_CONFIGURE:
		return arg && size == sizeof(struct devdrv_serial_configure_arg) ? serial_configure(h, arg)
		                                                                  : wrong_size(h, request);
	case DEVDRV_IOC_SERIAL_GET_CONFIG:
		if (!arg || size != sizeof(struct devdrv_serial_config))
			return wrong_size(h, request);
		*(struct devdrv_serial_config *)arg = s->cfg;
		return 0;
	case DEVDRV_IOC_SERIAL_SET_LINES:
		return arg && size == sizeof(struct devdrv_serial_lines_arg) ? serial_set_lines(h, arg)
		                                                              : wrong_size(h, request);
	case DEVDRV_IOC_SERIAL_GET_LINES:
		return arg && size == sizeof(unsigned) ? serial_get_lines(h, arg) : wrong_size(h, request);
	case DEVDRV_IOC_SERIAL_BREAK:
		if (!arg || size != sizeof(int))
			return wrong_size(h, request);
		if (!s->ops->set_break)
			return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED, "%s cannot send a break",
			                          devdrv_handle_driver(h));
		return s->ops->set_break(h, *(int *)arg != 0);
	case DEVDRV_IOC_SERIAL_LATENCY:
		if (!arg || size != sizeof(unsigned))
			return wrong_size(h, request);
		if (!s->ops->set_latency)
			return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED, "%s has no latency timer",
			                          devdrv_handle_driver(h));
		if (*(unsigned *)arg < 1 || *(unsigned *)arg > 255)
			return devdrv_handle_fail(h, DEVDRV_E_INVALID, "latency must be 1-255 ms");
		return s->ops->set_latency(h, *(unsigned *)arg);
	case DEVDRV_IOC_SERIAL_PURGE:
		return arg && size == sizeof(unsigned) ? serial_purge(h, *(unsigned *)arg) : wrong_size(h, request);
	default:
		return DEVDRV_E_UNSUPPORTED;
	}
}
