/* stick.c — virtual USB mass storage: "stick", a high-speed Bulk-Only
 * device (interface 08/06/50, bulk IN 0x81 and OUT 0x02 of 512 bytes) with
 * two logical units, and variants that break the protocol on purpose.
 *
 * IDs: vendor 1209 (pid.codes), product 000a, one of pid.codes' test PIDs
 * (no other model of this tree uses it).
 *
 *   LUN 0  "Virtual Stick"     8 MiB: 16384 blocks of 512 bytes, writable
 *   LUN 1  "Virtual Stick WP"  1 MiB: 256 blocks of 4096 bytes, write
 *          protected, and, as some card readers, answering MODE SENSE(10)
 *          only
 *
 * A block never written holds: bytes 0-7 its LBA (little-endian), bytes
 * 8-15 "devdrv-0" / "devdrv-1" (the unit), and from byte 16 on the byte
 * (uint8_t)(lba * 31 + offset * 7 + lun * 0x5a): the same bytes every run.
 *
 * The device side is written from the specifications (BOT 1.0, SPC-4,
 * SBC-3), not from the host's code: the 13 cases of BOT 6.7 (a data stage
 * shorter than the host's is ended with a STALL when it ends on a packet
 * boundary; a direction or length the command cannot have is a phase
 * error), an invalid CBW halts both pipes until the Bulk-Only reset, GET
 * MAX LUN, and per unit: a UNIT ATTENTION (power on) for the first command
 * other than INQUIRY and REQUEST SENSE, "becoming ready" once on LUN 0, and
 * sense data (fixed or descriptor format) for every failure: ILLEGAL
 * REQUEST / LBA OUT OF RANGE (5/21/00) past the end, DATA PROTECT / WRITE
 * PROTECTED (7/27/00) on LUN 1, INVALID COMMAND OPERATION CODE (5/20/00).
 * Like bridges with that limit, it refuses a READ or WRITE of more than
 * 64 KiB (INVALID FIELD IN CDB, 5/24/00): a host must split large transfers.
 *
 * The virtual bus answers CLEAR_FEATURE(ENDPOINT_HALT) itself, unseen by a
 * model, so a STALL here lasts one transfer rather than until the clear.
 *
 * Memory: the state is one calloc holding both units' blocks; a block's
 * bytes are stored only once it is written (a bitmap says which), so its
 * pages stay untouched, and unbacked, until then: a fresh stick costs a
 * few KiB of real memory. (The model interface has no destructor, which a
 * heap-allocated sparse map would need.)
 *
 * Variants, for the hostile-device tests: the same stick, except that
 *   "stick-bad-signature"  the CSW of a READ has signature "USBT"
 *   "stick-bad-tag"        the CSW of a READ carries the tag plus one
 *   "stick-big-residue"    the CSW of a READ reports 512 bytes more residue
 *                          than the command asked for
 *   "stick-phase-error"    the CSW of a READ says phase error (status 2)
 *   "stick-stall-csw"      the first try to read the CSW of a READ stalls
 *   "stick-zlp-csw"        a zero-length packet comes before the CSW of a READ
 *   "stick-zero-block"     READ CAPACITY reports a block size of 0
 *   "stick-huge"           LUN 0 claims 2^33 blocks (4 TiB: READ CAPACITY(10)
 *                          says 0xffffffff); blocks past the first 16384
 *                          read as the pattern and fail to write (3/0c/00)
 *   "stick-fake-capacity"  LUN 0 claims twice the blocks it has; past them
 *                          it answers LBA OUT OF RANGE, as fake sticks do
 *   "stick-no-medium"      a card reader without a card: every command but
 *                          INQUIRY and REQUEST SENSE answers NOT READY /
 *                          MEDIUM NOT PRESENT (2/3a/00)
 */
#include "vmodel.h"

#include <string.h>

#define LUNS 2
#define LUN0_BLOCKS 16384u
#define LUN0_BLOCK 512u
#define LUN1_BLOCKS 256u
#define LUN1_BLOCK 4096u
#define HUGE_BLOCKS (1ull << 33)
#define PACKET 512u /* bulk max packet at high speed */
#define MAX_COMMAND_BYTES 65536u
#define REPLY_MAX 256u

