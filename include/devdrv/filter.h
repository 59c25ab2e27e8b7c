/** @file
 * Filter drivers: layers stacked above and below a function driver.
 *
 * A handle is a stack, top to bottom:
 *
 *     application (devdrv_read, devdrv_write, devdrv_ioctl)
 *     upper filters      see device-level requests: read, write, ioctl
 *     function driver    the driver bound to the device (ftdi, msc, ...)
 *     lower filters      see every USB transfer: control (with its setup
 *                        packet), bulk, interrupt; submit and completion
 *     transport          libusb, the virtual bus, a replayed recording
 *
 * A request goes down one layer at a time: each filter either handles it or
 * passes it to the next lower layer (devdrv_filter_pass(), or the *_next
 * functions for upper filters). A callback a filter leaves NULL passes the
 * request through untouched. Completions of transfers come back up: each
 * lower filter that passed a transfer down sees its completion, bottom
 * first, before the submitter's callback or wait returns. A filter may also
 * complete a transfer itself (devdrv_filter_complete()); the layers below
 * it never see that transfer.
 *
 * Filters are attached to every handle a context opens (the `filters`
 * context option, the DEVDRV_FILTER environment variable, the CLI's
 * \--filter), or to one handle with devdrv_filter_attach(). Within each
 * position, filters attached first sit on top.
 *
 * Threads: submit and the upper-filter callbacks run on the thread that
 * called into the handle; complete runs on whichever thread handles events,
 * possibly at the same time as a submit of another transfer. A filter that
 * keeps shared state in its priv locks it.
 */
#ifndef DEVDRV_FILTER_H
#define DEVDRV_FILTER_H

#include <devdrv/driver.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** The filter ABI this header describes; a filter states it in api_version. */
#define DEVDRV_FILTER_API_VERSION 1

/** Where a filter sits in a handle's stack. */
enum devdrv_filter_position {
	DEVDRV_FILTER_LOWER = 0, /**< between the function driver and the transport */
	DEVDRV_FILTER_UPPER = 1, /**< between the application and the function driver */
};

/** One filter on one handle. */
struct devdrv_filter;

/** A filter: its name and callbacks, registered with
 * devdrv_filter_register() or brought by a plugin. */
struct devdrv_filter_ops {
	unsigned api_version;    /**< DEVDRV_FILTER_API_VERSION */
	const char *name;        /**< for \--filter NAME[:ARGS] */
	const char *description; /**< one line, for 'devdrv filters' */
	const char *usage;       /**< the ARGS it takes, e.g.\ "FILE.pcap"; NULL: none */
	enum devdrv_filter_position position; /**< lower or upper: which callbacks apply */
	size_t priv_size;        /**< per-instance state the core allocates, zeroed */

	/** Set up an instance; @p args is the text after "NAME:" or NULL.
	 * Refuse a bad argument with devdrv_filter_fail() and DEVDRV_E_INVALID:
	 * the handle does not open. NULL: takes no arguments. */
	int (*attach)(struct devdrv_filter *f, const char *args);
	/** Tear down (flush, free). Runs when the handle closes, after the
	 * function driver's close and after every transfer completed. */
	void (*detach)(struct devdrv_filter *f);

	/* Lower filters. */
	/** A transfer on its way down. Pass it on with devdrv_filter_pass() and
	 * return what that returns, complete it with devdrv_filter_complete()
	 * and return 0, or refuse it by returning a DEVDRV_E_* code (it then
	 * never completes, as a failed submit). */
	int (*submit)(struct devdrv_filter *f, struct devdrv_transfer *t);
	/** A transfer this filter passed down has completed: status and
	 * actual_length are set, and IN data is in the buffer. The filter may
	 * change status and actual_length (never beyond t->length). */
	void (*complete)(struct devdrv_filter *f, struct devdrv_transfer *t);

	/* Upper filters; the *_next functions pass the request on. */
	/** A devdrv_read() on its way down, with its arguments: answer it, or
	 * pass it on with devdrv_filter_read_next(). Returns as devdrv_read(). */
	ssize_t (*read)(struct devdrv_filter *f, void *buf, size_t len, unsigned timeout_ms);
	/** A devdrv_write(): answer it, or pass it on with
	 * devdrv_filter_write_next(). Returns as devdrv_write(). */
	ssize_t (*write)(struct devdrv_filter *f, const void *buf, size_t len, unsigned timeout_ms);
	/** A devdrv_ioctl(): answer it, or pass it on with
	 * devdrv_filter_ioctl_next(). Returns as devdrv_ioctl(). */
	int (*ioctl)(struct devdrv_filter *f, unsigned request, void *arg, size_t arg_size);
};

/** Make a filter known to every context of the process, by name. The ops
 * must stay valid (static storage) until the process ends or the filter is
 * unregistered. Any thread.
 * @param ops  the filter
 * @return 0, DEVDRV_E_INVALID (wrong api_version, no name, a name already
 *         registered, callbacks that do not fit the position). */
int devdrv_filter_register(const struct devdrv_filter_ops *ops);
/** Forget a filter registered with devdrv_filter_register(); instances on
 * open handles are not affected, so close those first.
 * @param ops  the filter, as registered
 * @return 0, DEVDRV_E_NOT_FOUND (not registered). */
int devdrv_filter_unregister(const struct devdrv_filter_ops *ops);

/** Every known filter, built-in and registered, sorted by name; fills at
 * most @p max entries and returns how many exist. Any thread.
 * @param[out] out  room for @p max filters, or NULL to count them
 * @param max       entries of @p out
 * @return how many filters there are (more than @p max: not all were written). */
size_t devdrv_filters(const struct devdrv_filter_ops **out, size_t max);

