/* context.c — context lifetime, options, and which transports it starts. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *devdrv_version(void)
{
	return DEVDRV_VERSION_STRING;
}

/* $DEVDRV_DEBUG as LIBUSB_DEBUG has it: 0 (nothing) to 4 (everything), or
 * the level's name. Whoever sets it wants to see something, so a value we
 * cannot read logs everything, and *unreadable says so (logged once the log
 * is set up) rather than leave them guessing why. */
static enum devdrv_log_level level_from_env(const char **unreadable)
{
	const char *env = getenv("DEVDRV_DEBUG");

	*unreadable = NULL;
	if (!env || !*env)
		return DEVDRV_LOG_NONE;
	for (int level = DEVDRV_LOG_NONE; level <= DEVDRV_LOG_DEBUG; level++)
		if ((env[0] == '0' + level && !env[1]) || !strcasecmp(env, devdrv_log_level_name((enum devdrv_log_level)level)))
			return (enum devdrv_log_level)level;
	*unreadable = env;
	return DEVDRV_LOG_DEBUG;
}

static int transports_from_env(struct devdrv_context *ctx, unsigned *mask)
{
	const char *env = getenv("DEVDRV_TRANSPORT"), *replay = getenv("DEVDRV_REPLAY");
	const char *server = getenv("DEVDRV_USBIP_SERVER");

	if ((!env || !*env) && replay && *replay) /* a recorded run needs no hardware */
		*mask = DEVDRV_TRANSPORT_REPLAY;
	else if ((!env || !*env) && server && *server) /* naming a server means its devices */
		*mask = DEVDRV_TRANSPORT_USBIP;
	else if (!env || !*env || !strcmp(env, "usb"))
		*mask = DEVDRV_TRANSPORT_USB;
	else if (!strcmp(env, "virtual"))
		*mask = DEVDRV_TRANSPORT_VIRTUAL;
	else if (!strcmp(env, "replay"))
		*mask = DEVDRV_TRANSPORT_REPLAY;
	else if (!strcmp(env, "usbip"))
		*mask = DEVDRV_TRANSPORT_USBIP;
	else if (!strcmp(env, "all"))
		*mask = DEVDRV_TRANSPORT_ALL;
	else
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID,
		                   "DEVDRV_TRANSPORT='%s' is not one of usb, virtual, replay, usbip, all", env);
	return 0;
}

extern const struct dd_transport_ops *const __start_dd_section_transports[] __attribute__((weak));
extern const struct dd_transport_ops *const __stop_dd_section_transports[] __attribute__((weak));

const struct dd_transport_ops *dd_transport_by_id(unsigned id)
{
	for (const struct dd_transport_ops *const *t = __start_dd_section_transports;
	     __start_dd_section_transports && t < __stop_dd_section_transports; t++)
		if ((*t)->id == id)
			return *t;
	return NULL;
}

void *dd_ctx_transport_state(struct devdrv_context *ctx, const struct dd_transport_ops *ops)
{
	for (int i = 0; ctx && i < ctx->num_transports; i++)
		if (ctx->transports[i].ops == ops)
			return ctx->transports[i].state;
	return NULL;
}

static int start_transport(struct devdrv_context *ctx, const struct dd_transport_ops *ops)
{
	struct dd_transport_slot *slot = &ctx->transports[ctx->num_transports];
	int rc;

	if (ops->transfer_priv_size > DD_TPRIV_MAX)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "transport %s: %zu bytes of transfer state, over %d",
		                   ops->name, ops->transfer_priv_size, DD_TPRIV_MAX);
	rc = ops->init(ctx, &slot->state);

	if (rc < 0)
		return rc;
	slot->ops = ops;
	ctx->num_transports++;
	return 0;
}

/* The options as this library knows them: what the caller's older layout
 * lacks reads as 0. */
static int copy_options(const struct devdrv_context_options *in, struct devdrv_context_options *o)
{
	memset(o, 0, sizeof(*o));
	if (!in)
		return 0;
	if (in->size < offsetof(struct devdrv_context_options, filters) || in->size > 4096)
		return dd_ctx_fail(NULL, DEVDRV_E_INVALID,
		                   "context options: set .size = sizeof(struct devdrv_context_options) "
		                   "(got %zu)", in->size);
	memcpy(o, in, in->size < sizeof(*o) ? in->size : sizeof(*o));
	return 0;
}

/* The context's filter list: the option's, then $DEVDRV_FILTER's, then a
 * recorder for $DEVDRV_RECORD at the bottom (it records what the device saw). */
