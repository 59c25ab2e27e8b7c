/* usb.c — the libusb transport: enumeration (strings and kernel drivers from
 * sysfs, so listing needs no permission), open/claim with kernel-driver
 * hand-over, and asynchronous transfers. The only file with libusb calls,
 * together with usb-errors.c. */
#include "../internal.h"
#include "usb-errors.h"

#include <errno.h>
#include <fcntl.h>
#include <libusb.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct dd_transport_ops usb_transport;

#define SYSFS_USB "/sys/bus/usb/devices"
#define CONTROL_SETUP_LEN 8

struct usb_state {
	libusb_context *uctx;
	struct devdrv_context *ctx;
	/* Between a completion freeing its libusb transfer and a cancel on
	 * another thread reaching for it. */
	pthread_mutex_t urb_lock;
	/* Callbacks running now (under urb_lock): a transfer counts as
	 * completed from just before its callback, and its waiter also waits
	 * for the callback to return, as the virtual bus and cq.c do. */
	struct dd_running *running;
	pthread_cond_t callback_returned;
	libusb_hotplug_callback_handle hotplug;
	int watching;
};

struct usb_handle {
	libusb_device_handle *uh;
};

static int usb_init(struct devdrv_context *ctx, void **state)
{
	struct usb_state *st = calloc(1, sizeof(*st));
	int rc;

	if (!st)
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "usb: out of memory");
	rc = libusb_init(&st->uctx);
	if (rc < 0) {
		free(st);
		return dd_ctx_fail(ctx, dd_usb_error(rc), "usb: libusb_init failed: %s",
		                   libusb_error_name(rc));
	}
	st->ctx = ctx;
	pthread_mutex_init(&st->urb_lock, NULL);
	pthread_cond_init(&st->callback_returned, NULL);
	*state = st;
	return 0;
}

static void usb_exit(void *state)
{
	struct usb_state *st = state;

	if (st->watching)
		libusb_hotplug_deregister_callback(st->uctx, st->hotplug);
	libusb_exit(st->uctx);
	pthread_mutex_destroy(&st->urb_lock);
	pthread_cond_destroy(&st->callback_returned);
	free(st);
}

/* ---- sysfs -------------------------------------------------------------- */

/* Read one attribute, without its trailing newline. Returns length or -1. */
static int sysfs_read(const char *dir, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SYSFS_USB "/%s/%s", dir, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = 0;
	return (int)n;
}

static int sysfs_set_string(const char *dir, const char *attr, const char **field)
{
	char buf[256];

	if (sysfs_read(dir, attr, buf, sizeof(buf)) < 0)
		return 0; /* absent is not an error */
	return dd_device_set_string(field, buf);
}

static int sysfs_kernel_driver(const char *intf_dir, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	const char *base;

	snprintf(path, sizeof(path), SYSFS_USB "/%s/driver", intf_dir);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = 0;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -1;
	memcpy(buf, base, strlen(base) + 1);
	return 0;
}

/* sysfs names a device by its port path, a root hub "usbN"; the interfaces of
 * a root hub are "N-0:C.I". */
static void sysfs_names(const struct devdrv_device_info *info, int root_hub, char *dev,
                        size_t dlen, char *intf_prefix, size_t plen)
{
	if (root_hub) {
		snprintf(dev, dlen, "usb%u", info->bus);
		snprintf(intf_prefix, plen, "%u-0", info->bus);
	} else {
		snprintf(dev, dlen, "%s", info->port_path);
		snprintf(intf_prefix, plen, "%s", info->port_path);
	}
}

static int read_interface_strings(struct dd_device *dev, const char *prefix)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(&dev->info);

	for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++) {
		const struct devdrv_interface_info *intf = &cfg->interfaces[i];
		char dir[DD_PORT_LEN + 16], drv[64], name[256], alt[8];
		int have_drv, have_name, current_alt;

		if (intf->alt_setting)
			continue;
		snprintf(dir, sizeof(dir), "%s:%u.%u", prefix, cfg->value, intf->number);
		have_drv = sysfs_kernel_driver(dir, drv, sizeof(drv)) == 0;
		/* "interface" is the iInterface string of the current alt setting only */
		have_name = sysfs_read(dir, "interface", name, sizeof(name)) >= 0;
		current_alt = sysfs_read(dir, "bAlternateSetting", alt, sizeof(alt)) > 0
		                  ? (int)strtoul(alt, NULL, 10) : 0;
		if (dd_device_set_interface_strings(dev, cfg->value, intf->number, have_drv ? drv : NULL,
		                                    current_alt, have_name ? name : NULL) < 0)
			return DEVDRV_E_NOMEM;
	}
	return 0;
}

