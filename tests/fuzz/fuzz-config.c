/* fuzz-config.c — the configuration descriptor parser and everything that
 * reads what it produced: lookups, descriptor walks, and every driver's
 * probe through the binder (CDC-ACM walks union functional descriptors).
 *
 * Input, in either of two layouts so that raw descriptors from anywhere make
 * good seeds:
 *   - a device descriptor (18, 1, ...) followed by a configuration, as in
 *     sysfs "descriptors": the device is the one it describes;
 *   - a configuration descriptor alone: it is tried as each of a few preset
 *     devices, so the probes of drivers matched by vendor/product run too. */
#include "fuzz.h"
#include "internal.h"

#include <string.h>

#define USB_DT_DEVICE 0x01
#define USB_DT_INTERFACE 0x04
#define USB_DT_ENDPOINT 0x05
#define USB_DT_CS_INTERFACE 0x24

struct preset {
	uint16_t vid, pid, bcd_device;
	uint8_t cls;
};

static const struct preset presets[] = {
	{ 0x0403, 0x6001, 0x0600, 0x00 }, /* FTDI FT232R */
	{ 0x10c4, 0xea60, 0x0100, 0x00 }, /* CP2102 */
	{ 0x1a86, 0x7523, 0x0264, 0xff }, /* CH340 */
	{ 0x067b, 0x2303, 0x0300, 0x00 }, /* PL2303 */
	{ 0x1209, 0x0004, 0x0100, 0x02 }, /* CDC device: ACM by interface class */
	{ 0x1d6b, 0x0002, 0x0601, 0x09 }, /* hub: the generic driver must refuse */
};

/* Every descriptor devdrv_desc_next hands out lies inside the buffer. */
static void walk(const uint8_t *buf, size_t len, uint8_t type)
{
	size_t off = 0;
	const uint8_t *d;

	while ((d = devdrv_desc_next(buf, len, &off, type))) {
		CHECK(d >= buf && d[0] >= 2 && (size_t)(d - buf) + d[0] == off && off <= len);
		CHECK(!type || d[1] == type);
	}
}

/* The parsed interfaces and endpoints are those of the raw bytes, walked
 * independently here from the end of the configuration header (bLength, as
 * the USB specification, Linux and libusb have it), in order. */
static void check_against_raw(const struct devdrv_config_info *cfg)
{
	const struct devdrv_interface_info *cur = NULL;
	size_t off = cfg->raw[0], ni = 0, ne = 0;
	const uint8_t *d;

	while ((d = devdrv_desc_next(cfg->raw, cfg->raw_len, &off, 0))) {
		if (d[1] == USB_DT_INTERFACE) {
			CHECK(!cur || ne == cur->num_endpoints);
			CHECK(ni < cfg->num_interfaces);
			cur = &cfg->interfaces[ni++];
			CHECK(cur->number == d[2] && cur->alt_setting == d[3] && cur->cls == d[5]);
			CHECK(cur->extra == d + d[0]);
			ne = 0;
		} else if (d[1] == USB_DT_ENDPOINT && cur) {
			CHECK(ne < cur->num_endpoints);
			CHECK(cur->endpoints[ne].address == d[2] && cur->endpoints[ne].attributes == d[3]);
			ne++;
		}
	}
	CHECK(ni == cfg->num_interfaces && (!cur || ne == cur->num_endpoints));
}

static void check_config(const struct devdrv_config_info *cfg)
{
	CHECK(cfg->raw && cfg->raw_len >= 9);
	walk(cfg->raw, cfg->raw_len, 0);
	for (unsigned i = 0; i < cfg->num_interfaces; i++) {
		const struct devdrv_interface_info *in = &cfg->interfaces[i];
		const struct devdrv_interface_info *found = devdrv_find_interface(cfg, in->number);

		CHECK(in->extra >= cfg->raw && in->extra_len <= (size_t)(cfg->raw + cfg->raw_len - in->extra));
		walk(in->extra, in->extra_len, 0);
		walk(in->extra, in->extra_len, USB_DT_CS_INTERFACE);
		CHECK(found ? found->number == in->number && found->alt_setting == 0 : in->alt_setting != 0);
		found = devdrv_find_interface_alt(cfg, in->number, in->alt_setting);
		CHECK(found && found->number == in->number && found->alt_setting == in->alt_setting);
		for (int dir = 0; dir < 2; dir++) {
			for (unsigned mask = 1; mask < 16; mask++) {
				const struct devdrv_endpoint_info *ep = devdrv_find_endpoint(in, dir, mask);

				CHECK(!ep || (ep >= in->endpoints && ep < in->endpoints + in->num_endpoints &&
				              !!(ep->address & 0x80) == dir && (mask >> (ep->attributes & 3) & 1)));
			}
		}
	}
	check_against_raw(cfg);
}

static void bind_all(const struct devdrv_device_info *info)
{
	struct dd_binding b;
	char why[256], small[24]; /* small: the reason cut short must still end */

	for (int iface = -1; iface <= 3; iface++) {
		/* forcing "generic" runs its probe even where a serial driver wins */
		for (int forced = 0; forced < 2; forced++) {
			int rc = dd_bind(info, forced ? "generic" : NULL, iface, &b);

			CHECK(rc == 0 ? b.driver != NULL : rc == DEVDRV_E_NO_DRIVER && !b.driver);
		}
	}
	CHECK(devdrv_binding_reason(info, why, sizeof(why)) == 0 && memchr(why, 0, sizeof(why)));
	CHECK(devdrv_binding_reason(info, small, sizeof(small)) == 0 && memchr(small, 0, sizeof(small)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct devdrv_config_info cfg;
	struct devdrv_device_info info = {
		.transport = "usb", .bus = 1, .address = 2, .port_path = "1-1",
		.num_configs = 1, .configs = &cfg, .driver_interface = -1,
	};
	int with_device = size >= 18 && data[0] == 18 && data[1] == USB_DT_DEVICE;

	if (with_device) {
		info.bcd_usb = (uint16_t)(data[2] | data[3] << 8);
		info.cls = data[4], info.subclass = data[5], info.protocol = data[6];
		info.max_packet0 = data[7];
		info.vid = (uint16_t)(data[8] | data[9] << 8);
		info.pid = (uint16_t)(data[10] | data[11] << 8);
		info.bcd_device = (uint16_t)(data[12] | data[13] << 8);
		data += 18, size -= 18;
	}
	if (dd_parse_config(data, size, &cfg) < 0)
		return 0;
	check_config(&cfg);
	info.active_config = cfg.value;
	if (with_device) {
		bind_all(&info);
	} else {
		for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
			info.vid = presets[i].vid, info.pid = presets[i].pid;
			info.bcd_device = presets[i].bcd_device, info.cls = presets[i].cls;
			bind_all(&info);
		}
	}
	dd_config_clear(&cfg);
	return 0;
}
