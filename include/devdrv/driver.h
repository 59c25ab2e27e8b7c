/* driver.h — libdevdrv driver authoring API: the driver struct, match tables,
 * the registration macro, and the USB helpers every driver uses instead of
 * libusb (control / bulk / interrupt, sync and async, descriptors, endpoints).
 *
 * A driver is one const struct devdrv_driver, registered at run time with
 * devdrv_driver_register() or, in a program or plugin, with
 * DEVDRV_DRIVER_REGISTER() (which registers it when the program or plugin
 * is loaded and unregisters it when unloaded). Callbacks left NULL get the
 * generic defaults described on each member at registration, so a driver
 * writes only what differs.
 *
 * Thread safety: the descriptor helpers (devdrv_find_*, devdrv_desc_next,
 * devdrv_active_config) are pure; devdrv_drivers() and devdrv_log() are safe
 * on any thread; the handle accessors, devdrv_usb_* and devdrv_default_*
 * belong to the handle's thread, as devdrv_read() does; the transfer
 * functions say what they allow one by one.
 */
#ifndef DEVDRV_DRIVER_H
#define DEVDRV_DRIVER_H

#include <devdrv/devdrv.h>
#include <devdrv/events.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library builds with hidden visibility; what is declared here is the API. */
#pragma GCC visibility push(default)

/* ---- match tables ------------------------------------------------------ */

enum devdrv_match_flags {
	DEVDRV_MATCH_VENDOR = 1 << 0,
	DEVDRV_MATCH_PRODUCT = 1 << 1,
	DEVDRV_MATCH_DEV_CLASS = 1 << 2,
	DEVDRV_MATCH_DEV_SUBCLASS = 1 << 3,
	DEVDRV_MATCH_DEV_PROTOCOL = 1 << 4,
	DEVDRV_MATCH_INT_CLASS = 1 << 5,
	DEVDRV_MATCH_INT_SUBCLASS = 1 << 6,
	DEVDRV_MATCH_INT_PROTOCOL = 1 << 7,
	DEVDRV_MATCH_INT_NUMBER = 1 << 8,
};

/** One match table entry; a table ends with an entry whose flags are 0. */
struct devdrv_match {
	uint16_t flags;
	uint16_t vid, pid;
	uint8_t dev_class, dev_subclass, dev_protocol;
	uint8_t int_class, int_subclass, int_protocol, int_number;
	uintptr_t driver_data; /**< free for the driver (chip type, quirks) */
};

#define DEVDRV_MATCH_DEVICE(v, p) \
	.flags = DEVDRV_MATCH_VENDOR | DEVDRV_MATCH_PRODUCT, .vid = (v), .pid = (p)
#define DEVDRV_MATCH_INTERFACE_CLASS(c, s, p)                                       \
	.flags = DEVDRV_MATCH_INT_CLASS | DEVDRV_MATCH_INT_SUBCLASS |                 \
	         DEVDRV_MATCH_INT_PROTOCOL,                                           \
	.int_class = (c), .int_subclass = (s), .int_protocol = (p)

/** Driver classes: what read/write mean for the device. */
enum devdrv_class {
	DEVDRV_CLASS_RAW = 0, /**< first bulk/interrupt pipe pair */
	DEVDRV_CLASS_SERIAL,  /**< byte stream */
	DEVDRV_CLASS_HID,     /**< reports */
	DEVDRV_CLASS_BLOCK,   /**< sequential blocks */
	DEVDRV_CLASS_NET,     /**< Ethernet frames (devdrv/net.h) */
};

const char *devdrv_class_name(enum devdrv_class cls);

struct devdrv_handle;

/** The driver ABI this header describes; a driver states it in api_version. */
#define DEVDRV_DRIVER_API_VERSION 1

/** Driver definition. Only api_version, name, cls and one of match/probe
 * are required. */