/* Without sysfs (not Linux), ask the device, which needs permission. */
static void read_strings_from_device(struct dd_device *dev, libusb_device *d,
                                     const struct libusb_device_descriptor *dd)
{
	const uint8_t idx[3] = { dd->iManufacturer, dd->iProduct, dd->iSerialNumber };
	const char **fields[3] = { &dev->info.manufacturer, &dev->info.product, &dev->info.serial };
	libusb_device_handle *uh;
	unsigned char buf[256];

	if (libusb_open(d, &uh) < 0)
		return; /* absent, not an error */
	for (int i = 0; i < 3; i++)
		if (idx[i] && libusb_get_string_descriptor_ascii(uh, idx[i], buf, sizeof(buf)) > 0)
			dd_device_set_string(fields[i], (const char *)buf);
	libusb_close(uh);
}

/* ---- descriptors ---------------------------------------------------------- */

static size_t put(uint8_t *out, size_t off, const void *src, size_t len)
{
	if (out && len)
		memcpy(out + off, src, len);
	return off + len;
}

/* libusb 1.0.26 returns counts without their arrays for some malformed
 * configurations (an endpoint whose bLength runs past the end leaves
 * bNumEndpoints set and endpoint NULL): never trust a count alone. */
static int endpoint_count(const struct libusb_interface_descriptor *alt)
{
	return alt->endpoint ? alt->bNumEndpoints : 0;
}

static int altsetting_count(const struct libusb_interface *intf)
{
	return intf->altsetting && intf->num_altsetting > 0 ? intf->num_altsetting : 0;
}

static int interface_count(const struct libusb_config_descriptor *c)
{
	return c->interface ? c->bNumInterfaces : 0;
}

static size_t extra_length(const unsigned char *extra, int len)
{
	return extra && len > 0 ? (size_t)len : 0;
}

static size_t put_endpoint(uint8_t *out, size_t off, const struct libusb_endpoint_descriptor *ep)
{
	uint8_t d[9] = { 0, LIBUSB_DT_ENDPOINT, ep->bEndpointAddress, ep->bmAttributes,
		         (uint8_t)(ep->wMaxPacketSize & 0xff), (uint8_t)(ep->wMaxPacketSize >> 8),
		         ep->bInterval, ep->bRefresh, ep->bSynchAddress };
	size_t dlen = ep->bLength >= 9 ? 9 : 7;

	d[0] = (uint8_t)dlen;
	off = put(out, off, d, dlen);
	return put(out, off, ep->extra, extra_length(ep->extra, ep->extra_length));
}

/* libusb hands out parsed configurations only; rebuild the raw bytes (its
 * "extra" fields keep every class-specific descriptor) so one parser, ours,
 * reads both real and virtual devices. Called twice: to size, then to fill. */
static size_t serialize_config(const struct libusb_config_descriptor *c, uint8_t *out)
{
	uint8_t hdr[9] = { 9, LIBUSB_DT_CONFIG, 0, 0, (uint8_t)interface_count(c), c->bConfigurationValue,
		           c->iConfiguration, c->bmAttributes, c->MaxPower };
	size_t off = put(out, 0, hdr, sizeof(hdr));

	off = put(out, off, c->extra, extra_length(c->extra, c->extra_length));
	for (int i = 0; i < interface_count(c); i++) {
		const struct libusb_interface *intf = &c->interface[i];

		for (int a = 0; a < altsetting_count(intf); a++) {
			const struct libusb_interface_descriptor *alt = &intf->altsetting[a];
			uint8_t d[9] = { 9, LIBUSB_DT_INTERFACE, alt->bInterfaceNumber,
				         alt->bAlternateSetting, (uint8_t)endpoint_count(alt),
				         alt->bInterfaceClass, alt->bInterfaceSubClass,
				         alt->bInterfaceProtocol, alt->iInterface };

			off = put(out, off, d, sizeof(d));
			off = put(out, off, alt->extra, extra_length(alt->extra, alt->extra_length));
			for (int e = 0; e < endpoint_count(alt); e++)
				off = put_endpoint(out, off, &alt->endpoint[e]);
		}
	}
	if (out) {
		out[2] = (uint8_t)(off & 0xff);
		out[3] = (uint8_t)(off >> 8);
	}
	return off;
}

