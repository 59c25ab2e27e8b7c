/* names.c — vendor, product and class names as lsusb shows them, from the
 * udev hardware database (systemd's hwdb, which carries usb.ids and the USB
 * class list): no table of our own to keep up to date. Without libsystemd,
 * or without a hwdb on the machine, there are no names, and callers print
 * the numbers alone. */
#include "cli.h"

#include <stdio.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-hwdb.h>

/* The value of @key for @modalias, valid until cli_names_close(). */
static const char *lookup(struct cli *c, const char *modalias, const char *key)
{
	const char *value = NULL;

	if (!c->hwdb && !c->hwdb_missing && sd_hwdb_new((sd_hwdb **)&c->hwdb) < 0)
		c->hwdb_missing = 1;
	if (!c->hwdb || sd_hwdb_get(c->hwdb, modalias, key, &value) < 0)
		return NULL;
	return value;
}

void cli_names_close(struct cli *c)
{
	if (c->hwdb)
		sd_hwdb_unref(c->hwdb);
	c->hwdb = NULL;
}
#else
static const char *lookup(struct cli *c, const char *modalias, const char *key)
{
	(void)c, (void)modalias, (void)key;
	return NULL;
}

void cli_names_close(struct cli *c)
{
	(void)c;
}
#endif

/* The hwdb's keys are modalias patterns with upper-case hex, as the kernel
 * writes modaliases: usb:v0403p6001*, usb:v*p*d*dc09dsc00dp01*. */
const char *cli_vendor_name(struct cli *c, uint16_t vid)
{
	char modalias[32];

	snprintf(modalias, sizeof(modalias), "usb:v%04X", vid);
	return lookup(c, modalias, "ID_VENDOR_FROM_DATABASE");
}

const char *cli_product_name(struct cli *c, uint16_t vid, uint16_t pid)
{
	char modalias[32];

	snprintf(modalias, sizeof(modalias), "usb:v%04Xp%04X", vid, pid);
	return lookup(c, modalias, "ID_MODEL_FROM_DATABASE");
}

static const char *class_key(struct cli *c, uint8_t cls, uint8_t subclass, uint8_t protocol, const char *key)
{
	char modalias[64];

	snprintf(modalias, sizeof(modalias), "usb:v0000p0000d0000dc%02Xdsc%02Xdp%02X", cls, subclass, protocol);
	return lookup(c, modalias, key);
}

const char *cli_class_name(struct cli *c, uint8_t cls)
{
	return class_key(c, cls, 0, 0, "ID_USB_CLASS_FROM_DATABASE");
}

void cli_class_names(struct cli *c, uint8_t cls, uint8_t subclass, uint8_t protocol, char *out, size_t len)
{
	const char *names[3] = { class_key(c, cls, subclass, protocol, "ID_USB_CLASS_FROM_DATABASE"),
		                 class_key(c, cls, subclass, protocol, "ID_USB_SUBCLASS_FROM_DATABASE"),
		                 class_key(c, cls, subclass, protocol, "ID_USB_PROTOCOL_FROM_DATABASE") };
	size_t used = 0;

	out[0] = 0;
	for (int i = 0; i < 3 && names[i]; i++) {
		int n = snprintf(out + used, len - used, "%s%s", used ? " / " : "", names[i]);

		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}
