/* main.c — devdrv: global options, subcommand dispatch, and the one-line
 * error reports with a hint about what to do next. */
#include "cli.h"

#include <devdrv/driver.h>
#include <devdrv/replay.h>
#include <devdrv/usbip.h>
#include <devdrv/virtual.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char main_usage[] =
    "usage: devdrv [--virtual | --remote HOST[:PORT] | --replay FILE] [--filter NAME[:ARGS]]...\n"
    "              [--record FILE] [--stats[=json]]\n"
    "              [--debug] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  list [SEL] [-d VID:[PID]] [-s [BUS:][ADDR]] [-t] [-v] [--json]\n"
    "                             devices, in bus and port order (-t: a tree)\n"
    "  info [SEL] [--json]        descriptor trees as lsusb -v, kernel drivers, binding\n"
    "  read SEL [-n BYTES] [--timeout MS] [--hex] [--json]\n"
    "  write SEL [DATA|-] [--hex] [--timeout MS] [--json]\n"
    "  ctrl SEL REQTYPE REQ VALUE INDEX [LEN|HEXDATA] [--json]\n"
    "  serial SEL [-b N] [--format 8N1] [-f FLOW] [-c] [-t] [-g FILE] [-x] [--reconnect]\n"
    "                             a terminal as picocom (Ctrl-A h: keys, Ctrl-] quits),\n"
    "                             or a pipe to a serial device\n"
    "  hid SEL [-n N] [--json] | --descriptor [--raw] | --get-feature ID | --send HEX\n"
    "                             HID input reports, decoded; the report descriptor\n"
    "  storage SEL info|read|write|dump|verify ...\n"
    "                             block devices (USB mass storage)\n"
    "  drivers [--json]           drivers and their match tables\n"
    "  filters [--json]           filters --filter can attach\n"
    "  models [--json]            device models --plug can plug\n"
    "  watch [SEL] [--json] [--count N] [--existing]\n"
    "                             one line per device arriving or leaving\n"
    "  run SEL [--pty LINK | --nbd /dev/nbdN | --nbd-socket PATH | --uhid | --tap NAME]\n"
    "      [--exec CMD [ARGS...]]  drive one device until it leaves, as a kernel device:\n"
    "                             a tty, a disk, an input device, a network interface;\n"
    "                             or a command with the device in its environment\n"
    "  udev-rules [--group NAME] [--class-access] [--autostart FILE] [--service-group NAME]\n"
    "             [-o FILE]\n"
    "                             udev rules from the drivers' match tables\n"
    "  autostart DEVICE           what devdrv@.service runs for a plugged device\n"
    "  usbip-export [SEL] [--listen ADDR:PORT] [--allow-remote]\n"
    "                             serve the devices over USB/IP (usbip attach)\n"
    "\n"
    "SEL selects a device: 0403:6001, 0403:6001#1 (second match), 1209: (a vendor's),\n"
    "3:7 (bus:address), 1-1.2 (port path), serial=A50285BI, driver=generic, iface=1, ep_in=0x81,\n"
    "ep_out=0x01, transport=virtual (usb, virtual, replay, usbip); combine with commas.\n"
    "\n"
    "  --virtual   use the in-process virtual bus instead of real USB\n"
    "  --plug MODEL@PORT  with --virtual, add a device model (ft232r@1-3, cp2102@1-4...;\n"
    "              'devdrv models' lists them all)\n"
    "  --filter NAME[:ARGS]  attach a filter to the device (repeatable, first on top):\n"
    "              trace:FILE.pcap (Wireshark), stats, fault:RULES, verifier; see 'devdrv filters'\n"
    "  --stats[=json]  count transfers per endpoint and print the counts on stderr at the end\n"
    "  --record FILE   record the session (descriptors and transfers) to FILE\n"
    "  --remote HOST[:PORT]  the devices a USB/IP server exports (usbipd, devdrv usbip-export),\n"
    "              driven over TCP by devdrv's drivers; no usbip attach, no root\n"
    "  --replay FILE   play a recorded session back instead of using a device\n"
    "  --debug     log library messages to stderr\n"
    "  --version   print the version\n"
    "  help [COMMAND]  this text, or a command's own (as COMMAND --help)\n"
    "  --virtual, --plug, --remote, --filter, --record, --replay and --debug may also follow\n"
    "  the command.\n"
    "\n"
    "Exit codes: 0 success, 1 device or I/O error, 2 usage error.\n";