#define CBW_SIGNATURE 0x43425355u /* "USBC", BOT 5.1 */
#define CSW_SIGNATURE 0x53425355u /* "USBS", BOT 5.2 */
#define CSW_BAD_SIGNATURE 0x54425355u /* "USBT" */

enum quirk {
	Q_NONE = 0,
	Q_BAD_SIGNATURE,
	Q_BAD_TAG,
	Q_BIG_RESIDUE,
	Q_PHASE_ERROR,
	Q_STALL_CSW,
	Q_ZLP_CSW,
	Q_ZERO_BLOCK,
	Q_HUGE,
	Q_FAKE_CAPACITY,
	Q_NO_MEDIUM,
};

enum phase { EXPECT_CBW = 0, DATA_IN, DATA_OUT, SEND_CSW, HALTED };
enum source { FROM_REPLY = 0, FROM_UNIT };

struct unit {
	uint32_t blocks, block_size;
	int write_protected, mode_sense6;
	const char *product;
};

static const struct unit units[LUNS] = {
	{ LUN0_BLOCKS, LUN0_BLOCK, 0, 1, "Virtual Stick" },
	{ LUN1_BLOCKS, LUN1_BLOCK, 1, 0, "Virtual Stick WP" },
};

struct unit_state {
	uint8_t key, asc, ascq; /* sense data REQUEST SENSE reports next */
	int info_valid;
	uint32_t info;
	int ua_reported;    /* the power-on UNIT ATTENTION was given */
	int ready_reported; /* LUN 0 was "becoming ready" once */
};

struct stick {
	enum quirk quirk;
	enum phase phase;
	/* the command in progress */
	uint32_t tag, expected; /* dCBWDataTransferLength */
	int host_in;
	uint8_t lun, op, status;
	uint32_t dev_len;       /* bytes the command means to move */
	int dev_in;             /* ... in this direction */
	uint32_t stage_len;     /* bytes the data stage moves */
	uint32_t moved;
	int stall_after;        /* end the data stage with a STALL */
	int csw_delayed;        /* Q_STALL_CSW, Q_ZLP_CSW: done for this CSW */
	enum source source;
	uint8_t reply[REPLY_MAX];
	uint64_t lba;           /* READ/WRITE */
	struct unit_state us[LUNS];
	uint8_t written0[LUN0_BLOCKS / 8], written1[LUN1_BLOCKS / 8];
	uint8_t store0[LUN0_BLOCKS * LUN0_BLOCK], store1[LUN1_BLOCKS * LUN1_BLOCK];
};

static const uint8_t stick_device_desc[18] = {
	18, 1, 0x00, 0x02, 0x00, 0x00, 0x00, 64, 0x09, 0x12, 0x0a, 0x00, 0x00, 0x01, 1, 2, 3, 1,
};

static const uint8_t stick_config_desc[32] = {
	9, 2, 32, 0, 1, 1, 0, 0x80, 50,          /* configuration 1, 100 mA */
	9, 4, 0, 0, 2, 0x08, 0x06, 0x50, 0,      /* interface 0: mass storage, SCSI, Bulk-Only */
	7, 5, 0x81, 0x02, 0x00, 0x02, 0,         /* bulk IN 0x81, 512 bytes */
	7, 5, 0x02, 0x02, 0x00, 0x02, 0,         /* bulk OUT 0x02, 512 bytes */
};

/* ---- bytes --------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

/* ---- the units' blocks ------------------------------------------------------------- */

static uint64_t claimed_blocks(const struct stick *s, unsigned lun)
{
	if (lun == 0 && s->quirk == Q_HUGE)
		return HUGE_BLOCKS;
	if (lun == 0 && s->quirk == Q_FAKE_CAPACITY)
		return 2ull * LUN0_BLOCKS;
	return units[lun].blocks;
}

