/* hid.c — devdrv hid: input reports as hex and decoded fields, the report
 * descriptor as a tree (or its bytes), and feature and output reports. */
#include "cli.h"

#include <devdrv/hid.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define HID_REPORT_MAX 4096
#define DEFAULT_TIMEOUT_MS 5000

static const char hid_usage[] =
    "usage: devdrv hid SEL [-n COUNT] [--timeout MS] [--json]\n"
    "       devdrv hid SEL --descriptor [--raw]\n"
    "       devdrv hid SEL --get-feature ID | --set-feature ID HEX | --send HEX\n"
    "  Prints input reports as they arrive, one line each: the bytes, then the\n"
    "  fields decoded with the report descriptor (one-bit fields only when set;\n"
    "  --json: one object per report with every field).\n"
    "  -n COUNT        stop after COUNT reports (default: until interrupted)\n"
    "  --timeout MS    give up when nothing arrives for MS ms (default 5000, 0: never)\n"
    "  --descriptor    the parsed report descriptor as a tree; --raw: its bytes\n"
    "  --get-feature ID   read feature report ID (0 when the device has no IDs)\n"
    "  --set-feature ID HEX   write feature report ID: HEX is the report after the ID byte\n"
    "  --send HEX      send an output report (HEX after the ID byte; the ID is the\n"
    "                  output report's, or give it first when there are several)\n";

enum hid_action { SHOW_REPORTS, SHOW_DESCRIPTOR, GET_FEATURE, SET_FEATURE, SEND_OUTPUT };

struct hid_opts {
	enum hid_action action;
	unsigned long count, timeout, report_id;
	int json, raw;
	const char *hex;
};

static int parse_hid_opts(struct cli *c, int argc, char **argv, struct hid_opts *o)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },   { "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },           { "descriptor", no_argument, NULL, 'D' },
		{ "raw", no_argument, NULL, 'r' },            { "get-feature", required_argument, NULL, 'g' },
		{ "set-feature", required_argument, NULL, 's' }, { "send", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	o->timeout = DEFAULT_TIMEOUT_MS;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (cli_parse_uint(optarg, 1ul << 31, &o->count) < 0 || !o->count)
				return cli_usage_error(c, "hid", "-n needs a positive report count, not '%s'", optarg);
			break;
		case 't':
			if (cli_parse_uint(optarg, 86400000ul, &o->timeout) < 0)
				return cli_usage_error(c, "hid", "--timeout needs milliseconds, not '%s'", optarg);
			break;
		case 'j': o->json = 1; break;
		case 'D': o->action = SHOW_DESCRIPTOR; break;
		case 'r': o->raw = 1; break;
		case 'g':
		case 's':
			if (cli_parse_uint(optarg, 255, &o->report_id) < 0)
				return cli_usage_error(c, "hid", "a report ID is 0-255, not '%s'", optarg);
			o->action = opt == 'g' ? GET_FEATURE : SET_FEATURE;
			break;
		case 'o': o->action = SEND_OUTPUT, o->hex = optarg; break;
		case 'h': fputs(hid_usage, c->out); return -1;
		default: return cli_bad_option(c, "hid", argv);
		}
	}
	if (o->action == SET_FEATURE) { /* --set-feature ID HEX: HEX is the next argument */
		if (argc - optind != 2)
			return cli_usage_error(c, "hid", "--set-feature needs ID and HEX after the selector");
		o->hex = argv[optind + 1];
	} else if (argc - optind != 1) {
		return cli_usage_error(c, "hid", "needs exactly one selector");
	}
	if (o->raw && o->action != SHOW_DESCRIPTOR)
		return cli_usage_error(c, "hid", "--raw goes with --descriptor");
	if (o->json && o->action == SHOW_DESCRIPTOR)
		return cli_usage_error(c, "hid", "--json is for reports; --descriptor prints a tree (--raw: bytes)");
	return EXIT_OK;
}

