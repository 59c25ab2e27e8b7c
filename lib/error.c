/* error.c — the bottom layer: error strings, logging, and the one-line
 * details of failures per context (and thread) and per handle. Everything
 * above calls down to it; it calls nothing above. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* Context-level details are per thread, so two threads failing on one context
 * never read each other's message. */
static _Thread_local char tls_errmsg[DD_ERRMSG_LEN];

const char *devdrv_strerror(int code)
{
	switch (code) {
	case DEVDRV_OK: return "success";
	case DEVDRV_E_INVALID: return "invalid argument";
	case DEVDRV_E_NOT_FOUND: return "not found";
	case DEVDRV_E_ACCESS: return "permission denied";
	case DEVDRV_E_BUSY: return "busy";
	case DEVDRV_E_NO_DRIVER: return "no driver";
	case DEVDRV_E_TIMEOUT: return "timeout";
	case DEVDRV_E_PIPE: return "stall";
	case DEVDRV_E_OVERFLOW: return "overflow";
	case DEVDRV_E_DISCONNECTED: return "disconnected";
	case DEVDRV_E_IO: return "I/O error";
	case DEVDRV_E_NOMEM: return "out of memory";
	case DEVDRV_E_UNSUPPORTED: return "not supported";
	case DEVDRV_E_PROTOCOL: return "protocol error";
	case DEVDRV_E_CANCELLED: return "cancelled";
	default: return "unknown error";
	}
}

static const char *const level_names[] = { "none", "error", "warn", "info", "debug" };

const char *devdrv_log_level_name(enum devdrv_log_level level)
{
	return (unsigned)level < sizeof(level_names) / sizeof(level_names[0]) ? level_names[level] : "?";
}

void dd_vlog(struct devdrv_context *ctx, enum devdrv_log_level level, const char *fmt, va_list ap)
{
	char msg[512];

	if (!ctx || level > ctx->log_level || level == DEVDRV_LOG_NONE)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ctx->log_fn)
		ctx->log_fn(level, msg, ctx->log_user);
	else if (ctx->log_to_stderr)
		fprintf(stderr, "devdrv: %s: %s\n", devdrv_log_level_name(level), msg);
}

void devdrv_log(struct devdrv_context *ctx, enum devdrv_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dd_vlog(ctx, level, fmt, ap);
	va_end(ap);
}

int dd_ctx_fail(struct devdrv_context *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tls_errmsg, sizeof(tls_errmsg), fmt, ap);
	va_end(ap);
	dd_dbg(ctx, "%s", tls_errmsg);
	return code;
}

const char *devdrv_context_errmsg(struct devdrv_context *ctx)
{
	(void)ctx;
	return tls_errmsg;
}

int devdrv_handle_fail(struct devdrv_handle *h, int code, const char *fmt, ...)
{
	va_list ap;

	char msg[DD_ERRMSG_LEN];

	if (!h)
		return code;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&h->errlock);
	memcpy(h->errmsg, msg, sizeof(msg));
	h->errseq++;
	pthread_mutex_unlock(&h->errlock);
	/* A timeout is the answer a poll asked for: logging each one would bury
	 * a --debug log under two lines per idle 20 ms. devdrv_errmsg() has it. */
	if (code != DEVDRV_E_TIMEOUT)
		devdrv_dbg(h, "%s", msg);
	return code;
}

void devdrv_handle_log(struct devdrv_handle *h, enum devdrv_log_level level, const char *fmt, ...)
{
	char msg[DD_ERRMSG_LEN];
	va_list ap;

	if (!h || level > h->ctx->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	devdrv_log(h->ctx, level, "%s %s: %s", h->bind.driver ? h->bind.driver->name : "-", h->dev->port_path,
	           msg);
}

unsigned dd_handle_errseq(struct devdrv_handle *h)
{
	unsigned seq;

	pthread_mutex_lock(&h->errlock);
	seq = h->errseq;
	pthread_mutex_unlock(&h->errlock);
	return seq;
}

/* A copy for the calling thread: the handle's own may change under it when
 * a callback on another thread fails. */
const char *devdrv_errmsg(struct devdrv_handle *h)
{
	static _Thread_local char copy[DD_ERRMSG_LEN];

	if (!h)
		return "no handle";
	pthread_mutex_lock(&h->errlock);
	memcpy(copy, h->errmsg, sizeof(copy));
	pthread_mutex_unlock(&h->errlock);
	return copy;
}

