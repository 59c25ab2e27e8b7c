/* stack.c — a handle's layers: the filter registry, attaching and detaching
 * filters, and the one path a request takes down the stack and a completion
 * takes back up. Nothing here knows a particular filter or transport. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- registry ------------------------------------------------------------ */

extern const struct devdrv_filter_ops *const __start_dd_section_filters[] __attribute__((weak));
extern const struct devdrv_filter_ops *const __stop_dd_section_filters[] __attribute__((weak));

#define DD_MAX_REGISTERED_FILTERS 64

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct devdrv_filter_ops *registered[DD_MAX_REGISTERED_FILTERS];
static size_t num_registered;

static const struct devdrv_filter_ops *builtin_filter(const char *name, size_t len)
{
	if (!__start_dd_section_filters)
		return NULL;
	for (const struct devdrv_filter_ops *const *f = __start_dd_section_filters;
	     f < __stop_dd_section_filters; f++)
		if (strlen((*f)->name) == len && !strncmp((*f)->name, name, len))
			return *f;
	return NULL;
}

static const struct devdrv_filter_ops *registered_filter_locked(const char *name, size_t len)
{
	for (size_t i = 0; i < num_registered; i++)
		if (strlen(registered[i]->name) == len && !strncmp(registered[i]->name, name, len))
			return registered[i];
	return NULL;
}

static const struct devdrv_filter_ops *find_filter(const char *name, size_t len)
{
	const struct devdrv_filter_ops *ops = builtin_filter(name, len);

	if (ops)
		return ops;
	pthread_mutex_lock(&registry_lock);
	ops = registered_filter_locked(name, len);
	pthread_mutex_unlock(&registry_lock);
	return ops;
}

/* Callbacks of the other position would never run: say so at registration
 * rather than ignore them. */
static const char *ops_problem(const struct devdrv_filter_ops *ops)
{
	if (ops->api_version != DEVDRV_FILTER_API_VERSION)
		return "api_version is not DEVDRV_FILTER_API_VERSION";
	if (!ops->name || !*ops->name || strpbrk(ops->name, ":;, "))
		return "a name without ':', ';', ',' or spaces is required";
	if (ops->position == DEVDRV_FILTER_LOWER && (ops->read || ops->write || ops->ioctl))
		return "a lower filter sees transfers, not read/write/ioctl";
	if (ops->position == DEVDRV_FILTER_UPPER && (ops->submit || ops->complete))
		return "an upper filter sees read/write/ioctl, not transfers";
	if (ops->position != DEVDRV_FILTER_LOWER && ops->position != DEVDRV_FILTER_UPPER)
		return "position is neither DEVDRV_FILTER_LOWER nor DEVDRV_FILTER_UPPER";
	return NULL;
}

int devdrv_filter_register(const struct devdrv_filter_ops *ops)
{
	const char *problem;
	int rc = 0;

	if (!ops)
		return DEVDRV_E_INVALID;
	if ((problem = ops_problem(ops))) {
		dd_ctx_fail(NULL, DEVDRV_E_INVALID, "filter %s: %s", ops->name ? ops->name : "(unnamed)",
		            problem);
		return DEVDRV_E_INVALID;
	}
	pthread_mutex_lock(&registry_lock);
	if (builtin_filter(ops->name, strlen(ops->name)) ||
	    registered_filter_locked(ops->name, strlen(ops->name)))
		rc = dd_ctx_fail(NULL, DEVDRV_E_INVALID, "filter %s: a filter of that name exists", ops->name);
	else if (num_registered == DD_MAX_REGISTERED_FILTERS)
		rc = dd_ctx_fail(NULL, DEVDRV_E_NOMEM, "filter %s: too many registered filters", ops->name);
	else
		registered[num_registered++] = ops;
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

int devdrv_filter_unregister(const struct devdrv_filter_ops *ops)
{
	int rc = DEVDRV_E_NOT_FOUND;

	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < num_registered; i++)
		if (registered[i] == ops) {
			registered[i] = registered[--num_registered];
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct devdrv_filter_ops *const *)a)->name,
	              (*(const struct devdrv_filter_ops *const *)b)->name);
}

