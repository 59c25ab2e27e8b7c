/* storage.c — devdrv storage: the block class from the shell. info, read
 * (to a file or stdout), write (from a file, only with --yes), dump (the
 * whole unit to an image) and verify (an image against the unit).
 *
 * Opening a unit detaches the kernel's usb-storage driver, and with it any
 * filesystem mounted from the device, so a device whose block device (or a
 * partition of it, or a device-mapper volume on it) is mounted is refused
 * before it is opened, naming the mount point. The block devices come from
 * sysfs (the block/NAME directories below /sys/bus/usb/devices/PORT:CFG.IFACE/
 * hostH/targetH:C:T/H:C:T:L/), the mounts from /proc/self/mounts; for
 * tests, $DEVDRV_SYSFS_ROOT and $DEVDRV_MOUNTS_FILE replace those two (and,
 * when set, the check applies to virtual devices too). */
#include "cli.h"

#include <devdrv/block.h>
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1u << 20) /* bytes a library call: the library splits it into 64 KiB commands */
#define DEFAULT_TIMEOUT_MS 5000
#define PROGRESS_EVERY_MS 250
#define MAX_BLOCK_NAMES 64

static const char storage_usage[] =
    "usage: devdrv storage SEL info [--json]\n"
    "       devdrv storage SEL read LBA COUNT [-o FILE] [--hex]\n"
    "       devdrv storage SEL write LBA -i FILE --yes\n"
    "       devdrv storage SEL dump -o IMAGE\n"
    "       devdrv storage SEL verify -i IMAGE\n"
    "  A mass-storage device (USB stick, card reader, disk); add lun=N to SEL for\n"
    "  another logical unit (a card reader has one per slot): 1-3,lun=1.\n"
    "  info     vendor, product, revision, logical units, capacity, write protection\n"
    "           (--json: one document)\n"
    "  read     COUNT blocks from LBA to FILE, or to stdout (binary; --hex: a dump)\n"
    "  write    FILE, a whole number of blocks, to the unit from LBA; needs --yes\n"
    "  dump     the whole unit to IMAGE ('-': stdout)\n"
    "  verify   IMAGE against the unit from LBA 0; exit 1 at the first difference\n"
    "  --timeout MS   per transfer, default 5000, 0 waits forever\n"
    "  Progress (rate, time left) goes to stderr when it is a terminal. A device\n"
    "  with a mounted filesystem is refused: unmount it first.\n";

enum { OPT_IN = 1, OPT_OUT = 2, OPT_YES = 4, OPT_HEX = 8, OPT_JSON = 16 };

struct storage {
	const char *sel, *action;
	const char *in_path, *out_path;
	unsigned given; /* OPT_* on the command line */
	unsigned long timeout;
	uint64_t lba, count;
	FILE *in, *out;
	uint64_t in_size;
	uint8_t *buf, *image;
	struct devdrv_handle *h;
	struct devdrv_block_info info;
};

struct action {
	const char *name;
	int args;          /* operands after the action's name */
	unsigned options;  /* OPT_* it takes */
	unsigned needs;    /* OPT_* it must have */
	int (*run)(struct cli *c, struct storage *s);
};

/* ---- messages ---------------------------------------------------------------------- */

/* One line, "devdrv: ACTION SEL: what; hint", as cli_fail writes them. */
/* Before anything else goes to stderr: finish the progress line, so a
 * message never lands on its row. */
static void end_progress_line(struct cli *c)
{
	if (c->progress_line)
		fputc('\n', c->err);
	c->progress_line = 0;
}