/* What reads and writes really reach. */
static uint64_t real_blocks(const struct stick *s, unsigned lun)
{
	return s->quirk == Q_FAKE_CAPACITY ? units[lun].blocks : claimed_blocks(s, lun);
}

static uint8_t *backing(struct stick *s, unsigned lun, uint64_t lba)
{
	return lun == 0 ? s->store0 + lba * LUN0_BLOCK : s->store1 + lba * LUN1_BLOCK;
}

static uint8_t *written_map(struct stick *s, unsigned lun)
{
	return lun == 0 ? s->written0 : s->written1;
}

static int is_written(struct stick *s, unsigned lun, uint64_t lba)
{
	return lba < units[lun].blocks && (written_map(s, lun)[lba / 8] >> (lba % 8) & 1);
}

/* Bytes [off, off + n) of block @lba as it is before anything is written. */
static void pattern(uint8_t *out, unsigned lun, uint64_t lba, uint32_t off, uint32_t n)
{
	static const char tag[] = "devdrv-";

	for (uint32_t i = 0; i < n; i++) {
		uint32_t at = off + i;

		if (at < 8)
			out[i] = (uint8_t)(lba >> (8 * at));
		else if (at < 15)
			out[i] = (uint8_t)tag[at - 8];
		else if (at == 15)
			out[i] = (uint8_t)('0' + lun);
		else
			out[i] = (uint8_t)(lba * 31 + at * 7 + lun * 0x5a);
	}
}

/* @n bytes of the command's blocks from byte @pos of its range. */
static void read_blocks(struct stick *s, uint8_t *dst, uint32_t pos, uint32_t n)
{
	uint32_t bs = units[s->lun].block_size;

	while (n) {
		uint64_t lba = s->lba + pos / bs;
		uint32_t off = pos % bs, chunk = bs - off < n ? bs - off : n;

		if (is_written(s, s->lun, lba))
			memcpy(dst, backing(s, s->lun, lba) + off, chunk);
		else
			pattern(dst, s->lun, lba, off, chunk);
		dst += chunk, pos += chunk, n -= chunk;
	}
}

static void write_blocks(struct stick *s, const uint8_t *src, uint32_t pos, uint32_t n)
{
	uint32_t bs = units[s->lun].block_size;

	while (n) {
		uint64_t lba = s->lba + pos / bs;
		uint32_t off = pos % bs, chunk = bs - off < n ? bs - off : n;
		uint8_t *blk = backing(s, s->lun, lba);

		if (!is_written(s, s->lun, lba)) { /* a block is stored whole from its first write on */
			pattern(blk, s->lun, lba, 0, bs);
			written_map(s, s->lun)[lba / 8] |= (uint8_t)(1u << (lba % 8));
		}
		memcpy(blk + off, src, chunk);
		src += chunk, pos += chunk, n -= chunk;
	}
}

/* ---- SCSI ------------------------------------------------------------------------------ */

static void check_condition(struct stick *s, uint8_t key, uint8_t asc, uint8_t ascq)
{
	struct unit_state *u = &s->us[s->lun];

	s->status = 1;
	u->key = key, u->asc = asc, u->ascq = ascq;
	u->info_valid = 0;
}

static void reply(struct stick *s, const uint8_t *data, uint32_t len, uint32_t alloc)
{
	s->dev_len = len < alloc ? len : alloc;
	s->dev_in = 1;
	s->source = FROM_REPLY;
	memcpy(s->reply, data, s->dev_len);
}

static void pad(char *dst, const char *src, size_t width)
{
	size_t n = strlen(src);

	memset(dst, ' ', width);
	memcpy(dst, src, n < width ? n : width);
}

static void inquiry(struct stick *s, const uint8_t *cdb)
{
	uint8_t r[36] = { 0x00, 0x80, 0x06, 0x02, 31 }; /* disk, removable, SPC-4, format 2 */

	if (cdb[1] & 0x01) { /* no vital product data pages */
		check_condition(s, 0x05, 0x24, 0x00);
		return;
	}
	pad((char *)r + 8, "devdrv", 8);
	pad((char *)r + 16, units[s->lun].product, 16);
	pad((char *)r + 32, "1.00", 4);
	reply(s, r, sizeof(r), (uint32_t)(cdb[3] << 8 | cdb[4]));
}