static int add_configs(struct usb_state *st, struct dd_device *dev, libusb_device *d, int count)
{
	for (int i = 0; i < count; i++) {
		struct libusb_config_descriptor *c;
		uint8_t *raw;
		size_t len;
		int rc = libusb_get_config_descriptor(d, (uint8_t)i, &c);

		if (rc < 0) {
			dd_warn(st->ctx, "%s: configuration %d unreadable: %s", dev->port_path, i,
			        libusb_error_name(rc));
			continue;
		}
		len = serialize_config(c, NULL);
		raw = len <= 0xffff ? malloc(len) : NULL;
		if (raw)
			serialize_config(c, raw);
		libusb_free_config_descriptor(c);
		rc = raw ? dd_device_add_config(dev, raw, len) : DEVDRV_E_PROTOCOL;
		free(raw);
		if (rc == DEVDRV_E_NOMEM)
			return rc;
		if (rc < 0)
			dd_warn(st->ctx, "%s: configuration %d malformed, ignored", dev->port_path, i);
	}
	return 0;
}

/* ---- enumeration ------------------------------------------------------------ */

static void set_port_path(struct dd_device *dev, libusb_device *d)
{
	uint8_t ports[8];
	int n = libusb_get_port_numbers(d, ports, (int)sizeof(ports));
	size_t off;

	off = (size_t)snprintf(dev->port_path, sizeof(dev->port_path), "%u", dev->info.bus);
	for (int i = 0; i < n && off < sizeof(dev->port_path); i++)
		off += (size_t)snprintf(dev->port_path + off, sizeof(dev->port_path) - off, "%c%u",
		                        i ? '.' : '-', ports[i]);
}

/* A device behind the kernel's USB/IP host controller (vhci_hcd) is on
 * another machine: its sysfs path goes through the controller. */
