/* autostart.c — the autostart configuration (which devices get a
 * `devdrv run` when plugged, and with which options) and `devdrv autostart`,
 * which devdrv@.service runs for a device that udev flagged.
 *
 * Format, one entry per line (docs/autostart.md):
 *   SELECTOR  RUN-OPTIONS...
 * SELECTOR as everywhere, limited to what udev can match (VID:PID, vid=,
 * pid=, serial=, port=, a port path, driver=); RUN-OPTIONS those of
 * `devdrv run` (--pty, --nbd-socket, --nbd, --read-only, --uhid, --tap, --baud,
 * --format, --flow, --pty-group, --pty-mode, --exec CMD...). Words split at blanks; "double quotes" keep blanks in a
 * word. '#' starts a comment line. The first entry that matches wins. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char autostart_usage[] =
    "usage: devdrv autostart DEVICE [--config FILE]\n"
    "  Run the first entry of the autostart configuration (default " DEVDRV_AUTOSTART_CONF ")\n"
    "  that matches DEVICE, a port path (1-1.2) or its sysfs path: what devdrv@.service\n"
    "  does when udev sees a device the configuration names.\n";

void autostart_free(struct autostart *a)
{
	for (size_t i = 0; i < a->count; i++)
		for (int k = 0; k < a->entries[i].argc; k++)
			free(a->entries[i].argv[k]);
	free(a->entries);
	memset(a, 0, sizeof(*a));
}

static int fail_at(struct cli *c, const char *path, int line, const char *fmt, const char *arg)
{
	char msg[600], shown[CLI_ESCAPED_MAX];

	snprintf(msg, sizeof(msg), fmt, arg);
	fprintf(c->err, "devdrv: %s:%d: %s; see docs/autostart.md\n", path, line, cli_escape(msg, shown, sizeof(shown)));
	return EXIT_USAGE;
}

/* Split @text into words (blanks between, "quotes" around blanks). */
static int split_words(struct cli *c, const char *path, int line, char *text, struct autostart_entry *e)
{
	char *p = text;

	while (*p) {
		char *w, *out;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (e->argc == AUTOSTART_MAX_WORDS)
			return fail_at(c, path, line, "more than %s words", "32");
		w = out = p;
		while (*p && *p != ' ' && *p != '\t') {
			if (*p == '"') {
				for (p++; *p && *p != '"'; p++)
					*out++ = *p;
				if (*p != '"')
					return fail_at(c, path, line, "a quote is not closed%s", "");
				p++;
			} else {
				*out++ = *p++;
			}
		}
		if (*p)
			p++;
		*out = 0;
		if (!(e->argv[e->argc++] = strdup(w)))
			return fail_at(c, path, line, "out of memory%s", "");
	}
	return EXIT_OK;
}

/* A selector term udev can match; @why names what it cannot. */
int autostart_term_ok(const char *term)
{
	static const char *const keys[] = { "vid=", "pid=", "serial=", "port=", "driver=" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strncmp(term, keys[i], strlen(keys[i])))
			return 1;
	if (strlen(term) == 9 && term[4] == ':')
		return 1; /* VVVV:PPPP */
	return isdigit((unsigned char)term[0]) && strchr(term, '-') && !strchr(term, ':'); /* a port path */
}

static int check_selector(struct cli *c, const char *path, int line, const char *sel)
{
	struct devdrv_device_info nothing = { .transport = "usb", .port_path = "0" };
	char copy[256], *save = NULL;

	if (devdrv_selector_matches(c->ctx, sel, &nothing) < 0)
		return fail_at(c, path, line, "%s", devdrv_context_errmsg(c->ctx));
	if (strlen(sel) >= sizeof(copy) || strchr(sel, '#'))
		return fail_at(c, path, line, "selector '%s': #N and long selectors cannot be matched by udev", sel);
	strcpy(copy, sel);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (!autostart_term_ok(t))
			return fail_at(c, path, line,
			               "'%s' cannot be matched by udev; use VID:PID, vid=, pid=, serial=, port= or driver=", t);
	if (strpbrk(sel, "\"*?[\\"))
		return fail_at(c, path, line, "selector '%s': quotes, globs and backslashes cannot go into a udev rule",
		               sel);
	return EXIT_OK;
}

/* The options must be those of devdrv run, and say what to run. */
static int check_options(struct cli *c, const char *path, int line, const struct autostart_entry *e)
{
	static const char *const with_value[] = { "--pty", "--nbd-socket", "--nbd", "--tap", "--baud", "--format",
		                                          "--flow", "--pty-group", "--pty-mode" };
	int what = 0;

	for (int i = 1; i < e->argc; i++) {
		size_t k = 0;

		if (!strcmp(e->argv[i], "--read-only"))
			continue;
		if (!strcmp(e->argv[i], "--uhid")) {
			what = 1;
			continue;
		}
		if (!strcmp(e->argv[i], "--exec")) {
			if (i + 1 == e->argc)
				return fail_at(c, path, line, "--exec needs a command%s", "");
			return EXIT_OK;
		}
		while (k < sizeof(with_value) / sizeof(with_value[0]) && strcmp(e->argv[i], with_value[k]))
			k++;
		if (k == sizeof(with_value) / sizeof(with_value[0]))
			return fail_at(c, path, line, "'%s' is not an option of devdrv run", e->argv[i]);
		if (++i == e->argc)
			return fail_at(c, path, line, "%s needs a value", e->argv[i - 1]);
		what |= k <= 3; /* a bridge */
	}
	return what ? EXIT_OK : fail_at(c, path, line, "say what to run: --pty, --nbd-socket, --nbd, --tap, --uhid or --exec%s", "");
}