static const struct {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
} commands[] = {
	{ "list", cmd_list },   { "info", cmd_info },   { "drivers", cmd_drivers },
	{ "read", cmd_read },   { "write", cmd_write }, { "ctrl", cmd_ctrl },
	{ "serial", cmd_serial }, { "hid", cmd_hid },     { "storage", cmd_storage },
	{ "filters", cmd_filters }, { "watch", cmd_watch },   { "run", cmd_run },
	{ "udev-rules", cmd_udev_rules }, { "autostart", cmd_autostart }, { "usbip-export", cmd_usbip_export },
	{ "models", cmd_models },
};

static const char *hint_for(const char *action, int code, const char *detail)
{
	if (code == DEVDRV_E_TIMEOUT && !strncmp(action, "write", 5))
		return "the device took nothing; is anything reading on its side? try a longer --timeout";
	/* a report the descriptor does not have, or of the wrong length */
	if ((code == DEVDRV_E_NOT_FOUND || code == DEVDRV_E_INVALID) && detail && !strncmp(detail, "hid:", 4))
		return "see the device's reports with 'devdrv hid SEL --descriptor'";
	if (code == DEVDRV_E_PROTOCOL && detail && !strncmp(detail, "replay:", 7))
		return "the command differs from the recorded session; record it again with --record";
	if (code == DEVDRV_E_INVALID && detail && *detail && !strstr(detail, "selector"))
		return "check the arguments against 'devdrv --help'";
	if (code == DEVDRV_E_UNSUPPORTED && detail && strstr(detail, "'devdrv drivers'"))
		return NULL; /* the detail says what to do */
	switch (code) {
	case DEVDRV_E_INVALID: return "see 'devdrv --help' for the selector syntax";
	case DEVDRV_E_NOT_FOUND: return "check the selector against 'devdrv list -v'";
	case DEVDRV_E_ACCESS: return NULL; /* the library's detail already says how */
	case DEVDRV_E_BUSY: return "close the program using it, or unbind the kernel driver";
	case DEVDRV_E_NO_DRIVER: return "run 'devdrv drivers'; force one with driver=NAME";
	case DEVDRV_E_TIMEOUT: return "the device sent nothing; try a longer --timeout";
	case DEVDRV_E_PIPE: return "check the request against the device's documentation";
	case DEVDRV_E_DISCONNECTED: return "reconnect it and retry";
	case DEVDRV_E_UNSUPPORTED: return "this device or driver cannot do that";
	default: return "run with --debug for details";
	}
}

/* Each --virtual command builds a bus of its own: a read finds nothing an
 * earlier command wrote, and a longer timeout would not help. */
static const char *virtual_bus_hint(const struct cli *c, const char *action, int code)
{
	if (code != DEVDRV_E_TIMEOUT || c->transports != DEVDRV_TRANSPORT_VIRTUAL || strncmp(action, "read", 4))
		return NULL;
	return "each 'devdrv --virtual' command has a virtual bus of its own; to share one between commands, "
	       "keep it in 'devdrv --virtual usbip-export &' and reach it with 'devdrv --remote 127.0.0.1'";
}

/* Under --json an error is a document on stderr, the one line as its
 * message: {"schema_version":1,"error":{"message":...,"code":-2,"exit":1}}. */
static void json_error(struct cli *c, const char *message, int code, int exit_code)
{
	struct json j;

	json_document(&j, c->err);
	json_object(&j, "error");
	json_string(&j, "message", message);
	if (code)
		json_int(&j, "code", code);
	else
		json_string(&j, "code", NULL); /* a usage error: no library code */
	json_int(&j, "exit", exit_code);
	json_end_object(&j);
	json_end_object(&j);
}

int cli_fail(struct cli *c, const char *action, int code, const char *detail)
{
	const char *hint = virtual_bus_hint(c, action, code);

	if (!hint)
		hint = hint_for(action, code, detail);
	char shown_action[CLI_ESCAPED_MAX], shown_detail[CLI_ESCAPED_MAX];

	int exit_code = code == DEVDRV_E_INVALID ? EXIT_USAGE : EXIT_DEVICE;
	char line[3 * CLI_ESCAPED_MAX];

	/* the action quotes a selector and the detail may quote device data */
	snprintf(line, sizeof(line), "devdrv: %s: %s%s%s", cli_escape(action, shown_action, sizeof(shown_action)),
	         cli_escape(detail && *detail ? detail : devdrv_strerror(code), shown_detail, sizeof(shown_detail)),
	         hint ? "; " : "", hint ? hint : "");
	if (c->json)
		json_error(c, line, code, exit_code);
	else
		fprintf(c->err, "%s\n", line);
	return exit_code;
}