size_t devdrv_filters(const struct devdrv_filter_ops **out, size_t max)
{
	const struct devdrv_filter_ops *all[DD_MAX_REGISTERED_FILTERS * 2];
	size_t n = 0;

	for (const struct devdrv_filter_ops *const *f = __start_dd_section_filters;
	     __start_dd_section_filters && f < __stop_dd_section_filters && n < DD_MAX_REGISTERED_FILTERS; f++)
		all[n++] = *f;
	pthread_mutex_lock(&registry_lock);
	for (size_t i = 0; i < num_registered; i++)
		all[n++] = registered[i];
	pthread_mutex_unlock(&registry_lock);
	qsort(all, n, sizeof(all[0]), by_name);
	for (size_t i = 0; out && i < n && i < max; i++)
		out[i] = all[i];
	return n;
}

/* ---- attach / detach ------------------------------------------------------ */

static struct devdrv_filter **list_of(struct devdrv_handle *h, enum devdrv_filter_position pos)
{
	return pos == DEVDRV_FILTER_UPPER ? &h->upper : &h->lower;
}

static void filter_free(struct devdrv_filter *f)
{
	free(f->priv);
	free(f->args);
	dd_plugin_release(f->plugin);
	free(f);
}

static struct devdrv_filter *filter_new(struct devdrv_handle *h, const struct devdrv_filter_ops *ops,
                                        const char *args)
{
	struct devdrv_filter *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->ops = ops;
	f->handle = h;
	if ((ops->priv_size && !(f->priv = calloc(1, ops->priv_size))) ||
	    (args && !(f->args = strdup(args)))) {
		filter_free(f);
		return NULL;
	}
	return f;
}

/* Below the filters already at its position: attached first sits on top,
 * as the order on a command line reads. */
static void link_bottom(struct devdrv_filter **list, struct devdrv_filter *f)
{
	struct devdrv_filter *last = *list;

	while (last && last->below)
		last = last->below;
	f->above = last;
	if (last)
		last->below = f;
	else
		*list = f;
}

static void unlink_filter(struct devdrv_filter **list, struct devdrv_filter *f)
{
	if (f->above)
		f->above->below = f->below;
	else
		*list = f->below;
	if (f->below)
		f->below->above = f->above;
}

static int attach_one(struct devdrv_handle *h, const char *name, size_t name_len, const char *args)
{
	struct dd_plugin *plugin = NULL;
	const struct devdrv_filter_ops *ops = find_filter(name, name_len);
	struct devdrv_filter *f;
	int rc = 0;

	if (!ops)
		ops = dd_plugin_acquire_filter(name, name_len, &plugin);
	if (!ops)
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "no filter named \"%.*s\"",
		                          (int)name_len, name);
	if ((args && !ops->attach) || !(f = filter_new(h, ops, args))) {
		dd_plugin_release(plugin);
		if (args && !ops->attach)
			return devdrv_handle_fail(h, DEVDRV_E_INVALID, "filter %s takes no arguments, got \"%s\"",
			                          ops->name, args);
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "filter %s: out of memory", ops->name);
	}
	f->plugin = plugin;
	if (ops->attach && (rc = ops->attach(f, args)) < 0) {
		filter_free(f);
		return rc;
	}
	link_bottom(list_of(h, ops->position), f);
	dd_dbg(h->ctx, "%s: filter %s%s%s attached", h->dev->port_path, ops->name, args ? ":" : "",
	       args ? args : "");
	return 0;
}

/* One "NAME[:ARGS]" item of a spec; ARGS runs to the item's end. */
static int attach_item(struct devdrv_handle *h, const char *item, size_t len)
{
	const char *colon = memchr(item, ':', len);
	char args[512];

	if (!colon)
		return attach_one(h, item, len, NULL);
	if ((size_t)(item + len - colon - 1) >= sizeof(args))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "filter %.*s: arguments over %zu bytes",
		                          (int)(colon - item), item, sizeof(args) - 1);
	memcpy(args, colon + 1, (size_t)(item + len - colon - 1));
	args[item + len - colon - 1] = '\0';
	return attach_one(h, item, (size_t)(colon - item), args);
}

