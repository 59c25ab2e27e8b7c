/* list.c — devdrv list / info / drivers: what is on the bus, what it
 * describes itself as, and which driver binds and why. */
#include "cli.h"

#include <devdrv/filter.h>
#include <devdrv/plugin.h>

#include <devdrv/driver.h>
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char list_usage[] =
    "usage: devdrv list [SEL] [-d VID:[PID]] [-s [BUS:][ADDR]] [-t] [-v] [--json]\n"
    "  Lists devices in bus and port order. Strings come from sysfs, so no\n"
    "  permission is needed; devices without strings get the names of the udev\n"
    "  hardware database, as lsusb shows them. SEL filters (#N is ignored).\n"
    "  -d, --device VID:[PID]   only these (as lsusb -d): 0403:6001, 1209:\n"
    "  -s, --address [BUS:][ADDR]  only these (as lsusb -s): 3:7, 3:, 7\n"
    "  -t, --tree   buses, hubs and devices as a tree, with each interface's\n"
    "               class and driver and the speed (as lsusb -t)\n"
    "  -v, --verbose  add interfaces and endpoints to the table\n"
    "  --json   one JSON array with every field, interfaces and endpoints\n"
    "  Exits 1 when no device matches, as lsusb -d does.\n";
static const char info_usage[] =
    "usage: devdrv info [SEL] [--json]\n"
    "  Descriptor tree of the devices SEL matches (all without SEL), as lsusb -v:\n"
    "  names from the udev hardware database, attributes decoded, every\n"
    "  configuration and alternate setting, endpoints, class-specific descriptors\n"
    "  by name, the kernel driver of each interface, and the libdevdrv driver\n"
    "  that binds, and why. --json: one document with every field, the binding\n"
    "  and the stack (docs/json.md).\n";
static const char drivers_usage[] =
    "usage: devdrv drivers [--json]\n"
    "  Every driver libdevdrv has, its class, and its match table.\n"
    "  --json   one document: name, class, description, plugin, match entries\n";

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