static int say(struct cli *c, const struct storage *s, int exit_code, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int say(struct cli *c, const struct storage *s, int exit_code, const char *hint, const char *fmt, ...)
{
	char detail[512], shown[CLI_ESCAPED_MAX], sel[CLI_ESCAPED_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	end_progress_line(c);
	fprintf(c->err, "devdrv: %s %s: %s; %s\n", s->action, cli_escape(s->sel, sel, sizeof(sel)),
	        cli_escape(detail, shown, sizeof(shown)), hint);
	return exit_code;
}

static int device_fail(struct cli *c, const struct storage *s, int rc)
{
	char what[160];

	/* the device refusing a range is not a usage error of ours */
	if (rc == DEVDRV_E_INVALID)
		return say(c, s, EXIT_DEVICE, "compare LBA and COUNT with 'devdrv storage SEL info'", "%s",
		           devdrv_errmsg(s->h));
	snprintf(what, sizeof(what), "%s %s", s->action, s->sel);
	return cli_fail(c, what, rc, devdrv_errmsg(s->h));
}

static int file_fail(struct cli *c, const struct storage *s, const char *verb, const char *path)
{
	return say(c, s, EXIT_DEVICE, "check the path, its permissions and the free space", "cannot %s %s: %s",
	           verb, path, strerror(errno ? errno : EIO));
}

/* "8.0 MiB" */
static const char *human(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	unsigned u = 0;

	while (v >= 1024 && u < 6)
		v /= 1024, u++;
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

/* ---- progress ------------------------------------------------------------------------- */

struct progress {
	struct cli *c;
	const struct storage *s;
	uint64_t total;
	double start, last;
	int on;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void progress_start(struct progress *p, struct cli *c, const struct storage *s, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->c = c;
	p->s = s;
	p->total = total;
	p->start = p->last = now_ms();
	p->on = fileno(c->err) >= 0 && isatty(fileno(c->err));
}

static const char *eta(double seconds, char *buf, size_t len)
{
	unsigned long t = (unsigned long)(seconds + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
	return buf;
}

static void progress_show(struct progress *p, uint64_t done)
{
	double now = now_ms(), secs = (now - p->start) / 1e3, rate;
	char a[24], b[24], r[24], left[24];

	if (!p->on || (now - p->last < PROGRESS_EVERY_MS && done < p->total))
		return;
	p->last = now;
	rate = secs > 0 ? (double)done / secs : 0;
	fprintf(p->c->err, "\rdevdrv: %s: %s of %s (%u%%), %s/s, %s left   ", p->s->action,
	        human(done, a, sizeof(a)), human(p->total, b, sizeof(b)),
	        p->total ? (unsigned)(done * 100 / p->total) : 100, human((uint64_t)rate, r, sizeof(r)),
	        rate > 0 ? eta((double)(p->total - done) / rate, left, sizeof(left)) : "?");
	fflush(p->c->err);
	p->c->progress_line = 1;
}

static void progress_end(struct progress *p)
{
	end_progress_line(p->c);
}

/* ---- is it mounted? --------------------------------------------------------------------- */

struct names {
	char name[MAX_BLOCK_NAMES][80];
	size_t count;
};

static void add_name(struct names *n, const char *name)
{
	if (n->count < MAX_BLOCK_NAMES)
		snprintf(n->name[n->count++], sizeof(n->name[0]), "%s", name);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* A holder's device-mapper name, which mounts show as /dev/mapper/NAME. */
static void add_dm_name(struct names *n, const char *holder)
{
	char path[PATH_MAX], name[80] = "mapper/";
	FILE *f;

	snprintf(path, sizeof(path), "%s/dm/name", holder);
	if (!(f = fopen(path, "r")))
		return;
	if (fgets(name + 7, (int)sizeof(name) - 7, f)) {
		name[strcspn(name, "\n")] = 0;
		add_name(n, name);
	}
	fclose(f);
}

/* Names of what matches @dir/@suffix: the matches themselves, or (parent)
 * the directories holding them. */
static void add_matches(struct names *n, const char *dir, const char *suffix, int parent)
{
	char pattern[PATH_MAX];
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s%s", dir, suffix);
	if (glob(pattern, 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *path = g.gl_pathv[i];

		if (parent)
			*strrchr(path, '/') = 0;
		else
			add_dm_name(n, path);
		add_name(n, base_name(path));
	}
	globfree(&g);
}

/* The kernel's block devices of one USB interface: its disks, their
 * partitions, and what sits on either (device-mapper, md). */
static void block_devices(const char *sysfs, const struct devdrv_device_info *d, struct names *n)
{
	char pattern[PATH_MAX];
	glob_t disks;

	snprintf(pattern, sizeof(pattern), "%s/bus/usb/devices/%s:%u.%d/host*/target*/*/block/*", sysfs,
	         d->port_path, d->active_config, d->driver_interface);
	if (glob(pattern, 0, NULL, &disks) != 0)
		return;
	for (size_t i = 0; i < disks.gl_pathc; i++) {
		add_name(n, base_name(disks.gl_pathv[i]));
		add_matches(n, disks.gl_pathv[i], "/*/partition", 1);
		add_matches(n, disks.gl_pathv[i], "/holders/*", 0);
		add_matches(n, disks.gl_pathv[i], "/*/holders/*", 0);
	}
	globfree(&disks);
}

/* /proc/mounts escapes blanks and backslashes as \ooo. */
static void unescape_mount(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; in[i] && o + 1 < len; o++) {
		if (in[i] == '\\' && in[i + 1] >= '0' && in[i + 1] <= '3' && in[i + 2] >= '0' && in[i + 2] <= '7' &&
		    in[i + 3] >= '0' && in[i + 3] <= '7') {
			out[o] = (char)((in[i + 1] - '0') << 6 | (in[i + 2] - '0') << 3 | (in[i + 3] - '0'));
			i += 4;
		} else {
			out[o] = in[i++];
		}
	}
	out[o] = 0;
}

static int is_ours(const struct names *n, const char *source)
{
	if (strncmp(source, "/dev/", 5))
		return 0;
	for (size_t i = 0; i < n->count; i++)
		if (!strcmp(source + 5, n->name[i]))
			return 1;
	return 0;
}

/* Is a filesystem of device @d mounted? 1 with the device node in @dev and
 * the mount point in @where, else 0 (also when sysfs or the mounts file
 * cannot be read: there is nothing to protect then). */
static int mounted_on(const char *sysfs, const char *mounts, const struct devdrv_device_info *d, char *dev,
                      size_t dev_len, char *where, size_t where_len)
{
	struct names n = { .count = 0 };
	char line[4096], source[1024], point[2048];
	FILE *f;
	int found = 0;

	block_devices(sysfs, d, &n);
	if (!n.count || !(f = fopen(mounts, "r")))
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%1023s %2047s", source, point) != 2 || !is_ours(&n, source))
			continue;
		snprintf(dev, dev_len, "%s", source);
		unescape_mount(point, where, where_len);
		found = 1;
	}
	fclose(f);
	return found;
}

static int refuse_mounted(struct cli *c, const struct storage *s)
{
	const char *sysfs = getenv("DEVDRV_SYSFS_ROOT"), *mounts = getenv("DEVDRV_MOUNTS_FILE");
	const struct devdrv_device_info **list = NULL;
	char dev[1024], where[2048], hint[CLI_ESCAPED_MAX + 32], shown[CLI_ESCAPED_MAX];
	ssize_t n = devdrv_get_device_list(c->ctx, &list), i;
	int rc = EXIT_OK;

	if (n < 0)
		return cli_fail(c, "storage", (int)n, devdrv_context_errmsg(c->ctx));
	i = devdrv_select(c->ctx, s->sel, list); /* no match: the open says so */
	if (i >= 0 && (sysfs || !strcmp(list[i]->transport, "usb")) &&
	    mounted_on(sysfs ? sysfs : "/sys", mounts ? mounts : "/proc/self/mounts", list[i], dev, sizeof(dev),
	               where, sizeof(where))) {
		snprintf(hint, sizeof(hint), "unmount it first (umount '%s')", cli_escape(where, shown, sizeof(shown)));
		rc = say(c, s, EXIT_DEVICE, hint, "%s is mounted on %s; opening the device would pull it from under "
		         "the filesystem", dev, where);
	}
	devdrv_free_device_list(list);
	return rc;
}

/* ---- arguments ------------------------------------------------------------------------- */

static int parse_opts(struct cli *c, int argc, char **argv, struct storage *s)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' }, { "input", required_argument, NULL, 'i' },
		{ "yes", no_argument, NULL, 'y' },          { "hex", no_argument, NULL, 'x' },
		{ "timeout", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },          { NULL, 0, NULL, 0 },
	};
	int opt;

	memset(s, 0, sizeof(*s));
	s->timeout = DEFAULT_TIMEOUT_MS;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "o:i:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o': s->out_path = optarg, s->given |= OPT_OUT; break;
		case 'i': s->in_path = optarg, s->given |= OPT_IN; break;
		case 'y': s->given |= OPT_YES; break;
		case 'x': s->given |= OPT_HEX; break;
		case 'j': s->given |= OPT_JSON; break;
		case 't':
			if (cli_parse_uint(optarg, 86400000ul, &s->timeout) < 0)
				return cli_usage_error(c, "storage", "--timeout needs milliseconds, not '%s'", optarg);
			break;
		case 'h': fputs(storage_usage, c->out); return -1;
		default:
			return cli_bad_option(c, "storage", argv);
		}
	}
	return EXIT_OK;
}

static int parse_number(struct cli *c, const char *what, const char *arg, uint64_t min, uint64_t *out)
{
	unsigned long v;

	if (cli_parse_uint(arg, ULONG_MAX, &v) < 0 || v < min)
		return cli_usage_error(c, "storage", "%s needs a number%s, not '%s'", what, min ? " above 0" : "", arg);
	*out = v;
	return EXIT_OK;
}

/* What an action may and must be given; nothing is opened before this passes. */
static int check_options(struct cli *c, const struct storage *s, const struct action *a)
{
	static const char *const names[] = { "-i FILE", "-o FILE", "--yes", "--hex", "--json" };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unsigned bit = 1u << i;

		if ((s->given & bit) && !(a->options & bit))
			return cli_usage_error(c, "storage", "%s takes no %s", a->name, names[i]);
		if (bit == OPT_YES && (a->needs & bit) && !(s->given & bit))
			return cli_usage_error(c, "storage", "write replaces what the unit holds from LBA %llu on; "
			                       "add --yes to do it", (unsigned long long)s->lba);
		if ((a->needs & bit) && !(s->given & bit))
			return cli_usage_error(c, "storage", "%s needs %s", a->name, names[i]);
	}
	if ((s->given & OPT_IN) && !strcmp(s->in_path, "-"))
		return cli_usage_error(c, "storage", "%s reads a file (-i FILE), whose size it checks first", a->name);
	return EXIT_OK;
}

