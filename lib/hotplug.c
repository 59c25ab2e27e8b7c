/* hotplug.c — arrival and removal callbacks, for every transport at once.
 *
 * Transports only say "devices changed" (dd_hotplug_changed: libusb's
 * hotplug callback, a virtual plug or unplug). Event handling then lists the
 * devices again and compares with the list it kept: a record's identity is
 * its transport and the transport's own device object (libusb_device, the
 * virtual device), which the kept record holds a reference to, so a device
 * unplugged and plugged again between two looks is still seen leaving and
 * arriving. The records handed to callbacks are bound like those of
 * devdrv_get_device_list(). */
#include "deadline.h"
#include "internal.h"

#include <devdrv/hotplug.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dd_watch {
	int id;
	int match_all;
	struct dd_selector sel;
	devdrv_hotplug_fn fn;
	void *user;
	int dead; /* deregistered from a callback: freed when the dispatch ends */
	struct dd_watch *next;
};

#define RECENT_MAX 16

/* A device that arrived lately, for devdrv_open()'s retries. */
struct recent_arrival {
	const struct dd_transport_ops *ops;
	char port[DD_PORT_LEN];
	uint64_t when_ns;
};

struct dd_hotplug {
	/* Held while the watch list or the kept devices change, and while
	 * callbacks run: one dispatch at a time, and deregistration waits for a
	 * running callback. */
	pthread_mutex_t dispatch;
	struct dd_watch *watches;
	int next_id;
	unsigned looks_again;   /* looks in a row that could not describe every device */
	_Atomic int watching; /* transports asked to report changes */
	int have_snapshot;
	struct dd_device_vec seen;
	_Atomic int changed;  /* a transport reported a change not yet compared */
	/* A look that could not describe every device (one settling or going)
	 * is taken again after this many ns since boot, not at once: no spin. */
	_Atomic uint64_t look_again_ns;
	pthread_mutex_t recent_lock;
	struct recent_arrival recent[RECENT_MAX];
	unsigned recent_next;
};

/* The context whose callbacks this thread runs now: a callback that
 * registers or deregisters must not wait for itself. */
static _Thread_local struct dd_hotplug *dispatching_here;

const char *devdrv_hotplug_event_name(enum devdrv_hotplug_event event)
{
	switch (event) {
	case DEVDRV_HOTPLUG_ARRIVED: return "arrived";
	case DEVDRV_HOTPLUG_LEFT: return "left";
	default: return "unknown";
	}
}

static struct dd_hotplug *hotplug_of(struct devdrv_context *ctx)
{
	return ctx ? ctx->hotplug : NULL;
}

static int lock_dispatch(struct dd_hotplug *hp)
{
	if (dispatching_here == hp)
		return 0;
	pthread_mutex_lock(&hp->dispatch);
	dispatching_here = hp;
	return 1;
}

static void unlock_dispatch(struct dd_hotplug *hp, int taken)
{
	if (!taken)
		return;
	dispatching_here = NULL;
	pthread_mutex_unlock(&hp->dispatch);
}

void dd_hotplug_changed(struct devdrv_context *ctx)
{
	struct dd_hotplug *hp = hotplug_of(ctx);

	if (!hp || !atomic_load(&hp->watching))
		return; /* nobody watches: the first registration lists devices anew */
	atomic_store(&hp->changed, 1);
	dd_ctx_wake(ctx);
}

static int watch_matches(struct devdrv_context *ctx, const struct dd_watch *w, const struct devdrv_device_info *info)
{
	struct dd_binding b;

	if (w->match_all)
		return 1;
	if (!dd_selector_match_fields(&w->sel, info))
		return 0;
	(void)ctx;
	return !(w->sel.has & DD_SEL_DRIVER) || dd_bind(info, w->sel.driver, w->sel.iface, &b) == 0;
}

static void emit(struct devdrv_context *ctx, struct dd_hotplug *hp, enum devdrv_hotplug_event ev,
                 const struct dd_device *dev)
{
	for (struct dd_watch *w = hp->watches; w; w = w->next)
		if (!w->dead && watch_matches(ctx, w, &dev->info))
			w->fn(ctx, ev, &dev->info, w->user);
}

static int same_device(const struct dd_device *a, const struct dd_device *b)
{
	return a->ops == b->ops && a->tdev == b->tdev;
}

static int contains(const struct dd_device_vec *v, const struct dd_device *dev)
{
	for (size_t i = 0; i < v->count; i++)
		if (same_device(v->items[i], dev))
			return 1;
	return 0;
}