static void print_table(struct cli *c, const struct devdrv_device_info *const *list, int verbose)
{
	FILE *f = c->out;

	fprintf(f, "%-12s %-8s %-9s %-6s %-9s %s\n", "PORT", "BUS:ADDR", "VID:PID", "SPEED",
	        "DRIVER", "DESCRIPTION");
	for (size_t i = 0; list[i]; i++) {
		const struct devdrv_device_info *d = list[i];
		struct safe_text mfr, prod, ser;
		char busaddr[16];

		/* a device without strings: the database's names, as lsusb */
		const char *vendor = d->manufacturer || d->product ? d->manufacturer : cli_vendor_name(c, d->vid);
		const char *product = d->manufacturer || d->product ? d->product : cli_product_name(c, d->vid, d->pid);

		snprintf(busaddr, sizeof(busaddr), "%u:%u", d->bus, d->address);
		fprintf(f, "%-12s %-8s %04x:%04x %-6s %-9s %s%s%s%s%s%s\n", d->port_path, busaddr, d->vid,
		        d->pid, devdrv_speed_name(d->speed), d->driver ? d->driver : "-", d->remote ? "[usbip] " : "",
		        safe(&mfr, vendor, ""), vendor && product ? " " : "",
		        safe(&prod, product, ""), d->serial ? " serial=" : "", safe(&ser, d->serial, ""));
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

/* What info --json adds: the database's names, the binding and the stack. */
static void json_binding(struct json *j, struct cli *c, const struct devdrv_device_info *d)
{
	struct devdrv_layer_info layers[32];
	size_t n = devdrv_device_layers(c->ctx, d, layers, 32);
	char reason[512];

	json_string(j, "vendor_name", cli_vendor_name(c, d->vid));
	json_string(j, "product_name", cli_product_name(c, d->vid, d->pid));
	devdrv_binding_reason(d, reason, sizeof(reason));
	json_object(j, "binding");
	json_string(j, "driver", d->driver);
	json_int(j, "interface", d->driver_interface);
	json_string(j, "reason", reason);
	json_end_object(j);
	json_array(j, "stack");
	for (size_t i = 0; i < n && i < 32; i++) {
		json_object(j, NULL);
		json_string(j, "kind", layers[i].kind);
		json_string(j, "name", layers[i].name);
		json_end_object(j);
	}
	json_end_array(j);
}

/* One device's record; with @c (info), the binding and the stack too. */
static void json_device(struct json *j, const struct devdrv_device_info *d, struct cli *c)
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
	if (d->speed != DEVDRV_SPEED_UNKNOWN) /* Mbit/s, as a number (1.5 at low speed) */
		json_double(j, "speed", strtod(devdrv_speed_name(d->speed), NULL));
	else
		json_string(j, "speed", NULL);
	json_string(j, "manufacturer", d->manufacturer);
	json_string(j, "product", d->product);
	json_string(j, "serial", d->serial);
	json_int(j, "active_config", d->active_config);
	json_string(j, "driver", d->driver);
	json_int(j, "driver_interface", d->driver_interface);
	json_bool(j, "remote", d->remote);
	json_int(j, "max_packet0", d->max_packet0);
	json_configs(j, d);
	if (c)
		json_binding(j, c, d);
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

/* As lsusb: nothing matched is exit 1; no bus at all is worth a word. */
static int nothing_listed(struct cli *c, int any_device)
{
	if (!any_device && (c->transports & (DEVDRV_TRANSPORT_VIRTUAL | DEVDRV_TRANSPORT_REPLAY)) == 0)
		fprintf(c->err, "devdrv: list: no USB buses on this machine (or none this user can see); "
		                "try --virtual for the virtual bus\n");
	return EXIT_DEVICE;
}

/* "3:7", "3:", ":7" or "7" (decimal, as lsusb -s takes them) as selector
 * terms appended to @sel: bus=3,addr=7. */
static int add_address_terms(struct cli *c, const char *arg, char *sel, size_t len)
{
	const char *colon = strchr(arg, ':');
	unsigned long bus = 0, addr = 0;
	int has_bus = colon && colon > arg, has_addr = colon ? colon[1] != 0 : *arg != 0;
	char *end;

	if (has_bus && ((bus = strtoul(arg, &end, 10)) > 255 || end != colon || !isdigit((unsigned char)*arg)))
		return cli_usage_error(c, "list", "-s takes [BUS:][ADDR] in decimal, not '%s'", arg);
	if (has_addr) {
		const char *a = colon ? colon + 1 : arg;

		if (!isdigit((unsigned char)*a) || (addr = strtoul(a, &end, 10)) > 255 || *end)
			return cli_usage_error(c, "list", "-s takes [BUS:][ADDR] in decimal, not '%s'", arg);
	}
	if (!has_bus && !has_addr)
		return cli_usage_error(c, "list", "-s takes [BUS:][ADDR], not '%s'", arg);
	if (has_bus)
		snprintf(sel + strlen(sel), len - strlen(sel), "%sbus=%lu", *sel ? "," : "", bus);
	if (has_addr)
		snprintf(sel + strlen(sel), len - strlen(sel), "%saddr=%lu", *sel ? "," : "", addr);
	return EXIT_OK;
}

/* -d VID:[PID] is a selector term as it is ("0403:6001", "1209:"); the
 * parser says what is wrong with a bad one. */
static int add_device_term(struct cli *c, const char *arg, char *sel, size_t len)
{
	if (!strchr(arg, ':') || strchr(arg, ','))
		return cli_usage_error(c, "list", "-d takes VID:[PID] in hex, like 0403:6001 or 1209:, not '%s'", arg);
	snprintf(sel + strlen(sel), len - strlen(sel), "%s%s", *sel ? "," : "", arg);
	return EXIT_OK;
}

/* ---- list -t -------------------------------------------------------------------------------- */

static unsigned port_depth(const char *port_path)
{
	unsigned depth = strchr(port_path, '-') ? 1 : 0;

	for (const char *p = port_path; *p; p++)
		depth += *p == '.';
	return depth;
}

static const char *last_port(const char *port_path)
{
	const char *p = strrchr(port_path, '.');

	if (!p)
		p = strchr(port_path, '-');
	return p ? p + 1 : port_path;
}

static void tree_interfaces(struct cli *c, const struct devdrv_device_info *d, unsigned depth)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(d);

	for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++) {
		const struct devdrv_interface_info *in = &cfg->interfaces[i];
		const char *name = cli_class_name(c, in->cls);
		struct safe_text kdrv;

		if (in->alt_setting != 0)
			continue;
		fprintf(c->out, "%*s|__ If %u, Class=", (int)(4 * depth + 4), "", in->number);
		if (name)
			fprintf(c->out, "%s", name);
		else
			fprintf(c->out, "%02x", in->cls);
		fprintf(c->out, ", Driver=%s%s%s\n", safe(&kdrv, in->kernel_driver, "-"),
		        d->driver && (int)in->number == d->driver_interface ? ", devdrv=" : "",
		        d->driver && (int)in->number == d->driver_interface ? d->driver : "");
	}
}

