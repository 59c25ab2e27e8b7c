/** @file
 * libdevdrv driver authoring API: the driver struct, match tables,
 * the registration macro, and the USB helpers every driver uses instead of
 * libusb (control / bulk / interrupt, sync and async, descriptors, endpoints).
 *
 * A driver is one const struct devdrv_driver, registered at run time with
 * devdrv_driver_register() or, in a program, with DEVDRV_DRIVER_REGISTER()
 * (which registers it when the program is loaded and unregisters it at
 * exit); a plugin lists its drivers in DEVDRV_PLUGIN instead (plugin.h). Callbacks left NULL get the
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
#include <pthread.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library builds with hidden visibility; what is declared here is the API. */
#pragma GCC visibility push(default)

/* ---- match tables ------------------------------------------------------ */

/** Which members of a struct devdrv_match must equal the device's, as the
 * kernel's USB_DEVICE_ID_MATCH_* do; the others are not compared. */
enum devdrv_match_flags {
	DEVDRV_MATCH_VENDOR = 1 << 0,       /**< vid: idVendor */
	DEVDRV_MATCH_PRODUCT = 1 << 1,      /**< pid: idProduct */
	DEVDRV_MATCH_DEV_CLASS = 1 << 2,    /**< dev_class: bDeviceClass */
	DEVDRV_MATCH_DEV_SUBCLASS = 1 << 3, /**< dev_subclass: bDeviceSubClass */
	DEVDRV_MATCH_DEV_PROTOCOL = 1 << 4, /**< dev_protocol: bDeviceProtocol */
	DEVDRV_MATCH_INT_CLASS = 1 << 5,    /**< int_class: an interface's bInterfaceClass */
	DEVDRV_MATCH_INT_SUBCLASS = 1 << 6, /**< int_subclass: bInterfaceSubClass */
	DEVDRV_MATCH_INT_PROTOCOL = 1 << 7, /**< int_protocol: bInterfaceProtocol */
	DEVDRV_MATCH_INT_NUMBER = 1 << 8,   /**< int_number: bInterfaceNumber */
};

/** One match table entry; a table ends with an entry whose flags are 0. */
struct devdrv_match {
	uint16_t flags;        /**< enum devdrv_match_flags: what is compared */
	/** Vendor and product IDs. @{ */
	uint16_t vid, pid;
	/** @} */
	/** Device class, subclass and protocol. @{ */
	uint8_t dev_class, dev_subclass, dev_protocol;
	/** @} */
	/** Interface class, subclass, protocol and number. @{ */
	uint8_t int_class, int_subclass, int_protocol, int_number;
	/** @} */
	uintptr_t driver_data; /**< free for the driver (chip type, quirks) */
};

/** Initialiser of a match entry for one vendor and product ID:
 * { DEVDRV_MATCH_DEVICE(0x0403, 0x6001) }. */
#define DEVDRV_MATCH_DEVICE(v, p) \
	.flags = DEVDRV_MATCH_VENDOR | DEVDRV_MATCH_PRODUCT, .vid = (v), .pid = (p)
/** Initialiser of a match entry for interfaces of class @p c, subclass @p s
 * and protocol @p p: { DEVDRV_MATCH_INTERFACE_CLASS(3, 0, 0) }. */
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

/** The name of a class ("raw", "serial", "hid", "block", "net").
 * @param cls  the class
 * @return a static string, never NULL ("unknown" for another value). */
const char *devdrv_class_name(enum devdrv_class cls);

struct devdrv_handle;

/** The driver ABI this header describes; a driver states it in api_version. */
#define DEVDRV_DRIVER_API_VERSION 1

/** Driver definition. Only api_version, name, cls and one of match/probe
 * are required. */
