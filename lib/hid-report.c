/* hid-report.c — HID report descriptors (HID 1.11, section 6.2.2) parsed into
 * fields, and reports decoded with them. The bytes come from a device, so
 * every length, count and nesting level is bounded; what breaks the rules is
 * refused with the item's offset. Pure functions: no device, no context. */
#include "internal.h"

#include <devdrv/hid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32            /* nested collections */
#define MAX_PUSH 8              /* Push without Pop */
#define MAX_FIELDS 2048
#define MAX_COLLECTIONS 1024
#define MAX_LOCAL_USAGES 1024   /* usage ranges before one main item */
#define MAX_COUNT 4096          /* Report Count */
#define MAX_REPORT_BITS 65536   /* 8 KiB a report */

enum item_type { MAIN = 0, GLOBAL = 1, LOCAL = 2, RESERVED = 3 };
enum { LONG_ITEM_PREFIX = 0xfe };

struct globals {
	uint16_t usage_page;
	int64_t logical_min, physical_min;
	uint32_t logical_max_raw, physical_max_raw;  /* signedness decided at the main item */
	uint8_t logical_max_size, physical_max_size;
	uint32_t unit;
	int8_t unit_exponent;
	uint32_t report_size, report_count;
	uint8_t report_id;
};

struct local_usage {
	uint32_t min, max;
	int extended_min, extended_max; /* 4-byte items carry their own page */
};

struct parser {
	const uint8_t *raw;
	size_t len, pos, item_pos;
	char *err;
	size_t errlen;
	struct globals g, stack[MAX_PUSH];
	unsigned sp;
	struct local_usage *usages;
	size_t num_usages;
	int have_min;                 /* a Usage Minimum waits for its Maximum */
	struct local_usage pending;
	unsigned delimiter_depth, delimiter_sets;
	int open[MAX_DEPTH];          /* indices of the open collections */
	unsigned depth;
	struct devdrv_hid_field *fields;
	size_t num_fields;
	struct devdrv_hid_collection *collections;
	size_t num_collections;
	struct devdrv_hid_report_info *reports;
	size_t num_reports;
	int uses_ids;
};

static int refuse(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(struct parser *p, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (p->errlen)
		snprintf(p->err, p->errlen, "report descriptor: %s at byte %zu", what, p->item_pos);
	return DEVDRV_E_PROTOCOL;
}

/* ---- growing arrays ---------------------------------------------------------- */

/* Room for one more: arrays grow to the next power of two (8 at first) when
 * @count reaches one. */
static int grow(void **array, size_t count, size_t size, size_t limit)
{
	void *bigger;

	if (count >= limit)
		return DEVDRV_E_PROTOCOL;
	if (count && (count < 8 || (count & (count - 1))))
		return 0;
	bigger = realloc(*array, (count ? count * 2 : 8) * size);
	if (!bigger)
		return DEVDRV_E_NOMEM;
	*array = bigger;
	return 0;
}

/* ---- item data ----------------------------------------------------------------- */

static uint32_t udata(const uint8_t *d, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)d[i] << (8 * i);
	return v;
}

static int64_t sdata(const uint8_t *d, unsigned size)
{
	uint32_t v = udata(d, size);

	if (size && size < 4 && (v & (1u << (8 * size - 1))))
		return (int64_t)v - ((int64_t)1 << (8 * size));
	return size == 4 ? (int64_t)(int32_t)v : (int64_t)v;
}

/* A maximum is signed when its minimum is negative, else unsigned: devices
 * write 0..255 as 0x00/0xff, which the spec's signed reading makes -1. */
static int64_t maximum(int64_t min, uint32_t raw, uint8_t size)
{
	uint8_t bytes[4] = { (uint8_t)raw, (uint8_t)(raw >> 8), (uint8_t)(raw >> 16), (uint8_t)(raw >> 24) };

	return min < 0 ? sdata(bytes, size) : (int64_t)raw;
}

/* ---- local items ---------------------------------------------------------------- */

static int add_usage(struct parser *p, struct local_usage u)
{
	int rc;

	/* in a delimiter set only the first usage counts; the rest are aliases */
	if (p->delimiter_depth && p->delimiter_sets > 1)
		return 0;
	if ((rc = grow((void **)&p->usages, p->num_usages, sizeof(*p->usages), MAX_LOCAL_USAGES)) < 0)
		return rc == DEVDRV_E_NOMEM ? rc : refuse(p, "more than %d usages for one item", MAX_LOCAL_USAGES);
	p->usages[p->num_usages++] = u;
	return 0;
}

