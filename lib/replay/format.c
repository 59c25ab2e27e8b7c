/* format.c — reading and writing recordings (format.h, docs/recording.md).
 * A recording may come from anywhere: every line is checked, every length
 * bounded, and the first problem is reported with its line number. */
#include "format.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 16

static const struct {
	const char *name;
	int status;
} statuses[] = {
	{ "ok", 0 },
	{ "stall", DEVDRV_E_PIPE },
	{ "timeout", DEVDRV_E_TIMEOUT },
	{ "cancelled", DEVDRV_E_CANCELLED },
	{ "disconnected", DEVDRV_E_DISCONNECTED },
	{ "overflow", DEVDRV_E_OVERFLOW },
	{ "io", DEVDRV_E_IO },
	{ "protocol", DEVDRV_E_PROTOCOL },
	{ "invalid", DEVDRV_E_INVALID },
	{ "nomem", DEVDRV_E_NOMEM },
};

const char *dd_rf_status_name(int status)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return statuses[i].name;
	return "io";
}

int dd_rf_status_of(const char *name, size_t len, int *status)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strlen(statuses[i].name) == len && !strncmp(statuses[i].name, name, len)) {
			*status = statuses[i].status;
			return 0;
		}
	return -1;
}

/* ---- parsing ---------------------------------------------------------------- */

struct parser {
	const char *name;
	unsigned line;
	char *err;
	size_t errlen;
	struct dd_recording *r;
	size_t cap; /* transfers allocated */
	int have_device;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%u: %s", p->name, p->line, what);
	return DEVDRV_E_INVALID;
}

/* One "key=value" of a line, not NUL-terminated. */
struct field {
	const char *key, *value;
	size_t key_len, value_len;
	int used;
};

static int split_fields(struct parser *p, const char *s, struct field *f, size_t *n)
{
	*n = 0;
	while (*s) {
		const char *end = strchr(s, ' '), *eq;

		if (!end)
			end = s + strlen(s);
		if (end == s)
			return fail(p, "two spaces in a row");
		if (*n == MAX_FIELDS)
			return fail(p, "more than %d fields", MAX_FIELDS);
		if (!(eq = memchr(s, '=', (size_t)(end - s))) || eq == s)
			return fail(p, "\"%.*s\" is not KEY=VALUE", (int)(end - s > 40 ? 40 : end - s), s);
		f[*n] = (struct field){ s, eq + 1, (size_t)(eq - s), (size_t)(end - eq - 1), 0 };
		(*n)++;
		s = *end ? end + 1 : end;
	}
	return 0;
}

static struct field *field(struct field *f, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].key_len == strlen(key) && !strncmp(f[i].key, key, f[i].key_len)) {
			f[i].used = 1;
			return &f[i];
		}
	return NULL;
}

static int unused_field(struct parser *p, struct field *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!f[i].used)
			return fail(p, "unknown or repeated field \"%.*s\"", (int)(f[i].key_len > 40 ? 40 : f[i].key_len),
			            f[i].key);
	return 0;
}

