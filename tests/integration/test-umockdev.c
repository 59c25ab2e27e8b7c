/* test-umockdev.c — libdevdrv on real libusb over umockdev's emulated usbfs:
 * a root hub, a hub and devices at several port paths. Enumeration (API and
 * `devdrv list --json`), every selector kind, a loopback round trip, STALL,
 * timeout, and unplug during a blocked read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <devdrv/devdrv.h>
#include <devdrv/driver.h>
#include "cli.h"
#include "usbfs-emu.h"

#define PCI "P: /devices/pci0000:00/0000:00:14.0"
#define USB_DEVICE(bus, dev)                                                                    \
	"E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\nE: BUSNUM=" bus "\nE: DEVNUM=" dev \
	"\nE: DEVNAME=/dev/bus/usb/" bus "/" dev "\nA: busnum=" bus "\\n\nA: devnum=" dev "\\n\n"  \
	"A: bConfigurationValue=1\\n\n"

/* Descriptors: device + configuration, as the kernel's sysfs "descriptors". */
#define HUB_CONFIG "09021900010100e0000904000001090000000705810304000c"
static const char root_hub[] =
    PCI "/usb1\nN: bus/usb/001/001\n" USB_DEVICE("001", "001")
    "A: speed=480\\n\nA: manufacturer=Linux 6.1.0 xhci-hcd\\n\nA: product=xHCI Host Controller\\n\n"
    "A: serial=0000:00:14.0\\n\n"
    "H: descriptors=1201000209000140" "6b1d020001060302" "0101" HUB_CONFIG "\n";
static const char root_hub2[] =
    PCI "/usb2\nN: bus/usb/002/001\n" USB_DEVICE("002", "001")
    "A: speed=5000\\n\nA: product=xHCI Host Controller\\n\n"
    "H: descriptors=1201000309000340" "6b1d030001060302" "0101" HUB_CONFIG "\n";
static const char hub[] =
    PCI "/usb1/1-1\nN: bus/usb/001/002\n" USB_DEVICE("001", "002")
    "A: speed=480\\n\nA: product=USB2.0 Hub\\n\n"
    "H: descriptors=1201000209000140" "e305080600010001" "0001" HUB_CONFIG "\n";
static const char loopback[] =
    PCI "/usb1/1-1/1-1.2\nN: bus/usb/001/003\n" USB_DEVICE("001", "003")
    "A: speed=480\\n\nA: manufacturer=libdevdrv\\n\nA: product=Loopback\\n\nA: serial=LOOP-UMD-1\\n\n"
    "H: descriptors=12010002ff000040" "0912010000010102" "0301"
    "09022000010100803209040000" "02ff000000" "0705010200020007058102000200\n";
static const char ftdi[] =
    PCI "/usb1/1-1/1-1.4\nN: bus/usb/001/004\n" USB_DEVICE("001", "004")
    "A: speed=12\\n\nA: manufacturer=FTDI\\n\nA: product=FT232R USB UART\\n\nA: serial=A50285BI\\n\n"
    "H: descriptors=1201000200000008" "0304016000060102" "0301"
    "09022000010100a02d090400" "0002ffffff02" "0705810240000007050202400000\n";
static const char ftdi_interface[] =
    PCI "/usb1/1-1/1-1.4/1-1.4:1.0\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\n"
    "A: interface=FT232R USB UART\\n\nA: bInterfaceNumber=00\\n\n"
    "L: driver=../../../../../../../bus/usb/drivers/ftdi_sio\n";
static const char button[] =
    PCI "/usb1/1-2\nN: bus/usb/001/005\n" USB_DEVICE("001", "005")
    "A: speed=12\\n\nA: manufacturer=libdevdrv\\n\nA: product=Button\\n\n"
    "H: descriptors=12010002ff000040" "0912020000010102" "0001"
    "09021900010100803209040000" "01ff000000" "07058103080" "00a\n";

struct bed {
	UMockdevTestbed *bed;
	struct emu_device *devs[6];
	struct devdrv_context *ctx;
};