struct devdrv_driver {
	unsigned api_version;    /**< DEVDRV_DRIVER_API_VERSION */
	const char *name;        /**< short, for selectors: driver=NAME */
	const char *description;
	enum devdrv_class cls;
	const struct devdrv_match *match; /**< NULL or terminated by {0} */
	size_t priv_size;        /**< per-handle state the core allocates, zeroed */

	/** Accept or refuse the device. NULL: accept. For a driver without a
	 * match table, probe decides alone and binds with the lowest priority.
	 * @p iface is the interface the match chose, -1 for a whole device;
	 * set *iface to change it. Return 0 or DEVDRV_E_NO_DRIVER. */
	int (*probe)(const struct devdrv_device_info *info, const struct devdrv_match *m, int *iface);
	/** NULL: claim the bound interface and pick its first IN/OUT pipes. */
	int (*open)(struct devdrv_handle *h);
	/** NULL: nothing; the core releases interfaces afterwards. */
	void (*close)(struct devdrv_handle *h);
	/** NULL: bulk/interrupt transfer on the handle's IN pipe. */
	ssize_t (*read)(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms);
	/** NULL: bulk/interrupt transfer on the handle's OUT pipe. */
	ssize_t (*write)(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms);
	/** NULL: only the core's ioctls. Return DEVDRV_E_UNSUPPORTED to defer to them. */
	int (*ioctl)(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size);
	/** The class core's callbacks for this driver (for the serial class, the
	 * chip operations the serial core calls), or NULL. */
	const void *class_ops;
};

/** Register @p drv for every context of the process; it must stay valid
 * until unregistered. Any thread.
 * @return 0, DEVDRV_E_INVALID (wrong api_version, bad name, no match table
 *         and no probe, a name already registered: devdrv_context_errmsg(NULL)
 *         says which), DEVDRV_E_NOMEM. */
int devdrv_driver_register(const struct devdrv_driver *drv);
/** Remove a driver registered with devdrv_driver_register(); close its
 * handles first. @return 0, DEVDRV_E_NOT_FOUND. */
int devdrv_driver_unregister(const struct devdrv_driver *drv);

/** Register @p drv when the program or plugin that holds it is loaded, and
 * unregister it when it is unloaded. A registration that fails is logged
 * by nobody: call devdrv_driver_register() yourself to see the error. */
#define DEVDRV_DRIVER_REGISTER(drv)                                                 \
	__attribute__((constructor)) static void devdrv_register_##drv(void)         \
	{                                                                            \
		devdrv_driver_register(&(drv));                                          \
	}                                                                            \
	__attribute__((destructor)) static void devdrv_unregister_##drv(void)        \
	{                                                                            \
		devdrv_driver_unregister(&(drv));                                        \
	}

/** Every registered driver, NULL-terminated, sorted by name: the
 * registered copies, with defaults filled in. Any thread; the array stays
 * valid until the process exits. */
const struct devdrv_driver *const *devdrv_drivers(size_t *count);

/* ---- handle accessors for drivers ------------------------------------- */
/* A driver's callbacks run on the thread that made the call on the handle
 * (open, read, write, ioctl, close), so these need no locking; transfer
 * callbacks may run on another thread (see devdrv_transfer_submit). */

void *devdrv_handle_priv(struct devdrv_handle *h);
struct devdrv_context *devdrv_handle_context(struct devdrv_handle *h);
/** Interface the handle is bound to (-1: none). */
int devdrv_handle_interface(struct devdrv_handle *h);
/** The bound driver's class_ops. */
const void *devdrv_handle_class_ops(struct devdrv_handle *h);
/** The match table entry that bound the driver, NULL for probe-only drivers. */
const struct devdrv_match *devdrv_handle_match(struct devdrv_handle *h);
/** The alternate setting selected on claimed interface @p iface (0 until
 * devdrv_usb_set_alt_setting() changes it); -1 if it is not claimed. */
int devdrv_handle_alt_setting(struct devdrv_handle *h, int iface);
/** Selector values `iface=`, `alt=`, `lun=`, `ep_in=`, `ep_out=`; -1 when not given. */
int devdrv_handle_selector_int(struct devdrv_handle *h, const char *key);