int dd_stack_attach_spec(struct devdrv_handle *h, const char *spec)
{
	const char *p = spec;

	while (p && *p) {
		size_t len = strcspn(p, ";");
		int rc;

		if (len == 0)
			return devdrv_handle_fail(h, DEVDRV_E_INVALID, "filter list \"%s\": empty item", spec);
		if ((rc = attach_item(h, p, len)) < 0)
			return rc;
		p += len;
		if (*p == ';')
			p++;
	}
	return 0;
}

int dd_filter_spec_check(struct devdrv_context *ctx, const char *spec)
{
	for (const char *p = spec; p && *p;) {
		size_t len = strcspn(p, ";"), name_len = strcspn(p, ":;");

		if (len == 0 || name_len == 0)
			return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "filter list \"%s\": empty item", spec);
		enum devdrv_filter_position pos;

		if (!find_filter(p, name_len) && !dd_plugin_filter_info(p, name_len, &pos))
			return dd_ctx_fail(ctx, DEVDRV_E_NOT_FOUND, "no filter named \"%.*s\"",
			                   (int)name_len, p);
		p += len;
		if (*p == ';')
			p++;
	}
	return 0;
}

/* The filters of @spec at @pos, in order, as layers (without arguments). */
static size_t spec_layers(const char *spec, enum devdrv_filter_position pos, const char *kind,
                          struct devdrv_layer_info *out, size_t max, size_t n)
{
	for (const char *p = spec; p && *p;) {
		size_t len = strcspn(p, ";"), name_len = strcspn(p, ":;");
		const struct devdrv_filter_ops *ops = find_filter(p, name_len);
		enum devdrv_filter_position at = ops ? ops->position : DEVDRV_FILTER_LOWER;
		const char *name = ops ? ops->name : dd_plugin_filter_info(p, name_len, &at);

		if (name && at == pos && out && n < max)
			out[n] = (struct devdrv_layer_info){ kind, name, NULL };
		n += name && at == pos;
		p += len;
		if (*p == ';')
			p++;
	}
	return n;
}

size_t devdrv_device_layers(struct devdrv_context *ctx, const struct devdrv_device_info *info,
                            struct devdrv_layer_info *out, size_t max)
{
	size_t n;

	if (!ctx || !info)
		return 0;
	n = spec_layers(ctx->filters, DEVDRV_FILTER_UPPER, "upper filter", out, max, 0);
	if (out && n < max)
		out[n] = (struct devdrv_layer_info){ "driver", info->driver ? info->driver : "(none)", NULL };
	n = spec_layers(ctx->filters, DEVDRV_FILTER_LOWER, "lower filter", out, max, n + 1);
	if (out && n < max)
		out[n] = (struct devdrv_layer_info){ "transport", info->transport, NULL };
	return n + 1;
}

int devdrv_filter_attach(struct devdrv_handle *h, const char *spec)
{
	if (!h || !spec || !*spec || strchr(spec, ';'))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "filter attach: give one NAME[:ARGS]");
	return attach_item(h, spec, strlen(spec));
}

struct devdrv_filter *devdrv_handle_filter(struct devdrv_handle *h, const char *name)
{
	if (!h || !name)
		return NULL;
	for (int pos = DEVDRV_FILTER_UPPER; pos >= DEVDRV_FILTER_LOWER; pos--)
		for (struct devdrv_filter *f = *list_of(h, pos); f; f = f->below)
			if (!strcmp(f->ops->name, name))
				return f;
	return NULL;
}

static void detach_filter(struct devdrv_handle *h, struct devdrv_filter *f)
{
	unlink_filter(list_of(h, f->ops->position), f);
	if (f->ops->detach)
		f->ops->detach(f);
	filter_free(f);
}

int devdrv_filter_detach(struct devdrv_handle *h, const char *name)
{
	struct devdrv_filter *f = devdrv_handle_filter(h, name);

	if (!f)
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "no filter %s on this handle",
		                          name ? name : "(null)");
	detach_filter(h, f);
	return 0;
}