static int local_item(struct parser *p, unsigned tag, const uint8_t *d, unsigned size)
{
	uint32_t v = udata(d, size);
	struct local_usage u = { v, v, size == 4, size == 4 };

	switch (tag) {
	case 0x0: /* Usage */
		return add_usage(p, u);
	case 0x1: /* Usage Minimum */
		p->pending = u;
		p->have_min = 1;
		return 0;
	case 0x2: /* Usage Maximum */
		if (!p->have_min)
			return refuse(p, "Usage Maximum without a Usage Minimum");
		p->have_min = 0;
		u.min = p->pending.min;
		u.extended_min = p->pending.extended_min;
		if (u.extended_min == u.extended_max && u.max < u.min)
			return refuse(p, "Usage Maximum 0x%x below its Minimum 0x%x", u.max, u.min);
		return add_usage(p, u);
	case 0xa: /* Delimiter: 1 opens a set of alternative usages, 0 closes it */
		if (v == 1 && p->delimiter_depth)
			return refuse(p, "nested Delimiter");
		if (v == 0 && !p->delimiter_depth)
			return refuse(p, "Delimiter close without an open");
		p->delimiter_depth = v == 1;
		p->delimiter_sets += v == 1;
		return 0;
	default: /* designators and strings: not needed to read reports */
		return 0;
	}
}

static void clear_locals(struct parser *p)
{
	p->num_usages = 0;
	p->have_min = 0;
	p->delimiter_sets = 0;
}

/* ---- global items ------------------------------------------------------------------ */

static int global_item(struct parser *p, unsigned tag, const uint8_t *d, unsigned size)
{
	struct globals *g = &p->g;
	uint32_t v = udata(d, size);

	switch (tag) {
	case 0x0:
		if (v > 0xffff)
			return refuse(p, "Usage Page 0x%x is over 16 bits", v);
		g->usage_page = (uint16_t)v;
		return 0;
	case 0x1: g->logical_min = sdata(d, size); return 0;
	case 0x2: g->logical_max_raw = v, g->logical_max_size = (uint8_t)size; return 0;
	case 0x3: g->physical_min = sdata(d, size); return 0;
	case 0x4: g->physical_max_raw = v, g->physical_max_size = (uint8_t)size; return 0;
	case 0x5: g->unit_exponent = (int8_t)((v & 0x8) ? (int)(v & 0xf) - 16 : (int)(v & 0xf)); return 0;
	case 0x6: g->unit = v; return 0;
	case 0x7:
		if (v > 32)
			return refuse(p, "Report Size %u is over 32 bits", v);
		g->report_size = v;
		return 0;
	case 0x8:
		if (v == 0 || v > 255)
			return refuse(p, "Report ID %u (1-255 are valid)", v);
		if (p->num_fields && !p->uses_ids)
			return refuse(p, "Report ID after items that had none");
		g->report_id = (uint8_t)v;
		p->uses_ids = 1;
		return 0;
	case 0x9:
		if (v > MAX_COUNT)
			return refuse(p, "Report Count %u is over %d", v, MAX_COUNT);
		g->report_count = v;
		return 0;
	case 0xa:
		if (p->sp == MAX_PUSH)
			return refuse(p, "Push nested more than %d deep", MAX_PUSH);
		p->stack[p->sp++] = *g;
		return 0;
	case 0xb:
		if (!p->sp)
			return refuse(p, "Pop without Push");
		*g = p->stack[--p->sp];
		return 0;
	default:
		return refuse(p, "unknown global item tag 0x%x", tag);
	}
}

/* ---- main items ---------------------------------------------------------------------- */

static uint32_t resolve(uint32_t usage, int extended, uint16_t page)
{
	return extended ? usage : DEVDRV_HID_USAGE(page, usage);
}

/* The local usages with the usage page in force now: a short usage takes
 * the page of the main item it belongs to. */