/* A number with a 0x prefix (hex) or without (decimal), at most @max. */
static int number(struct parser *p, struct field *f, size_t n, const char *key, unsigned long max,
                  unsigned long *out)
{
	struct field *v = field(f, n, key);
	char buf[24], *end;

	if (!v)
		return fail(p, "missing field %s=", key);
	if (!v->value_len || v->value_len >= sizeof(buf) || v->value[0] == '-' || v->value[0] == '+')
		return fail(p, "%s=%.*s is not a number", key, (int)(v->value_len > 20 ? 20 : v->value_len), v->value);
	memcpy(buf, v->value, v->value_len);
	buf[v->value_len] = '\0';
	errno = 0;
	*out = strtoul(buf, &end, 0);
	if (errno || *end || *out > max)
		return fail(p, "%s=%s is not a number up to %lu", key, buf, max);
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* @want bytes of hex from @text; a new buffer in *out. */
static int hex_bytes(struct parser *p, const char *what, const char *text, size_t len, size_t want, uint8_t **out)
{
	if (len % 2)
		return fail(p, "%s: an odd number of hex digits", what);
	if (len / 2 != want)
		return fail(p, "%s: %zu bytes of data where %zu were stated", what, len / 2, want);
	if (!want) {
		*out = NULL;
		return 0;
	}
	if (!(*out = malloc(want)))
		return fail(p, "out of memory");
	for (size_t i = 0; i < want; i++) {
		int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(*out);
			*out = NULL;
			return fail(p, "%s: \"%c%c\" is not a hex byte", what, text[2 * i], text[2 * i + 1]);
		}
		(*out)[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int data_field(struct parser *p, struct field *f, size_t n, const char *key, size_t want, uint8_t **out)
{
	struct field *v = field(f, n, key);

	*out = NULL;
	if (!v)
		return want ? fail(p, "missing field %s= (%zu bytes)", key, want) : 0;
	return hex_bytes(p, key, v->value, v->value_len, want, out);
}

static int parse_speed(const char *s, size_t len, enum devdrv_speed *speed)
{
	static const char *const names[] = { "unknown", "1.5", "12", "480", "5000", "10000" };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && !strncmp(names[i], s, len)) {
			*speed = (enum devdrv_speed)i;
			return 0;
		}
	return -1;
}

static int port_field(struct parser *p, struct field *f, size_t n, char *port, size_t size)
{
	struct field *v = field(f, n, "port");

	if (!v)
		return fail(p, "missing field port=");
	if (!v->value_len || v->value_len >= size || strspn(v->value, "0123456789-.") < v->value_len)
		return fail(p, "port=%.*s is not a port path", (int)(v->value_len > 40 ? 40 : v->value_len), v->value);
	memcpy(port, v->value, v->value_len);
	port[v->value_len] = '\0';
	return 0;
}

static int parse_device(struct parser *p, const char *rest)
{
	struct dd_rf_device *d = &p->r->dev;
	struct field f[MAX_FIELDS];
	unsigned long v[12];
	struct field *speed;
	size_t n;
	int rc;

	if (p->have_device)
		return fail(p, "a second device line");
	if ((rc = split_fields(p, rest, f, &n)) < 0 || (rc = number(p, f, n, "vid", 0xffff, &v[0])) < 0 ||
	    (rc = number(p, f, n, "pid", 0xffff, &v[1])) < 0 || (rc = number(p, f, n, "bcd_device", 0xffff, &v[2])) < 0 ||
	    (rc = number(p, f, n, "bcd_usb", 0xffff, &v[3])) < 0 || (rc = number(p, f, n, "class", 0xff, &v[4])) < 0 ||
	    (rc = number(p, f, n, "subclass", 0xff, &v[5])) < 0 || (rc = number(p, f, n, "protocol", 0xff, &v[6])) < 0 ||
	    (rc = number(p, f, n, "mps0", 0xff, &v[7])) < 0 || (rc = number(p, f, n, "bus", 0xff, &v[8])) < 0 ||
	    (rc = number(p, f, n, "address", 127, &v[9])) < 0 || (rc = number(p, f, n, "config", 0xff, &v[10])) < 0 ||
	    (rc = port_field(p, f, n, d->port, sizeof(d->port))) < 0)
		return rc;
	if (!(speed = field(f, n, "speed")) || parse_speed(speed->value, speed->value_len, &d->speed) < 0)
		return fail(p, "speed= must be one of unknown, 1.5, 12, 480, 5000, 10000");
	if ((rc = unused_field(p, f, n)) < 0)
		return rc;
	d->vid = (uint16_t)v[0], d->pid = (uint16_t)v[1], d->bcd_device = (uint16_t)v[2], d->bcd_usb = (uint16_t)v[3];
	d->cls = (uint8_t)v[4], d->subclass = (uint8_t)v[5], d->protocol = (uint8_t)v[6];
	d->max_packet0 = (uint8_t)v[7], d->bus = (uint8_t)v[8], d->address = (uint8_t)v[9];
	d->active_config = (uint8_t)v[10];
	p->have_device = 1;
	return 0;
}

/* "TEXT" with \\, \" and \xNN escapes, to the end of the line. */
static int quoted(struct parser *p, const char *s, char **out)
{
	size_t len = strlen(s), o = 0;
	char *buf;

	if (len < 2 || s[0] != '"' || s[len - 1] != '"')
		return fail(p, "a string is written \"TEXT\"");
	if (len > 1024 || !(buf = malloc(len)))
		return fail(p, "string too long");
	for (size_t i = 1; i < len - 1; i++) {
		int hi, lo;

		if (s[i] != '\\') {
			buf[o++] = s[i];
		} else if (s[i + 1] == '\\' || s[i + 1] == '"') {
			buf[o++] = s[++i];
		} else if (s[i + 1] == 'x' && i + 3 < len - 1 && (hi = hex_digit(s[i + 2])) >= 0 &&
		           (lo = hex_digit(s[i + 3])) >= 0 && (hi || lo)) {
			buf[o++] = (char)(hi << 4 | lo);
			i += 3;
		} else {
			free(buf);
			return fail(p, "bad escape in a string (\\\\, \\\" or \\xNN other than \\x00)");
		}
	}
	buf[o] = '\0';
	*out = buf;
	return 0;
}

static int parse_string(struct parser *p, const char *rest)
{
	struct dd_rf_device *d = &p->r->dev;
	char **slot = NULL;
	const char *space = strchr(rest, ' ');
	size_t key = space ? (size_t)(space - rest) : strlen(rest);

	if (key == 12 && !strncmp(rest, "manufacturer", 12))
		slot = &d->manufacturer;
	else if (key == 7 && !strncmp(rest, "product", 7))
		slot = &d->product;
	else if (key == 6 && !strncmp(rest, "serial", 6))
		slot = &d->serial;
	if (!slot || !space)
		return fail(p, "string takes manufacturer, product or serial, then \"TEXT\"");
	if (*slot)
		return fail(p, "a second %.*s string", (int)key, rest);
	return quoted(p, space + 1, slot);
}

static int parse_config(struct parser *p, const char *rest)
{
	struct dd_rf_device *d = &p->r->dev;
	size_t len = strlen(rest);
	uint8_t *raw;
	int rc;

	if (d->num_configs == DD_RF_MAX_CONFIGS)
		return fail(p, "more than %d configurations", DD_RF_MAX_CONFIGS);
	if (len % 2 || len / 2 < 9 || len / 2 > 0xffff)
		return fail(p, "a configuration descriptor is 9 to 65535 bytes of hex");
	if ((rc = hex_bytes(p, "config", rest, len, len / 2, &raw)) < 0)
		return rc;
	if (raw[1] != 2) {
		unsigned type = raw[1];

		free(raw);
		return fail(p, "config: bDescriptorType %u is not 2 (configuration)", type);
	}
	d->configs[d->num_configs] = raw;
	d->config_len[d->num_configs++] = len / 2;
	return 0;
}

static struct dd_rf_transfer *new_transfer(struct parser *p)
{
	struct dd_recording *r = p->r;

	if (r->num_transfers == DD_RF_MAX_TRANSFERS) {
		fail(p, "more than %d transfers", DD_RF_MAX_TRANSFERS);
		return NULL;
	}
	if (r->num_transfers == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct dd_rf_transfer *t = realloc(r->transfers, cap * sizeof(*t));

		if (!t) {
			fail(p, "out of memory");
			return NULL;
		}
		r->transfers = t;
		p->cap = cap;
	}
	memset(&r->transfers[r->num_transfers], 0, sizeof(*r->transfers));
	return &r->transfers[r->num_transfers];
}

static int setup_fields(struct parser *p, struct field *f, size_t n, struct dd_rf_transfer *t)
{
	unsigned long v[4];
	int rc;

	if ((rc = number(p, f, n, "type", 0xff, &v[0])) < 0 || (rc = number(p, f, n, "request", 0xff, &v[1])) < 0 ||
	    (rc = number(p, f, n, "value", 0xffff, &v[2])) < 0 || (rc = number(p, f, n, "index", 0xffff, &v[3])) < 0)
		return rc;
	t->request_type = (uint8_t)v[0], t->request = (uint8_t)v[1];
	t->value = (uint16_t)v[2], t->index = (uint16_t)v[3];
	if (t->endpoint != (t->request_type & 0x80))
		return fail(p, "control: ep=0x%02x but type=0x%02x says the other direction", t->endpoint, t->request_type);
	return 0;
}

/* wait=MS, optional: only a bulk or interrupt IN transfer waits for its device. */
static int wait_field(struct parser *p, struct field *f, size_t n, struct dd_rf_transfer *t)
{
	unsigned long ms;
	int rc;

	for (size_t i = 0; i < n; i++)
		if (f[i].key_len == 4 && !strncmp(f[i].key, "wait", 4)) {
			if (t->type == DEVDRV_TRANSFER_CONTROL || !(t->endpoint & 0x80))
				return fail(p, "wait= is for bulk and interrupt IN transfers");
			if ((rc = number(p, f, n, "wait", DD_RF_MAX_WAIT_MS, &ms)) < 0)
				return rc;
			t->wait_ms = (unsigned)ms;
			return 0;
		}
	return 0;
}

static int transfer_fields(struct parser *p, struct field *f, size_t n, struct dd_rf_transfer *t)
{
	unsigned long ep, length, actual;
	struct field *status;
	int in, rc;

	if ((rc = number(p, f, n, "ep", 0xff, &ep)) < 0)
		return rc;
	t->endpoint = (uint8_t)ep;
	if (t->type == DEVDRV_TRANSFER_CONTROL ? (ep & 0x7f) != 0 : ((ep & 0x70) || !(ep & 0x0f)))
		return fail(p, "ep=0x%02lx is not a %s endpoint", ep, t->type == DEVDRV_TRANSFER_CONTROL ? "control" : "data");
	if (t->type == DEVDRV_TRANSFER_CONTROL && (rc = setup_fields(p, f, n, t)) < 0)
		return rc;
	if ((rc = number(p, f, n, "length", t->type == DEVDRV_TRANSFER_CONTROL ? 0xffff : DD_RF_MAX_DATA, &length)) < 0 ||
	    (rc = number(p, f, n, "actual", length, &actual)) < 0)
		return rc;
	if (!(status = field(f, n, "status")) || dd_rf_status_of(status->value, status->value_len, &t->status) < 0)
		return fail(p, "status= must be ok, stall, timeout, cancelled, disconnected, overflow, io, protocol");
	t->length = length, t->actual = actual;
	in = (t->endpoint & 0x80) != 0;
	if ((rc = data_field(p, f, n, "out", in ? 0 : length, &t->out)) < 0 ||
	    (rc = data_field(p, f, n, "in", in ? actual : 0, &t->in)) < 0 || (rc = wait_field(p, f, n, t)) < 0)
		return rc;
	return unused_field(p, f, n);
}

static void free_transfer(struct dd_rf_transfer *t)
{
	free(t->out);
	free(t->in);
}

static int parse_transfer(struct parser *p, enum devdrv_transfer_type type, const char *rest)
{
	struct field f[MAX_FIELDS];
	struct dd_rf_transfer *t;
	size_t n;
	int rc;

	if (!p->have_device)
		return fail(p, "a transfer before the device line");
	if ((rc = split_fields(p, rest, f, &n)) < 0 || !(t = new_transfer(p)))
		return rc < 0 ? rc : DEVDRV_E_INVALID;
	t->type = type;
	t->line = p->line;
	if ((rc = transfer_fields(p, f, n, t)) < 0) {
		free_transfer(t);
		return rc;
	}
	p->r->num_transfers++;
	return 0;
}

static int parse_line(struct parser *p, char *line)
{
	static const char *const kinds[] = { "device ", "string ", "config ", "control ", "bulk ", "interrupt " };
	size_t k;

	if (!*line || line[0] == '#')
		return 0;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (!strncmp(line, kinds[k], strlen(kinds[k])))
			break;
	if (k < 3 && p->r->num_transfers)
		return fail(p, "%.*sline after the first transfer", (int)strlen(kinds[k]), kinds[k]);
	switch (k) {
	case 0: return parse_device(p, line + 7);
	case 1: return parse_string(p, line + 7);
	case 2: return parse_config(p, line + 7);
	case 3: return parse_transfer(p, DEVDRV_TRANSFER_CONTROL, line + 8);
	case 4: return parse_transfer(p, DEVDRV_TRANSFER_BULK, line + 5);
	case 5: return parse_transfer(p, DEVDRV_TRANSFER_INTERRUPT, line + 10);
	default: return fail(p, "unknown line \"%.*s\"", (int)strcspn(line, " "), line);
	}
}

static int parse_version(struct parser *p, const char *line)
{
	unsigned long v;
	char *end;

	if (strncmp(line, "devdrv-recording ", 17))
		return fail(p, "not a devdrv recording (the first line is not \"devdrv-recording %d\")", DD_RF_VERSION);
	v = strtoul(line + 17, &end, 10);
	if (*end || end == line + 17)
		return fail(p, "bad version \"%s\"", line + 17);
	if (v != DD_RF_VERSION)
		return fail(p, "format version %lu; this libdevdrv reads version %d", v, DD_RF_VERSION);
	return 0;
}

static int parse_lines(struct parser *p, const char *buf, size_t len)
{
	char *line = malloc(DD_RF_MAX_LINE + 1);
	size_t pos = 0;
	int rc = 0;

	if (!line)
		return fail(p, "out of memory");
	while (rc == 0 && pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		p->line++;
		if (n > DD_RF_MAX_LINE)
			rc = fail(p, "line longer than %d bytes", DD_RF_MAX_LINE);
		else if (memchr(buf + pos, '\0', n))
			rc = fail(p, "a NUL byte");
		if (rc || n > DD_RF_MAX_LINE) /* the second test tells the compiler too */
			break;
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		rc = p->line == 1 ? parse_version(p, line) : parse_line(p, line);
		pos += n + (nl != NULL);
	}
	free(line);
	if (rc == 0 && !p->have_device)
		rc = p->line ? fail(p, "no device line") : (p->line = 1, fail(p, "empty file"));
	return rc;
}

int dd_rf_parse(const char *buf, size_t len, const char *name, struct dd_recording **out, char *err,
                size_t errlen)
{
	struct parser p = { .name = name, .err = err, .errlen = errlen };
	int rc;

	*out = NULL;
	if (!(p.r = calloc(1, sizeof(*p.r))) || !(p.r->path = strdup(name))) {
		free(p.r);
		snprintf(err, errlen, "%s: out of memory", name);
		return DEVDRV_E_NOMEM;
	}
	if ((rc = parse_lines(&p, buf, len)) < 0) {
		dd_rf_free(p.r);
		return rc;
	}
	*out = p.r;
	return 0;
}

int dd_rf_load(const char *path, struct dd_recording **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return DEVDRV_E_NOT_FOUND;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *b = cap > ((size_t)DD_RF_MAX_TRANSFERS * 64) ? NULL : realloc(buf, cap ? cap * 2 : 65536);

			if (!b) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "%s: too large or out of memory", path);
				return DEVDRV_E_NOMEM;
			}
			buf = b;
			cap = cap ? cap * 2 : 65536;
		}
		if (!(n = fread(buf + len, 1, cap - len, f)))
			break;
		len += n;
	}
	fclose(f);
	rc = dd_rf_parse(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

void dd_rf_free(struct dd_recording *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->num_transfers; i++)
		free_transfer(&r->transfers[i]);
	free(r->transfers);
	for (unsigned i = 0; i < r->dev.num_configs; i++)
		free(r->dev.configs[i]);
	free(r->dev.manufacturer);
	free(r->dev.product);
	free(r->dev.serial);
	free(r->path);
	free(r);
}