/** The pipes default read/write use; 0 means none. */
struct devdrv_pipes {
	uint8_t in, out;
	uint8_t in_type, out_type; /**< endpoint attributes & 3 */
	uint16_t in_max_packet, out_max_packet;
};
void devdrv_handle_set_pipes(struct devdrv_handle *h, const struct devdrv_pipes *p);
const struct devdrv_pipes *devdrv_handle_pipes(struct devdrv_handle *h);

/** Make the first bulk (else interrupt) IN and OUT endpoints of interface
 * @p iface, in the alternate setting last selected on it (0 at first), the
 * handle's pipes; on the bound interface, ep_in= and ep_out= from the
 * selector win. For drivers whose data lives on another interface than the
 * one they bind (CDC). @return 0, DEVDRV_E_NOT_FOUND. */
int devdrv_handle_use_interface_pipes(struct devdrv_handle *h, int iface);

/* The generic callbacks, for drivers that extend them rather than replace
 * them: open claims the bound interface, selects the alternate setting the
 * selector names (alt=), and picks its first bulk/interrupt IN and OUT pipes
 * (or those the selector names); read/write use them. */
int devdrv_default_open(struct devdrv_handle *h);
ssize_t devdrv_default_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms);
ssize_t devdrv_default_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms);

/* devdrv_handle_events() and the event loop: devdrv/events.h. */

/** Is the device still there? Asks the transport if no transfer has said so
 * yet. @return 0, or DEVDRV_E_DISCONNECTED (and the handle stays so). */
int devdrv_handle_check_present(struct devdrv_handle *h);