static int run_info(struct cli *c, struct storage *s);
static int run_read(struct cli *c, struct storage *s);
static int run_write(struct cli *c, struct storage *s);
static int run_dump(struct cli *c, struct storage *s);
static int run_verify(struct cli *c, struct storage *s);

static const struct action actions[] = {
	{ "info", 0, OPT_JSON, 0, run_info },
	{ "read", 2, OPT_OUT | OPT_HEX, 0, run_read },
	{ "write", 1, OPT_IN | OPT_YES, OPT_IN | OPT_YES, run_write },
	{ "dump", 0, OPT_OUT, OPT_OUT, run_dump },
	{ "verify", 0, OPT_IN, OPT_IN, run_verify },
};

static int parse_args(struct cli *c, int argc, char **argv, struct storage *s, const struct action **out)
{
	const struct action *a = NULL;
	int rc, left = argc - optind;

	if (left < 2)
		return cli_usage_error(c, "storage", "needs a selector and an action (info, read, write, dump, verify)");
	s->sel = argv[optind];
	s->action = argv[optind + 1];
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(s->action, actions[i].name))
			a = &actions[i];
	if (!a)
		return cli_usage_error(c, "storage", "unknown action '%s' (info, read, write, dump, verify)", s->action);
	if (left - 2 != a->args)
		return cli_usage_error(c, "storage", "%s takes %s", a->name,
		                       a->args == 2 ? "LBA COUNT" : a->args == 1 ? "LBA" : "no operands");
	if (a->args >= 1 && (rc = parse_number(c, "LBA", argv[optind + 2], 0, &s->lba)) != EXIT_OK)
		return rc;
	if (a->args == 2 && (rc = parse_number(c, "COUNT", argv[optind + 3], 1, &s->count)) != EXIT_OK)
		return rc;
	*out = a;
	return check_options(c, s, a);
}