static void detach_list(struct devdrv_handle *h, struct devdrv_filter **list)
{
	while (*list) {
		struct devdrv_filter *f = *list;

		while (f->below)
			f = f->below;
		detach_filter(h, f);
	}
}

void dd_stack_detach_all(struct devdrv_handle *h)
{
	detach_list(h, &h->upper);
	detach_list(h, &h->lower);
}

static size_t add_layer(struct devdrv_layer_info *out, size_t max, size_t n, const char *kind,
                        const char *name, const char *args)
{
	if (out && n < max)
		out[n] = (struct devdrv_layer_info){ kind, name, args };
	return n + 1;
}

size_t devdrv_handle_layers(struct devdrv_handle *h, struct devdrv_layer_info *out, size_t max)
{
	size_t n = 0;

	if (!h)
		return 0;
	for (struct devdrv_filter *f = h->upper; f; f = f->below)
		n = add_layer(out, max, n, "upper filter", f->ops->name, f->args);
	n = add_layer(out, max, n, "driver", h->bind.driver->name, NULL);
	for (struct devdrv_filter *f = h->lower; f; f = f->below)
		n = add_layer(out, max, n, "lower filter", f->ops->name, f->args);
	return add_layer(out, max, n, "transport", h->dev->ops->name, NULL);
}

/* ---- for filters ----------------------------------------------------------- */

void *devdrv_filter_priv(struct devdrv_filter *f) { return f->priv; }
struct devdrv_handle *devdrv_filter_handle(struct devdrv_filter *f) { return f->handle; }
const char *devdrv_filter_name(struct devdrv_filter *f) { return f->ops->name; }

