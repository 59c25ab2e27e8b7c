/* json.c — a minimal streaming JSON writer for `devdrv ... --json`. Device
 * strings are untrusted: control characters are escaped and invalid UTF-8
 * becomes U+FFFD, so the output always parses. */
#include "cli.h"

#include <string.h>

void json_begin(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

static void write_escaped(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		size_t need = *p < 0x80 ? 1 : cli_utf8_len(p);

		if (need == 1) {
			if (*p == '"' || *p == '\\')
				fprintf(f, "\\%c", *p);
			else if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
			p++;
			continue;
		}
		if (!need) { /* overlong forms and surrogates too: parsers refuse them */
			fputs("\xef\xbf\xbd", f);
			p++;
			continue;
		}
		fwrite(p, 1, need, f);
		p += need;
	}
	fputc('"', f);
}

static void member(struct json *j, const char *key)
{
	if (j->depth > 0 && j->count[j->depth]++)
		fputc(',', j->f);
	if (key) {
		write_escaped(j->f, key);
		fputc(':', j->f);
	}
}

static void open_scope(struct json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth < 31)
		j->count[++j->depth] = 0;
}

static void close_scope(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_object(struct json *j, const char *key) { open_scope(j, key, '{'); }
void json_array(struct json *j, const char *key) { open_scope(j, key, '['); }
void json_end_object(struct json *j) { close_scope(j, '}'); }
void json_end_array(struct json *j) { close_scope(j, ']'); }

void json_string(struct json *j, const char *key, const char *value)
{
	member(j, key);
	if (value)
		write_escaped(j->f, value);
	else
		fputs("null", j->f);
}

void json_hex(struct json *j, const char *key, const unsigned char *buf, size_t len)
{
	member(j, key);
	fputc('"', j->f);
	for (size_t i = 0; i < len; i++)
		fprintf(j->f, "%02x", buf[i]);
	fputc('"', j->f);
}

void json_int(struct json *j, const char *key, long long value)
{
	member(j, key);
	fprintf(j->f, "%lld", value);
}

void json_double(struct json *j, const char *key, double value)
{
	member(j, key);
	fprintf(j->f, "%.10g", value);
}

void json_document(struct json *j, FILE *f)
{
	json_begin(j, f);
	json_object(j, NULL);
	json_int(j, "schema_version", CLI_JSON_SCHEMA);
}

void json_bool(struct json *j, const char *key, int value)
{
	member(j, key);
	fputs(value ? "true" : "false", j->f);
}
