/* toast.c — make toast with the USB toaster, through libdevdrv's
 * device-agnostic API and the toaster driver's ioctls.
 *
 *   toast [SEL] --darkness N   set the darkness, toast, print the log
 *   toast [SEL] --status       show the state
 *   --virtual                  use a virtual toaster (no hardware) */
#include "toaster.h"

#include <devdrv/devdrv.h>
#include <devdrv/virtual.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SELECTOR "1209:70a5"
#define VIRTUAL_PORT "1-9"

static const char *const state_names[] = { "idle", "heating", "done" };

static int fail(struct devdrv_handle *h, const char *what, int rc)
{
	fprintf(stderr, "toast: %s: %s\n", what, h ? devdrv_errmsg(h) : devdrv_strerror(rc));
	return 1;
}

static void print_status(const struct toaster_status *s)
{
	printf("%s, darkness %u, %d C, %u.%u s\n", state_names[s->state], s->darkness, s->temperature_c,
	       s->heating_ds / 10, s->heating_ds % 10);
}

static void print_log(struct devdrv_handle *h)
{
	char text[512];
	ssize_t n;

	while ((n = devdrv_read(h, text, sizeof(text), 200)) > 0)
		fwrite(text, 1, (size_t)n, stdout);
}

static int toast(struct devdrv_handle *h, unsigned darkness)
{
	struct toaster_wait w = { .timeout_ms = 1000 };
	int rc;

	if ((rc = devdrv_ioctl(h, TOASTER_IOC_SET_DARKNESS, &darkness, sizeof(darkness))) < 0)
		return fail(h, "set darkness", rc);
	if ((rc = devdrv_ioctl(h, TOASTER_IOC_START, NULL, 0)) < 0)
		return fail(h, "start", rc);
	do {
		if ((rc = devdrv_ioctl(h, TOASTER_IOC_WAIT_STATUS, &w, sizeof(w))) < 0)
			return fail(h, "status", rc);
		print_status(&w.status);
	} while (w.status.state == TOASTER_HEATING);
	print_log(h);
	return w.status.state == TOASTER_DONE ? 0 : 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: toast [--virtual] [SEL] --darkness N | --status\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct devdrv_context_options o = DEVDRV_CONTEXT_OPTIONS_INIT;
	const char *sel = DEFAULT_SELECTOR;
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	struct toaster_status s;
	long darkness = 0;
	int status = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--virtual"))
			o.transports = DEVDRV_TRANSPORT_VIRTUAL;
		else if (!strcmp(argv[i], "--status"))
			status = 1;
		else if (!strcmp(argv[i], "--darkness") && i + 1 < argc)
			darkness = strtol(argv[++i], NULL, 10);
		else if (argv[i][0] != '-')
			sel = argv[i];
		else
			return usage();
	}
	if (status == (darkness != 0))
		return usage();
	if ((rc = devdrv_context_new(&o, &ctx)) < 0)
		return fail(NULL, devdrv_context_errmsg(NULL), rc);
	if (o.transports == DEVDRV_TRANSPORT_VIRTUAL && (rc = devdrv_virtual_plug(ctx, "toaster", VIRTUAL_PORT)) < 0) {
		fprintf(stderr, "toast: %s (is the toaster plugin installed?)\n", devdrv_context_errmsg(ctx));
		devdrv_context_free(ctx);
		return 1;
	}
	if ((rc = devdrv_open(ctx, sel, &h)) < 0) {
		fprintf(stderr, "toast: %s\n", devdrv_context_errmsg(ctx));
		devdrv_context_free(ctx);
		return 1;
	}
	if (status)
		rc = devdrv_ioctl(h, TOASTER_IOC_GET_STATUS, &s, sizeof(s)) < 0 ? fail(h, "status", 0) : (print_status(&s), 0);
	else
		rc = toast(h, (unsigned)(darkness > 0 && darkness < 1000 ? darkness : 1000));
	devdrv_close(h);
	devdrv_context_free(ctx);
	return rc;
}
