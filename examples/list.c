/* list.c — a minimal lsusb: every device the context sees, one line each,
 * with its port path, VID:PID, the libdevdrv driver that would bind it, its
 * class and its strings. Listing opens nothing, so it needs no permission.
 *
 *   list [SELECTOR]              real devices (or $DEVDRV_TRANSPORT's)
 *   list --virtual [SELECTOR]    the virtual bus, with a serial chip, a
 *                                keyboard and a stick plugged at 1-3..1-5;
 *                                then the program checks what it listed
 */
#include <devdrv/devdrv.h>
#include <devdrv/virtual.h>
#include <stdio.h>
#include <string.h>

/* A device announces its class in the device descriptor, or (class 0) per
 * interface: then the first interface of its configuration says it. */
static unsigned device_class(const struct devdrv_device_info *d)
{
	const struct devdrv_config_info *c = d->num_configs ? &d->configs[0] : NULL;

	for (unsigned i = 0; i < d->num_configs; i++)
		if (d->configs[i].value == d->active_config)
			c = &d->configs[i];
	if (d->cls || !c || !c->num_interfaces)
		return d->cls;
	return c->interfaces[0].cls;
}

static const char *class_name(unsigned cls)
{
	switch (cls) {
	case 0x01: return "audio";
	case 0x02: return "comm";
	case 0x03: return "hid";
	case 0x07: return "printer";
	case 0x08: return "storage";
	case 0x09: return "hub";
	case 0x0a: return "cdc-data";
	case 0x0e: return "video";
	case 0xe0: return "wireless";
	case 0xef: return "misc";
	case 0xff: return "vendor";
	default: return "other";
	}
}

/* Strings come from the device: never send its bytes to a terminal as they
 * are (an escape sequence in a product name would be obeyed). */
static void print_string(const char *label, const char *s)
{
	if (!s)
		return;
	printf(" %s", label);
	for (; *s; s++)
		putchar(*s >= 0x20 && *s < 0x7f ? *s : '?');
}

/* The virtual bus: what it starts with, what --virtual plugs, and the driver
 * each must bind to. */
static const struct {
	const char *port, *model; /* model NULL: there from the start */
	unsigned vid, pid;
	const char *driver;
} expected[] = {
	{ "1-1", NULL, 0x1209, 0x0001, "generic" },   /* loopback */
	{ "1-2", NULL, 0x1209, 0x0002, "generic" },   /* button */
	{ "1-3", "ft232r", 0x0403, 0x6001, "ftdi" },
	{ "1-4", "keyboard", 0x1209, 0x0004, "hid" },
	{ "1-5", "stick", 0x1209, 0x000a, "msc" },
};
#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

int main(int argc, char **argv)
{
	struct devdrv_context_options o = DEVDRV_CONTEXT_OPTIONS_INIT;
	int virt = argc > 1 && !strcmp(argv[1], "--virtual"), bad, shown = 0;
	const char *sel = argc > 1 + virt ? argv[1 + virt] : NULL;
	const struct devdrv_device_info **list = NULL;
	struct devdrv_context *ctx = NULL;
	ssize_t n = -1;

	o.transports = virt ? DEVDRV_TRANSPORT_VIRTUAL : DEVDRV_TRANSPORT_DEFAULT;
	bad = devdrv_context_new(&o, &ctx) < 0;
	for (size_t i = 0; virt && !bad && i < NEXPECTED; i++)
		bad = expected[i].model && devdrv_virtual_plug(ctx, expected[i].model, expected[i].port) < 0;
	if (bad || (n = devdrv_get_device_list(ctx, &list)) < 0) {
		fprintf(stderr, "list: %s\n", devdrv_context_errmsg(ctx));
		devdrv_context_free(ctx);
		return 1;
	}
	for (ssize_t i = 0; i < n; i++) {
		const struct devdrv_device_info *d = list[i];
		int m = sel ? devdrv_selector_matches(ctx, sel, d) : 1;

		if (m < 0) { /* a malformed selector: the message points at it */
			fprintf(stderr, "list: %s\n", devdrv_context_errmsg(ctx));
			bad = 1;
			break;
		}
		if (!m)
			continue;
		printf("%-8s %04x:%04x %-8s %02x %-8s", d->port_path, d->vid, d->pid, d->driver ? d->driver : "-",
		       device_class(d), class_name(device_class(d)));
		print_string("", d->manufacturer);
		print_string("", d->product);
		print_string("serial=", d->serial);
		putchar('\n');
		shown++;
	}
	/* On the virtual bus the program knows what it must have seen. */
	for (size_t i = 0; virt && !bad && i < NEXPECTED; i++) {
		ssize_t at = devdrv_select(ctx, expected[i].port, list);
		const struct devdrv_device_info *d = at >= 0 ? list[at] : NULL;

		if (!d || d->vid != expected[i].vid || d->pid != expected[i].pid || !d->driver ||
		    strcmp(d->driver, expected[i].driver) != 0) {
			fprintf(stderr, "list: %s: expected %04x:%04x bound to %s\n", expected[i].port, expected[i].vid,
			        expected[i].pid, expected[i].driver);
			bad = 1;
		}
	}
	if (virt && !sel && shown != (int)NEXPECTED) {
		fprintf(stderr, "list: %d devices listed, expected %zu\n", shown, NEXPECTED);
		bad = 1;
	}
	devdrv_free_device_list(list);
	devdrv_context_free(ctx);
	return bad;
}