static const char *device_name(struct cli *c, const struct devdrv_device_info *d, struct safe_text *t)
{
	const char *db = cli_product_name(c, d->vid, d->pid);

	if (d->product)
		return safe(t, d->product, "");
	return db ? safe(t, db, "") : "";
}

/* As lsusb -t: each bus from its root hub (or a bus line when the root hub
 * is not listed, as on the virtual bus), each device under its hub by port
 * path, each interface with its class and drivers, speeds with units. */
static void print_tree(struct cli *c, const struct devdrv_device_info *const *list)
{
	char bus_seen[64] = "";

	for (size_t i = 0; list[i]; i++) {
		const struct devdrv_device_info *d = list[i];
		unsigned depth = port_depth(d->port_path);
		char bus_key[64];
		struct safe_text name;

		snprintf(bus_key, sizeof(bus_key), "%s/%u", d->transport, d->bus);
		if (strcmp(bus_key, bus_seen)) {
			snprintf(bus_seen, sizeof(bus_seen), "%s", bus_key);
			if (depth > 0)
				fprintf(c->out, "/:  Bus %02u (%s)\n", d->bus, d->transport);
		}
		if (depth == 0) {
			fprintf(c->out, "/:  Bus %02u.Port 1: Dev %u, %04x:%04x %s, %sM (%s)\n", d->bus, d->address,
			        d->vid, d->pid, device_name(c, d, &name), devdrv_speed_name(d->speed), d->transport);
			continue;
		}
		fprintf(c->out, "%*s|__ Port %s: Dev %u, %04x:%04x %s, %sM\n", (int)(4 * depth), "",
		        last_port(d->port_path), d->address, d->vid, d->pid, device_name(c, d, &name),
		        devdrv_speed_name(d->speed));
		tree_interfaces(c, d, depth);
	}
}

int cmd_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
		                              { "verbose", no_argument, NULL, 'v' },
		                              { "tree", no_argument, NULL, 't' },
		                              { "device", required_argument, NULL, 'd' },
		                              { "address", required_argument, NULL, 's' },
		                              { "help", no_argument, NULL, 'h' },
		                              { NULL, 0, NULL, 0 } };
	const struct devdrv_device_info **list, **view;
	int opt, json = 0, verbose = 0, tree = 0, rc = EXIT_OK;
	char selector[512] = "";

	optind = 0;
	while (rc == EXIT_OK && (opt = getopt_long(argc, argv, "vhtd:s:", opts, NULL)) != -1) {
		if (opt == 'j')
			json = 1;
		else if (opt == 'v')
			verbose = 1;
		else if (opt == 't')
			tree = 1;
		else if (opt == 'd')
			rc = add_device_term(c, optarg, selector, sizeof(selector));
		else if (opt == 's')
			rc = add_address_terms(c, optarg, selector, sizeof(selector));
		else if (opt == 'h')
			return fputs(list_usage, c->out), EXIT_OK;
		else
			return cli_bad_option(c, "list", argv);
	}
	if (rc != EXIT_OK)
		return rc;
	if (argc - optind > 1)
		return cli_usage_error(c, "list", "takes at most one selector");
	if (optind < argc)
		snprintf(selector + strlen(selector), sizeof(selector) - strlen(selector), "%s%s",
		         *selector ? "," : "", argv[optind]);
	if ((rc = get_list(c, &list)) != EXIT_OK)
		return rc;
	if ((rc = filter_list(c, *selector ? selector : NULL, list, &view)) < 0) {
		devdrv_free_device_list(list);
		return cli_fail(c, "list", rc, devdrv_context_errmsg(c->ctx));
	}
	if (json) {
		struct json j;

		json_document(&j, c->out);
		json_array(&j, "devices");
		for (size_t i = 0; view[i]; i++)
			json_device(&j, view[i], NULL);
		json_end_array(&j);
		json_end_object(&j);
	} else if (view[0] && tree) {
		print_tree(c, view);
	} else if (view[0]) {
		print_table(c, view, verbose);
	}
	rc = view[0] ? EXIT_OK : nothing_listed(c, list[0] != NULL);
	free(view);
	devdrv_free_device_list(list);
	return rc;
}

static void print_bcd(FILE *f, const char *name, uint16_t v)
{
	fprintf(f, "  %-15s %x.%02x\n", name, v >> 8, v & 0xff);
}

