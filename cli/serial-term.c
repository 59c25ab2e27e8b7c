/* serial-term.c — what `devdrv serial` decides without a device or a
 * terminal (see serial-term.h): keys, maps, stamps, rates, status text. */
#include "serial-term.h"

#include <ctype.h>
#include <string.h>

enum term_cmd term_key(struct term_keys *k, unsigned char key)
{
	/* picocom's quit keys too (C-a C-q, C-a C-x), for its users' fingers */
	static const struct {
		unsigned char key;
		enum term_cmd cmd;
	} cmds[] = {
		{ 'b', TERM_BREAK },     { 'd', TERM_DTR },       { 'r', TERM_RTS },   { 'p', TERM_PULSE },
		{ 'u', TERM_BAUD_UP },   { 'U', TERM_BAUD_DOWN }, { 's', TERM_SHOW },  { 'e', TERM_ECHO },
		{ 't', TERM_STAMPS },    { 'h', TERM_HELP },      { '?', TERM_HELP },  { 'q', TERM_QUIT },
		{ 'x', TERM_QUIT },      { 0x11, TERM_QUIT },     { 0x18, TERM_QUIT },
	};

	if (!k->armed) {
		if (key == k->escape) {
			k->armed = 1;
			return TERM_ARMED;
		}
		return key == TERM_QUIT_KEY ? TERM_QUIT : TERM_DATA;
	}
	k->armed = 0;
	/* the only way to send either key: escape it */
	if (key == k->escape || key == TERM_QUIT_KEY)
		return TERM_DATA;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].key == key)
			return cmds[i].cmd;
	return TERM_UNKNOWN;
}

int term_parse_escape(const char *text, unsigned char *key)
{
	int c = (unsigned char)text[0];

	if (!isalpha(c) || text[1])
		return -1;
	c = tolower(c);
	if (strchr("hijm", c)) /* Backspace, Tab, Enter and Ctrl-J would stop working */
		return -1;
	*key = (unsigned char)(c & 0x1f);
	return 0;
}

const char *term_key_name(unsigned char key, char *buf, size_t len)
{
	if (key < 0x20)
		snprintf(buf, len, "Ctrl-%c", key + 0x40);
	else if (key < 0x7f)
		snprintf(buf, len, "%c", key);
	else
		snprintf(buf, len, "\\x%02x", key);
	return buf;
}

void term_help(FILE *f, unsigned char escape, const char *nl)
{
	char e[8];

	term_key_name(escape, e, sizeof(e));
	fprintf(f, "devdrv: %s then: b break (250 ms), d toggle DTR, r toggle RTS, p pulse DTR (100 ms),%s", e, nl);
	fprintf(f, "devdrv:   u / U baud rate up / down, s settings and lines, e local echo, t timestamps,%s", nl);
	fprintf(f, "devdrv:   h or ? this help, q or x quit, %s send %s, Ctrl-] send Ctrl-]%s", e, e, nl);
	fprintf(f, "devdrv: Ctrl-] alone quits%s", nl);
}

static const struct {
	const char *name;
	unsigned bit;
} maps[] = {
	{ "crlf", TERM_MAP_CRLF }, { "crcrlf", TERM_MAP_CRCRLF }, { "igncr", TERM_MAP_IGNCR },
	{ "lfcr", TERM_MAP_LFCR }, { "lfcrlf", TERM_MAP_LFCRLF }, { "ignlf", TERM_MAP_IGNLF },
};

/* The bit of the map named by the @len bytes at @name; 0 if none is. */
static unsigned map_bit(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if (strlen(maps[i].name) == len && !strncmp(maps[i].name, name, len))
			return maps[i].bit;
	return 0;
}

int term_parse_map(const char *text, unsigned *map, const char **bad)
{
	unsigned m = 0;

	if (!*text || !strcmp(text, "none")) {
		*map = 0;
		return 0;
	}
	for (const char *p = text;; p++) {
		size_t len = strcspn(p, ",");
		unsigned bit = map_bit(p, len);

		if (!bit) {
			*bad = p;
			return -1;
		}
		m |= bit;
		p += len;
		if (!*p)
			break;
	}
	*map = m;
	return 0;
}

const char *term_map_name(unsigned map, char *buf, size_t len)
{
	size_t used = 0;

	snprintf(buf, len, "none");
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		if (!(map & maps[i].bit) || used >= len)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "", maps[i].name);
	}
	return buf;
}

