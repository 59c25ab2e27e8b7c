/* internal.h — libdevdrv's private core: the context, device records, handles,
 * the transport contract, the selector and the binder. Not installed. */
#ifndef DEVDRV_INTERNAL_H
#define DEVDRV_INTERNAL_H

#include <devdrv/devdrv.h>
#include <devdrv/driver.h>
#include <devdrv/filter.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>

#define DD_ERRMSG_LEN 256
#define DD_PORT_LEN 40
#define DD_MAX_TRANSPORTS 4
#define DD_MAX_INTERFACES 256 /* bInterfaceNumber is a byte */

struct dd_device;
struct dd_device_vec;

/* ---- transports --------------------------------------------------------- */

/* A transport moves transfers for one kind of bus (libusb, virtual). It owns
 * an opaque per-context state, per-device references and per-handle state. */
struct dd_transport_ops {
	const char *name;
	unsigned id; /* enum devdrv_transport bit */
	int (*init)(struct devdrv_context *ctx, void **state);
	void (*exit)(void *state);
	/* Append one record per device to @out (dd_device_vec_push). */
	int (*enumerate)(struct devdrv_context *ctx, void *state, struct dd_device_vec *out);
	void (*device_release)(void *tdev);
	int (*open)(struct devdrv_handle *h);
	void (*close)(struct devdrv_handle *h);
	int (*claim)(struct devdrv_handle *h, int iface);
	int (*release)(struct devdrv_handle *h, int iface);
	int (*set_alt)(struct devdrv_handle *h, int iface, int alt);
	int (*clear_halt)(struct devdrv_handle *h, uint8_t ep);
	int (*reset)(struct devdrv_handle *h);
	int (*submit)(struct devdrv_transfer *t);
	int (*cancel)(struct devdrv_transfer *t);
	int (*wait)(struct devdrv_transfer *t);
	/* Run completions that are due, waiting up to @timeout_ms for one. */
	int (*handle_events)(void *state, unsigned timeout_ms);
	/* For an event loop: append the transport's own descriptors to @fds (at
	 * most @max; return how many it has) and lower *timeout_ms (-1: none) to
	 * when it next has work. Transports without descriptors signal the
	 * context's wake-up (dd_ctx_wake) when a completion is queued. */
	int (*poll_info)(void *state, struct pollfd *fds, size_t max, int *timeout_ms);
	/* Start telling the context (dd_hotplug_changed) when devices come and
	 * go; NULL: its devices never change, or it always tells. */
	int (*watch)(void *state);
	/* After an I/O error: 1 if the device still answers, 0 if it is gone. */
	int (*present)(struct devdrv_handle *h);
	/* A device listed without descriptors (nothing can bind it): why, as a
	 * code with the context's message set; NULL or 0: the usual message. */
	int (*undescribed)(struct devdrv_context *ctx, const struct dd_device *dev);
	/* Bytes of per-transfer state the transport keeps in dd_transfer.tpriv
	 * (at most DD_TPRIV_MAX): no allocation of its own per transfer. */
	size_t transfer_priv_size;
};

/* ---- transfers: the framework's part ------------------------------------ */

#define DD_TPRIV_MAX 96

/* What the framework keeps with every transfer, after the public part.
 * devdrv_transfer_alloc() allocates one; the synchronous helpers keep one
 * on the stack. */
struct dd_transfer {
	struct devdrv_transfer pub;
	/* Set when the transfer is finished for its waiter; the transport's to
	 * write, except for transfers a filter completes. */
	int completed;
	/* The lowest lower filter that passed it down: completion hooks run
	 * from there upwards. NULL: no filter has (or none are attached). */
	struct devdrv_filter *passed_by;
	int by_filter;       /* completed by a filter, not by the transport */
	int deferred_running; /* its callback runs now (filter completions) */
	struct dd_transfer *deferred_next;
	struct dd_transfer *cq_next; /* in a transport's completion queue (cq.h) */
	uint64_t submitted_ns;
	_Alignas(max_align_t) unsigned char tpriv[DD_TPRIV_MAX];
};

static inline struct dd_transfer *dd_xfer(struct devdrv_transfer *t)
{
	return (struct dd_transfer *)t;
}

/* A transport finished callback transfer @t: run the filters' completion
 * hooks, then its callback. Called without transport locks held. */