/** Attach filter @p spec ("NAME" or "NAME:ARGS") to an open handle, on top
 * of those at its position. On the handle's thread, with no transfer of the
 * handle in flight. A lower filter attached after open misses what the
 * driver did during open; attach it to the context instead.
 * @param h     an open handle
 * @param spec  the filter and its arguments
 * @return 0, DEVDRV_E_NOT_FOUND (no such filter), DEVDRV_E_INVALID (bad
 *         arguments), DEVDRV_E_NOMEM. */
int devdrv_filter_attach(struct devdrv_handle *h, const char *spec);
/** Detach the topmost filter named @p name from @p h, running its detach
 * callback. Same rules as attach.
 * @param h     an open handle
 * @param name  the filter's name, without arguments
 * @return 0, DEVDRV_E_NOT_FOUND. */
int devdrv_filter_detach(struct devdrv_handle *h, const char *name);

/** The topmost filter named @p name on @p h, or NULL: for a filter's own
 * query functions (devdrv_stats_get()).
 * @param h     an open handle
 * @param name  the filter's name
 * @return the filter instance, valid until it is detached, or NULL. */
struct devdrv_filter *devdrv_handle_filter(struct devdrv_handle *h, const char *name);

/** One layer of a handle's stack, for display. */
struct devdrv_layer_info {
	const char *kind; /**< "upper filter", "driver", "lower filter", "transport" */
	const char *name; /**< the filter's, driver's or transport's name */
	const char *args; /**< a filter's arguments, or NULL */
};
/** The layers of @p h, top to bottom; fills at most @p max, returns how many
 * there are. The strings live as long as the layer.
 * @param h         an open handle
 * @param[out] out  room for @p max layers, or NULL to count them
 * @param max       entries of @p out
 * @return how many layers there are. */
size_t devdrv_handle_layers(struct devdrv_handle *h, struct devdrv_layer_info *out, size_t max);

/** The layers a handle opened now on @p info would have, top to bottom:
 * the context's filters (without their arguments), the driver that binds,
 * the transport. Same conventions as devdrv_handle_layers().
 * @param ctx       the context that would open it
 * @param info      the device, from devdrv_get_device_list()
 * @param[out] out  room for @p max layers, or NULL to count them
 * @param max       entries of @p out
 * @return how many layers there would be; 0 for a NULL @p ctx or @p info. */
size_t devdrv_device_layers(struct devdrv_context *ctx, const struct devdrv_device_info *info,
                            struct devdrv_layer_info *out, size_t max);

/* ---- for filter implementations ---------------------------------------- */

/** The instance's state: priv_size bytes, zeroed at attach.
 * @param f  the filter instance
 * @return its state, NULL when priv_size is 0. */
void *devdrv_filter_priv(struct devdrv_filter *f);
/** The handle the instance is attached to.
 * @param f  the filter instance
 * @return the handle. */
struct devdrv_handle *devdrv_filter_handle(struct devdrv_filter *f);
/** The instance's filter name (its ops' name).
 * @param f  the filter instance
 * @return the name. */
const char *devdrv_filter_name(struct devdrv_filter *f);

/** Pass @p t to the layer below @p f.
 * @param f  the lower filter passing it
 * @param t  the transfer its submit received
 * @return what that layer's submit returns. */
int devdrv_filter_pass(struct devdrv_filter *f, struct devdrv_transfer *t);
/** Complete @p t at @p f with @p status and the actual_length already set in
 * @p t. The completion is delivered later, by event handling (submit never
 * completes inline): the filters above see it, then the submitter. It may
 * overtake transfers submitted earlier on the same endpoint that are still
 * below: a filter that must keep an endpoint's order passes the transfer
 * down and changes its result in complete() instead.
 * @param f       the lower filter completing it
 * @param t       the transfer its submit received
 * @param status  0 or a DEVDRV_E_* code, the transfer's status */
void devdrv_filter_complete(struct devdrv_filter *f, struct devdrv_transfer *t, int status);

/** Pass a read on to the layer below upper filter @p f.
 * @param f  the upper filter
 * @param buf, len, timeout_ms  as devdrv_read()
 * @return what the layer below returns, as devdrv_read(). */
ssize_t devdrv_filter_read_next(struct devdrv_filter *f, void *buf, size_t len, unsigned timeout_ms);
/** Pass a write on to the layer below upper filter @p f.
 * @param f  the upper filter
 * @param buf, len, timeout_ms  as devdrv_write()
 * @return what the layer below returns, as devdrv_write(). */
ssize_t devdrv_filter_write_next(struct devdrv_filter *f, const void *buf, size_t len,
                                 unsigned timeout_ms);
/** Pass an ioctl on to the layer below upper filter @p f.
 * @param f  the upper filter
 * @param request, arg, arg_size  as devdrv_ioctl()
 * @return what the layer below returns, as devdrv_ioctl(). */
int devdrv_filter_ioctl_next(struct devdrv_filter *f, unsigned request, void *arg, size_t arg_size);

/** Set the handle's detail string naming the filter; returns @p code.
 * @param f     the filter instance
 * @param code  a DEVDRV_E_* code
 * @param fmt   printf format of the detail ("filter NAME: " goes before it)
 * @param ...   its arguments
 * @return @p code. */
int devdrv_filter_fail(struct devdrv_filter *f, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** CLOCK_MONOTONIC nanoseconds when @p t entered the stack (its submit by
 * the driver), for latencies.
 * @param t  a transfer in flight or completed
 * @return the time, in nanoseconds. */
uint64_t devdrv_transfer_submit_time_ns(const struct devdrv_transfer *t);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
