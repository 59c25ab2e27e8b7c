/* vbus.c — the virtual transport: a bus of in-process device models. Transfers
 * queue per device until the model completes them, their timeout expires, or
 * the device is unplugged. One lock per bus.
 *
 * Completion follows one contract: submit never completes inline. A transfer
 * waited for without a callback belongs to its waiter again the moment it is
 * marked completed (it may live on the waiter's stack), so the bus never
 * touches it after that. Transfers with a callback go to a FIFO of finished
 * work that event handling (devdrv_handle_events, or any synchronous wait)
 * dispatches, without the lock, so a callback may submit again. */
#include "vmodel.h"

#include <devdrv/virtual.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct dd_transport_ops vbus_transport;

#define VBUS_NUMBER 1

extern const struct devdrv_vmodel *const __start_dd_section_vmodels[] __attribute__((weak));
extern const struct devdrv_vmodel *const __stop_dd_section_vmodels[] __attribute__((weak));

#define VBUS_FIRST_ADDRESS 2 /* 1 is the root hub's on a real bus */
#define VBUS_LAST_ADDRESS 127
#define VBUS_MAX_INTERFACES 256

struct vq_node {
	struct devdrv_transfer *t;
	devdrv_transfer_cb callback; /* copied at submit: the bus reads nothing of t after completion */
	struct devdrv_vdev *dev;
	struct timespec deadline;
	int has_deadline;
	struct vq_node *next;
};

struct vbus {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct devdrv_context *ctx;
	struct devdrv_vdev *devices;
	struct vq_node *done, **done_tail; /* finished transfers with callbacks, oldest first */
	struct running *running;            /* transfers whose callback runs now, any thread */
};

/* One callback being run, on the dispatching thread's stack. */
struct running {
	const struct devdrv_transfer *t;
	struct running *next;
};

struct devdrv_vdev {
	const struct devdrv_vmodel *model;
	struct vbus *bus;
	char port[DD_PORT_LEN];
	uint8_t address;
	int refs;
	int unplugged;
	struct devdrv_handle *owner[VBUS_MAX_INTERFACES]; /* claim per interface */
	uint8_t alt[VBUS_MAX_INTERFACES];                  /* current alternate setting */
	struct vq_node *queue;
	struct devdrv_vdev *next;
	void *state;
	struct dd_plugin *plugin; /* that brought the model, or NULL */
	struct timespec wake; /* when the model wants service() again */
	int has_wake;
	unsigned long transfers;     /* submitted so far, for fault injection */
	unsigned long disconnect_at; /* unplug when this transfer arrives; 0: never */
	struct dd_vcontrol log[DD_VCONTROL_LOG];
	size_t log_count; /* ever recorded; the ring keeps the last DD_VCONTROL_LOG */
};


void *devdrv_vdev_state(struct devdrv_vdev *d)
{
	return d->state;
}

/* Models registered at run time (programs, plugins), beside the built-in
 * ones of the linker section. */
#define VBUS_MAX_MODELS 64
static pthread_mutex_t models_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct devdrv_vmodel *registered_models[VBUS_MAX_MODELS];
static size_t num_registered_models;

static const struct devdrv_vmodel *builtin_model(const char *name)
{
	if (!__start_dd_section_vmodels)
		return NULL;
	for (const struct devdrv_vmodel *const *m = __start_dd_section_vmodels; m < __stop_dd_section_vmodels; m++)
		if (!strcmp((*m)->name, name))
			return *m;
	return NULL;
}

static const struct devdrv_vmodel *registered_model_locked(const char *name)
{
	for (size_t i = 0; i < num_registered_models; i++)
		if (!strcmp(registered_models[i]->name, name))
			return registered_models[i];
	return NULL;
}

static const struct devdrv_vmodel *find_model(const char *name)
{
	const struct devdrv_vmodel *m = builtin_model(name);

	if (m)
		return m;
	pthread_mutex_lock(&models_lock);
	m = registered_model_locked(name);
	pthread_mutex_unlock(&models_lock);
	return m;
}

static const char *model_problem(const struct devdrv_vmodel *m)
{
	if (m->api_version != DEVDRV_VMODEL_API_VERSION)
		return "api_version is not DEVDRV_VMODEL_API_VERSION";
	if (!m->name || !*m->name || strchr(m->name, '@'))
		return "a name without '@' is required";
	if (!m->device_desc || !m->config_desc)
		return "device and configuration descriptors are required";
	if (!m->service)
		return "a service callback is required";
	return NULL;
}

int devdrv_virtual_register_model(const struct devdrv_vmodel *m)
{
	const char *problem = m ? model_problem(m) : "NULL model";
	int rc = 0;

	if (problem)
		return dd_ctx_fail(NULL, DEVDRV_E_INVALID, "model %s: %s", m && m->name ? m->name : "(unnamed)",
		                   problem);
	pthread_mutex_lock(&models_lock);
	if (builtin_model(m->name) || registered_model_locked(m->name))
		rc = dd_ctx_fail(NULL, DEVDRV_E_INVALID, "model %s: a model of that name exists", m->name);
	else if (num_registered_models == VBUS_MAX_MODELS)
		rc = dd_ctx_fail(NULL, DEVDRV_E_NOMEM, "model %s: too many models", m->name);
	else
		registered_models[num_registered_models++] = m;
	pthread_mutex_unlock(&models_lock);
	return rc;
}