static void note_arrival(struct dd_hotplug *hp, const struct dd_device *dev)
{
	struct recent_arrival *r;

	pthread_mutex_lock(&hp->recent_lock);
	r = &hp->recent[hp->recent_next++ % RECENT_MAX];
	r->ops = dev->ops;
	snprintf(r->port, sizeof(r->port), "%s", dev->port_path);
	r->when_ns = dd_monotonic_ns();
	pthread_mutex_unlock(&hp->recent_lock);
}

int dd_hotplug_recent(struct devdrv_context *ctx, const struct dd_transport_ops *ops, const char *port,
                      unsigned ms)
{
	struct dd_hotplug *hp = hotplug_of(ctx);
	uint64_t now = dd_monotonic_ns();
	int found = 0;

	if (!hp)
		return 0;
	pthread_mutex_lock(&hp->recent_lock);
	for (int i = 0; i < RECENT_MAX && !found; i++) {
		const struct recent_arrival *r = &hp->recent[i];

		found = r->ops == ops && !strcmp(r->port, port) && now - r->when_ns < (uint64_t)ms * 1000000u;
	}
	pthread_mutex_unlock(&hp->recent_lock);
	return found;
}

/* Removals first (a device re-plugged at the same port leaves before it
 * arrives again), then arrivals; @now becomes the kept list. */
static void compare_and_emit(struct devdrv_context *ctx, struct dd_hotplug *hp, struct dd_device_vec *now)
{
	for (size_t i = 0; i < hp->seen.count; i++)
		if (!contains(now, hp->seen.items[i]))
			emit(ctx, hp, DEVDRV_HOTPLUG_LEFT, hp->seen.items[i]);
	for (size_t i = 0; i < now->count; i++)
		if (!contains(&hp->seen, now->items[i])) {
			note_arrival(hp, now->items[i]);
			emit(ctx, hp, DEVDRV_HOTPLUG_ARRIVED, now->items[i]);
		}
	dd_device_vec_clear(&hp->seen);
	hp->seen = *now;
}

static void reap_dead_watches(struct dd_hotplug *hp)
{
	for (struct dd_watch **link = &hp->watches; *link;) {
		struct dd_watch *w = *link;

		if (w->dead) {
			*link = w->next;
			free(w);
		} else {
			link = &w->next;
		}
	}
}

#define LOOK_AGAIN_MS 50
#define LOOK_AGAIN_MAX 40 /* two seconds of a device that cannot be described */

/* A device could not be described, or the listing failed: look again a
 * little later, a bounded number of times. */
static void look_again_later(struct dd_hotplug *hp)
{
	if (++hp->looks_again > LOOK_AGAIN_MAX)
		return; /* it stays unknown; the next change looks again */
	atomic_store(&hp->look_again_ns, dd_monotonic_ns() + LOOK_AGAIN_MS * 1000000ull);
	atomic_store(&hp->changed, 1);
}

/* Under the dispatch lock: compare until no change is left. */
static void compare_pending_locked(struct devdrv_context *ctx, struct dd_hotplug *hp)
{
	while (hp->have_snapshot && dd_monotonic_ns() >= atomic_load(&hp->look_again_ns) && atomic_exchange(&hp->changed, 0)) {
		struct dd_device_vec now;

		if (dd_enumerate(ctx, &now) < 0) {
			dd_warn(ctx, "hotplug: listing devices failed: %s", devdrv_context_errmsg(ctx));
			look_again_later(hp); /* the kept list stays as it was */
			break;
		}
		if (now.skipped)
			look_again_later(hp);
		else
			hp->looks_again = 0;
		compare_and_emit(ctx, hp, &now);
	}
}

void dd_hotplug_dispatch(struct devdrv_context *ctx)
{
	struct dd_hotplug *hp = hotplug_of(ctx);

	if (!hp || !atomic_load(&hp->changed) || dispatching_here == hp)
		return;
	if (pthread_mutex_trylock(&hp->dispatch) != 0)
		return; /* another thread compares; the flag it has not seen stays set */
	dispatching_here = hp;
	compare_pending_locked(ctx, hp);
	reap_dead_watches(hp);
	dispatching_here = NULL;
	pthread_mutex_unlock(&hp->dispatch);
}

/* Under the dispatch lock: ask the transports to report changes and keep
 * the list of devices present now, once. */
static int start_watching(struct devdrv_context *ctx, struct dd_hotplug *hp)
{
	int rc;

	for (int i = 0; !hp->watching && i < ctx->num_transports; i++) {
		const struct dd_transport_ops *ops = ctx->transports[i].ops;

		if (ops->watch && (rc = ops->watch(ctx->transports[i].state)) < 0)
			return rc;
	}
	hp->watching = 1;
	if (hp->have_snapshot)
		return 0;
	atomic_store(&hp->changed, 0); /* the list below is newer than any change so far */
	if ((rc = dd_enumerate(ctx, &hp->seen)) < 0)
		return rc;
	hp->have_snapshot = 1;
	return 0;
}

