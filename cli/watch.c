/* watch.c — devdrv watch: one line per device arriving or leaving, as text
 * or JSON Lines, until interrupted or --count events were shown. */
#include "cli.h"

#include <devdrv/events.h>
#include <devdrv/hotplug.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

static const char watch_usage[] =
    "usage: devdrv watch [SEL] [--json] [--count N] [--existing]\n"
    "  One line per device that arrives or leaves (SEL: only those it matches):\n"
    "  time, event, a selector for the device, port path, VID:PID, driver.\n"
    "  --json      one JSON object per line instead\n"
    "  --count N   stop after N events\n"
    "  --existing  report the devices already present as arrivals first\n"
    "  Runs until interrupted (exit 0).\n";

struct watch {
	struct cli *c;
	int json;
	unsigned long limit; /* 0: no limit */
	_Atomic unsigned long shown;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* What names this device again after a re-plug: its serial number when it
 * has one, else where it is plugged. */
static void device_selector(const struct devdrv_device_info *d, char *buf, size_t len)
{
	if (d->serial && *d->serial && !strpbrk(d->serial, ",#="))
		snprintf(buf, len, "%04x:%04x,serial=%s", d->vid, d->pid, d->serial);
	else
		snprintf(buf, len, "%s", d->port_path);
}

static void print_json(struct watch *w, const char *when, const char *event, const char *sel,
                       const struct devdrv_device_info *d)
{
	char hex[8];
	struct json j;

	json_document(&j, w->c->out);
	json_string(&j, "time", when);
	json_string(&j, "event", event);
	json_string(&j, "selector", sel);
	json_string(&j, "transport", d->transport);
	json_string(&j, "port", d->port_path);
	json_int(&j, "bus", d->bus);
	json_int(&j, "address", d->address);
	snprintf(hex, sizeof(hex), "%04x", d->vid);
	json_string(&j, "vid", hex);
	snprintf(hex, sizeof(hex), "%04x", d->pid);
	json_string(&j, "pid", hex);
	json_string(&j, "driver", d->driver);
	json_string(&j, "manufacturer", d->manufacturer);
	json_string(&j, "product", d->product);
	json_string(&j, "serial", d->serial);
	json_end_object(&j); /* ends the line */
}

static void print_text(struct watch *w, const char *when, const char *event, const char *sel,
                       const struct devdrv_device_info *d)
{
	char shown_sel[CLI_ESCAPED_MAX], shown_product[CLI_ESCAPED_MAX];

	/* the selector quotes the device's serial: escaped like every string it sends */
	fprintf(w->c->out, "%s %-7s %-24s %-10s %04x:%04x %-8s %s\n", when, event,
	        cli_escape(sel, shown_sel, sizeof(shown_sel)), d->port_path, d->vid, d->pid,
	        d->driver ? d->driver : "-", d->product ? cli_escape(d->product, shown_product, sizeof(shown_product)) : "");
}

/* Runs from event handling, one call at a time. */
static void on_event(struct devdrv_context *ctx, enum devdrv_hotplug_event ev, const struct devdrv_device_info *d,
                     void *user)
{
	struct watch *w = user;
	char when[40], sel[300];

	(void)ctx;
	if (w->limit && atomic_load(&w->shown) >= w->limit)
		return;
	timestamp(when, sizeof(when));
	device_selector(d, sel, sizeof(sel));
	if (w->json)
		print_json(w, when, devdrv_hotplug_event_name(ev), sel, d);
	else
		print_text(w, when, devdrv_hotplug_event_name(ev), sel, d);
	fflush(w->c->out); /* a reader at the end of a pipe sees each event as it comes */
	atomic_fetch_add(&w->shown, 1);
}

static int parse_watch_args(struct cli *c, int argc, char **argv, struct watch *w, int *existing, const char **sel)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
		                              { "count", required_argument, NULL, 'n' },
		                              { "existing", no_argument, NULL, 'e' },
		                              { "help", no_argument, NULL, 'h' },
		                              { NULL, 0, NULL, 0 } };
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		if (opt == 'j')
			w->json = 1;
		else if (opt == 'e')
			*existing = 1;
		else if (opt == 'n' && (cli_parse_uint(optarg, 1000000000, &w->limit) < 0 || !w->limit))
			return cli_usage_error(c, "watch", "--count takes a number of events from 1, not '%s'", optarg);
		else if (opt == 'h')
			return fputs(watch_usage, c->out), CLI_HELP_SHOWN;
		else if (opt != 'n')
			return cli_bad_option(c, "watch", argv);
	}
	if (argc - optind > 1)
		return cli_usage_error(c, "watch", "takes at most one selector");
	*sel = optind < argc ? argv[optind] : NULL;
	return EXIT_OK;
}

int cmd_watch(struct cli *c, int argc, char **argv)
{
	struct watch w = { .c = c };
	struct sigaction old[2];
	const char *sel = NULL;
	int rc, existing = 0, id;

	if ((rc = parse_watch_args(c, argc, argv, &w, &existing, &sel)) != EXIT_OK)
		return rc == CLI_HELP_SHOWN ? EXIT_OK : rc;
	if ((rc = cli_context(c)) != EXIT_OK)
		return rc;
	stop_signal = 0;
	cli_catch_stop_signals(on_signal, old);
	rc = devdrv_hotplug_register(c->ctx, sel, existing ? DEVDRV_HOTPLUG_ENUMERATE : 0, on_event, &w, &id);
	if (rc < 0) {
		cli_restore_stop_signals(old);
		return cli_fail(c, "watch", rc, devdrv_context_errmsg(c->ctx));
	}
	/* the library's event thread calls on_event; this one waits for the end */
	while (!stop_signal && (!w.limit || atomic_load(&w.shown) < w.limit))
		if ((rc = devdrv_handle_events(c->ctx, 200)) < 0)
			break;
	devdrv_hotplug_deregister(c->ctx, id);
	cli_restore_stop_signals(old);
	if (rc < 0)
		return cli_fail(c, "watch", rc, devdrv_context_errmsg(c->ctx));
	return EXIT_OK;
}
