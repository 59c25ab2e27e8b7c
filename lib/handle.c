/* handle.c — open(selector) / close / read / write / control / ioctl, and the
 * generic defaults a driver gets for the callbacks it leaves NULL. */
#include "internal.h"

#include <devdrv/raw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int devdrv_handle_fail(struct devdrv_handle *h, int code, const char *fmt, ...)
{
	va_list ap;

	char msg[DD_ERRMSG_LEN];

	if (!h)
		return code;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&h->errlock);
	memcpy(h->errmsg, msg, sizeof(msg));
	h->errseq++;
	pthread_mutex_unlock(&h->errlock);
	devdrv_dbg(h, "%s", msg);
	return code;
}

void devdrv_handle_log(struct devdrv_handle *h, enum devdrv_log_level level, const char *fmt, ...)
{
	char msg[DD_ERRMSG_LEN];
	va_list ap;

	if (!h || level > h->ctx->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	devdrv_log(h->ctx, level, "%s %s: %s", h->bind.driver ? h->bind.driver->name : "-", h->dev->port_path,
	           msg);
}

unsigned dd_handle_errseq(struct devdrv_handle *h)
{
	unsigned seq;

	pthread_mutex_lock(&h->errlock);
	seq = h->errseq;
	pthread_mutex_unlock(&h->errlock);
	return seq;
}

/* A copy for the calling thread: the handle's own may change under it when
 * a callback on another thread fails. */
const char *devdrv_errmsg(struct devdrv_handle *h)
{
	static _Thread_local char copy[DD_ERRMSG_LEN];

	if (!h)
		return "no handle";
	pthread_mutex_lock(&h->errlock);
	memcpy(copy, h->errmsg, sizeof(copy));
	pthread_mutex_unlock(&h->errlock);
	return copy;
}

void *devdrv_handle_priv(struct devdrv_handle *h) { return h->priv; }
struct devdrv_context *devdrv_handle_context(struct devdrv_handle *h) { return h->ctx; }
int devdrv_handle_interface(struct devdrv_handle *h) { return h->bind.iface; }
const struct devdrv_match *devdrv_handle_match(struct devdrv_handle *h) { return h->bind.match; }
const void *devdrv_handle_class_ops(struct devdrv_handle *h) { return h->bind.driver->class_ops; }
const struct devdrv_device_info *devdrv_handle_info(struct devdrv_handle *h) { return &h->dev->info; }
const char *devdrv_handle_driver(struct devdrv_handle *h) { return h->bind.driver->name; }
const struct devdrv_pipes *devdrv_handle_pipes(struct devdrv_handle *h) { return &h->pipes; }

void devdrv_handle_set_pipes(struct devdrv_handle *h, const struct devdrv_pipes *p)
{
	h->pipes = *p;
}

int devdrv_handle_alt_setting(struct devdrv_handle *h, int iface)
{
	return dd_handle_claimed(h, iface) ? h->alt[iface] : -1;
}

int devdrv_handle_selector_int(struct devdrv_handle *h, const char *key)
{
	if (!strcmp(key, "iface"))
		return h->sel.iface;
	if (!strcmp(key, "alt"))
		return h->sel.alt;
	if (!strcmp(key, "lun"))
		return h->sel.lun;
	if (!strcmp(key, "ep_in"))
		return h->sel.ep_in;
	if (!strcmp(key, "ep_out"))
		return h->sel.ep_out;
	return -1;
}

/* ---- generic defaults ---------------------------------------------------- */

/* The pipe default read/write use: the one the selector names, else the
 * first bulk endpoint in that direction, else the first interrupt one
 * (status pipes sit beside bulk data pipes on many devices). */
static int pick_pipe(struct devdrv_handle *h, const struct devdrv_interface_info *intf, int in,
                     int wanted, uint8_t *addr, uint8_t *type, uint16_t *mps)
{
	const unsigned bulk = 1u << 2, interrupt = 1u << 3;
	const struct devdrv_endpoint_info *ep = NULL;

	if (wanted < 0) {
		ep = devdrv_find_endpoint(intf, in, bulk);
		if (!ep)
			ep = devdrv_find_endpoint(intf, in, interrupt);
	} else {
		for (unsigned i = 0; intf && i < intf->num_endpoints; i++)
			if (intf->endpoints[i].address == wanted)
				ep = &intf->endpoints[i];
		if (!ep || !((bulk | interrupt) & (1u << (ep->attributes & 3))))
			return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND,
			                          "interface %d has no bulk/interrupt endpoint 0x%02x",
			                          intf ? intf->number : -1, wanted);
	}
	*addr = ep ? ep->address : 0;
	*type = ep ? ep->attributes & 3 : 0;
	*mps = ep ? ep->max_packet & 0x7ff : 0;
	return 0;
}

