/* test-descriptor.c — the configuration parser treats descriptors as
 * untrusted: valid ones parse exactly, lying lengths are refused, and random
 * bytes never make it read out of bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A CDC-ACM-like function: IAD, communication interface with functional
 * descriptors and an interrupt endpoint, data interface with bulk pair, and
 * an alternate setting. */
static const uint8_t cdc_config[] = {
	9, 2, 84, 0, 2, 1, 0, 0xc0, 0x32,
	8, 0x0b, 0, 2, 2, 2, 1, 0,                 /* interface association */
	9, 4, 0, 0, 1, 2, 2, 1, 0,                 /* comm interface */
	5, 0x24, 0x00, 0x10, 0x01,                 /* header */
	5, 0x24, 0x01, 0x00, 0x01,                 /* call management */
	4, 0x24, 0x02, 0x02,                       /* ACM */
	5, 0x24, 0x06, 0x00, 0x01,                 /* union */
	7, 5, 0x83, 3, 0x0a, 0, 0x20,              /* interrupt IN */
	9, 4, 1, 0, 2, 0x0a, 0, 0, 0,              /* data interface */
	7, 5, 0x81, 2, 0x00, 0x02, 0,
	7, 5, 0x02, 2, 0x00, 0x02, 0,
	9, 4, 1, 1, 0, 0x0a, 0, 0, 0,              /* data alt 1, no endpoints */
};

static void test_parses_cdc(void **state)
{
	struct devdrv_config_info cfg;
	const struct devdrv_interface_info *comm, *data;

	(void)state;
	assert_int_equal(sizeof(cdc_config), 84);
	assert_int_equal(dd_parse_config(cdc_config, sizeof(cdc_config), &cfg), 0);
	assert_int_equal(cfg.value, 1);
	assert_int_equal(cfg.max_power_ma, 100);
	assert_int_equal(cfg.num_interfaces, 3);
	comm = devdrv_find_interface(&cfg, 0);
	data = devdrv_find_interface(&cfg, 1);
	assert_non_null(comm);
	assert_non_null(data);
	assert_int_equal(comm->cls, 2);
	assert_int_equal(comm->num_endpoints, 1);
	assert_int_equal(comm->extra_len, 19); /* the four functional descriptors */
	assert_int_equal(comm->extra[1], 0x24);
	assert_int_equal(data->num_endpoints, 2);
	assert_int_equal(data->endpoints[0].max_packet, 512);
	assert_int_equal(cfg.interfaces[2].alt_setting, 1);
	assert_int_equal(cfg.interfaces[2].num_endpoints, 0);
	assert_int_equal(devdrv_find_endpoint(data, 1, 1u << 2)->address, 0x81);
	assert_int_equal(devdrv_find_endpoint(data, 0, 1u << 2)->address, 0x02);
	assert_null(devdrv_find_endpoint(data, 1, 1u << 3));
	assert_int_equal(devdrv_find_endpoint(comm, 1, 1u << 3)->interval, 0x20);
	assert_null(devdrv_find_interface(&cfg, 2));
	dd_config_clear(&cfg);
}

static void test_desc_next_walks_and_filters(void **state)
{
	size_t off = 0;
	const uint8_t *d;
	int endpoints = 0;

	(void)state;
	while ((d = devdrv_desc_next(cdc_config, sizeof(cdc_config), &off, 5)))
		endpoints++;
	assert_int_equal(endpoints, 3);
	off = 0;
	assert_ptr_equal(devdrv_desc_next(cdc_config, sizeof(cdc_config), &off, 0x0b), cdc_config + 9);
}

static void expect_refused(const uint8_t *raw, size_t len)
{
	struct devdrv_config_info cfg;

	assert_int_equal(dd_parse_config(raw, len, &cfg), DEVDRV_E_PROTOCOL);
}

static void test_refuses_lies(void **state)
{
	uint8_t buf[sizeof(cdc_config)];

	(void)state;
	expect_refused(cdc_config, 8);                      /* shorter than a header */
	memcpy(buf, cdc_config, sizeof(buf));
	buf[1] = 4;                                         /* not a configuration */
	expect_refused(buf, sizeof(buf));
	memcpy(buf, cdc_config, sizeof(buf));
	buf[2] = 5, buf[3] = 0;                             /* wTotalLength below bLength */
	expect_refused(buf, sizeof(buf));
	memcpy(buf, cdc_config, sizeof(buf));
	buf[9] = 0;                                         /* bLength 0 would loop forever */
	expect_refused(buf, sizeof(buf));
	memcpy(buf, cdc_config, sizeof(buf));
	buf[75] = 200;                                      /* last descriptor runs past the end */
	expect_refused(buf, sizeof(buf));
	memcpy(buf, cdc_config, sizeof(buf));
	buf[17] = 5;                                        /* interface descriptor too short */
	expect_refused(buf, sizeof(buf));
	memcpy(buf, cdc_config, sizeof(buf));
	buf[45] = 4;                                        /* endpoint descriptor too short */
	expect_refused(buf, sizeof(buf));
}