static int setup(void **state)
{
	struct bed *b = g_new0(struct bed, 1);
	struct devdrv_context_options o = { .transports = DEVDRV_TRANSPORT_USB };
	GError *error = NULL;

	b->bed = umockdev_testbed_new();
	b->devs[0] = emu_device_new(b->bed, root_hub, 1, 1);
	b->devs[1] = emu_device_new(b->bed, hub, 1, 2);
	b->devs[2] = emu_device_new(b->bed, loopback, 1, 3);
	b->devs[3] = emu_device_new(b->bed, ftdi, 1, 4);
	if (!umockdev_testbed_add_from_string(b->bed, ftdi_interface, &error))
		g_error("interface: %s", error->message);
	b->devs[4] = emu_device_new(b->bed, button, 1, 5);
	b->devs[5] = emu_device_new(b->bed, root_hub2, 2, 1);
	/* after the testbed: libusb reads the mocked sysfs when it starts */
	assert_int_equal(devdrv_context_new(&o, &b->ctx), 0);
	*state = b;
	return 0;
}

static int teardown(void **state)
{
	struct bed *b = *state;

	devdrv_context_free(b->ctx);
	for (int i = 0; i < 6; i++)
		emu_device_free(b->devs[i]);
	g_object_unref(b->bed);
	g_free(b);
	return 0;
}

static const char *const expected_ports[] = { "1", "1-1", "1-1.2", "1-1.4", "1-2", "2" };

static void test_enumeration(void **state)
{
	struct bed *b = *state;
	const struct devdrv_device_info **l;
	const struct devdrv_interface_info *intf;

	assert_int_equal(devdrv_get_device_list(b->ctx, &l), 6);
	for (int i = 0; i < 6; i++)
		assert_string_equal(l[i]->port_path, expected_ports[i]);
	assert_int_equal(l[0]->vid, 0x1d6b);
	assert_string_equal(l[0]->product, "xHCI Host Controller");
	assert_null(l[0]->driver); /* hubs stay with the kernel */
	assert_null(l[1]->driver);
	assert_int_equal(l[2]->bus, 1);
	assert_int_equal(l[2]->address, 3);
	assert_int_equal(l[2]->vid, 0x1209);
	assert_int_equal(l[2]->speed, DEVDRV_SPEED_HIGH);
	assert_string_equal(l[2]->serial, "LOOP-UMD-1");
	assert_string_equal(l[2]->driver, "generic");
	assert_int_equal(l[3]->pid, 0x6001);
	assert_int_equal(l[3]->bcd_device, 0x0600);
	assert_int_equal(l[3]->speed, DEVDRV_SPEED_FULL);
	assert_string_equal(l[3]->manufacturer, "FTDI");
	assert_string_equal(l[3]->serial, "A50285BI");
	assert_string_equal(l[3]->driver, "ftdi"); /* its VID:PID beats the generic fallback */
	intf = devdrv_find_interface(devdrv_active_config(l[3]), 0);
	assert_non_null(intf);
	assert_int_equal(intf->cls, 0xff);
	assert_int_equal(intf->num_endpoints, 2);
	assert_string_equal(intf->kernel_driver, "ftdi_sio");
	assert_string_equal(intf->name, "FT232R USB UART");
	assert_null(l[4]->serial);
	assert_int_equal(l[5]->speed, DEVDRV_SPEED_SUPER);
	devdrv_free_device_list(l);
}

static const char *member_string(JsonObject *o, const char *key)
{
	JsonNode *n = json_object_get_member(o, key);

	return n && !json_node_is_null(n) ? json_node_get_string(n) : NULL;
}

/* `devdrv list --json` must describe exactly the devices the API lists. */
static void test_cli_list_json(void **state)
{
	struct bed *b = *state;
	char *out = NULL, *err = NULL;
	size_t out_len = 0, err_len = 0;
	FILE *fo = open_memstream(&out, &out_len), *fe = open_memstream(&err, &err_len);
	char *argv[] = { "devdrv", "list", "--json", NULL };
	const struct devdrv_device_info **l;
	JsonParser *parser = json_parser_new();
	JsonArray *arr;
	GError *error = NULL;

	assert_int_equal(cli_main(3, argv, stdin, fo, fe), 0);
	fclose(fo);
	fclose(fe);
	assert_int_equal(err_len, 0);
	if (!json_parser_load_from_data(parser, out, (gssize)out_len, &error))
		fail_msg("invalid JSON: %s\n%s", error->message, out);
	arr = json_node_get_array(json_parser_get_root(parser));
	assert_int_equal(devdrv_get_device_list(b->ctx, &l), 6);
	assert_int_equal(json_array_get_length(arr), 6);
	for (guint i = 0; i < 6; i++) {
		JsonObject *o = json_array_get_object_element(arr, i);
		char vid[5];

		snprintf(vid, sizeof(vid), "%04x", l[i]->vid);
		assert_string_equal(member_string(o, "port_path"), l[i]->port_path);
		assert_string_equal(member_string(o, "vid"), vid);
		assert_int_equal(json_object_get_int_member(o, "bus"), l[i]->bus);
		assert_int_equal(json_object_get_int_member(o, "address"), l[i]->address);
		assert_string_equal(member_string(o, "speed"), devdrv_speed_name(l[i]->speed));
		assert_true(g_strcmp0(member_string(o, "serial"), l[i]->serial) == 0);
		assert_true(g_strcmp0(member_string(o, "manufacturer"), l[i]->manufacturer) == 0);
		assert_true(g_strcmp0(member_string(o, "driver"), l[i]->driver) == 0);
	}
	{
		JsonObject *ftdi_obj = json_array_get_object_element(arr, 3);
		JsonArray *cfgs = json_object_get_array_member(ftdi_obj, "configurations");
		JsonObject *cfg = json_array_get_object_element(cfgs, 0);
		JsonObject *intf = json_array_get_object_element(json_object_get_array_member(cfg, "interfaces"), 0);

		assert_string_equal(member_string(intf, "kernel_driver"), "ftdi_sio");
		assert_int_equal(json_array_get_length(json_object_get_array_member(intf, "endpoints")), 2);
	}
	devdrv_free_device_list(l);
	g_object_unref(parser);
	free(out);
	free(err);
}

