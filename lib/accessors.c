/* accessors.c — what drivers and filters may read and set on a handle. */
#include "internal.h"

#include <string.h>

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

