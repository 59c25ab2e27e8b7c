/* io.c — devdrv read / write / ctrl: moving bytes from the shell. Output of
 * read is binary-safe; --hex turns it into a dump. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 65536
#define DEFAULT_TIMEOUT_MS 1000

static const char read_usage[] =
    "usage: devdrv read SEL [-n BYTES] [--timeout MS] [--hex | --json]\n"
    "       devdrv read SEL --stream [-o FILE] [-n BYTES] [--stats] [--timeout MS]\n"
    "  Reads the device's natural stream (raw class: first IN pipe) to stdout.\n"
    "  Without -n: one transfer of up to 64 KiB. With -n: until BYTES arrived.\n"
    "  --timeout MS   per transfer, default 1000 (with --stream: none), 0 waits forever\n"
    "  --hex          hex dump instead of raw bytes\n"
    "  --json         one JSON object per transfer: offset, length, hex (docs/json.md)\n"
    "  --stream       keep 8 transfers of 64 KiB in flight on the IN pipe, as raw bytes,\n"
    "                 until BYTES arrived or Ctrl-C; a progress line on a terminal\n"
    "  -o FILE        write to FILE instead of stdout\n"
    "  --stats        print the bytes, time and rate at the end, on stderr\n";
static const char write_usage[] =
    "usage: devdrv write SEL [DATA|-] [--hex] [--timeout MS] [--json]\n"
    "       devdrv write SEL --stream [FILE|-] [--stats] [--timeout MS]\n"
    "  Writes DATA (or stdin with '-', until end of file) to the device's\n"
    "  natural stream (raw class: first OUT pipe). --stream keeps 8 transfers of\n"
    "  64 KiB in flight on the OUT pipe (the queued writer) until FILE (default\n"
    "  stdin) ends; --stats prints the rate at the end.\n"
    "  --hex   DATA is hex bytes: \"01 02 ff\" or \"0102ff\"\n"
    "  --json  {written} once DATA is written (docs/json.md)\n";
static const char ctrl_usage[] =
    "usage: devdrv ctrl SEL REQTYPE REQ VALUE INDEX [LEN|HEXDATA]\n"
    "  Control transfer on endpoint 0. Numbers are decimal or 0x hex.\n"
    "  REQTYPE bit 7 set (IN): read LEN bytes (default 64), printed as hex.\n"
    "  REQTYPE bit 7 clear (OUT): send HEXDATA (\"01 02\" or \"0102\"), if any.\n"
    "  --timeout MS   for the transfer (default 1000)\n"
    "  --json         {direction, length, hex} (docs/json.md)\n"
    "  An IN request the device answers with no data prints \"(0 bytes)\".\n";

struct io_opts {
	unsigned long bytes;
	unsigned long timeout;
	int hex;
	int have_bytes, have_timeout;
	int stream, stats, json;
	const char *output;
};

/* Common options of read/write; returns -1 when it printed help, else an exit code. */
static int parse_io_opts(struct cli *c, const char *cmd, const char *usage, int argc, char **argv,
                         struct io_opts *o)
{
	static const struct option opts[] = {
		{ "bytes", required_argument, NULL, 'n' }, { "timeout", required_argument, NULL, 't' },
		{ "hex", no_argument, NULL, 'x' },         { "help", no_argument, NULL, 'h' },
		{ "stream", no_argument, NULL, 'S' },      { "stats", no_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' }, { "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	o->timeout = DEFAULT_TIMEOUT_MS;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "n:t:xho:", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (cli_parse_uint(optarg, 1ul << 40, &o->bytes) < 0 || !o->bytes)
				return cli_usage_error(c, cmd, "-n needs a positive byte count, not '%s'", optarg);
			o->have_bytes = 1;
			break;
		case 't':
			if (cli_parse_uint(optarg, 86400000ul, &o->timeout) < 0)
				return cli_usage_error(c, cmd, "--timeout needs milliseconds, not '%s'", optarg);
			o->have_timeout = 1;
			break;
		case 'x': o->hex = 1; break;
		case 'S': o->stream = 1; break;
		case 's': o->stats = 1; break;
		case 'o': o->output = optarg; break;
		case 'j': o->json = 1; break;
		case 'h': fputs(usage, c->out); return -1;
		default: return cli_bad_option(c, cmd, argv);
		}
	}
	return EXIT_OK;
}

