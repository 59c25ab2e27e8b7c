/* scsi.c — the SCSI layer of the mass-storage driver (see scsi.h): CDBs per
 * SPC-4 and SBC-3, parsers of the answers, sense data turned into codes and
 * messages, and the command sequences the block class needs. The transport
 * (Bulk-Only, msc.c) is a function pointer: this file never touches USB. */
#include "scsi.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Operation codes. */
#define OP_TEST_UNIT_READY 0x00
#define OP_REQUEST_SENSE 0x03
#define OP_INQUIRY 0x12
#define OP_MODE_SENSE6 0x1a
#define OP_READ_CAPACITY10 0x25
#define OP_READ10 0x28
#define OP_WRITE10 0x2a
#define OP_SYNC_CACHE10 0x35
#define OP_MODE_SENSE10 0x5a
#define OP_READ16 0x88
#define OP_WRITE16 0x8a
#define OP_SERVICE_ACTION_IN16 0x9e
#define SA_READ_CAPACITY16 0x10

#define ALL_PAGES 0x3f
#define MODE_DBD 0x08 /* no block descriptors: the header is all we read */
#define INTERNAL_TIMEOUT_MS 10000
#define SYNC_TIMEOUT_MS 60000 /* a full cache may take a while to reach flash */

/* ---- builders ------------------------------------------------------------------- */

static void cmd_init(struct dd_scsi_cmd *c, const char *name, uint8_t op, uint8_t cdb_len,
                     enum dd_scsi_dir dir, void *buf, uint32_t len)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->cdb[0] = op;
	c->cdb_len = cdb_len;
	c->dir = len ? dir : DD_SCSI_NONE;
	c->data = buf;
	c->len = len;
	c->timeout_ms = INTERNAL_TIMEOUT_MS;
}

void dd_scsi_inquiry_cmd(struct dd_scsi_cmd *c, void *buf, uint8_t alloc)
{
	cmd_init(c, "INQUIRY", OP_INQUIRY, 6, DD_SCSI_IN, buf, alloc);
	c->cdb[4] = alloc; /* byte 3 is the high byte since SPC-3, 0 here */
}

void dd_scsi_test_unit_ready_cmd(struct dd_scsi_cmd *c)
{
	cmd_init(c, "TEST UNIT READY", OP_TEST_UNIT_READY, 6, DD_SCSI_NONE, NULL, 0);
}

void dd_scsi_request_sense_cmd(struct dd_scsi_cmd *c, void *buf, uint8_t alloc)
{
	/* DESC = 0 asks for fixed format; the parser takes either */
	cmd_init(c, "REQUEST SENSE", OP_REQUEST_SENSE, 6, DD_SCSI_IN, buf, alloc);
	c->cdb[4] = alloc;
}

void dd_scsi_read_capacity10_cmd(struct dd_scsi_cmd *c, void *buf8)
{
	cmd_init(c, "READ CAPACITY(10)", OP_READ_CAPACITY10, 10, DD_SCSI_IN, buf8, 8);
}

void dd_scsi_read_capacity16_cmd(struct dd_scsi_cmd *c, void *buf, uint8_t alloc)
{
	cmd_init(c, "READ CAPACITY(16)", OP_SERVICE_ACTION_IN16, 16, DD_SCSI_IN, buf, alloc);
	c->cdb[1] = SA_READ_CAPACITY16;
	dd_scsi_put_be32(c->cdb + 10, alloc);
}

void dd_scsi_sync_cache_cmd(struct dd_scsi_cmd *c)
{
	/* LBA 0 and 0 blocks: the whole unit; IMMED = 0: answer when done */
	cmd_init(c, "SYNCHRONIZE CACHE(10)", OP_SYNC_CACHE10, 10, DD_SCSI_NONE, NULL, 0);
	c->timeout_ms = SYNC_TIMEOUT_MS;
}

void dd_scsi_mode_sense6_cmd(struct dd_scsi_cmd *c, void *buf, uint8_t alloc)
{
	cmd_init(c, "MODE SENSE(6)", OP_MODE_SENSE6, 6, DD_SCSI_IN, buf, alloc);
	c->cdb[1] = MODE_DBD;
	c->cdb[2] = ALL_PAGES; /* PC 0: current values */
	c->cdb[4] = alloc;
}

