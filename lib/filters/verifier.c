/* verifier.c — the "verifier" lower filter: checks at run time that the
 * function driver above keeps the transfer contract, as the Windows Driver
 * Verifier does for kernel drivers. A broken rule fails the transfer with
 * DEVDRV_E_PROTOCOL and a message naming the driver and the rule:
 *
 *   in flight      a transfer is not submitted again before it completed
 *   once           each transfer completes exactly once
 *   after unplug   nothing is submitted after a transfer reported the
 *                  device gone (a callback must not resubmit then)
 *   buffer         a data stage has a buffer; control IN/OUT matches the
 *                  setup packet's direction
 *   claimed        bulk and interrupt endpoints belong to an interface the
 *                  handle claimed, in its current alternate setting;
 *                  control requests to an interface name a claimed one */
#include "../internal.h"

#include <stdio.h>
#include <string.h>

#define VERIFIER_MAX_IN_FLIGHT 256

struct verifier {
	pthread_mutex_t lock; /* completions run on other threads */
	const struct devdrv_transfer *in_flight[VERIFIER_MAX_IN_FLIGHT];
	int gone;
	unsigned long violations;
};

static int violation(struct devdrv_filter *f, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Log the broken rule and fail with it: the message names driver and rule. */
static int violation(struct devdrv_filter *f, const char *rule, const char *fmt, ...)
{
	struct verifier *v = devdrv_filter_priv(f);
	struct devdrv_handle *h = devdrv_filter_handle(f);
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&v->lock);
	v->violations++;
	pthread_mutex_unlock(&v->lock);
	devdrv_err(h, "verifier: driver %s broke rule '%s': %s", devdrv_handle_driver(h), rule, what);
	return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "verifier: driver %s broke rule '%s': %s",
	                          devdrv_handle_driver(h), rule, what);
}

/* The interface whose current alternate setting has endpoint @ep, if claimed. */
static int owning_interface(struct devdrv_handle *h, uint8_t ep)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(devdrv_handle_info(h));

	for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++) {
		const struct devdrv_interface_info *in = &cfg->interfaces[i];

		if (devdrv_handle_alt_setting(h, in->number) != in->alt_setting)
			continue;
		for (unsigned e = 0; e < in->num_endpoints; e++)
			if (in->endpoints[e].address == ep)
				return in->number;
	}
	return -1;
}

static int check_claimed(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	struct devdrv_handle *h = devdrv_filter_handle(f);

	if (t->type != DEVDRV_TRANSFER_CONTROL) {
		if (owning_interface(h, t->endpoint) < 0)
			return violation(f, "claimed",
			                 "%s 0x%02x is on no interface the handle claimed (in its current setting)",
			                 dd_transfer_kind(t->type), t->endpoint);
		return 0;
	}
	if ((t->setup.request_type & 0x1f) == 1 && devdrv_handle_alt_setting(h, t->setup.index & 0xff) < 0)
		return violation(f, "claimed", "control request %02x/%02x to interface %u, which it did not claim",
		                 t->setup.request_type, t->setup.request, t->setup.index & 0xff);
	return 0;
}

static int check_buffer(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	if (t->length && !t->buffer)
		return violation(f, "buffer", "%zu bytes asked with no buffer", t->length);
	if (t->type == DEVDRV_TRANSFER_CONTROL && (t->endpoint & 0x80) != (t->setup.request_type & 0x80))
		return violation(f, "buffer", "control transfer on endpoint 0x%02x with bmRequestType 0x%02x",
		                 t->endpoint, t->setup.request_type);
	return 0;
}

/* Record @t in flight; a violation if it already is, or if the device is gone. */
static int enter_in_flight(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	struct verifier *v = devdrv_filter_priv(f);
	int slot = -1, dup = 0, gone;

	pthread_mutex_lock(&v->lock);
	gone = v->gone;
	for (int i = 0; i < VERIFIER_MAX_IN_FLIGHT; i++) {
		if (v->in_flight[i] == t)
			dup = 1;
		else if (!v->in_flight[i] && slot < 0)
			slot = i;
	}
	if (!dup && !gone && slot >= 0)
		v->in_flight[slot] = t;
	pthread_mutex_unlock(&v->lock);
	if (gone)
		return violation(f, "after unplug", "%s 0x%02x submitted after the device was reported gone",
		                 dd_transfer_kind(t->type), t->endpoint);
	if (dup)
		return violation(f, "in flight", "%s 0x%02x submitted again before it completed",
		                 dd_transfer_kind(t->type), t->endpoint);
	return 0;
}

static int verifier_submit(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	int rc;

	if ((rc = check_buffer(f, t)) < 0 || (rc = check_claimed(f, t)) < 0 || (rc = enter_in_flight(f, t)) < 0)
		return rc;
	return devdrv_filter_pass(f, t);
}

static void verifier_complete(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	struct verifier *v = devdrv_filter_priv(f);
	int found = 0;

	pthread_mutex_lock(&v->lock);
	for (int i = 0; i < VERIFIER_MAX_IN_FLIGHT; i++)
		if (v->in_flight[i] == t) {
			v->in_flight[i] = NULL;
			found = 1;
			break;
		}
	if (t->status == DEVDRV_E_DISCONNECTED)
		v->gone = 1;
	pthread_mutex_unlock(&v->lock);
	if (!found && t->status == 0) /* a failed submit of ours never entered */
		violation(f, "once", "%s 0x%02x completed but was not in flight", dd_transfer_kind(t->type),
		          t->endpoint);
}

static int verifier_attach(struct devdrv_filter *f, const char *args)
{
	if (args && *args)
		return devdrv_filter_fail(f, DEVDRV_E_INVALID, "takes no arguments, got \"%s\"", args);
	pthread_mutex_init(&((struct verifier *)devdrv_filter_priv(f))->lock, NULL);
	return 0;
}

static void verifier_detach(struct devdrv_filter *f)
{
	struct verifier *v = devdrv_filter_priv(f);

	pthread_mutex_destroy(&v->lock);
}

static const struct devdrv_filter_ops verifier_ops = {
	.api_version = DEVDRV_FILTER_API_VERSION,
	.name = "verifier",
	.description = "check the driver's transfer contract; a broken rule fails with a protocol error",
	.position = DEVDRV_FILTER_LOWER,
	.priv_size = sizeof(struct verifier),
	.attach = verifier_attach,
	.detach = verifier_detach,
	.submit = verifier_submit,
	.complete = verifier_complete,
};
DD_FILTER_REGISTER(verifier_ops);
