/* usbfs-emu.c — see usbfs-emu.h. Runs in umockdev's ioctl thread; the test
 * thread only calls unplug, so one mutex guards the device state. */
#include "usbfs-emu.h"

#include <errno.h>
#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <string.h>

#define SCRATCH_SIZE 64
#define SETUP_LEN 8

struct emu_device {
	UMockdevTestbed *bed;
	UMockdevIoctlBase *handler;
	char *syspath;
	char *devnode;
	GMutex lock;
	GByteArray *fifo;
	GQueue pending_in;  /* IN URBs waiting for data (UMockdevIoctlData *) */
	GQueue reapable;    /* completed URBs */
	gboolean unplugged;
	guint8 scratch[SCRATCH_SIZE];
	gsize scratch_len;
	unsigned ioctls;
};

static struct usbdevfs_urb *urb_of(UMockdevIoctlData *urb_data)
{
	return (struct usbdevfs_urb *)urb_data->data;
}

static void finish(struct emu_device *d, UMockdevIoctlData *urb_data, int status, int actual)
{
	urb_of(urb_data)->status = status;
	urb_of(urb_data)->actual_length = actual;
	g_queue_push_tail(&d->reapable, urb_data);
}

/* Hand queued loopback data to waiting IN URBs, oldest first. */
static void serve_pending_in(struct emu_device *d)
{
	while (d->fifo->len && !g_queue_is_empty(&d->pending_in)) {
		UMockdevIoctlData *urb_data = g_queue_pop_head(&d->pending_in);
		struct usbdevfs_urb *urb = urb_of(urb_data);
		guint n = MIN((guint)urb->buffer_length, d->fifo->len);

		memcpy(urb->buffer, d->fifo->data, n);
		g_byte_array_remove_range(d->fifo, 0, n);
		finish(d, urb_data, 0, (int)n);
	}
}

static void handle_control(struct emu_device *d, UMockdevIoctlData *urb_data)
{
	struct usbdevfs_urb *urb = urb_of(urb_data);
	guint8 *buf = urb->buffer;
	int len = urb->buffer_length - SETUP_LEN;
	guint8 type = buf[0], request = buf[1];

	if (type == 0x40 && request == 0x01 && len <= SCRATCH_SIZE) {
		memcpy(d->scratch, buf + SETUP_LEN, (size_t)len);
		d->scratch_len = (gsize)len;
		finish(d, urb_data, 0, len);
	} else if (type == 0xc0 && request == 0x02) {
		int n = MIN(len, (int)d->scratch_len);

		memcpy(buf + SETUP_LEN, d->scratch, (size_t)n);
		finish(d, urb_data, 0, n);
	} else if (type == 0x40 && len == 0) {
		finish(d, urb_data, 0, 0); /* vendor commands without data (FTDI's) */
	} else if ((type & 0x60) == 0 && (request == 0x09 || request == 0x0b || request == 0x01)) {
		finish(d, urb_data, 0, 0); /* SET_CONFIGURATION, SET_INTERFACE, CLEAR_FEATURE */
	} else {
		finish(d, urb_data, -EPIPE, 0);
	}
}

static int submit(struct emu_device *d, UMockdevIoctlData *arg)
{
	UMockdevIoctlData *urb_data = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), NULL);
	struct usbdevfs_urb *urb = urb_of(urb_data);
	UMockdevIoctlData *buffer;

	/* resolving the buffer rewrites urb->buffer to our copy; completion
	 * writes both back to the client */
	buffer = umockdev_ioctl_data_resolve(urb_data, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer),
	                                     (gsize)urb->buffer_length, NULL);
	g_object_unref(buffer);
	if (urb->type == USBDEVFS_URB_TYPE_CONTROL && urb->buffer_length >= SETUP_LEN)
		handle_control(d, urb_data);
	else if (urb->type == USBDEVFS_URB_TYPE_BULK && urb->endpoint == 0x01) {
		g_byte_array_append(d->fifo, urb->buffer, (guint)urb->buffer_length);
		finish(d, urb_data, 0, urb->buffer_length);
	} else if (urb->type == USBDEVFS_URB_TYPE_BULK && urb->endpoint == 0x81) {
		g_queue_push_tail(&d->pending_in, urb_data);
	} else {
		g_object_unref(urb_data);
		return EINVAL;
	}
	serve_pending_in(d);
	return 0;
}

static int reap(struct emu_device *d, UMockdevIoctlData *arg)
{
	UMockdevIoctlData *urb_data = g_queue_pop_head(&d->reapable);
	UMockdevIoctlData *ptr;

	if (!urb_data)
		return d->unplugged ? ENODEV : EAGAIN;
	ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), NULL);
	umockdev_ioctl_data_set_ptr(ptr, 0, urb_data);
	g_object_unref(ptr);
	g_object_unref(urb_data);
	return 0;
}

static gint has_client_addr(gconstpointer data, gconstpointer addr)
{
	return ((const UMockdevIoctlData *)data)->client_addr != (gulong)addr;
}