/* The pending sense, in the format asked for (DESC bit), then cleared. */
static void request_sense(struct stick *s, const uint8_t *cdb)
{
	struct unit_state *u = &s->us[s->lun];
	uint8_t r[18] = { 0 };
	uint32_t len;

	if (cdb[1] & 0x01) {
		r[0] = 0x72, r[1] = u->key, r[2] = u->asc, r[3] = u->ascq;
		len = 8;
	} else {
		r[0] = (uint8_t)(0x70 | (u->info_valid ? 0x80 : 0));
		r[2] = u->key;
		r[3] = (uint8_t)(u->info >> 24), r[4] = (uint8_t)(u->info >> 16);
		r[5] = (uint8_t)(u->info >> 8), r[6] = (uint8_t)u->info;
		r[7] = 10;
		r[12] = u->asc, r[13] = u->ascq;
		len = 18;
	}
	u->key = u->asc = u->ascq = 0;
	u->info_valid = 0;
	u->info = 0;
	reply(s, r, len, cdb[4]);
}

static void test_unit_ready(struct stick *s)
{
	if (s->lun == 0 && !s->us[0].ready_reported) {
		s->us[0].ready_reported = 1;
		check_condition(s, 0x02, 0x04, 0x01); /* becoming ready */
	}
}

static void read_capacity(struct stick *s, const uint8_t *cdb, int sixteen)
{
	uint64_t last = claimed_blocks(s, s->lun) - 1;
	uint32_t bs = s->quirk == Q_ZERO_BLOCK ? 0 : units[s->lun].block_size;
	uint8_t r[32] = { 0 };

	if (!sixteen) {
		put_be32(r, last > 0xffffffffu ? 0xffffffffu : (uint32_t)last);
		put_be32(r + 4, bs);
		reply(s, r, 8, 8);
		return;
	}
	put_be32(r, (uint32_t)(last >> 32));
	put_be32(r + 4, (uint32_t)last);
	put_be32(r + 8, bs);
	reply(s, r, sizeof(r), be32(cdb + 10));
}

/* MODE SENSE header (no block descriptors) and the caching page (08h). */
static void mode_sense(struct stick *s, const uint8_t *cdb, int ten)
{
	static const uint8_t caching[20] = { 0x08, 0x12, 0x04 }; /* WCE: a write cache */
	uint8_t r[8 + sizeof(caching)] = { 0 };
	uint32_t head = ten ? 8 : 4, len = head, page = cdb[2] & 0x3f;
	uint8_t wp = units[s->lun].write_protected ? 0x80 : 0;

	if (!ten && !units[s->lun].mode_sense6) {
		check_condition(s, 0x05, 0x20, 0x00);
		return;
	}
	if (page != 0x3f && page != 0x08 && page != 0x00) {
		check_condition(s, 0x05, 0x24, 0x00);
		return;
	}
	if (page != 0x00) {
		memcpy(r + head, caching, sizeof(caching));
		len += sizeof(caching);
	}
	if (ten) {
		r[1] = (uint8_t)(len - 2), r[3] = wp;
	} else {
		r[0] = (uint8_t)(len - 1), r[2] = wp;
	}
	reply(s, r, len, ten ? (uint32_t)(cdb[7] << 8 | cdb[8]) : cdb[4]);
}

static void out_of_range(struct stick *s, uint64_t lba)
{
	check_condition(s, 0x05, 0x21, 0x00);
	s->us[s->lun].info_valid = lba <= 0xffffffffu;
	s->us[s->lun].info = (uint32_t)lba;
}

