/* vbus-plug.c — plugging and unplugging models, what enumeration reports
 * about them, and the hooks tests use (control log, fault injection). */
#include "vbus.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- enumeration ----------------------------------------------------------- */

/* A model knows every alt setting's iInterface string, not only the
 * current one's as sysfs does. */
static int set_interface_names(struct dd_device *dev, const struct devdrv_vmodel *m)
{
	size_t off = 0;
	const uint8_t *desc;

	while ((desc = devdrv_desc_next(m->config_desc, vbus_config_len(m), &off, 4))) {
		unsigned idx = desc[0] >= 9 ? desc[8] : 0;

		if (idx && idx < m->num_strings && m->strings[idx] &&
		    dd_device_set_interface_strings(dev, m->config_desc[5], desc[2], NULL, desc[3],
		                                    m->strings[idx]) < 0)
			return DEVDRV_E_NOMEM;
	}
	return 0;
}

static int fill_virtual_record(struct dd_device *dev, struct devdrv_vdev *d)
{
	const struct devdrv_vmodel *m = d->model;
	const uint8_t *dd = m->device_desc;
	struct devdrv_device_info *info = &dev->info;
	const uint8_t *cfg = m->config_desc;
	int rc;

	info->bus = VBUS_NUMBER;
	info->address = d->address;
	snprintf(dev->port_path, sizeof(dev->port_path), "%s", d->port);
	info->bcd_usb = (uint16_t)(dd[2] | dd[3] << 8);
	info->cls = dd[4];
	info->subclass = dd[5];
	info->protocol = dd[6];
	info->max_packet0 = dd[7];
	info->vid = (uint16_t)(dd[8] | dd[9] << 8);
	info->pid = (uint16_t)(dd[10] | dd[11] << 8);
	info->bcd_device = (uint16_t)(dd[12] | dd[13] << 8);
	info->speed = m->speed;
	info->active_config = vbus_config_len(m) > 5 ? cfg[5] : 0;
	rc = dd_device_add_config(dev, cfg, vbus_config_len(m));
	if (rc == DEVDRV_E_PROTOCOL) { /* listed without it, as a real bus would */
		dd_warn(d->bus->ctx, "virtual %s: configuration descriptor malformed, ignored", d->port);
		rc = 0;
	}
	if (rc == 0)
		rc = set_interface_names(dev, m);
	for (int i = 0; i < 3 && rc == 0; i++) {
		const char **field[3] = { &info->manufacturer, &info->product, &info->serial };
		unsigned idx = dd[14 + i];

		if (idx && idx < m->num_strings)
			rc = dd_device_set_string(field[i], m->strings[idx]);
	}
	return rc;
}

int vbus_enumerate(struct devdrv_context *ctx, void *state, struct dd_device_vec *out)
{
	struct vbus *bus = state;
	int rc = 0;

	pthread_mutex_lock(&bus->lock);
	for (struct devdrv_vdev *d = bus->devices; d && rc == 0; d = d->next) {
		struct dd_device *dev = dd_device_new(&vbus_transport, bus, d);

		if (!dev) {
			rc = DEVDRV_E_NOMEM;
			break;
		}
		d->refs++;
		rc = fill_virtual_record(dev, d);
		if (rc == 0)
			rc = dd_device_vec_push(out, dev);
		if (rc < 0) {
			dev->tdev = NULL; /* dropped below, under the lock we hold */
			vbus_vdev_unref_locked(d);
			dd_device_free(dev);
		}
	}
	pthread_mutex_unlock(&bus->lock);
	return rc < 0 ? dd_ctx_fail(ctx, rc, "virtual: enumeration failed") : 0;
}

void vbus_device_release(void *tdev)
{
	struct devdrv_vdev *d = tdev;
	struct vbus *bus = d->bus;

	pthread_mutex_lock(&bus->lock);
	vbus_vdev_unref_locked(d);
	pthread_mutex_unlock(&bus->lock);
}

