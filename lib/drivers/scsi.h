/* scsi.h — the mass-storage driver's private layers (not installed):
 *
 *   - SCSI (scsi.c): command builders, pure parsers of what a device answers
 *     (fuzzed in tests/fuzz/fuzz-scsi.c), sense data turned into DEVDRV_E_*
 *     codes and readable messages, and the command sequences (ready,
 *     capacity, write protection, read/write, flush) over a transport that
 *     runs one command;
 *   - the Bulk-Only Transport wire format (msc.c): the CBW, the CSW and GET
 *     MAX LUN's answer, as pure functions of untrusted bytes.
 *
 * Everything a device sends is untrusted: every parser takes the bytes that
 * really arrived and checks each length and field it uses. Multi-byte SCSI
 * fields are big-endian; Bulk-Only's are little-endian. */
#ifndef DEVDRV_SCSI_H
#define DEVDRV_SCSI_H

#include "byteorder.h"

#include <devdrv/driver.h>
#include <stddef.h>
#include <stdint.h>

/* ---- byte order ------------------------------------------------------------ */

static inline uint16_t dd_scsi_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dd_scsi_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t dd_scsi_be64(const uint8_t *p)
{
	return (uint64_t)dd_scsi_be32(p) << 32 | dd_scsi_be32(p + 4);
}

static inline void dd_scsi_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static inline void dd_scsi_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static inline void dd_scsi_put_be64(uint8_t *p, uint64_t v)
{
	dd_scsi_put_be32(p, (uint32_t)(v >> 32));
	dd_scsi_put_be32(p + 4, (uint32_t)v);
}

/* ---- commands ---------------------------------------------------------------- */

enum dd_scsi_dir { DD_SCSI_NONE = 0, DD_SCSI_IN, DD_SCSI_OUT };

struct dd_scsi_cmd {
	/* for messages: the command's name, and for READ/WRITE its blocks and
	 * LBA; dd_scsi_cmd_what() formats them only when a message needs them,
	 * so a command that succeeds costs no formatting */
	const char *name;    /* "READ(10)" */
	uint32_t blocks;
	uint64_t lba;
	uint8_t cdb[16];
	uint8_t cdb_len;     /* 6, 10 or 16 */
	enum dd_scsi_dir dir;
	void *data;
	uint32_t len;        /* bytes the command moves (the CBW's dCBWDataTransferLength) */
	uint32_t actual;     /* bytes that moved: what the pipe saw, bounded by the residue */
	unsigned timeout_ms; /* per transfer of the command; 0: none */
};

/* "READ(10) of 8 blocks at LBA 2048", "INQUIRY": @c for a message, in @buf. */
const char *dd_scsi_cmd_what(const struct dd_scsi_cmd *c, char *buf, size_t len);

/* A transport runs one command and says how it ended: 0 (GOOD),
 * DD_SCSI_CHECK (CHECK CONDITION: the reason waits for REQUEST SENSE), or a
 * DEVDRV_E_* code with the handle's message set. */
#define DD_SCSI_CHECK 1
typedef int (*dd_scsi_exec_fn)(struct devdrv_handle *h, struct dd_scsi_cmd *c);

/* Allocation lengths: 36 bytes of INQUIRY and 18 of sense data are what
 * every USB device has been tested with (the Linux usb-storage driver asks
 * for exactly these; some devices fail other lengths); 192 bytes of mode
 * data are what sd asks for when it looks for the write-protect bit. */
#define DD_SCSI_INQUIRY_LEN 36
#define DD_SCSI_SENSE_LEN 18
#define DD_SCSI_MODE_SENSE_LEN 192
#define DD_SCSI_CAPACITY16_LEN 32

/* Builders: fill @c (zeroed first) with the CDB, direction and buffer. */
void dd_scsi_inquiry_cmd(struct dd_scsi_cmd *c, void *buf, uint8_t alloc);
void dd_scsi_test_unit_ready_cmd(struct dd_scsi_cmd *c);
void dd_scsi_request_sense_cmd(struct dd_scsi_cmd *c, void *buf, uint8_t alloc);
void dd_scsi_read_capacity10_cmd(struct dd_scsi_cmd *c, void *buf8);
void dd_scsi_read_capacity16_cmd(struct dd_scsi_cmd *c, void *buf, uint8_t alloc);
void dd_scsi_sync_cache_cmd(struct dd_scsi_cmd *c);
void dd_scsi_mode_sense6_cmd(struct dd_scsi_cmd *c, void *buf, uint8_t alloc);
void dd_scsi_mode_sense10_cmd(struct dd_scsi_cmd *c, void *buf, uint16_t alloc);
/* READ or WRITE of @blocks (1-65535 with (10), more with (16)) at @lba:
 * (10) when the LBA and count fit its 32 and 16 bits, else (16).
 * @return 0, DEVDRV_E_INVALID (no blocks, more than 4 GiB in one command, or
 *         a range past LBA 2^64 - 1). */