static void read_write(struct stick *s, const uint8_t *cdb, int sixteen, int write)
{
	uint64_t lba = sixteen ? (uint64_t)be32(cdb + 2) << 32 | be32(cdb + 6) : be32(cdb + 2);
	uint32_t count = sixteen ? be32(cdb + 10) : (uint32_t)(cdb[7] << 8 | cdb[8]);
	uint64_t bytes = (uint64_t)count * units[s->lun].block_size;
	uint64_t claimed = claimed_blocks(s, s->lun), real = real_blocks(s, s->lun);

	if (lba > claimed || count > claimed - lba)
		out_of_range(s, lba); /* past the end it reports */
	else if (lba + count > real)
		out_of_range(s, lba > real ? lba : real); /* past the end it has */
	else if (bytes > MAX_COMMAND_BYTES)
		check_condition(s, 0x05, 0x24, 0x00);
	else if (write && units[s->lun].write_protected)
		check_condition(s, 0x07, 0x27, 0x00);
	else if (write && count && lba + count > units[s->lun].blocks)
		check_condition(s, 0x03, 0x0c, 0x00); /* stick-huge: nothing stores it */
	if (s->status)
		return;
	s->lba = lba;
	s->dev_len = (uint32_t)bytes;
	s->dev_in = !write;
	s->source = FROM_UNIT;
}

/* SPC-4: the power-on UNIT ATTENTION goes to the first command other than
 * INQUIRY and REQUEST SENSE. */
static int unit_attention(struct stick *s)
{
	if (s->op == 0x12 || s->op == 0x03 || s->us[s->lun].ua_reported)
		return 0;
	s->us[s->lun].ua_reported = 1;
	check_condition(s, 0x06, 0x29, 0x00);
	return 1;
}

static void execute(struct stick *s, const uint8_t *cdb)
{
	if (unit_attention(s))
		return;
	if (s->quirk == Q_NO_MEDIUM && s->op != 0x12 && s->op != 0x03) {
		check_condition(s, 0x02, 0x3a, 0x00);
		return;
	}
	switch (s->op) {
	case 0x00: test_unit_ready(s); break;
	case 0x03: request_sense(s, cdb); break;
	case 0x12: inquiry(s, cdb); break;
	case 0x1a: mode_sense(s, cdb, 0); break;
	case 0x5a: mode_sense(s, cdb, 1); break;
	case 0x25: read_capacity(s, cdb, 0); break;
	case 0x9e:
		if ((cdb[1] & 0x1f) == 0x10)
			read_capacity(s, cdb, 1);
		else
			check_condition(s, 0x05, 0x24, 0x00);
		break;
	case 0x28: read_write(s, cdb, 0, 0); break;
	case 0x88: read_write(s, cdb, 1, 0); break;
	case 0x2a: read_write(s, cdb, 0, 1); break;
	case 0x8a: read_write(s, cdb, 1, 1); break;
	case 0x1b: /* START STOP UNIT */
	case 0x1e: /* PREVENT ALLOW MEDIUM REMOVAL */
	case 0x35: /* SYNCHRONIZE CACHE(10): the store is the medium */
		break;
	default: check_condition(s, 0x05, 0x20, 0x00); break;
	}
}

/* ---- Bulk-Only ----------------------------------------------------------------------------- */

static void phase_error(struct stick *s)
{
	s->status = 2;
}

/* BOT 6.7: the thirteen cases, from what the host expects (@expected
 * bytes, host_in) and what the command means to move (dev_len, dev_in). */
static void plan_data_stage(struct stick *s)
{
	uint32_t h = s->expected, d = s->dev_len;

	s->stage_len = d < h ? d : h;
	s->stall_after = 0;
	if (!h) {
		if (d)
			phase_error(s); /* cases 2, 3 */
		s->phase = SEND_CSW;
		return;
	}
	if (d && s->dev_in != s->host_in) {
		phase_error(s); /* cases 8, 10: nothing moves, the pipe stalls */
		s->stage_len = 0;
	} else if (d > h) {
		phase_error(s); /* cases 7, 13: the host's share moves */
	}
	/* cases 4, 5, 9, 11: the device stops short; a short packet says so,
	 * else (nothing, or whole packets) a STALL */
	if (s->stage_len < h && (s->stage_len % PACKET == 0 || !s->host_in))
		s->stall_after = 1;
	s->phase = s->host_in ? DATA_IN : DATA_OUT;
}