struct devdrv_driver {
	unsigned api_version;    /**< DEVDRV_DRIVER_API_VERSION */
	const char *name;        /**< short, for selectors: driver=NAME */
	const char *description; /**< one line, for 'devdrv drivers' */
	enum devdrv_class cls;   /**< what read and write mean, and the class API it answers */
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
 * @param drv  the driver
 * @return 0, DEVDRV_E_INVALID (wrong api_version, bad name, no match table
 *         and no probe, a name already registered: devdrv_context_errmsg(NULL)
 *         says which), DEVDRV_E_NOMEM. */
int devdrv_driver_register(const struct devdrv_driver *drv);
/** Remove a driver registered with devdrv_driver_register(); close its
 * handles first.
 * @param drv  the driver, as registered
 * @return 0, DEVDRV_E_NOT_FOUND. */
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
 * valid until the process exits.
 * @param[out] count  how many, or NULL
 * @return the array. */
const struct devdrv_driver *const *devdrv_drivers(size_t *count);

/* ---- handle accessors for drivers ------------------------------------- */
/* A driver's callbacks run on the thread that made the call on the handle
 * (open, read, write, ioctl, close), so these need no locking; transfer
 * callbacks may run on another thread (see devdrv_transfer_submit). */

/** The driver's per-handle state: priv_size bytes, zeroed at open.
 * @param h  the handle
 * @return the state, NULL when priv_size is 0. */
void *devdrv_handle_priv(struct devdrv_handle *h);
/** The context the handle was opened on (for devdrv_log()).
 * @param h  the handle
 * @return the context. */
struct devdrv_context *devdrv_handle_context(struct devdrv_handle *h);
/** Interface the handle is bound to (-1: none).
 * @param h  the handle
 * @return the interface number, or -1. */
int devdrv_handle_interface(struct devdrv_handle *h);
/** The bound driver's class_ops.
 * @param h  the handle
 * @return the driver's class_ops, or NULL. */
const void *devdrv_handle_class_ops(struct devdrv_handle *h);
/** The match table entry that bound the driver, NULL for probe-only drivers.
 * @param h  the handle
 * @return the entry (its driver_data is the driver's), or NULL. */
const struct devdrv_match *devdrv_handle_match(struct devdrv_handle *h);
/** The alternate setting selected on claimed interface @p iface (0 until
 * devdrv_usb_set_alt_setting() changes it); -1 if it is not claimed.
 * @param h      the handle
 * @param iface  an interface number
 * @return the alternate setting, or -1. */
int devdrv_handle_alt_setting(struct devdrv_handle *h, int iface);
/** Selector values `iface=`, `alt=`, `lun=`, `ep_in=`, `ep_out=`; -1 when not given.
 * @param h    the handle
 * @param key  "iface", "alt", "lun", "ep_in" or "ep_out"
 * @return the value the selector gave, or -1 (also for another key). */
int devdrv_handle_selector_int(struct devdrv_handle *h, const char *key);

/** The pipes default read/write use; 0 means none. */
struct devdrv_pipes {
	/** Endpoint addresses of the IN and OUT pipes. @{ */
	uint8_t in, out;
	/** @} */
	/** Their transfer types: endpoint attributes & 3 (2 bulk, 3 interrupt). @{ */
	uint8_t in_type, out_type;
	/** @} */
	/** Their wMaxPacketSize. @{ */
	uint16_t in_max_packet, out_max_packet;
	/** @} */
};
/** Make @p p the handle's pipes, for devdrv_default_read() and
 * devdrv_default_write().
 * @param h  the handle
 * @param p  the pipes, copied */
void devdrv_handle_set_pipes(struct devdrv_handle *h, const struct devdrv_pipes *p);
/** The handle's pipes.
 * @param h  the handle
 * @return them, valid until devdrv_close(). */
const struct devdrv_pipes *devdrv_handle_pipes(struct devdrv_handle *h);

/** Make the first bulk (else interrupt) IN and OUT endpoints of interface
 * @p iface, in the alternate setting last selected on it (0 at first), the
 * handle's pipes; on the bound interface, ep_in= and ep_out= from the
 * selector win. For drivers whose data lives on another interface than the
 * one they bind (CDC).
 * @param h      the handle
 * @param iface  the interface whose endpoints become the pipes
 * @return 0, DEVDRV_E_NOT_FOUND. */
int devdrv_handle_use_interface_pipes(struct devdrv_handle *h, int iface);

/* The generic callbacks, for drivers that extend them rather than replace
 * them: open claims the bound interface, selects the alternate setting the
 * selector names (alt=), and picks its first bulk/interrupt IN and OUT pipes
 * (or those the selector names); read/write use them. */
/** The generic open: claim the bound interface, select alt=, pick the pipes.
 * @param h  the handle being opened
 * @return 0, or the error of the claim, the alternate setting or the pipes. */
int devdrv_default_open(struct devdrv_handle *h);
/** The generic read: a bulk or interrupt transfer on the IN pipe.
 * @param h  the handle
 * @param buf, len, timeout_ms  as devdrv_read()
 * @return as devdrv_read(). */
ssize_t devdrv_default_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms);
/** The generic write: a bulk or interrupt transfer on the OUT pipe.
 * @param h  the handle
 * @param buf, len, timeout_ms  as devdrv_write()
 * @return as devdrv_write(). */