/* ---- device and files --------------------------------------------------------------------- */

static int open_input(struct cli *c, struct storage *s)
{
	struct stat st;

	errno = 0;
	if (!s->in_path)
		return EXIT_OK;
	if (!(s->in = fopen(s->in_path, "rb")))
		return file_fail(c, s, "read", s->in_path);
	if (fstat(fileno(s->in), &st) < 0 || !S_ISREG(st.st_mode))
		return say(c, s, EXIT_USAGE, "give a regular file", "%s is not a regular file, whose size could be checked first",
		           s->in_path);
	s->in_size = (uint64_t)st.st_size;
	return EXIT_OK;
}

static int open_output(struct cli *c, struct storage *s)
{
	errno = 0;
	if (!s->out_path || !strcmp(s->out_path, "-")) {
		s->out = c->out;
		return EXIT_OK;
	}
	if (!(s->out = fopen(s->out_path, "wb")))
		return file_fail(c, s, "write", s->out_path);
	return EXIT_OK;
}

static int open_unit(struct cli *c, struct storage *s)
{
	char what[160];
	int rc = cli_need_selector(c, "storage", s->sel);

	if (rc != EXIT_OK || (rc = cli_context(c)) != EXIT_OK || (rc = refuse_mounted(c, s)) != EXIT_OK)
		return rc;
	if ((rc = devdrv_block_open(c->ctx, s->sel, &s->h)) < 0) {
		snprintf(what, sizeof(what), "%s %s", s->action, s->sel);
		return cli_fail(c, what, rc, devdrv_context_errmsg(c->ctx));
	}
	if ((rc = devdrv_block_info(s->h, &s->info)) < 0)
		return device_fail(c, s, rc);
	if (!s->info.medium_present && strcmp(s->action, "info"))
		return say(c, s, EXIT_DEVICE, "insert a medium and retry", "LUN %u has no medium", s->info.lun);
	if (!(s->buf = malloc(CHUNK)) || !(s->image = malloc(CHUNK)))
		return cli_fail(c, s->action, DEVDRV_E_NOMEM, NULL);
	return EXIT_OK;
}