int dd_scsi_rw_cmd(struct dd_scsi_cmd *c, int write, uint64_t lba, uint32_t blocks,
                   uint32_t block_size, void *buf);

/* ---- parsers of responses (pure; fuzzed) -------------------------------------- */

/* SPC peripheral device types a block device can have. */
#define DD_SCSI_TYPE_DISK 0x00    /* SBC direct access: sticks, disks, card readers */
#define DD_SCSI_TYPE_CDROM 0x05   /* MMC: CD/DVD */
#define DD_SCSI_TYPE_OPTICAL 0x07 /* optical memory */
#define DD_SCSI_TYPE_RBC 0x0e     /* reduced block commands */
#define DD_SCSI_QUALIFIER_NONE 3  /* no logical unit there */

struct dd_scsi_inquiry {
	uint8_t qualifier;   /* 0 connected, 1 not connected now, 3 no such unit */
	uint8_t device_type; /* 0x00-0x1f */
	int removable;       /* RMB */
	uint8_t version;
	char vendor[9], product[17], revision[5]; /* printable ASCII, trailing blanks trimmed */
};
/* Standard INQUIRY data: at least 5 bytes; strings only as far as both the
 * bytes received and the additional length reach. @return 0, DEVDRV_E_PROTOCOL. */
int dd_scsi_parse_inquiry(const uint8_t *buf, size_t len, struct dd_scsi_inquiry *out);

/* Is @type a block device we read with READ(10)/(16)? */
int dd_scsi_type_is_block(uint8_t type);
/* "disk", "CD/DVD", "tape"... for messages. */
const char *dd_scsi_type_name(uint8_t type);

struct dd_scsi_capacity {
	uint64_t blocks;
	uint32_t block_size;
};
/* READ CAPACITY(10), 8 bytes. @return 0, DD_SCSI_NEED_16 (more than
 * 2^32 - 1 blocks: ask READ CAPACITY(16)), DEVDRV_E_PROTOCOL (short). */
#define DD_SCSI_NEED_16 1
int dd_scsi_parse_capacity10(const uint8_t *buf, size_t len, struct dd_scsi_capacity *out);
/* READ CAPACITY(16), at least 12 bytes. @return 0, DEVDRV_E_PROTOCOL
 * (short, or a last LBA of 2^64 - 1, whose block count does not exist). */
int dd_scsi_parse_capacity16(const uint8_t *buf, size_t len, struct dd_scsi_capacity *out);
/* Blocks we can address: a block size that is a power of two from 512 to
 * 65536, and a byte size that fits 64 bits. @return 0, or DEVDRV_E_PROTOCOL
 * with the reason in @why. */
#define DD_SCSI_MIN_BLOCK 512u
#define DD_SCSI_MAX_BLOCK 65536u
int dd_scsi_check_capacity(const struct dd_scsi_capacity *cap, char *why, size_t why_len);

/* Sense keys (SPC-4 4.5.6) we act on. */
#define DD_SENSE_RECOVERED 0x1
#define DD_SENSE_NOT_READY 0x2
#define DD_SENSE_ILLEGAL_REQUEST 0x5
#define DD_SENSE_UNIT_ATTENTION 0x6
#define DD_SENSE_DATA_PROTECT 0x7

struct dd_scsi_sense {
	uint8_t response_code; /* 0x70/0x71 fixed, 0x72/0x73 descriptor */
	uint8_t key;           /* 0-15 */
	uint8_t asc, ascq;     /* 0 when the data stops before them */
	int deferred;          /* 0x71/0x73: about an earlier command */
	int info_valid;
	uint64_t info;         /* the INFORMATION field: often the failing LBA */
};
/* Fixed or descriptor format sense data. @return 0, DEVDRV_E_PROTOCOL
 * (another response code, or too short to hold the sense key). */
int dd_scsi_parse_sense(const uint8_t *buf, size_t len, struct dd_scsi_sense *out);
/* What the sense means: "ILLEGAL REQUEST, LBA out of range (sense 5/21/00)"
 * into @buf, and the code a caller gets: 0 for RECOVERED ERROR (the command
 * did complete), DEVDRV_E_BUSY (not ready yet: worth waiting), otherwise
 * the DEVDRV_E_* code closest to its meaning. */
int dd_scsi_sense_describe(const struct dd_scsi_sense *s, char *buf, size_t len);

/* The WP bit of MODE SENSE(6) (@ten = 0: header byte 2) or (10) (header
 * byte 3). @return 0, DEVDRV_E_PROTOCOL (the header is cut short). */
