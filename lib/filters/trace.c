/* trace.c — the "trace" lower filter: every transfer, at its submission and
 * at its completion, as Linux usbmon records it, in a pcap file that
 * Wireshark and tshark decode (LINKTYPE_USB_LINUX_MMAPPED), class
 * dissectors included. A trace starts after enumeration, so it opens with
 * the device's descriptors as if they had just been read: Wireshark learns
 * the interface classes from them (mass storage then shows SCSI).
 *
 *   trace:FILE.pcap
 *
 * Writing is buffered and flushed at every completion of a control
 * transfer and at close; a crash loses at most the records since. */
#include "../internal.h"
#include "usbmon.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct trace {
	pthread_mutex_t lock; /* completions run on other threads */
	struct dd_usbmon *pcap;
	uint16_t bus;
	uint8_t address;
	int failed; /* a write failed: logged once, the session goes on */
};

static void now(int64_t *sec, int32_t *usec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = ts.tv_sec;
	*usec = (int32_t)(ts.tv_nsec / 1000);
}

static uint8_t xfer_type(enum devdrv_transfer_type type)
{
	switch (type) {
	case DEVDRV_TRANSFER_CONTROL: return 2;
	case DEVDRV_TRANSFER_BULK: return 3;
	default: return 1; /* interrupt */
	}
}

/* The status usbmon shows for how a transfer ended, as the kernel's URB
 * status (negative errno). */
static int32_t urb_status(int status)
{
	switch (status) {
	case 0: return 0;
	case DEVDRV_E_PIPE: return -EPIPE;
	case DEVDRV_E_TIMEOUT: return -ENOENT; /* usbfs unlinks a URB that timed out */
	case DEVDRV_E_CANCELLED: return -ENOENT;
	case DEVDRV_E_OVERFLOW: return -EOVERFLOW;
	case DEVDRV_E_DISCONNECTED: return -ENODEV;
	case DEVDRV_E_NOMEM: return -ENOMEM;
	case DEVDRV_E_INVALID: return -EINVAL;
	default: return -EPROTO;
	}
}

static int is_in(const struct devdrv_transfer *t)
{
	return t->type == DEVDRV_TRANSFER_CONTROL ? (t->setup.request_type & 0x80) : (t->endpoint & 0x80);
}

static struct dd_usbmon_event event_of(const struct trace *tr, const struct devdrv_transfer *t, char type)
{
	struct dd_usbmon_event ev = {
		.id = (uint64_t)(uintptr_t)t,
		.type = type,
		.xfer_type = xfer_type(t->type),
		.endpoint = t->type == DEVDRV_TRANSFER_CONTROL ? (uint8_t)(t->setup.request_type & 0x80) : t->endpoint,
		.devnum = tr->address,
		.busnum = tr->bus,
	};

	now(&ev.ts_sec, &ev.ts_usec);
	if (t->type == DEVDRV_TRANSFER_CONTROL && type == 'S') {
		ev.has_setup = 1;
		ev.setup[0] = t->setup.request_type;
		ev.setup[1] = t->setup.request;
		ev.setup[2] = (uint8_t)(t->setup.value & 0xff);
		ev.setup[3] = (uint8_t)(t->setup.value >> 8);
		ev.setup[4] = (uint8_t)(t->setup.index & 0xff);
		ev.setup[5] = (uint8_t)(t->setup.index >> 8);
		ev.setup[6] = (uint8_t)(t->length & 0xff);
		ev.setup[7] = (uint8_t)(t->length >> 8);
	}
	return ev;
}

static void write_locked(struct devdrv_filter *f, struct trace *tr, const struct dd_usbmon_event *ev)
{
	if (dd_usbmon_write(tr->pcap, ev) < 0 && !tr->failed) {
		tr->failed = 1;
		devdrv_warn(devdrv_filter_handle(f), "trace: writing failed (%s); the trace is incomplete",
		            strerror(errno));
	}
}