static int imported_over_usbip(const char *sysname)
{
	char path[256], real[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", SYSFS_USB, sysname);
	return realpath(path, real) && strstr(real, "/vhci_hcd") != NULL;
}

static int fill_record(struct usb_state *st, struct dd_device *dev, libusb_device *d)
{
	struct devdrv_device_info *info = &dev->info;
	struct libusb_device_descriptor dd;
	char sysname[DD_PORT_LEN + 8], prefix[DD_PORT_LEN + 8], buf[16];
	int rc, root_hub;

	rc = libusb_get_device_descriptor(d, &dd);
	if (rc < 0)
		return dd_usb_error(rc);
	info->bus = libusb_get_bus_number(d);
	info->address = libusb_get_device_address(d);
	info->speed = (enum devdrv_speed)libusb_get_device_speed(d);
	if (info->speed > DEVDRV_SPEED_SUPER_PLUS)
		info->speed = DEVDRV_SPEED_UNKNOWN;
	info->vid = dd.idVendor;
	info->pid = dd.idProduct;
	info->bcd_device = dd.bcdDevice;
	info->bcd_usb = dd.bcdUSB;
	info->cls = dd.bDeviceClass;
	info->subclass = dd.bDeviceSubClass;
	info->protocol = dd.bDeviceProtocol;
	info->max_packet0 = dd.bMaxPacketSize0;
	set_port_path(dev, d);
	root_hub = libusb_get_parent(d) == NULL && libusb_get_port_number(d) == 0;
	if ((rc = add_configs(st, dev, d, dd.bNumConfigurations)) < 0)
		return rc;
	sysfs_names(info, root_hub, sysname, sizeof(sysname), prefix, sizeof(prefix));
	info->remote = !root_hub && imported_over_usbip(sysname); /* its root hub is local */
	if (sysfs_read(sysname, "bConfigurationValue", buf, sizeof(buf)) < 0) {
		read_strings_from_device(dev, d, &dd);
		return 0;
	}
	info->active_config = (uint8_t)strtoul(buf, NULL, 10);
	if ((rc = sysfs_set_string(sysname, "manufacturer", &info->manufacturer)) < 0 ||
	    (rc = sysfs_set_string(sysname, "product", &info->product)) < 0 ||
	    (rc = sysfs_set_string(sysname, "serial", &info->serial)) < 0)
		return rc;
	return read_interface_strings(dev, prefix);
}

static int usb_enumerate(struct devdrv_context *ctx, void *state, struct dd_device_vec *out)
{
	struct usb_state *st = state;
	libusb_device **list;
	ssize_t n = libusb_get_device_list(st->uctx, &list);
	int rc = 0;

	if (n < 0)
		return dd_ctx_fail(ctx, dd_usb_error((int)n), "usb: cannot list devices: %s",
		                   libusb_error_name((int)n));
	for (ssize_t i = 0; i < n && rc == 0; i++) {
		struct dd_device *dev = dd_device_new(&usb_transport, st, libusb_ref_device(list[i]));

		if (!dev) {
			libusb_unref_device(list[i]);
			rc = DEVDRV_E_NOMEM;
			break;
		}
		rc = fill_record(st, dev, list[i]);
		if (rc == 0)
			rc = dd_device_vec_push(out, dev);
		if (rc < 0)
			dd_device_free(dev);
		if (rc < 0 && rc != DEVDRV_E_NOMEM) {
			dd_warn(ctx, "usb: skipping a device: %s", devdrv_strerror(rc));
			out->skipped++;
			rc = 0;
		}
	}
	libusb_free_device_list(list, 1);
	return rc < 0 ? dd_ctx_fail(ctx, rc, "usb: enumeration failed: %s", devdrv_strerror(rc)) : 0;
}

static void usb_device_release(void *tdev)
{
	libusb_unref_device(tdev);
}

/* ---- handles ---------------------------------------------------------------- */

static libusb_device_handle *uh_of(struct devdrv_handle *h)
{
	return ((struct usb_handle *)h->tpriv)->uh;
}

static int usb_open(struct devdrv_handle *h)
{
	struct usb_handle *uhp = calloc(1, sizeof(*uhp));
	const struct devdrv_device_info *info = &h->dev->info;
	int rc;

	if (!uhp)
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "open: out of memory");
	rc = libusb_open(h->dev->tdev, &uhp->uh);
	if (rc < 0) {
		free(uhp);
		if (rc == LIBUSB_ERROR_ACCESS)
			return devdrv_handle_fail(h, DEVDRV_E_ACCESS,
			                          "open /dev/bus/usb/%03u/%03u (%04x:%04x): permission "
			                          "denied; install libdevdrv's udev rules (README, "
			                          "\"Access\") and re-plug, or run as root",
			                          info->bus, info->address, info->vid, info->pid);
		return devdrv_handle_fail(h, dd_usb_error(rc), "open %s (%04x:%04x): %s",
		                          info->port_path, info->vid, info->pid, libusb_error_name(rc));
	}
	/* The kernel gets its driver back when we release the interface. */
	libusb_set_auto_detach_kernel_driver(uhp->uh, 1);
	h->tpriv = uhp;
	return 0;
}

static void usb_close(struct devdrv_handle *h)
{
	struct usb_handle *uhp = h->tpriv;

	libusb_close(uhp->uh);
	free(uhp);
	h->tpriv = NULL;
}

static const char *kernel_driver_of(struct devdrv_handle *h, int iface)
{
	const struct devdrv_interface_info *intf =
	    devdrv_find_interface(devdrv_active_config(&h->dev->info), iface);

	return intf && intf->kernel_driver ? intf->kernel_driver : NULL;
}

