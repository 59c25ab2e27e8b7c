/* serial-term.h — the parts of `devdrv serial` that need neither a device nor
 * a terminal: the escape-key state machine, CR/LF maps, timestamps at line
 * starts, the standard baud rates, and the text of the status lines. Pure
 * functions, so that tests/unit/test-serial-terminal.c drives them directly. */
#ifndef DEVDRV_CLI_SERIAL_TERM_H
#define DEVDRV_CLI_SERIAL_TERM_H

#include <devdrv/serial.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define TERM_QUIT_KEY 0x1d      /* Ctrl-]: quits at once, as it always has */
#define TERM_DEFAULT_ESCAPE 0x01 /* Ctrl-A, as picocom */

/* What a typed key means in a terminal session. */
enum term_cmd {
	TERM_DATA,       /* send the key to the device */
	TERM_ARMED,      /* the escape key: the next key is a command */
	TERM_QUIT,       /* Ctrl-], or escape then q, x, Ctrl-Q, Ctrl-X */
	TERM_BREAK,      /* b: a 250 ms break */
	TERM_DTR,        /* d: toggle DTR */
	TERM_RTS,        /* r: toggle RTS */
	TERM_PULSE,      /* p: DTR inverted for 100 ms (an Arduino-style reset) */
	TERM_BAUD_UP,    /* u: the next standard rate up */
	TERM_BAUD_DOWN,  /* U: the next standard rate down */
	TERM_SHOW,       /* s: the settings in effect and the lines */
	TERM_ECHO,       /* e: toggle local echo */
	TERM_STAMPS,     /* t: toggle timestamps */
	TERM_HELP,       /* h or ? */
	TERM_UNKNOWN,    /* escape then a key that is no command */
};

struct term_keys {
	unsigned char escape; /* the escape key's byte, Ctrl-A by default */
	int armed;            /* the escape key came: the next key is a command */
};

/* What @key means, given the keys before it (@k carries that state). For
 * TERM_DATA the byte to send is @key: the escape key twice sends it once,
 * the escape key then Ctrl-] sends Ctrl-]. */
enum term_cmd term_key(struct term_keys *k, unsigned char key);

/* --escape: a letter, for Ctrl-LETTER. Not h, i, j, m or [ (Backspace,
 * Tab, Enter, Escape: a terminal sends those for other keys). 0 or -1. */
int term_parse_escape(const char *text, unsigned char *key);
/* "Ctrl-A" for 0x01; @buf of 8 bytes at least. */
const char *term_key_name(unsigned char key, char *buf, size_t len);
/* The commands, one "devdrv: " line each, lines ended with @nl. */
void term_help(FILE *f, unsigned char escape, const char *nl);

/* CR/LF maps, picocom's names. For one byte the ign* maps win over the
 * others, and crlf over crcrlf, lfcr over lfcrlf (picocom's order). */
enum {
	TERM_MAP_CRLF = 1 << 0,   /* CR becomes LF */
	TERM_MAP_CRCRLF = 1 << 1, /* CR becomes CR LF */
	TERM_MAP_IGNCR = 1 << 2,  /* CR is dropped */
	TERM_MAP_LFCR = 1 << 3,   /* LF becomes CR */
	TERM_MAP_LFCRLF = 1 << 4, /* LF becomes CR LF */
	TERM_MAP_IGNLF = 1 << 5,  /* LF is dropped */
};
/* "crlf,igncr" (comma-separated; "none" or "" for no map) into *map.
 * 0, or -1 with *bad pointing at the name not known. */
int term_parse_map(const char *text, unsigned *map, const char **bad);
/* "crlf,igncr", or "none". */
const char *term_map_name(unsigned map, char *buf, size_t len);
/* @n bytes of @in mapped into @out, which has room for 2 * @n; returns the
 * bytes written. */
size_t term_map(unsigned map, const unsigned char *in, size_t n, unsigned char *out);

/* "[HH:MM:SS.mmm] " in local time; @buf of TERM_STAMP_MAX bytes. */
#define TERM_STAMP_MAX 32
const char *term_stamp(const struct timespec *when, char *buf, size_t len);
/* Write @n bytes to @f with @stamp before each line's first byte; *mid_line
 * says whether the last byte written was inside a line (not '\n'), so a
 * line split over two calls gets one stamp. Returns 0, or -1 if @f failed. */
int term_write_stamped(FILE *f, int *mid_line, const unsigned char *p, size_t n, const char *stamp);

/* The next standard rate above (@up) or below @baud; 0 when there is none. */
uint32_t term_next_rate(uint32_t baud, int up);

/* "1-3 at 115384 baud (asked 115200), 8N1, flow none (ftdi)". */
const char *term_port_line(char *buf, size_t len, const char *sel, const char *driver,
                           const struct devdrv_serial_config *want, const struct devdrv_serial_config *actual);
/* "DTR RTS CTS DSR -DCD -RI", stty -a style (a '-' for a line that is off),
 * then the line events: "break", "framing-error", "parity-error", "overrun". */
const char *term_lines_text(unsigned lines, char *buf, size_t len);

#endif