void dd_transfer_complete(struct devdrv_transfer *t);

/* Transports register in a linker section; the context starts those whose
 * id is in its mask, in id order. */
#define DD_TRANSPORT_REGISTER(ops)                                                  \
	static const struct dd_transport_ops *const dd_transport_entry_##ops         \
	    __attribute__((used, section("dd_section_transports"), aligned(sizeof(void *)))) = &(ops)

/* The transport with @id, or NULL. */
const struct dd_transport_ops *dd_transport_by_id(unsigned id);
/* The state of @ctx's transport @ops, or NULL if the context has none. */
void *dd_ctx_transport_state(struct devdrv_context *ctx, const struct dd_transport_ops *ops);

/* Transports that run completion callbacks keep a list of those running
 * now, under their own lock: devdrv_transfer_wait() returns only once the
 * transfer's callback has returned. Each entry lives on the stack of the
 * thread running the callback. */
struct dd_running {
	const struct devdrv_transfer *t;
	struct dd_running *next;
};

static inline void dd_running_enter(struct dd_running **list, struct dd_running *self, const struct devdrv_transfer *t)
{
	self->t = t;
	self->next = *list;
	*list = self;
}

static inline void dd_running_leave(struct dd_running **list, struct dd_running *self)
{
	for (struct dd_running **r = list; *r; r = &(*r)->next)
		if (*r == self) {
			*r = self->next;
			return;
		}
}

static inline int dd_running_has(const struct dd_running *list, const struct devdrv_transfer *t)
{
	for (; list; list = list->next)
		if (list->t == t)
			return 1;
	return 0;
}

/* ---- context ------------------------------------------------------------ */

struct dd_transport_slot {
	const struct dd_transport_ops *ops;
	void *state;
};

struct devdrv_context {
	devdrv_log_fn log_fn;
	void *log_user;
	enum devdrv_log_level log_level;
	int log_to_stderr; /* only when the user asked with $DEVDRV_DEBUG */
	struct dd_transport_slot transports[DD_MAX_TRANSPORTS];
	int num_transports;
	char *filters; /* NAME[:ARGS];... attached to every handle, or NULL */
	/* Transfers completed by filters, waiting for event handling. */
	pthread_mutex_t deferred_lock;
	pthread_cond_t deferred_cond;
	struct dd_transfer *deferred, **deferred_tail;
	_Atomic int deferred_pending; /* the queue is not empty: read without the lock */
	struct dd_events *events;     /* the wake-up descriptor and the event thread */
	struct dd_hotplug *hotplug;   /* callbacks and the devices last seen, or NULL */
};

/* ---- event loop (events.c) and hotplug (hotplug.c) ------------------------ */

int dd_events_init(struct devdrv_context *ctx, int mode);
/* Stop the event thread (if it runs) and close the wake-up descriptor. */
void dd_events_exit(struct devdrv_context *ctx);
/* Something is due for event handling: wake a thread polling the context. */
void dd_ctx_wake(struct devdrv_context *ctx);
/* In DEVDRV_EVENTS_THREAD mode, start the event thread if it does not run. */
int dd_events_need_thread(struct devdrv_context *ctx);
/* Does the library's event thread run completions (DEVDRV_EVENTS_THREAD)?
 * Else whoever waits must handle events itself. */
int dd_events_threaded(struct devdrv_context *ctx);
/* A transport saw devices come or go: event handling compares. */
void dd_hotplug_changed(struct devdrv_context *ctx);
/* Deliver hotplug events if devices changed; from event handling. */
void dd_hotplug_dispatch(struct devdrv_context *ctx);
int dd_hotplug_init(struct devdrv_context *ctx);
void dd_hotplug_free(struct devdrv_context *ctx);
/* A change waits for dispatch; lowers *timeout_ms (-1: none) to when. */
int dd_hotplug_pending(struct devdrv_context *ctx, int *timeout_ms);
/* Did the device at @port of @ops arrive less than @ms ago (as hotplug saw)? */
int dd_hotplug_recent(struct devdrv_context *ctx, const struct dd_transport_ops *ops, const char *port,
                      unsigned ms);

