/** @file
 * libdevdrv application API: contexts, enumeration, selectors,
 * and the device-agnostic open / read / write / control / ioctl / close.
 *
 * Thread safety (each function below repeats what applies to it):
 *   - A context may be used from any number of threads at once: listing,
 *     selecting, opening, plugging virtual devices, handling events.
 *   - A handle may be used from one thread at a time (its I/O, ioctls and
 *     its errmsg). Different handles, of one context or several, may be
 *     used from different threads at once.
 *   - devdrv_close() must not run concurrently with any other call on the
 *     same handle; it may run on any thread. devdrv_context_free() must not
 *     run concurrently with anything on that context, and comes last.
 *   - A device may be unplugged (really, or with devdrv_virtual_unplug())
 *     while another thread is blocked on its handle: that call returns
 *     DEVDRV_E_DISCONNECTED.
 *   - The log callback may be called from any thread, concurrently.
 *   - Functions with no context or handle argument (devdrv_strerror,
 *     devdrv_version, devdrv_speed_name) are safe anywhere.
 *
 * Return values: every fallible call returns a negative DEVDRV_E_* code on
 * failure. devdrv_strerror() names a code; devdrv_errmsg() (per handle) and
 * devdrv_context_errmsg() (per context and calling thread) say what failed and
 * why, in one line.
 */
#ifndef DEVDRV_DEVDRV_H
#define DEVDRV_DEVDRV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library builds with hidden visibility; what is declared here is the API. */
#pragma GCC visibility push(default)

/** Major version of the headers: what a program was compiled against
 * (devdrv_version() says what it runs with). */
#define DEVDRV_VERSION_MAJOR 0
/** Minor version of the headers. */
#define DEVDRV_VERSION_MINOR 1
/** Micro version of the headers. */
#define DEVDRV_VERSION_MICRO 0

/** Error codes. All are negative; 0 is success. */
enum devdrv_error {
	DEVDRV_OK = 0,              /**< success */
	DEVDRV_E_INVALID = -1,      /**< bad argument or malformed selector */
	DEVDRV_E_NOT_FOUND = -2,    /**< no device matches */
	DEVDRV_E_ACCESS = -3,       /**< permission denied (see the udev rules) */
	DEVDRV_E_BUSY = -4,         /**< interface claimed by someone else */
	DEVDRV_E_NO_DRIVER = -5,    /**< no libdevdrv driver binds to the device */
	DEVDRV_E_TIMEOUT = -6,      /**< the transfer timed out, nothing moved */
	DEVDRV_E_PIPE = -7,         /**< endpoint stalled / request refused */
	DEVDRV_E_OVERFLOW = -8,     /**< device sent more than was asked for */
	DEVDRV_E_DISCONNECTED = -9, /**< device is gone */
	DEVDRV_E_IO = -10,          /**< other transfer or system error */
	DEVDRV_E_NOMEM = -11,       /**< out of memory */
	DEVDRV_E_UNSUPPORTED = -12, /**< the device or driver cannot do this */
	DEVDRV_E_PROTOCOL = -13,    /**< device sent something malformed */
	DEVDRV_E_CANCELLED = -14,   /**< the request was cancelled */
};

/** Name of an error code ("timeout"); never NULL. Any thread.
 * @param code  0 or a DEVDRV_E_* code
 * @return a static string ("unknown error" for another value). */
const char *devdrv_strerror(int code);

/* ---- logging --------------------------------------------------------- */

/** Log levels: a context logs the messages at its level and below. */
enum devdrv_log_level {
	DEVDRV_LOG_NONE = 0,  /**< nothing */
	DEVDRV_LOG_ERROR = 1, /**< failures */
	DEVDRV_LOG_WARN = 2,  /**< something went wrong and the library went on */
	DEVDRV_LOG_INFO = 3,  /**< what happened: devices opened, connections, links */
	DEVDRV_LOG_DEBUG = 4, /**< everything, for whoever chases a problem */
};

/** Log callback; may be called from any thread. @p msg has no newline.
 * @param level  the message's level
 * @param msg    the message, valid during the call only
 * @param user   the context options' log_user */
typedef void (*devdrv_log_fn)(enum devdrv_log_level level, const char *msg, void *user);

/** The level's name as $DEVDRV_DEBUG takes it and the log on stderr shows it
 * (`devdrv: warn: ...`), for log callbacks that print lines the same way.
 * @param level  a level
 * @return "none", "error", "warn", "info" or "debug"; "?" for a value that is
 *         no level. A static string. */