/* The library's detail already starts with "hid:". */
static int hid_error(struct cli *c, const char *sel, struct devdrv_handle *h, int rc)
{
	return cli_fail(c, sel, rc, devdrv_errmsg(h));
}

/* ---- the descriptor ------------------------------------------------------------ */

static const char *type_name(enum devdrv_hid_report_type type)
{
	return type == DEVDRV_HID_INPUT ? "Input" : type == DEVDRV_HID_OUTPUT ? "Output" : "Feature";
}

static void print_usages(FILE *f, const struct devdrv_hid_field *field)
{
	char a[64], b[64];

	for (uint16_t i = 0; i < field->num_usages; i++) {
		const struct devdrv_hid_usage_range *r = &field->usages[i];

		fprintf(f, "%s%s", i ? ", " : "  ", devdrv_hid_usage_name(r->min, a, sizeof(a)));
		if (r->max != r->min)
			fprintf(f, "..%s", devdrv_hid_usage_name(r->max, b, sizeof(b)));
	}
}

static void print_field(FILE *f, const struct devdrv_hid_field *field, unsigned depth)
{
	fprintf(f, "%*s%-7s report %u  %u x %u bit%s  ", (int)depth * 2, "", type_name(field->type),
	        field->report_id, field->count, field->bit_size, field->bit_size == 1 ? "" : "s");
	if (field->flags & DEVDRV_HID_CONSTANT) {
		fputs("Const\n", f);
		return;
	}
	fprintf(f, "Data,%s,%s  logical %" PRId64 "..%" PRId64, (field->flags & DEVDRV_HID_VARIABLE) ? "Var" : "Array",
	        (field->flags & DEVDRV_HID_RELATIVE) ? "Rel" : "Abs", field->logical_min, field->logical_max);
	if (field->physical_min || field->physical_max)
		fprintf(f, "  physical %" PRId64 "..%" PRId64, field->physical_min, field->physical_max);
	print_usages(f, field);
	fputc('\n', f);
}

static void print_collection(FILE *f, const struct devdrv_hid_descriptor *d, int index, unsigned depth);

/* The child collections of @parent that stand before field @before, not
 * printed yet (*next: the first child not printed). */
static void print_children_before(FILE *f, const struct devdrv_hid_descriptor *d, int parent, size_t before,
                                  size_t *next, unsigned depth)
{
	for (; *next < d->num_collections; (*next)++) {
		const struct devdrv_hid_collection *col = &d->collections[*next];

		if (col->first_field >= before)
			break;
		if (col->parent == parent)
			print_collection(f, d, (int)*next, depth);
	}
}

/* Collection @index (-1: the top): its fields and child collections in the
 * order the descriptor has them. */
static void print_collection(FILE *f, const struct devdrv_hid_descriptor *d, int index, unsigned depth)
{
	size_t next = index >= 0 ? (size_t)index + 1 : 0;
	char name[64];

	if (index >= 0) {
		const struct devdrv_hid_collection *col = &d->collections[index];

		fprintf(f, "%*sCollection %s", (int)depth * 2, "", devdrv_hid_collection_name(col->type));
		if (col->usage)
			fprintf(f, " (%s)", devdrv_hid_usage_name(col->usage, name, sizeof(name)));
		fputc('\n', f);
		depth++;
	}
	for (size_t i = 0; i < d->num_fields; i++) {
		if (d->fields[i].collection != index)
			continue;
		print_children_before(f, d, index, i + 1, &next, depth);
		print_field(f, &d->fields[i], depth);
	}
	print_children_before(f, d, index, SIZE_MAX, &next, depth);
}

static void print_reports(FILE *f, const struct devdrv_hid_descriptor *d)
{
	for (size_t i = 0; i < d->num_reports; i++) {
		size_t len = devdrv_hid_report_length(d, d->reports[i].type, d->reports[i].report_id);

		fprintf(f, "%s report %u: %zu byte%s\n", type_name(d->reports[i].type), d->reports[i].report_id,
		        len, len == 1 ? "" : "s");
	}
}