int devdrv_handle_use_interface_pipes(struct devdrv_handle *h, int iface)
{
	int alt = iface >= 0 && iface < DD_MAX_INTERFACES ? h->alt[iface] : 0;
	const struct devdrv_interface_info *intf =
	    devdrv_find_interface_alt(devdrv_active_config(&h->dev->info), iface, alt);
	int bound = iface == h->bind.iface;
	struct devdrv_pipes p = { 0 };
	int rc;

	if (!intf)
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "the device has no interface %d", iface);
	if ((rc = pick_pipe(h, intf, 1, bound ? h->sel.ep_in : -1, &p.in, &p.in_type, &p.in_max_packet)) < 0 ||
	    (rc = pick_pipe(h, intf, 0, bound ? h->sel.ep_out : -1, &p.out, &p.out_type, &p.out_max_packet)) < 0)
		return rc;
	h->pipes = p;
	return 0;
}

/* The first alternate setting of @iface with a bulk or interrupt endpoint,
 * or -1: for the hint when a data interface is idle in setting 0. */
static int first_alt_with_pipes(const struct devdrv_config_info *cfg, int iface)
{
	const unsigned bulk_or_int = (1u << 2) | (1u << 3);

	for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++) {
		const struct devdrv_interface_info *in = &cfg->interfaces[i];

		if (in->number == iface && (devdrv_find_endpoint(in, 1, bulk_or_int) ||
		                            devdrv_find_endpoint(in, 0, bulk_or_int)))
			return in->alt_setting;
	}
	return -1;
}

int devdrv_default_open(struct devdrv_handle *h)
{
	int iface = h->bind.iface, alt;
	int rc;

	if (iface < 0)
		return 0;
	if ((rc = devdrv_usb_claim_interface(h, iface)) < 0)
		return rc;
	if (h->sel.alt >= 0 && (rc = devdrv_usb_set_alt_setting(h, iface, h->sel.alt)) < 0)
		return rc;
	if ((rc = devdrv_handle_use_interface_pipes(h, iface)) < 0)
		return rc;
	alt = first_alt_with_pipes(devdrv_active_config(&h->dev->info), iface);
	if (!h->pipes.in && !h->pipes.out && alt > 0 && h->sel.alt < 0)
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND,
		                          "interface %d has its endpoints in alternate setting %d only; "
		                          "select it with alt=%d", iface, alt, alt);
	return 0;
}

static ssize_t pipe_transfer(struct devdrv_handle *h, uint8_t ep, uint8_t type, void *buf,
                             size_t len, unsigned timeout_ms)
{
	return type == DEVDRV_TRANSFER_INTERRUPT ? devdrv_usb_interrupt(h, ep, buf, len, timeout_ms)
	                                         : devdrv_usb_bulk(h, ep, buf, len, timeout_ms);
}

ssize_t devdrv_default_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms)
{
	if (!h->pipes.in)
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED,
		                          "read: interface %d has no IN pipe", h->bind.iface);
	return pipe_transfer(h, h->pipes.in, h->pipes.in_type, buf, len, timeout_ms);
}