static void test_every_selector_kind(void **state)
{
	static const struct {
		const char *selector, *port;
	} cases[] = {
		{ "1209:0001", "1-1.2" },      { "1:3", "1-1.2" },          { "bus=1,addr=4", "1-1.4" },
		{ "1-1.4", "1-1.4" },          { "port=1-2", "1-2" },      { "serial=A50285BI", "1-1.4" },
		{ "0403:6001,serial=A50285BI", "1-1.4" }, { "driver=generic", "1-1.2" },
		/* driver=NAME: devices NAME can bind; the fallback can bind the FTDI too */
		{ "driver=generic#1", "1-1.4" }, { "driver=generic#2", "1-2" }, { "driver=ftdi", "1-1.4" },
		{ "vid=1209#1", "1-2" },
		{ "1-1.4,driver=generic", "1-1.4" },
		{ "1-1.2,iface=0", "1-1.2" },  { "1-1.4,ep_in=0x81,ep_out=0x02", "1-1.4" },
	};
	struct bed *b = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct devdrv_handle *h = NULL;
		int rc = devdrv_open(b->ctx, cases[i].selector, &h);

		if (rc < 0)
			fail_msg("'%s': %s", cases[i].selector, devdrv_context_errmsg(b->ctx));
		if (strcmp(devdrv_handle_info(h)->port_path, cases[i].port))
			fail_msg("'%s' opened %s, not %s", cases[i].selector, devdrv_handle_info(h)->port_path,
			         cases[i].port);
		devdrv_close(h);
	}
}

static void test_open_refusals(void **state)
{
	struct bed *b = *state;
	struct devdrv_handle *h = NULL;

	assert_int_equal(devdrv_open(b->ctx, "1-1", &h), DEVDRV_E_NO_DRIVER); /* a hub */
	assert_non_null(strstr(devdrv_context_errmsg(b->ctx), "no driver binds"));
	assert_int_equal(devdrv_open(b->ctx, "dead:beef", &h), DEVDRV_E_NOT_FOUND);
	assert_non_null(strstr(devdrv_context_errmsg(b->ctx), "(6 present)"));
	assert_int_equal(devdrv_open(b->ctx, "1-1.2,ep_in=0x02", &h), DEVDRV_E_INVALID);
	assert_null(h);
}

static void test_loopback_round_trip(void **state)
{
	struct bed *b = *state;
	struct devdrv_handle *h = NULL;
	unsigned char out[4096], in[4096];
	unsigned before;
	size_t got = 0;

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 13 + 1);
	assert_int_equal(devdrv_open(b->ctx, "1209:0001", &h), 0);
	before = emu_device_ioctl_count(b->devs[2]);
	assert_int_equal(devdrv_write(h, out, sizeof(out), 1000), sizeof(out));
	while (got < sizeof(in)) {
		ssize_t n = devdrv_read(h, in + got, sizeof(in) - got, 1000);
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_memory_equal(in, out, sizeof(out));
	/* one submit and one successful reap per transfer, plus polling reaps */
	assert_true(emu_device_ioctl_count(b->devs[2]) - before >= 4);
	devdrv_close(h);
}

