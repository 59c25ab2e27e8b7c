/* list.c — devdrv list / info / drivers: what is on the bus, what it
 * describes itself as, and which driver binds and why. */
#include "cli.h"

#include <devdrv/filter.h>
#include <devdrv/plugin.h>

#include <devdrv/driver.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char list_usage[] =
    "usage: devdrv list [SEL] [--json] [-v]\n"
    "  Lists devices in bus and port order. Strings come from sysfs, so no\n"
    "  permission is needed. SEL filters (#N is ignored).\n"
    "  --json   one JSON array with every field, interfaces and endpoints\n"
    "  -v       add interfaces and endpoints to the table\n"
    "  Exits 1 when no device matches, as lsusb -d does.\n";
static const char info_usage[] =
    "usage: devdrv info SEL\n"
    "  Descriptor tree of one device: strings, configurations, interfaces with\n"
    "  their kernel driver, endpoints, and the libdevdrv driver that binds.\n";
static const char drivers_usage[] =
    "usage: devdrv drivers\n"
    "  Every driver libdevdrv has, its class, and its match table.\n";

static const char *endpoint_type(uint8_t attributes)
{
	static const char *const names[] = { "control", "isochronous", "bulk", "interrupt" };

	return names[attributes & 3];
}

/* Strings from a device or sysfs, made safe for a terminal: a device can put
 * escape sequences in its product name. NULL prints as @absent. */
struct safe_text {
	char buf[CLI_ESCAPED_MAX];
};

static const char *safe(struct safe_text *t, const char *s, const char *absent)
{
	return s ? cli_escape(s, t->buf, sizeof(t->buf)) : absent;
}

static void print_interfaces_table(FILE *f, const struct devdrv_device_info *d)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(d);

	for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++) {
		const struct devdrv_interface_info *in = &cfg->interfaces[i];
		struct safe_text kdrv, name;

		fprintf(f, "    interface %u alt %u  class %02x/%02x/%02x  kernel driver: %s%s%s%s\n",
		        in->number, in->alt_setting, in->cls, in->subclass, in->protocol,
		        safe(&kdrv, in->kernel_driver, "(none)"), in->name ? "  \"" : "",
		        safe(&name, in->name, ""), in->name ? "\"" : "");
		for (unsigned e = 0; e < in->num_endpoints; e++)
			fprintf(f, "      endpoint 0x%02x %-3s %-9s max packet %u\n",
			        in->endpoints[e].address, (in->endpoints[e].address & 0x80) ? "IN" : "OUT",
			        endpoint_type(in->endpoints[e].attributes), in->endpoints[e].max_packet & 0x7ff);
	}
}

static void print_table(FILE *f, const struct devdrv_device_info *const *list, int verbose)
{
	fprintf(f, "%-12s %-8s %-9s %-6s %-9s %s\n", "PORT", "BUS:ADDR", "VID:PID", "SPEED",
	        "DRIVER", "DESCRIPTION");
	for (size_t i = 0; list[i]; i++) {
		const struct devdrv_device_info *d = list[i];
		struct safe_text mfr, prod, ser;
		char busaddr[16];

		snprintf(busaddr, sizeof(busaddr), "%u:%u", d->bus, d->address);
		fprintf(f, "%-12s %-8s %04x:%04x %-6s %-9s %s%s%s%s%s%s\n", d->port_path, busaddr, d->vid,
		        d->pid, devdrv_speed_name(d->speed), d->driver ? d->driver : "-", d->remote ? "[usbip] " : "",
		        safe(&mfr, d->manufacturer, ""), d->manufacturer ? " " : "",
		        safe(&prod, d->product, ""), d->serial ? " serial=" : "", safe(&ser, d->serial, ""));
		if (verbose)
			print_interfaces_table(f, d);
	}
}

static void hex4(char *buf, unsigned v)
{
	snprintf(buf, 5, "%04x", v & 0xffff);
}

static void json_endpoints(struct json *j, const struct devdrv_interface_info *in)
{
	json_array(j, "endpoints");
	for (unsigned e = 0; e < in->num_endpoints; e++) {
		const struct devdrv_endpoint_info *ep = &in->endpoints[e];

		json_object(j, NULL);
		json_int(j, "address", ep->address);
		json_string(j, "direction", (ep->address & 0x80) ? "in" : "out");
		json_string(j, "type", endpoint_type(ep->attributes));
		json_int(j, "max_packet", ep->max_packet & 0x7ff);
		json_int(j, "interval", ep->interval);
		json_end_object(j);
	}
	json_end_array(j);
}

