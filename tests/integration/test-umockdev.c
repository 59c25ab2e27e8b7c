/* test-umockdev.c — libdevdrv on real libusb over umockdev's emulated usbfs:
 * a root hub, a hub and devices at several port paths. Enumeration (API and
 * `devdrv list --json`), every selector kind, a loopback round trip, STALL,
 * timeout, and unplug during a blocked read; hotplug through libusb's udev
 * monitor. Then hostile devices: malformed
 * descriptors and escape sequences in strings, beside well-formed devices. */
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
#include <devdrv/hotplug.h>
#include "cli.h"
#include "transport-cases.h"
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
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_USB };
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

static void unplug_emulated_loopback(struct transport_bed *tb)
{
	emu_device_unplug(((struct bed *)tb->priv)->devs[2], -ENODEV);
}

static struct transport_bed *make_emulated_bed(void)
{
	static struct transport_bed tb;
	struct bed *b;

	assert_int_equal(setup((void **)&b), 0);
	tb = (struct transport_bed){ b->ctx, "1-1.2", unplug_emulated_loopback, b };
	return &tb;
}

static void drop_emulated_bed(struct transport_bed *tb)
{
	teardown(&tb->priv);
}

/* The cases every transport passes the same way (tests/common/), here
 * through real libusb on emulated usbfs. */