void dd_scsi_mode_sense10_cmd(struct dd_scsi_cmd *c, void *buf, uint16_t alloc)
{
	cmd_init(c, "MODE SENSE(10)", OP_MODE_SENSE10, 10, DD_SCSI_IN, buf, alloc);
	c->cdb[1] = MODE_DBD;
	c->cdb[2] = ALL_PAGES;
	dd_scsi_put_be16(c->cdb + 7, alloc);
}

int dd_scsi_rw_cmd(struct dd_scsi_cmd *c, int write, uint64_t lba, uint32_t blocks,
                   uint32_t block_size, void *buf)
{
	static const char *const names[2][2] = { { "READ(10)", "READ(16)" },
		                                 { "WRITE(10)", "WRITE(16)" } };
	uint64_t bytes = (uint64_t)blocks * block_size;
	int sixteen;

	/* no blocks, more than dCBWDataTransferLength counts, or past LBA 2^64 - 1 */
	if (!blocks || !block_size || bytes > 0xffffffffu || lba > UINT64_MAX - (blocks - 1))
		return DEVDRV_E_INVALID;
	sixteen = lba > 0xffffffffu - (blocks - 1) || blocks > 0xffff;
	cmd_init(c, names[!!write][sixteen], (uint8_t)(sixteen ? (write ? OP_WRITE16 : OP_READ16) : (write ? OP_WRITE10 : OP_READ10)),
	         sixteen ? 16 : 10, write ? DD_SCSI_OUT : DD_SCSI_IN, buf, (uint32_t)bytes);
	c->blocks = blocks;
	c->lba = lba;
	if (sixteen) {
		dd_scsi_put_be64(c->cdb + 2, lba);
		dd_scsi_put_be32(c->cdb + 10, blocks);
	} else {
		dd_scsi_put_be32(c->cdb + 2, (uint32_t)lba);
		dd_scsi_put_be16(c->cdb + 7, (uint16_t)blocks);
	}
	return 0;
}

/* The command for a message, in a local buffer named what. */
#define WHAT(c) dd_scsi_cmd_what((c), what, sizeof(what))

const char *dd_scsi_cmd_what(const struct dd_scsi_cmd *c, char *buf, size_t len)
{
	if (c->blocks)
		snprintf(buf, len, "%s of %u block%s at LBA %llu", c->name, c->blocks, c->blocks == 1 ? "" : "s",
		         (unsigned long long)c->lba);
	else
		snprintf(buf, len, "%s", c->name ? c->name : "command");
	return buf;
}

/* ---- parsers ------------------------------------------------------------------------ */

/* An INQUIRY string field: printable ASCII per SPC; NUL padding is taken as
 * blanks, anything else unprintable shows as '?'; trailing blanks go. */
static void copy_field(char *out, const uint8_t *buf, size_t avail, size_t off, size_t width)
{
	size_t n = avail > off ? avail - off : 0;

	if (n > width)
		n = width;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = buf[off + i];

		out[i] = ch == 0 ? ' ' : (ch < 0x20 || ch > 0x7e) ? '?' : (char)ch;
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = 0;
}

int dd_scsi_parse_inquiry(const uint8_t *buf, size_t len, struct dd_scsi_inquiry *out)
{
	size_t avail;

	memset(out, 0, sizeof(*out));
	if (len < 5)
		return DEVDRV_E_PROTOCOL;
	avail = 5 + (size_t)buf[4]; /* the additional length counts from byte 5 */
	if (avail > len)
		avail = len;
	out->qualifier = buf[0] >> 5;
	out->device_type = buf[0] & 0x1f;
	out->removable = (buf[1] & 0x80) != 0;
	out->version = buf[2];
	copy_field(out->vendor, buf, avail, 8, 8);
	copy_field(out->product, buf, avail, 16, 16);
	copy_field(out->revision, buf, avail, 32, 4);
	return 0;
}

