/* fuzz-scsi.c — what a mass-storage device answers, through the driver's
 * pure parsers (lib/drivers/scsi.h): the Bulk-Only CSW and GET MAX LUN
 * (msc.c), sense data in both formats and what it is turned into, INQUIRY,
 * READ CAPACITY(10) and (16) with the capacity check, MODE SENSE(6) and
 * (10); and, the other way, the READ/WRITE command builder and the CBW.
 *
 * The first input byte picks the parser (its value mod 9); for the CSW its
 * upper bits pick the length asked for and whether the expected tag is the
 * one in the input (so that the checks past the tag are reached). The rest
 * is the data as it comes off the wire. */
#include "fuzz.h"
#include "scsi.h"

#include <string.h>

enum { CSW, SENSE, INQUIRY, CAPACITY10, CAPACITY16, MODE6, MODE10, MAX_LUN, RW_BUILDER, PARSERS };

static const uint32_t asked_lengths[8] = { 0, 1, 13, 36, 512, 65536, 0x7fffffff, 0xffffffff };

/* A NUL-terminated string of at most @max characters. */
static size_t bounded_strlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n <= max && s[n])
		n++;
	CHECK(n <= max);
	return n;
}

static void check_csw(uint8_t how, const uint8_t *d, size_t n)
{
	uint32_t asked = asked_lengths[(how >> 4) & 7];
	uint32_t tag = n >= 8 ? dd_get_le32(d + 4) : 0;
	struct dd_bot_csw csw;
	char why[120];
	int v;

	if (how & 0x80)
		tag ^= 1; /* a tag that does not match */
	v = dd_bot_check_csw(d, n, tag, asked, &csw, why, sizeof(why));
	CHECK(v >= DD_BOT_NOT_MEANINGFUL && v <= DD_BOT_PHASE_ERROR);
	bounded_strlen(why, sizeof(why) - 1);
	if (v < 0) {
		CHECK(why[0]);
		return;
	}
	CHECK(n == DD_BOT_CSW_LEN && csw.signature == DD_BOT_CSW_SIGNATURE && csw.tag == tag);
	CHECK(csw.status == v && (v == DD_BOT_PHASE_ERROR || csw.residue <= asked));
}

static void check_sense(const uint8_t *d, size_t n)
{
	struct dd_scsi_sense s;
	char text[120];
	int code;

	if (dd_scsi_parse_sense(d, n, &s) < 0)
		return;
	CHECK(n >= 2 && s.key <= 15 && s.response_code >= 0x70 && s.response_code <= 0x73);
	CHECK(s.deferred == (s.response_code == 0x71 || s.response_code == 0x73));
	if (s.response_code <= 0x71 && n < 13)
		CHECK(s.asc == 0 && s.ascq == 0); /* fixed format: they lie past the data */
	code = dd_scsi_sense_describe(&s, text, sizeof(text));
	CHECK(code <= 0 && code >= DEVDRV_E_CANCELLED);
	CHECK(bounded_strlen(text, sizeof(text) - 1) > 0);
	CHECK((code == 0) == (s.key == DD_SENSE_RECOVERED));
}

static void check_string(const char *s, size_t max)
{
	size_t n = bounded_strlen(s, max);

	for (size_t i = 0; i < n; i++)
		CHECK(s[i] >= 0x20 && s[i] <= 0x7e);
	CHECK(!n || s[n - 1] != ' ');
}

static void check_inquiry(const uint8_t *d, size_t n)
{
	struct dd_scsi_inquiry q;
	int rc = dd_scsi_parse_inquiry(d, n, &q);

	CHECK(rc == 0 || rc == DEVDRV_E_PROTOCOL);
	CHECK((rc == 0) == (n >= 5));
	if (rc < 0)
		return;
	CHECK(q.device_type <= 0x1f && q.qualifier <= 7 && (q.removable == 0 || q.removable == 1));
	check_string(q.vendor, 8);
	check_string(q.product, 16);
	check_string(q.revision, 4);
	CHECK(dd_scsi_type_name(q.device_type) != NULL);
	if (n < 9)
		CHECK(!q.vendor[0]);
}

static void check_capacity(const struct dd_scsi_capacity *cap)
{
	char why[96];
	uint32_t bs = cap->block_size;

	if (dd_scsi_check_capacity(cap, why, sizeof(why)) < 0) {
		CHECK(bounded_strlen(why, sizeof(why) - 1) > 0);
		return;
	}
	CHECK(bs >= DD_SCSI_MIN_BLOCK && bs <= DD_SCSI_MAX_BLOCK && !(bs & (bs - 1)));
	CHECK(cap->blocks >= 1 && cap->blocks <= UINT64_MAX / bs);
}