/* libusb discards a URB on timeout or cancel; it then reaps it as -ENOENT. */
static int discard(struct emu_device *d, UMockdevIoctlData *arg)
{
	GList *l = g_queue_find_custom(&d->pending_in, *(void **)arg->data, has_client_addr);
	UMockdevIoctlData *urb_data;

	if (!l)
		return EINVAL;
	urb_data = l->data;
	g_queue_delete_link(&d->pending_in, l);
	finish(d, urb_data, -ENOENT, 0);
	return 0;
}

static int capabilities(UMockdevIoctlData *arg)
{
	UMockdevIoctlData *caps = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), NULL);

	*(guint32 *)caps->data = USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
	                         USBDEVFS_CAP_REAP_AFTER_DISCONNECT | USBDEVFS_CAP_ZERO_PACKET;
	g_object_unref(caps);
	return 0;
}

static int dispatch(struct emu_device *d, gulong request, UMockdevIoctlData *arg)
{
	if (request == USBDEVFS_REAPURB || request == USBDEVFS_REAPURBNDELAY)
		return reap(d, arg); /* still delivers what completed before the unplug */
	if (d->unplugged)
		return ENODEV;
	switch (request) {
	case USBDEVFS_GET_CAPABILITIES: return capabilities(arg);
	case USBDEVFS_SUBMITURB: return submit(d, arg);
	case USBDEVFS_DISCARDURB: return discard(d, arg);
	case USBDEVFS_GETDRIVER:
	case USBDEVFS_IOCTL: return ENODATA; /* no kernel driver to hand over */
	case USBDEVFS_DISCONNECT_CLAIM: /* no kernel driver here: a plain claim */
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE:
	case USBDEVFS_SETINTERFACE:
	case USBDEVFS_SETCONFIGURATION:
	case USBDEVFS_CLEAR_HALT:
	case USBDEVFS_RESET:
	case USBDEVFS_RESETEP: return 0;
	default:
		g_printerr("usbfs-emu: unhandled ioctl 0x%lx\n", request);
		return ENOTTY;
	}
}

static gboolean on_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user)
{
	struct emu_device *d = user;
	int err;

	(void)handler;
	g_mutex_lock(&d->lock);
	d->ioctls++;
	err = dispatch(d, umockdev_ioctl_client_get_request(client), umockdev_ioctl_client_get_arg(client));
	g_mutex_unlock(&d->lock);
	umockdev_ioctl_client_complete(client, err ? -1 : 0, err);
	return TRUE;
}

struct emu_device *emu_device_new(UMockdevTestbed *bed, const char *sysfs_record, int busnum, int devnum)
{
	struct emu_device *d = g_new0(struct emu_device, 1);
	GError *error = NULL;

	d->bed = g_object_ref(bed);
	d->fifo = g_byte_array_new();
	g_mutex_init(&d->lock);
	g_queue_init(&d->pending_in);
	g_queue_init(&d->reapable);
	d->devnode = g_strdup_printf("/dev/bus/usb/%03d/%03d", busnum, devnum);
	d->handler = umockdev_ioctl_base_new();
	g_signal_connect(d->handler, "handle-ioctl", G_CALLBACK(on_ioctl), d);
	/* the handler must be in place before the add uevent reaches libusb */
	if (!umockdev_testbed_attach_ioctl(bed, d->devnode, d->handler, &error))
		g_error("attach ioctl %s: %s", d->devnode, error->message);
	if (!umockdev_testbed_add_from_string(bed, sysfs_record, &error))
		g_error("add device: %s", error->message);
	d->syspath = g_strdup(strstr(sysfs_record, "P: ") + 3);
	*strchr(d->syspath, '\n') = 0;
	return d;
}

void emu_device_fail_pending(struct emu_device *d, int urb_status)
{
	g_mutex_lock(&d->lock);
	while (!g_queue_is_empty(&d->pending_in))
		finish(d, g_queue_pop_head(&d->pending_in), urb_status, 0);
	g_mutex_unlock(&d->lock);
}

void emu_device_unplug(struct emu_device *d, int urb_status)
{
	char *sys;

	g_mutex_lock(&d->lock);
	d->unplugged = TRUE;
	while (!g_queue_is_empty(&d->pending_in))
		finish(d, g_queue_pop_head(&d->pending_in), urb_status, 0);
	g_mutex_unlock(&d->lock);
	sys = g_strconcat("/sys", d->syspath, NULL);
	umockdev_testbed_remove_device(d->bed, sys);
	g_free(sys);
}

unsigned emu_device_ioctl_count(struct emu_device *d)
{
	unsigned n;

	g_mutex_lock(&d->lock);
	n = d->ioctls;
	g_mutex_unlock(&d->lock);
	return n;
}

void emu_device_free(struct emu_device *d)
{
	if (!d)
		return;
	umockdev_testbed_detach_ioctl(d->bed, d->devnode, NULL);
	g_object_unref(d->handler);
	g_queue_clear_full(&d->pending_in, g_object_unref);
	g_queue_clear_full(&d->reapable, g_object_unref);
	g_byte_array_unref(d->fifo);
	g_mutex_clear(&d->lock);
	g_object_unref(d->bed);
	g_free(d->devnode);
	g_free(d->syspath);
	g_free(d);
}