int dd_scsi_type_is_block(uint8_t type)
{
	return type == DD_SCSI_TYPE_DISK || type == DD_SCSI_TYPE_CDROM || type == DD_SCSI_TYPE_OPTICAL ||
	       type == DD_SCSI_TYPE_RBC;
}

const char *dd_scsi_type_name(uint8_t type)
{
	switch (type) {
	case DD_SCSI_TYPE_DISK: return "disk";
	case 0x01: return "tape";
	case 0x02: return "printer";
	case 0x03: return "processor";
	case 0x04: return "write-once device";
	case DD_SCSI_TYPE_CDROM: return "CD/DVD";
	case 0x06: return "scanner";
	case DD_SCSI_TYPE_OPTICAL: return "optical memory";
	case 0x08: return "medium changer";
	case 0x0c: return "storage array controller";
	case 0x0d: return "enclosure";
	case DD_SCSI_TYPE_RBC: return "RBC disk";
	case 0x1f: return "unknown device";
	default: return "device";
	}
}

int dd_scsi_parse_capacity10(const uint8_t *buf, size_t len, struct dd_scsi_capacity *out)
{
	uint32_t last;

	memset(out, 0, sizeof(*out));
	if (len < 8)
		return DEVDRV_E_PROTOCOL;
	last = dd_scsi_be32(buf);
	out->block_size = dd_scsi_be32(buf + 4);
	if (last == 0xffffffffu)
		return DD_SCSI_NEED_16; /* SBC-3 5.16.2: the count does not fit */
	out->blocks = (uint64_t)last + 1;
	return 0;
}

int dd_scsi_parse_capacity16(const uint8_t *buf, size_t len, struct dd_scsi_capacity *out)
{
	uint64_t last;

	memset(out, 0, sizeof(*out));
	if (len < 12)
		return DEVDRV_E_PROTOCOL;
	last = dd_scsi_be64(buf);
	out->block_size = dd_scsi_be32(buf + 8);
	if (last == UINT64_MAX)
		return DEVDRV_E_PROTOCOL;
	out->blocks = last + 1;
	return 0;
}

int dd_scsi_check_capacity(const struct dd_scsi_capacity *cap, char *why, size_t why_len)
{
	uint32_t bs = cap->block_size;

	if (bs < DD_SCSI_MIN_BLOCK || bs > DD_SCSI_MAX_BLOCK || (bs & (bs - 1))) {
		snprintf(why, why_len, "block size %u is not a power of two from %u to %u", bs,
		         DD_SCSI_MIN_BLOCK, DD_SCSI_MAX_BLOCK);
		return DEVDRV_E_PROTOCOL;
	}
	if (cap->blocks > UINT64_MAX / bs) {
		snprintf(why, why_len, "%llu blocks of %u bytes are more bytes than 64 bits count",
		         (unsigned long long)cap->blocks, bs);
		return DEVDRV_E_PROTOCOL;
	}
	return 0;
}

/* Fixed format (SPC-4 4.5.3): key in byte 2, the additional length in byte
 * 7 bounds the rest, ASC and ASCQ in bytes 12 and 13, INFORMATION in 3-6. */
static int parse_fixed_sense(const uint8_t *buf, size_t len, struct dd_scsi_sense *s)
{
	size_t end = len;

	if (len < 3)
		return DEVDRV_E_PROTOCOL;
	s->key = buf[2] & 0x0f;
	if (len >= 8 && 8 + (size_t)buf[7] < end)
		end = 8 + (size_t)buf[7];
	if (end >= 13)
		s->asc = buf[12];
	if (end >= 14)
		s->ascq = buf[13];
	if ((buf[0] & 0x80) && len >= 7) {
		s->info_valid = 1;
		s->info = dd_scsi_be32(buf + 3);
	}
	return 0;
}

/* Descriptor format (SPC-4 4.5.2): key, ASC, ASCQ in bytes 1-3, then
 * descriptors of 2 + length bytes; type 0 is INFORMATION (12 bytes). */