const char *devdrv_log_level_name(enum devdrv_log_level level);

/* ---- context ----------------------------------------------------------- */

/** Transports a context enumerates. They are never mixed unless asked for. */
enum devdrv_transport {
	DEVDRV_TRANSPORT_DEFAULT = 0,    /**< $DEVDRV_REPLAY set: replay; $DEVDRV_USBIP_SERVER set:
	                                      usbip; else $DEVDRV_TRANSPORT ("usb", "virtual",
	                                      "replay", "usbip", "all"), else usb */
	DEVDRV_TRANSPORT_USB = 1 << 0,   /**< real devices through libusb */
	DEVDRV_TRANSPORT_VIRTUAL = 1 << 1, /**< in-process device models */
	DEVDRV_TRANSPORT_REPLAY = 1 << 2, /**< recorded sessions played back (devdrv/replay.h) */
	/** the devices a USB/IP server exports, driven over TCP by our drivers
	 * (devdrv_usbip_use_server() in devdrv/usbip.h, or $DEVDRV_USBIP_SERVER) */
	DEVDRV_TRANSPORT_USBIP = 1 << 3,
	DEVDRV_TRANSPORT_ALL = (1 << 4) - 1, /**< every transport at once */
};

/** Options for devdrv_context_new(). Set size to sizeof the struct (the
 * layout the program was built with), e.g. with DEVDRV_CONTEXT_OPTIONS_INIT;
 * members added later sit at the end and read as 0 for older programs. */
struct devdrv_context_options {
	size_t size;                /**< sizeof(struct devdrv_context_options) */
	unsigned transports;        /**< bitmask of enum devdrv_transport */
	devdrv_log_fn log_fn;       /**< NULL: silent, unless $DEVDRV_DEBUG is set */
	void *log_user;             /**< passed to log_fn */
	enum devdrv_log_level log_level; /**< 0: $DEVDRV_DEBUG (0-4 or a level's name), else none */
	/** Filters attached to every handle this context opens, top first:
	 * "NAME[:ARGS];NAME..." (see devdrv/filter.h); those of $DEVDRV_FILTER
	 * follow. NULL: none. Copied. */
	const char *filters;
	/** Who runs callbacks (enum devdrv_events_mode, devdrv/events.h):
	 * 0, the library's own event thread, or the application's loop. */
	int events;
};

/** Initialiser of struct devdrv_context_options: size set, the rest 0. */
#define DEVDRV_CONTEXT_OPTIONS_INIT { .size = sizeof(struct devdrv_context_options) }

/** A library instance: its transports, devices, drivers' settings, event
 * handling and log. */
struct devdrv_context;

/**
 * Create a context. @p opts may be NULL for defaults.
 * With the virtual transport the bus starts with a "loopback" device at port
 * 1-1 and a "button" device at port 1-2 (see devdrv/virtual.h).
 * Any thread; the new context is then shared as described above.
 * @param opts      options, or NULL
 * @param[out] out  the context, for devdrv_context_free()
 * @return 0, DEVDRV_E_INVALID (bad option, size not set, or bad
 *         $DEVDRV_TRANSPORT),
 *         DEVDRV_E_NOMEM, DEVDRV_E_IO (libusb failed to start).
 */
int devdrv_context_new(const struct devdrv_context_options *opts, struct devdrv_context **out);

/** Destroy a context. Every handle must be closed first, and no other call
 * on the context may be running. NULL is a no-op.
 * @param ctx  the context */
void devdrv_context_free(struct devdrv_context *ctx);

/** One-line detail of the calling thread's last failed call on @p ctx: each
 * thread reads its own, so threads never see each other's message.
 * @param ctx  the context (NULL for calls that had none, e.g.
 *             devdrv_driver_register())
 * @return the message, valid until the thread's next failing call. */
const char *devdrv_context_errmsg(struct devdrv_context *ctx);

/* ---- enumeration ------------------------------------------------------- */

/** The speed a device runs at. */
enum devdrv_speed {
	DEVDRV_SPEED_UNKNOWN = 0, /**< the transport does not say */
	DEVDRV_SPEED_LOW,        /**< 1.5 Mbit/s */
	DEVDRV_SPEED_FULL,       /**< 12 Mbit/s */
	DEVDRV_SPEED_HIGH,       /**< 480 Mbit/s */
	DEVDRV_SPEED_SUPER,      /**< 5 Gbit/s */
	DEVDRV_SPEED_SUPER_PLUS, /**< 10 Gbit/s */
};