/* Hex DATA for write/ctrl, or a usage error naming the wrong character. */
static int parse_hex_arg(struct cli *c, const char *cmd, const char *what, const char *arg,
                         unsigned char *out, size_t cap, size_t *len)
{
	size_t bad_at = 0;
	int rc = cli_parse_hex(arg, out, cap, len, &bad_at);
	char shown[CLI_ESCAPED_MAX];

	if (rc == CLI_HEX_TOO_LONG)
		return cli_usage_error(c, cmd, "%s is longer than %zu bytes", what, cap);
	if (rc < 0)
		return cli_usage_error(c, cmd, "%s '%s': column %zu is not a two-digit hex byte "
		                       "(write bytes like \"01 02 ff\" or \"0102ff\")",
		                       what, cli_escape(arg, shown, sizeof(shown)), bad_at + 1);
	return EXIT_OK;
}

static int io_error(struct cli *c, const char *action, const char *sel, struct devdrv_handle *h,
                    ssize_t rc)
{
	char what[160];

	snprintf(what, sizeof(what), "%s %s", action, sel);
	return cli_fail(c, what, (int)rc, devdrv_errmsg(h));
}

/* {"schema_version":1,...,"length":N,"hex":"0a0b"}: one transfer's bytes. */
static void json_bytes(struct json *j, const unsigned char *buf, size_t len)
{
	json_int(j, "length", (long long)len);
	json_hex(j, "hex", buf, len);
}

static void emit(struct cli *c, const unsigned char *buf, size_t len, int hex, size_t offset, int json)
{
	if (json) { /* one line per transfer, so a reader can follow a stream */
		struct json j;

		json_document(&j, c->out);
		json_int(&j, "offset", (long long)offset);
		json_bytes(&j, buf, len);
		json_end_object(&j);
	} else if (hex)
		cli_hexdump(c->out, buf, len, offset, "\n");
	else
		fwrite(buf, 1, len, c->out);
	fflush(c->out);
}

int cmd_read(struct cli *c, int argc, char **argv)
{
	struct devdrv_handle *h;
	struct io_opts o;
	unsigned char *buf;
	unsigned long total = 0;
	int rc = parse_io_opts(c, "read", read_usage, argc, argv, &o);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc - optind != 1)
		return cli_usage_error(c, "read", "needs exactly one selector");
	if ((o.output || o.stats) && !o.stream)
		return cli_usage_error(c, "read", "-o and --stats go with --stream");
	if (o.stream && (o.hex || o.json))
		return cli_usage_error(c, "read", "--stream writes raw bytes; pipe them to a hex dumper");
	if (o.hex && o.json)
		return cli_usage_error(c, "read", "--hex and --json are two ways to show the bytes; pick one");
	if (o.stream)
		return cli_read_stream(c, argv[optind], o.have_bytes ? o.bytes : 0, o.have_timeout ? o.timeout : 0,
		                       o.output, o.stats);
	if (!(buf = malloc(CHUNK)))
		return cli_fail(c, "read", DEVDRV_E_NOMEM, NULL);
	if ((rc = cli_open(c, "read", argv[optind], &h)) != EXIT_OK) {
		free(buf);
		return rc;
	}
	do {
		size_t want = o.have_bytes && o.bytes - total < CHUNK ? o.bytes - total : CHUNK;
		ssize_t n = devdrv_read(h, buf, want, (unsigned)o.timeout);

		if (n < 0) {
			rc = io_error(c, "read", argv[optind], h, n);
			break;
		}
		emit(c, buf, (size_t)n, o.hex, total, o.json);
		total += (unsigned long)n;
	} while (o.have_bytes && total < o.bytes);
	cli_close(c, h);
	free(buf);
	return rc;
}

static int write_all(struct cli *c, struct devdrv_handle *h, const char *sel,
                     const unsigned char *data, size_t len, unsigned timeout)
{
	while (len) {
		ssize_t n = devdrv_write(h, data, len, timeout);

		if (n < 0)
			return io_error(c, "write", sel, h, n);
		data += n;
		len -= (size_t)n;
	}
	return EXIT_OK;
}

static int write_stdin(struct cli *c, struct devdrv_handle *h, const char *sel, unsigned timeout)
{
	unsigned char *buf = malloc(CHUNK);
	size_t n;
	int rc = EXIT_OK;

	if (!buf)
		return cli_fail(c, "write", DEVDRV_E_NOMEM, NULL);
	while (rc == EXIT_OK && (n = fread(buf, 1, CHUNK, c->in)) > 0)
		rc = write_all(c, h, sel, buf, n, timeout);
	free(buf);
	return rc;
}