static int show_descriptor(struct cli *c, struct devdrv_handle *h, const char *sel, int raw)
{
	const struct devdrv_hid_descriptor *d;
	const uint8_t *bytes;
	size_t len;
	int rc = raw ? devdrv_hid_get_report_descriptor(h, &bytes, &len) : devdrv_hid_get_descriptor(h, &d);

	if (rc < 0)
		return hid_error(c, sel, h, rc);
	if (raw) {
		cli_hexdump(c->out, bytes, len, 0, "\n");
		return EXIT_OK;
	}
	print_collection(c->out, d, -1, 0);
	print_reports(c->out, d);
	return EXIT_OK;
}

/* ---- reports ------------------------------------------------------------------------- */

static void print_hex(FILE *f, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%s%02x", i ? " " : "", buf[i]);
}

static void print_decoded(FILE *f, const struct devdrv_hid_value *v, size_t n)
{
	char name[64];

	for (size_t i = 0; i < n; i++) {
		const struct devdrv_hid_field *field = v[i].field;

		devdrv_hid_usage_name(v[i].usage, name, sizeof(name));
		if (!(field->flags & DEVDRV_HID_VARIABLE))
			fprintf(f, "  %s", name); /* an array names what is active */
		else if (field->bit_size > 1)
			fprintf(f, "  %s=%" PRId64, name, v[i].value);
		else if (v[i].value)
			fprintf(f, "  %s", name); /* a switch: shown when on */
	}
}

static void json_report(FILE *out, const uint8_t *buf, size_t len, int id, const struct devdrv_hid_value *v,
                        size_t n)
{
	char name[64];
	struct json j;

	json_document(&j, out);
	json_int(&j, "report_id", id);
	json_hex(&j, "bytes", buf, len);
	json_array(&j, "fields");
	for (size_t i = 0; i < n; i++) {
		json_object(&j, NULL);
		json_int(&j, "usage_page", DEVDRV_HID_USAGE_PAGE(v[i].usage));
		json_int(&j, "usage", DEVDRV_HID_USAGE_ID(v[i].usage));
		json_string(&j, "name", devdrv_hid_usage_name(v[i].usage, name, sizeof(name)));
		json_int(&j, "value", v[i].value);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j); /* ends the line: one object per report */
}

/* One report, as a line; a report the descriptor cannot decode still shows
 * its bytes, with why. */
static void print_report(struct cli *c, const struct devdrv_hid_descriptor *d, enum devdrv_hid_report_type type,
                         const uint8_t *buf, size_t len, int json)
{
	struct devdrv_hid_value values[512];
	ssize_t n = devdrv_hid_decode(d, type, buf, len, values, 512);
	size_t shown = n < 0 ? 0 : (size_t)n > 512 ? 512 : (size_t)n;

	if (json) {
		json_report(c->out, buf, len, d->uses_report_ids && len ? buf[0] : 0, values, shown);
	} else {
		print_hex(c->out, buf, len);
		if (n < 0)
			fprintf(c->out, "  (%s)", n == DEVDRV_E_NOT_FOUND ? "no such report in the descriptor"
			                                                 : "shorter than the descriptor says");
		print_decoded(c->out, values, shown);
		fputc('\n', c->out);
	}
	fflush(c->out);
}

static int show_reports(struct cli *c, struct devdrv_handle *h, const char *sel, const struct hid_opts *o)
{
	const struct devdrv_hid_descriptor *d;
	uint8_t buf[HID_REPORT_MAX];
	int rc = devdrv_hid_get_descriptor(h, &d);

	if (rc < 0)
		return hid_error(c, sel, h, rc);
	for (unsigned long n = 0; !o->count || n < o->count; n++) {
		ssize_t got = devdrv_read(h, buf, sizeof(buf), (unsigned)o->timeout);

		if (got < 0)
			return hid_error(c, sel, h, (int)got);
		print_report(c, d, DEVDRV_HID_INPUT, buf, (size_t)got, o->json);
	}
	return EXIT_OK;
}

