/* fuzz-selector.c — the selector grammar (API, CLI, udev units) on text a
 * user typed: parse, then match the fields against fixed devices. */
#include "fuzz.h"
#include "internal.h"

#include <string.h>

static const struct devdrv_interface_info interfaces[] = {
	{ .number = 0 }, { .number = 1 }, { .number = 1, .alt_setting = 1 },
};
static const struct devdrv_config_info config = {
	.value = 1, .num_interfaces = 3, .interfaces = interfaces,
};
/* one device with every field set, one without serial or configuration */
static const struct devdrv_device_info devices[] = {
	{ .transport = "usb", .bus = 3, .address = 7, .port_path = "1-1.2", .vid = 0x0403,
	  .pid = 0x6001, .serial = "A50285BI", .active_config = 1, .num_configs = 1,
	  .configs = &config, .driver_interface = -1 },
	{ .transport = "virtual", .bus = 1, .address = 1, .port_path = "1-1", .vid = 0x1209,
	  .pid = 0x0001, .driver_interface = -1 },
};

/* A string field of the selector always ends inside its array. */
#define TERMINATED(field) (memchr((field), 0, sizeof(field)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strdup(data, size);
	struct dd_selector sel, again;
	char err[256], small[16];
	int rc;

	if (!text)
		return 0;
	rc = dd_selector_parse(text, &sel, err, sizeof(err));
	CHECK(rc == 0 || rc == DEVDRV_E_INVALID);
	CHECK(TERMINATED(err) && (rc == 0) == (err[0] == 0));
	/* the verdict does not depend on the room left for the message */
	CHECK(dd_selector_parse(text, &again, small, sizeof(small)) == rc && TERMINATED(small));
	if (rc == 0) {
		CHECK(TERMINATED(sel.port) && TERMINATED(sel.serial) && TERMINATED(sel.driver) &&
		      TERMINATED(sel.transport));
		CHECK(sel.bus <= 255 && sel.addr <= 127 && sel.iface <= 255 && sel.alt <= 255 && sel.index <= 999999);
		CHECK(sel.ep_in < 0 || (sel.ep_in & 0x80));
		CHECK(sel.ep_out < 0 || !(sel.ep_out & 0x80));
		for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
			int m = dd_selector_match_fields(&sel, &devices[i]);

			CHECK(m == 0 || m == 1);
		}
	}
	free(text);
	return 0;
}
