/* device.c — device records: building them, freeing them, listing them in a
 * stable order with the driver that would bind. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct dd_device *dd_device_new(const struct dd_transport_ops *ops, void *tstate, void *tdev)
{
	struct dd_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->ops = ops;
	dev->tstate = tstate;
	dev->tdev = tdev;
	dev->info.transport = ops->name;
	dev->info.port_path = dev->port_path;
	dev->info.driver_interface = -1;
	return dev;
}

void dd_device_free(struct dd_device *dev)
{
	struct devdrv_config_info *cfgs;

	if (!dev)
		return;
	cfgs = (struct devdrv_config_info *)dev->info.configs;
	for (unsigned i = 0; i < dev->info.num_configs; i++)
		dd_config_clear(&cfgs[i]);
	free(cfgs);
	free((void *)dev->info.manufacturer);
	free((void *)dev->info.product);
	free((void *)dev->info.serial);
	if (dev->tdev && dev->ops->device_release)
		dev->ops->device_release(dev->tdev);
	free(dev);
}

int dd_device_set_string(const char **field, const char *value)
{
	char *copy = NULL;

	if (value && !(copy = strdup(value)))
		return DEVDRV_E_NOMEM;
	free((void *)*field);
	*field = copy;
	return 0;
}

int dd_device_add_config(struct dd_device *dev, const uint8_t *raw, size_t len)
{
	struct devdrv_config_info *cfgs = (struct devdrv_config_info *)dev->info.configs;
	struct devdrv_config_info parsed;
	int rc;

	if (dev->info.num_configs == 255)
		return DEVDRV_E_PROTOCOL;
	rc = dd_parse_config(raw, len, &parsed);
	if (rc < 0)
		return rc;
	/* bMaxPower counts 8 mA at SuperSpeed, 2 mA below (USB 3.2 9.6.3);
	 * the transports know the speed before they add configurations */
	if (dev->info.speed >= DEVDRV_SPEED_SUPER)
		parsed.max_power_ma = (uint16_t)(parsed.max_power_ma * 4);
	cfgs = realloc(cfgs, (dev->info.num_configs + 1u) * sizeof(*cfgs));
	if (!cfgs) {
		dd_config_clear(&parsed);
		return DEVDRV_E_NOMEM;
	}
	cfgs[dev->info.num_configs++] = parsed;
	dev->info.configs = cfgs;
	return 0;
}

int dd_device_set_interface_strings(struct dd_device *dev, uint8_t cfg_value, uint8_t ifnum,
                                    const char *kernel_driver, int name_alt, const char *name)
{
	for (unsigned c = 0; c < dev->info.num_configs; c++) {
		const struct devdrv_config_info *cfg = &dev->info.configs[c];
		struct devdrv_interface_info *intfs = (struct devdrv_interface_info *)cfg->interfaces;

		if (cfg->value != cfg_value)
			continue;
		for (unsigned i = 0; i < cfg->num_interfaces; i++) {
			if (intfs[i].number != ifnum)
				continue;
			if (dd_device_set_string(&intfs[i].kernel_driver, kernel_driver) < 0 ||
			    (intfs[i].alt_setting == name_alt && dd_device_set_string(&intfs[i].name, name) < 0))
				return DEVDRV_E_NOMEM;
		}
	}
	return 0;
}

int dd_device_vec_push(struct dd_device_vec *v, struct dd_device *dev)
{
	if (v->count == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct dd_device **items = realloc(v->items, cap * sizeof(*items));

		if (!items)
			return DEVDRV_E_NOMEM;
		v->items = items;
		v->cap = cap;
	}
	v->items[v->count++] = dev;
	return 0;
}

void dd_device_vec_clear(struct dd_device_vec *v)
{
	for (size_t i = 0; i < v->count; i++)
		dd_device_free(v->items[i]);
	free(v->items);
	memset(v, 0, sizeof(*v));
}

/* Compare port paths number by number, so 1-2 sorts before 1-10. */
static int compare_port_paths(const char *a, const char *b)
{
	while (*a && *b) {
		char *ea, *eb;
		unsigned long na = strtoul(a, &ea, 10), nb = strtoul(b, &eb, 10);

		if (na != nb)
			return na < nb ? -1 : 1;
		if (ea == a || eb == b)
			return strcmp(a, b);
		a = *ea ? ea + 1 : ea;
		b = *eb ? eb + 1 : eb;
	}
	return (*a != 0) - (*b != 0);
}

static int compare_devices(const void *pa, const void *pb)
{
	const struct devdrv_device_info *a = *(struct devdrv_device_info *const *)pa;
	const struct devdrv_device_info *b = *(struct devdrv_device_info *const *)pb;
	int c = strcmp(a->transport, b->transport);

	if (c)
		return c;
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	return compare_port_paths(a->port_path, b->port_path);
}

int dd_enumerate(struct devdrv_context *ctx, struct dd_device_vec *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < ctx->num_transports; i++) {
		struct dd_transport_slot *t = &ctx->transports[i];
		int rc = t->ops->enumerate(ctx, t->state, out);

		if (rc < 0) {
			dd_device_vec_clear(out);
			return rc;
		}
	}
	for (size_t i = 0; i < out->count; i++) {
		struct dd_binding b;
		struct devdrv_device_info *info = &out->items[i]->info;

		if (dd_bind(info, NULL, -1, &b) == 0) {
			info->driver = b.driver->name;
			info->driver_interface = b.iface;
		}
	}
	if (out->count)
		qsort(out->items, out->count, sizeof(*out->items), compare_devices);
	return 0;
}

ssize_t devdrv_get_device_list(struct devdrv_context *ctx, const struct devdrv_device_info ***list)
{
	struct dd_device_vec v;
	const struct devdrv_device_info **arr;
	int rc;

	if (!ctx || !list)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "devdrv_get_device_list: NULL argument");
	*list = NULL;
	rc = dd_enumerate(ctx, &v);
	if (rc < 0)
		return rc;
	arr = calloc(v.count + 1, sizeof(*arr));
	if (!arr) {
		dd_device_vec_clear(&v);
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "device list: out of memory");
	}
	for (size_t i = 0; i < v.count; i++)
		arr[i] = &v.items[i]->info;
	free(v.items);
	*list = arr;
	return (ssize_t)v.count;
}

void devdrv_free_device_list(const struct devdrv_device_info **list)
{
	if (!list)
		return;
	for (size_t i = 0; list[i]; i++)
		dd_device_free((struct dd_device *)list[i]);
	free(list);
}