static int parse_descriptor_sense(const uint8_t *buf, size_t len, struct dd_scsi_sense *s)
{
	size_t end, off = 8;

	if (len < 2)
		return DEVDRV_E_PROTOCOL;
	s->key = buf[1] & 0x0f;
	s->asc = len > 2 ? buf[2] : 0;
	s->ascq = len > 3 ? buf[3] : 0;
	if (len < 8)
		return 0;
	end = 8 + (size_t)buf[7] < len ? 8 + (size_t)buf[7] : len;
	while (off + 2 <= end) {
		size_t dlen = buf[off + 1];

		if (off + 2 + dlen > end)
			break; /* a descriptor cut short: ignore it */
		if (buf[off] == 0x00 && dlen >= 0x0a) {
			s->info_valid = (buf[off + 2] & 0x80) != 0;
			s->info = dd_scsi_be64(buf + off + 4);
		}
		off += 2 + dlen;
	}
	return 0;
}

int dd_scsi_parse_sense(const uint8_t *buf, size_t len, struct dd_scsi_sense *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 1)
		return DEVDRV_E_PROTOCOL;
	out->response_code = buf[0] & 0x7f;
	out->deferred = out->response_code == 0x71 || out->response_code == 0x73;
	switch (out->response_code) {
	case 0x70:
	case 0x71:
		return parse_fixed_sense(buf, len, out);
	case 0x72:
	case 0x73:
		return parse_descriptor_sense(buf, len, out);
	default:
		return DEVDRV_E_PROTOCOL;
	}
}

#define ANY 0x100 /* in the table: any ASC or ASCQ */

/* The additional sense codes a USB storage device commonly reports (SPC-4
 * annex D), with the code a caller gets; the first match wins. */
static const struct sense_text {
	uint8_t key;
	uint16_t asc, ascq;
	int code;
	const char *text;
} sense_texts[] = {
	{ 0x2, 0x04, 0x01, DEVDRV_E_BUSY, "becoming ready" },
	{ 0x2, 0x04, 0x02, DEVDRV_E_IO, "not ready, initializing command required" },
	{ 0x2, 0x04, 0x03, DEVDRV_E_IO, "not ready, manual intervention required" },
	{ 0x2, 0x04, ANY, DEVDRV_E_BUSY, "logical unit not ready" },
	{ 0x2, 0x3a, ANY, DEVDRV_E_IO, "medium not present" },
	{ 0x3, 0x0c, ANY, DEVDRV_E_IO, "write error" },
	{ 0x3, 0x11, ANY, DEVDRV_E_IO, "unrecovered read error" },
	{ 0x3, 0x14, ANY, DEVDRV_E_IO, "recorded entity not found" },
	{ 0x3, 0x31, ANY, DEVDRV_E_IO, "medium format corrupted" },
	{ 0x4, 0x44, ANY, DEVDRV_E_IO, "internal target failure" },
	{ 0x5, 0x1a, ANY, DEVDRV_E_INVALID, "parameter list length error" },
	{ 0x5, 0x20, 0x00, DEVDRV_E_UNSUPPORTED, "invalid command operation code" },
	{ 0x5, 0x21, 0x00, DEVDRV_E_INVALID, "LBA out of range" },
	{ 0x5, 0x24, 0x00, DEVDRV_E_UNSUPPORTED, "invalid field in CDB" },
	{ 0x5, 0x25, 0x00, DEVDRV_E_NOT_FOUND, "logical unit not supported" },
	{ 0x5, 0x26, ANY, DEVDRV_E_INVALID, "invalid field in parameter list" },
	{ 0x6, 0x28, ANY, DEVDRV_E_IO, "medium may have changed" },
	{ 0x6, 0x29, ANY, DEVDRV_E_IO, "power on, reset or bus device reset occurred" },
	{ 0x6, 0x2a, ANY, DEVDRV_E_IO, "parameters changed" },
	{ 0x7, 0x27, ANY, DEVDRV_E_UNSUPPORTED, "write protected" },
	{ 0xb, 0x47, ANY, DEVDRV_E_IO, "SCSI parity error" },
	{ 0xe, 0x1d, 0x00, DEVDRV_E_IO, "miscompare during verify" },
};