ssize_t devdrv_default_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms)
{
	if (!h->pipes.out)
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED,
		                          "write: interface %d has no OUT pipe", h->bind.iface);
	return pipe_transfer(h, h->pipes.out, h->pipes.out_type, (void *)buf, len, timeout_ms);
}

/* ---- open / close --------------------------------------------------------- */

/* Everything a selector says, including driver=, but not #N. */
static int selector_accepts(const struct dd_selector *sel, const struct devdrv_device_info *info)
{
	struct dd_binding b;

	if (!dd_selector_match_fields(sel, info))
		return 0;
	return !(sel->has & DD_SEL_DRIVER) || dd_bind(info, sel->driver, sel->iface, &b) == 0;
}

static int not_found(struct devdrv_context *ctx, const char *text, const struct dd_selector *sel,
                     unsigned seen, size_t present)
{
	if (seen)
		return dd_ctx_fail(ctx, DEVDRV_E_NOT_FOUND,
		                   "selector \"%s\" matches %u device(s), so #%u does not exist", text,
		                   seen, sel->index);
	return dd_ctx_fail(ctx, DEVDRV_E_NOT_FOUND, "no device matches \"%s\" (%zu present)", text,
	                   present);
}

/* Walk the list in order and return the index-th device the selector names. */
static struct dd_device *select_device(struct devdrv_context *ctx, const char *text,
                                       const struct dd_selector *sel, struct dd_device_vec *v,
                                       int *rc)
{
	unsigned seen = 0;

	for (size_t i = 0; i < v->count; i++) {
		struct dd_device *dev = v->items[i];

		if (selector_accepts(sel, &dev->info) && seen++ == sel->index) {
			v->items[i] = v->items[--v->count]; /* the caller now owns it */
			return dev;
		}
	}
	*rc = not_found(ctx, text, sel, seen, v->count);
	return NULL;
}

static int parse_for_ctx(struct devdrv_context *ctx, const char *text, struct dd_selector *sel)
{
	char err[DD_ERRMSG_LEN];
	int rc = dd_selector_parse(text ? text : "", sel, err, sizeof(err));

	return rc < 0 ? dd_ctx_fail(ctx, rc, "%s", err) : 0;
}

int devdrv_selector_matches(struct devdrv_context *ctx, const char *selector,
                            const struct devdrv_device_info *info)
{
	struct dd_selector sel;
	int rc = parse_for_ctx(ctx, selector, &sel);

	if (rc < 0)
		return rc;
	return info ? selector_accepts(&sel, info) : DEVDRV_E_INVALID;
}

ssize_t devdrv_select(struct devdrv_context *ctx, const char *selector,
                      const struct devdrv_device_info *const *list)
{
	struct dd_selector sel;
	unsigned seen = 0;
	size_t i;
	int rc = parse_for_ctx(ctx, selector, &sel);

	if (rc < 0)
		return rc;
	if (!list)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "devdrv_select: NULL list");
	for (i = 0; list[i]; i++)
		if (selector_accepts(&sel, list[i]) && seen++ == sel.index)
			return (ssize_t)i;
	return not_found(ctx, selector, &sel, seen, i);
}

int devdrv_binding_reason(const struct devdrv_device_info *info, char *buf, size_t len)
{
	static const char *const names[] = { "vendor", "product", "device class", "device subclass",
		                             "device protocol", "interface class",
		                             "interface subclass", "interface protocol",
		                             "interface number" };
	struct dd_binding b;
	size_t off;

	if (!info || !buf || !len)
		return DEVDRV_E_INVALID;
	if (dd_bind(info, NULL, -1, &b) < 0) {
		snprintf(buf, len, "no driver's match table names it and no fallback accepts it");
		return 0;
	}
	if (!b.match) {
		snprintf(buf, len, "%s: no match table entry names it; its probe accepted interface %d",
		         b.driver->name, b.iface);
		return 0;
	}
	off = (size_t)snprintf(buf, len, "%s: match table entry on", b.driver->name);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]) && off < len; i++)
		if (b.match->flags & (1u << i))
			off += (size_t)snprintf(buf + off, len - off, " %s", names[i]);
	if (off < len)
		snprintf(buf + off, len - off, " (score %d), interface %d", b.score, b.iface);
	return 0;
}

