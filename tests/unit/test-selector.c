/* test-selector.c — the selector grammar: every form parses to the right
 * fields, malformed input is refused with a message naming the column. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static struct dd_selector parse_ok(const char *text)
{
	struct dd_selector sel;
	char err[256];
	int rc = dd_selector_parse(text, &sel, err, sizeof(err));

	if (rc != 0)
		fail_msg("'%s' was refused: %s", text, err);
	return sel;
}

static void test_vid_pid(void **state)
{
	struct dd_selector s = parse_ok("0403:6001");

	(void)state;
	assert_int_equal(s.has, DD_SEL_VID | DD_SEL_PID);
	assert_int_equal(s.vid, 0x0403);
	assert_int_equal(s.pid, 0x6001);
	s = parse_ok("ABCD:ef01");
	assert_int_equal(s.vid, 0xabcd);
	assert_int_equal(s.pid, 0xef01);
	s = parse_ok("1209:"); /* every product of a vendor, as lsusb -d 1209: */
	assert_int_equal(s.has, DD_SEL_VID);
	assert_int_equal(s.vid, 0x1209);
	s = parse_ok(":6001");
	assert_int_equal(s.has, DD_SEL_PID);
	assert_int_equal(s.pid, 0x6001);
}

static void test_bus_addr(void **state)
{
	struct dd_selector s = parse_ok("3:7");

	(void)state;
	assert_int_equal(s.has, DD_SEL_BUS | DD_SEL_ADDR);
	assert_int_equal(s.bus, 3);
	assert_int_equal(s.addr, 7);
	s = parse_ok("bus=12,addr=100");
	assert_int_equal(s.bus, 12);
	assert_int_equal(s.addr, 100);
}

static void test_port_path(void **state)
{
	struct dd_selector s = parse_ok("1-1.2");

	(void)state;
	assert_int_equal(s.has, DD_SEL_PORT);
	assert_string_equal(s.port, "1-1.2");
	s = parse_ok("port=2-3.4.1");
	assert_string_equal(s.port, "2-3.4.1");
}

static void test_keys_and_index(void **state)
{
	struct dd_selector s = parse_ok("0403:6001,serial=A50285BI,driver=generic,iface=1,"
	                                "ep_in=0x82,ep_out=2,transport=virtual#2");

	(void)state;
	assert_true(s.has & DD_SEL_SERIAL);
	assert_string_equal(s.serial, "A50285BI");
	assert_string_equal(s.driver, "generic");
	assert_string_equal(s.transport, "virtual");
	assert_int_equal(s.iface, 1);
	assert_int_equal(s.ep_in, 0x82);
	assert_int_equal(s.ep_out, 0x02);
	assert_true(s.has & DD_SEL_INDEX);
	assert_int_equal(s.index, 2);
}

static void test_empty_matches_all(void **state)
{
	struct dd_selector s = parse_ok("");
	struct devdrv_device_info info = { .transport = "usb", .port_path = "1-1", .vid = 1 };

	(void)state;
	assert_int_equal(s.has, 0);
	assert_int_equal(s.iface, -1);
	assert_int_equal(dd_selector_match_fields(&s, &info), 1);
}

/* Each malformed selector must fail, and the message must quote the
 * selector and point at the column of the first wrong character. */
static void test_malformed(void **state)
{
	static const struct {
		const char *text, *column, *words;
	} cases[] = {
		{ "04z3:6001", "column 3", "not a hex digit" },
		{ "0403:600", "column 1", "VVVV:PPPP" },
		{ "0403:6001,", "column 11", "empty term" },
		{ "foo=1", "column 1", "unknown key" },
		{ "bus=256", "column 5", "larger than 255" },
		{ "1-0", "column 3", "port numbers start at 1" },
		{ "1-1..2", "column 5", "port number is empty" },
		{ "iface=x", "column 7", "not a decimal digit" },
		{ "ep_in=0x01", "column 7", "not an IN endpoint" },
		{ "ep_out=0x81", "column 8", "not an OUT endpoint" },
		{ "serial=", "column 8", "serial= needs a value" },
		{ "transport=pci", "column 11", "usb, virtual, replay or usbip" },
		{ "0403:6001,vid=0403", "column 11", "given twice" },
		{ "hello", "column 1", "expected VVVV:PPPP" },
		{ "3:7:9", "column 1", "VVVV:PPPP" },
		{ "120:", "column 1", "VVVV:PPPP" },
		{ ":", "column 1", "VVVV:PPPP" },
		{ "12z9:", "column 3", "not a hex digit" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dd_selector s;
		char err[256];
		char quoted[64];

		assert_int_equal(dd_selector_parse(cases[i].text, &s, err, sizeof(err)), DEVDRV_E_INVALID);
		snprintf(quoted, sizeof(quoted), "\"%s\"", cases[i].text);
		if (!strstr(err, quoted) || !strstr(err, cases[i].column) || !strstr(err, cases[i].words))
			fail_msg("'%s': message \"%s\" lacks %s / %s", cases[i].text, err, cases[i].column,
			         cases[i].words);
	}
}

static void test_match_fields(void **state)
{
	struct devdrv_device_info info = {
		.transport = "usb", .bus = 3, .address = 7, .port_path = "3-1.2",
		.vid = 0x0403, .pid = 0x6001, .serial = "A50285BI",
	};
	static const struct {
		const char *text;
		int expected;
	} cases[] = {
		{ "0403:6001", 1 },  { "0403:6002", 0 },     { "3:7", 1 },          { "3:8", 0 },
		{ "3-1.2", 1 },      { "3-1", 0 },           { "serial=A50285BI", 1 },
		{ "serial=A5", 0 },  { "transport=usb", 1 }, { "transport=virtual", 0 }, { "transport=replay", 0 },
		{ "vid=0403,bus=3", 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dd_selector s = parse_ok(cases[i].text);

		if (dd_selector_match_fields(&s, &info) != cases[i].expected)
			fail_msg("'%s' should %smatch", cases[i].text, cases[i].expected ? "" : "not ");
	}
	info.serial = NULL; /* a device without a serial never matches serial= */
	{
		struct dd_selector s = parse_ok("serial=A50285BI");
		assert_int_equal(dd_selector_match_fields(&s, &info), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vid_pid),        cmocka_unit_test(test_bus_addr),
		cmocka_unit_test(test_port_path),      cmocka_unit_test(test_keys_and_index),
		cmocka_unit_test(test_empty_matches_all), cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_match_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