static int add_line(struct cli *c, const char *path, int line, char *text, struct autostart *a)
{
	struct autostart_entry e = { .line = line }, *grown;
	int rc;

	if ((rc = split_words(c, path, line, text, &e)) == EXIT_OK && e.argc == 0)
		return EXIT_OK; /* blank */
	if (rc == EXIT_OK && (e.argv[0][0] == '-'))
		rc = fail_at(c, path, line, "a line starts with a selector, not '%s'", e.argv[0]);
	if (rc == EXIT_OK)
		rc = check_selector(c, path, line, e.argv[0]);
	if (rc == EXIT_OK)
		rc = check_options(c, path, line, &e);
	if (rc == EXIT_OK && !(grown = realloc(a->entries, (a->count + 1) * sizeof(*grown))))
		rc = fail_at(c, path, line, "out of memory%s", "");
	if (rc != EXIT_OK) {
		for (int k = 0; k < e.argc; k++)
			free(e.argv[k]);
		return rc;
	}
	a->entries = grown;
	a->entries[a->count++] = e;
	return EXIT_OK;
}

int autostart_load(struct cli *c, const char *path, struct autostart *a)
{
	char text[4096];
	FILE *f;
	int line = 0, rc = EXIT_OK;

	memset(a, 0, sizeof(*a));
	if (cli_context(c) != EXIT_OK)
		return EXIT_USAGE;
	if (!(f = fopen(path, "r"))) {
		fprintf(c->err, "devdrv: %s: %s; give the autostart configuration with --config\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	while (rc == EXIT_OK && fgets(text, sizeof(text), f)) {
		char *p = text;

		line++;
		if (!strchr(text, '\n') && !feof(f))
			rc = fail_at(c, path, line, "a line longer than %s bytes", "4095");
		text[strcspn(text, "\r\n")] = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (rc == EXIT_OK && *p != '#')
			rc = add_line(c, path, line, p, a);
	}
	fclose(f);
	if (rc != EXIT_OK)
		autostart_free(a);
	return rc;
}

/* The device at @port, found in the list: the entry that matches it. */
static const struct autostart_entry *entry_for(struct cli *c, const struct autostart *a, const char *port)
{
	const struct devdrv_device_info **list = NULL;
	const struct autostart_entry *found = NULL;

	if (devdrv_get_device_list(c->ctx, &list) < 0)
		return NULL;
	for (size_t i = 0; list[i] && !found; i++)
		if (!strcmp(list[i]->port_path, port))
			for (size_t k = 0; k < a->count && !found; k++)
				if (devdrv_selector_matches(c->ctx, a->entries[k].argv[0], list[i]) == 1)
					found = &a->entries[k];
	devdrv_free_device_list(list);
	return found;
}

int cmd_autostart(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
		                              { "help", no_argument, NULL, 'h' },
		                              { NULL, 0, NULL, 0 } };
	const char *config = getenv("DEVDRV_AUTOSTART") ? getenv("DEVDRV_AUTOSTART") : DEVDRV_AUTOSTART_CONF;
	const struct autostart_entry *e;
	char port_sel[96], *run_argv[AUTOSTART_MAX_WORDS + 2];
	const char *port;
	struct autostart a;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'c')
			config = optarg;
		else if (opt == 'h')
			return fputs(autostart_usage, c->out), EXIT_OK;
		else
			return cli_bad_option(c, "autostart", argv);
	}
	if (argc - optind != 1)
		return cli_usage_error(c, "autostart", "takes one device: a port path or a sysfs path");
	port = strrchr(argv[optind], '/') ? strrchr(argv[optind], '/') + 1 : argv[optind];
	if ((rc = autostart_load(c, config, &a)) != EXIT_OK)
		return rc;
	if (!(e = entry_for(c, &a, port))) {
		fprintf(c->err, "devdrv: autostart: no entry of %s matches the device at %s; check it with 'devdrv list %s'\n",
		        config, port, port);
		autostart_free(&a);
		return EXIT_DEVICE;
	}
	snprintf(port_sel, sizeof(port_sel), "port=%s", port);
	run_argv[0] = "run";
	run_argv[1] = port_sel;
	for (int i = 1; i < e->argc; i++)
		run_argv[i + 1] = e->argv[i];
	run_argv[e->argc + 1] = NULL;
	fprintf(c->err, "devdrv: autostart: %s:%d for the device at %s\n", config, e->line, port);
	rc = cmd_run(c, e->argc + 1, run_argv);
	autostart_free(&a);
	return rc;
}