static void json_configs(struct json *j, const struct devdrv_device_info *d)
{
	json_array(j, "configurations");
	for (unsigned c = 0; c < d->num_configs; c++) {
		const struct devdrv_config_info *cfg = &d->configs[c];

		json_object(j, NULL);
		json_int(j, "value", cfg->value);
		json_int(j, "attributes", cfg->attributes);
		json_int(j, "max_power_ma", cfg->max_power_ma);
		json_array(j, "interfaces");
		for (unsigned i = 0; i < cfg->num_interfaces; i++) {
			const struct devdrv_interface_info *in = &cfg->interfaces[i];

			json_object(j, NULL);
			json_int(j, "number", in->number);
			json_int(j, "alt_setting", in->alt_setting);
			json_int(j, "class", in->cls);
			json_int(j, "subclass", in->subclass);
			json_int(j, "protocol", in->protocol);
			json_string(j, "name", in->name);
			json_string(j, "kernel_driver", in->kernel_driver);
			json_endpoints(j, in);
			json_end_object(j);
		}
		json_end_array(j);
		json_end_object(j);
	}
	json_end_array(j);
}

static void json_device(struct json *j, const struct devdrv_device_info *d)
{
	char vid[8], pid[8], bcd[8], bcdusb[8];

	hex4(vid, d->vid);
	hex4(pid, d->pid);
	hex4(bcd, d->bcd_device);
	hex4(bcdusb, d->bcd_usb);
	json_object(j, NULL);
	json_string(j, "transport", d->transport);
	json_int(j, "bus", d->bus);
	json_int(j, "address", d->address);
	json_string(j, "port_path", d->port_path);
	json_string(j, "vid", vid);
	json_string(j, "pid", pid);
	json_string(j, "bcd_device", bcd);
	json_string(j, "bcd_usb", bcdusb);
	json_int(j, "class", d->cls);
	json_int(j, "subclass", d->subclass);
	json_int(j, "protocol", d->protocol);
	json_string(j, "speed", devdrv_speed_name(d->speed));
	json_string(j, "manufacturer", d->manufacturer);
	json_string(j, "product", d->product);
	json_string(j, "serial", d->serial);
	json_int(j, "active_config", d->active_config);
	json_string(j, "driver", d->driver);
	json_int(j, "driver_interface", d->driver_interface);
	json_bool(j, "remote", d->remote);
	json_configs(j, d);
	json_end_object(j);
}

/* A view of @list with the devices @selector names (NULL: all); the view
 * borrows the records, so only the view array itself is freed. */
static int filter_list(struct cli *c, const char *selector, const struct devdrv_device_info **list,
                       const struct devdrv_device_info ***view)
{
	size_t n = 0, keep = 0;

	while (list[n])
		n++;
	if (!(*view = calloc(n + 1, sizeof(**view))))
		return DEVDRV_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		int m = selector ? devdrv_selector_matches(c->ctx, selector, list[i]) : 1;

		if (m < 0) {
			free(*view);
			*view = NULL;
			return m;
		}
		if (m)
			(*view)[keep++] = list[i];
	}
	return 0;
}

static int get_list(struct cli *c, const struct devdrv_device_info ***list)
{
	ssize_t n;
	int rc = cli_context(c);

	if (rc != EXIT_OK)
		return rc;
	n = devdrv_get_device_list(c->ctx, list);
	if (n < 0)
		return cli_fail(c, "list", (int)n, devdrv_context_errmsg(c->ctx));
	return EXIT_OK;
}

static int has_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

/* As lsusb: nothing matched is exit 1; no bus at all is worth a word. */
static int nothing_listed(struct cli *c, int any_device)
{
	if (!any_device && (c->transports & (DEVDRV_TRANSPORT_VIRTUAL | DEVDRV_TRANSPORT_REPLAY)) == 0)
		fprintf(c->err, "devdrv: list: no USB buses on this machine (or none this user can see); "
		                "try --virtual for the virtual bus\n");
	return EXIT_DEVICE;
}