/* HEX after the ID byte, with the ID put in front when the device uses IDs. */
static int build_report(struct cli *c, const struct devdrv_hid_descriptor *d, int id, const char *hex,
                        uint8_t *buf, size_t *len)
{
	size_t off = d->uses_report_ids && id >= 0 ? 1 : 0, n = 0, bad = 0;
	char shown[CLI_ESCAPED_MAX];

	buf[0] = (uint8_t)id;
	if (cli_parse_hex(hex, buf + off, HID_REPORT_MAX - 1, &n, &bad) < 0)
		return cli_usage_error(c, "hid", "'%s': column %zu is not a two-digit hex byte",
		                       cli_escape(hex, shown, sizeof(shown)), bad + 1);
	*len = n + off;
	return EXIT_OK;
}

/* The ID of the only output report; -1 when there are several, and HEX
 * starts with the ID. */
static int output_report_id(const struct devdrv_hid_descriptor *d)
{
	int id = 0, n = 0;

	for (size_t i = 0; i < d->num_reports; i++)
		if (d->reports[i].type == DEVDRV_HID_OUTPUT)
			id = d->reports[i].report_id, n++;
	return n > 1 ? -1 : id;
}

static int feature_or_output(struct cli *c, struct devdrv_handle *h, const char *sel, const struct hid_opts *o)
{
	const struct devdrv_hid_descriptor *d;
	uint8_t buf[HID_REPORT_MAX];
	size_t len = 0;
	int rc = devdrv_hid_get_descriptor(h, &d);

	if (rc < 0)
		return hid_error(c, sel, h, rc);
	if (o->action == GET_FEATURE) {
		if ((rc = devdrv_hid_get_feature(h, (uint8_t)o->report_id, buf, sizeof(buf))) < 0)
			return hid_error(c, sel, h, rc);
		print_report(c, d, DEVDRV_HID_FEATURE, buf, (size_t)rc, o->json);
		return EXIT_OK;
	}
	rc = build_report(c, d, o->action == SET_FEATURE ? (int)o->report_id : output_report_id(d), o->hex, buf, &len);
	if (rc != EXIT_OK)
		return rc;
	if (o->action == SET_FEATURE)
		rc = devdrv_hid_set_feature(h, buf, len);
	else
		rc = (int)devdrv_write(h, buf, len, DEFAULT_TIMEOUT_MS);
	return rc < 0 ? hid_error(c, sel, h, rc) : EXIT_OK;
}

/* Only a HID device: another is refused before its driver touches it. */
static int open_hid(struct cli *c, const char *sel, struct devdrv_handle **h)
{
	char what[160];
	int rc = cli_need_selector(c, "hid", sel);

	if (rc != EXIT_OK || (rc = cli_context(c)) != EXIT_OK)
		return rc;
	if ((rc = devdrv_hid_open(c->ctx, sel, h)) == 0)
		return EXIT_OK;
	snprintf(what, sizeof(what), "hid %s", sel);
	return cli_fail(c, what, rc, devdrv_context_errmsg(c->ctx));
}

int cmd_hid(struct cli *c, int argc, char **argv)
{
	struct devdrv_handle *h;
	struct hid_opts o;
	int rc = parse_hid_opts(c, argc, argv, &o);
	const char *sel;

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	sel = argv[optind];
	if ((rc = open_hid(c, sel, &h)) != EXIT_OK)
		return rc;
	if (o.action == SHOW_DESCRIPTOR)
		rc = show_descriptor(c, h, sel, o.raw);
	else if (o.action == SHOW_REPORTS)
		rc = show_reports(c, h, sel, &o);
	else
		rc = feature_or_output(c, h, sel, &o);
	cli_close(c, h);
	return rc;
}
