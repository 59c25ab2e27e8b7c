/** @file
 * The virtual bus: in-process USB device models, for tests and
 * demos. Available when the context was created with DEVDRV_TRANSPORT_VIRTUAL.
 *
 * Models:
 * ~~~{.unparsed}
 *   "loopback"  vendor class 0xff, bulk OUT 0x01 / bulk IN 0x81 (512 bytes,
 *               high speed): what is written comes back, in order, from a
 *               64 KiB FIFO. Vendor control requests: OUT 0x01 stores up to
 *               64 bytes in a scratch register, IN 0x02 reads it back; every
 *               other request stalls.
 *   "button"    vendor class 0xff, interrupt IN 0x81 (8 bytes, 10 ms):
 *               vendor OUT request 0x01 with wValue V queues a press, which
 *               arrives as the report {sequence, V & 0xff}. No press, no
 *               report: reads time out.
 *   "sink"      vendor class 0xff, bulk OUT 0x02 only: accepts and discards
 *               everything; it has nothing to read. Not plugged by default.
 *   "alt-loopback"  the loopback with its endpoints in alternate setting 1
 *               of interface 0 (setting 0 has none), as CDC data, audio and
 *               video interfaces have them: open it with alt=1.
 *   Serial chips: "ft232r", "ft2232h", "cp2102", "ch340", "pl2303",
 *               "cdc-acm", "cdc-acm-dual" (see devdrv/serial.h).
 *   HID: "keyboard" (a boot keyboard that types "hello world" by itself) and
 *               "mouse" (report IDs, a feature report; traces a square).
 *   Storage: "stick" (Bulk-Only SCSI, LUN 0: 8 MiB of deterministic
 *               content, LUN 1: 1 MiB write-protected, 4096-byte blocks) and
 *               its broken variants "stick-bad-signature", "stick-bad-tag",
 *               "stick-big-residue", "stick-phase-error", "stick-stall-csw",
 *               "stick-zlp-csw", "stick-zero-block", "stick-huge" (4 TiB),
 *               "stick-fake-capacity", "stick-no-medium" (see lib/virtual/stick.c).
 *   Devices that break the rules, for testing how a program copes (vendor
 *   1209, products bad0-bad7): "hostile-strings" (escape sequences, C1
 *   controls and invalid UTF-8 in its strings), "hostile-nak" (bulk
 *   endpoints that never answer), "hostile-babble" (64-byte reports on an
 *   8-byte interrupt endpoint: DEVDRV_E_OVERFLOW), "hostile-flood" (a CDC-ACM
 *   port whose notification endpoint never stops), "hostile-truncated"
 *   (wTotalLength longer than the descriptor), "hostile-zero-length" (a
 *   descriptor with bLength 0), "hostile-counts" (counts without items),
 *   "hostile-high-iface" (interface number 200), "hostile-hid" (a report
 *   descriptor that ends a collection it never began).
 * ~~~
 */
#ifndef DEVDRV_VIRTUAL_H
#define DEVDRV_VIRTUAL_H

#include <devdrv/devdrv.h>
#include <devdrv/driver.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library builds with hidden visibility; what is declared here is the API. */
#pragma GCC visibility push(default)

/** Plug a model in at @p port_path ("1-3"; bus 1 is the virtual bus). Any
 * thread, concurrently with I/O on other devices. Addresses of unplugged
 * devices are handed out again, as a host controller does.
 * @param ctx        a context with the virtual transport
 * @param model      the model's name (devdrv_virtual_models())
 * @param port_path  where to plug it: bus 1, a free port
 * @return 0, DEVDRV_E_INVALID (unknown model, malformed or taken port),
 *         DEVDRV_E_UNSUPPORTED (no virtual transport), DEVDRV_E_NOMEM. */
int devdrv_virtual_plug(struct devdrv_context *ctx, const char *model, const char *port_path);

/** Unplug the device at @p port_path: pending transfers complete with
 * DEVDRV_E_DISCONNECTED, later calls on its handles fail the same way. Any
 * thread, also while another thread is blocked on one of its handles.
 * @param ctx        a context with the virtual transport
 * @param port_path  the device's port
 * @return 0, DEVDRV_E_NOT_FOUND, DEVDRV_E_UNSUPPORTED. */
