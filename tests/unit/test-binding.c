/* test-binding.c — match precedence: product beats vendor beats device class
 * beats interface class beats the generic fallback; probe may refuse; a
 * selector may force a driver. The drivers here register as a program's
 * do, with DEVDRV_DRIVER_REGISTER (a constructor), and at run time. */
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

#define V .api_version = DEVDRV_DRIVER_API_VERSION
static const struct devdrv_driver t_vendor = { V, .name = "t_vendor", .match = vendor_table };
static const struct devdrv_driver t_product = { V, .name = "t_product", .match = product_table };
static const struct devdrv_driver t_ifclass = { V, .name = "t_ifclass", .match = ifclass_table };
static const struct devdrv_driver t_devclass = { V, .name = "t_devclass", .match = devclass_table };
/* sorts before t_product, so it would win the tie if probe did not refuse */
static const struct devdrv_driver t_aaa_refuse = { V, .name = "t_aaa_refuse", .match = refuse_table,
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

/* ---- run-time registration ------------------------------------------------ */

static const struct devdrv_match loopback_table[] = { { DEVDRV_MATCH_DEVICE(0x1209, 0x0001) }, { 0 } };

static ssize_t runtime_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms)
{
	(void)h, (void)timeout_ms;
	memcpy(buf, "rt", len < 2 ? len : 2);
	return len < 2 ? (ssize_t)len : 2;
}

static const struct devdrv_driver t_runtime = { V, .name = "t_runtime", .match = loopback_table,
	                                        .read = runtime_read };

static struct devdrv_context *virtual_bus(void)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_context *ctx = NULL;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	return ctx;
}

static void test_runtime_driver_binds_and_leaves(void **state)
{
	struct devdrv_context *ctx = virtual_bus();
	struct devdrv_handle *h;
	char buf[8];

	(void)state;
	assert_int_equal(devdrv_driver_register(&t_runtime), 0);
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_string_equal(devdrv_handle_driver(h), "t_runtime");
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 100), 2);
	assert_memory_equal(buf, "rt", 2);
	/* NULL callbacks got the defaults: write goes to the OUT pipe */
	assert_int_equal(devdrv_write(h, "abc", 3, 100), 3);
	devdrv_close(h);
	assert_int_equal(devdrv_driver_unregister(&t_runtime), 0);
	assert_int_equal(devdrv_driver_unregister(&t_runtime), DEVDRV_E_NOT_FOUND);
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_string_equal(devdrv_handle_driver(h), "generic");
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_registration_is_checked(void **state)
{
	static const struct devdrv_driver old = { .api_version = 0, .name = "old", .match = loopback_table };
	static const struct devdrv_driver taken = { V, .name = "ftdi", .match = loopback_table };
	static const struct devdrv_driver nothing = { V, .name = "nothing" };
	static const struct devdrv_driver comma = { V, .name = "a,b", .match = loopback_table };

	(void)state;
	assert_int_equal(devdrv_driver_register(&old), DEVDRV_E_INVALID);
	assert_string_equal(devdrv_context_errmsg(NULL),
	                    "driver old: api_version is not DEVDRV_DRIVER_API_VERSION (built against another libdevdrv)");
	assert_int_equal(devdrv_driver_register(&taken), DEVDRV_E_INVALID);
	assert_string_equal(devdrv_context_errmsg(NULL), "driver ftdi: a driver of that name exists");
	assert_int_equal(devdrv_driver_register(&nothing), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_driver_register(&comma), DEVDRV_E_INVALID);
	assert_null(dd_driver_by_name("old"));
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
		cmocka_unit_test(test_runtime_driver_binds_and_leaves),
		cmocka_unit_test(test_registration_is_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