static void test_transport_cases(void **state)
{
	(void)state;
	run_transport_cases(make_emulated_bed, drop_emulated_bed);
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
	{
		JsonObject *doc = json_node_get_object(json_parser_get_root(parser));

		assert_int_equal(json_object_get_int_member(doc, "schema_version"), 1);
		arr = json_object_get_array_member(doc, "devices");
	}
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
		/* Mbit/s as a number: 1.5, 12, 480, 5000 */
		assert_true(json_object_get_double_member(o, "speed") == strtod(devdrv_speed_name(l[i]->speed), NULL));
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

/* Host controllers may fail the pending URB with a protocol error while the
 * kernel tears the device down (dummy_hcd does): still DISCONNECTED. */
static void unplug_with_protocol_error(struct transport_bed *tb)
{
	emu_device_unplug(((struct bed *)tb->priv)->devs[2], -EPROTO);
}

static void test_unplug_seen_as_protocol_error(void **state)
{
	struct bed *b = *state;
	struct transport_bed tb = { b->ctx, "1-1.2", unplug_with_protocol_error, b };

	transport_case_unplug_during_blocked_read(&tb);
}

/* The same protocol error on a device that is still there is an I/O error. */
static void test_protocol_error_on_present_device(void **state)
{
	struct bed *b = *state;
	struct transport_bed tb = { b->ctx, "1-1.2", NULL, b };
	struct transport_blocked_read r;

	transport_start_blocked_read(&tb, &r);
	emu_device_fail_pending(b->devs[2], -EPROTO);
	transport_join_blocked_read(&r);
	assert_int_equal(r.result, DEVDRV_E_IO);
	assert_int_equal(devdrv_write(r.h, "x", 1, 1000), 1); /* and the handle still works */
	devdrv_close(r.h);
}

/* ---- hostile devices ------------------------------------------------------
 * Descriptors and strings a broken or malicious device can present. Each one
 * sits at its own port beside well-formed devices (root hub, hub, loopback):
 * one bad device must never cost the listing of the others, crash, or leak. */

#define HOSTILE(port, dev, attributes, descriptors)                                    \
	PCI "/usb1/" port "\nN: bus/usb/001/" dev "\n" USB_DEVICE("001", dev)           \
	"A: speed=480\\n\n" attributes "H: descriptors=" descriptors "\n"
/* A vendor-class device 1209:PPPP (pid little-endian), bNumConfigurations n */
#define DEVICE_DESC(pid, n) "12010002ff000040" "0912" pid "0001" "000000" n
/* configuration value 1, bus-powered 100 mA; total is wTotalLength, little-endian */
#define CONFIG_DESC(total, n_intf) "0902" total n_intf "01" "00" "80" "32"
#define INTERFACE_DESC(n_ep) "09040000" n_ep "ff000000"
#define EP_BULK_OUT "07050102000200"
#define EP_BULK_IN "07058102000200"
#define LOOPBACK_CONFIG CONFIG_DESC("2000", "01") INTERFACE_DESC("02") EP_BULK_OUT EP_BULK_IN

/* Escape sequences in every string: clear screen, set the title, ring the
 * bell, return the carriage over what was printed, and U+009B (CSI as a C1
 * control, which some terminals obey). The record format is g_strcompress()ed,
 * so the bytes are written as octal escapes. */
#define EVIL_MANUFACTURER "Evil\033[2JCorp\007\rX\302\233Y"
#define EVIL_PRODUCT "Prod\033]0;pwned\007\rZ\302\2331m"
#define EVIL_SERIAL "SN\0331\0072\r3\302\2334"
#define EVIL_STRINGS                                                          \
	"A: manufacturer=Evil\\033[2JCorp\\007\\rX\\302\\233Y\\n\n"          \
	"A: product=Prod\\033]0;pwned\\007\\rZ\\302\\2331m\\n\n"             \
	"A: serial=SN\\0331\\0072\\r3\\302\\2334\\n\n"
/* ...and what the CLI shows for them */
#define SHOWN_MANUFACTURER "Evil\\x1b[2JCorp\\x07\\x0dX\\xc2\\x9bY"
#define SHOWN_PRODUCT "Prod\\x1b]0;pwned\\x07\\x0dZ\\xc2\\x9b1m"
#define SHOWN_SERIAL "SN\\x1b1\\x072\\x0d3\\xc2\\x9b4"

#define SKIPPED (-1) /* libusb drops the device while enumerating */

struct hostile_case {
	const char *name;   /* the test's name */
	const char *port;   /* port path, used as the selector */
	const char *record; /* umockdev sysfs record */
	int configs;        /* configurations listed, or SKIPPED */
	int interfaces;     /* interfaces of the active configuration */
	int endpoints;      /* endpoints of its first interface */
	int open_rc;        /* what devdrv_open answers */
};

/* What libusb 1.0.26 makes of each is in the comment; with sysfs it takes the
 * configuration's length from the file and ignores wTotalLength while
 * enumerating, but libusb_get_config_descriptor() then copies only
 * min(wTotalLength, real length) bytes and parses those. */
static const struct hostile_case hostile_cases[] = {
	/* The crash: endpoint bLength 0xff runs past the end. libusb parses the
	 * interface, stops at the endpoint and leaves bNumEndpoints 2 with
	 * endpoint NULL. Listed with an interface without endpoints; FTDI's
	 * VID:PID but no pipes, so nothing binds. */
	{ "hostile_endpoint_runs_past_end", "1-3",
	  HOSTILE("1-3", "004", "A: product=crash\\n\n",
	          "120100020000004003040160000601020301"
	          "0902200001010080320904000002ff000000ff05810240000007050202400000"),
	  1, 1, 0, DEVDRV_E_NO_DRIVER },
	/* wTotalLength 256 over 32 bytes: libusb reads the 32, parses them all. */
	{ "hostile_total_length_too_long", "1-4",
	  HOSTILE("1-4", "005", "", DEVICE_DESC("1100", "01") CONFIG_DESC("0001", "01")
	          INTERFACE_DESC("02") EP_BULK_OUT EP_BULK_IN),
	  1, 1, 2, 0 },
	/* wTotalLength 32 followed by a second interface: the trailing bytes are
	 * not part of the configuration; libusb parses the first 32. */
	{ "hostile_total_length_short_trailing", "1-5",
	  HOSTILE("1-5", "006", "", DEVICE_DESC("1200", "01") LOOPBACK_CONFIG
	          "0904010001ff000000" "07058302000200"),
	  1, 1, 2, 0 },
	/* wTotalLength 25 cuts off the second endpoint the interface promises:
	 * libusb fails the configuration (LIBUSB_ERROR_IO); listed without one. */
	{ "hostile_total_length_cuts_endpoint", "1-6",
	  HOSTILE("1-6", "007", "", DEVICE_DESC("1300", "01") CONFIG_DESC("1900", "01")
	          INTERFACE_DESC("02") EP_BULK_OUT EP_BULK_IN),
	  0, 0, 0, DEVDRV_E_NO_DRIVER },
	/* wTotalLength 0, less than the header: libusb refuses the device. */
	{ "hostile_total_length_below_header", "1-7",
	  HOSTILE("1-7", "008", "", DEVICE_DESC("1400", "01") CONFIG_DESC("0000", "01")
	          INTERFACE_DESC("02") EP_BULK_OUT EP_BULK_IN),
	  SKIPPED, 0, 0, DEVDRV_E_NOT_FOUND },
	/* A descriptor with bLength 0 (a naive walker never advances) and one
	 * with bLength 1: libusb fails the configuration. */
	{ "hostile_blength_zero", "1-8",
	  HOSTILE("1-8", "009", "", DEVICE_DESC("1500", "01") CONFIG_DESC("2200", "01")
	          INTERFACE_DESC("02") "0024" EP_BULK_OUT EP_BULK_IN),
	  0, 0, 0, DEVDRV_E_NO_DRIVER },
	{ "hostile_blength_one", "1-9",
	  HOSTILE("1-9", "010", "", DEVICE_DESC("1600", "01") CONFIG_DESC("2200", "01")
	          INTERFACE_DESC("02") "0124" EP_BULK_OUT EP_BULK_IN),
	  0, 0, 0, DEVDRV_E_NO_DRIVER },
	/* bNumInterfaces 3, one present: libusb lowers the count to 1. */
	{ "hostile_interfaces_missing", "1-10",
	  HOSTILE("1-10", "011", "", DEVICE_DESC("1700", "01") CONFIG_DESC("2000", "03")
	          INTERFACE_DESC("02") EP_BULK_OUT EP_BULK_IN),
	  1, 1, 2, 0 },
	/* bNumEndpoints 5, one present: libusb fails the configuration. */
	{ "hostile_endpoints_missing", "1-11",
	  HOSTILE("1-11", "012", "", DEVICE_DESC("1800", "01") CONFIG_DESC("1900", "01")
	          INTERFACE_DESC("05") EP_BULK_IN),
	  0, 0, 0, DEVDRV_E_NO_DRIVER },
	/* The configuration's bDescriptorType is a string's: libusb refuses the device. */
	{ "hostile_config_type_wrong", "1-12",
	  HOSTILE("1-12", "013", "", DEVICE_DESC("1900", "01") "090320000101008032"
	          INTERFACE_DESC("02") EP_BULK_OUT EP_BULK_IN),
	  SKIPPED, 0, 0, DEVDRV_E_NOT_FOUND },
	/* bNumConfigurations 0 (as an unauthorized device shows) with a
	 * configuration after it anyway: libusb trusts the count and lists none. */
	{ "hostile_no_configurations", "1-13",
	  HOSTILE("1-13", "014", "", DEVICE_DESC("1a00", "00") LOOPBACK_CONFIG),
	  0, 0, 0, DEVDRV_E_NO_DRIVER },
	/* Well-formed descriptors, escape sequences in every string. */
	{ "hostile_escape_strings", "1-14",
	  HOSTILE("1-14", "015", EVIL_STRINGS, DEVICE_DESC("1b00", "01") LOOPBACK_CONFIG),
	  1, 1, 2, 0 },
};
#define N_HOSTILE (sizeof(hostile_cases) / sizeof(hostile_cases[0]))
#define N_WELL_FORMED 3 /* root hub, hub, loopback */

struct hostile_bed {
	UMockdevTestbed *bed;
	struct emu_device *devs[N_WELL_FORMED + N_HOSTILE];
	size_t n_devs;
	const struct hostile_case *only; /* NULL: every hostile device at once */
	struct devdrv_context *ctx;
};

/* The emulator needs the bus and device numbers the record's N: line names. */
static void add_record(struct hostile_bed *b, const char *record)
{
	const char *n = strstr(record, "\nN: bus/usb/");
	int bus = 0, dev = 0;

	assert_non_null(n);
	assert_int_equal(sscanf(n + 1, "N: bus/usb/%d/%d", &bus, &dev), 2);
	b->devs[b->n_devs++] = emu_device_new(b->bed, record, bus, dev);
}

/* Initial state: the hostile case to plug, or NULL for all of them. */
static int setup_hostile(void **state)
{
	struct hostile_bed *b = g_new0(struct hostile_bed, 1);
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_USB };

	b->only = *state;
	b->bed = umockdev_testbed_new();
	add_record(b, root_hub);
	add_record(b, hub);
	add_record(b, loopback);
	for (size_t i = 0; i < N_HOSTILE; i++)
		if (!b->only || b->only == &hostile_cases[i])
			add_record(b, hostile_cases[i].record);
	assert_int_equal(devdrv_context_new(&o, &b->ctx), 0);
	*state = b;
	return 0;
}

