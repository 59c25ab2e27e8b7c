/* select.c — which device a selector names, in list order, and why a
 * driver binds it (for `devdrv info`). */
#include "internal.h"

#include <stdio.h>
#include <string.h>

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
struct dd_device *dd_select_device(struct devdrv_context *ctx, const char *text,
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

int dd_parse_selector(struct devdrv_context *ctx, const char *text, struct dd_selector *sel)
{
	char err[DD_ERRMSG_LEN];
	int rc = dd_selector_parse(text ? text : "", sel, err, sizeof(err));

	return rc < 0 ? dd_ctx_fail(ctx, rc, "%s", err) : 0;
}

int devdrv_selector_matches(struct devdrv_context *ctx, const char *selector,
                            const struct devdrv_device_info *info)
{
	struct dd_selector sel;
	int rc = dd_parse_selector(ctx, selector, &sel);

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
	int rc = dd_parse_selector(ctx, selector, &sel);

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

