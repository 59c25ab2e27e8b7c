/* test-usb-errors.c — every libusb error and transfer status maps to the
 * DEVDRV_E_* code the API documents; disconnect stays distinct from I/O. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <libusb.h>

#include <devdrv/devdrv.h>
#include "usb/usb-errors.h"

static void test_errors(void **state)
{
	static const int map[][2] = {
		{ LIBUSB_SUCCESS, 0 },
		{ LIBUSB_ERROR_IO, DEVDRV_E_IO },
		{ LIBUSB_ERROR_INVALID_PARAM, DEVDRV_E_INVALID },
		{ LIBUSB_ERROR_ACCESS, DEVDRV_E_ACCESS },
		{ LIBUSB_ERROR_NO_DEVICE, DEVDRV_E_DISCONNECTED },
		{ LIBUSB_ERROR_NOT_FOUND, DEVDRV_E_NOT_FOUND },
		{ LIBUSB_ERROR_BUSY, DEVDRV_E_BUSY },
		{ LIBUSB_ERROR_TIMEOUT, DEVDRV_E_TIMEOUT },
		{ LIBUSB_ERROR_OVERFLOW, DEVDRV_E_OVERFLOW },
		{ LIBUSB_ERROR_PIPE, DEVDRV_E_PIPE },
		{ LIBUSB_ERROR_INTERRUPTED, DEVDRV_E_CANCELLED },
		{ LIBUSB_ERROR_NO_MEM, DEVDRV_E_NOMEM },
		{ LIBUSB_ERROR_NOT_SUPPORTED, DEVDRV_E_UNSUPPORTED },
		{ LIBUSB_ERROR_OTHER, DEVDRV_E_IO },
		{ -1234, DEVDRV_E_IO },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(dd_usb_error(map[i][0]), map[i][1]);
}

static void test_transfer_status(void **state)
{
	static const int map[][2] = {
		{ LIBUSB_TRANSFER_COMPLETED, 0 },
		{ LIBUSB_TRANSFER_ERROR, DEVDRV_E_IO },
		{ LIBUSB_TRANSFER_TIMED_OUT, DEVDRV_E_TIMEOUT },
		{ LIBUSB_TRANSFER_CANCELLED, DEVDRV_E_CANCELLED },
		{ LIBUSB_TRANSFER_STALL, DEVDRV_E_PIPE },
		{ LIBUSB_TRANSFER_NO_DEVICE, DEVDRV_E_DISCONNECTED },
		{ LIBUSB_TRANSFER_OVERFLOW, DEVDRV_E_OVERFLOW },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(dd_usb_transfer_status(map[i][0]), map[i][1]);
}

static void test_strerror_names_every_code(void **state)
{
	(void)state;
	for (int code = DEVDRV_E_CANCELLED; code <= 0; code++)
		assert_string_not_equal(devdrv_strerror(code), "unknown error");
	assert_string_equal(devdrv_strerror(-999), "unknown error");
	assert_string_equal(devdrv_strerror(DEVDRV_E_DISCONNECTED), "disconnected");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_transfer_status),
		cmocka_unit_test(test_strerror_names_every_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