static void test_control_and_stall(void **state)
{
	struct bed *b = *state;
	struct devdrv_handle *h = NULL;
	unsigned char data[8] = { 9, 8, 7 }, back[8] = { 0 };

	assert_int_equal(devdrv_open(b->ctx, "1-1.2", &h), 0);
	assert_int_equal(devdrv_control(h, 0x40, 0x01, 0, 0, data, 3, 1000), 3);
	assert_int_equal(devdrv_control(h, 0xc0, 0x02, 0, 0, back, sizeof(back), 1000), 3);
	assert_memory_equal(back, data, 3);
	assert_int_equal(devdrv_control(h, 0xc0, 0x7f, 0, 0, back, sizeof(back), 1000), DEVDRV_E_PIPE);
	assert_non_null(strstr(devdrv_errmsg(h), "STALL"));
	devdrv_close(h);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_timeout(void **state)
{
	struct bed *b = *state;
	struct devdrv_handle *h = NULL;
	unsigned char buf[64];
	double t0, took;

	assert_int_equal(devdrv_open(b->ctx, "1-1.2", &h), 0);
	t0 = now_s();
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 100), DEVDRV_E_TIMEOUT);
	took = now_s() - t0;
	assert_true(took >= 0.09 && took < 1.0);
	assert_non_null(strstr(devdrv_errmsg(h), "within 100 ms"));
	/* the pipe still works after a timed-out (discarded) URB */
	assert_int_equal(devdrv_write(h, "x", 1, 1000), 1);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 1);
	devdrv_close(h);
}

struct blocked_read {
	struct devdrv_handle *h;
	ssize_t result;
	double returned_at;
};

static void *blocked_read(void *arg)
{
	struct blocked_read *r = arg;
	unsigned char buf[64];

	r->result = devdrv_read(r->h, buf, sizeof(buf), 10000);
	r->returned_at = now_s();
	return NULL;
}

static void unplug_during_blocked_read(struct bed *b, int urb_status)
{
	struct blocked_read r = { 0 };
	pthread_t t;
	double unplugged_at;

	assert_int_equal(devdrv_open(b->ctx, "1-1.2", &r.h), 0);
	pthread_create(&t, NULL, blocked_read, &r);
	usleep(200 * 1000);
	unplugged_at = now_s();
	emu_device_unplug(b->devs[2], urb_status);
	pthread_join(t, NULL);
	assert_int_equal(r.result, DEVDRV_E_DISCONNECTED);
	assert_true(r.returned_at - unplugged_at < 1.0);
	assert_non_null(strstr(devdrv_errmsg(r.h), "unplugged"));
	assert_int_equal(devdrv_write(r.h, "x", 1, 100), DEVDRV_E_DISCONNECTED);
	devdrv_close(r.h);
}

static void test_unplug_during_blocked_read(void **state)
{
	unplug_during_blocked_read(*state, -ENODEV);
}

/* Host controllers may fail the pending URB with a protocol error while the
 * kernel tears the device down (dummy_hcd does): still DISCONNECTED. */
static void test_unplug_seen_as_protocol_error(void **state)
{
	unplug_during_blocked_read(*state, -EPROTO);
}

/* The same protocol error on a device that is still there is an I/O error. */
static void test_protocol_error_on_present_device(void **state)
{
	struct bed *b = *state;
	struct blocked_read r = { 0 };
	pthread_t t;

	assert_int_equal(devdrv_open(b->ctx, "1-1.2", &r.h), 0);
	pthread_create(&t, NULL, blocked_read, &r);
	usleep(200 * 1000);
	emu_device_fail_pending(b->devs[2], -EPROTO);
	pthread_join(t, NULL);
	assert_int_equal(r.result, DEVDRV_E_IO);
	assert_int_equal(devdrv_write(r.h, "x", 1, 1000), 1); /* and the handle still works */
	devdrv_close(r.h);
}

/* umockdev_in_mock_environment() answers 0 even under the preload in
 * umockdev 0.17, so ask which object provides open(). */
static int preload_active(void)
{
	int (*volatile open_fn)(const char *, int, ...) = open;
	Dl_info info;

	return dladdr((void *)open_fn, &info) && info.dli_fname &&
	       strstr(info.dli_fname, "libumockdev-preload") != NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enumeration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_list_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_selector_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_and_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unplug_during_blocked_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unplug_seen_as_protocol_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protocol_error_on_present_device, setup, teardown),
	};

	if (!preload_active()) {
		fprintf(stderr, "test-umockdev: not in a umockdev environment; run it with "
		                "LD_PRELOAD=libumockdev-preload.so.0 (meson test does)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