int cmd_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
		                              { "verbose", no_argument, NULL, 'v' },
		                              { "help", no_argument, NULL, 'h' },
		                              { NULL, 0, NULL, 0 } };
	const struct devdrv_device_info **list, **view;
	int opt, json = 0, verbose = 0, rc;
	const char *selector = NULL;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		if (opt == 'j')
			json = 1;
		else if (opt == 'v')
			verbose = 1;
		else if (opt == 'h')
			return fputs(list_usage, c->out), EXIT_OK;
		else
			return cli_bad_option(c, "list", argv);
	}
	if (argc - optind > 1)
		return cli_usage_error(c, "list", "takes at most one selector");
	selector = optind < argc ? argv[optind] : NULL;
	if ((rc = get_list(c, &list)) != EXIT_OK)
		return rc;
	if ((rc = filter_list(c, selector, list, &view)) < 0) {
		devdrv_free_device_list(list);
		return cli_fail(c, "list", rc, devdrv_context_errmsg(c->ctx));
	}
	if (json) {
		struct json j;

		json_begin(&j, c->out);
		json_array(&j, NULL);
		for (size_t i = 0; view[i]; i++)
			json_device(&j, view[i]);
		json_end_array(&j);
	} else if (view[0]) {
		print_table(c->out, view, verbose);
	}
	rc = view[0] ? EXIT_OK : nothing_listed(c, list[0] != NULL);
	free(view);
	devdrv_free_device_list(list);
	return rc;
}

static void print_bcd(FILE *f, const char *name, uint16_t v)
{
	fprintf(f, "  %-14s %x.%02x\n", name, v >> 8, v & 0xff);
}

static void print_info(FILE *f, const struct devdrv_device_info *d)
{
	struct safe_text text;
	char reason[256];

	fprintf(f, "Device %s (bus %u, address %u, transport %s)\n", d->port_path, d->bus, d->address,
	        d->transport);
	fprintf(f, "  %-14s 0x%04x\n  %-14s 0x%04x\n", "idVendor", d->vid, "idProduct", d->pid);
	print_bcd(f, "bcdDevice", d->bcd_device);
	print_bcd(f, "bcdUSB", d->bcd_usb);
	fprintf(f, "  %-14s %02x/%02x/%02x\n", "class", d->cls, d->subclass, d->protocol);
	fprintf(f, "  %-14s %s Mbit/s\n", "speed", devdrv_speed_name(d->speed));
	if (d->remote)
		fprintf(f, "  %-14s imported over USB/IP (%s)\n", "remote", strcmp(d->transport, "usbip") ? "vhci_hcd" : "the usbip transport");
	fprintf(f, "  %-14s %s\n", "manufacturer", safe(&text, d->manufacturer, "(none)"));
	fprintf(f, "  %-14s %s\n", "product", safe(&text, d->product, "(none)"));
	fprintf(f, "  %-14s %s\n", "serial", safe(&text, d->serial, "(none)"));
	for (unsigned ci = 0; ci < d->num_configs; ci++) {
		const struct devdrv_config_info *cfg = &d->configs[ci];

		fprintf(f, "  Configuration %u%s: attributes 0x%02x, max power %u mA\n", cfg->value,
		        cfg->value == d->active_config ? " (active)" : "", cfg->attributes,
		        cfg->max_power_ma);
		for (unsigned i = 0; i < cfg->num_interfaces; i++) {
			const struct devdrv_interface_info *in = &cfg->interfaces[i];
			struct safe_text kdrv;

			fprintf(f, "    Interface %u alt %u: class %02x/%02x/%02x%s%s%s, kernel driver: %s\n",
			        in->number, in->alt_setting, in->cls, in->subclass, in->protocol,
			        in->name ? " \"" : "", safe(&text, in->name, ""), in->name ? "\"" : "",
			        safe(&kdrv, in->kernel_driver, "(none)"));
			if (in->extra_len)
				fprintf(f, "      %zu bytes of class-specific descriptors\n", in->extra_len);
			for (unsigned e = 0; e < in->num_endpoints; e++) {
				const struct devdrv_endpoint_info *ep = &in->endpoints[e];

				fprintf(f, "      Endpoint 0x%02x %s %s, max packet %u, interval %u\n",
				        ep->address, (ep->address & 0x80) ? "IN" : "OUT",
				        endpoint_type(ep->attributes), ep->max_packet & 0x7ff, ep->interval);
			}
		}
	}
	devdrv_binding_reason(d, reason, sizeof(reason));
	fprintf(f, "  libdevdrv driver: %s\n  why: %s\n", d->driver ? d->driver : "(none)", reason);
}