/* ---- info: class-specific descriptors by name ------------------------------------------------ */

static const char *cdc_functional_name(uint8_t subtype)
{
	switch (subtype) {
	case 0x00: return "CDC Header";
	case 0x01: return "CDC Call Management";
	case 0x02: return "CDC ACM";
	case 0x06: return "CDC Union";
	case 0x07: return "CDC Country Selection";
	case 0x0f: return "CDC Ethernet Networking";
	case 0x11: return "CDC Mobile Direct Line";
	case 0x12: return "CDC MDLM";
	case 0x13: return "CDC MDLM Detail";
	case 0x1a: return "CDC NCM";
	case 0x1b: return "CDC MBIM";
	case 0x1c: return "CDC MBIM Extended";
	default: return "CDC functional";
	}
}

static const char *audio_control_name(uint8_t subtype)
{
	switch (subtype) {
	case 0x01: return "Audio Control Header";
	case 0x02: return "Audio Input Terminal";
	case 0x03: return "Audio Output Terminal";
	case 0x04: return "Audio Mixer Unit";
	case 0x05: return "Audio Selector Unit";
	case 0x06: return "Audio Feature Unit";
	default: return "Audio Control";
	}
}

static const char *audio_streaming_name(uint8_t subtype)
{
	switch (subtype) {
	case 0x01: return "Audio Streaming General";
	case 0x02: return "Audio Format Type";
	default: return "Audio Streaming";
	}
}

/* What a descriptor of @type (and @subtype, when it has one) in interface
 * @in's extra bytes is, by the interface's class. */
static const char *extra_name(const struct devdrv_interface_info *in, uint8_t type, uint8_t subtype)
{
	if (type == 0x21 && in->cls == 0x03)
		return "HID";
	if (type == 0x24 && (in->cls == 0x02 || in->cls == 0x0a))
		return cdc_functional_name(subtype);
	if (type == 0x24 && in->cls == 0x01)
		return in->subclass == 0x01 ? audio_control_name(subtype) : audio_streaming_name(subtype);
	if (type == 0x25)
		return "class-specific endpoint";
	if (type == 0x24)
		return "class-specific interface";
	if (type == 0x0b)
		return "Interface Association";
	if (type == 0x30)
		return "SuperSpeed Endpoint Companion";
	return "unknown";
}

/* The HID descriptor's fields (HID 1.11, 6.2.1): the report descriptor's
 * length is what a host reads next. */
static void print_hid_fields(FILE *f, const uint8_t *d, uint8_t len)
{
	if (len < 9)
		return;
	fprintf(f, ": bcdHID %x.%02x, country %u, report descriptor %u bytes", d[3], d[2], d[4], d[7] | d[8] << 8);
}

/* Each descriptor in @in's extra bytes, by name and length. The bytes are
 * the device's: a length that runs past the end or under 2 stops the walk. */
static void print_extra(FILE *f, const struct devdrv_interface_info *in)
{
	size_t off = 0;

	while (off + 2 <= in->extra_len) {
		const uint8_t *d = in->extra + off;
		uint8_t len = d[0];

		if (len < 2 || off + len > in->extra_len) {
			fprintf(f, "      (malformed descriptor at offset %zu: length %u)\n", off, len);
			return;
		}
		fprintf(f, "      %s descriptor (type 0x%02x, %u bytes)", extra_name(in, d[1], len > 2 ? d[2] : 0), d[1],
		        len);
		if (d[1] == 0x21 && in->cls == 0x03)
			print_hid_fields(f, d, len);
		fputc('\n', f);
		off += len;
	}
}

static void print_endpoint(FILE *f, const struct devdrv_endpoint_info *ep)
{
	unsigned mps = ep->max_packet & 0x7ff, per_microframe = ((ep->max_packet >> 11) & 3) + 1;

	fprintf(f, "      Endpoint 0x%02x %s %s, max packet %u", ep->address, (ep->address & 0x80) ? "IN" : "OUT",
	        endpoint_type(ep->attributes), mps);
	if (per_microframe > 1) /* high-bandwidth: bits 12..11 of wMaxPacketSize */
		fprintf(f, " x %u", per_microframe);
	fprintf(f, ", interval %u\n", ep->interval);
}

