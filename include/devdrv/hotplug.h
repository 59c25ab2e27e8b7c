/** @file
 * Arrival and removal of devices, filtered by selector.
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

/** What happened to a device. */
enum devdrv_hotplug_event {
	DEVDRV_HOTPLUG_ARRIVED = 1, /**< it was plugged in */
	DEVDRV_HOTPLUG_LEFT = 2,    /**< it was unplugged */
};

/** devdrv_hotplug_register() flags. */
enum devdrv_hotplug_flags {
	/** Report the devices already present as arrivals, from
	 * devdrv_hotplug_register() itself, before it returns. */
	DEVDRV_HOTPLUG_ENUMERATE = 1 << 0,
};

/** A hotplug callback. @p info is valid during the call only (copy what
 * you keep; a departed device's record is the one it had while present).
 * @param ctx    the context it was registered on
 * @param event  arrived or left
 * @param info   the device's record
 * @param user   the @p user given to devdrv_hotplug_register() */
typedef void (*devdrv_hotplug_fn)(struct devdrv_context *ctx, enum devdrv_hotplug_event event,
                                  const struct devdrv_device_info *info, void *user);

/**
 * Call @p fn for every arrival and removal of a device @p selector matches
 * (NULL or "": every device; \#N is refused: order means nothing here).
 * Starts the event thread in DEVDRV_EVENTS_THREAD mode.
 * @param ctx       the context
 * @param selector  the devices to watch, or NULL
 * @param flags     enum devdrv_hotplug_flags
 * @param fn        the callback
 * @param user      passed to @p fn
 * @param[out] id  for devdrv_hotplug_deregister(); may be NULL
 * @return 0, DEVDRV_E_INVALID (malformed selector: the context errmsg says
 *         which part; also a NULL @p fn or an unknown flag),
 *         DEVDRV_E_UNSUPPORTED (libusb without hotplug),
 *         DEVDRV_E_NOMEM, DEVDRV_E_IO.
 */
int devdrv_hotplug_register(struct devdrv_context *ctx, const char *selector, unsigned flags,
                            devdrv_hotplug_fn fn, void *user, int *id);

/** Stop calling the callback @p id. When this returns from outside a
 * callback, the callback is not running and will not run again.
 * @param ctx  the context it was registered on
 * @param id   what devdrv_hotplug_register() returned in its @p id
 * @return 0, DEVDRV_E_NOT_FOUND. */
int devdrv_hotplug_deregister(struct devdrv_context *ctx, int id);

/** "arrived" or "left".
 * @param event  the event
 * @return its name, never NULL ("unknown" for another value). */
const char *devdrv_hotplug_event_name(enum devdrv_hotplug_event event);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