static void cleanup(struct cli *c, struct storage *s)
{
	if (s->in)
		fclose(s->in);
	if (s->out && s->out != c->out)
		fclose(s->out);
	else if (s->out)
		fflush(s->out);
	cli_close(c, s->h);
	free(s->buf);
	free(s->image);
}

/* ---- actions ---------------------------------------------------------------------------------- */

static const char *type_name(uint8_t type)
{
	switch (type) {
	case 0x00: return "disk";
	case 0x05: return "CD/DVD";
	case 0x07: return "optical memory";
	case 0x0e: return "RBC disk";
	default: return "block device";
	}
}

/* The same facts as run_info, as docs/json.md describes them; the strings
 * exactly as the device sent them (JSON escapes what a terminal would not
 * survive), capacity null without a medium. */
static int info_json(struct cli *c, const struct devdrv_block_info *i)
{
	struct json j;
	int medium = i->medium_present;

	json_document(&j, c->out);
	json_int(&j, "lun", i->lun);
	json_int(&j, "luns", i->luns);
	json_string(&j, "vendor", i->vendor);
	json_string(&j, "product", i->product);
	json_string(&j, "revision", i->revision);
	json_int(&j, "device_type", i->device_type);
	json_bool(&j, "removable", i->removable);
	json_bool(&j, "medium_present", medium);
	if (medium) {
		json_int(&j, "blocks", (long long)i->blocks);
		json_int(&j, "block_size", i->block_size);
		json_int(&j, "bytes", (long long)(i->blocks * i->block_size));
		json_bool(&j, "write_protected", i->write_protected);
	} else {
		json_string(&j, "blocks", NULL); /* null: nothing to measure */
		json_string(&j, "block_size", NULL);
		json_string(&j, "bytes", NULL);
		json_string(&j, "write_protected", NULL);
	}
	json_end_object(&j);
	return EXIT_OK;
}

static int run_info(struct cli *c, struct storage *s)
{
	const struct devdrv_block_info *i = &s->info;
	char sel[CLI_ESCAPED_MAX], v[64], p[64], r[64], size[24];

	if (s->given & OPT_JSON)
		return info_json(c, i);
	fprintf(c->out, "Storage %s (LUN %u)\n", cli_escape(s->sel, sel, sizeof(sel)), i->lun);
	fprintf(c->out, "  vendor         %s\n", cli_escape(i->vendor, v, sizeof(v)));
	fprintf(c->out, "  product        %s\n", cli_escape(i->product, p, sizeof(p)));
	fprintf(c->out, "  revision       %s\n", cli_escape(i->revision, r, sizeof(r)));
	fprintf(c->out, "  type           %s%s\n", type_name(i->device_type), i->removable ? ", removable medium" : "");
	fprintf(c->out, "  logical units  %u (this is %u%s)\n", i->luns, i->lun, i->luns > 1 ? "; pick one with lun=N" : "");
	if (!i->medium_present) {
		fprintf(c->out, "  medium         none\n");
		return EXIT_OK;
	}
	fprintf(c->out, "  capacity       %llu blocks x %u bytes = %llu bytes (%s)\n", (unsigned long long)i->blocks,
	        i->block_size, (unsigned long long)(i->blocks * i->block_size),
	        human(i->blocks * i->block_size, size, sizeof(size)));
	fprintf(c->out, "  write protect  %s\n", i->write_protected ? "yes" : "no");
	return EXIT_OK;
}

