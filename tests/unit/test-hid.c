/* test-hid.c — the HID report descriptor parser on descriptors written from
 * the HID 1.11 specification's examples (boot keyboard B.1, boot mouse B.2)
 * and typical vendor, gamepad and digitizer layouts, with the expected parse
 * derived from the item definitions of section 6.2.2; refusals of malformed
 * descriptors; the decoder; and the hid driver on the virtual keyboard and
 * mouse (`devdrv hid` is in test-cli.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <devdrv/hid.h>
#include <devdrv/virtual.h>
#include "internal.h"

/* HID 1.11 Appendix B.1: the boot keyboard. */
static const uint8_t boot_keyboard[] = {
	0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7, 0x15, 0x00, 0x25, 0x01,
	0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0x95, 0x05, 0x75, 0x01,
	0x05, 0x08, 0x19, 0x01, 0x29, 0x05, 0x91, 0x02, 0x95, 0x01, 0x75, 0x03, 0x91, 0x01, 0x95, 0x06,
	0x75, 0x08, 0x15, 0x00, 0x25, 0x65, 0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00, 0xc0,
};

/* HID 1.11 Appendix B.2: the boot mouse. */
static const uint8_t boot_mouse[] = {
	0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x01, 0xa1, 0x00, 0x05, 0x09, 0x19, 0x01, 0x29, 0x03,
	0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02, 0x95, 0x01, 0x75, 0x05, 0x81, 0x01,
	0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x02, 0x81, 0x06,
	0xc0, 0xc0,
};

/* A vendor device with report IDs: 16-byte input 1, output 2, 4-byte feature 3;
 * Logical Maximum 255 written in two bytes (26 ff 00). */
static const uint8_t vendor_ids[] = {
	0x06, 0x00, 0xff, 0x09, 0x01, 0xa1, 0x01,
	0x85, 0x01, 0x09, 0x02, 0x15, 0x00, 0x26, 0xff, 0x00, 0x75, 0x08, 0x95, 0x10, 0x81, 0x02,
	0x85, 0x02, 0x09, 0x03, 0x91, 0x02,
	0x85, 0x03, 0x09, 0x04, 0x95, 0x04, 0xb1, 0x02,
	0xc0,
};

/* A gamepad: 16 buttons, four axes, a hat switch with units and a null
 * state inside Push/Pop, then a slider that gets the pushed globals back;
 * an extended (4-byte) usage and a long item that must be skipped. */
static const uint8_t gamepad[] = {
	0x05, 0x01, 0x09, 0x05, 0xa1, 0x01, 0xa1, 0x00,
	0x05, 0x09, 0x19, 0x01, 0x29, 0x10, 0x15, 0x00, 0x25, 0x01, 0x95, 0x10, 0x75, 0x01, 0x81, 0x02,
	0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x09, 0x32, 0x0b, 0x35, 0x00, 0x01, 0x00, /* Rz, extended */
	0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x04, 0x81, 0x02,
	0xa4,                                                       /* Push */
	0x09, 0x39, 0x15, 0x00, 0x25, 0x07, 0x35, 0x00, 0x46, 0x3b, 0x01, 0x65, 0x14,
	0x75, 0x04, 0x95, 0x01, 0x81, 0x42,                         /* hat, null state */
	0xb4,                                                       /* Pop */
	0xfe, 0x02, 0x10, 0xaa, 0xbb,                               /* a long item */
	0x09, 0x36, 0x95, 0x01, 0x81, 0x02,                         /* slider: size 8, -127..127 */
	0x75, 0x04, 0x81, 0x01,                                     /* padding */
	0xc0, 0xc0,
};

/* A pen digitizer, report 2: tip, barrel, eraser, in range, padding; X and
 * Y in 1/1000 inch (unit 0x33, exponent -3) over 0..10000; pressure. */