/* Each key's name and the code when no table entry says better. */
static const struct {
	const char *name;
	int code;
} sense_keys[16] = {
	{ "NO SENSE", DEVDRV_E_IO },        { "RECOVERED ERROR", 0 },
	{ "NOT READY", DEVDRV_E_IO },       { "MEDIUM ERROR", DEVDRV_E_IO },
	{ "HARDWARE ERROR", DEVDRV_E_IO },  { "ILLEGAL REQUEST", DEVDRV_E_INVALID },
	{ "UNIT ATTENTION", DEVDRV_E_IO },  { "DATA PROTECT", DEVDRV_E_UNSUPPORTED },
	{ "BLANK CHECK", DEVDRV_E_IO },     { "VENDOR SPECIFIC", DEVDRV_E_IO },
	{ "COPY ABORTED", DEVDRV_E_IO },    { "ABORTED COMMAND", DEVDRV_E_IO },
	{ "EQUAL", DEVDRV_E_IO },           { "VOLUME OVERFLOW", DEVDRV_E_IO },
	{ "MISCOMPARE", DEVDRV_E_IO },      { "COMPLETED", DEVDRV_E_IO },
};

static const struct sense_text *find_sense_text(const struct dd_scsi_sense *s)
{
	for (size_t i = 0; i < sizeof(sense_texts) / sizeof(sense_texts[0]); i++) {
		const struct sense_text *t = &sense_texts[i];

		if (t->key == s->key && (t->asc == ANY || t->asc == s->asc) && (t->ascq == ANY || t->ascq == s->ascq))
			return t;
	}
	return NULL;
}

int dd_scsi_sense_describe(const struct dd_scsi_sense *s, char *buf, size_t len)
{
	const struct sense_text *t = find_sense_text(s);
	unsigned key = s->key & 0x0f;

	if (key == 0 && !s->asc && !s->ascq) {
		snprintf(buf, len, "failed without saying why (sense 0/00/00)");
		return DEVDRV_E_IO;
	}
	snprintf(buf, len, "%s%s%s (sense %x/%02x/%02x)", sense_keys[key].name, t ? ", " : "",
	         t ? t->text : "", key, s->asc, s->ascq);
	return t ? t->code : sense_keys[key].code;
}

int dd_scsi_parse_mode_sense(const uint8_t *buf, size_t len, int ten, int *write_protected)
{
	/* the device-specific parameter: byte 2 of the (6) header, 3 of (10) */
	size_t at = ten ? 3 : 2;

	if (len <= at)
		return DEVDRV_E_PROTOCOL;
	*write_protected = (buf[at] & 0x80) != 0;
	return 0;
}

/* ---- command sequences ---------------------------------------------------------------- */

/* Replace the handle's message with @what's context in front of it. */
static int with_context(struct dd_scsi_lu *lu, const struct dd_scsi_cmd *c, int code)
{
	char detail[200], what[80];

	snprintf(detail, sizeof(detail), "%s", devdrv_errmsg(lu->h));
	return devdrv_handle_fail(lu->h, code, "LUN %u: %s: %s", lu->lun, WHAT(c), detail);
}

/* After a CHECK CONDITION: ask why, remember it, and say it. */
static int explain_check(struct dd_scsi_lu *lu, const struct dd_scsi_cmd *c)
{
	uint8_t buf[DD_SCSI_SENSE_LEN];
	struct dd_scsi_cmd rs;
	char text[120], what[80];
	int rc, code;

	dd_scsi_request_sense_cmd(&rs, buf, sizeof(buf));
	rc = lu->exec(lu->h, &rs);
	if (rc < 0) {
		snprintf(text, sizeof(text), "%s", devdrv_errmsg(lu->h));
		return devdrv_handle_fail(lu->h, rc, "LUN %u: %s failed; then REQUEST SENSE: %s", lu->lun,
		                          WHAT(c), text);
	}
	if (rc == DD_SCSI_CHECK)
		return devdrv_handle_fail(lu->h, DEVDRV_E_IO, "LUN %u: %s failed, and so did REQUEST SENSE",
		                          lu->lun, WHAT(c));
	if (dd_scsi_parse_sense(buf, rs.actual, &lu->sense) < 0)
		return devdrv_handle_fail(lu->h, DEVDRV_E_PROTOCOL,
		                          "LUN %u: %s failed; its sense data is malformed (%u bytes, "
		                          "response code 0x%02x)",
		                          lu->lun, WHAT(c), rs.actual, rs.actual ? buf[0] : 0);
	code = dd_scsi_sense_describe(&lu->sense, text, sizeof(text));
	if (lu->sense.key == DD_SENSE_UNIT_ATTENTION && (lu->sense.asc == 0x28 || lu->sense.asc == 0x29))
		lu->medium_changed = 1;
	return code == 0 ? 0 : devdrv_handle_fail(lu->h, code, "LUN %u: %s: %s", lu->lun, WHAT(c), text);
}