static int teardown_hostile(void **state)
{
	struct hostile_bed *b = *state;

	devdrv_context_free(b->ctx);
	for (size_t i = 0; i < b->n_devs; i++)
		emu_device_free(b->devs[i]);
	g_object_unref(b->bed);
	g_free(b);
	return 0;
}

static size_t expected_count(const struct hostile_bed *b)
{
	size_t n = N_WELL_FORMED;

	for (size_t i = 0; i < N_HOSTILE; i++)
		if ((!b->only || b->only == &hostile_cases[i]) && hostile_cases[i].configs != SKIPPED)
			n++;
	return n;
}

struct cli_run {
	int rc;
	char *out, *err;
	size_t out_len, err_len;
};

/* cli_main in-process, as `devdrv ARGS...` with NULL-terminated @argv. */
static void run_cli(struct cli_run *r, char **argv)
{
	FILE *fo = open_memstream(&r->out, &r->out_len), *fe = open_memstream(&r->err, &r->err_len);
	int argc = 0;

	while (argv[argc])
		argc++;
	r->rc = cli_main(argc, argv, stdin, fo, fe);
	fclose(fo);
	fclose(fe);
}

static void free_cli_run(struct cli_run *r)
{
	free(r->out);
	free(r->err);
}

/* Output quoted in a failure message, escaped so that a failing run cannot
 * drive the terminal of whoever reads the log either (leaks on failure only). */
