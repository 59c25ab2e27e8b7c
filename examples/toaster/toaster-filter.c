/* toaster-filter.c — an upper filter from the toaster's plugin: it counts
 * the toaster ioctls that pass through it and answers one of its own,
 * TOASTER_IOC_COUNT. Everything else goes down untouched. Attach it with
 * devdrv --filter toaster-count, DEVDRV_FILTER=toaster-count, or
 * devdrv_filter_attach(h, "toaster-count"). */
#include "toaster.h"

#include <devdrv/filter.h>
#include <stdatomic.h>

static int count_ioctl(struct devdrv_filter *f, unsigned request, void *arg, size_t size)
{
	atomic_uint *seen = devdrv_filter_priv(f);

	if (request == TOASTER_IOC_COUNT) {
		if (!arg || size != sizeof(unsigned))
			return devdrv_filter_fail(f, DEVDRV_E_INVALID, "TOASTER_IOC_COUNT takes an unsigned");
		*(unsigned *)arg = atomic_load(seen);
		return 0;
	}
	if ((request >> 8) == DEVDRV_IOC_PRIVATE_CLASS)
		atomic_fetch_add(seen, 1);
	return devdrv_filter_ioctl_next(f, request, arg, size);
}

const struct devdrv_filter_ops toaster_count_filter = {
	.api_version = DEVDRV_FILTER_API_VERSION,
	.name = "toaster-count",
	.description = "count the toaster ioctls a program makes (TOASTER_IOC_COUNT)",
	.position = DEVDRV_FILTER_UPPER,
	.priv_size = sizeof(atomic_uint),
	.ioctl = count_ioctl,
};
