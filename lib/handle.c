/* handle.c — open(selector) and close, and the dispatch of read / write /
 * control / ioctl into the handle's stack. */
#include "internal.h"

#include <devdrv/hotplug.h>
#include <devdrv/raw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- open / close --------------------------------------------------------- */

/* ---- the whole device, for USB/IP export ---------------------------------- */

static int whole_device_open(struct devdrv_handle *h)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(devdrv_handle_info(h));
	int rc;

	for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++) {
		int number = cfg->interfaces[i].number;

		if (!dd_handle_claimed(h, number) && (rc = devdrv_usb_claim_interface(h, number)) < 0)
			return rc;
	}
	return 0;
}

static void whole_device_close(struct devdrv_handle *h)
{
	(void)h; /* the core releases the interfaces */
}

static ssize_t whole_device_refuses_io(struct devdrv_handle *h)
{
	return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED, "the device is exported whole: no read or write");
}

static ssize_t whole_device_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms)
{
	(void)buf, (void)len, (void)timeout_ms;
	return whole_device_refuses_io(h);
}

static ssize_t whole_device_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms)
{
	(void)buf, (void)len, (void)timeout_ms;
	return whole_device_refuses_io(h);
}

static int whole_device_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size)
{
	(void)h, (void)request, (void)arg, (void)arg_size;
	return DEVDRV_E_UNSUPPORTED;
}

/* Not registered: nothing binds it but dd_open_whole_device(). */
static const struct devdrv_driver whole_device_driver = {
	.api_version = DEVDRV_DRIVER_API_VERSION,
	.name = "whole-device",
	.description = "the whole device, every interface claimed (USB/IP export)",
	.cls = DEVDRV_CLASS_RAW,
	.open = whole_device_open,
	.close = whole_device_close,
	.read = whole_device_read,
	.write = whole_device_write,
	.ioctl = whole_device_ioctl,
};

static int bind_handle(struct devdrv_handle *h)
{
	const char *only = (h->sel.has & DD_SEL_DRIVER) ? h->sel.driver : NULL;
	const struct devdrv_device_info *info = &h->dev->info;

	if (h->whole_device) {
		const struct devdrv_config_info *cfg = devdrv_active_config(info);

		h->bind = (struct dd_binding){ .driver = &whole_device_driver,
		                               .iface = cfg && cfg->num_interfaces ? cfg->interfaces[0].number : -1 };
		return 0;
	}

	if (only && !dd_driver_by_name(only))
		return dd_ctx_fail(h->ctx, DEVDRV_E_NO_DRIVER,
		                   "driver=%s: no such driver (see 'devdrv drivers')", only);
	if (dd_bind(info, only, h->sel.iface, &h->bind) == 0)
		return 0;
	if (!info->num_configs && h->dev->ops->undescribed) {
		int rc = h->dev->ops->undescribed(h->ctx, h->dev);

		if (rc < 0)
			return rc;
	}
	return dd_ctx_fail(h->ctx, DEVDRV_E_NO_DRIVER,
	                   "%s (%04x:%04x): no driver binds%s%s; it has no claimable interface "
	                   "with bulk or interrupt endpoints",
	                   info->port_path, info->vid, info->pid, only ? " as " : "",
	                   only ? only : "");
}

/* A plugin's driver is a stub in the registry until a device needs it:
 * load the plugin now and bind its real driver (probe included). */
static int load_plugin_driver(struct devdrv_handle *h)
{
	struct dd_plugin *p = dd_driver_plugin(h->bind.driver);
	const struct devdrv_driver *real;
	int iface = h->bind.iface, rc;
	char err[DD_ERRMSG_LEN];

	if (!p)
		return 0;
	if ((rc = dd_plugin_acquire_driver(p, h->bind.driver->name, &real, err, sizeof(err))) < 0)
		return devdrv_handle_fail(h, rc, "%s", err);
	h->plugin = p;
	if (!(h->plugin_driver = dd_driver_filled_copy(real)))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "open: out of memory");
	if (real->probe && real->probe(&h->dev->info, h->bind.match, &iface) < 0)
		return devdrv_handle_fail(h, DEVDRV_E_NO_DRIVER, "driver %s (a plugin) refused %s in its probe",
		                          real->name, h->dev->port_path);
	h->bind.driver = h->plugin_driver;
	h->bind.iface = iface;
	devdrv_dbg(h, "plugin loaded for it");
	return 0;
}

