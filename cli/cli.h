/* cli.h — shared state and helpers of the devdrv command-line tool. */
#ifndef DEVDRV_CLI_H
#define DEVDRV_CLI_H

#include <devdrv/devdrv.h>
#include <devdrv/serial.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

enum cli_exit {
	EXIT_OK = 0,
	EXIT_DEVICE = 1, /* device or I/O error */
	EXIT_USAGE = 2,
};

#define CLI_MAX_PLUGS 8

struct cli {
	FILE *in, *out, *err;
	unsigned transports;
	const char *plugs[CLI_MAX_PLUGS]; /* --plug MODEL@PORT */
	int num_plugs;
	int debug;
	int stats;            /* --stats: print the stats filter's counts at close */
	char filters[1024];   /* --filter NAME[:ARGS], joined with ';' */
	const char *replay;   /* --replay FILE */
	const char *remote;   /* --remote HOST[:PORT]: the usbip transport's server */
	int progress_line; /* a progress line without its newline is on stderr */
	struct devdrv_context *ctx;
	int json;             /* --json given: errors too are JSON, on stderr */
	void *hwdb;           /* sd_hwdb, opened at the first name looked up (names.c) */
	int hwdb_missing;
	int own_events;       /* the context's events run on the command's thread (DEVDRV_EVENTS_APPLICATION) */
};

/* Entry point, separate from main() so tests run it in-process. */
int cli_main(int argc, char **argv, FILE *in, FILE *out, FILE *err);
/* The same on a context of the caller's (a test plugging virtual devices
 * while `watch` runs); the caller frees it. */
int cli_main_in(struct devdrv_context *ctx, int argc, char **argv, FILE *in, FILE *out, FILE *err);

/* Names from the udev hwdb, as lsusb has them (names.c); NULL when the
 * database does not know, or is not there. Valid until cli_names_close(). */
const char *cli_vendor_name(struct cli *c, uint16_t vid);
const char *cli_product_name(struct cli *c, uint16_t vid, uint16_t pid);
const char *cli_class_name(struct cli *c, uint8_t cls);
/* "Class / Subclass / Protocol" names, as far as the database has them;
 * empty when it has none. */
void cli_class_names(struct cli *c, uint8_t cls, uint8_t subclass, uint8_t protocol, char *out, size_t len);
void cli_names_close(struct cli *c);

/* Subcommands: argv[0] is the subcommand name. */
int cmd_list(struct cli *c, int argc, char **argv);
int cmd_info(struct cli *c, int argc, char **argv);
int cmd_drivers(struct cli *c, int argc, char **argv);
int cmd_read(struct cli *c, int argc, char **argv);
int cmd_write(struct cli *c, int argc, char **argv);
int cmd_ctrl(struct cli *c, int argc, char **argv);
int cmd_serial(struct cli *c, int argc, char **argv);
int cmd_hid(struct cli *c, int argc, char **argv);
int cmd_storage(struct cli *c, int argc, char **argv);
int cmd_filters(struct cli *c, int argc, char **argv);
int cmd_watch(struct cli *c, int argc, char **argv);
int cmd_run(struct cli *c, int argc, char **argv);
int cmd_udev_rules(struct cli *c, int argc, char **argv);
int cmd_autostart(struct cli *c, int argc, char **argv);
int cmd_usbip_export(struct cli *c, int argc, char **argv);
int cmd_models(struct cli *c, int argc, char **argv);

/* devdrv run's disk bridge (cli/run-nbd.c): --nbd-socket PATH or --nbd DEV. */
struct nbd_bridge;
int nbd_bridge_open(struct cli *c, struct devdrv_handle *h, const char *socket_path, const char *dev, int read_only,
                    int stop_fd, struct nbd_bridge **out);
/* Serve until the stop descriptor is readable (0) or the device leaves
 * (DEVDRV_E_DISCONNECTED). */
int nbd_bridge_run(struct nbd_bridge *b);
void nbd_bridge_close(struct nbd_bridge *b);

/* The autostart configuration (cli/autostart.c, docs/autostart.md). */
#define AUTOSTART_MAX_WORDS 32
struct autostart_entry {
	int line;
	int argc;                          /* argv[0] the selector, then run's options */
	char *argv[AUTOSTART_MAX_WORDS + 1];
};
struct autostart {
	struct autostart_entry *entries;
	size_t count;
};
/* Load and check @path; errors name its line. Returns an exit code. */
int autostart_load(struct cli *c, const char *path, struct autostart *a);
void autostart_free(struct autostart *a);