/** Speed as sysfs writes it, in Mbit/s ("1.5", "480"); "unknown".
 * @param speed  the speed
 * @return a static string, never NULL. */
const char *devdrv_speed_name(enum devdrv_speed speed);

/** An endpoint descriptor. */
struct devdrv_endpoint_info {
	uint8_t address;       /**< bit 7 set: IN */
	uint8_t attributes;    /**< bits 0-1: 0 control, 1 iso, 2 bulk, 3 interrupt */
	uint16_t max_packet;   /**< wMaxPacketSize as sent by the device */
	uint8_t interval;      /**< bInterval, as sent (its unit depends on speed and type) */
};

/** An interface descriptor: one alternate setting of one interface. */
struct devdrv_interface_info {
	uint8_t number;             /**< bInterfaceNumber */
	uint8_t alt_setting;        /**< bAlternateSetting */
	/** bInterfaceClass, bInterfaceSubClass, bInterfaceProtocol. @{ */
	uint8_t cls, subclass, protocol;
	/** @} */
	uint8_t num_endpoints;      /**< endpoints actually present, not the claim */
	const struct devdrv_endpoint_info *endpoints; /**< num_endpoints of them */
	const char *name;           /**< iInterface string, or NULL */
	const char *kernel_driver;  /**< kernel driver bound (sysfs), or NULL */
	const uint8_t *extra;       /**< class-specific descriptors after it */
	size_t extra_len;           /**< bytes of extra */
};

/** A configuration descriptor, parsed, and its raw bytes. */
struct devdrv_config_info {
	uint8_t value;              /**< bConfigurationValue */
	uint8_t attributes;         /**< bmAttributes: bit 6 self-powered, bit 5 remote wakeup */
	uint16_t max_power_ma;      /**< most current drawn, in mA: bMaxPower × 2, × 8 at SuperSpeed */
	uint8_t num_interfaces;     /**< interface descriptors, every alt setting */
	const struct devdrv_interface_info *interfaces; /**< num_interfaces of them, in descriptor order */
	const uint8_t *raw;         /**< the whole configuration descriptor */
	size_t raw_len;             /**< bytes of raw */
};

/** A device, as listed: where it is, what it says it is, and which driver
 * would bind. */
struct devdrv_device_info {
	const char *transport;      /**< "usb", "virtual", "replay" or "usbip" */
	/** Bus number and device address (the address changes at each re-plug). @{ */
	uint8_t bus, address;
	/** @} */
	const char *port_path;      /**< "1-1.2", as sysfs names it; "1" for a root hub */
	/** idVendor, idProduct, bcdDevice (the release) and bcdUSB. @{ */
	uint16_t vid, pid, bcd_device, bcd_usb;
	/** @} */
	/** bDeviceClass, bDeviceSubClass, bDeviceProtocol. @{ */
	uint8_t cls, subclass, protocol;
	/** @} */
	uint8_t max_packet0;        /**< bMaxPacketSize0 */
	enum devdrv_speed speed;    /**< the speed it runs at */
	/** The iManufacturer, iProduct and iSerialNumber strings; NULL when
	 * unknown. @{ */
	const char *manufacturer, *product, *serial;
	/** @} */
	uint8_t active_config;      /**< bConfigurationValue, 0 if unknown */
	uint8_t num_configs;        /**< bNumConfigurations: entries of configs */
	const struct devdrv_config_info *configs; /**< every configuration */
	const char *driver;         /**< libdevdrv driver that would bind, or NULL */
	int driver_interface;       /**< interface it binds to, -1 if none */
	/** 1: the device is on another machine, imported over USB/IP (by the
	 * kernel's vhci_hcd, or by the usbip transport); 0: local or virtual. */
	int remote;
};

/**
 * List every device of the context's transports, ordered by transport, bus
 * and port path. Needs no permission on Linux (strings come from sysfs).
 * Any thread, concurrently; the list is the caller's own snapshot.
 * @param ctx  the context
 * @param[out] list NULL-terminated array; free with devdrv_free_device_list().
 * @return number of devices (>= 0), DEVDRV_E_NOMEM, DEVDRV_E_IO.
 */
ssize_t devdrv_get_device_list(struct devdrv_context *ctx, const struct devdrv_device_info ***list);

/** Free a list of devdrv_get_device_list() and its records.
 * @param list  the list; NULL is a no-op */
void devdrv_free_device_list(const struct devdrv_device_info **list);