int cmd_write(struct cli *c, int argc, char **argv)
{
	struct devdrv_handle *h;
	struct io_opts o;
	unsigned char hexbuf[4096];
	const unsigned char *data;
	size_t len;
	const char *sel, *arg;
	int rc = parse_io_opts(c, "write", write_usage, argc, argv, &o);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (o.json && (o.stream || (optind + 1 < argc && !strcmp(argv[optind + 1], "-"))))
		return cli_usage_error(c, "write", "--json reports DATA given as an argument, not a stream");
	if (o.stream && (argc - optind == 1 || argc - optind == 2))
		return cli_write_stream(c, argv[optind], argc - optind == 2 ? argv[optind + 1] : "-",
		                        o.have_timeout ? o.timeout : 0, o.stats);
	if (argc - optind != 2)
		return cli_usage_error(c, "write", "needs a selector and DATA (or - for stdin)");
	sel = argv[optind];
	arg = argv[optind + 1];
	data = (const unsigned char *)arg;
	len = strlen(arg);
	if (o.hex && strcmp(arg, "-")) {
		if ((rc = parse_hex_arg(c, "write", "DATA", arg, hexbuf, sizeof(hexbuf), &len)) != EXIT_OK)
			return rc;
		data = hexbuf;
	}
	if ((rc = cli_open(c, "write", sel, &h)) != EXIT_OK)
		return rc;
	if (!strcmp(arg, "-"))
		rc = write_stdin(c, h, sel, (unsigned)o.timeout);
	else
		rc = write_all(c, h, sel, data, len, (unsigned)o.timeout);
	if (rc == EXIT_OK && o.json && strcmp(arg, "-")) {
		struct json j;

		json_document(&j, c->out);
		json_int(&j, "written", (long long)len);
		json_end_object(&j);
	}
	cli_close(c, h);
	return rc;
}

int cmd_ctrl(struct cli *c, int argc, char **argv)
{
	static const char *const names[4] = { "REQTYPE", "REQ", "VALUE", "INDEX" };
	static const unsigned long max[4] = { 0xff, 0xff, 0xffff, 0xffff };
	unsigned long v[4], len = 64, timeout = DEFAULT_TIMEOUT_MS;
	unsigned char data[4096];
	size_t out_len = 0;
	static const struct option opts[] = { { "timeout", required_argument, NULL, 't' },
		                              { "json", no_argument, NULL, 'j' },
		                              { "help", no_argument, NULL, 'h' },
		                              { NULL, 0, NULL, 0 } };
	struct devdrv_handle *h;
	int rc, in, opt, json = 0;

	optind = 0; /* getopt moves the options after the numbers, which never start with '-' */
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h')
			return fputs(ctrl_usage, c->out), EXIT_OK;
		if (opt == 'j') {
			json = 1;
			continue;
		}
		if (opt != 't')
			return cli_bad_option(c, "ctrl", argv);
		if (cli_parse_uint(optarg, 3600000, &timeout) < 0)
			return cli_usage_error(c, "ctrl", "--timeout takes milliseconds up to 3600000, not '%s'", optarg);
	}
	argc -= optind - 1, argv += optind - 1; /* argv[1] is SEL again */
	if (argc != 6 && argc != 7)
		return cli_usage_error(c, "ctrl", "needs SEL REQTYPE REQ VALUE INDEX [LEN|HEXDATA]");
	for (int i = 0; i < 4; i++)
		if (cli_parse_uint(argv[2 + i], max[i], &v[i]) < 0)
			return cli_usage_error(c, "ctrl", "%s '%s' is not a number up to 0x%lx", names[i],
			                       argv[2 + i], max[i]);
	in = (v[0] & 0x80) != 0;
	if (argc == 7 && in && (cli_parse_uint(argv[6], sizeof(data), &len) < 0))
		return cli_usage_error(c, "ctrl", "LEN '%s' is not a number up to %zu", argv[6], sizeof(data));
	if (argc == 7 && !in && (rc = parse_hex_arg(c, "ctrl", "HEXDATA", argv[6], data, sizeof(data), &out_len)) != EXIT_OK)
		return rc;
	if ((rc = cli_open(c, "ctrl", argv[1], &h)) != EXIT_OK)
		return rc;
	rc = devdrv_control(h, (uint8_t)v[0], (uint8_t)v[1], (uint16_t)v[2], (uint16_t)v[3], data,
	                    (uint16_t)(in ? len : out_len), (unsigned)timeout);
	if (rc < 0) {
		rc = io_error(c, "ctrl", argv[1], h, rc);
	} else if (json) {
		struct json j;

		json_document(&j, c->out);
		json_string(&j, "direction", in ? "in" : "out");
		json_bytes(&j, data, (size_t)(in ? rc : (int)out_len));
		json_end_object(&j);
		rc = EXIT_OK;
	} else {
		if (in && rc == 0)
			fputs("(0 bytes)\n", c->out); /* an answer, not silence */
		for (int i = 0; in && i < rc; i++)
			fprintf(c->out, "%02x%c", data[i], i + 1 == rc ? '\n' : ' ');
		rc = EXIT_OK;
	}
	cli_close(c, h);
	return rc;
}