static int usb_claim(struct devdrv_handle *h, int iface)
{
	const char *kdrv = kernel_driver_of(h, iface);
	int rc = libusb_claim_interface(uh_of(h), iface);

	if (rc == 0)
		return 0;
	if (rc == LIBUSB_ERROR_BUSY)
		return devdrv_handle_fail(h, DEVDRV_E_BUSY,
		                          "claim interface %d: busy: %s%s%s", iface,
		                          kdrv ? "kernel driver " : "another program has claimed it",
		                          kdrv ? kdrv : "", kdrv ? " bound and detach was refused" : "");
	if (rc == LIBUSB_ERROR_ACCESS)
		return devdrv_handle_fail(h, DEVDRV_E_ACCESS,
		                          "claim interface %d: detaching kernel driver %s: permission "
		                          "denied; run as root or unbind it first",
		                          iface, kdrv ? kdrv : "(unknown)");
	return devdrv_handle_fail(h, dd_usb_error(rc), "claim interface %d: %s", iface,
	                          libusb_error_name(rc));
}

static int usb_release(struct devdrv_handle *h, int iface)
{
	int rc = libusb_release_interface(uh_of(h), iface);

	/* a vanished device has nothing left to release */
	if (rc < 0 && rc != LIBUSB_ERROR_NO_DEVICE && rc != LIBUSB_ERROR_NOT_FOUND)
		return devdrv_handle_fail(h, dd_usb_error(rc), "release interface %d: %s", iface,
		                          libusb_error_name(rc));
	return 0;
}

static int usb_simple_result(struct devdrv_handle *h, int rc, const char *what)
{
	if (rc < 0)
		return devdrv_handle_fail(h, dd_usb_error(rc), "%s: %s", what, libusb_error_name(rc));
	return 0;
}

static int usb_set_alt(struct devdrv_handle *h, int iface, int alt)
{
	return usb_simple_result(h, libusb_set_interface_alt_setting(uh_of(h), iface, alt),
	                         "set alt setting");
}

static int usb_clear_halt(struct devdrv_handle *h, uint8_t ep)
{
	return usb_simple_result(h, libusb_clear_halt(uh_of(h), ep), "clear halt");
}

static int usb_reset(struct devdrv_handle *h)
{
	return usb_simple_result(h, libusb_reset_device(uh_of(h)), "reset");
}

/* ---- transfers ---------------------------------------------------------- */

/* The libusb transfer of a devdrv transfer in flight, kept in its
 * framework state; NULL when none is. */
static struct libusb_transfer **urb_of(struct devdrv_transfer *t)
{
	return (struct libusb_transfer **)(void *)dd_xfer(t)->tpriv;
}

/* Run @t's callback, listed as running meanwhile; @t is not touched after
 * the callback returns (it may have been freed or submitted again). */
static void run_callback(struct usb_state *st, struct devdrv_transfer *t)
{
	struct dd_running self;

	pthread_mutex_lock(&st->urb_lock);
	dd_running_enter(&st->running, &self, t);
	pthread_mutex_unlock(&st->urb_lock);
	dd_xfer(t)->completed = 1;
	dd_transfer_complete(t);
	pthread_mutex_lock(&st->urb_lock);
	dd_running_leave(&st->running, &self);
	pthread_cond_broadcast(&st->callback_returned);
	pthread_mutex_unlock(&st->urb_lock);
}

static void LIBUSB_CALL usb_transfer_done(struct libusb_transfer *x)
{
	struct devdrv_transfer *t = x->user_data;
	struct usb_state *st = t->handle->dev->tstate;
	size_t actual = x->actual_length > 0 ? (size_t)x->actual_length : 0;

	t->status = dd_usb_transfer_status(x->status);
	if (t->type == DEVDRV_TRANSFER_CONTROL) {
		if (actual > t->length)
			actual = t->length;
		if ((t->setup.request_type & 0x80) && actual)
			memcpy(t->buffer, x->buffer + CONTROL_SETUP_LEN, actual);
		free(x->buffer);
	} else if (actual > t->length) {
		actual = t->length;
	}
	t->actual_length = actual;
	pthread_mutex_lock(&st->urb_lock);
	*urb_of(t) = NULL;
	pthread_mutex_unlock(&st->urb_lock);
	libusb_free_transfer(x);
	if (!t->callback) {
		dd_xfer(t)->completed = 1; /* the waiter's from here on */
		return;
	}
	run_callback(st, t);
}

