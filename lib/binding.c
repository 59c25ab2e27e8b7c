/* binding.c — the driver registry (a linker section, no central list) and the
 * choice of driver for a device: most specific match table entry wins. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* The linker defines these for the "dd_section_drivers" section of the module
 * being linked (the library, or a test program linking the core statically).
 * The section is named after no function on purpose: GNU as resolves a
 * symbol to a same-named section in a file that has both. */
extern const struct devdrv_driver *const __start_dd_section_drivers[] __attribute__((weak));
extern const struct devdrv_driver *const __stop_dd_section_drivers[] __attribute__((weak));

static const struct devdrv_driver **sorted_drivers;
static size_t num_drivers;
static pthread_once_t registry_once = PTHREAD_ONCE_INIT;

static int compare_driver_names(const void *a, const void *b)
{
	const struct devdrv_driver *da = *(const struct devdrv_driver *const *)a;
	const struct devdrv_driver *db = *(const struct devdrv_driver *const *)b;

	return strcmp(da->name, db->name);
}

/* Sorted once so listing and tie-breaking do not depend on link order. */
static void build_registry(void)
{
	size_t n = 0;

	if (__start_dd_section_drivers && __stop_dd_section_drivers)
		n = (size_t)(__stop_dd_section_drivers - __start_dd_section_drivers);
	sorted_drivers = calloc(n + 1, sizeof(*sorted_drivers));
	if (!sorted_drivers)
		return;
	for (size_t i = 0; i < n; i++)
		sorted_drivers[i] = __start_dd_section_drivers[i];
	if (n)
		qsort(sorted_drivers, n, sizeof(*sorted_drivers), compare_driver_names);
	num_drivers = n;
}

/* The registry is process-lifetime; release it at unload so leak checkers
 * see a clean exit. */
__attribute__((destructor)) static void free_registry(void)
{
	free(sorted_drivers);
	sorted_drivers = NULL;
}

const struct devdrv_driver *const *devdrv_drivers(size_t *count)
{
	static const struct devdrv_driver *const empty[1];

	pthread_once(&registry_once, build_registry);
	if (count)
		*count = sorted_drivers ? num_drivers : 0;
	return sorted_drivers ? sorted_drivers : empty;
}

const struct devdrv_driver *dd_driver_by_name(const char *name)
{
	const struct devdrv_driver *const *d = devdrv_drivers(NULL);

	for (; *d; d++)
		if (!strcmp((*d)->name, name))
			return *d;
	return NULL;
}

/* Weights follow the kernel's order of specificity: a product beats a vendor,
 * a device class beats an interface class. Sums of lower weights never reach
 * a higher one. */
int dd_match_score(const struct devdrv_match *m, const struct devdrv_device_info *info,
                   const struct devdrv_interface_info *intf)
{
	static const struct {
		unsigned flag;
		int weight;
	} weights[] = {
		{ DEVDRV_MATCH_PRODUCT, 1024 },     { DEVDRV_MATCH_VENDOR, 512 },
		{ DEVDRV_MATCH_DEV_CLASS, 256 },    { DEVDRV_MATCH_DEV_SUBCLASS, 128 },
		{ DEVDRV_MATCH_DEV_PROTOCOL, 64 },  { DEVDRV_MATCH_INT_CLASS, 32 },
		{ DEVDRV_MATCH_INT_SUBCLASS, 16 },  { DEVDRV_MATCH_INT_PROTOCOL, 8 },
		{ DEVDRV_MATCH_INT_NUMBER, 4 },
	};
	unsigned f = m->flags;
	int score = 0;

	if (((f & DEVDRV_MATCH_VENDOR) && m->vid != info->vid) ||
	    ((f & DEVDRV_MATCH_PRODUCT) && m->pid != info->pid) ||
	    ((f & DEVDRV_MATCH_DEV_CLASS) && m->dev_class != info->cls) ||
	    ((f & DEVDRV_MATCH_DEV_SUBCLASS) && m->dev_subclass != info->subclass) ||
	    ((f & DEVDRV_MATCH_DEV_PROTOCOL) && m->dev_protocol != info->protocol))
		return 0;
	if (f & (DEVDRV_MATCH_INT_CLASS | DEVDRV_MATCH_INT_SUBCLASS | DEVDRV_MATCH_INT_PROTOCOL |
	         DEVDRV_MATCH_INT_NUMBER)) {
		if (!intf || ((f & DEVDRV_MATCH_INT_CLASS) && m->int_class != intf->cls) ||
		    ((f & DEVDRV_MATCH_INT_SUBCLASS) && m->int_subclass != intf->subclass) ||
		    ((f & DEVDRV_MATCH_INT_PROTOCOL) && m->int_protocol != intf->protocol) ||
		    ((f & DEVDRV_MATCH_INT_NUMBER) && m->int_number != intf->number))
			return 0;
	}
	for (size_t i = 0; i < sizeof(weights) / sizeof(weights[0]); i++)
		if (f & weights[i].flag)
			score += weights[i].weight;
	return score;
}

static int uses_interface_fields(const struct devdrv_match *m)
{
	return (m->flags & (DEVDRV_MATCH_INT_CLASS | DEVDRV_MATCH_INT_SUBCLASS |
	                    DEVDRV_MATCH_INT_PROTOCOL | DEVDRV_MATCH_INT_NUMBER)) != 0;
}

/* Consider entry @m on interface @intf (NULL: device-level entry) and keep
 * it in @best if it scores higher and the driver's probe accepts. */
static void consider(const struct devdrv_driver *drv, const struct devdrv_match *m,
                     const struct devdrv_device_info *info,
                     const struct devdrv_interface_info *intf, int want_iface,
                     struct dd_binding *best)
{
	int score = m ? dd_match_score(m, info, intf) : 1;
	int iface = intf ? intf->number : want_iface;

	if (score <= best->score)
		return;
	if (m && want_iface >= 0 && intf && intf->number != want_iface)
		return;
	if (drv->probe && drv->probe(info, m, &iface) < 0)
		return;
	best->driver = drv;
	best->match = m;
	best->iface = iface;
	best->score = score;
}

static void consider_driver(const struct devdrv_driver *drv, const struct devdrv_device_info *info,
                            int want_iface, struct dd_binding *best)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(info);

	if (!drv->match) { /* probe-only drivers are the fallback */
		if (drv->probe)
			consider(drv, NULL, info, NULL, want_iface, best);
		return;
	}
	for (const struct devdrv_match *m = drv->match; m->flags; m++) {
		if (!uses_interface_fields(m)) {
			const struct devdrv_interface_info *first =
			    cfg ? devdrv_find_interface(cfg, want_iface >= 0 ? want_iface : 0) : NULL;
			consider(drv, m, info, NULL, first ? first->number : want_iface, best);
			continue;
		}
		for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++)
			if (cfg->interfaces[i].alt_setting == 0)
				consider(drv, m, info, &cfg->interfaces[i], want_iface, best);
	}
}

int dd_bind(const struct devdrv_device_info *info, const char *only, int iface, struct dd_binding *out)
{
	const struct devdrv_driver *const *d = devdrv_drivers(NULL);

	memset(out, 0, sizeof(*out));
	out->iface = -1;
	for (; *d; d++)
		if (!only || !strcmp((*d)->name, only))
			consider_driver(*d, info, iface, out);
	return out->driver ? 0 : DEVDRV_E_NO_DRIVER;
}
