/* selector.c — the one selector grammar used by the API, the CLI and udev
 * units: "0403:6001", "3:7", "1-1.2", "serial=X,driver=ftdi#1". Errors quote
 * the selector and point at the first wrong character. */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *text; /* the whole selector, for messages */
	struct dd_selector *sel;
	char *err;
	size_t errlen;
};

/* What is wrong and where come first, so a long selector truncated to fit the
 * message still says which column to fix. */
static int fail_at(struct parser *p, const char *at, const char *what)
{
	int column = (int)(at - p->text) + 1;
	size_t len = strlen(p->text);

	snprintf(p->err, p->errlen, "selector: %s at column %d ('%.12s') in \"%.64s%s\"", what, column, at,
	         p->text, len > 64 ? "..." : "");
	return DEVDRV_E_INVALID;
}

/* Parse [start, end) as an unsigned number in @base with at most @max_digits
 * digits and a value of at most @max. */
static int parse_number(struct parser *p, const char *start, const char *end, int base,
                        int max_digits, unsigned long max, unsigned long *out, const char *what)
{
	char msg[96];
	unsigned long v = 0;

	if (start == end) {
		snprintf(msg, sizeof(msg), "%s is empty", what);
		return fail_at(p, start, msg);
	}
	if (end - start > max_digits) {
		snprintf(msg, sizeof(msg), "%s has more than %d digits", what, max_digits);
		return fail_at(p, start, msg);
	}
	for (const char *c = start; c < end; c++) {
		int digit = isdigit((unsigned char)*c) ? *c - '0'
		            : (base == 16 && isxdigit((unsigned char)*c)) ? tolower((unsigned char)*c) - 'a' + 10
		            : -1;
		if (digit < 0) {
			snprintf(msg, sizeof(msg), "%s: '%c' is not a %s digit", what, *c,
			         base == 16 ? "hex" : "decimal");
			return fail_at(p, c, msg);
		}
		v = v * (unsigned long)base + (unsigned long)digit;
	}
	if (v > max) {
		snprintf(msg, sizeof(msg), "%s is larger than %lu", what, max);
		return fail_at(p, start, msg);
	}
	*out = v;
	return 0;
}

static int mark(struct parser *p, const char *at, unsigned field)
{
	if (p->sel->has & field)
		return fail_at(p, at, "this field is given twice");
	p->sel->has |= field;
	return 0;
}

