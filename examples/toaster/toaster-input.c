/* toaster-input.c — the toaster as an input device: a second driver of the
 * plugin, of class HID, for a device that speaks no HID at all. It makes up
 * a report descriptor and turns the toaster's vendor protocol into reports,
 * so that `devdrv run 1209:70a5,driver=toaster-input --uhid` publishes the
 * toaster to the kernel's input layer like a keyboard:
 *
 *   input report (1 byte)   bit 0: F13, pressed and released when toast is done
 *                           bit 1: F14, held while the toaster heats
 *   output report (1 byte)  bit 0: start toasting (an LED usage: what a
 *                           program writes to the hidraw node)
 *
 * The status endpoint is read by an interrupt transfer kept posted in the
 * background, so that no status report is lost between two reads. */
#include "toaster.h"

#include <devdrv/driver.h>
#include <devdrv/hid.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define INPUT_DONE 0x01    /* F13: the first usage, bit 0 */
#define INPUT_HEATING 0x02 /* F14 */
#define OUTPUT_START 0x01
#define CONTROL_MS 1000

/* Generic Desktop Keyboard: F13 (0x68) and F14 (0x69) as two bits of input,
 * six bits of padding; one bit of output (LED page, Generic Indicator). */
static const uint8_t report_descriptor[] = {
	0x05, 0x01,       /* Usage Page (Generic Desktop) */
	0x09, 0x06,       /* Usage (Keyboard) */
	0xa1, 0x01,       /* Collection (Application) */
	0x05, 0x07,       /*   Usage Page (Keyboard) */
	0x19, 0x68,       /*   Usage Minimum (F13) */
	0x29, 0x69,       /*   Usage Maximum (F14) */
	0x15, 0x00,       /*   Logical Minimum (0) */
	0x25, 0x01,       /*   Logical Maximum (1) */
	0x75, 0x01,       /*   Report Size (1) */
	0x95, 0x02,       /*   Report Count (2) */
	0x81, 0x02,       /*   Input (Data, Variable, Absolute) */
	0x75, 0x06,       /*   Report Size (6) */
	0x95, 0x01,       /*   Report Count (1) */
	0x81, 0x03,       /*   Input (Constant): padding */
	0x05, 0x08,       /*   Usage Page (LED) */
	0x09, 0x4b,       /*   Usage (Generic Indicator) */
	0x75, 0x01,       /*   Report Size (1) */
	0x95, 0x01,       /*   Report Count (1) */
	0x91, 0x02,       /*   Output (Data, Variable, Absolute) */
	0x75, 0x07,       /*   Report Size (7) */
	0x91, 0x03,       /*   Output (Constant): padding */
	0xc0,             /* End Collection */
};

struct toaster_input {
	struct devdrv_transfer *status; /* kept posted on the interrupt endpoint */
	uint8_t status_buf[TOASTER_STATUS_LEN];
	pthread_mutex_t lock;
	pthread_cond_t changed;
	int state;        /* the last state the device reported, -1 none yet */
	int done_pending; /* it became done since the last report: press F13 */
	uint8_t shown;    /* the last input report returned */
	int done_shown;   /* F13 was pressed: release it next */
	int running, closing;
	int error;       /* the status transfer ended with it */
};

static void status_done(struct devdrv_transfer *t)
{
	struct toaster_input *in = devdrv_handle_priv(t->handle);
	struct toaster_status s;

	int rc = 0;

	pthread_mutex_lock(&in->lock);
	if (t->status == 0 && toaster_parse_status(t->buffer, t->actual_length, &s) == 0) {
		if (s.state == TOASTER_DONE && in->state != TOASTER_DONE)
			in->done_pending = 1; /* even if the reader never saw it heat */
		in->state = (int)s.state;
	}
	if (t->status < 0 && t->status != DEVDRV_E_TIMEOUT && !in->closing)
		in->error = t->status;
	if (!in->closing && !in->error && (rc = devdrv_transfer_submit(t)) < 0)
		in->error = rc; /* the reader says so, rather than wait for nothing */
	in->running = !in->closing && !in->error;
	pthread_cond_broadcast(&in->changed);
	pthread_mutex_unlock(&in->lock);
}

static int input_open(struct devdrv_handle *h)
{
	struct toaster_input *in = devdrv_handle_priv(h);
	const struct devdrv_interface_info *intf;
	const struct devdrv_endpoint_info *ep;
	pthread_condattr_t attr;
	int rc = devdrv_default_open(h);

	if (rc < 0)
		return rc;
	intf = devdrv_find_interface(devdrv_active_config(devdrv_handle_info(h)), devdrv_handle_interface(h));
	if (!(ep = devdrv_find_endpoint(intf, 1, 1u << 3)))
		return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "toaster-input: no status endpoint");
	if (!(in->status = devdrv_transfer_alloc()))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "toaster-input: out of memory");
	pthread_mutex_init(&in->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&in->changed, &attr);
	pthread_condattr_destroy(&attr);
	in->state = -1;
	*in->status = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_INTERRUPT, .endpoint = ep->address,
		                                .buffer = in->status_buf, .length = sizeof(in->status_buf),
		                                .callback = status_done };
	pthread_mutex_lock(&in->lock);
	if ((rc = devdrv_transfer_submit(in->status)) == 0)
		in->running = 1; /* before its callback can take the lock */
	pthread_mutex_unlock(&in->lock);
	if (rc < 0) {
		devdrv_transfer_free(in->status);
		pthread_cond_destroy(&in->changed);
		pthread_mutex_destroy(&in->lock);
	}
	return rc;
}

