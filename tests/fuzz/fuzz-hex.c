/* fuzz-hex.c — the CLI's two parsers of untrusted text: hex bytes a user
 * types (cli_parse_hex) and device strings made safe for a terminal
 * (cli_escape). The first input byte is the room the caller gives (output
 * bytes, escape buffer size); the rest is the text. */
#include "fuzz.h"
#include "cli.h"

#include <string.h>

/* Printable UTF-8, as cli_escape promises: no C0 or C1 control, no DEL, no
 * malformed, overlong or surrogate sequence. Written independently of
 * cli/text.c so the two can disagree. */
static int printable_utf8(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s++, n, cp;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			continue;
		}
		n = c >= 0xc0 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf8 ? 3 : 0;
		if (!n)
			return 0;
		cp = c & (0x3fu >> n);
		for (unsigned k = 0; k < n; k++, s++) {
			if ((*s & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (*s & 0x3f);
		}
		if (cp < (n == 1 ? 0x80u : n == 2 ? 0x800u : 0x10000u) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0)
			return 0;
	}
	return 1;
}

static int ascii_printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s >= 0x7f)
			return 0;
	return 1;
}

static void check_hex(const char *text, size_t cap)
{
	unsigned char *out = malloc(cap), *again; /* exactly @cap: ASan sees an overrun */
	size_t len = SIZE_MAX, len2 = SIZE_MAX, bad_at = SIZE_MAX;
	char *hex;
	int rc;

	if (!out && cap)
		return;
	rc = cli_parse_hex(text, out, cap, &len, &bad_at);
	if (rc < 0) {
		CHECK(rc == CLI_HEX_BAD_DIGIT || rc == CLI_HEX_TOO_LONG);
		CHECK(bad_at < strlen(text)); /* it points at a character of the text */
		free(out);
		return;
	}
	CHECK(rc == 0 && len <= cap);
	/* the bytes written back as plain hex parse to the same bytes */
	hex = malloc(2 * len + 1);
	again = malloc(len);
	if (hex && (again || !len)) {
		for (size_t i = 0; i < len; i++)
			snprintf(hex + 2 * i, 3, "%02x", out[i]);
		hex[2 * len] = 0;
		CHECK(cli_parse_hex(hex, again, len, &len2, &bad_at) == 0 && len2 == len);
		CHECK(!len || !memcmp(again, out, len));
	}
	free(hex);
	free(again);
	free(out);
}

static void check_escape(const char *text, size_t size)
{
	char *buf = malloc(size); /* exactly @size: ASan sees an overrun */
	const char *shown;
	size_t n;

	if (!buf && size)
		return;
	shown = cli_escape(text, buf, size);
	n = strlen(shown);
	CHECK(!size || (shown == buf && n < size));
	CHECK(printable_utf8((const unsigned char *)shown));
	/* printable ASCII needs no escape: unchanged, or cut to the room */
	if (ascii_printable(text))
		CHECK(n == (strlen(text) < size ? strlen(text) : size ? size - 1 : 0) && !memcmp(shown, text, n));
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t room = size ? data[0] : 0;
	char *text = fuzz_strdup(data + !!size, size - !!size);

	if (!text)
		return 0;
	check_hex(text, room);
	check_escape(text, room);
	check_escape(text, CLI_ESCAPED_MAX);
	free(text);
	return 0;
}