typedef int (*chunk_fn)(struct cli *c, struct storage *s, const uint8_t *buf, size_t len, uint64_t lba);

/* Read [lba, lba + count) in chunks, each handed to @fn. */
static int read_range(struct cli *c, struct storage *s, uint64_t lba, uint64_t count, chunk_fn fn)
{
	uint32_t bs = s->info.block_size;
	size_t per_call = CHUNK / bs;
	struct progress p;
	int rc = EXIT_OK;

	progress_start(&p, c, s, count * bs);
	for (uint64_t done = 0; done < count && rc == EXIT_OK;) {
		size_t n = count - done < per_call ? (size_t)(count - done) : per_call;
		int err = devdrv_block_read(s->h, lba + done, n, s->buf, (unsigned)s->timeout);

		rc = err < 0 ? device_fail(c, s, err) : fn(c, s, s->buf, n * bs, lba + done);
		done += n;
		progress_show(&p, done * bs);
	}
	progress_end(&p);
	return rc;
}

static int to_output(struct cli *c, struct storage *s, const uint8_t *buf, size_t len, uint64_t lba)
{
	errno = 0;
	if (s->given & OPT_HEX)
		cli_hexdump(s->out, buf, len, (size_t)(lba * s->info.block_size), "\n");
	if (ferror(s->out) || (!(s->given & OPT_HEX) && fwrite(buf, 1, len, s->out) != len))
		return file_fail(c, s, "write", s->out_path ? s->out_path : "stdout");
	return EXIT_OK;
}

static int past_end(const struct storage *s, uint64_t lba, uint64_t count)
{
	return lba > s->info.blocks || count > s->info.blocks - lba;
}

/* Data still buffered must reach the file: a full disk shows here. */
static int finish_output(struct cli *c, struct storage *s)
{
	errno = 0;
	/* stdout too: `read ... > /dev/full` must not end with exit 0 */
	if (fflush(s->out) != 0 || ferror(s->out))
		return file_fail(c, s, "write", s->out_path ? s->out_path : "stdout");
	return EXIT_OK;
}

static int run_read(struct cli *c, struct storage *s)
{
	int rc;

	if (past_end(s, s->lba, s->count))
		return cli_usage_error(c, "storage", "%llu blocks from LBA %llu are past the end of LUN %u (%llu blocks)",
		                       (unsigned long long)s->count, (unsigned long long)s->lba, s->info.lun,
		                       (unsigned long long)s->info.blocks); /* no lba + count: it may wrap */
	if ((rc = open_output(c, s)) == EXIT_OK && (rc = read_range(c, s, s->lba, s->count, to_output)) == EXIT_OK)
		rc = finish_output(c, s);
	return rc;
}

static int run_dump(struct cli *c, struct storage *s)
{
	char size[24];
	int rc = open_output(c, s);

	if (rc == EXIT_OK && (rc = read_range(c, s, 0, s->info.blocks, to_output)) == EXIT_OK)
		rc = finish_output(c, s);
	if (rc == EXIT_OK && s->out != c->out)
		fprintf(c->out, "dumped %llu blocks (%s) of LUN %u to %s\n", (unsigned long long)s->info.blocks,
		        human(s->info.blocks * s->info.block_size, size, sizeof(size)), s->info.lun, s->out_path);
	return rc;
}