static int is_read(const struct stick *s)
{
	return s->op == 0x28 || s->op == 0x88;
}

/* BOT 6.2.1: valid (31 bytes, signature) and meaningful (LUN, CB length). */
static int cbw_ok(const struct devdrv_transfer *t)
{
	const uint8_t *b = t->buffer;

	return t->length == 31 && le32(b) == CBW_SIGNATURE && b[13] < LUNS && b[14] >= 1 && b[14] <= 16;
}

static int take_cbw(struct stick *s, struct devdrv_transfer *t)
{
	const uint8_t *b = t->buffer;

	t->actual_length = t->length;
	if (!cbw_ok(t)) {
		s->phase = HALTED; /* BOT 6.6.1: both pipes stall until the reset recovery */
		return 1;
	}
	s->tag = le32(b + 4);
	s->expected = le32(b + 8);
	s->host_in = (b[12] & 0x80) != 0;
	s->lun = b[13];
	s->op = b[15];
	s->status = 0;
	s->dev_len = s->moved = 0;
	s->source = FROM_REPLY;
	s->csw_delayed = 0;
	execute(s, b + 15);
	plan_data_stage(s);
	return 1;
}

/* End of a data stage: the STALL meets the host's next transfer when this
 * one was filled exactly, else it ends this one. */
static int end_data_stage(struct stick *s, size_t n, size_t room)
{
	if (!s->stall_after) {
		s->phase = SEND_CSW;
		return 1;
	}
	if (n && n == room)
		return 1;
	s->phase = SEND_CSW;
	return DEVDRV_E_PIPE;
}

static int data_in(struct stick *s, struct devdrv_transfer *t)
{
	size_t room = t->length - t->actual_length, left = s->stage_len - s->moved;
	size_t n = left < room ? left : room;

	if (n && s->source == FROM_UNIT)
		read_blocks(s, t->buffer + t->actual_length, s->moved, (uint32_t)n);
	else if (n)
		memcpy(t->buffer + t->actual_length, s->reply + s->moved, n);
	t->actual_length += n;
	s->moved += (uint32_t)n;
	return s->moved < s->stage_len ? 1 : end_data_stage(s, n, room);
}

static int data_out(struct stick *s, struct devdrv_transfer *t)
{
	size_t room = t->length - t->actual_length, left = s->stage_len - s->moved;
	size_t n = left < room ? left : room;

	if (n && s->source == FROM_UNIT && !s->dev_in)
		write_blocks(s, t->buffer + t->actual_length, s->moved, (uint32_t)n);
	t->actual_length += n;
	s->moved += (uint32_t)n;
	return s->moved < s->stage_len ? 1 : end_data_stage(s, n, room);
}

static int send_csw(struct stick *s, struct devdrv_transfer *t)
{
	int quirky = is_read(s);
	uint32_t residue = s->expected - s->moved;

	if (t->length < 13)
		return DEVDRV_E_OVERFLOW; /* 13 bytes into a smaller buffer: babble */
	if (quirky && (s->quirk == Q_STALL_CSW || s->quirk == Q_ZLP_CSW) && !s->csw_delayed) {
		s->csw_delayed = 1;
		return s->quirk == Q_STALL_CSW ? DEVDRV_E_PIPE : 1; /* 1: nothing moved, a ZLP */
	}
	put_le32(t->buffer, quirky && s->quirk == Q_BAD_SIGNATURE ? CSW_BAD_SIGNATURE : CSW_SIGNATURE);
	put_le32(t->buffer + 4, quirky && s->quirk == Q_BAD_TAG ? s->tag + 1 : s->tag);
	put_le32(t->buffer + 8, quirky && s->quirk == Q_BIG_RESIDUE ? s->expected + 512 : residue);
	t->buffer[12] = quirky && s->quirk == Q_PHASE_ERROR ? 2 : s->status;
	t->actual_length = 13;
	s->phase = EXPECT_CBW;
	return 1;
}