static int take_usages(struct parser *p, struct devdrv_hid_usage_range **out, uint16_t *count)
{
	struct devdrv_hid_usage_range *r = NULL;
	int rc;

	if (p->have_min && (rc = add_usage(p, p->pending)) < 0) /* a Minimum alone names one usage */
		return rc;
	if (p->num_usages && !(r = calloc(p->num_usages, sizeof(*r))))
		return DEVDRV_E_NOMEM;
	for (size_t i = 0; i < p->num_usages; i++) {
		r[i].min = resolve(p->usages[i].min, p->usages[i].extended_min, p->g.usage_page);
		r[i].max = resolve(p->usages[i].max, p->usages[i].extended_max, p->g.usage_page);
		if (r[i].max < r[i].min)
			r[i].max = r[i].min; /* a range across pages: keep what it starts with */
	}
	*out = r;
	*count = (uint16_t)p->num_usages;
	return 0;
}

static struct devdrv_hid_report_info *report_of(struct parser *p, enum devdrv_hid_report_type type)
{
	for (size_t i = 0; i < p->num_reports; i++)
		if (p->reports[i].type == type && p->reports[i].report_id == p->g.report_id)
			return &p->reports[i];
	if (grow((void **)&p->reports, p->num_reports, sizeof(*p->reports), 3 * 256) < 0)
		return NULL;
	p->reports[p->num_reports] = (struct devdrv_hid_report_info){ type, p->g.report_id, 0 };
	return &p->reports[p->num_reports++];
}

static int data_item(struct parser *p, enum devdrv_hid_report_type type, uint32_t flags)
{
	struct globals *g = &p->g;
	struct devdrv_hid_report_info *report;
	struct devdrv_hid_field *f;
	uint32_t bits = g->report_size * g->report_count;
	int rc;

	if (!bits)
		return 0; /* nothing in the report */
	if (p->uses_ids && !g->report_id) /* Pop can bring back the ID 0 of before */
		return refuse(p, "item without a Report ID in a descriptor that uses them");
	if (!(report = report_of(p, type)))
		return DEVDRV_E_NOMEM;
	if (report->bits + bits > MAX_REPORT_BITS)
		return refuse(p, "report %u is longer than %d bytes", g->report_id, MAX_REPORT_BITS / 8);
	if ((rc = grow((void **)&p->fields, p->num_fields, sizeof(*p->fields), MAX_FIELDS)) < 0)
		return rc == DEVDRV_E_NOMEM ? rc : refuse(p, "more than %d fields", MAX_FIELDS);
	f = &p->fields[p->num_fields];
	memset(f, 0, sizeof(*f));
	if ((rc = take_usages(p, (struct devdrv_hid_usage_range **)&f->usages, &f->num_usages)) < 0)
		return rc;
	p->num_fields++;
	f->type = type;
	f->report_id = g->report_id;
	f->bit_offset = report->bits;
	f->bit_size = (uint16_t)g->report_size;
	f->count = (uint16_t)g->report_count;
	f->flags = (uint16_t)(flags & 0x1ff);
	f->logical_min = g->logical_min;
	f->logical_max = maximum(g->logical_min, g->logical_max_raw, g->logical_max_size);
	f->physical_min = g->physical_min;
	f->physical_max = maximum(g->physical_min, g->physical_max_raw, g->physical_max_size);
	f->unit = g->unit;
	f->unit_exponent = g->unit_exponent;
	f->collection = p->depth ? p->open[p->depth - 1] : -1;
	report->bits += bits;
	return 0;
}

static int begin_collection(struct parser *p, uint32_t type)
{
	struct devdrv_hid_collection *c;
	int rc;

	if (p->depth == MAX_DEPTH)
		return refuse(p, "collections nested more than %d deep", MAX_DEPTH);
	if ((rc = grow((void **)&p->collections, p->num_collections, sizeof(*p->collections),
	               MAX_COLLECTIONS)) < 0)
		return rc == DEVDRV_E_NOMEM ? rc : refuse(p, "more than %d collections", MAX_COLLECTIONS);
	c = &p->collections[p->num_collections];
	c->type = (uint8_t)type;
	c->usage = p->num_usages ? resolve(p->usages[0].min, p->usages[0].extended_min, p->g.usage_page) : 0;
	c->parent = p->depth ? p->open[p->depth - 1] : -1;
	c->depth = (uint8_t)p->depth;
	c->first_field = p->num_fields;
	p->open[p->depth++] = (int)p->num_collections++;
	return 0;
}

