/* plugin-driver.c — the toaster's driver plugin (toaster.so): two drivers
 * (the toaster's own, and toaster-input, which publishes it as a keyboard)
 * and a filter, declared here and nowhere else. The loader indexes it once and loads it
 * only when a toaster is opened. */
#include <devdrv/plugin.h>

extern const struct devdrv_driver toaster_driver;
extern const struct devdrv_driver toaster_input_driver;
extern const struct devdrv_filter_ops toaster_count_filter;

/* both match the toaster; "toaster" binds unless the selector says
 * driver=toaster-input (on a tie, the first name in order wins) */
static const struct devdrv_driver *const drivers[] = { &toaster_driver, &toaster_input_driver, NULL };
static const struct devdrv_filter_ops *const filters[] = { &toaster_count_filter, NULL };

DEVDRV_PLUGIN(.name = "toaster", .description = "the USB toaster's drivers and a filter for it",
              .drivers = drivers, .filters = filters);