/**
 * @page selectors Selectors
 * Selector grammar, shared by the API, the CLI, udev units and config files:
 * ~~~{.unparsed}
 *   term[,term...][#N]
 *   term: VVVV:PPPP (four hex digits each) | VVVV: (a vendor's devices) |
 *         :PPPP | BUS:ADDR (decimal) |
 *         BUS-PORT[.PORT...] (port path) | key=value
 *   term: ... | BUS (a root hub's port path, as `devdrv list` shows it)
 *   keys: vid, pid (hex), bus, addr, iface, alt, lun (decimal), port (port
 *         path), serial, driver (a driver that can bind), ep_in, ep_out
 *         (0x81 or 129), transport (usb, virtual, replay, usbip). alt=N selects that
 *         alternate setting of the bound interface when opening (and
 *         matches only devices that have it).
 * ~~~
 *   \#N picks the N-th match (from 0) in list order; the empty selector
 *   matches every device.
 */

/**
 * Does @p info match @p selector (ignoring any \#N)? Any thread.
 * @param ctx       the context, for the error message
 * @param selector  a selector (see @ref selectors)
 * @param info      a device of devdrv_get_device_list()
 * @return 1 match, 0 no match, DEVDRV_E_INVALID (malformed: the context
 *         errmsg quotes the offending part).
 */
int devdrv_selector_matches(struct devdrv_context *ctx, const char *selector,
                            const struct devdrv_device_info *info);

/**
 * The device devdrv_open() would pick from @p list (honouring \#N). Any thread.
 * @param ctx       the context, for the error message
 * @param selector  a selector
 * @param list      a list of devdrv_get_device_list()
 * @return its index in @p list, DEVDRV_E_INVALID, DEVDRV_E_NOT_FOUND.
 */
ssize_t devdrv_select(struct devdrv_context *ctx, const char *selector,
                      const struct devdrv_device_info *const *list);

/**
 * Why @p info binds to the driver it names (or why nothing binds), one line,
 * e.g.\ "vendor 0403 product 6001 in ftdi's match table". Any thread.
 * @param info  a device of devdrv_get_device_list()
 * @param buf   where the reason is written, truncated to fit
 * @param len   bytes of room in @p buf
 * @return 0, DEVDRV_E_INVALID.
 */
int devdrv_binding_reason(const struct devdrv_device_info *info, char *buf, size_t len);

/* ---- handles ----------------------------------------------------------- */

/** An open device, bound to a driver. */
struct devdrv_handle;

/**
 * Open the device @p selector names and bind it to the best-matching driver
 * (or the one `driver=` names). Kernel drivers on the claimed interface are
 * detached and re-attached on close. Any thread, concurrently; the handle
 * then belongs to one thread at a time.
 * @param ctx       the context
 * @param selector  the device (see @ref selectors): the first match, or the \#N-th
 * @param[out] out  the handle, for devdrv_close()
 * @return 0, DEVDRV_E_INVALID (malformed selector), DEVDRV_E_NOT_FOUND,
 *         DEVDRV_E_ACCESS, DEVDRV_E_BUSY, DEVDRV_E_NO_DRIVER,
 *         DEVDRV_E_DISCONNECTED, DEVDRV_E_NOMEM, DEVDRV_E_IO, or an error of
 *         the driver's open.
 */
int devdrv_open(struct devdrv_context *ctx, const char *selector, struct devdrv_handle **out);

/** devdrv_open_with() flags. */
enum devdrv_open_flags {
	/** Survive a re-plug: when the device the selector names (it must name a
	 * port path or a serial number) comes back, the handle opens it again,
	 * bound as before, at its next call; until then every call returns
	 * DEVDRV_E_DISCONNECTED. The class settings of the first open (serial
	 * line settings) are not replayed: on_reconnect is where they are. */
	DEVDRV_OPEN_RECONNECT = 1 << 0,
};

/** Options for devdrv_open_with(); size as for the context's options. */
struct devdrv_open_options {
	size_t size;   /**< sizeof(struct devdrv_open_options) */
	unsigned flags; /**< enum devdrv_open_flags */
	/** Called after a reconnection, on the handle's thread, from the call
	 * that found the device back, before that call goes on. May be NULL. */
	void (*on_reconnect)(struct devdrv_handle *h, void *user);
	void *user;    /**< passed to on_reconnect */
};

/** Initialiser of struct devdrv_open_options: size set, the rest 0. */
#define DEVDRV_OPEN_OPTIONS_INIT { .size = sizeof(struct devdrv_open_options) }

