/* plugin-model.c — the virtual toaster as its own plugin (toaster-model.so):
 * the device side stays apart from the driver side, as a real toaster is
 * apart from its driver, so plugging a virtual toaster loads no driver code. */
#include <devdrv/plugin.h>

extern const struct devdrv_vmodel toaster_model;

static const struct devdrv_vmodel *const models[] = { &toaster_model, NULL };

DEVDRV_PLUGIN(.name = "toaster-model", .description = "a virtual USB toaster", .models = models);