static const uint8_t digitizer[] = {
	0x05, 0x0d, 0x09, 0x02, 0xa1, 0x01, 0x85, 0x02, 0x09, 0x20, 0xa1, 0x00,
	0x09, 0x42, 0x09, 0x44, 0x09, 0x45, 0x09, 0x32, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x04,
	0x81, 0x02, 0x95, 0x04, 0x81, 0x03,
	0x05, 0x01, 0x26, 0xff, 0x7f, 0x75, 0x10, 0x95, 0x01, 0x55, 0x0d, 0x65, 0x33, 0x35, 0x00,
	0x46, 0x10, 0x27, 0x09, 0x30, 0x81, 0x02, 0x09, 0x31, 0x81, 0x02,
	0x05, 0x0d, 0x09, 0x30, 0x26, 0xff, 0x03, 0x35, 0x00, 0x45, 0x00, 0x81, 0x02,
	0xc0, 0xc0,
};

static struct devdrv_hid_descriptor *parse_ok(const uint8_t *raw, size_t len)
{
	struct devdrv_hid_descriptor *d = NULL;
	char err[200];

	if (devdrv_hid_parse(raw, len, &d, err, sizeof(err)) != 0)
		fail_msg("parse: %s", err);
	return d;
}

struct want_field {
	enum devdrv_hid_report_type type;
	uint8_t id;
	uint32_t offset;
	uint16_t size, count, flags;
	int64_t lmin, lmax;
	uint32_t first_usage, last_usage; /* of the whole usage list */
};

static void expect_fields(const struct devdrv_hid_descriptor *d, const struct want_field *w, size_t n)
{
	assert_int_equal(d->num_fields, n);
	for (size_t i = 0; i < n; i++) {
		const struct devdrv_hid_field *f = &d->fields[i];
		uint32_t last = 0;

		for (uint32_t k = 0; devdrv_hid_field_usage(f, k); k++)
			last = devdrv_hid_field_usage(f, k);
		if (f->type != w[i].type || f->report_id != w[i].id || f->bit_offset != w[i].offset ||
		    f->bit_size != w[i].size || f->count != w[i].count || f->flags != w[i].flags ||
		    f->logical_min != w[i].lmin || f->logical_max != w[i].lmax ||
		    devdrv_hid_field_usage(f, 0) != w[i].first_usage || last != w[i].last_usage)
			fail_msg("field %zu: type %d id %u offset %u size %u count %u flags 0x%x logical %lld..%lld "
			         "usages %08x..%08x",
			         i, f->type, f->report_id, f->bit_offset, f->bit_size, f->count, f->flags,
			         (long long)f->logical_min, (long long)f->logical_max, devdrv_hid_field_usage(f, 0), last);
	}
}

#define U(page, id) DEVDRV_HID_USAGE(page, id)

static void test_boot_keyboard(void **state)
{
	static const struct want_field want[] = {
		{ DEVDRV_HID_INPUT, 0, 0, 1, 8, 0x02, 0, 1, U(7, 0xe0), U(7, 0xe7) },
		{ DEVDRV_HID_INPUT, 0, 8, 8, 1, 0x01, 0, 1, 0, 0 },
		{ DEVDRV_HID_OUTPUT, 0, 0, 1, 5, 0x02, 0, 1, U(8, 1), U(8, 5) },
		{ DEVDRV_HID_OUTPUT, 0, 5, 3, 1, 0x01, 0, 1, 0, 0 },
		{ DEVDRV_HID_INPUT, 0, 16, 8, 6, 0x00, 0, 101, U(7, 0), U(7, 0x65) },
	};
	struct devdrv_hid_descriptor *d = parse_ok(boot_keyboard, sizeof(boot_keyboard));
	/* Left Shift, then keys h and a (HID Usage Tables: 0x0b, 0x04) */
	static const uint8_t report[8] = { 0x02, 0, 0x0b, 0x04, 0, 0, 0, 0 };
	struct devdrv_hid_value v[32];
	char name[32];

	(void)state;
	expect_fields(d, want, 5);
	assert_false(d->uses_report_ids);
	assert_int_equal(d->num_collections, 1);
	assert_int_equal(d->collections[0].type, 1);
	assert_int_equal(d->collections[0].usage, U(1, 6));
	assert_int_equal(devdrv_hid_report_length(d, DEVDRV_HID_INPUT, 0), 8);
	assert_int_equal(devdrv_hid_report_length(d, DEVDRV_HID_OUTPUT, 0), 1);
	assert_int_equal(devdrv_hid_report_length(d, DEVDRV_HID_FEATURE, 0), 0);
	/* 8 modifier values, then one value per key the array names */
	assert_int_equal(devdrv_hid_decode(d, DEVDRV_HID_INPUT, report, sizeof(report), v, 32), 10);
	assert_int_equal(v[1].usage, U(7, 0xe1));
	assert_int_equal(v[1].value, 1);
	assert_int_equal(v[0].value, 0);
	assert_string_equal(devdrv_hid_usage_name(v[8].usage, name, sizeof(name)), "h");
	assert_string_equal(devdrv_hid_usage_name(v[9].usage, name, sizeof(name)), "a");
	assert_string_equal(devdrv_hid_usage_name(v[1].usage, name, sizeof(name)), "Left Shift");
	/* a report shorter than its fields is refused, not read past */
	assert_int_equal(devdrv_hid_decode(d, DEVDRV_HID_INPUT, report, 7, v, 32), DEVDRV_E_PROTOCOL);
	/* too little room: the count says how many there are */
	assert_int_equal(devdrv_hid_decode(d, DEVDRV_HID_INPUT, report, sizeof(report), v, 2), 10);
	devdrv_hid_free(d);
}