static const char *quoted(const char *out)
{
	return g_strescape(out, "\n");
}

/* Nothing a terminal would act on: valid UTF-8 (a stray 0x9b is CSI to a
 * terminal in an 8-bit locale) without C0 controls but '\n', DEL or C1
 * controls (U+0080..U+009F). */
static void assert_terminal_safe(const struct cli_run *r, const char *what)
{
	const char *end;

	if (!g_utf8_validate(r->out, (gssize)r->out_len, &end))
		fail_msg("%s: not UTF-8 at offset %td of its output:\n%s", what, end - r->out,
		         quoted(r->out));
	for (const char *p = r->out; p < r->out + r->out_len; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if ((c < 0x20 && c != '\n') || (c >= 0x7f && c < 0xa0))
			fail_msg("%s: U+%04X at offset %td of its output:\n%s", what, c, p - r->out,
			         quoted(r->out));
	}
}

/* The devices of a `devdrv list --json` document (schema 1). */
static JsonArray *parse_json_devices(JsonParser *parser, const struct cli_run *r)
{
	GError *error = NULL;
	JsonObject *doc;

	if (!json_parser_load_from_data(parser, r->out, (gssize)r->out_len, &error))
		fail_msg("invalid JSON: %s\n%s", error->message, quoted(r->out));
	assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
	doc = json_node_get_object(json_parser_get_root(parser));
	assert_int_equal(json_object_get_int_member(doc, "schema_version"), 1);
	return json_object_get_array_member(doc, "devices");
}

/* `devdrv list`, `list -v` and `list --json` succeed and show every device
 * libusb kept. */
static void check_listing(const struct hostile_bed *b)
{
	char *plain[] = { "devdrv", "list", NULL }, *verbose[] = { "devdrv", "list", "-v", NULL };
	char *json[] = { "devdrv", "list", "--json", NULL };
	char **argvs[] = { plain, verbose };
	JsonParser *parser = json_parser_new();
	struct cli_run r = { 0 };

	for (size_t i = 0; i < 2; i++) {
		run_cli(&r, argvs[i]);
		if (r.rc != 0)
			fail_msg("devdrv list%s exited %d: %s", i ? " -v" : "", r.rc, quoted(r.err));
		assert_terminal_safe(&r, i ? "devdrv list -v" : "devdrv list");
		free_cli_run(&r);
	}
	run_cli(&r, json);
	assert_int_equal(r.rc, 0);
	assert_int_equal(json_array_get_length(parse_json_devices(parser, &r)), expected_count(b));
	free_cli_run(&r);
	g_object_unref(parser);
}

static const struct devdrv_device_info *find_port(const struct devdrv_device_info **l, const char *port)
{
	for (size_t i = 0; l[i]; i++)
		if (!strcmp(l[i]->port_path, port))
			return l[i];
	return NULL;
}

/* The record libusb left us matches what libusb 1.0.26 does with the input. */
static void check_record(const struct hostile_bed *b, const struct hostile_case *c)
{
	const struct devdrv_device_info **l;
	const struct devdrv_device_info *d;
	const struct devdrv_config_info *cfg;

	assert_int_equal(devdrv_get_device_list(b->ctx, &l), expected_count(b));
	assert_non_null(find_port(l, "1-1.2")); /* the well-formed loopback */
	d = find_port(l, c->port);
	if (c->configs == SKIPPED) {
		if (d)
			fail_msg("%s: expected libusb to drop it, but it is listed", c->name);
	} else if (!d) {
		fail_msg("%s: not listed", c->name);
	} else {
		assert_int_equal(d->num_configs, c->configs);
		cfg = devdrv_active_config(d);
		assert_int_equal(cfg ? cfg->num_interfaces : 0, c->interfaces);
		assert_int_equal(cfg && cfg->num_interfaces ? cfg->interfaces[0].num_endpoints : 0,
		                 c->endpoints);
	}
	devdrv_free_device_list(l);
}