int dd_scsi_parse_mode_sense(const uint8_t *buf, size_t len, int ten, int *write_protected);

/* ---- command sequences ------------------------------------------------------------ */

/* One logical unit behind a transport. */
struct dd_scsi_lu {
	struct devdrv_handle *h;
	dd_scsi_exec_fn exec;
	unsigned lun;
	int medium_changed;         /* a UNIT ATTENTION said so: read the capacity again */
	int no_mode_sense6;         /* the unit refused MODE SENSE(6): ask (10) directly */
	struct dd_scsi_sense sense; /* of the last CHECK CONDITION; zeroed by each command */
};

/* Run @c; on CHECK CONDITION ask REQUEST SENSE and turn the answer into a
 * code and message. A UNIT ATTENTION (reported once per event: power on,
 * medium changed) runs the command again, up to DD_SCSI_UA_RETRIES times. */
#define DD_SCSI_UA_RETRIES 4
int dd_scsi_run(struct dd_scsi_lu *lu, struct dd_scsi_cmd *c);
/* INQUIRY (36 bytes). @return 0 or an error of dd_scsi_run / the parser. */
int dd_scsi_inquiry(struct dd_scsi_lu *lu, struct dd_scsi_inquiry *out);
/* TEST UNIT READY until the unit is ready: NOT READY "becoming ready"
 * (DEVDRV_E_BUSY) is retried with growing pauses for up to
 * DD_SCSI_READY_MS; then DEVDRV_E_TIMEOUT. */
#define DD_SCSI_READY_MS 10000
int dd_scsi_wait_ready(struct dd_scsi_lu *lu);
/* READ CAPACITY(10), then (16) when (10) says 0xFFFFFFFF (over 2 TiB at 512
 * bytes a block); the result is checked with dd_scsi_check_capacity. */
int dd_scsi_read_capacity(struct dd_scsi_lu *lu, struct dd_scsi_capacity *out);
/* MODE SENSE(6), then (10) if (6) is refused; a unit that answers neither
 * is taken as writable (as Linux's sd does). Only DISCONNECTED fails. */
int dd_scsi_write_protected(struct dd_scsi_lu *lu, int *wp);
/* One READ or WRITE command; every byte must move. */
int dd_scsi_rw(struct dd_scsi_lu *lu, int write, uint64_t lba, uint32_t blocks, uint32_t block_size,
               void *buf, unsigned timeout_ms);
/* SYNCHRONIZE CACHE(10) of the whole unit; a unit without the command (it
 * answers "invalid command operation code") has no cache to flush. */
int dd_scsi_sync_cache(struct dd_scsi_lu *lu);
/* Did the last CHECK CONDITION say NOT READY, MEDIUM NOT PRESENT? */
int dd_scsi_medium_absent(const struct dd_scsi_lu *lu);

/* ---- Bulk-Only Transport wire format (USB MSC BOT 1.0, msc.c) ------------------------ */

#define DD_BOT_CBW_LEN 31
#define DD_BOT_CSW_LEN 13
#define DD_BOT_CBW_SIGNATURE 0x43425355u /* "USBC" */
#define DD_BOT_CSW_SIGNATURE 0x53425355u /* "USBS" */
#define DD_BOT_MAX_LUNS 16

/* The command block wrapper of @c for logical unit @lun (0-15). */
void dd_bot_build_cbw(uint8_t cbw[DD_BOT_CBW_LEN], uint32_t tag, uint8_t lun, const struct dd_scsi_cmd *c);

struct dd_bot_csw {
	uint32_t signature, tag, residue;
	uint8_t status;
};
/* Verdicts on a CSW (BOT 6.3): valid and meaningful ones say how the
 * command ended; the others call for a reset recovery. */
enum dd_bot_verdict {
	DD_BOT_PASSED = 0,
	DD_BOT_FAILED = 1,
	DD_BOT_PHASE_ERROR = 2,
	DD_BOT_INVALID = -1,        /* not 13 bytes, wrong signature or tag */
	DD_BOT_NOT_MEANINGFUL = -2, /* status above 2, or residue above what was asked */
};
/* Judge the @len bytes that arrived as the CSW of command @tag, which asked
 * to move @asked bytes; @why gets the reason of a negative verdict. */
int dd_bot_check_csw(const uint8_t *buf, size_t len, uint32_t tag, uint32_t asked,
                     struct dd_bot_csw *csw, char *why, size_t why_len);
/* Logical units from GET MAX LUN's @len-byte answer (1-16): no answer, or a
 * number above 15, means one (as Linux's usb-storage takes it). */
unsigned dd_bot_luns(const uint8_t *buf, size_t len);

#endif