static void test_boot_mouse(void **state)
{
	static const struct want_field want[] = {
		{ DEVDRV_HID_INPUT, 0, 0, 1, 3, 0x02, 0, 1, U(9, 1), U(9, 3) },
		{ DEVDRV_HID_INPUT, 0, 3, 5, 1, 0x01, 0, 1, 0, 0 },
		{ DEVDRV_HID_INPUT, 0, 8, 8, 2, 0x06, -127, 127, U(1, 0x30), U(1, 0x31) },
	};
	struct devdrv_hid_descriptor *d = parse_ok(boot_mouse, sizeof(boot_mouse));
	static const uint8_t report[3] = { 0x05, 0xfb, 0x7f };
	struct devdrv_hid_value v[8];

	(void)state;
	expect_fields(d, want, 3);
	assert_int_equal(d->num_collections, 2);
	assert_int_equal(d->collections[1].parent, 0);
	assert_int_equal(d->collections[1].usage, U(1, 1));
	assert_int_equal(d->fields[2].collection, 1);
	assert_int_equal(devdrv_hid_report_length(d, DEVDRV_HID_INPUT, 0), 3);
	assert_int_equal(devdrv_hid_decode(d, DEVDRV_HID_INPUT, report, sizeof(report), v, 8), 5);
	assert_int_equal(v[0].value, 1);
	assert_int_equal(v[1].value, 0);
	assert_int_equal(v[2].value, 1);
	assert_int_equal(v[3].usage, U(1, 0x30));
	assert_int_equal(v[3].value, -5); /* logical minimum < 0: signed */
	assert_int_equal(v[4].value, 127);
	devdrv_hid_free(d);
}

static void test_vendor_report_ids(void **state)
{
	static const struct want_field want[] = {
		{ DEVDRV_HID_INPUT, 1, 0, 8, 16, 0x02, 0, 255, U(0xff00, 2), U(0xff00, 2) },
		{ DEVDRV_HID_OUTPUT, 2, 0, 8, 16, 0x02, 0, 255, U(0xff00, 3), U(0xff00, 3) },
		{ DEVDRV_HID_FEATURE, 3, 0, 8, 4, 0x02, 0, 255, U(0xff00, 4), U(0xff00, 4) },
	};
	struct devdrv_hid_descriptor *d = parse_ok(vendor_ids, sizeof(vendor_ids));
	uint8_t report[17] = { 1, 0xff };
	struct devdrv_hid_value v[20];

	(void)state;
	expect_fields(d, want, 3);
	assert_true(d->uses_report_ids);
	assert_int_equal(devdrv_hid_report_length(d, DEVDRV_HID_INPUT, 1), 17);
	assert_int_equal(devdrv_hid_report_length(d, DEVDRV_HID_OUTPUT, 2), 17);
	assert_int_equal(devdrv_hid_report_length(d, DEVDRV_HID_FEATURE, 3), 5);
	assert_int_equal(devdrv_hid_report_length(d, DEVDRV_HID_INPUT, 2), 0);
	assert_int_equal(devdrv_hid_decode(d, DEVDRV_HID_INPUT, report, sizeof(report), v, 20), 16);
	assert_int_equal(v[0].value, 255); /* 0..255 read unsigned, as Linux does */
	report[0] = 9;
	assert_int_equal(devdrv_hid_decode(d, DEVDRV_HID_INPUT, report, sizeof(report), v, 20), DEVDRV_E_NOT_FOUND);
	devdrv_hid_free(d);
}

