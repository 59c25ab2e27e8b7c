/* test-binding.c — match precedence: product beats vendor beats device class
 * beats interface class beats the generic fallback; probe may refuse; a
 * selector may force a driver. The drivers here register through the same
 * linker section as the built-in ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "internal.h"

static const struct devdrv_match vendor_table[] = { { .flags = DEVDRV_MATCH_VENDOR, .vid = 0x1234 }, { 0 } };
static const struct devdrv_match product_table[] = { { DEVDRV_MATCH_DEVICE(0x1234, 0x5678) }, { 0 } };
static const struct devdrv_match ifclass_table[] = { { DEVDRV_MATCH_INTERFACE_CLASS(0x02, 0x02, 0x01) }, { 0 } };
static const struct devdrv_match devclass_table[] = { { .flags = DEVDRV_MATCH_DEV_CLASS, .dev_class = 0xfe }, { 0 } };
static const struct devdrv_match refuse_table[] = { { DEVDRV_MATCH_DEVICE(0x1234, 0x5678) }, { 0 } };

static int refuse_probe(const struct devdrv_device_info *info, const struct devdrv_match *m, int *iface)
{
	(void)info, (void)m, (void)iface;
	return DEVDRV_E_NO_DRIVER;
}

static const struct devdrv_driver t_vendor = { .name = "t_vendor", .match = vendor_table };
static const struct devdrv_driver t_product = { .name = "t_product", .match = product_table };
static const struct devdrv_driver t_ifclass = { .name = "t_ifclass", .match = ifclass_table };
static const struct devdrv_driver t_devclass = { .name = "t_devclass", .match = devclass_table };
/* sorts before t_product, so it would win the tie if probe did not refuse */
static const struct devdrv_driver t_aaa_refuse = { .name = "t_aaa_refuse", .match = refuse_table,
	                                           .probe = refuse_probe };
DEVDRV_DRIVER_REGISTER(t_vendor);
DEVDRV_DRIVER_REGISTER(t_product);
DEVDRV_DRIVER_REGISTER(t_ifclass);
DEVDRV_DRIVER_REGISTER(t_devclass);
DEVDRV_DRIVER_REGISTER(t_aaa_refuse);

/* Interface 0: vendor class with bulk IN/OUT. Interface 1: CDC ACM
 * (02/02/01) with an interrupt IN. */
static const uint8_t two_interfaces[] = {
	9, 2, 48, 0, 2, 1, 0, 0x80, 50,
	9, 4, 0, 0, 2, 0xff, 0, 0, 0,
	7, 5, 0x81, 2, 0x40, 0, 0,
	7, 5, 0x01, 2, 0x40, 0, 0,
	9, 4, 1, 0, 1, 0x02, 0x02, 0x01, 0,
	7, 5, 0x82, 3, 0x10, 0, 8,
};

/* No bulk or interrupt endpoint anywhere. */
static const uint8_t control_only[] = { 9, 2, 18, 0, 1, 1, 0, 0x80, 50, 9, 4, 0, 0, 0, 0xff, 0, 0, 0 };

struct fixture {
	struct devdrv_config_info cfg;
	struct devdrv_device_info info;
};

static void make_device(struct fixture *f, uint16_t vid, uint16_t pid, uint8_t cls,
                        const uint8_t *raw, size_t len)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(dd_parse_config(raw, len, &f->cfg), 0);
	f->info.transport = "usb";
	f->info.port_path = "1-1";
	f->info.vid = vid;
	f->info.pid = pid;
	f->info.cls = cls;
	f->info.active_config = 1;
	f->info.num_configs = 1;
	f->info.configs = &f->cfg;
}

static const char *bound(struct fixture *f, const char *only, int iface, int *bound_iface)
{
	struct dd_binding b;

	if (dd_bind(&f->info, only, iface, &b) < 0)
		return NULL;
	if (bound_iface)
		*bound_iface = b.iface;
	return b.driver->name;
}

static void test_product_beats_everything(void **state)
{
	struct fixture f;

	(void)state;
	make_device(&f, 0x1234, 0x5678, 0xfe, two_interfaces, sizeof(two_interfaces));
	assert_string_equal(bound(&f, NULL, -1, NULL), "t_product");
	dd_config_clear(&f.cfg);
}

static void test_vendor_beats_classes(void **state)
{
	struct fixture f;

	(void)state;
	make_device(&f, 0x1234, 0x9999, 0xfe, two_interfaces, sizeof(two_interfaces));
	assert_string_equal(bound(&f, NULL, -1, NULL), "t_vendor");
	dd_config_clear(&f.cfg);
}

static void test_device_class_beats_interface_class(void **state)
{
	struct fixture f;

	(void)state;
	make_device(&f, 0x9999, 0x0001, 0xfe, two_interfaces, sizeof(two_interfaces));
	assert_string_equal(bound(&f, NULL, -1, NULL), "t_devclass");
	dd_config_clear(&f.cfg);
}

