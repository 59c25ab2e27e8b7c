/* plugin-maps.c — in the QEMU guest: is a driver's plugin loaded only while
 * a device it drives is open? Looks at what the process has mapped
 * (dl_iterate_phdr) before open, after open and after close, and asks the
 * device for something through the device-agnostic API meanwhile.
 *   plugin-maps SELECTOR PLUGIN.so    exit 0 when all holds */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <devdrv/devdrv.h>
#include <devdrv/plugin.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

static int is_object(struct dl_phdr_info *info, size_t size, void *name)
{
	const char *slash = strrchr(info->dlpi_name, '/');

	(void)size;
	return slash && !strcmp(slash + 1, name);
}

static int mapped(const char *name)
{
	return dl_iterate_phdr(is_object, (void *)name);
}

int main(int argc, char **argv)
{
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	int before, during, after;

	if (argc != 3) {
		fprintf(stderr, "usage: plugin-maps SELECTOR PLUGIN.so\n");
		return 2;
	}
	if (devdrv_context_new(NULL, &ctx) < 0)
		return fprintf(stderr, "plugin-maps: %s\n", devdrv_context_errmsg(NULL)), 1;
	before = mapped(argv[2]);
	if (devdrv_open(ctx, argv[1], &h) < 0)
		return fprintf(stderr, "plugin-maps: %s\n", devdrv_context_errmsg(ctx)), 1;
	during = mapped(argv[2]);
	printf("driver %s, %s before open: %s, while open: %s", devdrv_handle_driver(h), argv[2],
	       before ? "loaded" : "not loaded", during ? "loaded" : "not loaded");
	devdrv_close(h);
	after = mapped(argv[2]);
	printf(", after close: %s\n", after ? "loaded" : "not loaded");
	devdrv_context_free(ctx);
	return !before && during && !after ? 0 : 1;
}