/* `devdrv info PORT`: a description (0), or "not found" for a device libusb
 * dropped (1); never a crash, never a control character. */
static void check_info(const struct hostile_case *c)
{
	char *argv[] = { "devdrv", "info", (char *)c->port, NULL };
	struct cli_run r = { 0 };

	run_cli(&r, argv);
	if (r.rc != (c->configs == SKIPPED ? 1 : 0))
		fail_msg("%s: devdrv info %s exited %d: %s", c->name, c->port, r.rc, quoted(r.err));
	assert_terminal_safe(&r, "devdrv info");
	free_cli_run(&r);
}

static void check_open(const struct hostile_bed *b, const struct hostile_case *c)
{
	struct devdrv_handle *h = NULL;
	int rc = devdrv_open(b->ctx, c->port, &h);

	if (rc != c->open_rc)
		fail_msg("%s: devdrv_open answered %d (%s), not %d", c->name, rc,
		         quoted(devdrv_context_errmsg(b->ctx)), c->open_rc);
	if (rc < 0) {
		assert_null(h);
		assert_true(devdrv_context_errmsg(b->ctx)[0] != 0);
	}
	devdrv_close(h);
}

static void check_hostile(const struct hostile_bed *b, const struct hostile_case *c)
{
	check_record(b, c);
	check_info(c);
	check_open(b, c);
}

/* One hostile device beside the well-formed ones. */
static void test_hostile_device(void **state)
{
	struct hostile_bed *b = *state;

	check_listing(b);
	check_hostile(b, b->only);
}

/* Every hostile device at once; the loopback still works among them. */
static void test_hostile_all_at_once(void **state)
{
	struct hostile_bed *b = *state;
	struct devdrv_handle *h = NULL;
	char buf[8];

	check_listing(b);
	for (size_t i = 0; i < N_HOSTILE; i++)
		check_hostile(b, &hostile_cases[i]);
	assert_int_equal(devdrv_open(b->ctx, "1-1.2", &h), 0);
	assert_int_equal(devdrv_write(h, "ping", 4, 1000), 4);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 4);
	assert_memory_equal(buf, "ping", 4);
	devdrv_close(h);
}

static void assert_shows(const struct cli_run *r, const char *what, const char *text)
{
	if (!strstr(r->out, text))
		fail_msg("%s does not show %s:\n%s", what, text, quoted(r->out));
}

/* The table, the verbose table and the descriptor tree show the strings
 * escaped, so a device cannot drive the terminal of whoever lists it. */
static void test_hostile_strings_escaped(void **state)
{
	struct hostile_bed *b = *state;
	char *list[] = { "devdrv", "list", NULL }, *verbose[] = { "devdrv", "list", "-v", NULL };
	char *info[] = { "devdrv", "info", (char *)b->only->port, NULL };
	char **argvs[] = { list, verbose, info };
	const char *names[] = { "devdrv list", "devdrv list -v", "devdrv info" };

	for (size_t i = 0; i < 3; i++) {
		struct cli_run r = { 0 };

		run_cli(&r, argvs[i]);
		assert_int_equal(r.rc, 0);
		assert_terminal_safe(&r, names[i]);
		assert_shows(&r, names[i], SHOWN_MANUFACTURER);
		assert_shows(&r, names[i], SHOWN_PRODUCT);
		assert_shows(&r, names[i], SHOWN_SERIAL);
		free_cli_run(&r);
	}
}

static JsonObject *json_device_at(JsonArray *arr, const char *port)
{
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonObject *o = json_array_get_object_element(arr, i);

		if (!g_strcmp0(member_string(o, "port_path"), port))
			return o;
	}
	fail_msg("no device at %s in the JSON", port);
	return NULL;
}

/* JSON is for programs: the strings stay valid JSON and come back byte for
 * byte, as the API returns them. */