static void test_trailing_bytes_ignored(void **state)
{
	uint8_t buf[sizeof(cdc_config) + 7];
	struct devdrv_config_info cfg;

	(void)state;
	memcpy(buf, cdc_config, sizeof(cdc_config));
	memset(buf + sizeof(cdc_config), 0xee, 7);
	assert_int_equal(dd_parse_config(buf, sizeof(buf), &cfg), 0);
	assert_int_equal(cfg.raw_len, sizeof(cdc_config));
	dd_config_clear(&cfg);
}

/* Deterministic random descriptors: whatever the parser accepts must be
 * self-consistent; under ASan any out-of-bounds read aborts the test. */
/* Found by tests/fuzz/fuzz-config: the walk starts where the header says it
 * ends, not at byte 9; and an interface cannot have more endpoints than USB
 * has (a uint8_t count would wrap at 256). */
static void test_header_length_and_endpoint_limit(void **state)
{
	/* a 13-byte header whose bytes 9-12 look like a 16-byte interface */
	static const uint8_t long_header[] = { 0x0d, 0x02, 0x19, 0x00, 0x00, 0x80, 0x32, 0x24, 0x00,
		                               0x10, 0x04, 0x01, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x00,
		                               0x07, 0x05, 0x81, 0x02, 0x00, 0x02, 0x00 };
	static const uint8_t past_end[] = { 0x0a, 0x02, 0x09, 0x00, 0x01, 0x01, 0x00, 0x80, 0x32 };
	uint8_t many[9 + 9 + 31 * 7];
	struct devdrv_config_info cfg;

	(void)state;
	assert_int_equal(dd_parse_config(long_header, sizeof(long_header), &cfg), DEVDRV_E_PROTOCOL);
	assert_int_equal(dd_parse_config(past_end, sizeof(past_end), &cfg), DEVDRV_E_PROTOCOL);
	memcpy(many, (const uint8_t[]){ 9, 2, sizeof(many) & 0xff, sizeof(many) >> 8, 1, 1, 0, 0x80, 50,
	                                9, 4, 0, 0, 31, 0xff, 0, 0, 0 }, 18);
	for (int e = 0; e < 31; e++)
		memcpy(many + 18 + 7 * e, (const uint8_t[]){ 7, 5, (uint8_t)(0x81 + e % 15), 2, 0, 2, 0 }, 7);
	assert_int_equal(dd_parse_config(many, sizeof(many), &cfg), DEVDRV_E_PROTOCOL);
	many[13] = 30; /* 30 endpoints: the most USB allows */
	many[2] = (sizeof(many) - 7) & 0xff;
	many[3] = (sizeof(many) - 7) >> 8;
	assert_int_equal(dd_parse_config(many, sizeof(many) - 7, &cfg), 0);
	assert_int_equal(cfg.interfaces[0].num_endpoints, 30);
	dd_config_clear(&cfg);
}

static void test_random_input(void **state)
{
	uint32_t seed = 12345;
	int accepted = 0;

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		uint8_t buf[96];
		size_t len = 9 + (size_t)(iter % 88);
		struct devdrv_config_info cfg;

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (uint8_t)(seed >> 16);
		}
		/* keep a plausible header half the time, so the walk gets deep */
		if (iter & 1) {
			buf[0] = 9, buf[1] = 2, buf[2] = (uint8_t)len, buf[3] = 0;
			for (size_t i = 9; i + 1 < len; i += buf[i] ? buf[i] : 1)
				buf[i] = (uint8_t)(2 + buf[i] % 10);
		}
		if (dd_parse_config(buf, len, &cfg) != 0)
			continue;
		accepted++;
		for (unsigned i = 0; i < cfg.num_interfaces; i++) {
			const struct devdrv_interface_info *in = &cfg.interfaces[i];

			assert_true(in->extra >= cfg.raw && in->extra + in->extra_len <= cfg.raw + cfg.raw_len);
			for (unsigned e = 0; e < in->num_endpoints; e++)
				(void)in->endpoints[e].address;
		}
		dd_config_clear(&cfg);
	}
	assert_true(accepted > 100); /* the generator does reach the parser's depth */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses_cdc),
		cmocka_unit_test(test_desc_next_walks_and_filters),
		cmocka_unit_test(test_refuses_lies),
		cmocka_unit_test(test_trailing_bytes_ignored),
		cmocka_unit_test(test_random_input),
		cmocka_unit_test(test_header_length_and_endpoint_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