static void test_gamepad_push_pop_units(void **state)
{
	struct devdrv_hid_descriptor *d = parse_ok(gamepad, sizeof(gamepad));
	const struct devdrv_hid_field *hat, *slider;
	/* 16 buttons, X Y Z Rz, hat 8 (null: centred) and padding, slider -2 */
	static const uint8_t report[8] = { 0x01, 0x80, 10, 0xf6, 0, 0, 0xe8, 0x0f };
	struct devdrv_hid_value v[32];
	char name[32];

	(void)state;
	assert_int_equal(d->num_fields, 5);
	assert_int_equal(d->fields[1].count, 4);
	assert_int_equal(devdrv_hid_field_usage(&d->fields[1], 3), U(1, 0x35)); /* the extended usage */
	hat = &d->fields[2];
	assert_int_equal(hat->bit_offset, 48);
	assert_int_equal(hat->bit_size, 4);
	assert_int_equal(hat->flags, 0x42);
	assert_int_equal(hat->physical_max, 315);
	assert_int_equal(hat->unit, 0x14);
	slider = &d->fields[3]; /* Pop restored size 8 and -127..127 */
	assert_int_equal(slider->bit_size, 8);
	assert_int_equal(slider->bit_offset, 52);
	assert_int_equal(slider->logical_min, -127);
	assert_int_equal(slider->physical_max, 0); /* physical max was pushed away, then popped */
	assert_int_equal(devdrv_hid_report_length(d, DEVDRV_HID_INPUT, 0), 8);
	assert_int_equal(devdrv_hid_decode(d, DEVDRV_HID_INPUT, report, sizeof(report), v, 32), 22);
	assert_int_equal(v[0].value, 1);   /* button 1 */
	assert_int_equal(v[15].value, 1);  /* button 16 */
	assert_int_equal(v[16].value, 10); /* X */
	assert_int_equal(v[17].value, -10);
	assert_int_equal(v[20].value, 8);  /* the hat's null state, outside 0..7 */
	assert_string_equal(devdrv_hid_usage_name(v[20].usage, name, sizeof(name)), "Hat Switch");
	assert_int_equal(v[21].value, -2);
	devdrv_hid_free(d);
}

static void test_digitizer(void **state)
{
	struct devdrv_hid_descriptor *d = parse_ok(digitizer, sizeof(digitizer));
	const struct devdrv_hid_field *x;
	char name[32];

	(void)state;
	assert_true(d->uses_report_ids);
	assert_int_equal(d->num_fields, 5);
	x = &d->fields[2];
	assert_int_equal(x->bit_offset, 8);
	assert_int_equal(x->bit_size, 16);
	assert_int_equal(x->unit, 0x33);
	assert_int_equal(x->unit_exponent, -3);
	assert_int_equal(x->logical_max, 32767);
	assert_int_equal(x->physical_max, 10000);
	assert_int_equal(d->fields[4].logical_max, 1023);
	assert_int_equal(d->fields[4].physical_max, 0);
	assert_int_equal(devdrv_hid_report_length(d, DEVDRV_HID_INPUT, 2), 8);
	assert_string_equal(devdrv_hid_usage_name(devdrv_hid_field_usage(&d->fields[0], 0), name, sizeof(name)),
	                    "Tip Switch");
	assert_string_equal(devdrv_hid_usage_name(d->collections[1].usage, name, sizeof(name)), "Stylus");
	assert_string_equal(devdrv_hid_collection_name(d->collections[1].type), "Physical");
	devdrv_hid_free(d);
}