static int start_handle(struct devdrv_handle *h)
{
	const struct devdrv_driver *drv;
	int rc;

	if ((rc = load_plugin_driver(h)) < 0)
		return rc;
	drv = h->bind.driver;

	if (drv->priv_size && !(h->priv = calloc(1, drv->priv_size)))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "open: out of memory");
	rc = h->dev->ops->open(h);
	if (rc < 0)
		return rc;
	/* before the driver's open: a trace shows what the driver does there */
	if (h->ctx->filters && (rc = dd_stack_attach_spec(h, h->ctx->filters)) < 0)
		return rc;
	rc = drv->open(h);
	if (rc < 0)
		dd_dbg(h->ctx, "driver %s refused to open: %s", drv->name, devdrv_errmsg(h));
	return rc;
}

static void stop_handle(struct devdrv_handle *h)
{
	/* Highest first: releasing gives each interface back to the kernel
	 * driver it was taken from, and a driver of two interfaces (cdc_ncm,
	 * cdc_acm: communication, then data) binds again only if, when its
	 * first interface comes back, the data interface is already free. */
	for (int i = DD_MAX_INTERFACES - 1; i >= 0; i--)
		if (dd_handle_claimed(h, i))
			devdrv_usb_release_interface(h, i);
	dd_deferred_dispatch(h->ctx); /* what filters completed reaches its callbacks */
	if (h->tpriv)
		h->dev->ops->close(h);
	dd_stack_detach_all(h); /* every transfer has completed through them */
	free(h->priv);
	h->priv = NULL;
	free(h->plugin_driver); /* the last thing of the plugin's the handle used */
	h->plugin_driver = NULL;
	dd_plugin_release(h->plugin);
	h->plugin = NULL;
}

/* A class API's open names the class it needs: refuse another driver before
 * its open callback touches the device. */
static int check_class(struct devdrv_handle *h, int want_class)
{
	const struct devdrv_driver *drv = h->bind.driver;

	if (want_class < 0 || (int)drv->cls == want_class)
		return 0;
	return dd_ctx_fail(h->ctx, DEVDRV_E_UNSUPPORTED,
	                   "%s binds driver %s, a %s driver, not a %s one ('devdrv drivers' lists the %s "
	                   "drivers; driver=NAME in the selector picks one)",
	                   h->dev->port_path, drv->name, devdrv_class_name(drv->cls),
	                   devdrv_class_name((enum devdrv_class)want_class),
	                   devdrv_class_name((enum devdrv_class)want_class));
}

static struct devdrv_handle *handle_new(struct devdrv_context *ctx)
{
	struct devdrv_handle *h = calloc(1, sizeof(*h));

	if (h) {
		h->ctx = ctx;
		pthread_mutex_init(&h->errlock, NULL);
	}
	return h;
}

static void handle_free(struct devdrv_handle *h)
{
	pthread_mutex_destroy(&h->errlock);
	free(h);
}

/* How long a device that has just arrived may refuse to open (udev still
 * setting its permissions, the kernel still binding a driver), and how often
 * it is tried meanwhile. */
#define ARRIVAL_SETTLE_MS 1000
#define ARRIVAL_RETRY_MS 50

static int settling_failure(struct devdrv_context *ctx, const struct dd_device *dev, int rc)
{
	return (rc == DEVDRV_E_ACCESS || rc == DEVDRV_E_BUSY || rc == DEVDRV_E_IO) &&
	       dd_hotplug_recent(ctx, dev->ops, dev->port_path, ARRIVAL_SETTLE_MS);
}

/* Find the device the selector names, bind it and open it into @h; on
 * failure @h holds no device. *settling: the failure may pass by itself. */
static int attach_device(struct devdrv_handle *h, const char *selector, int want_class, int *settling)
{
	struct dd_device_vec v;
	int rc = 0;

	*settling = 0;
	if ((rc = dd_enumerate(h->ctx, &v)) < 0)
		return rc;
	h->dev = dd_select_device(h->ctx, selector, &h->sel, &v, &rc);
	dd_device_vec_clear(&v);
	if (h->dev && (rc = bind_handle(h)) == 0 && (rc = check_class(h, want_class)) == 0 &&
	    (rc = start_handle(h)) < 0)
		dd_ctx_fail(h->ctx, rc, "%s", devdrv_errmsg(h));
	if (rc < 0) {
		*settling = h->dev && settling_failure(h->ctx, h->dev, rc);
		stop_handle(h);
		dd_device_free(h->dev);
		h->dev = NULL;
		return rc;
	}
	h->driver_open = 1;
	return 0;
}

/* One attempt; *settling says whether the failure may pass by itself.
 * want_class DD_WHOLE_DEVICE: no function driver (dd_open_whole_device). */
#define DD_WHOLE_DEVICE (-2)
static int open_once(struct devdrv_context *ctx, const char *selector, int want_class, const void *open_arg,
                     struct devdrv_handle **out, int *settling)
{
	struct devdrv_handle *h;
	int rc;