static void print_interface(struct cli *c, const struct devdrv_interface_info *in)
{
	FILE *f = c->out;
	struct safe_text text, kdrv;
	char classes[200];

	cli_class_names(c, in->cls, in->subclass, in->protocol, classes, sizeof(classes));
	fprintf(f, "    Interface %u alt %u: class %02x/%02x/%02x%s%s%s%s%s%s, kernel driver: %s\n", in->number,
	        in->alt_setting, in->cls, in->subclass, in->protocol, *classes ? " (" : "", classes,
	        *classes ? ")" : "", in->name ? " \"" : "", safe(&text, in->name, ""), in->name ? "\"" : "",
	        safe(&kdrv, in->kernel_driver, "(none)"));
	print_extra(f, in);
	for (unsigned e = 0; e < in->num_endpoints; e++)
		print_endpoint(f, &in->endpoints[e]);
}

static void print_config(struct cli *c, const struct devdrv_device_info *d, const struct devdrv_config_info *cfg)
{
	fprintf(c->out, "  Configuration %u%s: %s%s, max power %u mA (bmAttributes 0x%02x)\n", cfg->value,
	        cfg->value == d->active_config ? " (active)" : "",
	        (cfg->attributes & 0x40) ? "self-powered" : "bus-powered",
	        (cfg->attributes & 0x20) ? ", remote wakeup" : "", cfg->max_power_ma, cfg->attributes);
	for (unsigned i = 0; i < cfg->num_interfaces; i++)
		print_interface(c, &cfg->interfaces[i]);
}

static void print_info(struct cli *c, const struct devdrv_device_info *d)
{
	const char *vendor = cli_vendor_name(c, d->vid), *product = cli_product_name(c, d->vid, d->pid);
	struct safe_text text;
	FILE *f = c->out;
	char reason[512], classes[200];

	fprintf(f, "Device %s (bus %u, address %u, transport %s)\n", d->port_path, d->bus, d->address,
	        d->transport);
	fprintf(f, "  %-15s 0x%04x %s\n", "idVendor", d->vid, safe(&text, vendor, ""));
	fprintf(f, "  %-15s 0x%04x %s\n", "idProduct", d->pid, safe(&text, product, ""));
	print_bcd(f, "bcdDevice", d->bcd_device);
	print_bcd(f, "bcdUSB", d->bcd_usb);
	cli_class_names(c, d->cls, d->subclass, d->protocol, classes, sizeof(classes));
	fprintf(f, "  %-15s %02x/%02x/%02x %s\n", "class", d->cls, d->subclass, d->protocol,
	        d->cls ? classes : "(defined by each interface)");
	fprintf(f, "  %-15s %u\n", "bMaxPacketSize0", d->max_packet0);
	fprintf(f, "  %-15s %s Mbit/s\n", "speed", devdrv_speed_name(d->speed));
	if (d->remote)
		fprintf(f, "  %-15s imported over USB/IP (%s)\n", "remote",
		        strcmp(d->transport, "usbip") ? "vhci_hcd" : "the usbip transport");
	fprintf(f, "  %-15s %s\n", "manufacturer", safe(&text, d->manufacturer, "(none)"));
	fprintf(f, "  %-15s %s\n", "product", safe(&text, d->product, "(none)"));
	fprintf(f, "  %-15s %s\n", "serial", safe(&text, d->serial, "(none)"));
	fprintf(f, "  %-15s %u\n", "configurations", d->num_configs);
	for (unsigned ci = 0; ci < d->num_configs; ci++)
		print_config(c, d, &d->configs[ci]);
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

/* info's output for the devices of @view, as text or one JSON document. */
static void show_info(struct cli *c, const struct devdrv_device_info *const *view, int json)
{
	struct json j;

	if (json) {
		json_document(&j, c->out);
		json_array(&j, "devices");
	}
	for (size_t i = 0; view[i]; i++) {
		if (json) {
			json_device(&j, view[i], c);
			continue;
		}
		if (i)
			fputc('\n', c->out);
		print_info(c, view[i]);
		print_stack(c->out, c->ctx, view[i]);
	}
	if (json) {
		json_end_array(&j);
		json_end_object(&j);
	}
}

int cmd_info(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
		                              { "help", no_argument, NULL, 'h' },
		                              { NULL, 0, NULL, 0 } };
	const struct devdrv_device_info **list, **view;
	int rc, opt, json = 0;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'j')
			json = 1;
		else if (opt == 'h')
			return fputs(info_usage, c->out), EXIT_OK;
		else
			return cli_bad_option(c, "info", argv);
	}
	argc -= optind - 1, argv += optind - 1; /* argv[1]: the selector, if any */
	if (argc > 2)
		return cli_usage_error(c, "info", "takes at most one selector");
	if (argc == 2 && (rc = cli_need_selector(c, "info", argv[1])) != EXIT_OK)
		return rc;
	if ((rc = get_list(c, &list)) != EXIT_OK)
		return rc;
	/* as lsusb -v: every device matching, all of them without a selector
	 * (the selector's #N picks one) */
	if (argc == 2 && strchr(argv[1], '#')) {
		ssize_t idx = devdrv_select(c->ctx, argv[1], list);

		const struct devdrv_device_info *one[2] = { idx >= 0 ? list[idx] : NULL, NULL };

		rc = idx < 0 ? cli_fail(c, "info", (int)idx, devdrv_context_errmsg(c->ctx)) : EXIT_OK;
		if (idx >= 0)
			show_info(c, one, json);
		devdrv_free_device_list(list);
		return rc;
	}
	if ((rc = filter_list(c, argc == 2 ? argv[1] : NULL, list, &view)) < 0) {
		devdrv_free_device_list(list);
		return cli_fail(c, "info", rc, devdrv_context_errmsg(c->ctx));
	}
	if (view[0])
		show_info(c, view, json);
	else
		rc = argc == 2 ? cli_fail(c, "info", DEVDRV_E_NOT_FOUND, "no device matches") : nothing_listed(c, list[0] != NULL);
	free(view);
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