/* Each is refused with DEVDRV_E_PROTOCOL and a message naming the problem. */
static void test_malformed_descriptors(void **state)
{
	static const struct {
		const char *what;
		uint8_t raw[16];
		size_t len;
	} bad[] = {
		{ "runs past the end", { 0x05, 0x01, 0x26, 0xff }, 4 },
		{ "without a Collection", { 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0xc0 }, 7 },
		{ "never ended", { 0xa1, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02 }, 8 },
		{ "Pop without Push", { 0xb4, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02 }, 7 },
		{ "Report ID 0", { 0x85, 0x00, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02 }, 8 },
		{ "over 32 bits", { 0x75, 0x21, 0x95, 0x01, 0x81, 0x02 }, 6 },
		{ "over 4096", { 0x75, 0x01, 0x96, 0x01, 0x10, 0x81, 0x02 }, 7 },
		{ "below its Minimum", { 0x19, 0x05, 0x29, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02 }, 10 },
		{ "without a Usage Minimum", { 0x29, 0x05, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02 }, 8 },
		{ "unknown main item", { 0x75, 0x08, 0x95, 0x01, 0xd1, 0x02 }, 6 },
		{ "long item runs past", { 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0xfe, 0x09, 0x00, 0x01 }, 10 },
		{ "Report ID after items", { 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0x85, 0x01, 0x81, 0x02 }, 10 },
		{ "no Input, Output or Feature", { 0x05, 0x01, 0x09, 0x02 }, 4 },
		{ "Push nested", { 0xa4, 0xa4, 0xa4, 0xa4, 0xa4, 0xa4, 0xa4, 0xa4, 0xa4 }, 9 },
	};
	uint8_t deep[2 * 33 + 6];
	struct devdrv_hid_descriptor *d;
	char err[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = devdrv_hid_parse(bad[i].raw, bad[i].len, &d, err, sizeof(err));

		if (rc != DEVDRV_E_PROTOCOL || !strstr(err, bad[i].what) || d)
			fail_msg("'%s': rc %d, err '%s'", bad[i].what, rc, err);
	}
	for (int i = 0; i < 33; i++) /* collections 33 deep */
		deep[2 * i] = 0xa1, deep[2 * i + 1] = 0x00;
	memcpy(deep + 66, (const uint8_t[]){ 0x75, 0x08, 0x95, 0x01, 0x81, 0x02 }, 6);
	assert_int_equal(devdrv_hid_parse(deep, sizeof(deep), &d, err, sizeof(err)), DEVDRV_E_PROTOCOL);
	assert_non_null(strstr(err, "nested more than 32"));
	assert_int_equal(devdrv_hid_parse(NULL, 0, &d, err, sizeof(err)), DEVDRV_E_PROTOCOL);
}

/* ---- the driver on the virtual keyboard and mouse ---------------------------- */

static struct devdrv_context *bus_with(const char *model)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_context *ctx;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_virtual_unplug_all(ctx), 2); /* the loopback and the button: start empty */
	assert_int_equal(devdrv_virtual_plug(ctx, model, "1-1"), 0);
	return ctx;
}