ssize_t devdrv_default_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms);

/* devdrv_handle_events() and the event loop: devdrv/events.h. */

/** Is the device still there? Asks the transport if no transfer has said so
 * yet.
 * @param h  the handle
 * @return 0, or DEVDRV_E_DISCONNECTED (and the handle stays so). */
int devdrv_handle_check_present(struct devdrv_handle *h);

/** Set the handle's detail string (printf format); returns @p code.
 * @param h     the handle
 * @param code  a DEVDRV_E_* code
 * @param fmt   printf format of the detail: what failed and why
 * @param ...   its arguments
 * @return @p code, so that a driver writes return devdrv_handle_fail(...). */
int devdrv_handle_fail(struct devdrv_handle *h, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Log through the context's callback.
 * @param ctx    the context
 * @param level  the message's level; above the context's, nothing is logged
 * @param fmt    printf format of the message, without a newline
 * @param ...    its arguments */
void devdrv_log(struct devdrv_context *ctx, enum devdrv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Log about handle @p h, prefixed with its driver and port ("ftdi 1-3: "),
 * as the kernel's dev_dbg() does. Any thread.
 * @param h      the handle
 * @param level  the message's level
 * @param fmt    printf format of the message, without a newline
 * @param ...    its arguments */
void devdrv_handle_log(struct devdrv_handle *h, enum devdrv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** devdrv_handle_log() at DEVDRV_LOG_ERROR. */
#define devdrv_err(h, ...) devdrv_handle_log((h), DEVDRV_LOG_ERROR, __VA_ARGS__)
/** devdrv_handle_log() at DEVDRV_LOG_WARN. */
#define devdrv_warn(h, ...) devdrv_handle_log((h), DEVDRV_LOG_WARN, __VA_ARGS__)
/** devdrv_handle_log() at DEVDRV_LOG_INFO. */
#define devdrv_info(h, ...) devdrv_handle_log((h), DEVDRV_LOG_INFO, __VA_ARGS__)
/** devdrv_handle_log() at DEVDRV_LOG_DEBUG. */
#define devdrv_dbg(h, ...) devdrv_handle_log((h), DEVDRV_LOG_DEBUG, __VA_ARGS__)

/* ---- descriptors ------------------------------------------------------- */

/** The active configuration (or the first), never NULL for an open handle
 * of a device with at least one configuration.
 * @param info  the device
 * @return the configuration, or NULL for a device without one. */
const struct devdrv_config_info *devdrv_active_config(const struct devdrv_device_info *info);

/** First alt-setting-0 descriptor of interface @p number, or NULL.
 * @param cfg     a configuration, or NULL
 * @param number  bInterfaceNumber
 * @return the descriptor, or NULL. */
const struct devdrv_interface_info *devdrv_find_interface(const struct devdrv_config_info *cfg,
                                                          int number);
/** Alternate setting @p alt of interface @p number, or NULL.
 * @param cfg     a configuration, or NULL
 * @param number  bInterfaceNumber
 * @param alt     bAlternateSetting
 * @return the descriptor, or NULL. */
const struct devdrv_interface_info *devdrv_find_interface_alt(const struct devdrv_config_info *cfg,
                                                              int number, int alt);

/** First endpoint of @p intf with direction @p in (1 IN, 0 OUT) and one of
 * the transfer types in @p type_mask (1 << 2 bulk, 1 << 3 interrupt).
 * @param intf       an interface descriptor, or NULL
 * @param in         1 IN, 0 OUT
 * @param type_mask  bit N set: transfer type N will do
 * @return the endpoint, or NULL. */
const struct devdrv_endpoint_info *devdrv_find_endpoint(const struct devdrv_interface_info *intf,
                                                        int in, unsigned type_mask);

/**
 * Walk descriptors in @p buf: returns the next descriptor at or after
 * *offset whose bDescriptorType is @p type (0: any) and advances *offset past
 * it; NULL at the end or on a malformed length (bLength < 2 or past the end).
 * @param buf     descriptors, e.g. a configuration's raw or an interface's extra
 * @param len     bytes in @p buf
 * @param[in,out] offset  where to start; on return, just past the one found
 * @param type    bDescriptorType wanted, 0 any
 * @return the descriptor (its bLength first), or NULL.
 */
const uint8_t *devdrv_desc_next(const uint8_t *buf, size_t len, size_t *offset, uint8_t type);

/* ---- transfers --------------------------------------------------------- */

/** Transfer types, numbered as in the endpoint descriptor's bmAttributes. */
enum devdrv_transfer_type {
	DEVDRV_TRANSFER_CONTROL = 0,   /**< on endpoint 0, with a setup packet */
	DEVDRV_TRANSFER_BULK = 2,      /**< bulk */
	DEVDRV_TRANSFER_INTERRUPT = 3, /**< interrupt */
};

struct devdrv_transfer;
/** Completion callback of an asynchronous transfer: status and
 * actual_length are set. It may submit the transfer again.
 * @param t  the transfer */
typedef void (*devdrv_transfer_cb)(struct devdrv_transfer *t);

/** One USB request. Control transfers carry their setup packet in @p setup and
 * their data stage in buffer/length. The same struct goes through every layer. */
struct devdrv_transfer {
	struct devdrv_handle *handle;   /**< the handle it goes to */
	enum devdrv_transfer_type type; /**< control, bulk or interrupt */
	uint8_t endpoint;               /**< address, bit 7 set: IN; 0 for control */
	/** The setup packet of a control transfer (its wLength is length). */
	struct {
		/** bmRequestType and bRequest. @{ */
		uint8_t request_type, request;
		/** @} */
		/** wValue and wIndex. @{ */
		uint16_t value, index;
		/** @} */
	} setup;
	uint8_t *buffer;            /**< data to send, or room for what comes in */
	size_t length;              /**< bytes of buffer to transfer */
	unsigned timeout_ms;        /**< 0: none */
	devdrv_transfer_cb callback; /**< may be NULL when waited for */
	void *user_data;            /**< free for the submitter */

	/* results, valid once completed */
	int status;                 /**< 0 or a DEVDRV_E_* code */
	size_t actual_length;       /**< bytes transferred */
	/* The framework keeps its own state after these fields: a transfer
	 * comes from devdrv_transfer_alloc(), never from the stack or a struct. */
};

/** A zeroed transfer with the framework's state; NULL when out of memory.
 * Any thread. Reuse it for as many submissions as you like.
 * @return the transfer, or NULL. */
struct devdrv_transfer *devdrv_transfer_alloc(void);
/** Free a transfer that is not in flight. NULL is a no-op.
 * @param t  the transfer */
void devdrv_transfer_free(struct devdrv_transfer *t);

/** Submit asynchronously. Submit never completes the transfer itself: the
 * callback runs later, on a thread that handles events (a synchronous call
 * or devdrv_handle_events(), any thread), and may submit again. From submit
 * until its callback has run (or, with no callback, until the wait returns)
 * the transfer and its buffer belong to the framework. The handle's thread,
 * or a callback of the handle's transfers.
 * @param t  the transfer, filled in
 * @return 0, DEVDRV_E_INVALID, DEVDRV_E_DISCONNECTED, DEVDRV_E_NOMEM, DEVDRV_E_IO. */
int devdrv_transfer_submit(struct devdrv_transfer *t);
/** Ask for cancellation; completion still arrives, with DEVDRV_E_CANCELLED
 * (or the status it had already reached). Any thread.
 * @param t  a submitted transfer
 * @return 0, DEVDRV_E_INVALID (no transfer or no handle), or the
 *         transport's error. */
int devdrv_transfer_cancel(struct devdrv_transfer *t);
/** Block until @p t completes (its own timeout applies) and, if it has a
 * callback, until that callback has returned; other transfers' callbacks
 * run meanwhile. One waiter per transfer.
 * @param t  a submitted transfer
 * @return t->status. */
int devdrv_transfer_wait(struct devdrv_transfer *t);

/** Wait, @p lock held, on @p cond, a condition that a callback of the
 * handle's transfers signals (a driver keeping a status transfer posted
 * waits so for its reports), until it is signalled or the CLOCK_MONOTONIC
 * @p deadline passes. With the event thread this is
 * pthread_cond_timedwait(); a context without it
 * (DEVDRV_EVENTS_APPLICATION) has no other thread to run that callback,
 * so the wait handles the context's events itself instead, @p lock
 * released meanwhile, for a slice at most. Either way it may return
 * before anything changed: check the condition again, as after
 * pthread_cond_wait().
 * @param h         the handle whose transfers' callbacks signal @p cond
 * @param cond      made with pthread_condattr_setclock(CLOCK_MONOTONIC)
 * @param lock      held by the caller, as for pthread_cond_wait()
 * @param deadline  CLOCK_MONOTONIC; NULL for no limit
 * @return 0; DEVDRV_E_TIMEOUT once @p deadline has passed; or the error of
 *         handling events (the wait then sleeps its slice, not spin). */
int devdrv_handle_wait(struct devdrv_handle *h, pthread_cond_t *cond, pthread_mutex_t *lock,
                       const struct timespec *deadline);

/* Synchronous helpers, built on submit + wait. They return the bytes
 * transferred or a DEVDRV_E_* code, and set the handle's detail on failure. */
/** A control transfer on endpoint 0, direction from bit 7 of @p request_type.
 * @param h  the handle
 * @param request_type, request, value, index  the setup packet
 * @param data        the data stage (IN: room for it)
 * @param len         its length (wLength)
 * @param timeout_ms  0: none
 * @return bytes transferred in the data stage, or a DEVDRV_E_* code. */
int devdrv_usb_control(struct devdrv_handle *h, uint8_t request_type, uint8_t request,
                       uint16_t value, uint16_t index, void *data, uint16_t len,
                       unsigned timeout_ms);
/** A bulk transfer; the direction is bit 7 of @p endpoint.
 * @param h           the handle
 * @param endpoint    the endpoint's address
 * @param data        what to send, or room for what comes in
 * @param len         its length
 * @param timeout_ms  0: none
 * @return bytes transferred, or a DEVDRV_E_* code. */
ssize_t devdrv_usb_bulk(struct devdrv_handle *h, uint8_t endpoint, void *data, size_t len,
                        unsigned timeout_ms);
/** An interrupt transfer; the direction is bit 7 of @p endpoint.
 * @param h           the handle
 * @param endpoint    the endpoint's address
 * @param data        what to send, or room for what comes in
 * @param len         its length
 * @param timeout_ms  0: none
 * @return bytes transferred, or a DEVDRV_E_* code. */
ssize_t devdrv_usb_interrupt(struct devdrv_handle *h, uint8_t endpoint, void *data, size_t len,
                             unsigned timeout_ms);

/** Claim interface @p iface for the handle, detaching a kernel driver bound
 * to it; a claimed interface starts in alternate setting 0. Claiming it
 * again is a no-op. The core releases every claim at close.
 * @param h      the handle
 * @param iface  bInterfaceNumber (0-255)
 * @return 0, DEVDRV_E_INVALID (out of range), DEVDRV_E_BUSY (claimed by
 *         another program, or a kernel driver that will not detach),
 *         DEVDRV_E_ACCESS, DEVDRV_E_DISCONNECTED, DEVDRV_E_IO. */
int devdrv_usb_claim_interface(struct devdrv_handle *h, int iface);
/** Release interface @p iface claimed with devdrv_usb_claim_interface().
 * @param h      the handle
 * @param iface  bInterfaceNumber
 * @return 0, DEVDRV_E_INVALID (not claimed), or the transport's error. */
int devdrv_usb_release_interface(struct devdrv_handle *h, int iface);
/** Select alternate setting @p alt of claimed interface @p iface (SET_INTERFACE).
 * Endpoints that exist only in that setting become usable; pick them with
 * devdrv_handle_use_interface_pipes().
 * @param h      the handle
 * @param iface  bInterfaceNumber, claimed
 * @param alt    bAlternateSetting
 * @return 0, DEVDRV_E_INVALID (not
 * claimed, or the descriptors have no such setting), a transfer error. */
int devdrv_usb_set_alt_setting(struct devdrv_handle *h, int iface, int alt);
/** Clear a halt (stall) of @p endpoint (CLEAR_FEATURE(ENDPOINT_HALT)).
 * @param h         the handle
 * @param endpoint  the endpoint's address
 * @return 0 or a transfer error. */
int devdrv_usb_clear_halt(struct devdrv_handle *h, uint8_t endpoint);
/** Reset the device (a USB port reset), as DEVDRV_IOC_RESET does.
 * @param h  the handle
 * @return 0 or a transfer error; over libusb, DEVDRV_E_NOT_FOUND when the
 *         device came back different (its descriptors changed) and must be
 *         opened again. */
int devdrv_usb_reset(struct devdrv_handle *h);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