/**
 * devdrv_open() with options (@p opts may be NULL). With
 * DEVDRV_OPEN_RECONNECT the context watches for the device's return (the
 * library's event thread, or the application's loop: devdrv/events.h).
 * Thread safety: as devdrv_open().
 * @param ctx       the context
 * @param selector  the device, as for devdrv_open()
 * @param opts      options, or NULL
 * @param[out] out  the handle, for devdrv_close()
 * @return the codes of devdrv_open(); DEVDRV_E_INVALID also when
 *         DEVDRV_OPEN_RECONNECT is asked with a selector that names neither a
 *         port path nor a serial number.
 */
int devdrv_open_with(struct devdrv_context *ctx, const char *selector, const struct devdrv_open_options *opts,
                     struct devdrv_handle **out);

/** Close: releases interfaces, re-attaches kernel drivers. NULL is a no-op.
 * Any thread, but never concurrently with another call on @p h.
 * @param h  the handle, freed */
void devdrv_close(struct devdrv_handle *h);

/** The device's record; valid until devdrv_close(). Read-only: any thread.
 * @param h  the handle
 * @return the record. */
const struct devdrv_device_info *devdrv_handle_info(struct devdrv_handle *h);

/** Name of the driver bound to the handle ("generic").
 * @param h  the handle
 * @return the name, valid until devdrv_close(). */
const char *devdrv_handle_driver(struct devdrv_handle *h);

/** One-line detail of the last failed call on @p h. The string is the calling
 * thread's copy, valid until that thread's next devdrv_errmsg() call.
 * @param h  the handle
 * @return the message ("" when nothing failed yet, "no handle" for NULL). */
const char *devdrv_errmsg(struct devdrv_handle *h);

/**
 * Read the class's natural stream (raw: the first IN pipe). One thread at a
 * time per handle; an unplug from another thread ends it with DISCONNECTED.
 * @param h    the handle
 * @param[out] buf  room for what is read
 * @param len  bytes of room in @p buf
 * @param timeout_ms 0 waits forever.
 * @return bytes read (> 0; 0 only for a zero-length packet), DEVDRV_E_TIMEOUT
 *         (nothing arrived), DEVDRV_E_PIPE, DEVDRV_E_OVERFLOW,
 *         DEVDRV_E_DISCONNECTED, DEVDRV_E_UNSUPPORTED (no IN pipe), DEVDRV_E_IO,
 *         DEVDRV_E_CANCELLED.
 */
ssize_t devdrv_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms);

/**
 * Write to the class's natural stream (raw: the first OUT pipe). As
 * devdrv_read() for threads.
 * @param h           the handle
 * @param buf         what to write
 * @param len         how many bytes
 * @param timeout_ms  0 waits forever
 * @return bytes written, or the codes of devdrv_read() (UNSUPPORTED: no OUT pipe).
 *         A timeout after part of the data moved returns that part.
 */
ssize_t devdrv_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms);

/**
 * Control transfer on endpoint 0. Direction comes from bit 7 of @p request_type.
 * As devdrv_read() for threads.
 * @param h             the handle
 * @param request_type  bmRequestType: bit 7 set IN, bits 5-6 the type, 0-4 the recipient
 * @param request       bRequest
 * @param value         wValue
 * @param index         wIndex
 * @param data          the data stage: what to send, or room for what comes in
 * @param len           its length, wLength
 * @param timeout_ms    0 waits forever
 * @return bytes transferred in the data stage, DEVDRV_E_PIPE (request refused),
 *         DEVDRV_E_TIMEOUT, DEVDRV_E_DISCONNECTED, DEVDRV_E_OVERFLOW,
 *         DEVDRV_E_INVALID (len > 65535), DEVDRV_E_IO.
 */
int devdrv_control(struct devdrv_handle *h, uint8_t request_type, uint8_t request, uint16_t value,
                   uint16_t index, void *data, uint16_t len, unsigned timeout_ms);

/**
 * Class- or driver-specific operation. Request codes are defined in the class
 * headers (devdrv/raw.h, ...); @p arg_size must equal the size the code
 * documents. As devdrv_read() for threads.
 * @param h         the handle
 * @param request   a DEVDRV_IOC_* code
 * @param arg       the request's argument, or NULL
 * @param arg_size  sizeof what @p arg points to
 * @return >= 0 per request, DEVDRV_E_UNSUPPORTED (not for this driver),
 *         DEVDRV_E_INVALID (wrong size or value), or a transfer error.
 */
int devdrv_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size);

/** Library version string ("0.1.0"). Any thread.
 * @return the version of the library the program runs with. */
const char *devdrv_version(void);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