size_t term_map(unsigned map, const unsigned char *in, size_t n, unsigned char *out)
{
	unsigned char *o = out;

	for (size_t i = 0; i < n; i++) {
		unsigned char b = in[i];

		if (b == '\r' && (map & (TERM_MAP_IGNCR | TERM_MAP_CRLF | TERM_MAP_CRCRLF))) {
			if (map & TERM_MAP_IGNCR)
				continue;
			if (!(map & TERM_MAP_CRLF))
				*o++ = '\r';
			*o++ = '\n';
		} else if (b == '\n' && (map & (TERM_MAP_IGNLF | TERM_MAP_LFCR | TERM_MAP_LFCRLF))) {
			if (map & TERM_MAP_IGNLF)
				continue;
			*o++ = '\r';
			if (!(map & TERM_MAP_LFCR))
				*o++ = '\n';
		} else {
			*o++ = b;
		}
	}
	return (size_t)(o - out);
}

const char *term_stamp(const struct timespec *when, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&when->tv_sec, &tm);
	snprintf(buf, len, "[%02d:%02d:%02d.%03ld] ", tm.tm_hour, tm.tm_min, tm.tm_sec, when->tv_nsec / 1000000);
	return buf;
}

int term_write_stamped(FILE *f, int *mid_line, const unsigned char *p, size_t n, const char *stamp)
{
	while (n) {
		const unsigned char *nl = memchr(p, '\n', n);
		size_t seg = nl ? (size_t)(nl - p) + 1 : n;

		if (stamp && !*mid_line && fputs(stamp, f) == EOF)
			return -1;
		if (fwrite(p, 1, seg, f) != seg)
			return -1;
		*mid_line = p[seg - 1] != '\n';
		p += seg;
		n -= seg;
	}
	return 0;
}

uint32_t term_next_rate(uint32_t baud, int up)
{
	static const uint32_t rates[] = { 300,    600,    1200,   2400,   4800,    9600,    19200,   38400,  57600,
		                          115200, 230400, 460800, 921600, 1000000, 1500000, 2000000, 3000000 };
	size_t n = sizeof(rates) / sizeof(rates[0]);

	if (up) {
		for (size_t i = 0; i < n; i++)
			if (rates[i] > baud)
				return rates[i];
	} else {
		for (size_t i = n; i-- > 0;)
			if (rates[i] < baud)
				return rates[i];
	}
	return 0;
}

const char *term_port_line(char *buf, size_t len, const char *sel, const char *driver,
                           const struct devdrv_serial_config *want, const struct devdrv_serial_config *actual)
{
	static const char *const flows[] = { "none", "rtscts", "xonxoff" };
	char fmt[8], asked[32] = "";

	/* a chip rounds the rate: say so, or a 3 % error looks like noise */
	if (want->baud != actual->baud)
		snprintf(asked, sizeof(asked), " (asked %u)", want->baud);
	snprintf(buf, len, "%s at %u baud%s, %s, flow %s (%s)", sel, actual->baud, asked,
	         devdrv_serial_format_name(actual, fmt, sizeof(fmt)),
	         (unsigned)actual->flow < 3 ? flows[actual->flow] : "unknown", driver);
	return buf;
}

const char *term_lines_text(unsigned lines, char *buf, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
		int event; /* shown only when seen */
	} names[] = { { DEVDRV_SERIAL_DTR, "DTR", 0 },          { DEVDRV_SERIAL_RTS, "RTS", 0 },
		      { DEVDRV_SERIAL_CTS, "CTS", 0 },          { DEVDRV_SERIAL_DSR, "DSR", 0 },
		      { DEVDRV_SERIAL_DCD, "DCD", 0 },          { DEVDRV_SERIAL_RI, "RI", 0 },
		      { DEVDRV_SERIAL_BREAK, "break", 1 },      { DEVDRV_SERIAL_FRAMING, "framing-error", 1 },
		      { DEVDRV_SERIAL_PARITY, "parity-error", 1 }, { DEVDRV_SERIAL_OVERRUN, "overrun", 1 } };
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && used < len; i++) {
		int on = (lines & names[i].bit) != 0;

		if (names[i].event && !on)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s%s", used ? " " : "", on ? "" : "-", names[i].name);
	}
	return buf;
}