int cli_usage_error(struct cli *c, const char *cmd, const char *fmt, ...)
{
	char msg[CLI_ESCAPED_MAX / 2], shown[CLI_ESCAPED_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char line[2 * CLI_ESCAPED_MAX];

	/* the message quotes what the user typed: one line, whatever it held */
	snprintf(line, sizeof(line), "devdrv%s%s: %s; see 'devdrv %s%s--help'", cmd ? " " : "", cmd ? cmd : "",
	         cli_escape(msg, shown, sizeof(shown)), cmd ? cmd : "", cmd ? " " : "");
	if (c->json)
		json_error(c, line, 0, EXIT_USAGE);
	else
		fprintf(c->err, "%s\n", line);
	return EXIT_USAGE;
}

int cli_bad_option(struct cli *c, const char *cmd, char **argv)
{
	/* optopt names a short option, also one inside a cluster like -zq;
	 * a long one is the argument getopt just passed (getopt sets optopt to
	 * a long option's value too, when its argument is missing) */
	if (optind > 0 && !strncmp(argv[optind - 1], "--", 2))
		return cli_usage_error(c, cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
	if (optopt)
		return cli_usage_error(c, cmd, "unknown or incomplete option '-%c'", optopt);
	return cli_usage_error(c, cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
}

int cli_json_flag(struct cli *c, const char *cmd, const char *usage, int argc, char **argv, int *json)
{
	*json = argc == 2 && !strcmp(argv[1], "--json");
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return fputs(usage, c->out), CLI_HELP_SHOWN;
	if (argc > 2 || (argc == 2 && !*json))
		return cli_usage_error(c, cmd, "takes only --json, not '%s'", argv[argc - 1]);
	return EXIT_OK;
}

void cli_catch_stop_signals(void (*fn)(int), struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
}

void cli_restore_stop_signals(const struct sigaction *old)
{
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
}

int cli_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* --plug MODEL@PORT: add a virtual device model. Returns an exit code. */
static int plug(struct cli *c, const char *spec)
{
	char model[32];
	const char *at = strchr(spec, '@');

	if (!at || (size_t)(at - spec) >= sizeof(model))
		return cli_usage_error(c, NULL, "--plug takes MODEL@PORT, like ft232r@1-3, not '%s'", spec);
	memcpy(model, spec, (size_t)(at - spec));
	model[at - spec] = 0;
	switch (devdrv_virtual_plug(c->ctx, model, at + 1)) {
	case 0:
		return EXIT_OK;
	case DEVDRV_E_UNSUPPORTED: /* neither --virtual nor DEVDRV_TRANSPORT=virtual */
		return cli_usage_error(c, NULL, "--plug needs the virtual bus (--virtual)");
	default:
		return cli_usage_error(c, NULL, "%s", devdrv_context_errmsg(c->ctx));
	}
	return EXIT_OK;
}

/* --filter NAME[:ARGS]: appended below those given before it. */
static int add_filter(struct cli *c, const char *spec)
{
	size_t used = strlen(c->filters), len = strlen(spec);

	if (!len || strchr(spec, ';'))
		return cli_usage_error(c, NULL, "--filter takes one NAME[:ARGS], not '%s'", spec);
	if (used + len + 2 > sizeof(c->filters))
		return cli_usage_error(c, NULL, "--filter: too many filters");
	snprintf(c->filters + used, sizeof(c->filters) - used, "%s%s", used ? ";" : "", spec);
	return EXIT_OK;
}

/* --record FILE: a recorder at the bottom of the filters given so far. */
static int add_record(struct cli *c, const char *file)
{
	char spec[1024];

	if (!*file || strchr(file, ';'))
		return cli_usage_error(c, NULL, "--record takes a file name without ';', not '%s'", file);
	snprintf(spec, sizeof(spec), "record:%s", file);
	return add_filter(c, spec);
}

static void log_to_stderr(enum devdrv_log_level level, const char *msg, void *user)
{
	struct cli *c = user;

	fprintf(c->err, "devdrv: %s: %s\n", devdrv_log_level_name(level), msg);
}

int cli_context(struct cli *c)
{
	struct devdrv_context_options opts = { .size = sizeof(opts), .transports = c->transports,
		                               .events = c->own_events ? DEVDRV_EVENTS_APPLICATION : DEVDRV_EVENTS_THREAD };
	int rc;

	if (c->ctx)
		return EXIT_OK;
	if (c->stats && add_filter(c, "stats") != EXIT_OK)
		return EXIT_USAGE;
	opts.filters = c->filters[0] ? c->filters : NULL;
	if (c->debug) {
		opts.log_fn = log_to_stderr;
		opts.log_user = c;
		opts.log_level = DEVDRV_LOG_DEBUG;
	}
	rc = devdrv_context_new(&opts, &c->ctx);
	if (rc == DEVDRV_E_NOT_FOUND || (rc == DEVDRV_E_INVALID && c->filters[0] &&
	                                 strstr(devdrv_context_errmsg(NULL), "filter"))) {
		fprintf(c->err, "devdrv: --filter: %s; 'devdrv filters' lists the filters\n",
		        devdrv_context_errmsg(NULL));
		return EXIT_USAGE;
	}
	if (rc == DEVDRV_E_INVALID) {
		fprintf(c->err, "devdrv: %s; fix the environment and retry\n", devdrv_context_errmsg(NULL));
		return EXIT_USAGE;
	}
	if (rc < 0)
		return cli_fail(c, "start", rc, devdrv_context_errmsg(NULL));
	if (c->remote && (rc = devdrv_usbip_use_server(c->ctx, c->remote)) < 0)
		return cli_usage_error(c, NULL, "--remote: %s", devdrv_context_errmsg(c->ctx));
	if (c->replay && (rc = devdrv_replay_add(c->ctx, c->replay)) < 0) {
		fprintf(c->err, "devdrv: --replay: %s; give a file written by --record\n", devdrv_context_errmsg(c->ctx));
		return EXIT_USAGE;
	}
	for (int i = 0; i < c->num_plugs; i++)
		if ((rc = plug(c, c->plugs[i])) != EXIT_OK)
			return rc;
	return EXIT_OK;
}

int cli_need_selector(struct cli *c, const char *cmd, const char *selector)
{
	if (selector && *selector)
		return EXIT_OK;
	/* the empty selector matches every device; acting on "whichever comes
	 * first" is never what was meant */
	return cli_usage_error(c, cmd, "the selector is empty; name a device (run 'devdrv list')");
}

int cli_open(struct cli *c, const char *action, const char *selector, struct devdrv_handle **h)
{
	char what[160];
	int rc = cli_need_selector(c, action, selector);

	if (rc == EXIT_OK)
		rc = cli_context(c);
	if (rc != EXIT_OK)
		return rc;
	rc = devdrv_open(c->ctx, selector, h);
	if (rc < 0) {
		snprintf(what, sizeof(what), "%s %s", action, selector);
		return cli_fail(c, what, rc, devdrv_context_errmsg(c->ctx));
	}
	return EXIT_OK;
}

void cli_hexdump(FILE *f, const unsigned char *buf, size_t len, size_t base, const char *eol)
{
	for (size_t i = 0; i < len; i += 16) {
		fprintf(f, "%08zx ", base + i);
		for (size_t k = i; k < i + 16 && k < len; k++)
			fprintf(f, " %02x", buf[k]);
		fputs(eol, f);
	}
}

static const struct option global_opts[] = {
	{ "virtual", no_argument, NULL, 'V' }, { "debug", no_argument, NULL, 'd' },
	{ "plug", required_argument, NULL, 'p' },
	{ "filter", required_argument, NULL, 'f' }, { "stats", optional_argument, NULL, 's' },
	{ "record", required_argument, NULL, 'r' }, { "replay", required_argument, NULL, 'R' },
	{ "remote", required_argument, NULL, 'X' },
	{ "version", no_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define GLOBAL_DONE (-1) /* --version or --help answered: exit 0 */

/* One global option. Returns EXIT_OK, GLOBAL_DONE or a usage error. */
static int apply_global(struct cli *c, int opt, const char *arg, char **argv)
{
	switch (opt) {
	case 'V': c->transports = DEVDRV_TRANSPORT_VIRTUAL; return EXIT_OK;
	case 'p':
		if (c->num_plugs == CLI_MAX_PLUGS)
			return cli_usage_error(c, NULL, "at most %d --plug options", CLI_MAX_PLUGS);
		c->plugs[c->num_plugs++] = arg;
		return EXIT_OK;
	case 'd': c->debug = 1; return EXIT_OK;
	case 'f': return add_filter(c, arg) == EXIT_OK ? EXIT_OK : EXIT_USAGE;
	case 'r': return add_record(c, arg) == EXIT_OK ? EXIT_OK : EXIT_USAGE;
	case 'R':
		c->replay = arg;
		c->transports = DEVDRV_TRANSPORT_REPLAY;
		return EXIT_OK;
	case 'X':
		c->remote = arg;
		c->transports = DEVDRV_TRANSPORT_USBIP;
		return EXIT_OK;
	case 's':
		if (arg && strcmp(arg, "json"))
			return cli_usage_error(c, NULL, "--stats takes nothing or =json, not '%s'", arg);
		c->stats = arg ? 2 : 1;
		return EXIT_OK;
	case 'v': fprintf(c->out, "devdrv %s\n", devdrv_version()); return GLOBAL_DONE;
	case 'h': fputs(main_usage, c->out); return GLOBAL_DONE;
	default: return cli_bad_option(c, NULL, argv);
	}
}

/* The global options that may also follow the command ("devdrv list
 * --virtual"): those no command has an option of the same name for. */
static int global_after_command(const char *arg, int *opt, const char **value, int *takes_next)
{
	static const struct {
		const char *name;
		int opt, has_arg;
	} movable[] = { { "--virtual", 'V', 0 }, { "--debug", 'd', 0 }, { "--plug", 'p', 1 },
		        { "--filter", 'f', 1 },  { "--record", 'r', 1 }, { "--replay", 'R', 1 },
		        { "--remote", 'X', 1 } };

	for (size_t i = 0; i < sizeof(movable) / sizeof(movable[0]); i++) {
		size_t n = strlen(movable[i].name);

		if (strncmp(arg, movable[i].name, n) || (arg[n] && (arg[n] != '=' || !movable[i].has_arg)))
			continue;
		*opt = movable[i].opt;
		*value = arg[n] == '=' ? arg + n + 1 : NULL;
		*takes_next = movable[i].has_arg && !arg[n];
		return 1;
	}
	return 0;
}

/* Apply and remove the global options among the command's arguments, up to
 * "--" or run's --exec (what follows is another program's). */
static int hoist_globals(struct cli *c, int *argc, char **argv)
{
	int out = 1, i = 1;

	for (; i < *argc && strcmp(argv[i], "--") && strcmp(argv[i], "--exec"); i++) {
		const char *value;
		int opt, takes_next, rc;

		if (!global_after_command(argv[i], &opt, &value, &takes_next)) {
			argv[out++] = argv[i];
			continue;
		}
		if (takes_next && i + 1 >= *argc)
			return cli_usage_error(c, NULL, "%s needs a value", argv[i]);
		if ((rc = apply_global(c, opt, takes_next ? argv[++i] : value, argv)) != EXIT_OK)
			return rc;
	}
	while (i < *argc)
		argv[out++] = argv[i++];
	if (out < *argc)
		argv[out] = NULL; /* as argv ends, for the command's getopt */
	*argc = out;
	return EXIT_OK;
}

/* --json among the command's arguments, up to "--" or run's --exec. */
static int wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") && strcmp(argv[i], "--exec"); i++)
		if (!strcmp(argv[i], "--json"))
			return 1;
	return 0;
}

/* "devdrv help [CMD]": the command's own --help. */
static int cmd_help(struct cli *c, int argc, char **argv)
{
	char *help_argv[] = { argc > 1 ? argv[1] : NULL, "--help", NULL };

	if (argc > 2)
		return cli_usage_error(c, "help", "takes at most one command");
	if (argc < 2)
		return fputs(main_usage, c->out), EXIT_OK;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(c, 2, help_argv);
	return cli_usage_error(c, NULL, "unknown command '%s'", argv[1]);
}

int cli_main_in(struct devdrv_context *ctx, int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
	struct cli c = { .in = in, .out = out, .err = err, .ctx = ctx };
	int opt, rc = EXIT_OK, found = 0;

	opterr = 0;
	optind = 0; /* GNU getopt: full reset, so cli_main can run repeatedly */
	while (rc == EXIT_OK && (opt = getopt_long(argc, argv, "+dh", global_opts, NULL)) != -1)
		rc = apply_global(&c, opt, optarg, argv);
	if (rc != EXIT_OK)
		return rc == GLOBAL_DONE ? EXIT_OK : rc;
	if (optind >= argc) {
		fputs(main_usage, err);
		return EXIT_USAGE;
	}
	argc -= optind, argv += optind;
	c.json = wants_json(argc, argv); /* before any error, the option's own included */
	if ((rc = hoist_globals(&c, &argc, argv)) != EXIT_OK)
		return rc;
	if (!strcmp(argv[0], "help"))
		rc = cmd_help(&c, argc, argv), found = 1;
	for (size_t i = 0; !found && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[0], commands[i].name))
			rc = commands[i].run(&c, argc, argv), found = 1;
	if (!found)
		rc = cli_usage_error(&c, NULL, "unknown command '%s'", argv[0]);
	if (c.ctx != ctx)
		devdrv_context_free(c.ctx);
	cli_names_close(&c);
	fflush(out);
	return rc;
}

int cli_main(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
	return cli_main_in(NULL, argc, argv, in, out, err);
}
