/* fuzz-hid-report.c — HID report descriptors (devdrv_hid_parse) and the
 * decoding of reports with what they describe. The input is a descriptor;
 * its own bytes, repeated, serve as the report contents, so every report the
 * descriptor declares is decoded once. Checks that what the parser returns
 * is consistent: every field inside its report, decoded values within what
 * the fields can hold, names that fit their buffers. */
#include "fuzz.h"

#include <devdrv/hid.h>
#include <string.h>

#define REPORT_MAX 8193 /* the parser's limit, plus the ID byte */

static void check_fields(const struct devdrv_hid_descriptor *d)
{
	for (size_t i = 0; i < d->num_fields; i++) {
		const struct devdrv_hid_field *f = &d->fields[i];
		size_t len = devdrv_hid_report_length(d, f->type, f->report_id);
		char name[16];

		CHECK(f->bit_size >= 1 && f->bit_size <= 32);
		CHECK(len > 0 && len <= REPORT_MAX);
		CHECK(f->bit_offset + (uint64_t)f->bit_size * f->count <= (len - (d->uses_report_ids ? 1 : 0)) * 8);
		CHECK(f->collection < (int)d->num_collections);
		CHECK(d->uses_report_ids ? f->report_id != 0 : f->report_id == 0);
		for (uint16_t u = 0; u < f->num_usages; u++)
			CHECK(f->usages[u].min <= f->usages[u].max);
		CHECK(strlen(devdrv_hid_usage_name(devdrv_hid_field_usage(f, 0), name, sizeof(name))) < sizeof(name));
	}
	for (size_t i = 0; i < d->num_collections; i++)
		CHECK(d->collections[i].parent < (int)i);
}

static size_t values_in(const struct devdrv_hid_descriptor *d, enum devdrv_hid_report_type type, uint8_t id)
{
	size_t n = 0;

	for (size_t i = 0; i < d->num_fields; i++)
		if (d->fields[i].type == type && d->fields[i].report_id == id)
			n += d->fields[i].count;
	return n;
}

static void decode_each_report(const struct devdrv_hid_descriptor *d, const uint8_t *data, size_t size)
{
	static uint8_t report[REPORT_MAX];
	static struct devdrv_hid_value values[64];

	for (size_t r = 0; r < d->num_reports; r++) {
		const struct devdrv_hid_report_info *info = &d->reports[r];
		size_t len = devdrv_hid_report_length(d, info->type, info->report_id);
		ssize_t n;

		for (size_t i = 0; i < len; i++)
			report[i] = size ? data[i % size] : 0;
		if (d->uses_report_ids)
			report[0] = info->report_id;
		n = devdrv_hid_decode(d, info->type, report, len, values, 64);
		CHECK(n >= 0 && (size_t)n <= values_in(d, info->type, info->report_id));
		for (ssize_t i = 0; i < n && i < 64; i++) {
			const struct devdrv_hid_field *f = values[i].field;

			CHECK(f->type == info->type && f->report_id == info->report_id);
			CHECK(values[i].value >= -((int64_t)1 << 31) && values[i].value <= (int64_t)UINT32_MAX);
		}
		if (len > (d->uses_report_ids ? 1u : 0u)) /* one byte short is refused */
			CHECK(devdrv_hid_decode(d, info->type, report, len - 1, values, 64) == DEVDRV_E_PROTOCOL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct devdrv_hid_descriptor *d = NULL;
	char err[64];
	int rc = devdrv_hid_parse(data, size, &d, err, sizeof(err));

	CHECK(rc == 0 || rc == DEVDRV_E_PROTOCOL || rc == DEVDRV_E_NOMEM);
	CHECK((rc == 0) == (d != NULL));
	CHECK(strlen(err) < sizeof(err));
	if (rc == 0) {
		check_fields(d);
		decode_each_report(d, data, size);
		devdrv_hid_free(d);
	}
	return 0;
}
