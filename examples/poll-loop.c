/* poll-loop.c — libdevdrv inside an application's own poll() loop: no
 * library thread; the loop waits on libdevdrv's descriptors beside its own
 * (here stdin) and calls devdrv_handle_events() when they say so. It
 * watches devices arrive and leave and keeps one asynchronous read on the
 * first loopback that arrives, echoing what it reads.
 *
 *   poll-loop [SELECTOR]     (Ctrl-D ends it)
 *   DEVDRV_TRANSPORT=virtual poll-loop --demo   (plugs, writes and unplugs by itself)
 */
#include <devdrv/devdrv.h>
#include <devdrv/driver.h>
#include <devdrv/events.h>
#include <devdrv/hotplug.h>
#include <devdrv/virtual.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct app {
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	struct devdrv_transfer *t;
	unsigned char buf[64];
	int running, left, events;
	size_t bytes_read;
};

static void on_read(struct devdrv_transfer *t)
{
	struct app *a = t->user_data;

	a->bytes_read += t->status == 0 ? t->actual_length : 0;
	if (t->status == 0 && t->actual_length)
		printf("read %zu bytes: %.*s\n", t->actual_length, (int)t->actual_length, (const char *)t->buffer);
	if (t->status == 0 || t->status == DEVDRV_E_TIMEOUT)
		a->running = devdrv_transfer_submit(t) == 0; /* keep one read in flight */
	else
		a->running = 0; /* unplugged or failed: the hotplug callback closes */
}

static void start_reading(struct app *a, const char *port)
{
	char sel[64];

	snprintf(sel, sizeof(sel), "port=%s", port);
	if (devdrv_open(a->ctx, sel, &a->h) < 0) {
		fprintf(stderr, "poll-loop: %s\n", devdrv_context_errmsg(a->ctx));
		return;
	}
	*a->t = (struct devdrv_transfer){ .handle = a->h, .type = DEVDRV_TRANSFER_BULK,
		                          .endpoint = devdrv_handle_pipes(a->h)->in, .buffer = a->buf,
		                          .length = sizeof(a->buf), .timeout_ms = 1000, .callback = on_read,
		                          .user_data = a };
	a->running = devdrv_transfer_submit(a->t) == 0;
}

static void on_device(struct devdrv_context *ctx, enum devdrv_hotplug_event ev, const struct devdrv_device_info *d,
                      void *user)
{
	struct app *a = user;

	(void)ctx;
	a->events++;
	printf("%s %s %04x:%04x %s\n", devdrv_hotplug_event_name(ev), d->port_path, d->vid, d->pid,
	       d->driver ? d->driver : "-");
	if (ev == DEVDRV_HOTPLUG_ARRIVED && !a->h)
		start_reading(a, d->port_path);
	else if (ev == DEVDRV_HOTPLUG_LEFT && a->h && !strcmp(devdrv_handle_info(a->h)->port_path, d->port_path))
		a->left = 1; /* its read comes back failed; the loop closes it then */
	fflush(stdout);
}

/* The demo's script, one step per pass of the loop; 1 when it is over. */
static int demo_step(struct app *a, int step)
{
	switch (step) {
	case 0: return devdrv_virtual_plug(a->ctx, "loopback", "1-4");
	case 1: return a->h && devdrv_write(a->h, "hello from the demo", 19, 1000) < 0;
	case 2: return devdrv_virtual_unplug(a->ctx, "1-4");
	default: return !a->h;
	}
}

int main(int argc, char **argv)
{
	struct devdrv_context_options o = { .size = sizeof(o), .events = DEVDRV_EVENTS_APPLICATION };
	int demo = argc > 1 && !strcmp(argv[1], "--demo"), step = 0;
	const char *sel = argc > 1 && !demo ? argv[1] : "1209:0001";
	struct app a = { 0 };

	if (devdrv_context_new(&o, &a.ctx) < 0 || !(a.t = devdrv_transfer_alloc()) ||
	    devdrv_hotplug_register(a.ctx, sel, 0, on_device, &a, NULL) < 0) {
		fprintf(stderr, "poll-loop: %s\n", devdrv_context_errmsg(a.ctx));
		return 1;
	}
	for (;;) {
		struct pollfd fds[16];
		int timeout, n = devdrv_get_pollfds(a.ctx, fds + 1, 15, &timeout);
		char line[256];

		if (n < 0 || n > 15)
			return 1;
		fds[0] = (struct pollfd){ .fd = demo ? -1 : STDIN_FILENO, .events = POLLIN };
		poll(fds, (nfds_t)n + 1, demo && (timeout < 0 || timeout > 100) ? 100 : timeout);
		if ((fds[0].revents & (POLLIN | POLLHUP)) && !fgets(line, sizeof(line), stdin))
			break; /* Ctrl-D */
		devdrv_handle_events(a.ctx, 0);
		if (a.left && !a.running) { /* it left and its read came back */
			devdrv_close(a.h);
			a.h = NULL;
			a.left = 0;
		}
		if (demo && demo_step(&a, step < 3 ? step++ : step) != 0)
			break;
	}
	devdrv_close(a.h);
	devdrv_transfer_free(a.t);
	devdrv_context_free(a.ctx);
	return demo && (a.events != 2 || a.bytes_read != 19); /* the demo checks itself */
}