int devdrv_virtual_unregister_model(const struct devdrv_vmodel *m)
{
	int rc = DEVDRV_E_NOT_FOUND;

	pthread_mutex_lock(&models_lock);
	for (size_t i = 0; i < num_registered_models; i++)
		if (registered_models[i] == m) {
			registered_models[i] = registered_models[--num_registered_models];
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&models_lock);
	return rc;
}

/* Bytes of the model's configuration descriptor: a hostile model may claim a
 * wTotalLength other than what it has. */
static size_t model_config_len(const struct devdrv_vmodel *m)
{
	return m->config_size ? m->config_size : (size_t)(m->config_desc[2] | (m->config_desc[3] << 8));
}

/* A transfer's queue entry lives in its framework state: no allocation. */
static struct vq_node *node_of(struct devdrv_transfer *t)
{
	return (struct vq_node *)(void *)dd_xfer(t)->tpriv;
}

static void vdev_unref_locked(struct devdrv_vdev *d)
{
	if (--d->refs > 0)
		return;
	free(d->state);
	dd_plugin_release(d->plugin); /* the model's code goes last */
	free(d);
}

/* ---- completion ------------------------------------------------------------ */

/* Finish @n's transfer. A transfer without a callback is handed straight back
 * to its waiter; one with a callback waits in the FIFO for dispatch. */
static void finish_locked(struct vbus *bus, struct vq_node *n, int status)
{
	struct devdrv_transfer *t = n->t;

	t->status = status;
	if (!n->callback) {
		dd_xfer(t)->completed = 1; /* from here on t (and n in it) belongs to its waiter */
	} else {
		n->next = NULL;
		*bus->done_tail = n;
		bus->done_tail = &n->next;
	}
	pthread_cond_broadcast(&bus->cond);
}

static void complete_locked(struct vbus *bus, struct vq_node **link, int status)
{
	struct vq_node *n = *link;

	*link = n->next;
	finish_locked(bus, n, status);
}

/* Run the callbacks finished so far, without the lock (a callback may
 * submit again); called and returns with the lock held. What the callbacks
 * finish in turn waits for the next round, so a device that always has data
 * cannot keep one caller here forever. A transfer counts as completed from
 * just before its own callback, and as running until that callback returns:
 * a waiter waits for both (the bus never reads the transfer afterwards). */
static void dispatch_locked(struct vbus *bus)
{
	struct vq_node *batch = bus->done;

	bus->done = NULL;
	bus->done_tail = &bus->done;
	while (batch) {
		struct vq_node *n = batch;
		struct devdrv_transfer *t = n->t;
		struct running self = { t, bus->running };

		batch = n->next; /* n lives in t, which its callback may resubmit */
		dd_xfer(t)->completed = 1;
		bus->running = &self;
		pthread_mutex_unlock(&bus->lock);
		dd_transfer_complete(t);
		pthread_mutex_lock(&bus->lock);
		for (struct running **r = &bus->running; *r; r = &(*r)->next)
			if (*r == &self) {
				*r = self.next;
				break;
			}
		pthread_cond_broadcast(&bus->cond);
	}
}

static int callback_running_locked(struct vbus *bus, const struct devdrv_transfer *t)
{
	for (struct running *r = bus->running; r; r = r->next)
		if (r->t == t)
			return 1;
	return 0;
}

/* Let the model work through the queue until nothing moves; one transfer's
 * progress (an OUT filling the FIFO) can unblock an earlier one (an IN). */
static void pump_locked(struct devdrv_vdev *d)
{
	int progress = 1;

	while (progress && !d->unplugged) {
		progress = 0;
		for (struct vq_node **link = &d->queue; *link;) {
			size_t before = (*link)->t->actual_length;
			int rc = d->model->service(d, (*link)->t);

			if (rc != 0) { /* done, or failed (a babbling model: OVERFLOW) */
				complete_locked(d->bus, link, rc > 0 ? 0 : rc);
				progress = 1;
				continue;
			}
			if ((*link)->t->actual_length != before)
				progress = 1;
			link = &(*link)->next;
		}
	}
}

/* ---- standard requests ----------------------------------------------------- */

static int reply(struct devdrv_transfer *t, const void *data, size_t len)
{
	size_t n = len < t->length ? len : t->length;

	if (n) /* a zero-length data stage may come with no buffer */
		memcpy(t->buffer, data, n);
	return (int)n;
}

