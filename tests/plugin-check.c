/* plugin-check.c — built by install-check.sh against the installed library,
 * with the toaster plugins (built out of tree) in $DEVDRV_DRIVER_PATH beside
 * two broken ones. Checks that a plugin is loaded only while a device it
 * drives is open, that broken plugins are skipped with a reason, and that
 * the toaster answers through the device-agnostic API. Exit 0 on success. */
#define _GNU_SOURCE
#include "toaster.h"

#include <devdrv/devdrv.h>
#include <devdrv/hid.h>
#include <devdrv/plugin.h>
#include <devdrv/virtual.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

static char logged[8192];

static void on_log(enum devdrv_log_level level, const char *msg, void *user)
{
	(void)level, (void)user;
	strncat(logged, msg, sizeof(logged) - strlen(logged) - 2);
	strcat(logged, "\n");
}

static int find_object(struct dl_phdr_info *info, size_t size, void *name)
{
	const char *slash = strrchr(info->dlpi_name, '/');

	(void)size;
	return slash && !strcmp(slash + 1, name);
}

static int mapped(const char *name)
{
	return dl_iterate_phdr(find_object, (void *)name);
}

#define CHECK(cond, what)                                                          \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "plugin-check: FAILED: %s\n", what);       \
			return 1;                                                  \
		}                                                                  \
		printf("ok: %s\n", what);                                         \
	} while (0)

static const struct devdrv_driver *driver_named(const char *name)
{
	for (const struct devdrv_driver *const *d = devdrv_drivers(NULL); *d; d++)
		if (!strcmp((*d)->name, name))
			return *d;
	return NULL;
}

/* A filter from a plugin: attached by name, it loads its plugin, sees the
 * program's ioctls go by and answers its own. */
static int check_plugin_filter(void)
{
	struct devdrv_context_options o = DEVDRV_CONTEXT_OPTIONS_INIT;
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	struct toaster_status s;
	unsigned seen = 0;

	o.transports = DEVDRV_TRANSPORT_VIRTUAL;
	o.filters = "toaster-count";
	CHECK(devdrv_context_new(&o, &ctx) == 0, "a context with the plugin's filter toaster-count");
	CHECK(devdrv_virtual_plug(ctx, "toaster", "1-3") == 0 && devdrv_open(ctx, "1-3", &h) == 0,
	      "open a toaster through it");
	CHECK(devdrv_ioctl(h, TOASTER_IOC_GET_STATUS, &s, sizeof(s)) == 0 &&
	          devdrv_ioctl(h, TOASTER_IOC_GET_STATUS, &s, sizeof(s)) == 0,
	      "two ioctls pass the filter to the driver");
	CHECK(devdrv_ioctl(h, TOASTER_IOC_COUNT, &seen, sizeof(seen)) == 0 && seen == 2,
	      "the filter counted them and answered its own ioctl");
	devdrv_close(h);
	CHECK(!mapped("toaster.so"), "the filter's plugin is unloaded once the handle closed");
	devdrv_context_free(ctx);
	return 0;
}

/* The plugin's second driver, toaster-input, picked by the selector: a
 * HID report descriptor of its own, its output report starts the
 * toaster, and its input reports follow the status endpoint: F14 (bit 1)
 * while heating, then F13 (bit 0) pressed and released when done. */
static int check_toaster_input(void)
{
	struct devdrv_context_options o = DEVDRV_CONTEXT_OPTIONS_INIT;
	static const uint8_t start[] = { 0x00, 0x01 }; /* report 0 (unnumbered), bit 0 */
	uint8_t got[4], seen[3];
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	const uint8_t *rd;
	size_t rd_len, n = 0;

	o.transports = DEVDRV_TRANSPORT_VIRTUAL;
	CHECK(devdrv_context_new(&o, &ctx) == 0 && devdrv_virtual_plug(ctx, "toaster", "1-3") == 0, "a virtual toaster");
	CHECK(devdrv_hid_open(ctx, "1-3,driver=toaster-input", &h) == 0, "the HID class opens it with driver=toaster-input");
	CHECK(devdrv_hid_get_report_descriptor(h, &rd, &rd_len) == 0 && rd_len > 8 && rd[0] == 0x05 && rd[1] == 0x01,
	      "toaster-input gives a report descriptor of its own");
	CHECK(devdrv_read(h, got, sizeof(got), 300) == DEVDRV_E_TIMEOUT, "an idle toaster sends no report");
	CHECK(devdrv_write(h, start, sizeof(start), 1000) == 2, "the output report starts it");
	while (n < sizeof(seen)) {
		ssize_t r = devdrv_read(h, got, sizeof(got), 5000);

		CHECK(r == 1, "an input report of 1 byte within 5 s");
		seen[n++] = got[0];
	}
	CHECK(seen[0] == 0x02 && seen[1] == 0x01 && seen[2] == 0x00,
	      "F14 while heating, then F13 pressed and released when done");
	devdrv_close(h);
	devdrv_context_free(ctx);
	return 0;
}

int main(void)
{
	struct devdrv_context_options o = DEVDRV_CONTEXT_OPTIONS_INIT;
	const struct devdrv_driver *drv;
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	struct toaster_status s;
	const char *path;
	int loaded;

	o.transports = DEVDRV_TRANSPORT_VIRTUAL;
	o.log_fn = on_log;
	o.log_level = DEVDRV_LOG_DEBUG;
	CHECK(devdrv_context_new(&o, &ctx) == 0, "context");
	CHECK(strstr(logged, "bad-nodecl.so skipped: no DEVDRV_PLUGIN declaration"), "a plugin without a declaration is skipped, with the reason");
	CHECK(strstr(logged, "bad-version.so skipped: plugin API version differs"), "a plugin of another API version is skipped, with the reason");
	CHECK((drv = driver_named("toaster")) != NULL, "the toaster driver is listed");
	CHECK(devdrv_driver_origin(drv, &path, &loaded) == 0 && path && strstr(path, "/toaster.so") && !loaded,
	      "it comes from toaster.so, not loaded");
	CHECK(!mapped("toaster.so"), "listing drivers loaded no plugin");
	CHECK(devdrv_virtual_plug(ctx, "toaster", "1-3") == 0, "plug the virtual toaster (toaster-model.so)");
	CHECK(mapped("toaster-model.so") && !mapped("toaster.so"), "the model's plugin is loaded, the driver's is not");
	CHECK(devdrv_open(ctx, "1-3", &h) == 0, "open the toaster");
	CHECK(!strcmp(devdrv_handle_driver(h), "toaster"), "bound to the plugin's driver");
	CHECK(mapped("toaster.so"), "the driver's plugin is loaded once a toaster is open");
	CHECK(devdrv_driver_origin(drv, &path, &loaded) == 0 && loaded, "and says so");
	CHECK(devdrv_ioctl(h, TOASTER_IOC_GET_STATUS, &s, sizeof(s)) == 0 && s.state == TOASTER_IDLE &&
	          s.darkness == 5 && s.temperature_c == 20,
	      "GET_STATUS: idle, darkness 5, 20 C");
	devdrv_close(h);
	CHECK(!mapped("toaster.so"), "closing the last toaster unloads the driver's plugin");
	CHECK(devdrv_driver_origin(drv, &path, &loaded) == 0 && !loaded, "and says so");
	CHECK(devdrv_virtual_unplug(ctx, "1-3") == 0, "unplug the virtual toaster");
	devdrv_context_free(ctx);
	CHECK(!mapped("toaster-model.so"), "the model's plugin is unloaded with its last device");
	return check_plugin_filter() || check_toaster_input();
}
