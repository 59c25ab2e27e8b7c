/* hotplug.c — arrivals and removals with the library's own event thread:
 * the program registers a callback and does nothing else; the callback
 * runs on libdevdrv's thread. Compare poll-loop.c, where the application's
 * loop runs it.
 *
 *   hotplug [SELECTOR] [SECONDS]    report for SECONDS (default 10)
 *   DEVDRV_TRANSPORT=virtual hotplug --demo   plugs and unplugs by itself
 */
#include <devdrv/devdrv.h>
#include <devdrv/hotplug.h>
#include <devdrv/virtual.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Atomic int events;

static void on_device(struct devdrv_context *ctx, enum devdrv_hotplug_event ev, const struct devdrv_device_info *d,
                      void *user)
{
	(void)ctx;
	(void)user;
	printf("%-7s %-8s %04x:%04x %s\n", devdrv_hotplug_event_name(ev), d->port_path, d->vid, d->pid,
	       d->product ? d->product : "");
	fflush(stdout);
	atomic_fetch_add(&events, 1);
}

int main(int argc, char **argv)
{
	int demo = argc > 1 && !strcmp(argv[1], "--demo");
	const char *sel = argc > 1 && !demo ? argv[1] : NULL;
	int seconds = argc > 2 ? atoi(argv[2]) : 10;
	struct devdrv_context *ctx;

	if (devdrv_context_new(NULL, &ctx) < 0 || /* events: the library's thread, the default */
	    devdrv_hotplug_register(ctx, sel, DEVDRV_HOTPLUG_ENUMERATE, on_device, NULL, NULL) < 0) {
		fprintf(stderr, "hotplug: %s\n", devdrv_context_errmsg(ctx));
		return devdrv_context_free(ctx), 1;
	}
	if (demo) { /* the two devices of the virtual bus were reported; one more comes and goes */
		devdrv_virtual_plug(ctx, "ft232r", "1-3");
		for (int i = 0; i < 500 && atomic_load(&events) < 3; i++)
			usleep(10000);
		devdrv_virtual_unplug(ctx, "1-3");
		for (int i = 0; i < 500 && atomic_load(&events) < 4; i++)
			usleep(10000);
	} else {
		sleep((unsigned)seconds);
	}
	devdrv_context_free(ctx); /* stops the thread: no callback after this */
	return demo && atomic_load(&events) != 4;
}