static int main_item(struct parser *p, unsigned tag, const uint8_t *d, unsigned size)
{
	uint32_t v = udata(d, size);
	int rc;

	switch (tag) {
	case 0x8: rc = data_item(p, DEVDRV_HID_INPUT, v); break;
	case 0x9: rc = data_item(p, DEVDRV_HID_OUTPUT, v); break;
	case 0xb: rc = data_item(p, DEVDRV_HID_FEATURE, v); break;
	case 0xa:
		if (v > 0xff)
			return refuse(p, "collection type 0x%x", v);
		rc = begin_collection(p, v);
		break;
	case 0xc:
		if (!p->depth)
			return refuse(p, "End Collection without a Collection");
		p->depth--;
		rc = 0;
		break;
	default:
		return refuse(p, "unknown main item tag 0x%x", tag);
	}
	clear_locals(p); /* locals apply to one main item only */
	return rc;
}

/* ---- the item stream ----------------------------------------------------------------- */

static int next_item(struct parser *p)
{
	uint8_t prefix = p->raw[p->pos];
	unsigned size = (prefix & 3) == 3 ? 4 : prefix & 3, type = (prefix >> 2) & 3, tag = prefix >> 4;
	const uint8_t *d;

	p->item_pos = p->pos;
	if (prefix == LONG_ITEM_PREFIX) { /* bDataSize, bLongItemTag, data: none defined, skip */
		if (p->len - p->pos < 3 || p->raw[p->pos + 1] > p->len - p->pos - 3)
			return refuse(p, "long item runs past the end");
		p->pos += 3u + p->raw[p->pos + 1];
		return 0;
	}
	if (size > p->len - p->pos - 1)
		return refuse(p, "item of %u data bytes runs past the end", size);
	d = p->raw + p->pos + 1;
	p->pos += 1 + size;
	switch (type) {
	case MAIN: return main_item(p, tag, d, size);
	case GLOBAL: return global_item(p, tag, d, size);
	case LOCAL: return local_item(p, tag, d, size);
	default: return 0; /* reserved: skipped, as the spec asks */
	}
}

static void free_fields(struct devdrv_hid_field *fields, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((void *)fields[i].usages);
	free(fields);
}

static int finish(struct parser *p, struct devdrv_hid_descriptor **out)
{
	struct devdrv_hid_descriptor *d;

	if (p->depth)
		return refuse(p, "%u collection(s) never ended", p->depth);
	if (!p->num_fields)
		return refuse(p, "no Input, Output or Feature item");
	if (!(d = calloc(1, sizeof(*d))))
		return DEVDRV_E_NOMEM;
	d->fields = p->fields;
	d->num_fields = p->num_fields;
	d->collections = p->collections;
	d->num_collections = p->num_collections;
	d->reports = p->reports;
	d->num_reports = p->num_reports;
	d->uses_report_ids = p->uses_ids;
	p->fields = NULL; /* the descriptor owns them now */
	p->num_fields = 0;
	p->collections = NULL;
	p->reports = NULL;
	*out = d;
	return 0;
}

int devdrv_hid_parse(const uint8_t *raw, size_t len, struct devdrv_hid_descriptor **out, char *err,
                     size_t errlen)
{
	struct parser p;
	int rc = 0;

	if (!out || (!raw && len) || (!err && errlen))
		return DEVDRV_E_INVALID;
	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.raw = raw;
	p.len = len;
	p.err = err;
	p.errlen = errlen;
	if (errlen)
		err[0] = 0;
	while (rc == 0 && p.pos < p.len)
		rc = next_item(&p);
	if (rc == 0)
		rc = finish(&p, out);
	if (rc == DEVDRV_E_NOMEM && errlen)
		snprintf(err, errlen, "report descriptor: out of memory");
	free(p.usages);
	free_fields(p.fields, p.num_fields);
	free(p.collections);
	free(p.reports);
	return rc;
}

void devdrv_hid_free(struct devdrv_hid_descriptor *d)
{
	if (!d)
		return;
	free_fields((struct devdrv_hid_field *)d->fields, d->num_fields);
	free((void *)d->collections);
	free((void *)d->reports);
	free(d);
}

/* ---- reading reports ----------------------------------------------------------------- */