static int string_descriptor(struct devdrv_vdev *d, struct devdrv_transfer *t, unsigned index)
{
	uint8_t buf[255];
	const char *s;
	size_t n;

	if (index == 0) {
		static const uint8_t langids[] = { 4, 3, 0x09, 0x04 };
		return reply(t, langids, sizeof(langids));
	}
	if (index >= d->model->num_strings || !(s = d->model->strings[index]))
		return DEVDRV_E_PIPE;
	n = strlen(s);
	if (n > 126)
		n = 126;
	buf[0] = (uint8_t)(2 + 2 * n);
	buf[1] = 3;
	for (size_t i = 0; i < n; i++) { /* ASCII strings, so UTF-16LE is trivial */
		buf[2 + 2 * i] = (uint8_t)s[i];
		buf[3 + 2 * i] = 0;
	}
	return reply(t, buf, buf[0]);
}

/* Does the model's configuration have interface @iface with alt setting @alt? */
static int has_alt_setting(const struct devdrv_vmodel *m, unsigned iface, unsigned alt)
{
	size_t off = 0;
	const uint8_t *desc;

	while ((desc = devdrv_desc_next(m->config_desc, model_config_len(m), &off, 4)))
		if (desc[0] >= 4 && desc[2] == iface && desc[3] == alt)
			return 1;
	return 0;
}

static int set_interface(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	unsigned iface = t->setup.index & 0xff, alt = t->setup.value;

	if (t->setup.index > 0xff || alt > 0xff || !has_alt_setting(d->model, iface, alt))
		return DEVDRV_E_PIPE;
	d->alt[iface] = (uint8_t)alt;
	return 0;
}

static int standard_request(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	const uint8_t *cfg = d->model->config_desc;
	static const uint8_t zero2[2], one = 1;

	switch (t->setup.request) {
	case 0x00: /* GET_STATUS */
		return reply(t, zero2, sizeof(zero2));
	case 0x01: /* CLEAR_FEATURE (endpoint halt) */
	case 0x09: /* SET_CONFIGURATION */
		return (t->setup.request == 0x09 && t->setup.value > 1) ? DEVDRV_E_PIPE : 0;
	case 0x06: /* GET_DESCRIPTOR */
		switch (t->setup.value >> 8) {
		case 1: return reply(t, d->model->device_desc, 18);
		case 2: return (t->setup.value & 0xff) ? DEVDRV_E_PIPE : reply(t, cfg, model_config_len(d->model));
		case 3: return string_descriptor(d, t, t->setup.value & 0xff);
		default: return DEVDRV_E_PIPE;
		}
	case 0x08: /* GET_CONFIGURATION */
		return reply(t, &one, 1);
	case 0x0a: /* GET_INTERFACE */
		return t->setup.index < VBUS_MAX_INTERFACES ? reply(t, &d->alt[t->setup.index], 1) : DEVDRV_E_PIPE;
	case 0x0b: /* SET_INTERFACE */
		return set_interface(d, t);
	default:
		return DEVDRV_E_PIPE;
	}
}

static void log_control(struct devdrv_vdev *d, const struct devdrv_transfer *t, int rc)
{
	struct dd_vcontrol *e = &d->log[d->log_count++ % DD_VCONTROL_LOG];
	size_t n = rc > 0 ? (size_t)rc : (t->setup.request_type & 0x80) ? 0 : t->length;

	memset(e, 0, sizeof(*e));
	e->request_type = t->setup.request_type;
	e->request = t->setup.request;
	e->value = t->setup.value;
	e->index = t->setup.index;
	e->length = (uint16_t)t->length;
	e->status = rc < 0 ? rc : 0;
	if (n) /* no data stage: t->buffer may be NULL */
		memcpy(e->data, t->buffer, n < sizeof(e->data) ? n : sizeof(e->data));
}

/* GET_DESCRIPTOR for a class descriptor (HID report 0x22, ...) to an
 * interface: standard in form, but only the model knows the answer. */
static int is_class_descriptor_request(const struct devdrv_transfer *t)
{
	return t->setup.request == 0x06 && (t->setup.request_type & 0x1f) == 0x01 && (t->setup.value >> 8) >= 0x21;
}

static int control_locked(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	int is_standard = (t->setup.request_type & 0x60) == 0 && !is_class_descriptor_request(t);
	int rc = is_standard ? standard_request(d, t)
	         : d->model->control ? d->model->control(d, t)
	                             : DEVDRV_E_PIPE;

	if (!is_standard)
		log_control(d, t, rc);
	if (rc >= 0) {
		t->actual_length = (size_t)rc;
		pump_locked(d); /* a vendor request may have made data available */
	}
	return rc < 0 ? rc : 0;
}

/* Which interface owns @ep in its current alternate setting, or -1. */
static int interface_of_endpoint(const struct devdrv_vdev *d, uint8_t ep, uint8_t *type)
{
	const struct devdrv_vmodel *m = d->model;
	size_t off = 0;
	const uint8_t *desc;
	int iface = -1, current = 0;

	while ((desc = devdrv_desc_next(m->config_desc, model_config_len(m), &off, 0))) {
		if (desc[1] == 4 && desc[0] >= 4) {
			iface = desc[2];
			current = d->alt[iface] == desc[3];
		} else if (desc[1] == 5 && desc[0] >= 4 && desc[2] == ep && current && iface >= 0) {
			*type = desc[3] & 3;
			return iface;
		}
	}
	return -1;
}