	*settling = 0;
	if (!(h = handle_new(ctx)))
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "open: out of memory");
	h->open_arg = open_arg;
	if (want_class == DD_WHOLE_DEVICE)
		h->whole_device = 1, want_class = -1;
	if ((rc = dd_parse_selector(ctx, selector, &h->sel)) < 0 ||
	    (rc = attach_device(h, selector, want_class, settling)) < 0) {
		handle_free(h);
		return rc;
	}
	dd_info(ctx, "opened %s (%04x:%04x) with driver %s on interface %d", h->dev->port_path,
	        h->dev->info.vid, h->dev->info.pid, h->bind.driver->name, h->bind.iface);
	h->open_arg = NULL; /* the caller's, valid during open only */
	*out = h;
	return 0;
}

int dd_open(struct devdrv_context *ctx, const char *selector, int want_class, const void *open_arg,
            struct devdrv_handle **out)
{
	int rc, settling;

	if (!ctx || !out)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "devdrv_open: NULL argument");
	*out = NULL;
	if (!selector)
		selector = "";
	while ((rc = open_once(ctx, selector, want_class, open_arg, out, &settling)) < 0 && settling) {
		dd_dbg(ctx, "open %s: %s; the device has just arrived, trying again", selector,
		       devdrv_context_errmsg(ctx));
		nanosleep(&(struct timespec){ 0, ARRIVAL_RETRY_MS * 1000000L }, NULL);
	}
	return rc;
}

int dd_open_whole_device(struct devdrv_context *ctx, const char *selector, struct devdrv_handle **out)
{
	return dd_open(ctx, selector, DD_WHOLE_DEVICE, NULL, out);
}

int devdrv_open(struct devdrv_context *ctx, const char *selector, struct devdrv_handle **out)
{
	return dd_open(ctx, selector, -1, NULL, out);
}

/* ---- reconnection --------------------------------------------------------- */

/* The hotplug watch of a DEVDRV_OPEN_RECONNECT handle: any thread. */
static void device_came_back(struct devdrv_context *ctx, enum devdrv_hotplug_event ev,
                             const struct devdrv_device_info *info, void *user)
{
	struct devdrv_handle *h = user;

	(void)ctx;
	(void)info;
	if (ev == DEVDRV_HOTPLUG_ARRIVED)
		atomic_store(&h->device_back, 1);
}

static int setup_reconnect(struct devdrv_handle *h, const char *selector, int want_class,
                           const struct devdrv_open_options *o)
{
	if (!(h->sel.has & (DD_SEL_PORT | DD_SEL_SERIAL)) || (h->sel.has & DD_SEL_INDEX))
		return dd_ctx_fail(h->ctx, DEVDRV_E_INVALID,
		                   "open '%s': to reconnect, the selector names a port path or serial=, and no #N",
		                   selector);
	if (!(h->selector = strdup(selector)))
		return dd_ctx_fail(h->ctx, DEVDRV_E_NOMEM, "open: out of memory");
	h->want_class = want_class;
	h->reconnect = 1;
	h->on_reconnect = o->on_reconnect;
	h->reconnect_user = o->user;
	return devdrv_hotplug_register(h->ctx, selector, 0, device_came_back, h, &h->reconnect_watch);
}

int devdrv_open_with(struct devdrv_context *ctx, const char *selector, const struct devdrv_open_options *opts,
                     struct devdrv_handle **out)
{
	struct devdrv_open_options o = { 0 };
	int rc;

	if (opts && (opts->size < offsetof(struct devdrv_open_options, on_reconnect) || opts->size > 4096))
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "open options: set .size = sizeof(struct devdrv_open_options)");
	if (opts)
		memcpy(&o, opts, opts->size < sizeof(o) ? opts->size : sizeof(o));
	if (o.flags & ~(unsigned)DEVDRV_OPEN_RECONNECT)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "open options: unknown flags 0x%x", o.flags);
	if ((rc = dd_open(ctx, selector, -1, NULL, out)) < 0 || !(o.flags & DEVDRV_OPEN_RECONNECT))
		return rc;
	if ((rc = setup_reconnect(*out, selector ? selector : "", -1, &o)) < 0) {
		devdrv_close(*out);
		*out = NULL;
	}
	return rc;
}

/* On the handle's own thread, at its next call: if its device came back,
 * put the old one down and open the new one in its place. A failure leaves
 * the handle disconnected (with its old record) until the next arrival. */
