/* plugin-driver.c — the toaster's driver plugin (toaster.so): what it brings
 * is declared here and nowhere else. The loader indexes it once and loads it
 * only when a toaster is opened. */
#include <devdrv/plugin.h>

extern const struct devdrv_driver toaster_driver;

static const struct devdrv_driver *const drivers[] = { &toaster_driver, NULL };

DEVDRV_PLUGIN(.name = "toaster", .description = "the USB toaster's driver", .drivers = drivers);