/* ---- transport ops --------------------------------------------------------- */

static struct vbus *bus_of(struct devdrv_transfer *t)
{
	return ((struct devdrv_vdev *)t->handle->dev->tdev)->bus;
}

static void add_ms(struct timespec *ts, unsigned ms);

static void set_deadline(struct vq_node *n, unsigned timeout_ms)
{
	n->has_deadline = timeout_ms != 0;
	if (!timeout_ms)
		return;
	clock_gettime(CLOCK_MONOTONIC, &n->deadline);
	add_ms(&n->deadline, timeout_ms);
}

static int check_pipe(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	uint8_t type = 0;
	int iface = interface_of_endpoint(d, t->endpoint, &type);

	if (iface < 0)
		return devdrv_handle_fail(t->handle, DEVDRV_E_INVALID,
		                          "endpoint 0x%02x does not exist in the current alternate settings",
		                          t->endpoint);
	if (type != t->type)
		return devdrv_handle_fail(t->handle, DEVDRV_E_INVALID, "endpoint 0x%02x is not %s",
		                          t->endpoint, dd_transfer_kind(t->type));
	if (d->owner[iface] != t->handle)
		return devdrv_handle_fail(t->handle, DEVDRV_E_INVALID,
		                          "endpoint 0x%02x: claim interface %d first", t->endpoint, iface);
	return 0;
}

static void unplug_locked(struct vbus *bus, struct devdrv_vdev *d);

/* Fault injection for tests: is this the transfer the device dies at? */
static int dies_now_locked(struct devdrv_vdev *d)
{
	if (++d->transfers != d->disconnect_at)
		return 0;
	unplug_locked(d->bus, d);
	return 1;
}

