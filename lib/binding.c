/* binding.c — the driver registry (a linker section, no central list) and the
 * choice of driver for a device: most specific match table entry wins. */
#include "internal.h"

#include <devdrv/plugin.h>

#include <stdlib.h>
#include <string.h>

/* The linker defines these for the "dd_section_drivers" section of the module
 * being linked (the library, or a test program linking the core statically).
 * The section is named after no function on purpose: GNU as resolves a
 * symbol to a same-named section in a file that has both. */
extern const struct devdrv_driver *const __start_dd_section_drivers[] __attribute__((weak));
extern const struct devdrv_driver *const __stop_dd_section_drivers[] __attribute__((weak));

/* The registry: the built-in drivers and those registered at run time, each
 * a copy with the defaults filled in once (no NULL checks at every call).
 * A change publishes a new sorted array; old arrays and the entries of
 * unregistered drivers are kept until exit, because another thread may be
 * walking them or a handle may still point at its driver. */
struct retired {
	void *p;
	struct retired *next;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct devdrv_driver **registry; /* sorted by name, NULL-terminated */
static size_t num_drivers;
static int registry_built;
static struct retired *graveyard;

static int compare_driver_names(const void *a, const void *b)
{
	const struct devdrv_driver *da = *(const struct devdrv_driver *const *)a;
	const struct devdrv_driver *db = *(const struct devdrv_driver *const *)b;

	return strcmp(da->name, db->name);
}

static void retire_locked(void *p)
{
	struct retired *r = malloc(sizeof(*r));

	if (!r)
		return; /* leaked rather than freed under a reader */
	r->p = p;
	r->next = graveyard;
	graveyard = r;
}

static int default_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size)
{
	(void)h, (void)request, (void)arg, (void)arg_size;
	return DEVDRV_E_UNSUPPORTED; /* the core's ioctls answer */
}

static void default_close(struct devdrv_handle *h)
{
	(void)h;
}

/* A registered driver: the copy the core calls, and what it was made from. */
struct entry {
	struct devdrv_driver drv; /* first: an entry is its driver */
	const struct devdrv_driver *origin;
	struct dd_plugin *plugin; /* a stub for a plugin's driver, or NULL */
};

static void fill_defaults(struct devdrv_driver *d)
{
	d->api_version = DEVDRV_DRIVER_API_VERSION;
	if (!d->open)
		d->open = devdrv_default_open;
	if (!d->close)
		d->close = default_close;
	if (!d->read)
		d->read = devdrv_default_read;
	if (!d->write)
		d->write = devdrv_default_write;
	if (!d->ioctl)
		d->ioctl = default_ioctl;
}

struct devdrv_driver *dd_driver_filled_copy(const struct devdrv_driver *drv)
{
	struct devdrv_driver *d = malloc(sizeof(*d));

	if (d) {
		*d = *drv;
		fill_defaults(d);
	}
	return d;
}

static struct entry *filled_copy(const struct devdrv_driver *drv)
{
	struct entry *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->drv = *drv;
	e->origin = drv;
	fill_defaults(&e->drv);
	return e;
}

/* Why @drv cannot be registered, or NULL. Built-in drivers are compiled
 * with this very header, so their version is not asked for. */
static const char *driver_problem(const struct devdrv_driver *drv, int builtin)
{
	if (!builtin && drv->api_version != DEVDRV_DRIVER_API_VERSION)
		return "api_version is not DEVDRV_DRIVER_API_VERSION (built against another libdevdrv)";
	if (!drv->name || !*drv->name || strpbrk(drv->name, ",=:#; "))
		return "a name without ',', '=', ':', '#', ';' or spaces is required";
	if (!drv->match && !drv->probe)
		return "a match table or a probe callback is required";
	if ((unsigned)drv->cls > DEVDRV_CLASS_NET)
		return "unknown class";
	for (const struct devdrv_match *m = drv->match; m && m->flags; m++)
		if (m->flags & ~0x1ffu)
			return "a match table entry has unknown flags";
	return NULL;
}

static const struct devdrv_driver *find_locked(const char *name)
{
	for (size_t i = 0; registry && i < num_drivers; i++)
		if (!strcmp(registry[i]->name, name))
			return registry[i];
	return NULL;
}