static void test_hostile_strings_json(void **state)
{
	struct hostile_bed *b = *state;
	char *argv[] = { "devdrv", "list", "--json", NULL };
	const struct devdrv_device_info **l;
	const struct devdrv_device_info *d;
	JsonParser *parser = json_parser_new();
	struct cli_run r = { 0 };
	JsonObject *o;

	assert_true(devdrv_get_device_list(b->ctx, &l) > 0);
	d = find_port(l, b->only->port);
	assert_non_null(d);
	/* the record format decoded the escapes as expected */
	assert_string_equal(d->manufacturer, EVIL_MANUFACTURER);
	assert_string_equal(d->product, EVIL_PRODUCT);
	assert_string_equal(d->serial, EVIL_SERIAL);
	devdrv_free_device_list(l);
	run_cli(&r, argv);
	assert_int_equal(r.rc, 0);
	o = json_device_at(parse_json_devices(parser, &r), b->only->port);
	assert_string_equal(member_string(o, "manufacturer"), EVIL_MANUFACTURER);
	assert_string_equal(member_string(o, "product"), EVIL_PRODUCT);
	assert_string_equal(member_string(o, "serial"), EVIL_SERIAL);
	free_cli_run(&r);
	g_object_unref(parser);
}

static const struct hostile_case *hostile_case_named(const char *name)
{
	for (size_t i = 0; i < N_HOSTILE; i++)
		if (!strcmp(hostile_cases[i].name, name))
			return &hostile_cases[i];
	return NULL;
}

/* One test per hostile case (named after it), then the combined ones. */
static int run_hostile_tests(void)
{
	struct CMUnitTest tests[N_HOSTILE + 3];
	void *strings = (void *)hostile_case_named("hostile_escape_strings");
	size_t n = 0;

	if (!strings) {
		fprintf(stderr, "test-umockdev: no hostile_escape_strings case\n");
		return 1;
	}
	for (size_t i = 0; i < N_HOSTILE; i++)
		tests[n++] = (struct CMUnitTest){ hostile_cases[i].name, test_hostile_device, setup_hostile,
			                          teardown_hostile, (void *)&hostile_cases[i] };
	tests[n++] = (struct CMUnitTest){ "hostile_all_at_once", test_hostile_all_at_once,
		                          setup_hostile, teardown_hostile, NULL };
	tests[n++] = (struct CMUnitTest){ "hostile_strings_escaped", test_hostile_strings_escaped,
		                          setup_hostile, teardown_hostile, strings };
	tests[n++] = (struct CMUnitTest){ "hostile_strings_json", test_hostile_strings_json,
		                          setup_hostile, teardown_hostile, strings };
	return cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
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

/* ---- alternate settings -----------------------------------------------------
 * A data interface idle in setting 0 with its bulk pair in setting 1, as CDC
 * data interfaces have it. sysfs names only the current setting's iInterface
 * ("interface"), so only that setting gets the name. */
static const char alt_device[] =
    PCI "/usb1/1-3\nN: bus/usb/001/006\n" USB_DEVICE("001", "006")
    "A: speed=480\\n\nA: product=Alt loopback\\n\n"
    "H: descriptors=12010002ff000040" "0912030000010102" "0001"
    "0902290001010080320904000000ff000000" "0904000102ff000000"
    "0705010200020007058102000200\n";
static const char alt_interface[] =
    PCI "/usb1/1-3/1-3:1.0\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\n"
    "A: interface=streaming\\n\nA: bInterfaceNumber=00\\n\nA: bAlternateSetting= 1\\n\n";

struct alt_bed {
	UMockdevTestbed *bed;
	struct emu_device *devs[2];
	struct devdrv_context *ctx;
};

static int setup_alt(void **state)
{
	struct alt_bed *b = g_new0(struct alt_bed, 1);
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_USB };
	GError *error = NULL;

	b->bed = umockdev_testbed_new();
	b->devs[0] = emu_device_new(b->bed, root_hub, 1, 1);
	b->devs[1] = emu_device_new(b->bed, alt_device, 1, 6);
	if (!umockdev_testbed_add_from_string(b->bed, alt_interface, &error))
		g_error("interface: %s", error->message);
	assert_int_equal(devdrv_context_new(&o, &b->ctx), 0);
	*state = b;
	return 0;
}

static int teardown_alt(void **state)
{
	struct alt_bed *b = *state;

	devdrv_context_free(b->ctx);
	for (int i = 0; i < 2; i++)
		emu_device_free(b->devs[i]);
	g_object_unref(b->bed);
	g_free(b);
	return 0;
}