static int vbus_submit(struct devdrv_transfer *t)
{
	struct devdrv_vdev *d = t->handle->dev->tdev;
	struct vbus *bus = d->bus;
	struct vq_node *n = node_of(t);
	int rc = 0;

	pthread_mutex_lock(&bus->lock);
	if (d->unplugged || dies_now_locked(d))
		rc = DEVDRV_E_DISCONNECTED;
	else if (t->type != DEVDRV_TRANSFER_CONTROL)
		rc = check_pipe(d, t);
	if (rc < 0) {
		pthread_mutex_unlock(&bus->lock);
		return rc;
	}
	*n = (struct vq_node){ .t = t, .callback = t->callback, .dev = d };
	set_deadline(n, t->timeout_ms);
	if (t->type == DEVDRV_TRANSFER_CONTROL) {
		finish_locked(bus, n, control_locked(d, t)); /* endpoint 0 never waits */
	} else {
		struct vq_node **link = &d->queue;

		while (*link)
			link = &(*link)->next;
		*link = n;
		pump_locked(d);
	}
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

static struct vq_node **find_link(struct devdrv_vdev *d, struct vq_node *n)
{
	for (struct vq_node **link = &d->queue; *link; link = &(*link)->next)
		if (*link == n)
			return link;
	return NULL;
}

static int vbus_cancel(struct devdrv_transfer *t)
{
	struct devdrv_vdev *d = t->handle->dev->tdev;
	struct vbus *bus = d->bus;
	struct vq_node **link;

	pthread_mutex_lock(&bus->lock);
	if ((link = find_link(d, node_of(t))))
		complete_locked(bus, link, DEVDRV_E_CANCELLED);
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

static int before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

void devdrv_vdev_wake_in(struct devdrv_vdev *d, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, &d->wake);
	add_ms(&d->wake, ms);
	d->has_wake = 1;
	pthread_cond_broadcast(&d->bus->cond); /* a sleeper recomputes its deadline */
}

/* Pump the devices whose wake-up is due; fold the others into *next. */
static int wake_models_locked(struct vbus *bus, const struct timespec *now, struct timespec *next, int pending)
{
	for (struct devdrv_vdev *d = bus->devices; d; d = d->next) {
		if (!d->has_wake || d->unplugged)
			continue;
		if (!before(now, &d->wake)) {
			d->has_wake = 0;
			pump_locked(d);
		}
		if (d->has_wake && (!pending || before(&d->wake, next))) { /* re-armed, or not yet due */
			*next = d->wake;
			pending = 1;
		}
	}
	return pending;
}

/* Time out every queued transfer whose deadline has passed, waited for or
 * not; *next gets the earliest deadline still pending. Returns whether
 * there is one. */
static int expire_locked(struct vbus *bus, struct timespec *next)
{
	struct timespec now;
	int pending = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (struct devdrv_vdev *d = bus->devices; d; d = d->next) {
		for (struct vq_node **link = &d->queue; *link;) {
			struct vq_node *n = *link;

			if (!n->has_deadline) {
				link = &n->next;
			} else if (!before(&now, &n->deadline)) {
				complete_locked(bus, link, DEVDRV_E_TIMEOUT);
			} else {
				if (!pending || before(&n->deadline, next))
					*next = n->deadline;
				pending = 1;
				link = &n->next;
			}
		}
	}
	return wake_models_locked(bus, &now, next, pending);
}

/* Is @t finished for its waiter? One with a callback is finished once that
 * callback has returned (a callback may resubmit it: completed is read only
 * when no callback of its runs). */
static int wait_over_locked(struct vbus *bus, const struct devdrv_transfer *t, int has_callback)
{
	const struct dd_transfer *x = (const struct dd_transfer *)t;

	if (has_callback && callback_running_locked(bus, t))
		return 0;
	return x->completed || x->by_filter; /* by_filter: resubmitted to a filter that completed it */
}

static void sleep_locked(struct vbus *bus, int timed, const struct timespec *until)
{
	if (timed)
		pthread_cond_timedwait(&bus->cond, &bus->lock, until);
	else
		pthread_cond_wait(&bus->cond, &bus->lock);
}

/* Wait for @t, running other transfers' callbacks and timeouts meanwhile, as
 * libusb's event handling does for a synchronous call. */
static int vbus_wait(struct devdrv_transfer *t)
{
	struct vbus *bus = bus_of(t);
	int has_callback = t->callback != NULL;

	pthread_mutex_lock(&bus->lock);
	for (;;) {
		struct timespec next;
		int timed;

		dispatch_locked(bus);
		timed = expire_locked(bus, &next);
		if (wait_over_locked(bus, t, has_callback))
			break;
		if (!bus->done)
			sleep_locked(bus, timed, &next);
	}
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

static void add_ms(struct timespec *ts, unsigned ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* One round of event handling: expire timeouts, then run the callbacks that
 * are due, waiting up to @timeout_ms for some to be. */
static int vbus_handle_events(void *state, unsigned timeout_ms)
{
	struct vbus *bus = state;
	struct timespec until, next;

	clock_gettime(CLOCK_MONOTONIC, &until);
	add_ms(&until, timeout_ms);
	pthread_mutex_lock(&bus->lock);
	for (;;) {
		struct timespec now;
		int timed = expire_locked(bus, &next);

		if (bus->done) {
			dispatch_locked(bus);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!before(&now, &until))
			break;
		sleep_locked(bus, 1, timed && before(&next, &until) ? &next : &until);
	}
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

static int vbus_present(struct devdrv_handle *h)
{
	struct devdrv_vdev *d = h->dev->tdev;
	int present;

	pthread_mutex_lock(&d->bus->lock);
	present = !d->unplugged;
	pthread_mutex_unlock(&d->bus->lock);
	return present;
}

static int vbus_open(struct devdrv_handle *h)
{
	struct devdrv_vdev *d = h->dev->tdev;
	int rc = 0;

	pthread_mutex_lock(&d->bus->lock);
	if (d->unplugged)
		rc = devdrv_handle_fail(h, DEVDRV_E_DISCONNECTED, "open %s: device was unplugged",
		                        d->port);
	else
		h->tpriv = d;
	pthread_mutex_unlock(&d->bus->lock);
	return rc;
}

/* Does @h still have a transfer queued, or finished with its callback not run? */
static int has_transfers_locked(struct vbus *bus, struct devdrv_vdev *d, struct devdrv_handle *h)
{
	for (struct vq_node *n = d->queue; n; n = n->next)
		if (n->t->handle == h)
			return 1;
	for (struct vq_node *n = bus->done; n; n = n->next)
		if (n->t->handle == h)
			return 1;
	return 0;
}

/* A transfer left queued would take the next handle's data and complete
 * with a freed handle: cancel them and run their callbacks now, as closing
 * a usbfs file descriptor discards its URBs. A callback that resubmits on a
 * closing handle gets a few rounds, then its transfers are cancelled and
 * dropped with a warning. */
static void vbus_close(struct devdrv_handle *h)
{
	struct devdrv_vdev *d = h->dev->tdev;
	struct vbus *bus = d->bus;

	pthread_mutex_lock(&bus->lock);
	for (int round = 0; round < 8 && has_transfers_locked(bus, d, h); round++) {
		for (struct vq_node **link = &d->queue; *link;) {
			if ((*link)->t->handle == h)
				complete_locked(bus, link, DEVDRV_E_CANCELLED);
			else
				link = &(*link)->next;
		}
		dispatch_locked(bus);
	}
	if (has_transfers_locked(bus, d, h))
		dd_warn(bus->ctx, "virtual %s: a callback kept resubmitting on a closed handle", d->port);
	pthread_mutex_unlock(&bus->lock);
	h->tpriv = NULL;
}

static int vbus_claim(struct devdrv_handle *h, int iface)
{
	struct devdrv_vdev *d = h->dev->tdev;
	int rc = 0;

	pthread_mutex_lock(&d->bus->lock);
	if (d->unplugged)
		rc = devdrv_handle_fail(h, DEVDRV_E_DISCONNECTED, "claim interface %d: unplugged", iface);
	else if (!devdrv_find_interface(devdrv_active_config(&h->dev->info), iface))
		rc = devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "claim interface %d: no such interface",
		                        iface);
	else if (d->owner[iface] && d->owner[iface] != h)
		rc = devdrv_handle_fail(h, DEVDRV_E_BUSY,
		                        "claim interface %d: busy: another handle has claimed it", iface);
	else
		d->owner[iface] = h;
	pthread_mutex_unlock(&d->bus->lock);
	return rc;
}

static int vbus_release(struct devdrv_handle *h, int iface)
{
	struct devdrv_vdev *d = h->dev->tdev;

	pthread_mutex_lock(&d->bus->lock);
	if (d->owner[iface] == h)
		d->owner[iface] = NULL;
	pthread_mutex_unlock(&d->bus->lock);
	return 0;
}

/* A standard request the core makes through the transport, as usbfs makes
 * SET_INTERFACE and CLEAR_FEATURE for libusb: answered here, under the lock,
 * and logged like any control transfer the device received. */
static int standard_direct(struct devdrv_handle *h, uint8_t type, uint8_t request, uint16_t value,
                           uint16_t index)
{
	struct devdrv_vdev *d = h->dev->tdev;
	struct devdrv_transfer t = { .handle = h, .setup = { type, request, value, index } };
	int rc;

	pthread_mutex_lock(&d->bus->lock);
	rc = d->unplugged ? DEVDRV_E_DISCONNECTED : standard_request(d, &t);
	if (!d->unplugged)
		log_control(d, &t, rc);
	pthread_mutex_unlock(&d->bus->lock);
	if (rc == DEVDRV_E_DISCONNECTED)
		return devdrv_handle_fail(h, rc, "device %s was unplugged", h->dev->port_path);
	if (rc < 0)
		return devdrv_handle_fail(h, rc, "standard request %02x/%02x value 0x%04x index 0x%04x: refused (STALL)",
		                          type, request, value, index);
	return 0;
}

static int vbus_set_alt(struct devdrv_handle *h, int iface, int alt)
{
	return standard_direct(h, 0x01, 0x0b, (uint16_t)alt, (uint16_t)iface);
}

static int vbus_clear_halt(struct devdrv_handle *h, uint8_t ep)
{
	return standard_direct(h, 0x02, 0x01, 0, ep);
}

static int vbus_reset(struct devdrv_handle *h)
{
	(void)h;
	return 0;
}

/* ---- enumeration ----------------------------------------------------------- */

/* A model knows every alt setting's iInterface string, not only the
 * current one's as sysfs does. */
static int set_interface_names(struct dd_device *dev, const struct devdrv_vmodel *m)
{
	size_t off = 0;
	const uint8_t *desc;

	while ((desc = devdrv_desc_next(m->config_desc, model_config_len(m), &off, 4))) {
		unsigned idx = desc[0] >= 9 ? desc[8] : 0;

		if (idx && idx < m->num_strings && m->strings[idx] &&
		    dd_device_set_interface_strings(dev, m->config_desc[5], desc[2], NULL, desc[3],
		                                    m->strings[idx]) < 0)
			return DEVDRV_E_NOMEM;
	}
	return 0;
}

static int fill_virtual_record(struct dd_device *dev, struct devdrv_vdev *d)
{
	const struct devdrv_vmodel *m = d->model;
	const uint8_t *dd = m->device_desc;
	struct devdrv_device_info *info = &dev->info;
	const uint8_t *cfg = m->config_desc;
	int rc;

	info->bus = VBUS_NUMBER;
	info->address = d->address;
	snprintf(dev->port_path, sizeof(dev->port_path), "%s", d->port);
	info->bcd_usb = (uint16_t)(dd[2] | dd[3] << 8);
	info->cls = dd[4];
	info->subclass = dd[5];
	info->protocol = dd[6];
	info->max_packet0 = dd[7];
	info->vid = (uint16_t)(dd[8] | dd[9] << 8);
	info->pid = (uint16_t)(dd[10] | dd[11] << 8);
	info->bcd_device = (uint16_t)(dd[12] | dd[13] << 8);
	info->speed = m->speed;
	info->active_config = model_config_len(m) > 5 ? cfg[5] : 0;
	rc = dd_device_add_config(dev, cfg, model_config_len(m));
	if (rc == DEVDRV_E_PROTOCOL) { /* listed without it, as a real bus would */
		dd_warn(d->bus->ctx, "virtual %s: configuration descriptor malformed, ignored", d->port);
		rc = 0;
	}
	if (rc == 0)
		rc = set_interface_names(dev, m);
	for (int i = 0; i < 3 && rc == 0; i++) {
		const char **field[3] = { &info->manufacturer, &info->product, &info->serial };
		unsigned idx = dd[14 + i];

		if (idx && idx < m->num_strings)
			rc = dd_device_set_string(field[i], m->strings[idx]);
	}
	return rc;
}

static int vbus_enumerate(struct devdrv_context *ctx, void *state, struct dd_device_vec *out)
{
	struct vbus *bus = state;
	int rc = 0;

	pthread_mutex_lock(&bus->lock);
	for (struct devdrv_vdev *d = bus->devices; d && rc == 0; d = d->next) {
		struct dd_device *dev = dd_device_new(&vbus_transport, bus, d);

		if (!dev) {
			rc = DEVDRV_E_NOMEM;
			break;
		}
		d->refs++;
		rc = fill_virtual_record(dev, d);
		if (rc == 0)
			rc = dd_device_vec_push(out, dev);
		if (rc < 0) {
			dev->tdev = NULL; /* dropped below, under the lock we hold */
			vdev_unref_locked(d);
			dd_device_free(dev);
		}
	}
	pthread_mutex_unlock(&bus->lock);
	return rc < 0 ? dd_ctx_fail(ctx, rc, "virtual: enumeration failed") : 0;
}

static void vbus_device_release(void *tdev)
{
	struct devdrv_vdev *d = tdev;
	struct vbus *bus = d->bus;

	pthread_mutex_lock(&bus->lock);
	vdev_unref_locked(d);
	pthread_mutex_unlock(&bus->lock);
}

/* ---- plug / unplug ---------------------------------------------------------- */

static struct vbus *vbus_of_ctx(struct devdrv_context *ctx)
{
	for (int i = 0; ctx && i < ctx->num_transports; i++)
		if (ctx->transports[i].ops == &vbus_transport)
			return ctx->transports[i].state;
	return NULL;
}

static struct devdrv_vdev *find_port_locked(struct vbus *bus, const char *port)
{
	for (struct devdrv_vdev *d = bus->devices; d; d = d->next)
		if (!strcmp(d->port, port))
			return d;
	return NULL;
}

/* "1-3", "1-3.2": a bus number, then port numbers (1-255) joined by '.'. */
static int valid_port_path(const char *p)
{
	char *end;
	unsigned long n = strtoul(p, &end, 10);

	if (!isdigit((unsigned char)*p) || n == 0 || n > 255 || *end != '-' || strlen(p) >= DD_PORT_LEN)
		return 0;
	for (p = end + 1;; p = end + 1) {
		n = strtoul(p, &end, 10);
		if (!isdigit((unsigned char)*p) || n == 0 || n > 255)
			return 0;
		if (*end == '\0')
			return 1;
		if (*end != '.')
			return 0;
	}
}

static int check_port(struct devdrv_context *ctx, struct vbus *bus, const char *port)
{
	if (!port || !valid_port_path(port))
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "virtual plug: bad port path '%s'",
		                   port ? port : "(null)");
	if (strtoul(port, NULL, 10) != VBUS_NUMBER)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "virtual plug: port '%s' is not on bus %d",
		                   port, VBUS_NUMBER);
	if (find_port_locked(bus, port))
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "virtual plug: port %s is taken", port);
	return 0;
}