static int image_size_ok(struct cli *c, struct storage *s, uint64_t lba)
{
	uint32_t bs = s->info.block_size;

	if (!s->in_size || s->in_size % bs)
		return say(c, s, EXIT_USAGE, "give a whole number of blocks", "%s is %llu bytes, not a whole number of "
		           "%u-byte blocks", s->in_path, (unsigned long long)s->in_size, bs);
	if (past_end(s, lba, s->in_size / bs))
		return say(c, s, EXIT_DEVICE, "the image does not fit", "%s holds %llu blocks; LUN %u has %llu from "
		           "LBA %llu on", s->in_path, (unsigned long long)(s->in_size / bs), s->info.lun,
		           (unsigned long long)(lba <= s->info.blocks ? s->info.blocks - lba : 0),
		           (unsigned long long)lba);
	return EXIT_OK;
}

static int write_chunks(struct cli *c, struct storage *s, uint64_t blocks)
{
	uint32_t bs = s->info.block_size;
	size_t per_call = CHUNK / bs;
	struct progress p;
	int rc = EXIT_OK;

	progress_start(&p, c, s, blocks * bs);
	for (uint64_t done = 0; done < blocks && rc == EXIT_OK;) {
		size_t n = blocks - done < per_call ? (size_t)(blocks - done) : per_call;
		int err;

		errno = 0;
		if (fread(s->buf, 1, n * bs, s->in) != n * bs)
			rc = file_fail(c, s, "read all of", s->in_path);
		else if ((err = devdrv_block_write(s->h, s->lba + done, n, s->buf, (unsigned)s->timeout)) < 0)
			rc = device_fail(c, s, err);
		done += n;
		progress_show(&p, done * bs);
	}
	progress_end(&p);
	return rc;
}

static int run_write(struct cli *c, struct storage *s)
{
	uint64_t blocks;
	char size[24];
	int rc = image_size_ok(c, s, s->lba), err;

	if (rc != EXIT_OK)
		return rc;
	if (s->info.write_protected)
		return say(c, s, EXIT_DEVICE, "release the medium's write protection", "LUN %u is write protected; "
		           "nothing was written", s->info.lun);
	blocks = s->in_size / s->info.block_size;
	if ((rc = write_chunks(c, s, blocks)) != EXIT_OK)
		return rc;
	if ((err = devdrv_block_flush(s->h)) < 0)
		return device_fail(c, s, err);
	fprintf(c->out, "wrote %llu blocks (%s) to LUN %u from LBA %llu\n", (unsigned long long)blocks,
	        human(s->in_size, size, sizeof(size)), s->info.lun, (unsigned long long)s->lba);
	return EXIT_OK;
}

static int compare(struct cli *c, struct storage *s, const uint8_t *buf, size_t len, uint64_t lba)
{
	uint32_t bs = s->info.block_size;
	size_t at = 0;

	errno = 0;
	if (fread(s->image, 1, len, s->in) != len)
		return file_fail(c, s, "read all of", s->in_path);
	if (!memcmp(buf, s->image, len))
		return EXIT_OK;
	while (buf[at] == s->image[at])
		at++;
	return say(c, s, EXIT_DEVICE, "the unit does not hold the image", "LBA %llu differs from %s (byte %llu of "
	           "the image, %zu of the block)", (unsigned long long)(lba + at / bs), s->in_path,
	           (unsigned long long)(lba * bs + at), at % bs);
}

static int run_verify(struct cli *c, struct storage *s)
{
	uint64_t blocks;
	char size[24];
	int rc = image_size_ok(c, s, 0);

	if (rc != EXIT_OK)
		return rc;
	blocks = s->in_size / s->info.block_size;
	if ((rc = read_range(c, s, 0, blocks, compare)) != EXIT_OK)
		return rc;
	fprintf(c->out, "%s matches LBA 0-%llu (%s) of LUN %u\n", s->in_path, (unsigned long long)(blocks - 1),
	        human(s->in_size, size, sizeof(size)), s->info.lun);
	return EXIT_OK;
}

int cmd_storage(struct cli *c, int argc, char **argv)
{
	const struct action *a = NULL;
	struct storage s;
	int rc = parse_opts(c, argc, argv, &s);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = parse_args(c, argc, argv, &s, &a)) != EXIT_OK)
		return rc;
	if ((rc = open_input(c, &s)) == EXIT_OK && (rc = open_unit(c, &s)) == EXIT_OK)
		rc = a->run(c, &s);
	cleanup(c, &s);
	return rc;
}