static int fill_control(struct libusb_transfer *x, libusb_device_handle *uh,
                        struct devdrv_transfer *t)
{
	uint8_t *buf = malloc(CONTROL_SETUP_LEN + t->length);

	if (!buf)
		return DEVDRV_E_NOMEM;
	libusb_fill_control_setup(buf, t->setup.request_type, t->setup.request, t->setup.value,
	                          t->setup.index, (uint16_t)t->length);
	if (!(t->setup.request_type & 0x80) && t->length)
		memcpy(buf + CONTROL_SETUP_LEN, t->buffer, t->length);
	libusb_fill_control_transfer(x, uh, buf, usb_transfer_done, t, t->timeout_ms);
	return 0;
}

static int usb_submit(struct devdrv_transfer *t)
{
	libusb_device_handle *uh = uh_of(t->handle);
	struct libusb_transfer *x;
	int rc = 0;

	if (t->length > INT_MAX)
		return DEVDRV_E_INVALID;
	if (!(x = libusb_alloc_transfer(0)))
		return DEVDRV_E_NOMEM;
	if (t->type == DEVDRV_TRANSFER_CONTROL)
		rc = fill_control(x, uh, t);
	else if (t->type == DEVDRV_TRANSFER_BULK)
		libusb_fill_bulk_transfer(x, uh, t->endpoint, t->buffer, (int)t->length,
		                          usb_transfer_done, t, t->timeout_ms);
	else
		libusb_fill_interrupt_transfer(x, uh, t->endpoint, t->buffer, (int)t->length,
		                               usb_transfer_done, t, t->timeout_ms);
	if (rc == 0) {
		*urb_of(t) = x;
		rc = dd_usb_error(libusb_submit_transfer(x));
	}
	if (rc < 0) {
		struct usb_state *st = t->handle->dev->tstate;

		pthread_mutex_lock(&st->urb_lock); /* a cancel may have reached for it */
		*urb_of(t) = NULL;
		pthread_mutex_unlock(&st->urb_lock);
		if (t->type == DEVDRV_TRANSFER_CONTROL)
			free(x->buffer);
		libusb_free_transfer(x);
	}
	return rc;
}

/* Any thread: the lock keeps the libusb transfer alive while it is
 * cancelled (libusb runs the completion without its own locks held, so
 * this cannot wait for the completion that waits for it). */
static int usb_cancel(struct devdrv_transfer *t)
{
	struct usb_state *st = t->handle->dev->tstate;
	struct libusb_transfer *x;
	int rc = 0;

	pthread_mutex_lock(&st->urb_lock);
	if ((x = *urb_of(t))) /* else already completed */
		rc = libusb_cancel_transfer(x);
	pthread_mutex_unlock(&st->urb_lock);
	return rc == LIBUSB_ERROR_NOT_FOUND ? 0 : dd_usb_error(rc);
}

static int usb_wait(struct devdrv_transfer *t)
{
	struct usb_state *st = t->handle->dev->tstate;
	int cancelled = 0;

	/* libusb enforces the transfer's own timeout; the 1 s slice only bounds
	 * how long one call may block, and cooperates with other event threads.
	 * On an event error the transfer is cancelled but still waited for: the
	 * caller's buffer must not be released while libusb may write to it. */
	while (!dd_xfer(t)->completed && !dd_xfer(t)->by_filter) {
		struct timeval slice = { 1, 0 };
		int rc = libusb_handle_events_timeout_completed(st->uctx, &slice, &dd_xfer(t)->completed);

		if (rc < 0 && rc != LIBUSB_ERROR_INTERRUPTED && !cancelled) {
			dd_warn(st->ctx, "usb: event handling failed: %s", libusb_error_name(rc));
			usb_cancel(t);
			cancelled = 1;
		}
	}
	/* its callback may still run on the event thread: the caller frees
	 * what the callback uses once this returns */
	pthread_mutex_lock(&st->urb_lock);
	while (dd_running_has(st->running, t))
		pthread_cond_wait(&st->callback_returned, &st->urb_lock);
	pthread_mutex_unlock(&st->urb_lock);
	return 0;
}

