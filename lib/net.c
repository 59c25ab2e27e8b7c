/* net.c — the network class's typed entry points (devdrv/net.h). */
#include "internal.h"

#include <devdrv/net.h>

int devdrv_net_open(struct devdrv_context *ctx, const char *selector, struct devdrv_handle **out)
{
	return dd_open(ctx, selector, DEVDRV_CLASS_NET, NULL, out);
}

int devdrv_net_info(struct devdrv_handle *h, struct devdrv_net_info *info)
{
	if (!info)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "net info: NULL argument");
	return devdrv_ioctl(h, DEVDRV_IOC_NET_INFO, info, sizeof(*info));
}
