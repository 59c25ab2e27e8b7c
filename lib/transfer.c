/* transfer.c — the one submission path. Every synchronous helper is a submit
 * followed by a wait, so timeouts, cancellation and disconnect are handled in
 * one place per transport. */
#include "internal.h"
#include "deadline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *dd_transfer_kind(enum devdrv_transfer_type type)
{
	switch (type) {
	case DEVDRV_TRANSFER_CONTROL: return "control";
	case DEVDRV_TRANSFER_BULK: return "bulk";
	case DEVDRV_TRANSFER_INTERRUPT: return "interrupt";
	default: return "unknown";
	}
}

static void describe_failure(struct devdrv_transfer *t)
{
	struct devdrv_handle *h = t->handle;
	const char *dir = (t->endpoint & 0x80) ? "IN" : "OUT";

	if (t->type == DEVDRV_TRANSFER_CONTROL) {
		const char *why = t->status == DEVDRV_E_PIPE ? "the device refused it (STALL)"
		                                             : devdrv_strerror(t->status);
		devdrv_handle_fail(h, t->status,
		                   "control request %02x/%02x value 0x%04x index 0x%04x: %s",
		                   t->setup.request_type, t->setup.request, t->setup.value,
		                   t->setup.index, why);
	} else if (t->status == DEVDRV_E_TIMEOUT) {
		devdrv_handle_fail(h, t->status, "%s %s 0x%02x: nothing moved within %u ms",
		                   dd_transfer_kind(t->type), dir, t->endpoint, t->timeout_ms);
	} else if (t->status == DEVDRV_E_DISCONNECTED) {
		devdrv_handle_fail(h, t->status, "%s %s 0x%02x: device %s was unplugged",
		                   dd_transfer_kind(t->type), dir, t->endpoint, h->dev->port_path);
	} else {
		devdrv_handle_fail(h, t->status, "%s %s 0x%02x: %s", dd_transfer_kind(t->type), dir,
		                   t->endpoint, devdrv_strerror(t->status));
	}
}

struct devdrv_transfer *devdrv_transfer_alloc(void)
{
	return calloc(1, sizeof(struct dd_transfer));
}

void devdrv_transfer_free(struct devdrv_transfer *t)
{
	free(t);
}


int devdrv_transfer_submit(struct devdrv_transfer *t)
{
	struct dd_transfer *x = dd_xfer(t);
	struct devdrv_handle *h;
	unsigned seq;
	int rc;

	if (!t || !t->handle || (!t->buffer && t->length))
		return DEVDRV_E_INVALID;
	h = t->handle;
	if (t->type == DEVDRV_TRANSFER_CONTROL && t->length > 0xffff)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "control data stage over 65535 bytes");
	if (h->disconnected)
		return devdrv_handle_fail(h, DEVDRV_E_DISCONNECTED, "device %s was unplugged",
		                          h->dev->port_path);
	x->completed = 0;
	x->by_filter = 0;
	x->submitted_ns = h->lower ? dd_monotonic_ns() : 0; /* for filters only */
	t->status = 0;
	t->actual_length = 0;
	/* a callback needs someone handling events: by default, the library */
	if (t->callback && (rc = dd_events_need_thread(h->ctx)) < 0)
		return devdrv_handle_fail(h, rc, "%s", devdrv_context_errmsg(h->ctx));
	seq = dd_handle_errseq(h);
	rc = dd_stack_submit(t);
	if (rc < 0) {
		/* a device found gone at submission is gone for the handle's
		 * other calls too, whichever thread submitted */
		if (rc == DEVDRV_E_DISCONNECTED)
			h->disconnected = 1;
		/* not in flight: a waiter (of a callback that resubmitted) returns */
		x->completed = 1;
		t->status = rc;
		dd_stack_complete_hooks(t); /* the filters that passed it see how it ended */
		if (dd_handle_errseq(h) == seq) /* keep a lower layer's more precise detail */
			describe_failure(t);
	}
	return rc;
}

int devdrv_transfer_cancel(struct devdrv_transfer *t)
{
	if (!t || !t->handle)
		return DEVDRV_E_INVALID;
	if (dd_xfer(t)->by_filter)
		return 0; /* already completed, its delivery is queued */
	return t->handle->dev->ops->cancel(t);
}

/* A real kernel may fail a transfer with a protocol error while it tears an
 * unplugged device down; only the device's absence tells the two apart. */
static void classify_disconnect(struct devdrv_transfer *t)
{
	struct devdrv_handle *h = t->handle;

	if (t->status == DEVDRV_E_IO && h->dev->ops->present && !h->dev->ops->present(h))
		t->status = DEVDRV_E_DISCONNECTED;
}

/* Wait on whichever layer holds @t: a filter's completion queue or the
 * transport. A callback may resubmit @t and send it to the other one. */
static int wait_any_layer(struct devdrv_transfer *t)
{
	struct dd_transfer *x = dd_xfer(t);
	int rc;

	for (;;) {
		if (x->by_filter) {
			dd_deferred_wait(t->handle->ctx, x);
			if (x->by_filter)
				return 0;
			continue;
		}
		dd_deferred_dispatch(t->handle->ctx);
		if ((rc = t->handle->dev->ops->wait(t)) < 0)
			return rc;
		if (!x->by_filter)
			break;
	}
	classify_disconnect(t);
	if (!t->callback) /* with a callback, the hooks ran before it */
		dd_stack_complete_hooks(t);
	return 0;
}