/* ---- plug / unplug ---------------------------------------------------------- */

struct vbus *vbus_of_ctx(struct devdrv_context *ctx)
{
	for (int i = 0; ctx && i < ctx->num_transports; i++)
		if (ctx->transports[i].ops == &vbus_transport)
			return ctx->transports[i].state;
	return NULL;
}

static struct devdrv_vdev *find_port_locked(struct vbus *bus, const char *port)
{
	for (struct devdrv_vdev *d = bus->devices; d; d = d->next)
		if (!strcmp(d->port, port))
			return d;
	return NULL;
}

/* "1-3", "1-3.2": a bus number, then port numbers (1-255) joined by '.'. */
static int valid_port_path(const char *p)
{
	char *end;
	unsigned long n = strtoul(p, &end, 10);

	if (!isdigit((unsigned char)*p) || n == 0 || n > 255 || *end != '-' || strlen(p) >= DD_PORT_LEN)
		return 0;
	for (p = end + 1;; p = end + 1) {
		n = strtoul(p, &end, 10);
		if (!isdigit((unsigned char)*p) || n == 0 || n > 255)
			return 0;
		if (*end == '\0')
			return 1;
		if (*end != '.')
			return 0;
	}
}

static int check_port(struct devdrv_context *ctx, struct vbus *bus, const char *port)
{
	if (!port || !valid_port_path(port))
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "virtual plug: bad port path '%s'",
		                   port ? port : "(null)");
	if (strtoul(port, NULL, 10) != VBUS_NUMBER)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "virtual plug: port '%s' is not on bus %d",
		                   port, VBUS_NUMBER);
	if (find_port_locked(bus, port))
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "virtual plug: port %s is taken", port);
	return 0;
}

/* The lowest address no plugged device has, as a host controller hands out
 * addresses again after unplug; 0 when all 126 are taken. */
static uint8_t free_address_locked(struct vbus *bus)
{
	for (unsigned a = VBUS_FIRST_ADDRESS; a <= VBUS_LAST_ADDRESS; a++) {
		struct devdrv_vdev *d = bus->devices;

		while (d && d->address != a)
			d = d->next;
		if (!d)
			return (uint8_t)a;
	}
	return 0;
}

int vbus_plug_locked(struct devdrv_context *ctx, struct vbus *bus, const struct devdrv_vmodel *m,
                       struct dd_plugin *plugin, const char *port_path)
{
	struct devdrv_vdev *d;
	uint8_t address;
	int rc;

	if ((rc = check_port(ctx, bus, port_path)) < 0)
		return rc;
	if (!(address = free_address_locked(bus)))
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "virtual plug: all %d addresses of the bus are taken",
		                   VBUS_LAST_ADDRESS - VBUS_FIRST_ADDRESS + 1);
	if (!(d = calloc(1, sizeof(*d))) || (m->state_size && !(d->state = calloc(1, m->state_size)))) {
		free(d);
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "virtual plug: out of memory");
	}
	d->model = m;
	d->plugin = plugin;
	d->bus = bus;
	d->refs = 1; /* the bus's own reference */
	d->address = address;
	snprintf(d->port, sizeof(d->port), "%s", port_path);
	d->next = bus->devices;
	bus->devices = d;
	dd_hotplug_changed(ctx);
	return 0;
}

int devdrv_virtual_plug(struct devdrv_context *ctx, const char *model, const char *port_path)
{
	struct vbus *bus = vbus_of_ctx(ctx);
	const struct devdrv_vmodel *m;
	struct dd_plugin *plugin = NULL;
	int rc;

	if (!bus)
		return dd_ctx_fail(ctx, DEVDRV_E_UNSUPPORTED,
		                   "virtual plug: the context has no virtual transport");
	/* a plugin's model loads its plugin, outside the bus lock */
	if (!(m = model ? vbus_find_model(model) : NULL) && model)
		m = dd_plugin_acquire_model(model, &plugin);
	if (!m)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "virtual plug: unknown model '%s'",
		                   model ? model : "(null)");
	pthread_mutex_lock(&bus->lock);
	rc = vbus_plug_locked(ctx, bus, m, plugin, port_path);
	pthread_mutex_unlock(&bus->lock);
	if (rc < 0)
		dd_plugin_release(plugin);
	return rc;
}