/* ---- writing ---------------------------------------------------------------------- */

static void write_hex(FILE *f, const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		putc(digits[p[i] >> 4], f);
		putc(digits[p[i] & 15], f);
	}
}

static void write_string(FILE *f, const char *key, const char *s)
{
	if (!s)
		return;
	fprintf(f, "string %s \"", key);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			fprintf(f, "\\x%02x", *c);
		else
			putc(*c, f);
	}
	fputs("\"\n", f);
}

int dd_rf_write_header(FILE *f, const struct devdrv_device_info *d)
{
	fprintf(f, "devdrv-recording %d\n", DD_RF_VERSION);
	fprintf(f,
	        "device vid=0x%04x pid=0x%04x bcd_device=0x%04x bcd_usb=0x%04x class=0x%02x subclass=0x%02x "
	        "protocol=0x%02x mps0=%u speed=%s bus=%u address=%u port=%s config=%u\n",
	        d->vid, d->pid, d->bcd_device, d->bcd_usb, d->cls, d->subclass, d->protocol, d->max_packet0,
	        devdrv_speed_name(d->speed), d->bus, d->address, d->port_path, d->active_config);
	write_string(f, "manufacturer", d->manufacturer);
	write_string(f, "product", d->product);
	write_string(f, "serial", d->serial);
	for (unsigned i = 0; i < d->num_configs && i < DD_RF_MAX_CONFIGS; i++) {
		fputs("config ", f);
		write_hex(f, d->configs[i].raw, d->configs[i].raw_len);
		putc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}

int dd_rf_write_transfer(FILE *f, const struct devdrv_transfer *t, unsigned wait_ms)
{
	static const char *const kinds[] = { "control", "?", "bulk", "interrupt" };
	int in = t->type == DEVDRV_TRANSFER_CONTROL ? (t->setup.request_type & 0x80) : (t->endpoint & 0x80);
	size_t actual = t->actual_length <= t->length ? t->actual_length : t->length;

	fprintf(f, "%s ep=0x%02x", kinds[t->type & 3],
	        t->type == DEVDRV_TRANSFER_CONTROL ? (t->setup.request_type & 0x80) : t->endpoint);
	if (t->type == DEVDRV_TRANSFER_CONTROL)
		fprintf(f, " type=0x%02x request=0x%02x value=0x%04x index=0x%04x", t->setup.request_type,
		        t->setup.request, t->setup.value, t->setup.index);
	fprintf(f, " length=%zu", t->length);
	if (!in && t->length) {
		fputs(" out=", f);
		write_hex(f, t->buffer, t->length);
	}
	fprintf(f, " status=%s actual=%zu", dd_rf_status_name(t->status), actual);
	if (wait_ms && in && t->type != DEVDRV_TRANSFER_CONTROL)
		fprintf(f, " wait=%u", wait_ms < DD_RF_MAX_WAIT_MS ? wait_ms : DD_RF_MAX_WAIT_MS);
	if (in && actual) {
		fputs(" in=", f);
		write_hex(f, t->buffer, actual);
	}
	putc('\n', f);
	return ferror(f) ? -1 : 0;
}