int devdrv_transfer_wait(struct devdrv_transfer *t)
{
	int rc;

	if (!t || !t->handle)
		return DEVDRV_E_INVALID;
	if ((rc = wait_any_layer(t)) < 0)
		return rc;
	if (t->status == DEVDRV_E_DISCONNECTED)
		t->handle->disconnected = 1;
	return t->status;
}

void dd_transfer_complete(struct devdrv_transfer *t)
{
	dd_stack_complete_hooks(t);
	t->callback(t);
}

/* Submit, wait, and turn the result into bytes or an error. A timeout after
 * some data moved still reports that data, as read(2) would. */
static ssize_t run_sync(struct devdrv_transfer *t)
{
	int rc = devdrv_transfer_submit(t);

	if (rc < 0)
		return rc;
	devdrv_transfer_wait(t);
	if (t->status == DEVDRV_E_TIMEOUT && t->actual_length)
		return (ssize_t)t->actual_length;
	if (t->status < 0) {
		describe_failure(t);
		return t->status;
	}
	return (ssize_t)t->actual_length;
}

int devdrv_usb_control(struct devdrv_handle *h, uint8_t request_type, uint8_t request,
                       uint16_t value, uint16_t index, void *data, uint16_t len,
                       unsigned timeout_ms)
{
	struct dd_transfer x = { .pub = {
		.handle = h,
		.type = DEVDRV_TRANSFER_CONTROL,
		.endpoint = request_type & 0x80,
		.setup = { request_type, request, value, index },
		.buffer = data,
		.length = len,
		.timeout_ms = timeout_ms,
	} };

	return (int)run_sync(&x.pub);
}

static ssize_t pipe_sync(struct devdrv_handle *h, enum devdrv_transfer_type type, uint8_t ep,
                         void *data, size_t len, unsigned timeout_ms)
{
	struct dd_transfer x = { .pub = {
		.handle = h,
		.type = type,
		.endpoint = ep,
		.buffer = data,
		.length = len,
		.timeout_ms = timeout_ms,
	} };

	return run_sync(&x.pub);
}

ssize_t devdrv_usb_bulk(struct devdrv_handle *h, uint8_t endpoint, void *data, size_t len,
                        unsigned timeout_ms)
{
	return pipe_sync(h, DEVDRV_TRANSFER_BULK, endpoint, data, len, timeout_ms);
}

ssize_t devdrv_usb_interrupt(struct devdrv_handle *h, uint8_t endpoint, void *data, size_t len,
                             unsigned timeout_ms)
{
	return pipe_sync(h, DEVDRV_TRANSFER_INTERRUPT, endpoint, data, len, timeout_ms);
}

int dd_handle_claimed(const struct devdrv_handle *h, int iface)
{
	return iface >= 0 && iface < DD_MAX_INTERFACES && (h->claimed[iface / 32] >> (iface % 32) & 1);
}

int devdrv_usb_claim_interface(struct devdrv_handle *h, int iface)
{
	int rc;

	if (iface < 0 || iface >= DD_MAX_INTERFACES)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "interface %d out of range 0-255", iface);
	if (dd_handle_claimed(h, iface))
		return 0;
	rc = h->dev->ops->claim(h, iface);
	if (rc == 0) {
		h->claimed[iface / 32] |= 1u << (iface % 32);
		h->alt[iface] = 0;
	}
	return rc;
}

int devdrv_usb_release_interface(struct devdrv_handle *h, int iface)
{
	if (!dd_handle_claimed(h, iface))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "interface %d is not claimed", iface);
	h->claimed[iface / 32] &= ~(1u << (iface % 32));
	return h->dev->ops->release(h, iface);
}

int devdrv_usb_set_alt_setting(struct devdrv_handle *h, int iface, int alt)
{
	int rc;

	if (!dd_handle_claimed(h, iface))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID,
		                          "alt setting %d of interface %d: claim the interface first", alt, iface);
	if (!devdrv_find_interface_alt(devdrv_active_config(&h->dev->info), iface, alt))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID,
		                          "interface %d has no alternate setting %d", iface, alt);
	rc = h->dev->ops->set_alt(h, iface, alt);
	if (rc == 0)
		h->alt[iface] = (uint8_t)alt;
	return rc;
}

int devdrv_usb_clear_halt(struct devdrv_handle *h, uint8_t endpoint)
{
	return h->dev->ops->clear_halt(h, endpoint);
}

int devdrv_usb_reset(struct devdrv_handle *h)
{
	return h->dev->ops->reset(h);
}

int devdrv_handle_check_present(struct devdrv_handle *h)
{
	if (!h)
		return DEVDRV_E_INVALID;
	if (!h->disconnected && h->dev->ops->present && !h->dev->ops->present(h))
		h->disconnected = 1;
	if (h->disconnected)
		return devdrv_handle_fail(h, DEVDRV_E_DISCONNECTED, "device %s was unplugged", h->dev->port_path);
	return 0;
}