/* The stack a handle opened now would have, top to bottom. */
static void print_stack(FILE *f, struct devdrv_context *ctx, const struct devdrv_device_info *d)
{
	struct devdrv_layer_info layers[32];
	size_t n = devdrv_device_layers(ctx, d, layers, 32);

	fprintf(f, "  stack (top to bottom):\n");
	for (size_t i = 0; i < n && i < 32; i++)
		fprintf(f, "    %-13s %s\n", layers[i].kind, layers[i].name);
}

int cmd_info(struct cli *c, int argc, char **argv)
{
	const struct devdrv_device_info **list;
	ssize_t idx;
	int rc;

	if (has_help(argc, argv))
		return fputs(info_usage, c->out), EXIT_OK;
	if (argc != 2)
		return cli_usage_error(c, "info", "needs exactly one selector");
	if ((rc = cli_need_selector(c, "info", argv[1])) != EXIT_OK)
		return rc;
	if ((rc = get_list(c, &list)) != EXIT_OK)
		return rc;
	idx = devdrv_select(c->ctx, argv[1], list);
	if (idx < 0)
		rc = cli_fail(c, "info", (int)idx, devdrv_context_errmsg(c->ctx));
	else {
		print_info(c->out, list[idx]);
		print_stack(c->out, c->ctx, list[idx]);
	}
	devdrv_free_device_list(list);
	return rc;
}

static void print_match(FILE *f, const struct devdrv_match *m)
{
	fprintf(f, "    ");
	if (m->flags & DEVDRV_MATCH_VENDOR)
		fprintf(f, "vid=%04x ", m->vid);
	if (m->flags & DEVDRV_MATCH_PRODUCT)
		fprintf(f, "pid=%04x ", m->pid);
	if (m->flags & DEVDRV_MATCH_DEV_CLASS)
		fprintf(f, "class=%02x ", m->dev_class);
	if (m->flags & DEVDRV_MATCH_DEV_SUBCLASS)
		fprintf(f, "subclass=%02x ", m->dev_subclass);
	if (m->flags & DEVDRV_MATCH_DEV_PROTOCOL)
		fprintf(f, "protocol=%02x ", m->dev_protocol);
	if (m->flags & DEVDRV_MATCH_INT_CLASS)
		fprintf(f, "iface_class=%02x ", m->int_class);
	if (m->flags & DEVDRV_MATCH_INT_SUBCLASS)
		fprintf(f, "iface_subclass=%02x ", m->int_subclass);
	if (m->flags & DEVDRV_MATCH_INT_PROTOCOL)
		fprintf(f, "iface_protocol=%02x ", m->int_protocol);
	if (m->flags & DEVDRV_MATCH_INT_NUMBER)
		fprintf(f, "iface=%u ", m->int_number);
	fputc('\n', f);
}

int cmd_drivers(struct cli *c, int argc, char **argv)
{
	size_t n;
	const struct devdrv_driver *const *d = devdrv_drivers(&n);

	if (has_help(argc, argv))
		return fputs(drivers_usage, c->out), EXIT_OK;
	if (argc != 1)
		return cli_usage_error(c, "drivers", "takes no arguments");
	for (size_t i = 0; i < n; i++) {
		const char *plugin;
		int loaded;

		fprintf(c->out, "%-10s %-7s %s\n", d[i]->name, devdrv_class_name(d[i]->cls),
		        d[i]->description ? d[i]->description : "");
		if (devdrv_driver_origin(d[i], &plugin, &loaded) == 0 && plugin)
			fprintf(c->out, "    plugin %s (%s)\n", plugin, loaded ? "loaded" : "not loaded");
		if (!d[i]->match)
			fprintf(c->out, "    (no match table: binds when nothing more specific does)\n");
		for (const struct devdrv_match *m = d[i]->match; m && m->flags; m++)
			print_match(c->out, m);
	}
	return EXIT_OK;
}