/** Set the handle's detail string (printf format); returns @p code. */
int devdrv_handle_fail(struct devdrv_handle *h, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Log through the context's callback. */
void devdrv_log(struct devdrv_context *ctx, enum devdrv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Log about handle @p h, prefixed with its driver and port ("ftdi 1-3: "),
 * as the kernel's dev_dbg() does. Any thread. */
void devdrv_handle_log(struct devdrv_handle *h, enum devdrv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define devdrv_err(h, ...) devdrv_handle_log((h), DEVDRV_LOG_ERROR, __VA_ARGS__)
#define devdrv_warn(h, ...) devdrv_handle_log((h), DEVDRV_LOG_WARN, __VA_ARGS__)
#define devdrv_info(h, ...) devdrv_handle_log((h), DEVDRV_LOG_INFO, __VA_ARGS__)
#define devdrv_dbg(h, ...) devdrv_handle_log((h), DEVDRV_LOG_DEBUG, __VA_ARGS__)

/* ---- descriptors ------------------------------------------------------- */

/** The active configuration (or the first), never NULL for an open handle
 * of a device with at least one configuration. */
const struct devdrv_config_info *devdrv_active_config(const struct devdrv_device_info *info);

/** First alt-setting-0 descriptor of interface @p number, or NULL. */
const struct devdrv_interface_info *devdrv_find_interface(const struct devdrv_config_info *cfg,
                                                          int number);
/** Alternate setting @p alt of interface @p number, or NULL. */
const struct devdrv_interface_info *devdrv_find_interface_alt(const struct devdrv_config_info *cfg,
                                                              int number, int alt);

/** First endpoint of @p intf with direction @p in (1 IN, 0 OUT) and one of
 * the transfer types in @p type_mask (1 << 2 bulk, 1 << 3 interrupt). */
const struct devdrv_endpoint_info *devdrv_find_endpoint(const struct devdrv_interface_info *intf,
                                                        int in, unsigned type_mask);

/**
 * Walk descriptors in @p buf: returns the next descriptor at or after
 * *offset whose bDescriptorType is @p type (0: any) and advances *offset past
 * it; NULL at the end or on a malformed length (bLength < 2 or past the end).
 */
const uint8_t *devdrv_desc_next(const uint8_t *buf, size_t len, size_t *offset, uint8_t type);

/* ---- transfers --------------------------------------------------------- */

enum devdrv_transfer_type {
	DEVDRV_TRANSFER_CONTROL = 0,
	DEVDRV_TRANSFER_BULK = 2,
	DEVDRV_TRANSFER_INTERRUPT = 3,
};

struct devdrv_transfer;
typedef void (*devdrv_transfer_cb)(struct devdrv_transfer *t);

/** One USB request. Control transfers carry their setup packet in @p setup and
 * their data stage in buffer/length. The same struct goes through every layer. */
struct devdrv_transfer {
	struct devdrv_handle *handle;
	enum devdrv_transfer_type type;
	uint8_t endpoint;
	struct {
		uint8_t request_type, request;
		uint16_t value, index;
	} setup;
	uint8_t *buffer;
	size_t length;
	unsigned timeout_ms;        /**< 0: none */
	devdrv_transfer_cb callback; /**< may be NULL when waited for */
	void *user_data;

	/* results, valid once completed */
	int status;                 /**< 0 or a DEVDRV_E_* code */
	size_t actual_length;
	/* The framework keeps its own state after these fields: a transfer
	 * comes from devdrv_transfer_alloc(), never from the stack or a struct. */
};

/** A zeroed transfer with the framework's state; NULL when out of memory.
 * Any thread. Reuse it for as many submissions as you like. */
struct devdrv_transfer *devdrv_transfer_alloc(void);
/** Free a transfer that is not in flight. NULL is a no-op. */
void devdrv_transfer_free(struct devdrv_transfer *t);

/** Submit asynchronously. Submit never completes the transfer itself: the
 * callback runs later, on a thread that handles events (a synchronous call
 * or devdrv_handle_events(), any thread), and may submit again. From submit
 * until its callback has run (or, with no callback, until the wait returns)
 * the transfer and its buffer belong to the framework. The handle's thread,
 * or a callback of the handle's transfers.
 * @return 0, DEVDRV_E_INVALID, DEVDRV_E_DISCONNECTED, DEVDRV_E_NOMEM, DEVDRV_E_IO. */
int devdrv_transfer_submit(struct devdrv_transfer *t);
/** Ask for cancellation; completion still arrives, with DEVDRV_E_CANCELLED
 * (or the status it had already reached). Any thread. */
int devdrv_transfer_cancel(struct devdrv_transfer *t);
/** Block until @p t completes (its own timeout applies) and, if it has a
 * callback, until that callback has returned; other transfers' callbacks
 * run meanwhile. One waiter per transfer. @return t->status. */
int devdrv_transfer_wait(struct devdrv_transfer *t);

/* Synchronous helpers, built on submit + wait. They return the bytes
 * transferred or a DEVDRV_E_* code, and set the handle's detail on failure. */
int devdrv_usb_control(struct devdrv_handle *h, uint8_t request_type, uint8_t request,
                       uint16_t value, uint16_t index, void *data, uint16_t len,
                       unsigned timeout_ms);
ssize_t devdrv_usb_bulk(struct devdrv_handle *h, uint8_t endpoint, void *data, size_t len,
                        unsigned timeout_ms);
ssize_t devdrv_usb_interrupt(struct devdrv_handle *h, uint8_t endpoint, void *data, size_t len,
                             unsigned timeout_ms);

int devdrv_usb_claim_interface(struct devdrv_handle *h, int iface);
int devdrv_usb_release_interface(struct devdrv_handle *h, int iface);
/** Select alternate setting @p alt of claimed interface @p iface (SET_INTERFACE).
 * Endpoints that exist only in that setting become usable; pick them with
 * devdrv_handle_use_interface_pipes(). @return 0, DEVDRV_E_INVALID (not
 * claimed, or the descriptors have no such setting), a transfer error. */
int devdrv_usb_set_alt_setting(struct devdrv_handle *h, int iface, int alt);
int devdrv_usb_clear_halt(struct devdrv_handle *h, uint8_t endpoint);
int devdrv_usb_reset(struct devdrv_handle *h);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