size_t devdrv_hid_report_length(const struct devdrv_hid_descriptor *d, enum devdrv_hid_report_type type,
                                uint8_t report_id)
{
	for (size_t i = 0; d && i < d->num_reports; i++)
		if (d->reports[i].type == type && d->reports[i].report_id == report_id)
			return (d->reports[i].bits + 7) / 8 + (d->uses_report_ids ? 1 : 0);
	return 0;
}

uint32_t devdrv_hid_field_usage(const struct devdrv_hid_field *f, uint32_t index)
{
	for (uint16_t i = 0; f && i < f->num_usages; i++) {
		uint64_t span = (uint64_t)f->usages[i].max - f->usages[i].min + 1;

		if (index < span)
			return f->usages[i].min + index;
		index -= (uint32_t)span;
	}
	return 0;
}

static uint64_t usage_count(const struct devdrv_hid_field *f)
{
	uint64_t n = 0;

	for (uint16_t i = 0; i < f->num_usages; i++)
		n += (uint64_t)f->usages[i].max - f->usages[i].min + 1;
	return n;
}

/* @size bits (1-32) at bit @offset of @data, least significant first. */
static uint32_t bits_at(const uint8_t *data, uint32_t offset, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++, offset++)
		v |= (uint32_t)((data[offset / 8] >> (offset % 8)) & 1) << i;
	return v;
}

static int64_t field_value(const struct devdrv_hid_field *f, const uint8_t *data, unsigned slot)
{
	uint32_t v = bits_at(data, f->bit_offset + (uint32_t)slot * f->bit_size, f->bit_size);

	if (f->logical_min < 0 && f->bit_size < 32 && (v & (1u << (f->bit_size - 1))))
		return (int64_t)v - ((int64_t)1 << f->bit_size);
	return f->logical_min < 0 && f->bit_size == 32 ? (int64_t)(int32_t)v : (int64_t)v;
}

static void put_value(struct devdrv_hid_value *values, size_t max, size_t n,
                      const struct devdrv_hid_field *f, uint32_t usage, int64_t value)
{
	if (n < max)
		values[n] = (struct devdrv_hid_value){ f, usage, value };
}

/* The values of one field; returns how many it has. */
static size_t decode_field(const struct devdrv_hid_field *f, const uint8_t *data,
                           struct devdrv_hid_value *values, size_t max, size_t n)
{
	uint64_t usages = usage_count(f);
	size_t start = n;

	for (unsigned slot = 0; slot < f->count; slot++) {
		int64_t v = field_value(f, data, slot);

		if (f->flags & DEVDRV_HID_VARIABLE) {
			uint32_t index = usages ? (uint32_t)(slot < usages ? slot : usages - 1) : 0;

			put_value(values, max, n++, f, devdrv_hid_field_usage(f, index), v);
		} else if (v >= f->logical_min && v <= f->logical_max &&
		           (uint64_t)(v - f->logical_min) < usages) {
			uint32_t usage = devdrv_hid_field_usage(f, (uint32_t)(v - f->logical_min));

			if (DEVDRV_HID_USAGE_ID(usage)) /* usage 0 of a page: "no event" */
				put_value(values, max, n++, f, usage, 1);
		}
	}
	return n - start;
}

ssize_t devdrv_hid_decode(const struct devdrv_hid_descriptor *d, enum devdrv_hid_report_type type,
                          const uint8_t *report, size_t len, struct devdrv_hid_value *values, size_t max)
{
	uint8_t id = 0;
	size_t n = 0, need;

	if (!d || (!report && len) || (!values && max))
		return DEVDRV_E_INVALID;
	if (d->uses_report_ids) {
		if (!len)
			return DEVDRV_E_PROTOCOL;
		id = report[0];
		report++;
		len--;
	}
	need = devdrv_hid_report_length(d, type, id);
	if (!need)
		return DEVDRV_E_NOT_FOUND;
	if (len < need - (d->uses_report_ids ? 1 : 0))
		return DEVDRV_E_PROTOCOL;
	for (size_t i = 0; i < d->num_fields; i++) {
		const struct devdrv_hid_field *f = &d->fields[i];

		if (f->type == type && f->report_id == id && !(f->flags & DEVDRV_HID_CONSTANT))
			n += decode_field(f, report, values, max, n);
	}
	return (ssize_t)n;
}