/* Publish a new array: the old one plus @add (if any), minus @drop. */
static int republish_locked(const struct devdrv_driver *add, const struct devdrv_driver *drop)
{
	const struct devdrv_driver **next = calloc(num_drivers + 2, sizeof(*next));
	size_t n = 0;

	if (!next)
		return DEVDRV_E_NOMEM;
	for (size_t i = 0; i < num_drivers; i++)
		if (registry[i] != drop)
			next[n++] = registry[i];
	if (add)
		next[n++] = add;
	qsort(next, n, sizeof(*next), compare_driver_names);
	if (registry)
		retire_locked((void *)registry);
	registry = next;
	num_drivers = n;
	return 0;
}

static int register_locked(const struct devdrv_driver *drv, int builtin, struct dd_plugin *plugin)
{
	const char *problem = driver_problem(drv, builtin);
	struct entry *e;
	int rc;

	if (problem)
		return dd_ctx_fail(NULL, DEVDRV_E_INVALID, "driver %s: %s", drv->name ? drv->name : "(unnamed)",
		                   problem);
	if (find_locked(drv->name))
		return dd_ctx_fail(NULL, DEVDRV_E_INVALID, "driver %s: a driver of that name exists", drv->name);
	if (!(e = filled_copy(drv)))
		return dd_ctx_fail(NULL, DEVDRV_E_NOMEM, "driver %s: out of memory", drv->name);
	e->plugin = plugin;
	if ((rc = republish_locked(&e->drv, NULL)) < 0)
		free(e);
	return rc;
}

static void build_locked(void)
{
	if (registry_built)
		return;
	registry_built = 1;
	for (const struct devdrv_driver *const *d = __start_dd_section_drivers;
	     __start_dd_section_drivers && d < __stop_dd_section_drivers; d++)
		register_locked(*d, 1, NULL);
}

int devdrv_driver_register(const struct devdrv_driver *drv)
{
	int rc;

	if (!drv)
		return DEVDRV_E_INVALID;
	pthread_mutex_lock(&registry_lock);
	build_locked();
	rc = register_locked(drv, 0, NULL);
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

int dd_registry_add_plugin_driver(const struct devdrv_driver *stub, struct dd_plugin *p)
{
	int rc;

	pthread_mutex_lock(&registry_lock);
	build_locked();
	rc = register_locked(stub, 1, p);
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

/* Every driver the core hands out is an entry, except a loaded plugin's
 * real driver, which is never in the registry. */
struct dd_plugin *dd_driver_plugin(const struct devdrv_driver *drv)
{
	struct dd_plugin *p = NULL;

	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < num_drivers; i++)
		if (registry[i] == drv)
			p = ((const struct entry *)drv)->plugin;
	pthread_mutex_unlock(&registry_lock);
	return p;
}

int devdrv_driver_origin(const struct devdrv_driver *drv, const char **path, int *loaded)
{
	struct dd_plugin *p;

	if (!drv || !path || !loaded)
		return DEVDRV_E_INVALID;
	*path = NULL;
	*loaded = 0;
	if ((p = dd_driver_plugin(drv)))
		dd_plugin_describe(p, path, loaded);
	return 0;
}

int devdrv_driver_unregister(const struct devdrv_driver *drv)
{
	int rc = DEVDRV_E_NOT_FOUND;

	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; drv && i < num_drivers; i++) {
		const struct entry *e = (const struct entry *)registry[i];

		if (e->origin == drv && (rc = republish_locked(NULL, registry[i])) == 0) {
			retire_locked((void *)e);
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

/* Process-lifetime state, released at unload so leak checkers see a clean exit. */
__attribute__((destructor)) static void free_registry(void)
{
	for (size_t i = 0; i < num_drivers; i++)
		free((void *)registry[i]);
	free(registry);
	while (graveyard) {
		struct retired *r = graveyard;

		graveyard = r->next;
		free(r->p);
		free(r);
	}
	registry = NULL;
	num_drivers = 0;
}

const struct devdrv_driver *const *devdrv_drivers(size_t *count)
{
	static const struct devdrv_driver *const empty[1];
	const struct devdrv_driver *const *list;

	dd_plugins_scan(NULL); /* once per process; a context does it first, with logging */
	pthread_mutex_lock(&registry_lock);
	build_locked();
	list = registry ? registry : empty;
	if (count)
		*count = registry ? num_drivers : 0;
	pthread_mutex_unlock(&registry_lock);
	return list;
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