static void json_match(struct json *j, const struct devdrv_match *m)
{
	static const struct {
		unsigned flag;
		const char *key;
		size_t offset;
		int hex16;
	} fields[] = {
		{ DEVDRV_MATCH_VENDOR, "vid", offsetof(struct devdrv_match, vid), 1 },
		{ DEVDRV_MATCH_PRODUCT, "pid", offsetof(struct devdrv_match, pid), 1 },
		{ DEVDRV_MATCH_DEV_CLASS, "class", offsetof(struct devdrv_match, dev_class), 0 },
		{ DEVDRV_MATCH_DEV_SUBCLASS, "subclass", offsetof(struct devdrv_match, dev_subclass), 0 },
		{ DEVDRV_MATCH_DEV_PROTOCOL, "protocol", offsetof(struct devdrv_match, dev_protocol), 0 },
		{ DEVDRV_MATCH_INT_CLASS, "iface_class", offsetof(struct devdrv_match, int_class), 0 },
		{ DEVDRV_MATCH_INT_SUBCLASS, "iface_subclass", offsetof(struct devdrv_match, int_subclass), 0 },
		{ DEVDRV_MATCH_INT_PROTOCOL, "iface_protocol", offsetof(struct devdrv_match, int_protocol), 0 },
		{ DEVDRV_MATCH_INT_NUMBER, "iface", offsetof(struct devdrv_match, int_number), 0 },
	};

	json_object(j, NULL);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const unsigned char *p = (const unsigned char *)m + fields[i].offset;
		char hex[8];

		if (!(m->flags & fields[i].flag))
			continue;
		if (fields[i].hex16) { /* IDs stay hex strings, as list has them */
			uint16_t v;

			memcpy(&v, p, sizeof(v));
			hex4(hex, v);
			json_string(j, fields[i].key, hex);
		} else {
			json_int(j, fields[i].key, *p);
		}
	}
	json_end_object(j);
}

static void drivers_json(struct cli *c, const struct devdrv_driver *const *d, size_t n)
{
	struct json j;

	json_document(&j, c->out);
	json_array(&j, "drivers");
	for (size_t i = 0; i < n; i++) {
		const char *plugin = NULL;
		int loaded = 1;

		if (devdrv_driver_origin(d[i], &plugin, &loaded) < 0 || !plugin)
			loaded = 1; /* built in: always there */
		json_object(&j, NULL);
		json_string(&j, "name", d[i]->name);
		json_string(&j, "class", devdrv_class_name(d[i]->cls));
		json_string(&j, "description", d[i]->description);
		json_string(&j, "plugin", plugin);
		json_bool(&j, "loaded", loaded);
		json_array(&j, "match");
		for (const struct devdrv_match *m = d[i]->match; m && m->flags; m++)
			json_match(&j, m);
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
}

int cmd_drivers(struct cli *c, int argc, char **argv)
{
	size_t n;
	const struct devdrv_driver *const *d = devdrv_drivers(&n);
	int json, rc;

	if ((rc = cli_json_flag(c, "drivers", drivers_usage, argc, argv, &json)) != EXIT_OK)
		return rc == CLI_HELP_SHOWN ? EXIT_OK : rc;
	if (json) {
		drivers_json(c, d, n);
		return EXIT_OK;
	}
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