static int is_digit_run(const char *s, const char *e, int max)
{
	if (s == e || e - s > max)
		return 0;
	for (; s < e; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* "1-1.2": bus, dash, then dot-separated ports 1..255; "1" alone is the
 * bus's root hub, as sysfs and `devdrv list` name it. */
static int parse_port_path(struct parser *p, const char *s, const char *e)
{
	const char *c = s, *part;
	unsigned long n;
	int rc;

	if ((size_t)(e - s) >= sizeof(p->sel->port))
		return fail_at(p, s, "port path is too long");
	while (c < e && *c != '-')
		c++;
	rc = parse_number(p, s, c, 10, 3, 255, &n, "port path bus");
	if (rc < 0)
		return rc;
	while (c < e) {
		part = ++c;
		while (c < e && *c != '.')
			c++;
		rc = parse_number(p, part, c, 10, 3, 255, &n, "port number");
		if (rc < 0)
			return rc;
		if (n == 0)
			return fail_at(p, part, "port numbers start at 1");
	}
	rc = mark(p, s, DD_SEL_PORT);
	if (rc < 0)
		return rc;
	memcpy(p->sel->port, s, (size_t)(e - s));
	p->sel->port[e - s] = 0;
	return 0;
}

/* "VVVV:" (every product of a vendor) or ":PPPP", as lsusb -d takes them. */
static int parse_half_pair(struct parser *p, const char *s, const char *colon)
{
	int vendor = colon - s == 4;
	const char *digits = vendor ? s : colon + 1;
	unsigned long v;
	int rc;

	if ((rc = parse_number(p, digits, digits + 4, 16, 4, 0xffff, &v, vendor ? "vendor ID" : "product ID")) < 0 ||
	    (rc = mark(p, digits, vendor ? DD_SEL_VID : DD_SEL_PID)) < 0)
		return rc;
	if (vendor)
		p->sel->vid = (uint16_t)v;
	else
		p->sel->pid = (uint16_t)v;
	return 0;
}

/* "VVVV:PPPP" (four hex digits each), "VVVV:", ":PPPP", or "BUS:ADDR"
 * (decimal, up to 3 digits). */
static int parse_colon_pair(struct parser *p, const char *s, const char *colon, const char *e)
{
	unsigned long a, b;
	int rc;

	if ((colon - s == 4 && e == colon + 1) || (colon == s && e - colon - 1 == 4))
		return parse_half_pair(p, s, colon);

	if (colon - s == 4 && e - colon - 1 == 4) {
		if ((rc = parse_number(p, s, colon, 16, 4, 0xffff, &a, "vendor ID")) < 0 ||
		    (rc = parse_number(p, colon + 1, e, 16, 4, 0xffff, &b, "product ID")) < 0 ||
		    (rc = mark(p, s, DD_SEL_VID)) < 0 || (rc = mark(p, colon + 1, DD_SEL_PID)) < 0)
			return rc;
		p->sel->vid = (uint16_t)a;
		p->sel->pid = (uint16_t)b;
		return 0;
	}
	if (is_digit_run(s, colon, 3) && is_digit_run(colon + 1, e, 3)) {
		if ((rc = parse_number(p, s, colon, 10, 3, 255, &a, "bus")) < 0 ||
		    (rc = parse_number(p, colon + 1, e, 10, 3, 127, &b, "address")) < 0 ||
		    (rc = mark(p, s, DD_SEL_BUS)) < 0 || (rc = mark(p, colon + 1, DD_SEL_ADDR)) < 0)
			return rc;
		p->sel->bus = (unsigned)a;
		p->sel->addr = (unsigned)b;
		return 0;
	}
	return fail_at(p, s, "expected VVVV:PPPP (4 hex digits each, either may be left out) or BUS:ADDR (decimal)");
}

static int copy_value(struct parser *p, const char *s, const char *e, char *dst, size_t cap,
                      unsigned field, const char *key)
{
	char msg[64];

	if (s == e) {
		snprintf(msg, sizeof(msg), "%s= needs a value", key);
		return fail_at(p, s, msg);
	}
	if ((size_t)(e - s) >= cap) {
		snprintf(msg, sizeof(msg), "%s value is too long", key);
		return fail_at(p, s, msg);
	}
	if (mark(p, s, field) < 0)
		return DEVDRV_E_INVALID;
	memcpy(dst, s, (size_t)(e - s));
	dst[e - s] = 0;
	return 0;
}

/* Endpoint numbers may be written 0x81 or 129; the direction must agree. */
static int parse_endpoint(struct parser *p, const char *s, const char *e, int in, int *out)
{
	unsigned long v;
	int rc = (e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
	             ? parse_number(p, s + 2, e, 16, 2, 0xff, &v, "endpoint")
	             : parse_number(p, s, e, 10, 3, 0xff, &v, "endpoint");

	if (rc < 0)
		return rc;
	if (!!(v & 0x80) != in || (v & 0x70) || (v & 0x0f) == 0)
		return fail_at(p, s, in ? "not an IN endpoint (0x81-0x8f)" : "not an OUT endpoint (0x01-0x0f)");
	*out = (int)v;
	return mark(p, s, in ? DD_SEL_EP_IN : DD_SEL_EP_OUT);
}

static int parse_key_value(struct parser *p, const char *s, const char *eq, const char *e)
{
	struct dd_selector *sel = p->sel;
	const char *v = eq + 1;
	size_t klen = (size_t)(eq - s);
	unsigned long n;
	int rc;

#define KEY(name) (klen == sizeof(name) - 1 && !memcmp(s, name, klen))
	if (KEY("vid") || KEY("pid")) {
		int vid = s[0] == 'v';

		rc = parse_number(p, v, e, 16, 4, 0xffff, &n, vid ? "vendor ID" : "product ID");
		if (rc < 0 || (rc = mark(p, s, vid ? DD_SEL_VID : DD_SEL_PID)) < 0)
			return rc;
		*(vid ? &sel->vid : &sel->pid) = (uint16_t)n;
		return 0;
	}
	if (KEY("bus") || KEY("addr")) {
		int bus = s[0] == 'b';

		rc = parse_number(p, v, e, 10, 3, bus ? 255 : 127, &n, bus ? "bus" : "address");
		if (rc < 0 || (rc = mark(p, s, bus ? DD_SEL_BUS : DD_SEL_ADDR)) < 0)
			return rc;
		*(bus ? &sel->bus : &sel->addr) = (unsigned)n;
		return 0;
	}
	if (KEY("iface") || KEY("alt")) {
		int alt = s[0] == 'a';

		rc = parse_number(p, v, e, 10, 3, 255, &n, alt ? "alternate setting" : "interface");
		if (rc < 0 || (rc = mark(p, s, alt ? DD_SEL_ALT : DD_SEL_IFACE)) < 0)
			return rc;
		*(alt ? &sel->alt : &sel->iface) = (int)n;
		return 0;
	}
	if (KEY("lun")) { /* Bulk-Only Transport: at most 16 logical units */
		rc = parse_number(p, v, e, 10, 2, 15, &n, "logical unit");
		if (rc < 0 || (rc = mark(p, s, DD_SEL_LUN)) < 0)
			return rc;
		sel->lun = (int)n;
		return 0;
	}
	if (KEY("port"))
		return parse_port_path(p, v, e);
	if (KEY("serial"))
		return copy_value(p, v, e, sel->serial, sizeof(sel->serial), DD_SEL_SERIAL, "serial");
	if (KEY("driver"))
		return copy_value(p, v, e, sel->driver, sizeof(sel->driver), DD_SEL_DRIVER, "driver");
	if (KEY("transport")) {
		rc = copy_value(p, v, e, sel->transport, sizeof(sel->transport), DD_SEL_TRANSPORT,
		                "transport");
		if (rc == 0 && strcmp(sel->transport, "usb") && strcmp(sel->transport, "virtual") &&
		    strcmp(sel->transport, "replay") && strcmp(sel->transport, "usbip"))
			return fail_at(p, v, "transport must be usb, virtual, replay or usbip");
		return rc;
	}
	if (KEY("ep_in"))
		return parse_endpoint(p, v, e, 1, &sel->ep_in);
	if (KEY("ep_out"))
		return parse_endpoint(p, v, e, 0, &sel->ep_out);
#undef KEY
	return fail_at(p, s, "unknown key (keys: vid pid bus addr port serial driver iface alt "
	                     "lun ep_in ep_out transport)");
}

static int parse_term(struct parser *p, const char *s, const char *e)
{
	const char *eq = memchr(s, '=', (size_t)(e - s));
	const char *colon = memchr(s, ':', (size_t)(e - s));

	if (s == e)
		return fail_at(p, s, "empty term");
	if (eq)
		return parse_key_value(p, s, eq, e);
	if (colon)
		return parse_colon_pair(p, s, colon, e);
	if (memchr(s, '-', (size_t)(e - s)) || is_digit_run(s, e, 3))
		return parse_port_path(p, s, e);
	return fail_at(p, s, "expected VVVV:PPPP, BUS:ADDR, a port path like 1-1.2 (or 1 for a root "
	                     "hub), or key=value");
}

/* A trailing "#N" picks the N-th match; '#' elsewhere belongs to a value. */
static const char *split_index(struct parser *p, const char *text, const char *end, int *rc)
{
	const char *hash = NULL;
	unsigned long n;

	for (const char *c = text; c < end; c++)
		if (*c == '#')
			hash = c;
	*rc = 0;
	if (!hash || !is_digit_run(hash + 1, end, 6))
		return end;
	*rc = parse_number(p, hash + 1, end, 10, 6, 999999, &n, "index");
	if (*rc == 0) {
		p->sel->has |= DD_SEL_INDEX;
		p->sel->index = (unsigned)n;
	}
	return hash;
}

int dd_selector_parse(const char *text, struct dd_selector *sel, char *err, size_t errlen)
{
	struct parser p = { text ? text : "", sel, err, errlen };
	const char *end, *s;
	int rc;

	memset(sel, 0, sizeof(*sel));
	sel->iface = sel->alt = sel->lun = sel->ep_in = sel->ep_out = -1;
	if (errlen)
		err[0] = 0;
	end = p.text + strlen(p.text);
	end = split_index(&p, p.text, end, &rc);
	if (rc < 0 || end == p.text)
		return rc;
	for (s = p.text; s <= end; s++) {
		const char *e = s;

		while (e < end && *e != ',')
			e++;
		rc = parse_term(&p, s, e);
		if (rc < 0)
			return rc;
		s = e;
	}
	return 0;
}

/* Alternate setting @alt of interface @iface (-1: of any interface). */
static int has_alt(const struct devdrv_config_info *cfg, int iface, int alt)
{
	for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++)
		if ((iface < 0 || cfg->interfaces[i].number == iface) && cfg->interfaces[i].alt_setting == alt)
			return 1;
	return 0;
}

int dd_selector_match_fields(const struct dd_selector *sel, const struct devdrv_device_info *info)
{
	unsigned h = sel->has;

	if (((h & DD_SEL_VID) && sel->vid != info->vid) ||
	    ((h & DD_SEL_PID) && sel->pid != info->pid) ||
	    ((h & DD_SEL_BUS) && sel->bus != info->bus) ||
	    ((h & DD_SEL_ADDR) && sel->addr != info->address) ||
	    ((h & DD_SEL_PORT) && strcmp(sel->port, info->port_path)) ||
	    ((h & DD_SEL_TRANSPORT) && strcmp(sel->transport, info->transport)) ||
	    ((h & DD_SEL_SERIAL) && (!info->serial || strcmp(sel->serial, info->serial))))
		return 0;
	if ((h & DD_SEL_IFACE) && !devdrv_find_interface(devdrv_active_config(info), sel->iface))
		return 0;
	if ((h & DD_SEL_ALT) && !has_alt(devdrv_active_config(info), sel->iface, sel->alt))
		return 0;
	return 1;
}