/* The lowest address no plugged device has, as a host controller hands out
 * addresses again after unplug; 0 when all 126 are taken. */
static uint8_t free_address_locked(struct vbus *bus)
{
	for (unsigned a = VBUS_FIRST_ADDRESS; a <= VBUS_LAST_ADDRESS; a++) {
		struct devdrv_vdev *d = bus->devices;

		while (d && d->address != a)
			d = d->next;
		if (!d)
			return (uint8_t)a;
	}
	return 0;
}

static int plug_locked(struct devdrv_context *ctx, struct vbus *bus, const struct devdrv_vmodel *m,
                       struct dd_plugin *plugin, const char *port_path)
{
	struct devdrv_vdev *d;
	uint8_t address;
	int rc;

	if ((rc = check_port(ctx, bus, port_path)) < 0)
		return rc;
	if (!(address = free_address_locked(bus)))
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "virtual plug: all %d addresses of the bus are taken",
		                   VBUS_LAST_ADDRESS - VBUS_FIRST_ADDRESS + 1);
	if (!(d = calloc(1, sizeof(*d))) || (m->state_size && !(d->state = calloc(1, m->state_size)))) {
		free(d);
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "virtual plug: out of memory");
	}
	d->model = m;
	d->plugin = plugin;
	d->bus = bus;
	d->refs = 1; /* the bus's own reference */
	d->address = address;
	snprintf(d->port, sizeof(d->port), "%s", port_path);
	d->next = bus->devices;
	bus->devices = d;
	return 0;
}