static int trace_submit(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	struct trace *tr = devdrv_filter_priv(f);
	struct dd_usbmon_event ev = event_of(tr, t, 'S');

	ev.status = -EINPROGRESS;
	ev.length = (uint32_t)t->length;
	if (!is_in(t)) { /* OUT data is on its way: the submission carries it */
		ev.data = t->buffer;
		ev.data_len = (uint32_t)t->length;
	}
	pthread_mutex_lock(&tr->lock);
	write_locked(f, tr, &ev);
	pthread_mutex_unlock(&tr->lock);
	return devdrv_filter_pass(f, t);
}

static void trace_complete(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	struct trace *tr = devdrv_filter_priv(f);
	struct dd_usbmon_event ev = event_of(tr, t, 'C');

	ev.status = urb_status(t->status);
	ev.length = (uint32_t)t->actual_length;
	if (is_in(t)) { /* IN data arrived: the completion carries it */
		ev.data = t->buffer;
		ev.data_len = (uint32_t)t->actual_length;
	}
	pthread_mutex_lock(&tr->lock);
	write_locked(f, tr, &ev);
	if (t->type == DEVDRV_TRANSFER_CONTROL)
		dd_usbmon_flush(tr->pcap);
	pthread_mutex_unlock(&tr->lock);
}

/* The 18-byte device descriptor, rebuilt from what enumeration read. */
static void device_descriptor(const struct devdrv_device_info *info, uint8_t d[18])
{
	d[0] = 18, d[1] = 1;
	d[2] = (uint8_t)(info->bcd_usb & 0xff), d[3] = (uint8_t)(info->bcd_usb >> 8);
	d[4] = info->cls, d[5] = info->subclass, d[6] = info->protocol, d[7] = info->max_packet0;
	d[8] = (uint8_t)(info->vid & 0xff), d[9] = (uint8_t)(info->vid >> 8);
	d[10] = (uint8_t)(info->pid & 0xff), d[11] = (uint8_t)(info->pid >> 8);
	d[12] = (uint8_t)(info->bcd_device & 0xff), d[13] = (uint8_t)(info->bcd_device >> 8);
	d[14] = d[15] = d[16] = 0; /* string indices are not kept */
	d[17] = info->num_configs;
}

static int trace_attach(struct devdrv_filter *f, const char *args)
{
	struct trace *tr = devdrv_filter_priv(f);
	const struct devdrv_device_info *info = devdrv_handle_info(devdrv_filter_handle(f));
	const struct devdrv_config_info *cfg = devdrv_active_config(info);
	char err[DD_ERRMSG_LEN];
	uint8_t dev[18];
	int64_t sec;
	int32_t usec;

	if (!args || !*args)
		return devdrv_filter_fail(f, DEVDRV_E_INVALID, "give the file: trace:FILE.pcap");
	if (dd_usbmon_open(args, &tr->pcap, err, sizeof(err)) < 0)
		return devdrv_filter_fail(f, DEVDRV_E_INVALID, "%s", err);
	tr->bus = info->bus;
	tr->address = info->address;
	device_descriptor(info, dev);
	now(&sec, &usec);
	dd_usbmon_write_enumeration(tr->pcap, tr->bus, tr->address, dev, cfg ? cfg->raw : NULL,
	                          cfg ? cfg->raw_len : 0, sec, usec);
	pthread_mutex_init(&tr->lock, NULL);
	return 0;
}

static void trace_detach(struct devdrv_filter *f)
{
	struct trace *tr = devdrv_filter_priv(f);

	if (dd_usbmon_close(tr->pcap) < 0 && !tr->failed)
		devdrv_warn(devdrv_filter_handle(f), "trace: closing failed (%s); the trace is incomplete",
		            strerror(errno));
	pthread_mutex_destroy(&tr->lock);
}

static const struct devdrv_filter_ops trace_ops = {
	.api_version = DEVDRV_FILTER_API_VERSION,
	.name = "trace",
	.description = "write every transfer to a pcap file for Wireshark/tshark (usbmon format)",
	.usage = "FILE.pcap",
	.position = DEVDRV_FILTER_LOWER,
	.priv_size = sizeof(struct trace),
	.attach = trace_attach,
	.detach = trace_detach,
	.submit = trace_submit,
	.complete = trace_complete,
};
DD_FILTER_REGISTER(trace_ops);