static void test_interface_class_binds_its_interface(void **state)
{
	struct fixture f;
	int iface = -1;

	(void)state;
	make_device(&f, 0x9999, 0x0001, 0x00, two_interfaces, sizeof(two_interfaces));
	assert_string_equal(bound(&f, NULL, -1, &iface), "t_ifclass");
	assert_int_equal(iface, 1);
	dd_config_clear(&f.cfg);
}

static void test_generic_is_the_fallback(void **state)
{
	struct fixture f;
	int iface = -1;

	(void)state;
	make_device(&f, 0x9999, 0x0001, 0x00, two_interfaces, sizeof(two_interfaces));
	/* restricted to interface 0, only the fallback is left */
	assert_string_equal(bound(&f, NULL, 0, &iface), "generic");
	assert_int_equal(iface, 0);
	dd_config_clear(&f.cfg);
}

static void test_forced_driver(void **state)
{
	struct fixture f;
	int iface = -1;

	(void)state;
	make_device(&f, 0x1234, 0x5678, 0x00, two_interfaces, sizeof(two_interfaces));
	assert_string_equal(bound(&f, "generic", -1, &iface), "generic");
	assert_int_equal(iface, 0);
	assert_null(bound(&f, "t_ifclass", 0, NULL)); /* interface 0 is not CDC */
	assert_null(bound(&f, "no_such_driver", -1, NULL));
	dd_config_clear(&f.cfg);
}

static void test_nothing_binds(void **state)
{
	struct fixture f;

	(void)state;
	make_device(&f, 0x9999, 0x0001, 0x00, control_only, sizeof(control_only));
	assert_null(bound(&f, NULL, -1, NULL));
	dd_config_clear(&f.cfg);
	make_device(&f, 0x9999, 0x0001, 0x09, two_interfaces, sizeof(two_interfaces));
	assert_null(bound(&f, "generic", -1, NULL)); /* hubs are left to the kernel */
	dd_config_clear(&f.cfg);
}

static void test_scores_are_strictly_ordered(void **state)
{
	struct fixture f;
	const struct devdrv_interface_info *cdc;
	const struct devdrv_match all_interface_fields = {
		.flags = DEVDRV_MATCH_INT_CLASS | DEVDRV_MATCH_INT_SUBCLASS | DEVDRV_MATCH_INT_PROTOCOL |
		         DEVDRV_MATCH_INT_NUMBER,
		.int_class = 2, .int_subclass = 2, .int_protocol = 1, .int_number = 1,
	};
	const struct devdrv_match mismatching = { .flags = DEVDRV_MATCH_VENDOR, .vid = 0x4321 };

	(void)state;
	make_device(&f, 0x1234, 0x5678, 0xfe, two_interfaces, sizeof(two_interfaces));
	cdc = devdrv_find_interface(&f.cfg, 1);
	assert_true(dd_match_score(&product_table[0], &f.info, NULL) >
	            dd_match_score(&vendor_table[0], &f.info, NULL));
	assert_true(dd_match_score(&vendor_table[0], &f.info, NULL) >
	            dd_match_score(&devclass_table[0], &f.info, NULL));
	assert_true(dd_match_score(&devclass_table[0], &f.info, NULL) >
	            dd_match_score(&all_interface_fields, &f.info, cdc));
	assert_true(dd_match_score(&all_interface_fields, &f.info, cdc) > 1);
	assert_int_equal(dd_match_score(&mismatching, &f.info, NULL), 0);
	assert_int_equal(dd_match_score(&ifclass_table[0], &f.info, NULL), 0); /* needs an interface */
	dd_config_clear(&f.cfg);
}

static void test_registry_sorted(void **state)
{
	size_t n;
	const struct devdrv_driver *const *d = devdrv_drivers(&n);

	(void)state;
	for (size_t i = 1; i < n; i++)
		assert_true(strcmp(d[i - 1]->name, d[i]->name) < 0);
	assert_null(d[n]);
	/* built-in drivers and the ones this file registers share the section */
	assert_non_null(dd_driver_by_name("generic"));
	assert_non_null(dd_driver_by_name("ftdi"));
	assert_non_null(dd_driver_by_name("t_vendor"));
	assert_non_null(dd_driver_by_name("t_aaa_refuse"));
	assert_null(dd_driver_by_name("t_missing"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_product_beats_everything),
		cmocka_unit_test(test_vendor_beats_classes),
		cmocka_unit_test(test_device_class_beats_interface_class),
		cmocka_unit_test(test_interface_class_binds_its_interface),
		cmocka_unit_test(test_generic_is_the_fallback),
		cmocka_unit_test(test_forced_driver),
		cmocka_unit_test(test_nothing_binds),
		cmocka_unit_test(test_scores_are_strictly_ordered),
		cmocka_unit_test(test_registry_sorted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