static void check_capacity10(const uint8_t *d, size_t n)
{
	struct dd_scsi_capacity cap;
	int rc = dd_scsi_parse_capacity10(d, n, &cap);

	CHECK(rc == 0 || rc == DD_SCSI_NEED_16 || rc == DEVDRV_E_PROTOCOL);
	CHECK((rc == DEVDRV_E_PROTOCOL) == (n < 8));
	if (rc == DD_SCSI_NEED_16)
		CHECK(dd_scsi_be32(d) == 0xffffffffu);
	if (rc != 0)
		return;
	CHECK(cap.blocks >= 1 && cap.blocks <= 0xffffffffu);
	check_capacity(&cap);
}

static void check_capacity16(const uint8_t *d, size_t n)
{
	struct dd_scsi_capacity cap;
	int rc = dd_scsi_parse_capacity16(d, n, &cap);

	CHECK(rc == 0 || rc == DEVDRV_E_PROTOCOL);
	if (n < 12)
		CHECK(rc == DEVDRV_E_PROTOCOL);
	if (rc == 0) {
		CHECK(cap.blocks >= 1);
		check_capacity(&cap);
	}
}

static void check_mode_sense(const uint8_t *d, size_t n, int ten)
{
	int wp = -1, rc = dd_scsi_parse_mode_sense(d, n, ten, &wp);

	CHECK((rc == 0) == (n > (ten ? 3u : 2u)));
	CHECK(rc < 0 ? wp == -1 : (wp == 0 || wp == 1));
}

/* READ/WRITE builder: the CDB says what was asked, and the CBW carries it. */
static void check_rw_builder(const uint8_t *d, size_t n)
{
	static const uint32_t sizes[4] = { 512, 2048, 4096, 65536 };
	uint8_t raw[13] = { 0 }, cbw[DD_BOT_CBW_LEN];
	struct dd_scsi_cmd c;
	uint64_t lba;
	uint32_t blocks, bs;
	int write;

	memcpy(raw, d, n < sizeof(raw) ? n : sizeof(raw));
	lba = (uint64_t)dd_get_le32(raw) << 32 | dd_get_le32(raw + 4);
	blocks = dd_get_le32(raw + 8);
	bs = sizes[raw[12] & 3];
	write = (raw[12] >> 2) & 1;
	if (dd_scsi_rw_cmd(&c, write, lba, blocks, bs, NULL) < 0) {
		CHECK(!blocks || (uint64_t)blocks * bs > 0xffffffffu || lba > UINT64_MAX - (blocks - 1));
		return;
	}
	CHECK(c.len == (uint64_t)blocks * bs && c.dir == (write ? DD_SCSI_OUT : DD_SCSI_IN));
	if (c.cdb_len == 10) {
		CHECK(dd_scsi_be32(c.cdb + 2) == lba && dd_scsi_be16(c.cdb + 7) == blocks);
		CHECK(c.cdb[0] == (write ? 0x2a : 0x28));
	} else {
		CHECK(c.cdb_len == 16 && dd_scsi_be64(c.cdb + 2) == lba && dd_scsi_be32(c.cdb + 10) == blocks);
		CHECK(c.cdb[0] == (write ? 0x8a : 0x88));
		CHECK(lba + blocks - 1 > 0xffffffffu || blocks > 0xffff); /* (10) when it fits */
	}
	dd_bot_build_cbw(cbw, 7, 3, &c);
	CHECK(dd_get_le32(cbw) == DD_BOT_CBW_SIGNATURE && dd_get_le32(cbw + 4) == 7);
	CHECK(dd_get_le32(cbw + 8) == c.len && cbw[12] == (write ? 0x00 : 0x80) && cbw[13] == 3);
	CHECK(cbw[14] == c.cdb_len && !memcmp(cbw + 15, c.cdb, c.cdb_len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *d = data + 1;
	size_t n = size ? size - 1 : 0;
	unsigned luns;

	if (!size)
		return 0;
	switch (data[0] % PARSERS) {
	case CSW: check_csw(data[0], d, n); break;
	case SENSE: check_sense(d, n); break;
	case INQUIRY: check_inquiry(d, n); break;
	case CAPACITY10: check_capacity10(d, n); break;
	case CAPACITY16: check_capacity16(d, n); break;
	case MODE6: check_mode_sense(d, n, 0); break;
	case MODE10: check_mode_sense(d, n, 1); break;
	case MAX_LUN:
		luns = dd_bot_luns(d, n);
		CHECK(luns >= 1 && luns <= DD_BOT_MAX_LUNS && (n == 0 || d[0] > 15 || luns == d[0] + 1u));
		break;
	default: check_rw_builder(d, n); break;
	}
	return 0;
}
