/* hotplug.h — arrival and removal of devices, filtered by selector.
 *
 * A callback registered with devdrv_hotplug_register() is told when a device
 * the selector matches arrives or leaves, on every transport of the context
 * (libusb hotplug for real devices, plug and unplug on the virtual bus). The
 * record it gets is bound like one of devdrv_get_device_list(): info->driver
 * names the driver devdrv_open() would bind.
 *
 * Callbacks run from event handling (the library's event thread, or the
 * application's loop: see devdrv/events.h), one at a time per context, in
 * the order the callbacks were registered, and
 * may open the device that arrived, register and deregister callbacks
 * (including their own). A device that has just arrived may not be ready for
 * a moment (udev still setting its permissions, the kernel still binding):
 * devdrv_open() retries for up to a second on its own for such a device.
 *
 * Events come from comparing the devices present when event handling looks
 * with those of its previous look: a device unplugged and plugged again in
 * between is reported leaving and arriving, but one that arrived and left
 * again in between is not reported at all (it was never usable).
 *
 * Thread safety: any thread, concurrently.
 */
#ifndef DEVDRV_HOTPLUG_H
#define DEVDRV_HOTPLUG_H

#include <devdrv/devdrv.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

enum devdrv_hotplug_event {
	DEVDRV_HOTPLUG_ARRIVED = 1,
	DEVDRV_HOTPLUG_LEFT = 2,
};

enum devdrv_hotplug_flags {
	/** Report the devices already present as arrivals, from
	 * devdrv_hotplug_register() itself, before it returns. */
	DEVDRV_HOTPLUG_ENUMERATE = 1 << 0,
};

/** @p info is valid during the call only (copy what you keep; a departed
 * device's record is the one it had while present). */
typedef void (*devdrv_hotplug_fn)(struct devdrv_context *ctx, enum devdrv_hotplug_event event,
                                  const struct devdrv_device_info *info, void *user);

/**
 * Call @p fn for every arrival and removal of a device @p selector matches
 * (NULL or "": every device; #N is refused: order means nothing here).
 * Starts the event thread in DEVDRV_EVENTS_THREAD mode.
 * @param[out] id  for devdrv_hotplug_deregister(); may be NULL
 * @return 0, DEVDRV_E_INVALID (malformed selector: the context errmsg says
 *         which part), DEVDRV_E_UNSUPPORTED (libusb without hotplug),
 *         DEVDRV_E_NOMEM, DEVDRV_E_IO.
 */
int devdrv_hotplug_register(struct devdrv_context *ctx, const char *selector, unsigned flags,
                            devdrv_hotplug_fn fn, void *user, int *id);

/** Stop calling the callback @p id. When this returns from outside a
 * callback, the callback is not running and will not run again.
 * @return 0, DEVDRV_E_NOT_FOUND. */
int devdrv_hotplug_deregister(struct devdrv_context *ctx, int id);

/** "arrived" or "left". */
const char *devdrv_hotplug_event_name(enum devdrv_hotplug_event event);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