int dd_scsi_run(struct dd_scsi_lu *lu, struct dd_scsi_cmd *c)
{
	for (unsigned attempt = 0;; attempt++) {
		int rc;

		memset(&lu->sense, 0, sizeof(lu->sense));
		c->actual = 0;
		rc = lu->exec(lu->h, c);
		if (rc < 0)
			return with_context(lu, c, rc);
		if (rc == 0)
			return 0;
		rc = explain_check(lu, c);
		/* a UNIT ATTENTION is news about the unit, not about the command;
		 * but blocks checked against one medium never go to another: a
		 * READ or WRITE after "medium may have changed" fails (as Linux's sd
		 * does), and the next call reads the new capacity */
		if (lu->sense.key != DD_SENSE_UNIT_ATTENTION || attempt == DD_SCSI_UA_RETRIES ||
		    (c->blocks && lu->medium_changed))
			return rc;
	}
}

int dd_scsi_inquiry(struct dd_scsi_lu *lu, struct dd_scsi_inquiry *out)
{
	uint8_t buf[DD_SCSI_INQUIRY_LEN];
	struct dd_scsi_cmd c;
	int rc;

	dd_scsi_inquiry_cmd(&c, buf, sizeof(buf));
	if ((rc = dd_scsi_run(lu, &c)) < 0)
		return rc;
	if (dd_scsi_parse_inquiry(buf, c.actual, out) < 0)
		return devdrv_handle_fail(lu->h, DEVDRV_E_PROTOCOL, "LUN %u: INQUIRY: %u bytes, too few for "
		                          "a device type", lu->lun, c.actual);
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		;
}

int dd_scsi_wait_ready(struct dd_scsi_lu *lu)
{
	unsigned pause = 10, waited = 0;
	char detail[200];

	for (;;) {
		struct dd_scsi_cmd c;
		int rc;

		dd_scsi_test_unit_ready_cmd(&c);
		rc = dd_scsi_run(lu, &c);
		if (rc != DEVDRV_E_BUSY)
			return rc;
		if (waited >= DD_SCSI_READY_MS)
			break;
		sleep_ms(pause);
		waited += pause;
		pause = pause * 2 > 500 ? 500 : pause * 2; /* quick for a stick, patient for a disk */
	}
	snprintf(detail, sizeof(detail), "%s", devdrv_errmsg(lu->h));
	return devdrv_handle_fail(lu->h, DEVDRV_E_TIMEOUT, "%s; still not ready after %u ms", detail, waited);
}

static int capacity_failure(struct dd_scsi_lu *lu, const struct dd_scsi_cmd *c, const char *fmt, unsigned n)
{
	char why[96], what[80];

	snprintf(why, sizeof(why), fmt, n);
	return devdrv_handle_fail(lu->h, DEVDRV_E_PROTOCOL, "LUN %u: %s: %s", lu->lun, WHAT(c), why);
}