static int revive(struct devdrv_handle *h)
{
	struct dd_device *old;
	int rc, settling;

	if (!h->reconnect || !atomic_exchange(&h->device_back, 0))
		return 0;
	/* a device the selector names arrived: is it ours coming back, or
	 * another while ours is still here? */
	if (devdrv_handle_check_present(h) == 0)
		return 0;
	old = h->dev;
	if (h->driver_open)
		h->bind.driver->close(h);
	h->driver_open = 0;
	stop_handle(h);
	memset(h->claimed, 0, sizeof(h->claimed));
	memset(h->alt, 0, sizeof(h->alt));
	memset(&h->pipes, 0, sizeof(h->pipes));
	h->dev = NULL;
	h->disconnected = 0;
	if ((rc = attach_device(h, h->selector, h->want_class, &settling)) < 0) {
		h->dev = old; /* messages still name it; nothing of it is open */
		h->disconnected = 1;
		if (settling) /* udev not done with it yet: the next call tries again */
			atomic_store(&h->device_back, 1);
		return devdrv_handle_fail(h, DEVDRV_E_DISCONNECTED, "device %s came back but did not open again: %s",
		                          old->port_path, devdrv_context_errmsg(h->ctx));
	}
	dd_device_free(old);
	devdrv_info(h, "reconnected");
	if (h->on_reconnect)
		h->on_reconnect(h, h->reconnect_user);
	return 0;
}

void devdrv_close(struct devdrv_handle *h)
{
	if (!h)
		return;
	if (h->reconnect_watch) /* no callback of its runs once this returns */
		devdrv_hotplug_deregister(h->ctx, h->reconnect_watch);
	if (h->driver_open)
		h->bind.driver->close(h);
	stop_handle(h);
	dd_device_free(h->dev);
	free(h->selector);
	handle_free(h);
}

/* A handle whose device came back but did not open again has no driver
 * state: every call says so until the device arrives again. */
static int revive_or_fail(struct devdrv_handle *h)
{
	int rc = revive(h);

	if (h->driver_open)
		return 0;
	return rc < 0 ? rc /* why, said just now */
	              : devdrv_handle_fail(h, DEVDRV_E_DISCONNECTED,
	                                   "device %s is away; it is opened again when it comes back", h->dev->port_path);
}

/* ---- I/O -------------------------------------------------------------------- */

ssize_t devdrv_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms)
{
	if (!h || (!buf && len))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "read: NULL buffer");
	if (revive_or_fail(h) < 0)
		return DEVDRV_E_DISCONNECTED;
	return dd_stack_read(h, buf, len, timeout_ms);
}

ssize_t devdrv_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms)
{
	if (!h || (!buf && len))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "write: NULL buffer");
	if (revive_or_fail(h) < 0)
		return DEVDRV_E_DISCONNECTED;
	return dd_stack_write(h, buf, len, timeout_ms);
}

int devdrv_control(struct devdrv_handle *h, uint8_t request_type, uint8_t request, uint16_t value,
                   uint16_t index, void *data, uint16_t len, unsigned timeout_ms)
{
	if (!h || (!data && len))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "control: NULL buffer");
	if (revive_or_fail(h) < 0)
		return DEVDRV_E_DISCONNECTED;
	return devdrv_usb_control(h, request_type, request, value, index, data, len, timeout_ms);
}

static int core_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size)
{
	switch (request) {
	case DEVDRV_IOC_RESET:
		return devdrv_usb_reset(h);
	case DEVDRV_IOC_CLEAR_HALT:
		if (!arg || arg_size != sizeof(uint8_t))
			return devdrv_handle_fail(h, DEVDRV_E_INVALID, "CLEAR_HALT takes a uint8_t");
		return devdrv_usb_clear_halt(h, *(uint8_t *)arg);
	default:
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED,
		                          "ioctl 0x%04x is not supported by driver %s", request,
		                          h->bind.driver->name);
	}
}

int devdrv_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size)
{
	if (!h)
		return DEVDRV_E_INVALID;
	if (revive_or_fail(h) < 0)
		return DEVDRV_E_DISCONNECTED;
	return dd_stack_ioctl(h, request, arg, arg_size);
}

int dd_driver_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size)
{
	unsigned seq;
	int rc;

	if ((request >> 8) == DEVDRV_IOC_CORE_CLASS)
		return core_ioctl(h, request, arg, arg_size);
	/* a driver that does not know the request defers to the core's, and
	 * may leave the reason to us */
	seq = dd_handle_errseq(h);
	rc = h->bind.driver->ioctl(h, request, arg, arg_size);
	if (rc == DEVDRV_E_UNSUPPORTED && dd_handle_errseq(h) == seq)
		return core_ioctl(h, request, arg, arg_size);
	return rc;
}