static int bind_handle(struct devdrv_handle *h)
{
	const char *only = (h->sel.has & DD_SEL_DRIVER) ? h->sel.driver : NULL;
	const struct devdrv_device_info *info = &h->dev->info;

	if (only && !dd_driver_by_name(only))
		return dd_ctx_fail(h->ctx, DEVDRV_E_NO_DRIVER,
		                   "driver=%s: no such driver (see 'devdrv drivers')", only);
	if (dd_bind(info, only, h->sel.iface, &h->bind) == 0)
		return 0;
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
	for (int i = 0; i < DD_MAX_INTERFACES; i++)
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
	return dd_ctx_fail(h->ctx, DEVDRV_E_UNSUPPORTED, "%s binds driver %s, a %s driver, not a %s one",
	                   h->dev->port_path, drv->name, devdrv_class_name(drv->cls),
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

int dd_open(struct devdrv_context *ctx, const char *selector, int want_class, const void *open_arg,
            struct devdrv_handle **out)
{
	struct devdrv_handle *h;
	struct dd_device_vec v;
	int rc = 0;

	if (!ctx || !out)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "devdrv_open: NULL argument");
	*out = NULL;
	if (!selector)
		selector = "";
	if (!(h = handle_new(ctx)))
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "open: out of memory");
	h->open_arg = open_arg;
	if ((rc = parse_for_ctx(ctx, selector, &h->sel)) < 0) {
		handle_free(h);
		return rc;
	}
	if ((rc = dd_enumerate(ctx, &v)) < 0) {
		handle_free(h);
		return rc;
	}
	h->dev = select_device(ctx, selector, &h->sel, &v, &rc);
	dd_device_vec_clear(&v);
	if (h->dev && (rc = bind_handle(h)) == 0 && (rc = check_class(h, want_class)) == 0 &&
	    (rc = start_handle(h)) < 0)
		dd_ctx_fail(ctx, rc, "%s", devdrv_errmsg(h));
	if (rc < 0) {
		stop_handle(h);
		dd_device_free(h->dev);
		handle_free(h);
		return rc;
	}
	dd_info(ctx, "opened %s (%04x:%04x) with driver %s on interface %d", h->dev->port_path,
	        h->dev->info.vid, h->dev->info.pid, h->bind.driver->name, h->bind.iface);
	h->open_arg = NULL; /* the caller's, valid during open only */
	*out = h;
	return 0;
}

int devdrv_open(struct devdrv_context *ctx, const char *selector, struct devdrv_handle **out)
{
	return dd_open(ctx, selector, -1, NULL, out);
}

void devdrv_close(struct devdrv_handle *h)
{
	if (!h)
		return;
	h->bind.driver->close(h);
	stop_handle(h);
	dd_device_free(h->dev);
	handle_free(h);
}

/* ---- I/O -------------------------------------------------------------------- */

ssize_t devdrv_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms)
{
	if (!h || (!buf && len))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "read: NULL buffer");
	return dd_stack_read(h, buf, len, timeout_ms);
}

ssize_t devdrv_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms)
{
	if (!h || (!buf && len))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "write: NULL buffer");
	return dd_stack_write(h, buf, len, timeout_ms);
}

int devdrv_control(struct devdrv_handle *h, uint8_t request_type, uint8_t request, uint16_t value,
                   uint16_t index, void *data, uint16_t len, unsigned timeout_ms)
{
	if (!h || (!data && len))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "control: NULL buffer");
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