/* Record a context-level failure for the calling thread; returns @code. */
int dd_ctx_fail(struct devdrv_context *ctx, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dd_vlog(struct devdrv_context *ctx, enum devdrv_log_level level, const char *fmt, va_list ap);

#define dd_err(ctx, ...) devdrv_log((ctx), DEVDRV_LOG_ERROR, __VA_ARGS__)
#define dd_warn(ctx, ...) devdrv_log((ctx), DEVDRV_LOG_WARN, __VA_ARGS__)
#define dd_info(ctx, ...) devdrv_log((ctx), DEVDRV_LOG_INFO, __VA_ARGS__)
#define dd_dbg(ctx, ...) devdrv_log((ctx), DEVDRV_LOG_DEBUG, __VA_ARGS__)

/* ---- device records ------------------------------------------------------ */

/* The public info is the first member so a record is its own info. The
 * record owns every string and array the info points to. */
struct dd_device {
	struct devdrv_device_info info;
	const struct dd_transport_ops *ops;
	void *tstate;
	void *tdev;
	char port_path[DD_PORT_LEN];
};

struct dd_device_vec {
	struct dd_device **items;
	size_t count, cap;
	unsigned skipped; /* devices a transport could not describe (one just arriving or leaving) */
};

struct dd_device *dd_device_new(const struct dd_transport_ops *ops, void *tstate, void *tdev);
void dd_device_free(struct dd_device *dev);
int dd_device_vec_push(struct dd_device_vec *v, struct dd_device *dev);
void dd_device_vec_clear(struct dd_device_vec *v);

int dd_device_set_string(const char **field, const char *value);
/* Parse an untrusted configuration descriptor and append it to @dev. */
int dd_device_add_config(struct dd_device *dev, const uint8_t *raw, size_t len);
/* Set the kernel driver of every alt setting of interface @ifnum, and the
 * name of alt setting @name_alt (sysfs knows only the current one's). */
int dd_device_set_interface_strings(struct dd_device *dev, uint8_t cfg_value, uint8_t ifnum,
                                    const char *kernel_driver, int name_alt, const char *name);

/* Descriptor parsing, exposed for tests: fills @cfg from @raw (copied). */
int dd_parse_config(const uint8_t *raw, size_t len, struct devdrv_config_info *cfg);
void dd_config_clear(struct devdrv_config_info *cfg);

/* Enumerate every transport, bind, and sort. */
int dd_enumerate(struct devdrv_context *ctx, struct dd_device_vec *out);

/* ---- selectors ------------------------------------------------------------ */

enum dd_selector_field {
	DD_SEL_VID = 1 << 0,
	DD_SEL_PID = 1 << 1,
	DD_SEL_BUS = 1 << 2,
	DD_SEL_ADDR = 1 << 3,
	DD_SEL_PORT = 1 << 4,
	DD_SEL_SERIAL = 1 << 5,
	DD_SEL_DRIVER = 1 << 6,
	DD_SEL_IFACE = 1 << 7,
	DD_SEL_EP_IN = 1 << 8,
	DD_SEL_EP_OUT = 1 << 9,
	DD_SEL_INDEX = 1 << 10,
	DD_SEL_TRANSPORT = 1 << 11,
	DD_SEL_ALT = 1 << 12,
	DD_SEL_LUN = 1 << 13,
};

struct dd_selector {
	unsigned has;
	uint16_t vid, pid;
	unsigned bus, addr;
	char port[DD_PORT_LEN];
	char serial[128];
	char driver[48];
	char transport[16];
	int iface, alt, lun, ep_in, ep_out;
	unsigned index;
};

/* @err gets a one-line message quoting the offending part. */
int dd_selector_parse(const char *text, struct dd_selector *sel, char *err, size_t errlen);
/* Everything but driver= and #N, which need binding and list order. */
int dd_selector_match_fields(const struct dd_selector *sel, const struct devdrv_device_info *info);

/* ---- binding --------------------------------------------------------------- */

struct dd_binding {
	const struct devdrv_driver *driver;
	const struct devdrv_match *match;
	int iface;
	int score;
};

/* How specific @m is for this device/interface: 0 no match, higher wins. */
int dd_match_score(const struct devdrv_match *m, const struct devdrv_device_info *info,
                   const struct devdrv_interface_info *intf);
/* Best driver for @info, optionally only @only (driver name) and only
 * interface @iface (-1: any). Returns 0 or DEVDRV_E_NO_DRIVER. */
int dd_bind(const struct devdrv_device_info *info, const char *only, int iface, struct dd_binding *out);
const struct devdrv_driver *dd_driver_by_name(const char *name);

/* ---- selection (select.c) --------------------------------------------------- */

/* The index-th device of @v the selector names, removed from @v (the caller
 * owns it); NULL with *rc and the context's detail set. */
struct dd_device *dd_select_device(struct devdrv_context *ctx, const char *text, const struct dd_selector *sel,
                                   struct dd_device_vec *v, int *rc);
/* Parse @text, failing the context with the parser's message. */
int dd_parse_selector(struct devdrv_context *ctx, const char *text, struct dd_selector *sel);

/* Built-in net drivers: *(int *)arg is set to 1 when a received frame is
 * waiting (devdrv_read() returns it without waiting), else 0. The TAP
 * bridge joins TCP segments while it is 1. Private: nr 0x80 and up. */
#define DD_IOC_NET_RX_PENDING DEVDRV_IOC(4, 0x80)

/* ---- handles ------------------------------------------------------------- */

struct devdrv_handle {
	struct devdrv_context *ctx;
	struct dd_device *dev;
	struct dd_binding bind;
	struct dd_selector sel;
	struct devdrv_pipes pipes;
	uint32_t claimed[DD_MAX_INTERFACES / 32]; /* bit per interface number */
	uint8_t alt[DD_MAX_INTERFACES];            /* alternate setting we selected */
	_Atomic int disconnected; /* set on the handle's thread, read by callbacks on others */
	void *tpriv;
	void *priv;
	/* The filters, each list top to bottom: upper ones between the caller
	 * and the driver, lower ones between the driver and the transport. */
	struct devdrv_filter *upper, *lower;
	struct dd_plugin *plugin;         /* the loaded plugin of its driver, or NULL */
	struct devdrv_driver *plugin_driver; /* the loaded driver, defaults filled */
	const void *open_arg; /* class settings to open with (devdrv_serial_open), or NULL */
	/* Reconnection (DEVDRV_OPEN_RECONNECT): the selector to find the device
	 * again, the class asked for, the application's callback, and the
	 * hotplug watch that says the device is back. */
	char *selector;
	int want_class;
	int reconnect;
	void (*on_reconnect)(struct devdrv_handle *h, void *user);
	void *reconnect_user;
	int reconnect_watch;
	_Atomic int device_back; /* set by the watch on any thread, read on the handle's */
	int driver_open;         /* the driver's open succeeded: its close is due */
	int whole_device;        /* no function driver: every interface claimed (USB/IP export) */
	/* The detail of the last failure. A transfer callback may fail on
	 * another thread (a resubmit after an unplug), so it is written and read
	 * under a lock; errseq counts failures, to tell whether a layer below
	 * already said what went wrong. */
	pthread_mutex_t errlock;
	unsigned errseq;
	char errmsg[DD_ERRMSG_LEN];
};


/* devdrv_open() for a class API: @want_class (-1: any) must be the bound
 * driver's class, and @open_arg reaches the class core's open. */
int dd_open(struct devdrv_context *ctx, const char *selector, int want_class, const void *open_arg,
            struct devdrv_handle **out);

/* Open the whole device @selector names without a function driver, every
 * interface of its active configuration claimed: for the USB/IP server,
 * which hands the device to another machine's drivers. Reads and writes on
 * it are refused; transfers go to any endpoint of a current setting. */
int dd_open_whole_device(struct devdrv_context *ctx, const char *selector, struct devdrv_handle **out);

/* How many failures @h has recorded: unchanged across a call means the
 * call set no detail of its own. */
unsigned dd_handle_errseq(struct devdrv_handle *h);

/* Has @h claimed interface @iface? */
int dd_handle_claimed(const struct devdrv_handle *h, int iface);

/* ---- plugins (plugins.c) ------------------------------------------------------ */

struct dd_plugin;

/* Find the plugins and register stubs of their drivers, once per process. */
void dd_plugins_scan(struct devdrv_context *ctx);
/* Load @p (or take another reference) and find its driver @name. */
int dd_plugin_acquire_driver(struct dd_plugin *p, const char *name, const struct devdrv_driver **out,
                             char *err, size_t errlen);
const struct devdrv_filter_ops *dd_plugin_acquire_filter(const char *name, size_t len, struct dd_plugin **owner);
const struct devdrv_vmodel *dd_plugin_acquire_model(const char *name, struct dd_plugin **owner);
/* Every model of the plugins' index, by name (nothing is loaded). */
void dd_plugin_each_model(void (*fn)(const char *name, void *user), void *user);
/* A plugin filter's name and position from the index, without loading; NULL
 * if no plugin has it. */
const char *dd_plugin_filter_info(const char *name, size_t len, enum devdrv_filter_position *pos);
/* Drop a reference; the last one unloads the plugin. NULL is a no-op. */
void dd_plugin_release(struct dd_plugin *p);
int dd_plugin_describe(const struct dd_plugin *p, const char **path, int *loaded);
/* The registry side (binding.c): a stub for a plugin's driver, and the
 * plugin behind a registered driver (NULL: built in or the program's). */
int dd_registry_add_plugin_driver(const struct devdrv_driver *stub, struct dd_plugin *p);
struct dd_plugin *dd_driver_plugin(const struct devdrv_driver *drv);
/* A registered copy of @drv with the defaults filled in; free() it. */
struct devdrv_driver *dd_driver_filled_copy(const struct devdrv_driver *drv);

/* ---- the stack (stack.c) ---------------------------------------------------- */

/* Built-in filters register in a linker section, as built-in drivers do. */
#define DD_FILTER_REGISTER(ops)                                                     \
	static const struct devdrv_filter_ops *const dd_filter_entry_##ops           \
	    __attribute__((used, section("dd_section_filters"), aligned(sizeof(void *)))) = &(ops)

struct devdrv_filter {
	const struct devdrv_filter_ops *ops;
	void *priv;
	struct devdrv_handle *handle;
	char *args;
	struct dd_plugin *plugin; /* the plugin it came from, held while attached */
	struct devdrv_filter *above, *below; /* neighbours at the same position */
};

/* Every name in @spec is a known filter (arguments are checked at attach). */
int dd_filter_spec_check(struct devdrv_context *ctx, const char *spec);
/* Attach every filter of @spec ("NAME[:ARGS];NAME..."), in order. */
int dd_stack_attach_spec(struct devdrv_handle *h, const char *spec);
/* Detach and free every filter of @h, bottom-up. */
void dd_stack_detach_all(struct devdrv_handle *h);
/* Send @t into the lower half of the stack, from its top. */
int dd_stack_submit(struct devdrv_transfer *t);
/* Run the completion hooks of @t's filters, bottom-up. */
void dd_stack_complete_hooks(struct devdrv_transfer *t);
ssize_t dd_stack_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms);
ssize_t dd_stack_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms);
int dd_stack_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size);
/* The driver's own ioctl, then the core's: the bottom of the upper half. */
int dd_driver_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size);