static void test_alt_setting_names_and_io(void **state)
{
	struct alt_bed *b = *state;
	const struct devdrv_device_info **l;
	const struct devdrv_config_info *cfg;
	struct devdrv_handle *h;
	char buf[16] = { 0 };

	assert_int_equal(devdrv_get_device_list(b->ctx, &l), 2);
	/* the root hub's port path, as listed, is a selector */
	assert_int_equal(devdrv_select(b->ctx, "1", l), 0);
	cfg = devdrv_active_config(l[1]);
	assert_int_equal(cfg->num_interfaces, 2);
	assert_null(devdrv_find_interface_alt(cfg, 0, 0)->name);
	assert_string_equal(devdrv_find_interface_alt(cfg, 0, 1)->name, "streaming");
	assert_string_equal(l[1]->driver, "generic");
	devdrv_free_device_list(l);
	/* without alt= the idle setting has no pipes, and the error says what to add */
	assert_int_equal(devdrv_open(b->ctx, "1-3", &h), DEVDRV_E_NOT_FOUND);
	assert_non_null(strstr(devdrv_context_errmsg(b->ctx), "alt=1"));
	/* with it, real libusb selects the setting and the pipes work */
	assert_int_equal(devdrv_open(b->ctx, "1-3,alt=1", &h), 0);
	assert_int_equal(devdrv_handle_alt_setting(h, 0), 1);
	assert_int_equal(devdrv_write(h, "alt one", 7, 1000), 7);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 7);
	assert_string_equal(buf, "alt one");
	devdrv_close(h);
	assert_int_equal(devdrv_open(b->ctx, "1-3,alt=2", &h), DEVDRV_E_NOT_FOUND);
}

/* A second FTDI chip, plugged after the context started. */
static const char ftdi2[] =
    PCI "/usb1/1-1/1-1.3\nN: bus/usb/001/006\n" USB_DEVICE("001", "006")
    "A: speed=12\\n\nA: manufacturer=FTDI\\n\nA: product=FT232R USB UART\\n\nA: serial=HOTPLUG1\\n\n"
    "H: descriptors=1201000200000008" "0304016000060102" "0301"
    "09022000010100a02d090400" "0002ffffff02" "0705810240000007050202400000\n";

struct hotplug_log {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned arrived, left, opened;
	char port[32], driver[32], serial[32];
};

static void log_event(struct devdrv_context *ctx, enum devdrv_hotplug_event ev, const struct devdrv_device_info *info,
                      void *user)
{
	struct hotplug_log *l = user;
	struct devdrv_handle *h;
	int opened = 0;

	/* the device is usable from its arrival: open it from here */
	if (ev == DEVDRV_HOTPLUG_ARRIVED && devdrv_open(ctx, "serial=HOTPLUG1", &h) == 0) {
		opened = !strcmp(devdrv_handle_driver(h), "ftdi");
		devdrv_close(h);
	}
	pthread_mutex_lock(&l->lock);
	l->opened += opened;
	*(ev == DEVDRV_HOTPLUG_ARRIVED ? &l->arrived : &l->left) += 1;
	snprintf(l->port, sizeof(l->port), "%s", info->port_path);
	snprintf(l->driver, sizeof(l->driver), "%s", info->driver ? info->driver : "");
	snprintf(l->serial, sizeof(l->serial), "%s", info->serial ? info->serial : "");
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

static int wait_count(struct hotplug_log *l, unsigned *count, unsigned want)
{
	struct timespec until;
	int ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&l->lock);
	while (*count < want && pthread_cond_timedwait(&l->cond, &l->lock, &until) == 0)
		;
	ok = *count >= want;
	pthread_mutex_unlock(&l->lock);
	return ok;
}

/* libusb's hotplug (its udev monitor, fed by umockdev's uevents) reaches a
 * callback on the library's event thread, filtered by selector: the second
 * FTDI arrives bound to ftdi and opens from its callback; a loopback-class
 * device plugged meanwhile is not reported; the FTDI's removal is. */
static void test_hotplug_through_libusb(void **state)
{
	struct bed *b = *state;
	struct hotplug_log l = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct emu_device *d;
	int id;

	assert_int_equal(devdrv_hotplug_register(b->ctx, "0403:6001", 0, log_event, &l, &id), 0);
	d = emu_device_new(b->bed, ftdi2, 1, 6);
	assert_true(wait_count(&l, &l.arrived, 1));
	assert_string_equal(l.port, "1-1.3");
	assert_string_equal(l.driver, "ftdi");
	assert_string_equal(l.serial, "HOTPLUG1");
	assert_int_equal(l.opened, 1);
	/* the kernel's remove uevent comes first; then the node is gone */
	umockdev_testbed_uevent(b->bed, "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.3", "remove");
	emu_device_unplug(d, -ENODEV);
	assert_true(wait_count(&l, &l.left, 1));
	assert_string_equal(l.port, "1-1.3");
	assert_int_equal(l.arrived, 1); /* the hub, loopback and button were never reported */
	assert_int_equal(devdrv_hotplug_deregister(b->ctx, id), 0);
	emu_device_free(d);
}

