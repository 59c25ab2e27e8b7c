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

/* The most specific kind of match among @flags, in words, for the reason
 * a driver won: what the binder ranks first. */
static const char *rank_words(unsigned flags)
{
	if (flags & DEVDRV_MATCH_PRODUCT)
		return "a product match is the most specific there is";
	if (flags & DEVDRV_MATCH_VENDOR)
		return "no driver names the product, and a vendor match beats any class match";
	if (flags & (DEVDRV_MATCH_DEV_CLASS | DEVDRV_MATCH_DEV_SUBCLASS | DEVDRV_MATCH_DEV_PROTOCOL))
		return "no driver names the vendor or product; a device class match beats an interface class one";
	return "no driver names the vendor, product or device class; the interface's class is the closest match";
}

int devdrv_binding_reason(const struct devdrv_device_info *info, char *buf, size_t len)
{
	static const char *const names[] = { "vendor", "product", "device class", "device subclass",
		                             "device protocol", "interface class",
		                             "interface subclass", "interface protocol",
		                             "interface number" };
	struct dd_binding b;
	size_t off;
	int first = 1;

	if (!info || !buf || !len)
		return DEVDRV_E_INVALID;
	if (dd_bind(info, NULL, -1, &b) < 0) {
		snprintf(buf, len, "no driver's match table names it and no fallback accepts it");
		return 0;
	}
	if (!b.match) {
		snprintf(buf, len, "%s binds interface %d: no match table names the device, and %s is the fallback "
		         "that takes any interface with bulk or interrupt endpoints",
		         b.driver->name, b.iface, b.driver->name);
		return 0;
	}
	off = (size_t)snprintf(buf, len, "%s binds interface %d: its match table names the", b.driver->name, b.iface);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]) && off < len; i++) {
		unsigned later = b.match->flags & ~((2u << i) - 1) & ((1u << 9) - 1); /* named after this one */

		if (!(b.match->flags & (1u << i)))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s %s", first ? "" : later ? "," : " and", names[i]);
		first = 0;
	}
	if (off < len)
		snprintf(buf + off, len - off, "; %s", rank_words(b.match->flags));
	return 0;
}