static void input_close(struct devdrv_handle *h)
{
	struct toaster_input *in = devdrv_handle_priv(h);
	int running;

	pthread_mutex_lock(&in->lock);
	in->closing = 1;
	running = in->running;
	if (running)
		devdrv_transfer_cancel(in->status);
	pthread_mutex_unlock(&in->lock);
	if (running)
		devdrv_transfer_wait(in->status); /* until its callback returned too */
	devdrv_transfer_free(in->status);
	pthread_cond_destroy(&in->changed);
	pthread_mutex_destroy(&in->lock);
}

/* The report the toaster's state calls for now. */
static uint8_t report_now(struct toaster_input *in)
{
	if (in->done_shown) /* a press of F13 is followed by its release */
		return 0;
	if (in->done_pending)
		return INPUT_DONE;
	return in->state == TOASTER_HEATING ? INPUT_HEATING : 0;
}

/* One input report when the toaster's state makes another than the last. */
static ssize_t input_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms)
{
	struct toaster_input *in = devdrv_handle_priv(h);
	struct timespec deadline;
	ssize_t rc = DEVDRV_E_TIMEOUT;
	uint8_t want;
	int waited = 0;

	if (len < 1)
		return devdrv_handle_fail(h, DEVDRV_E_OVERFLOW, "toaster-input: a report is 1 byte");
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&in->lock);
	/* timeout 0: no limit, as devdrv_read() means it; the status
	 * transfer's callback signals, and runs here if nobody else handles
	 * events (a context in DEVDRV_EVENTS_APPLICATION) */
	while ((want = report_now(in)) == in->shown && !in->error && waited != DEVDRV_E_TIMEOUT)
		waited = devdrv_handle_wait(h, &in->changed, &in->lock, timeout_ms ? &deadline : NULL);
	if (in->error) {
		rc = in->error;
	} else if (want != in->shown) {
		in->done_shown = want == INPUT_DONE;
		if (want == INPUT_DONE)
			in->done_pending = 0;
		in->shown = want;
		*(uint8_t *)buf = want;
		rc = 1;
	}
	pthread_mutex_unlock(&in->lock);
	if (rc == DEVDRV_E_IO && devdrv_handle_check_present(h) < 0)
		rc = DEVDRV_E_DISCONNECTED;
	return rc;
}

/* The output report: bit 0 starts the toaster. A report numbered 0 (as
 * hidraw passes one) comes with that number first. */
static ssize_t input_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms)
{
	const uint8_t *b = buf;
	size_t report = len;
	int rc;

	(void)timeout_ms;
	if (len == 2 && b[0] == 0)
		b++, report--;
	if (report != 1)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "toaster-input: the output report is 1 byte, not %zu", report);
	if (!(b[0] & OUTPUT_START))
		return (ssize_t)len;
	rc = devdrv_usb_control(h, 0x41, TOASTER_REQ_START, 0, 0, NULL, 0, CONTROL_MS);
	if (rc == DEVDRV_E_PIPE)
		return devdrv_handle_fail(h, DEVDRV_E_BUSY, "the toaster is already heating");
	return rc < 0 ? rc : (ssize_t)len;
}

static int input_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t size)
{
	struct devdrv_hid_raw_arg *raw = arg;

	if (request != DEVDRV_IOC_HID_GET_RAW_DESCRIPTOR)
		return DEVDRV_E_UNSUPPORTED;
	if (!raw || size != sizeof(*raw))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "toaster-input: takes a struct devdrv_hid_raw_arg");
	raw->raw = report_descriptor;
	raw->len = sizeof(report_descriptor);
	return 0;
}

static const struct devdrv_match input_match[] = {
	{ DEVDRV_MATCH_DEVICE(TOASTER_VID, TOASTER_PID) },
	{ 0 },
};

const struct devdrv_driver toaster_input_driver = {
	.api_version = DEVDRV_DRIVER_API_VERSION,
	.name = "toaster-input",
	.description = "the USB toaster as a keyboard: F14 while heating, F13 when done (example plugin)",
	.cls = DEVDRV_CLASS_HID,
	.match = input_match,
	.priv_size = sizeof(struct toaster_input),
	.open = input_open,
	.close = input_close,
	.read = input_read,
	.write = input_write,
	.ioctl = input_ioctl,
};