/* The loopback plugged back into the same port: a new address, as the
 * kernel gives. */
static const char loopback_again[] =
    PCI "/usb1/1-1/1-1.2\nN: bus/usb/001/007\n" USB_DEVICE("001", "007")
    "A: speed=480\\n\nA: manufacturer=libdevdrv\\n\nA: product=Loopback\\n\nA: serial=LOOP-UMD-1\\n\n"
    "H: descriptors=12010002ff000040" "0912010000010102" "0301"
    "09022000010100803209040000" "02ff000000" "0705010200020007058102000200\n";

/* A handle opened with DEVDRV_OPEN_RECONNECT by port path: DISCONNECTED
 * while the loopback is unplugged, the same handle echoes again once the
 * device is plugged back (libusb's hotplug through umockdev's uevents). */
static void test_reopen_after_replug(void **state)
{
	struct bed *b = *state;
	struct devdrv_open_options o = { .size = sizeof(o), .flags = DEVDRV_OPEN_RECONNECT };
	struct devdrv_handle *h;
	struct emu_device *again;
	char buf[16] = { 0 };
	ssize_t n = 0;

	assert_int_equal(devdrv_open_with(b->ctx, "1-1.2", &o, &h), 0);
	assert_int_equal(devdrv_write(h, "one", 3, 1000), 3);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 3);
	umockdev_testbed_uevent(b->bed, "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2", "remove");
	emu_device_unplug(b->devs[2], -ENODEV);
	assert_int_equal(devdrv_write(h, "two", 3, 1000), DEVDRV_E_DISCONNECTED);
	again = emu_device_new(b->bed, loopback_again, 1, 7);
	for (int i = 0; i < 500; i++) {
		if ((n = devdrv_write(h, "three", 5, 1000)) != DEVDRV_E_DISCONNECTED)
			break;
		usleep(10000);
	}
	assert_int_equal(n, 5);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 5);
	assert_memory_equal(buf, "three", 5);
	devdrv_close(h);
	emu_device_free(again);
}

/* Plug and unplug the second FTDI again and again through udev's events:
 * every arrival and removal is told. Leaks are the ASan build's to find
 * (its leak checker runs this test); the heap itself is not compared here:
 * umockdev's and GLib's own allocations vary from run to run by more than
 * ours could (the virtual bus's 1,000 cycles compare it). */
static void test_hotplug_cycles_flat_memory(void **state)
{
	struct bed *b = *state;
	struct hotplug_log l = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	unsigned cycles = getenv("UMOCKDEV_CYCLES") ? (unsigned)atoi(getenv("UMOCKDEV_CYCLES")) : 1000;
	int id;

	assert_int_equal(devdrv_hotplug_register(b->ctx, "serial=HOTPLUG1", 0, log_event, &l, &id), 0);
	for (unsigned i = 1; i <= cycles; i++) {
		struct emu_device *d = emu_device_new(b->bed, ftdi2, 1, 6);

		if (!wait_count(&l, &l.arrived, i))
			fail_msg("cycle %u: no arrival", i);
		umockdev_testbed_uevent(b->bed, "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.3", "remove");
		emu_device_unplug(d, -ENODEV);
		if (!wait_count(&l, &l.left, i))
			fail_msg("cycle %u: no removal", i);
		emu_device_free(d);

	}
	assert_int_equal(l.arrived, cycles);
	assert_int_equal(l.left, cycles);
	assert_int_equal(devdrv_hotplug_deregister(b->ctx, id), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transport_cases),
		cmocka_unit_test_setup_teardown(test_enumeration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_list_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_selector_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unplug_seen_as_protocol_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protocol_error_on_present_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hotplug_through_libusb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_after_replug, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hotplug_cycles_flat_memory, setup, teardown),
	};
	const struct CMUnitTest alt_tests[] = {
		cmocka_unit_test_setup_teardown(test_alt_setting_names_and_io, setup_alt, teardown_alt),
	};

	if (!preload_active()) {
		fprintf(stderr, "test-umockdev: not in a umockdev environment; run it with "
		                "LD_PRELOAD=libumockdev-preload.so.0 (meson test does)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL) + run_hostile_tests() +
	       cmocka_run_group_tests_name("alt", alt_tests, NULL, NULL);
}
