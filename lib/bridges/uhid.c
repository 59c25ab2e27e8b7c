/* uhid.c — the input bridge: a HID-class handle behind the kernel's uhid
 * interface. Input reports read from the device become UHID_INPUT2 events;
 * UHID_OUTPUT becomes an output report to the device; UHID_GET_REPORT and
 * UHID_SET_REPORT of feature reports become the class requests, and are
 * answered with the device's result (EIO for what a USB HID device cannot
 * do that way). Every length the kernel or the device gives is checked
 * against the event's buffers. */
#include "bridge.h"

#include <devdrv/hid.h>
#include <devdrv/uhid.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/uhid.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UHID_PATH "/dev/uhid"
#define UHID_READ_SLICE_MS 10 /* how long a device read waits before the kernel's events are looked at */
#define UHID_DEVICE_MS 1000

struct devdrv_uhid {
	struct devdrv_handle *h;
	int fd;
	int created;
	unsigned long reports;
	uint8_t report[UHID_DATA_MAX];
};

static int write_event(struct devdrv_uhid *u, const struct uhid_event *ev)
{
	ssize_t n = write(u->fd, ev, sizeof(*ev));

	if (n != (ssize_t)sizeof(*ev))
		return devdrv_handle_fail(u->h, DEVDRV_E_IO, "uhid: writing an event failed: %s",
		                          n < 0 ? strerror(errno) : "short write");
	return 0;
}

static void device_name(struct devdrv_handle *h, const struct devdrv_uhid_options *o, char *buf, size_t len)
{
	const struct devdrv_device_info *d = devdrv_handle_info(h);

	if (o && o->name)
		snprintf(buf, len, "%s", o->name);
	else
		snprintf(buf, len, "%s%s%s", d->manufacturer ? d->manufacturer : "", d->manufacturer ? " " : "",
		         d->product ? d->product : "USB HID device");
}

static int create_device(struct devdrv_uhid *u, const struct devdrv_uhid_options *o, const uint8_t *rd, size_t rd_len)
{
	const struct devdrv_device_info *d = devdrv_handle_info(u->h);
	struct uhid_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = UHID_CREATE2;
	device_name(u->h, o, (char *)ev.u.create2.name, sizeof(ev.u.create2.name));
	snprintf((char *)ev.u.create2.phys, sizeof(ev.u.create2.phys), "devdrv/%s/%s", d->transport, d->port_path);
	snprintf((char *)ev.u.create2.uniq, sizeof(ev.u.create2.uniq), "%s", d->serial ? d->serial : "");
	ev.u.create2.rd_size = (uint16_t)rd_len;
	ev.u.create2.bus = 0x03; /* BUS_USB */
	ev.u.create2.vendor = d->vid;
	ev.u.create2.product = d->pid;
	ev.u.create2.version = d->bcd_device;
	memcpy(ev.u.create2.rd_data, rd, rd_len);
	return write_event(u, &ev);
}

int devdrv_uhid_open(struct devdrv_handle *h, const struct devdrv_uhid_options *opts, struct devdrv_uhid **out)
{
	struct devdrv_uhid *u;
	const uint8_t *rd;
	size_t rd_len;
	int rc;

	if (!h || !out || (opts && opts->size < sizeof(*opts)))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "uhid: NULL argument or options.size not set");
	*out = NULL;
	if ((rc = devdrv_hid_get_report_descriptor(h, &rd, &rd_len)) < 0)
		return rc;
	if (opts && opts->descriptor) {
		rd = opts->descriptor;
		rd_len = opts->descriptor_len;
	}
	if (rd_len > HID_MAX_DESCRIPTOR_SIZE)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "uhid: a report descriptor of %zu bytes, over %d", rd_len,
		                          HID_MAX_DESCRIPTOR_SIZE);
	if (!(u = calloc(1, sizeof(*u))))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "uhid: out of memory");
	u->h = h;
	if ((u->fd = open(UHID_PATH, O_RDWR | O_CLOEXEC | O_NONBLOCK)) < 0) {
		int err = errno;

		free(u);
		return devdrv_handle_fail(h, err == EACCES || err == EPERM ? DEVDRV_E_ACCESS : DEVDRV_E_IO,
		                          "uhid: cannot open %s: %s%s", UHID_PATH, strerror(err),
		                          err == ENOENT ? " (load the uhid module)" : "");
	}
	if ((rc = create_device(u, opts, rd, rd_len)) < 0) {
		devdrv_uhid_close(u);
		return rc;
	}
	u->created = 1;
	*out = u;
	return 0;
}

/* ---- the kernel's requests --------------------------------------------------------- */