static int set_filters(struct devdrv_context *ctx, const char *option)
{
	const char *env = getenv("DEVDRV_FILTER"), *record = getenv("DEVDRV_RECORD");
	size_t len = (option ? strlen(option) : 0) + (env ? strlen(env) : 0) + (record ? strlen(record) : 0) + 16;
	const char *parts[3] = { option, env, NULL };
	char recorder[4200];

	if (record && *record) {
		snprintf(recorder, sizeof(recorder), "record:%s", record);
		parts[2] = recorder;
	}
	if (!(ctx->filters = calloc(1, len)))
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "context: out of memory");
	for (int i = 0; i < 3; i++)
		if (parts[i] && *parts[i])
			snprintf(ctx->filters + strlen(ctx->filters), len - strlen(ctx->filters), "%s%s",
			         ctx->filters[0] ? ";" : "", parts[i]);
	if (!ctx->filters[0]) {
		free(ctx->filters);
		ctx->filters = NULL;
		return 0;
	}
	return dd_filter_spec_check(ctx, ctx->filters);
}

int devdrv_context_new(const struct devdrv_context_options *in, struct devdrv_context **out)
{
	struct devdrv_context_options o, *opts = &o;
	struct devdrv_context *ctx;
	enum devdrv_log_level env_level;
	const char *unreadable;
	unsigned mask;
	int rc = 0;

	if (!out)
		return dd_ctx_fail(NULL, DEVDRV_E_INVALID, "devdrv_context_new: out is NULL");
	*out = NULL;
	if ((rc = copy_options(in, &o)) < 0)
		return rc;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return dd_ctx_fail(NULL, DEVDRV_E_NOMEM, "context: out of memory");
	pthread_mutex_init(&ctx->deferred_lock, NULL);
	pthread_cond_init(&ctx->deferred_cond, NULL);
	ctx->deferred_tail = &ctx->deferred;
	ctx->log_fn = opts->log_fn;
	ctx->log_user = opts->log_user;
	env_level = level_from_env(&unreadable);
	ctx->log_level = opts->log_level ? opts->log_level : env_level;
	ctx->log_to_stderr = !opts->log_fn && env_level != DEVDRV_LOG_NONE;
	if (unreadable)
		dd_warn(ctx, "DEVDRV_DEBUG='%s' is not 0-4 or none, error, warn, info, debug; logging everything",
		        unreadable);

	mask = opts->transports;
	if (mask & ~(unsigned)DEVDRV_TRANSPORT_ALL)
		rc = dd_ctx_fail(ctx, DEVDRV_E_INVALID, "context: unknown transport bits 0x%x", mask);
	else if (!mask)
		rc = transports_from_env(ctx, &mask);
	dd_plugins_scan(ctx); /* before the filter names are checked */
	if (!rc)
		rc = set_filters(ctx, opts->filters);
	if (!rc)
		rc = dd_events_init(ctx, opts->events);
	if (!rc)
		rc = dd_hotplug_init(ctx);
	for (unsigned bit = 1; !rc && bit && bit <= mask; bit <<= 1)
		if ((mask & bit) && dd_transport_by_id(bit))
			rc = start_transport(ctx, dd_transport_by_id(bit));
	if (rc < 0) {
		devdrv_context_free(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

void devdrv_context_free(struct devdrv_context *ctx)
{
	if (!ctx)
		return;
	dd_events_exit(ctx);  /* no callback runs from here on */
	dd_hotplug_free(ctx); /* drops its references to the transports' devices */
	for (int i = ctx->num_transports - 1; i >= 0; i--)
		ctx->transports[i].ops->exit(ctx->transports[i].state);
	pthread_cond_destroy(&ctx->deferred_cond);
	pthread_mutex_destroy(&ctx->deferred_lock);
	free(ctx->filters);
	free(ctx);
}

const char *devdrv_speed_name(enum devdrv_speed speed)
{
	switch (speed) {
	case DEVDRV_SPEED_LOW: return "1.5";
	case DEVDRV_SPEED_FULL: return "12";
	case DEVDRV_SPEED_HIGH: return "480";
	case DEVDRV_SPEED_SUPER: return "5000";
	case DEVDRV_SPEED_SUPER_PLUS: return "10000";
	default: return "unknown";
	}
}

const char *devdrv_class_name(enum devdrv_class cls)
{
	switch (cls) {
	case DEVDRV_CLASS_RAW: return "raw";
	case DEVDRV_CLASS_SERIAL: return "serial";
	case DEVDRV_CLASS_HID: return "hid";
	case DEVDRV_CLASS_BLOCK: return "block";
	case DEVDRV_CLASS_NET: return "net";
	default: return "unknown";
	}
}