int devdrv_virtual_plug(struct devdrv_context *ctx, const char *model, const char *port_path)
{
	struct vbus *bus = vbus_of_ctx(ctx);
	const struct devdrv_vmodel *m;
	struct dd_plugin *plugin = NULL;
	int rc;

	if (!bus)
		return dd_ctx_fail(ctx, DEVDRV_E_UNSUPPORTED,
		                   "virtual plug: the context has no virtual transport");
	/* a plugin's model loads its plugin, outside the bus lock */
	if (!(m = model ? find_model(model) : NULL) && model)
		m = dd_plugin_acquire_model(model, &plugin);
	if (!m)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "virtual plug: unknown model '%s'",
		                   model ? model : "(null)");
	pthread_mutex_lock(&bus->lock);
	rc = plug_locked(ctx, bus, m, plugin, port_path);
	pthread_mutex_unlock(&bus->lock);
	if (rc < 0)
		dd_plugin_release(plugin);
	return rc;
}

static void unplug_locked(struct vbus *bus, struct devdrv_vdev *d)
{
	struct devdrv_vdev **link = &bus->devices;

	while (*link != d)
		link = &(*link)->next;
	*link = d->next;
	d->unplugged = 1;
	while (d->queue)
		complete_locked(bus, &d->queue, DEVDRV_E_DISCONNECTED);
	vdev_unref_locked(d);
}