int devdrv_virtual_unplug(struct devdrv_context *ctx, const char *port_path);

/** Call @p fn with the name of every model devdrv_virtual_plug() knows: the
 * library's own, those registered, and those of plugins (found, not
 * loaded). Any thread; @p ctx (or NULL) only logs the plugin scan; @p fn
 * must not register or unregister models.
 * @param ctx   a context, or NULL
 * @param fn    called once per model name
 * @param user  passed to @p fn
 * @return how many, or DEVDRV_E_INVALID (a NULL @p fn). */
int devdrv_virtual_models(struct devdrv_context *ctx, void (*fn)(const char *name, void *user), void *user);

/** Unplug every device of the virtual bus, as devdrv_virtual_unplug() does
 * one: a test that wants an empty bus starts with this.
 * @param ctx  a context with the virtual transport
 * @return how many were unplugged, or DEVDRV_E_UNSUPPORTED. */
int devdrv_virtual_unplug_all(struct devdrv_context *ctx);

/* ---- writing a device model ------------------------------------------------ */

/* The bus answers the standard requests (descriptors, strings, addresses,
 * configurations, alternate settings), checks endpoints and claims, queues
 * transfers and enforces their timeouts; a model only moves data. */

/** The model ABI this header describes; a model states it in api_version. */
#define DEVDRV_VMODEL_API_VERSION 1

/** One plugged device of a model. */
struct devdrv_vdev;

/** A device model: its descriptors, and callbacks that move its data. */
struct devdrv_vmodel {
	unsigned api_version;        /**< DEVDRV_VMODEL_API_VERSION */
	const char *name;            /**< for devdrv_virtual_plug() and \--plug */
	const uint8_t *device_desc;  /**< 18 bytes */
	const uint8_t *config_desc;  /**< one configuration */
	size_t config_size;          /**< its bytes; 0: its wTotalLength */
	const char *const *strings;  /**< [i] is string descriptor i; [0] unused */
	unsigned num_strings;        /**< entries of strings */
	enum devdrv_speed speed;     /**< the speed it reports */
	size_t state_size;           /**< per device, zeroed at plug */
	/** Vendor or class request on endpoint 0, called with the bus locked
	 * (never call back into the library). Return the data-stage length,
	 * or DEVDRV_E_PIPE to stall. NULL: every such request stalls. */
	int (*control)(struct devdrv_vdev *d, struct devdrv_transfer *t);
	/** Make progress on queued bulk/interrupt transfer @p t (bus locked):
	 * update t->actual_length and return 1 once it is complete, 0 to keep
	 * it waiting, or a DEVDRV_E_* code to fail it (DEVDRV_E_OVERFLOW: more
	 * than t->length). Called when transfers arrive, and when a wake-up
	 * set with devdrv_vdev_wake_in() is due. */
	int (*service)(struct devdrv_vdev *d, struct devdrv_transfer *t);
};

/** The model's per-device state (state_size bytes).
 * @param d  the device
 * @return its state. */
void *devdrv_vdev_state(struct devdrv_vdev *d);
/** Call service() on the device's queued transfers again in @p ms
 * milliseconds (a model whose data depends on time: a sensor, a heater).
 * One wake-up per device; a later call replaces it. Bus locked (from
 * control or service).
 * @param d   the device
 * @param ms  from now */
void devdrv_vdev_wake_in(struct devdrv_vdev *d, unsigned ms);

/** Log through the context's callback, as "virtual PORT (MODEL): ...": what
 * a model was told (a baud rate, a reset) for whoever watches it. From
 * control or service.
 * @param d      the device
 * @param level  the message's level
 * @param fmt    printf format of the message
 * @param ...    its arguments */
void devdrv_vdev_log(struct devdrv_vdev *d, enum devdrv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Make a model known to every context of the process.
 * @param m  the model; it must stay valid until unregistered
 * @return 0,
 * DEVDRV_E_INVALID (wrong api_version, no name or descriptors, a name in
 * use). */
int devdrv_virtual_register_model(const struct devdrv_vmodel *m);
/** Forget a model registered with devdrv_virtual_register_model().
 * @param m  the model, as registered
 * @return 0, DEVDRV_E_NOT_FOUND (not registered). */
int devdrv_virtual_unregister_model(const struct devdrv_vmodel *m);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