/* devdrv read --stream (cli/stream.c); returns an exit code. */
int cli_read_stream(struct cli *c, const char *sel, unsigned long bytes, unsigned long timeout_ms,
                    const char *output, int stats);

/* devdrv write --stream: the queued writer from FILE ("-": stdin). */
int cli_write_stream(struct cli *c, const char *sel, const char *input, unsigned long timeout_ms, int stats);

/* Close @h, printing the stats filter's counts first when --stats asked. */
void cli_close(struct cli *c, struct devdrv_handle *h);

struct cli_serial_opts {
	struct devdrv_serial_config config;
	int interactive; /* stdin is a terminal: raw mode, Ctrl-] quits */
	int hex, show_lines;
	unsigned drain_ms;
};
/* --baud (opt 'b'), --format ('f') or --flow ('F') of @cmd into @cfg;
 * EXIT_OK or a usage error. */
int cli_parse_line_setting(struct cli *c, const char *cmd, int opt, const char *arg, struct devdrv_serial_config *cfg);

/* A command printed its --help: the caller exits 0. */
#define CLI_HELP_SHOWN (-1)
/* The arguments of a command that takes only --json (and --help): *json set.
 * Returns EXIT_OK, CLI_HELP_SHOWN or a usage error. */
int cli_json_flag(struct cli *c, const char *cmd, const char *usage, int argc, char **argv, int *json);
/* SIGINT and SIGTERM to @fn without SA_RESTART (a blocking wait returns
 * EINTR); @old (two) keeps what was there for cli_restore_stop_signals(). */
void cli_catch_stop_signals(void (*fn)(int), struct sigaction *old);
void cli_restore_stop_signals(const struct sigaction *old);

/* Create the context on first use. Returns an exit code. */
int cli_context(struct cli *c);
/* Report a libdevdrv failure in one line with what to do next; returns the
 * exit code (2 for malformed input, 1 otherwise). */
int cli_fail(struct cli *c, const char *action, int code, const char *detail);
int cli_usage_error(struct cli *c, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The usage error for the option getopt_long just refused. */
int cli_bad_option(struct cli *c, const char *cmd, char **argv);
/* Parse a whole unsigned number (0x.. hex or decimal) up to @max. */
int cli_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* A usage error for an empty selector where one device must be named. */
int cli_need_selector(struct cli *c, const char *cmd, const char *selector);
int cli_open(struct cli *c, const char *action, const char *selector, struct devdrv_handle **h);
/* Parse hex bytes typed by a user: "01 02 ff", "0102ff", "01:02", "0x01 0x02",
 * "0x0102". Each byte is exactly two digits. Returns 0, or CLI_HEX_* with
 * *bad_at the offset of the offending character. */
enum { CLI_HEX_BAD_DIGIT = -1, CLI_HEX_TOO_LONG = -2 };
int cli_parse_hex(const char *s, unsigned char *out, size_t cap, size_t *len, size_t *bad_at);
/* Length of the valid UTF-8 sequence (1-4 bytes, a non-ASCII one) at @s:
 * no overlong forms, surrogates or code points past U+10FFFF; 0 if invalid. */
size_t cli_utf8_len(const unsigned char *s);
/* @text with control characters, C1 controls and bytes that are not UTF-8
 * written as \xNN, so a device's strings cannot drive the terminal. */
const char *cli_escape(const char *text, char *buf, size_t size);
#define CLI_ESCAPED_MAX 1024 /* room for a 255-byte string, every byte escaped */
/* Hex dump of @buf; @base is the stream offset of its first byte; @eol ends
 * each line ("\r\n" on a raw terminal). */
void cli_hexdump(FILE *f, const unsigned char *buf, size_t len, size_t base, const char *eol);

/* Minimal JSON writer: keys NULL inside arrays. */
struct json {
	FILE *f;
	int depth;
	int count[32];
};
void json_begin(struct json *j, FILE *f);
/* The JSON schema of every --json output and of errors under --json
 * (docs/json.md); raised when a field changes meaning or goes away. */
#define CLI_JSON_SCHEMA 1
/* Begin a top-level object that says its schema: {"schema_version":1,... */
void json_document(struct json *j, FILE *f);
void json_double(struct json *j, const char *key, double value);
void json_object(struct json *j, const char *key);
void json_array(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_end_array(struct json *j);
void json_string(struct json *j, const char *key, const char *value); /* NULL: null */
void json_int(struct json *j, const char *key, long long value);
/* Bytes as one string of two lowercase hex digits each: "0a0b". */
void json_hex(struct json *j, const char *key, const unsigned char *buf, size_t len);
void json_bool(struct json *j, const char *key, int value);

#endif