void vbus_unplug_locked(struct vbus *bus, struct devdrv_vdev *d)
{
	struct devdrv_vdev **link = &bus->devices;

	while (*link != d)
		link = &(*link)->next;
	*link = d->next;
	d->unplugged = 1;
	while (d->queue)
		vbus_complete_locked(bus, &d->queue, DEVDRV_E_DISCONNECTED);
	vbus_vdev_unref_locked(d);
	dd_hotplug_changed(bus->ctx);
}

int devdrv_virtual_unplug(struct devdrv_context *ctx, const char *port_path)
{
	struct vbus *bus = vbus_of_ctx(ctx);
	struct devdrv_vdev *d;

	if (!bus)
		return dd_ctx_fail(ctx, DEVDRV_E_UNSUPPORTED, "virtual unplug: the context has no virtual transport");
	pthread_mutex_lock(&bus->lock);
	d = port_path ? find_port_locked(bus, port_path) : NULL;
	if (!d) {
		pthread_mutex_unlock(&bus->lock);
		return dd_ctx_fail(ctx, DEVDRV_E_NOT_FOUND, "virtual unplug: nothing at port '%s'",
		                   port_path ? port_path : "(null)");
	}
	vbus_unplug_locked(bus, d);
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

int devdrv_virtual_unplug_all(struct devdrv_context *ctx)
{
	struct vbus *bus = vbus_of_ctx(ctx);
	int n = 0;

	if (!bus)
		return dd_ctx_fail(ctx, DEVDRV_E_UNSUPPORTED, "virtual unplug: the context has no virtual transport");
	pthread_mutex_lock(&bus->lock);
	for (; bus->devices; n++)
		vbus_unplug_locked(bus, bus->devices);
	pthread_mutex_unlock(&bus->lock);
	return n;
}

int dd_virtual_disconnect_after(struct devdrv_context *ctx, const char *port, unsigned long n)
{
	struct vbus *bus = vbus_of_ctx(ctx);
	struct devdrv_vdev *d;

	if (!bus)
		return DEVDRV_E_UNSUPPORTED;
	pthread_mutex_lock(&bus->lock);
	if ((d = find_port_locked(bus, port)))
		d->disconnect_at = n ? d->transfers + n : 0;
	pthread_mutex_unlock(&bus->lock);
	return d ? 0 : DEVDRV_E_NOT_FOUND;
}


size_t dd_virtual_control_log(struct devdrv_context *ctx, const char *port, struct dd_vcontrol *out,
                              size_t max)
{
	struct vbus *bus = vbus_of_ctx(ctx);
	struct devdrv_vdev *d;
	size_t n = 0;

	if (!bus)
		return 0;
	pthread_mutex_lock(&bus->lock);
	if ((d = find_port_locked(bus, port))) {
		size_t first = d->log_count > DD_VCONTROL_LOG ? d->log_count - DD_VCONTROL_LOG : 0;

		for (size_t i = first; i < d->log_count && n < max; i++)
			out[n++] = d->log[i % DD_VCONTROL_LOG];
	}
	pthread_mutex_unlock(&bus->lock);
	return n;
}

void dd_virtual_control_log_clear(struct devdrv_context *ctx, const char *port)
{
	struct vbus *bus = vbus_of_ctx(ctx);
	struct devdrv_vdev *d;

	if (!bus)
		return;
	pthread_mutex_lock(&bus->lock);
	if ((d = find_port_locked(bus, port)))
		d->log_count = 0;
	pthread_mutex_unlock(&bus->lock);
}