int dd_scsi_read_capacity(struct dd_scsi_lu *lu, struct dd_scsi_capacity *out)
{
	uint8_t buf[DD_SCSI_CAPACITY16_LEN];
	struct dd_scsi_cmd c;
	char why[96], what[80];
	int rc;

	dd_scsi_read_capacity10_cmd(&c, buf);
	if ((rc = dd_scsi_run(lu, &c)) < 0)
		return rc;
	rc = dd_scsi_parse_capacity10(buf, c.actual, out);
	if (rc < 0)
		return capacity_failure(lu, &c, "%u bytes, not 8", c.actual);
	if (rc == DD_SCSI_NEED_16) {
		dd_scsi_read_capacity16_cmd(&c, buf, sizeof(buf));
		if ((rc = dd_scsi_run(lu, &c)) < 0)
			return rc;
		if (dd_scsi_parse_capacity16(buf, c.actual, out) < 0)
			return capacity_failure(lu, &c, "%u bytes, or a last LBA of 2^64 - 1", c.actual);
	}
	if (dd_scsi_check_capacity(out, why, sizeof(why)) < 0)
		return devdrv_handle_fail(lu->h, DEVDRV_E_PROTOCOL, "LUN %u: %s: %s", lu->lun, WHAT(&c), why);
	return 0;
}

/* One MODE SENSE; 0 with *wp set, or < 0 if refused or malformed. */
static int mode_sense(struct dd_scsi_lu *lu, int ten, int *wp)
{
	uint8_t buf[DD_SCSI_MODE_SENSE_LEN];
	struct dd_scsi_cmd c;
	int rc;

	if (ten)
		dd_scsi_mode_sense10_cmd(&c, buf, sizeof(buf));
	else
		dd_scsi_mode_sense6_cmd(&c, buf, sizeof(buf));
	if ((rc = dd_scsi_run(lu, &c)) < 0)
		return rc;
	return dd_scsi_parse_mode_sense(buf, c.actual, ten, wp);
}

int dd_scsi_write_protected(struct dd_scsi_lu *lu, int *wp)
{
	int rc = DEVDRV_E_UNSUPPORTED;

	*wp = 0;
	if (!lu->no_mode_sense6) {
		if ((rc = mode_sense(lu, 0, wp)) == 0 || rc == DEVDRV_E_DISCONNECTED)
			return rc;
		lu->no_mode_sense6 = 1; /* many card readers know only (10) */
	}
	if ((rc = mode_sense(lu, 1, wp)) == 0 || rc == DEVDRV_E_DISCONNECTED)
		return rc;
	devdrv_dbg(lu->h,
	           "LUN %u: no MODE SENSE answer (%s): taking the medium as writable", lu->lun,
	           devdrv_errmsg(lu->h));
	*wp = 0;
	return 0;
}

int dd_scsi_rw(struct dd_scsi_lu *lu, int write, uint64_t lba, uint32_t blocks, uint32_t block_size,
               void *buf, unsigned timeout_ms)
{
	struct dd_scsi_cmd c;
	char what[80];
	int rc;

	if (dd_scsi_rw_cmd(&c, write, lba, blocks, block_size, buf) < 0)
		return devdrv_handle_fail(lu->h, DEVDRV_E_INVALID, "LUN %u: %u blocks of %u bytes do not fit "
		                          "one command", lu->lun, blocks, block_size);
	c.timeout_ms = timeout_ms;
	if ((rc = dd_scsi_run(lu, &c)) < 0)
		return rc;
	if (c.actual != c.len)
		return devdrv_handle_fail(lu->h, DEVDRV_E_IO, "LUN %u: %s: %u of %u bytes moved, yet the "
		                          "device reported success", lu->lun, WHAT(&c), c.actual, c.len);
	return 0;
}

int dd_scsi_sync_cache(struct dd_scsi_lu *lu)
{
	struct dd_scsi_cmd c;
	int rc;

	dd_scsi_sync_cache_cmd(&c);
	rc = dd_scsi_run(lu, &c);
	if (rc == DEVDRV_E_UNSUPPORTED && lu->sense.key == DD_SENSE_ILLEGAL_REQUEST && lu->sense.asc == 0x20)
		return 0; /* no such command: nothing is cached */
	return rc;
}

int dd_scsi_medium_absent(const struct dd_scsi_lu *lu)
{
	return lu->sense.key == DD_SENSE_NOT_READY && lu->sense.asc == 0x3a;
}