static int parse_watch_selector(struct devdrv_context *ctx, const char *selector, struct dd_watch *w)
{
	if (!selector || !*selector) {
		w->match_all = 1;
		return 0;
	}
	int rc = dd_parse_selector(ctx, selector, &w->sel);

	if (rc < 0)
		return rc;
	if (w->sel.has & DD_SEL_INDEX)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID,
		                   "hotplug: selector '%s': #N picks a device from a list; drop it to watch", selector);
	return 0;
}

int devdrv_hotplug_register(struct devdrv_context *ctx, const char *selector, unsigned flags,
                            devdrv_hotplug_fn fn, void *user, int *id)
{
	struct dd_hotplug *hp = hotplug_of(ctx);
	struct dd_watch *w;
	int rc, taken;

	if (!hp || !fn || (flags & ~(unsigned)DEVDRV_HOTPLUG_ENUMERATE))
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "devdrv_hotplug_register: NULL context or callback, or unknown flags");
	if (!(w = calloc(1, sizeof(*w))))
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "hotplug: out of memory");
	w->fn = fn;
	w->user = user;
	if ((rc = parse_watch_selector(ctx, selector, w)) < 0) {
		free(w);
		return rc;
	}
	taken = lock_dispatch(hp);
	if ((rc = start_watching(ctx, hp)) < 0) {
		unlock_dispatch(hp, taken);
		free(w);
		return rc;
	}
	/* the callbacks already there hear of changes before the new one
	 * takes the list as it is now (from a callback, the dispatch it runs
	 * in does that: the list is being walked) */
	if (taken)
		compare_pending_locked(ctx, hp);
	w->id = ++hp->next_id;
	/* callbacks are told in the order they were registered */
	struct dd_watch **tail = &hp->watches;

	while (*tail)
		tail = &(*tail)->next;
	*tail = w;
	for (size_t i = 0; (flags & DEVDRV_HOTPLUG_ENUMERATE) && i < hp->seen.count; i++)
		if (!w->dead && watch_matches(ctx, w, &hp->seen.items[i]->info))
			w->fn(ctx, DEVDRV_HOTPLUG_ARRIVED, &hp->seen.items[i]->info, w->user);
	if (id)
		*id = w->id;
	unlock_dispatch(hp, taken);
	return dd_events_need_thread(ctx);
}

int devdrv_hotplug_deregister(struct devdrv_context *ctx, int id)
{
	struct dd_hotplug *hp = hotplug_of(ctx);
	int rc = DEVDRV_E_NOT_FOUND, taken;

	if (!hp)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "devdrv_hotplug_deregister: NULL context");
	taken = lock_dispatch(hp);
	for (struct dd_watch **link = &hp->watches; *link; link = &(*link)->next) {
		struct dd_watch *w = *link;

		if (w->id != id || w->dead)
			continue;
		if (taken) { /* no callback runs: free it now */
			*link = w->next;
			free(w);
		} else { /* from a callback, maybe its own: the dispatcher frees it */
			w->dead = 1;
		}
		rc = 0;
		break;
	}
	unlock_dispatch(hp, taken);
	return rc < 0 ? dd_ctx_fail(ctx, rc, "hotplug: no callback with id %d", id) : 0;
}

int dd_hotplug_pending(struct devdrv_context *ctx, int *timeout_ms)
{
	struct dd_hotplug *hp = hotplug_of(ctx);
	uint64_t at, now;
	int ms;

	if (!hp || !atomic_load(&hp->changed))
		return 0;
	at = atomic_load(&hp->look_again_ns);
	now = dd_monotonic_ns();
	ms = at > now ? (int)((at - now + 999999) / 1000000) : 0;
	if (timeout_ms && (*timeout_ms < 0 || ms < *timeout_ms))
		*timeout_ms = ms;
	return ms == 0;
}

int dd_hotplug_init(struct devdrv_context *ctx)
{
	struct dd_hotplug *hp = calloc(1, sizeof(*hp));

	if (!hp)
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "context: out of memory");
	pthread_mutex_init(&hp->dispatch, NULL);
	pthread_mutex_init(&hp->recent_lock, NULL);
	ctx->hotplug = hp;
	return 0;
}

void dd_hotplug_free(struct devdrv_context *ctx)
{
	struct dd_hotplug *hp = hotplug_of(ctx);

	if (!hp)
		return;
	for (struct dd_watch *w = hp->watches, *next; w; w = next) {
		next = w->next;
		free(w);
	}
	dd_device_vec_clear(&hp->seen);
	pthread_mutex_destroy(&hp->recent_lock);
	pthread_mutex_destroy(&hp->dispatch);
	free(hp);
	ctx->hotplug = NULL;
}