int devdrv_virtual_unplug(struct devdrv_context *ctx, const char *port_path)
{
	struct vbus *bus = vbus_of_ctx(ctx);
	struct devdrv_vdev *d;

	if (!bus)
		return dd_ctx_fail(ctx, DEVDRV_E_UNSUPPORTED, "virtual unplug: the context has no virtual transport");
	pthread_mutex_lock(&bus->lock);
	d = port_path ? find_port_locked(bus, port_path) : NULL;
	if (!d) {
		pthread_mutex_unlock(&bus->lock);
		return dd_ctx_fail(ctx, DEVDRV_E_NOT_FOUND, "virtual unplug: nothing at port '%s'",
		                   port_path ? port_path : "(null)");
	}
	unplug_locked(bus, d);
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

int dd_virtual_disconnect_after(struct devdrv_context *ctx, const char *port, unsigned long n)
{
	struct vbus *bus = vbus_of_ctx(ctx);
	struct devdrv_vdev *d;

	if (!bus)
		return DEVDRV_E_UNSUPPORTED;
	pthread_mutex_lock(&bus->lock);
	if ((d = find_port_locked(bus, port)))
		d->disconnect_at = n ? d->transfers + n : 0;
	pthread_mutex_unlock(&bus->lock);
	return d ? 0 : DEVDRV_E_NOT_FOUND;
}

static void vbus_exit(void *state);

size_t dd_virtual_control_log(struct devdrv_context *ctx, const char *port, struct dd_vcontrol *out,
                              size_t max)
{
	struct vbus *bus = vbus_of_ctx(ctx);
	struct devdrv_vdev *d;
	size_t n = 0;

	if (!bus)
		return 0;
	pthread_mutex_lock(&bus->lock);
	if ((d = find_port_locked(bus, port))) {
		size_t first = d->log_count > DD_VCONTROL_LOG ? d->log_count - DD_VCONTROL_LOG : 0;

		for (size_t i = first; i < d->log_count && n < max; i++)
			out[n++] = d->log[i % DD_VCONTROL_LOG];
	}
	pthread_mutex_unlock(&bus->lock);
	return n;
}

void dd_virtual_control_log_clear(struct devdrv_context *ctx, const char *port)
{
	struct vbus *bus = vbus_of_ctx(ctx);
	struct devdrv_vdev *d;

	if (!bus)
		return;
	pthread_mutex_lock(&bus->lock);
	if ((d = find_port_locked(bus, port)))
		d->log_count = 0;
	pthread_mutex_unlock(&bus->lock);
}

static int vbus_init(struct devdrv_context *ctx, void **state)
{
	struct vbus *bus = calloc(1, sizeof(*bus));
	pthread_condattr_t attr;

	if (!bus)
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "virtual: out of memory");
	pthread_mutex_init(&bus->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* deadlines ignore clock jumps */
	pthread_cond_init(&bus->cond, &attr);
	pthread_condattr_destroy(&attr);
	bus->ctx = ctx;
	bus->done_tail = &bus->done;
	*state = bus;
	if (!ctx->no_default_virtual_devices &&
	    (plug_locked(ctx, bus, builtin_model("loopback"), NULL, "1-1") < 0 ||
	     plug_locked(ctx, bus, builtin_model("button"), NULL, "1-2") < 0)) {
		vbus_exit(bus);
		*state = NULL;
		return DEVDRV_E_NOMEM;
	}
	return 0;
}

static void vbus_exit(void *state)
{
	struct vbus *bus = state;

	pthread_mutex_lock(&bus->lock);
	while (bus->devices)
		unplug_locked(bus, bus->devices);
	dispatch_locked(bus); /* nothing should be left: every handle is closed */
	pthread_mutex_unlock(&bus->lock);
	pthread_cond_destroy(&bus->cond);
	pthread_mutex_destroy(&bus->lock);
	free(bus);
}

_Static_assert(sizeof(struct vq_node) <= DD_TPRIV_MAX, "a queue entry fits a transfer's framework state");

static const struct dd_transport_ops vbus_transport = {
	.name = "virtual",
	.transfer_priv_size = sizeof(struct vq_node),
	.id = DEVDRV_TRANSPORT_VIRTUAL,
	.init = vbus_init,
	.exit = vbus_exit,
	.enumerate = vbus_enumerate,
	.device_release = vbus_device_release,
	.open = vbus_open,
	.close = vbus_close,
	.claim = vbus_claim,
	.release = vbus_release,
	.set_alt = vbus_set_alt,
	.clear_halt = vbus_clear_halt,
	.reset = vbus_reset,
	.submit = vbus_submit,
	.cancel = vbus_cancel,
	.wait = vbus_wait,
	.handle_events = vbus_handle_events,
	.present = vbus_present,
};
DD_TRANSPORT_REGISTER(vbus_transport);
