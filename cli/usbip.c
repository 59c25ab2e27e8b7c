/* usbip.c — devdrv usbip-export: serve the devices over USB/IP until
 * interrupted, so that `usbip attach` on this or another machine makes them
 * that kernel's USB devices. */
#include "cli.h"

#include <devdrv/usbip.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>

static const char usbip_usage[] =
    "usage: devdrv usbip-export [SEL] [--listen ADDR:PORT] [--allow-remote]\n"
    "  Export the devices (those SEL matches; all but hubs without it) over USB/IP,\n"
    "  the protocol of the kernel's usbip-host: on the importing machine,\n"
    "    usbip list -r HOST; usbip attach -r HOST -b BUSID   (BUSID: the port path)\n"
    "  and its kernel's drivers drive them. Runs until interrupted (exit 0).\n"
    "  --listen ADDR:PORT  where to listen (default 127.0.0.1:3240; port 0 picks one)\n"
    "  --allow-remote      accept a non-loopback address. USB/IP has no\n"
    "                      authentication: prefer an SSH tunnel,\n"
    "                      ssh -L 3240:127.0.0.1:3240 THIS-HOST, on the importing side\n";

static struct devdrv_usbip_server *volatile running_server;

static void on_signal(int sig)
{
	(void)sig;
	if (running_server)
		devdrv_usbip_server_stop(running_server);
}

static int parse_args(struct cli *c, int argc, char **argv, struct devdrv_usbip_options *o)
{
	static const struct option opts[] = { { "listen", required_argument, NULL, 'l' },
		                              { "allow-remote", no_argument, NULL, 'a' },
		                              { "help", no_argument, NULL, 'h' },
		                              { NULL, 0, NULL, 0 } };
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "l:h", opts, NULL)) != -1) {
		if (opt == 'l')
			o->listen = optarg;
		else if (opt == 'a')
			o->flags |= DEVDRV_USBIP_ALLOW_REMOTE;
		else if (opt == 'h')
			return fputs(usbip_usage, c->out), CLI_HELP_SHOWN;
		else
			return cli_bad_option(c, "usbip-export", argv);
	}
	if (argc - optind > 1)
		return cli_usage_error(c, "usbip-export", "takes at most one selector, not '%s'", argv[optind + 1]);
	o->selector = optind < argc ? argv[optind] : NULL;
	return EXIT_OK;
}

/* What a user needs to attach: the busids exported now. */
static void print_exports(struct cli *c, const struct devdrv_usbip_server *srv)
{
	const struct devdrv_device_info **list = NULL;
	ssize_t n = devdrv_get_device_list(c->ctx, &list);
	int shown = 0;

	fprintf(c->out, "usbip: listening on port %d\n", devdrv_usbip_server_port(srv));
	for (ssize_t i = 0; i < n; i++) {
		if (!devdrv_usbip_server_exports(srv, list[i]))
			continue;
		fprintf(c->out, "  busid %-8s %04x:%04x %s\n", list[i]->port_path, list[i]->vid, list[i]->pid,
		        list[i]->product ? list[i]->product : "");
		shown++;
	}
	if (n >= 0)
		devdrv_free_device_list(list);
	if (!shown)
		fprintf(c->out, "  no device yet: those that arrive are exported too\n");
	fflush(c->out); /* a script waits for this line before attaching */
}

int cmd_usbip_export(struct cli *c, int argc, char **argv)
{
	struct devdrv_usbip_options o = DEVDRV_USBIP_OPTIONS_INIT;
	struct devdrv_usbip_server *srv;
	struct sigaction old[2];
	int rc;

	if ((rc = parse_args(c, argc, argv, &o)) != EXIT_OK)
		return rc == CLI_HELP_SHOWN ? EXIT_OK : rc;
	if ((rc = cli_context(c)) != EXIT_OK)
		return rc;
	if ((rc = devdrv_usbip_server_new(c->ctx, &o, &srv)) < 0)
		return cli_fail(c, "usbip-export", rc, devdrv_context_errmsg(c->ctx));
	print_exports(c, srv);
	running_server = srv;
	cli_catch_stop_signals(on_signal, old);
	rc = devdrv_usbip_server_run(srv);
	cli_restore_stop_signals(old);
	running_server = NULL;
	devdrv_usbip_server_free(srv);
	return rc < 0 ? cli_fail(c, "usbip-export", rc, devdrv_context_errmsg(c->ctx)) : EXIT_OK;
}