static int answer_get_report(struct devdrv_uhid *u, const struct uhid_get_report_req *req)
{
	struct uhid_event ev;
	ssize_t n = DEVDRV_E_UNSUPPORTED;

	memset(&ev, 0, sizeof(ev));
	ev.type = UHID_GET_REPORT_REPLY;
	ev.u.get_report_reply.id = req->id;
	if (req->rtype == UHID_FEATURE_REPORT)
		n = devdrv_hid_get_feature(u->h, req->rnum, ev.u.get_report_reply.data,
		                           sizeof(ev.u.get_report_reply.data));
	if (n < 0) {
		ev.u.get_report_reply.err = EIO;
	} else {
		ev.u.get_report_reply.size = (uint16_t)n;
	}
	return n == DEVDRV_E_DISCONNECTED ? (int)n : write_event(u, &ev);
}

static int answer_set_report(struct devdrv_uhid *u, const struct uhid_set_report_req *req)
{
	struct uhid_event ev;
	int rc = DEVDRV_E_UNSUPPORTED;

	if (req->size > sizeof(req->data))
		return devdrv_handle_fail(u->h, DEVDRV_E_PROTOCOL, "uhid: a SET_REPORT of %u bytes", req->size);
	memset(&ev, 0, sizeof(ev));
	ev.type = UHID_SET_REPORT_REPLY;
	ev.u.set_report_reply.id = req->id;
	if (req->rtype == UHID_FEATURE_REPORT)
		rc = devdrv_hid_set_feature(u->h, req->data, req->size);
	else if (req->rtype == UHID_OUTPUT_REPORT) {
		ssize_t n = devdrv_write(u->h, req->data, req->size, UHID_DEVICE_MS);

		rc = n < 0 ? (int)n : 0;
	}
	ev.u.set_report_reply.err = rc < 0 ? EIO : 0;
	return rc == DEVDRV_E_DISCONNECTED ? rc : write_event(u, &ev);
}

static int send_output(struct devdrv_uhid *u, const struct uhid_output_req *req)
{
	ssize_t n;

	if (req->size > sizeof(req->data))
		return devdrv_handle_fail(u->h, DEVDRV_E_PROTOCOL, "uhid: an output report of %u bytes", req->size);
	n = devdrv_write(u->h, req->data, req->size, UHID_DEVICE_MS);
	devdrv_dbg(u->h, "uhid: output report of %u bytes (type %u): %zd", req->size, req->rtype, n);
	if (n == DEVDRV_E_DISCONNECTED)
		return (int)n;
	if (n < 0) /* an LED that does not light is no reason to stop */
		devdrv_warn(u->h, "uhid: output report: %s", devdrv_errmsg(u->h));
	return 0;
}

static int from_kernel(struct devdrv_uhid *u)
{
	struct uhid_event ev;
	ssize_t n = read(u->fd, &ev, sizeof(ev));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0
		                                         : devdrv_handle_fail(u->h, DEVDRV_E_IO, "uhid: read: %s", strerror(errno));
	if (n < (ssize_t)sizeof(ev.type))
		return 0;
	devdrv_dbg(u->h, "uhid: event %u from the kernel", ev.type);
	switch (ev.type) {
	case UHID_OUTPUT: return send_output(u, &ev.u.output);
	case UHID_GET_REPORT: return answer_get_report(u, &ev.u.get_report);
	case UHID_SET_REPORT: return answer_set_report(u, &ev.u.set_report);
	default: return 0; /* START, STOP, OPEN, CLOSE: the device is always read */
	}
}

static int to_kernel(void *arg, const uint8_t *data, size_t len)
{
	struct devdrv_uhid *u = arg;
	struct uhid_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = UHID_INPUT2;
	ev.u.input2.size = (uint16_t)len;
	memcpy(ev.u.input2.data, data, len);
	u->reports++;
	return write_event(u, &ev);
}

static int uhid_from_os(void *arg)
{
	return from_kernel(arg);
}

int devdrv_uhid_run(struct devdrv_uhid *u, int stop_fd)
{
	struct dd_bridge_loop l;

	if (!u)
		return DEVDRV_E_INVALID;
	/* the buffer holds UHID_DATA_MAX bytes: a longer report is the driver's
	 * to refuse (an overflow, that report lost), never ours to copy */
	l = (struct dd_bridge_loop){ .h = u->h, .os_fd = u->fd, .from_os = uhid_from_os, .to_os = to_kernel, .arg = u,
		                     .buf = u->report, .len = sizeof(u->report), .slice_ms = UHID_READ_SLICE_MS,
		                     .overflow_is_data_lost = 1 };
	return dd_bridge_run(&l, stop_fd);
}

unsigned long devdrv_uhid_reports(const struct devdrv_uhid *u)
{
	return u ? u->reports : 0;
}

void devdrv_uhid_close(struct devdrv_uhid *u)
{
	struct uhid_event ev;

	if (!u)
		return;
	if (u->created) {
		memset(&ev, 0, sizeof(ev));
		ev.type = UHID_DESTROY;
		if (write(u->fd, &ev, sizeof(ev)) < 0) { /* closing the fd destroys it too */
		}
	}
	close(u->fd);
	free(u);
}