static int usb_handle_events(void *state, unsigned timeout_ms)
{
	struct usb_state *st = state;
	struct timeval tv = { (time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000 };
	int rc = libusb_handle_events_timeout_completed(st->uctx, &tv, NULL);

	return rc < 0 && rc != LIBUSB_ERROR_INTERRUPTED ? dd_usb_error(rc) : 0;
}

/* libusb's descriptors (its event pipe, timerfd, usbfs nodes); their
 * timeouts are handled through the timerfd on Linux, else asked for. */
static int usb_poll_info(void *state, struct pollfd *fds, size_t max, int *timeout_ms)
{
	struct usb_state *st = state;
	const struct libusb_pollfd **list = libusb_get_pollfds(st->uctx);
	struct timeval tv;
	int n = 0;

	if (!list)
		return dd_ctx_fail(st->ctx, DEVDRV_E_NOMEM, "usb: libusb_get_pollfds failed");
	for (; list[n]; n++)
		if ((size_t)n < max)
			fds[n] = (struct pollfd){ .fd = list[n]->fd, .events = list[n]->events };
	libusb_free_pollfds(list);
	if (!libusb_pollfds_handle_timeouts(st->uctx) && libusb_get_next_timeout(st->uctx, &tv) == 1) {
		long long ms = (long long)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;

		if (*timeout_ms < 0 || ms < *timeout_ms)
			*timeout_ms = (int)(ms > 1000000 ? 1000000 : ms);
	}
	return n;
}

/* libusb runs this from its event handling: only say that something changed
 * (the comparison lists devices, which libusb forbids from here). */
static int LIBUSB_CALL usb_hotplug_event(libusb_context *uctx, libusb_device *dev, libusb_hotplug_event event,
                                         void *user)
{
	(void)uctx;
	(void)dev;
	(void)event;
	dd_hotplug_changed(user);
	return 0;
}

static int usb_watch(void *state)
{
	struct usb_state *st = state;
	int rc;

	if (st->watching)
		return 0;
	if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG))
		return dd_ctx_fail(st->ctx, DEVDRV_E_UNSUPPORTED, "usb: this libusb cannot report hotplug events");
	rc = libusb_hotplug_register_callback(st->uctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
	                                      0, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
	                                      LIBUSB_HOTPLUG_MATCH_ANY, usb_hotplug_event, st->ctx, &st->hotplug);
	if (rc < 0)
		return dd_ctx_fail(st->ctx, dd_usb_error(rc), "usb: hotplug registration failed: %s", libusb_error_name(rc));
	st->watching = 1;
	return 0;
}

/* Ask the device for its status until it answers (present), usbfs says it is
 * gone, or 500 ms pass: the kernel needs a moment to process a disconnect. */
static int usb_present(struct devdrv_handle *h)
{
	for (int attempt = 0; attempt < 10; attempt++) {
		unsigned char status[2];
		int rc = libusb_control_transfer(uh_of(h), 0x80, LIBUSB_REQUEST_GET_STATUS, 0, 0, status,
		                                 sizeof(status), 100);

		if (rc == LIBUSB_ERROR_NO_DEVICE)
			return 0;
		if (rc >= 0 || rc == LIBUSB_ERROR_PIPE)
			return 1;
		usleep(50 * 1000);
	}
	return 1; /* still there as far as we can tell: report the I/O error */
}

static const struct dd_transport_ops usb_transport = {
	.name = "usb",
	.transfer_priv_size = sizeof(struct libusb_transfer *),
	.id = DEVDRV_TRANSPORT_USB,
	.init = usb_init,
	.exit = usb_exit,
	.enumerate = usb_enumerate,
	.device_release = usb_device_release,
	.open = usb_open,
	.close = usb_close,
	.claim = usb_claim,
	.release = usb_release,
	.set_alt = usb_set_alt,
	.clear_halt = usb_clear_halt,
	.reset = usb_reset,
	.submit = usb_submit,
	.cancel = usb_cancel,
	.wait = usb_wait,
	.handle_events = usb_handle_events,
	.poll_info = usb_poll_info,
	.watch = usb_watch,
	.present = usb_present,
};
DD_TRANSPORT_REGISTER(usb_transport);