int devdrv_filter_fail(struct devdrv_filter *f, int code, const char *fmt, ...)
{
	char msg[DD_ERRMSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return devdrv_handle_fail(f->handle, code, "filter %s: %s", f->ops->name, msg);
}

uint64_t devdrv_transfer_submit_time_ns(const struct devdrv_transfer *t)
{
	return ((const struct dd_transfer *)t)->submitted_ns;
}

/* ---- requests down, completions up ------------------------------------------ */

/* The layer below the caller: @f, a lower filter, or NULL for the top. */
static int submit_at(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	struct devdrv_handle *h = t->handle;

	for (; f; f = f->below) {
		if (f->ops->submit)
			return f->ops->submit(f, t);
		dd_xfer(t)->passed_by = f; /* passes it through untouched */
	}
	return h->dev->ops->submit(t);
}

int dd_stack_submit(struct devdrv_transfer *t)
{
	dd_xfer(t)->passed_by = NULL;
	return submit_at(t->handle->lower, t);
}

int devdrv_filter_pass(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	if (!f || !t)
		return DEVDRV_E_INVALID;
	dd_xfer(t)->passed_by = f;
	return submit_at(f->below, t);
}

void dd_stack_complete_hooks(struct devdrv_transfer *t)
{
	for (struct devdrv_filter *f = dd_xfer(t)->passed_by; f; f = f->above) {
		if (f->ops->complete)
			f->ops->complete(f, t);
		if (t->actual_length > t->length) /* a filter may shorten, never lengthen */
			t->actual_length = t->length;
	}
}

void devdrv_filter_complete(struct devdrv_filter *f, struct devdrv_transfer *t, int status)
{
	struct devdrv_context *ctx = f->handle->ctx;
	struct dd_transfer *x = dd_xfer(t);

	t->status = status;
	if (t->actual_length > t->length)
		t->actual_length = t->length;
	x->by_filter = 1;
	x->deferred_next = NULL;
	pthread_mutex_lock(&ctx->deferred_lock);
	*ctx->deferred_tail = x;
	ctx->deferred_tail = &x->deferred_next;
	ctx->deferred_pending = 1;
	pthread_cond_broadcast(&ctx->deferred_cond);
	pthread_mutex_unlock(&ctx->deferred_lock);
	dd_ctx_wake(ctx);
}

/* Finish one filter completion: hooks of the filters above, then the
 * waiter gets it back or its callback runs. Called with the lock held. */
static void deliver_locked(struct devdrv_context *ctx, struct dd_transfer *x)
{
	devdrv_transfer_cb callback = x->pub.callback;

	pthread_mutex_unlock(&ctx->deferred_lock);
	dd_stack_complete_hooks(&x->pub);
	pthread_mutex_lock(&ctx->deferred_lock);
	x->completed = 1; /* without a callback, from here on the waiter's */
	if (callback) {
		x->deferred_running = 1;
		pthread_mutex_unlock(&ctx->deferred_lock);
		callback(&x->pub);
		pthread_mutex_lock(&ctx->deferred_lock);
		x->deferred_running = 0;
	}
	pthread_cond_broadcast(&ctx->deferred_cond);
}

int dd_deferred_dispatch(struct devdrv_context *ctx)
{
	struct dd_transfer *batch;
	int n = 0;

	/* every synchronous wait passes here: without filter completions
	 * queued, it costs one atomic load and no lock */
	if (!ctx->deferred_pending)
		return 0;
	pthread_mutex_lock(&ctx->deferred_lock);
	batch = ctx->deferred;
	ctx->deferred = NULL;
	ctx->deferred_tail = &ctx->deferred;
	ctx->deferred_pending = 0;
	while (batch) {
		struct dd_transfer *x = batch;

		batch = x->deferred_next; /* x may be resubmitted by its callback */
		deliver_locked(ctx, x);
		n++;
	}
	pthread_mutex_unlock(&ctx->deferred_lock);
	return n;
}

void dd_deferred_wait(struct devdrv_context *ctx, struct dd_transfer *x)
{
	dd_deferred_dispatch(ctx);
	pthread_mutex_lock(&ctx->deferred_lock);
	/* until finished, or resubmitted by its callback to a lower layer */
	while (x->deferred_running || (x->by_filter && !x->completed)) {
		if (ctx->deferred) {
			pthread_mutex_unlock(&ctx->deferred_lock);
			dd_deferred_dispatch(ctx);
			pthread_mutex_lock(&ctx->deferred_lock);
			continue;
		}
		pthread_cond_wait(&ctx->deferred_cond, &ctx->deferred_lock);
	}
	pthread_mutex_unlock(&ctx->deferred_lock);
}

/* ---- device-level requests through the upper filters ------------------------ */


static ssize_t read_at(struct devdrv_handle *h, struct devdrv_filter *f, void *buf, size_t len,
                       unsigned timeout_ms)
{
	for (; f; f = f->below)
		if (f->ops->read)
			return f->ops->read(f, buf, len, timeout_ms);
	return h->bind.driver->read(h, buf, len, timeout_ms);
}

static ssize_t write_at(struct devdrv_handle *h, struct devdrv_filter *f, const void *buf, size_t len,
                        unsigned timeout_ms)
{
	for (; f; f = f->below)
		if (f->ops->write)
			return f->ops->write(f, buf, len, timeout_ms);
	return h->bind.driver->write(h, buf, len, timeout_ms);
}

static int ioctl_at(struct devdrv_handle *h, struct devdrv_filter *f, unsigned request, void *arg,
                    size_t arg_size)
{
	for (; f; f = f->below)
		if (f->ops->ioctl)
			return f->ops->ioctl(f, request, arg, arg_size);
	return dd_driver_ioctl(h, request, arg, arg_size);
}

ssize_t dd_stack_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms)
{
	return read_at(h, h->upper, buf, len, timeout_ms);
}

ssize_t dd_stack_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms)
{
	return write_at(h, h->upper, buf, len, timeout_ms);
}

int dd_stack_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size)
{
	return ioctl_at(h, h->upper, request, arg, arg_size);
}

ssize_t devdrv_filter_read_next(struct devdrv_filter *f, void *buf, size_t len, unsigned timeout_ms)
{
	return read_at(f->handle, f->below, buf, len, timeout_ms);
}

ssize_t devdrv_filter_write_next(struct devdrv_filter *f, const void *buf, size_t len,
                                 unsigned timeout_ms)
{
	return write_at(f->handle, f->below, buf, len, timeout_ms);
}

int devdrv_filter_ioctl_next(struct devdrv_filter *f, unsigned request, void *arg, size_t arg_size)
{
	return ioctl_at(f->handle, f->below, request, arg, arg_size);
}