/* Deliver the completions filters made; returns how many. */
int dd_deferred_dispatch(struct devdrv_context *ctx);
/* Wait until @x, completed by a filter, is finished for its waiter. */
void dd_deferred_wait(struct devdrv_context *ctx, struct dd_transfer *x);

/* ---- virtual bus, for tests -------------------------------------------------- */

/* One control transfer a virtual device received, and how it ended. */
struct dd_vcontrol {
	uint8_t request_type, request;
	uint16_t value, index, length;
	uint8_t data[16]; /* first bytes of the data stage (either direction) */
	int status;       /* 0 or DEVDRV_E_PIPE */
};

#define DD_VCONTROL_LOG 128

/* Copy the control transfers the device at @port received (oldest first, at
 * most the last DD_VCONTROL_LOG) into @out; returns how many. */
size_t dd_virtual_control_log(struct devdrv_context *ctx, const char *port, struct dd_vcontrol *out,
                              size_t max);
void dd_virtual_control_log_clear(struct devdrv_context *ctx, const char *port);
/* Fault injection: the @n-th transfer submitted to the device at @port from
 * now on (1: the next) finds it unplugged; 0 cancels. */
int dd_virtual_disconnect_after(struct devdrv_context *ctx, const char *port, unsigned long n);

/* Pretty endpoint description for messages: "bulk IN 0x81". */
const char *dd_transfer_kind(enum devdrv_transfer_type type);

#endif