static void test_keyboard_driver(void **state)
{
	struct devdrv_context *ctx = bus_with("keyboard");
	const struct devdrv_hid_descriptor *d;
	const uint8_t *raw;
	struct dd_vcontrol log[DD_VCONTROL_LOG];
	struct devdrv_hid_value v[16];
	uint8_t report[8], leds = 0x02; /* Caps Lock */
	struct devdrv_handle *h;
	char name[16];
	size_t len, n;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_string_equal(devdrv_handle_driver(h), "hid");
	assert_int_equal(devdrv_hid_get_report_descriptor(h, &raw, &len), 0);
	assert_int_equal(len, sizeof(boot_keyboard));
	assert_memory_equal(raw, boot_keyboard, len); /* the model sends the spec's descriptor */
	assert_int_equal(devdrv_hid_get_descriptor(h, &d), 0);
	/* it types "h", releases, "e" */
	assert_int_equal(devdrv_read(h, report, sizeof(report), 1000), 8);
	assert_int_equal(devdrv_hid_decode(d, DEVDRV_HID_INPUT, report, 8, v, 16), 9);
	assert_string_equal(devdrv_hid_usage_name(v[8].usage, name, sizeof(name)), "h");
	assert_int_equal(devdrv_read(h, report, sizeof(report), 1000), 8);
	assert_int_equal(devdrv_hid_decode(d, DEVDRV_HID_INPUT, report, 8, v, 16), 8);
	/* LEDs: no OUT endpoint, so SET_REPORT(Output) with the byte */
	dd_virtual_control_log_clear(ctx, "1-1");
	assert_int_equal(devdrv_write(h, &leds, 1, 1000), 1);
	assert_int_equal(devdrv_write(h, report, 2, 1000), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_hid_set_idle(h, 0, 500), 0);
	assert_int_equal(devdrv_hid_set_boot_protocol(h, 1), 0);
	n = dd_virtual_control_log(ctx, "1-1", log, DD_VCONTROL_LOG);
	assert_int_equal(n, 3);
	assert_int_equal(log[0].request_type, 0x21);
	assert_int_equal(log[0].request, 0x09);
	assert_int_equal(log[0].value, 0x0200);
	assert_int_equal(log[0].data[0], 0x02);
	assert_int_equal(log[1].request, 0x0a);
	assert_int_equal(log[1].value, 125 << 8); /* 500 ms in 4 ms units */
	assert_int_equal(log[2].request, 0x0b);
	assert_int_equal(log[2].value, 0); /* 0: boot protocol */
	assert_int_equal(devdrv_hid_get_feature(h, 0, report, sizeof(report)), DEVDRV_E_NOT_FOUND);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_mouse_driver_features(void **state)
{
	struct devdrv_context *ctx = bus_with("mouse");
	uint8_t report[8], feature[2] = { 2, 1 }, small[1];
	struct devdrv_handle *h;
	int boot = 1;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_int_equal(devdrv_read(h, report, sizeof(report), 1000), 5);
	assert_int_equal(report[0], 1); /* report ID first */
	assert_int_equal((int8_t)report[2], 5);
	assert_int_equal(devdrv_hid_get_feature(h, 2, report, sizeof(report)), 2);
	assert_int_equal(report[1], 0);
	assert_int_equal(devdrv_hid_set_feature(h, feature, sizeof(feature)), 0);
	assert_int_equal(devdrv_hid_get_feature(h, 2, report, sizeof(report)), 2);
	assert_int_equal(report[1], 1);
	assert_int_equal(devdrv_hid_get_feature(h, 2, small, sizeof(small)), DEVDRV_E_OVERFLOW);
	assert_int_equal(devdrv_hid_get_feature(h, 7, report, sizeof(report)), DEVDRV_E_NOT_FOUND);
	assert_int_equal(devdrv_hid_set_feature(h, feature, 1), DEVDRV_E_INVALID);
	/* no output report, and not a boot interface */
	assert_int_equal(devdrv_write(h, feature, 2, 100), DEVDRV_E_NOT_FOUND);
	assert_int_equal(devdrv_hid_set_boot_protocol(h, 1), DEVDRV_E_UNSUPPORTED);
	assert_int_equal(devdrv_ioctl(h, DEVDRV_IOC_HID_SET_PROTOCOL, &boot, 1), DEVDRV_E_INVALID);
	devdrv_close(h);
	devdrv_context_free(ctx);
}

/* A report descriptor that breaks the rules makes open fail, saying why. */
static void test_hostile_report_descriptor(void **state)
{
	struct devdrv_context *ctx = bus_with("hostile-hid");
	struct devdrv_handle *h = NULL;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-1", &h), DEVDRV_E_PROTOCOL);
	assert_non_null(strstr(devdrv_context_errmsg(ctx), "End Collection without a Collection"));
	devdrv_context_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_keyboard),
		cmocka_unit_test(test_boot_mouse),
		cmocka_unit_test(test_vendor_report_ids),
		cmocka_unit_test(test_gamepad_push_pop_units),
		cmocka_unit_test(test_digitizer),
		cmocka_unit_test(test_malformed_descriptors),
		cmocka_unit_test(test_keyboard_driver),
		cmocka_unit_test(test_mouse_driver_features),
		cmocka_unit_test(test_hostile_report_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