static int stick_service(struct stick *s, struct devdrv_transfer *t)
{
	if (s->phase == HALTED)
		return DEVDRV_E_PIPE;
	if (t->endpoint & 0x80) {
		if (s->phase == DATA_IN)
			return data_in(s, t);
		return s->phase == SEND_CSW ? send_csw(s, t) : 0; /* nothing to send: NAK */
	}
	if (s->phase == EXPECT_CBW)
		return take_cbw(s, t);
	return s->phase == DATA_OUT ? data_out(s, t) : 0; /* not ready for more: NAK */
}

/* Class requests (BOT 3.1, 3.2). */
static int stick_control(struct stick *s, struct devdrv_transfer *t)
{
	if (t->setup.request_type == 0xa1 && t->setup.request == 0xfe && t->setup.value == 0 &&
	    t->setup.index == 0 && t->length == 1) {
		t->buffer[0] = LUNS - 1; /* GET MAX LUN */
		return 1;
	}
	if (t->setup.request_type == 0x21 && t->setup.request == 0xff && t->setup.value == 0 &&
	    t->setup.index == 0 && t->length == 0) {
		s->phase = EXPECT_CBW; /* Bulk-Only Mass Storage Reset: ready for a CBW */
		return 0;
	}
	return DEVDRV_E_PIPE;
}

static struct stick *stick_of(struct devdrv_vdev *d, enum quirk q)
{
	struct stick *s = devdrv_vdev_state(d);

	s->quirk = q;
	return s;
}

/* One model per variant: the same descriptors, its own quirk and name. */
#define STICK_MODEL(var, model_name, product, q)                                                   \
	static int var##_service(struct devdrv_vdev *d, struct devdrv_transfer *t)                       \
	{                                                                                            \
		return stick_service(stick_of(d, q), t);                                             \
	}                                                                                            \
	static int var##_control(struct devdrv_vdev *d, struct devdrv_transfer *t)                       \
	{                                                                                            \
		return stick_control(stick_of(d, q), t);                                             \
	}                                                                                            \
	static const char *const var##_strings[] = { NULL, "libdevdrv", product, "STICK0001" };      \
	static const struct devdrv_vmodel var = {                                                        \
		.name = model_name, .device_desc = stick_device_desc, .config_desc = stick_config_desc, \
		.strings = var##_strings, .num_strings = 4, .speed = DEVDRV_SPEED_HIGH,                \
		.state_size = sizeof(struct stick), .control = var##_control, .service = var##_service, \
	};                                                                                           \
	DD_VMODEL_REGISTER(var)

STICK_MODEL(stick_model, "stick", "Virtual Stick", Q_NONE);
STICK_MODEL(bad_signature_model, "stick-bad-signature", "Virtual Stick (bad CSW signature)", Q_BAD_SIGNATURE);
STICK_MODEL(bad_tag_model, "stick-bad-tag", "Virtual Stick (bad CSW tag)", Q_BAD_TAG);
STICK_MODEL(big_residue_model, "stick-big-residue", "Virtual Stick (residue too large)", Q_BIG_RESIDUE);
STICK_MODEL(phase_error_model, "stick-phase-error", "Virtual Stick (phase error)", Q_PHASE_ERROR);
STICK_MODEL(stall_csw_model, "stick-stall-csw", "Virtual Stick (stalls its CSW)", Q_STALL_CSW);
STICK_MODEL(zlp_csw_model, "stick-zlp-csw", "Virtual Stick (ZLP before its CSW)", Q_ZLP_CSW);
STICK_MODEL(zero_block_model, "stick-zero-block", "Virtual Stick (block size 0)", Q_ZERO_BLOCK);
STICK_MODEL(huge_model, "stick-huge", "Virtual Stick (4 TiB)", Q_HUGE);
STICK_MODEL(no_medium_model, "stick-no-medium", "Virtual Card Reader (empty)", Q_NO_MEDIUM);
STICK_MODEL(fake_capacity_model, "stick-fake-capacity", "Virtual Stick (fake capacity)", Q_FAKE_CAPACITY);
