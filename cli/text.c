/* text.c — the CLI's two parsers of untrusted text: hex bytes a user types,
 * and strings a device sends, made safe for a terminal. */
#include "cli.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int hex_value(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : isxdigit((unsigned char)c) ? tolower((unsigned char)c) - 'a' + 10 : -1;
}

static int is_separator(char c)
{
	return c == ' ' || c == ':' || c == '\t';
}

/* "0x" opening a group of digits, as C and datasheets write bytes: "0x01 0x02"
 * or "0x0102". Elsewhere an 'x' is no hex digit and stays an error. */
static int is_hex_prefix(const char *s, size_t i)
{
	return (i == 0 || is_separator(s[i - 1])) && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')
	    && hex_value(s[i + 2]) >= 0;
}

int cli_parse_hex(const char *s, unsigned char *out, size_t cap, size_t *len, size_t *bad_at)
{
	size_t n = 0, i = 0;

	while (s[i]) {
		int hi, lo;

		if (is_separator(s[i])) {
			i++;
			continue;
		}
		if (is_hex_prefix(s, i))
			i += 2;
		hi = hex_value(s[i]);
		lo = hi < 0 ? -1 : hex_value(s[i + 1]);
		/* a byte is exactly two digits: "0 12" is a mistake, not 01 12 */
		if (lo < 0 || n == cap) {
			/* blame a stray character itself, or the lone digit before a gap */
			*bad_at = lo < 0 && hi >= 0 && s[i + 1] && !is_separator(s[i + 1]) ? i + 1 : i;
			return n == cap && lo >= 0 ? CLI_HEX_TOO_LONG : CLI_HEX_BAD_DIGIT;
		}
		out[n++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	*len = n;
	return 0;
}

size_t cli_utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 && s[0] < 0xf0 ? 3
	         : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;

	for (size_t k = 1; k < n; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
		return 0; /* overlong, or a UTF-16 surrogate */
	if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0; /* overlong, or past U+10FFFF */
	return n;
}

/* Length of a UTF-8 sequence a terminal shows as text: valid, and not a C1
 * control (U+0080-U+009F, which 8-bit terminals take as ESC sequences). */
static size_t printable_utf8(const unsigned char *s)
{
	size_t n = cli_utf8_len(s);

	return n == 2 && s[0] == 0xc2 && s[1] < 0xa0 ? 0 : n;
}

const char *cli_escape(const char *text, char *buf, size_t size)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t out = 0;

	if (!size)
		return "";
	while (*s && out + 1 < size) {
		size_t n = *s >= 0x20 && *s < 0x7f ? 1 : *s >= 0x80 ? printable_utf8(s) : 0;

		if (n == 0) { /* a control character or a byte that is not text */
			if (out + 5 > size)
				break;
			snprintf(buf + out, 5, "\\x%02x", *s);
			out += 4;
			s++;
			continue;
		}
		if (out + n + 1 > size)
			break;
		memcpy(buf + out, s, n);
		out += n;
		s += n;
	}
	buf[out] = 0;
	return buf;
}
