/* msc.c — USB mass storage: the block-class driver for interfaces of class
 * 08 (mass storage), subclass 06 (SCSI transparent command set), protocol 50
 * (Bulk-Only Transport), after the USB-IF's "Mass Storage Class Bulk-Only
 * Transport" 1.0. Each command is a CBW on bulk OUT, an optional data stage,
 * and a CSW on bulk IN; scsi.c builds the commands and reads the answers.
 *
 * The device is untrusted: a CSW must be 13 bytes with the right signature
 * and tag, and its residue may not exceed what was asked. Anything else
 * leaves the device's Bulk-Only state unknown, so it gets the class's reset
 * recovery (BOT 5.3.4) and the call fails with DEVDRV_E_PROTOCOL. A STALL
 * in the data stage is the device ending it early (BOT 6.7.2, 6.7.3): the
 * halt is cleared and the CSW says how the command ended. */
#include "builtin.h"
#include "scsi.h"

#include <devdrv/block.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#define MSC_CLASS 0x08
#define MSC_SUBCLASS_SCSI 0x06
#define MSC_PROTOCOL_BOT 0x50
#define BOT_REQUEST_OUT 0x21 /* class, interface, host to device */
#define BOT_REQUEST_IN 0xa1
#define BOT_RESET 0xff
#define BOT_GET_MAX_LUN 0xfe
#define BOT_CONTROL_TIMEOUT_MS 5000

static const struct devdrv_match msc_match[] = {
	{ DEVDRV_MATCH_INTERFACE_CLASS(MSC_CLASS, MSC_SUBCLASS_SCSI, MSC_PROTOCOL_BOT) },
	{ 0 },
};

struct msc {
	struct dd_scsi_lu lu;
	uint8_t in, out;  /* the bulk pipes */
	uint16_t iface;
	unsigned luns;
	uint32_t tag;      /* of the last CBW */
	int need_recovery; /* the last reset recovery failed: retry it first */
	struct dd_scsi_inquiry inquiry;
	int have_medium;   /* cap and write_protected are current */
	struct dd_scsi_capacity cap;
	int write_protected;
	int dirty;         /* written since the last SYNCHRONIZE CACHE */
	uint64_t pos;      /* where devdrv_read/devdrv_write continue */
	struct devdrv_transfer *xfer; /* the bulk transfers, one at a time */
};

/* ---- wire format (pure) ------------------------------------------------------------ */

void dd_bot_build_cbw(uint8_t cbw[DD_BOT_CBW_LEN], uint32_t tag, uint8_t lun, const struct dd_scsi_cmd *c)
{
	uint8_t cdb_len = c->cdb_len <= sizeof(c->cdb) ? c->cdb_len : (uint8_t)sizeof(c->cdb);

	memset(cbw, 0, DD_BOT_CBW_LEN);
	dd_put_le32(cbw, DD_BOT_CBW_SIGNATURE);
	dd_put_le32(cbw + 4, tag);
	dd_put_le32(cbw + 8, c->dir == DD_SCSI_NONE ? 0 : c->len);
	cbw[12] = c->dir == DD_SCSI_IN ? 0x80 : 0x00; /* bmCBWFlags: direction */
	cbw[13] = lun & 0x0f;
	cbw[14] = cdb_len;
	memcpy(cbw + 15, c->cdb, cdb_len);
}

int dd_bot_check_csw(const uint8_t *buf, size_t len, uint32_t tag, uint32_t asked,
                     struct dd_bot_csw *csw, char *why, size_t why_len)
{
	memset(csw, 0, sizeof(*csw));
	if (why_len)
		why[0] = 0;
	if (len != DD_BOT_CSW_LEN) {
		snprintf(why, why_len, "a CSW of %zu bytes, not %d", len, DD_BOT_CSW_LEN);
		return DD_BOT_INVALID;
	}
	csw->signature = dd_get_le32(buf);
	csw->tag = dd_get_le32(buf + 4);
	csw->residue = dd_get_le32(buf + 8);
	csw->status = buf[12];
	if (csw->signature != DD_BOT_CSW_SIGNATURE) {
		snprintf(why, why_len, "CSW signature 0x%08x is not 0x%08x (\"USBS\")", csw->signature,
		         DD_BOT_CSW_SIGNATURE);
		return DD_BOT_INVALID;
	}
	if (csw->tag != tag) {
		snprintf(why, why_len, "CSW tag 0x%08x is not the command's 0x%08x", csw->tag, tag);
		return DD_BOT_INVALID;
	}
	if (csw->status > DD_BOT_PHASE_ERROR) {
		snprintf(why, why_len, "CSW status 0x%02x is none of 0 (passed), 1 (failed), 2 (phase error)",
		         csw->status);
		return DD_BOT_NOT_MEANINGFUL;
	}
	if (csw->status != DD_BOT_PHASE_ERROR && csw->residue > asked) {
		snprintf(why, why_len, "CSW residue %u is more than the %u bytes asked for", csw->residue, asked);
		return DD_BOT_NOT_MEANINGFUL;
	}
	return csw->status;
}

unsigned dd_bot_luns(const uint8_t *buf, size_t len)
{
	return len >= 1 && buf[0] < DD_BOT_MAX_LUNS ? buf[0] + 1u : 1u;
}

/* ---- Bulk-Only transport ------------------------------------------------------------- */

static int describe_pipe_failure(struct devdrv_handle *h, int rc, const char *phase, uint8_t ep,
                                 unsigned timeout_ms, size_t moved)
{
	const char *dir = (ep & 0x80) ? "IN" : "OUT";

	switch (rc) {
	case DEVDRV_E_TIMEOUT:
		return devdrv_handle_fail(h, rc, "%s: bulk %s 0x%02x: %zu bytes moved, then nothing within %u ms",
		                          phase, dir, ep, moved, timeout_ms);
	case DEVDRV_E_PIPE:
		return devdrv_handle_fail(h, rc, "%s: the device stalled bulk %s 0x%02x", phase, dir, ep);
	case DEVDRV_E_DISCONNECTED:
		return devdrv_handle_fail(h, rc, "%s: the device was unplugged", phase);
	default:
		return devdrv_handle_fail(h, rc, "%s: bulk %s 0x%02x: %s", phase, dir, ep, devdrv_strerror(rc));
	}
}

/* One bulk transfer. *moved gets what moved even when it failed: a STALL
 * may end a data stage after part of it. */
static int bot_pipe(struct devdrv_handle *h, const char *phase, uint8_t ep, void *buf, size_t len,
                    unsigned timeout_ms, size_t *moved)
{
	struct msc *m = devdrv_handle_priv(h);
	struct devdrv_transfer *t = m->xfer;
	int rc;

	*moved = 0;
	if (!t && !(t = m->xfer = devdrv_transfer_alloc()))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "%s: out of memory", phase);
	t->handle = h;
	t->type = DEVDRV_TRANSFER_BULK;
	t->endpoint = ep;
	t->buffer = buf;
	t->length = len;
	t->timeout_ms = timeout_ms;
	if ((rc = devdrv_transfer_submit(t)) < 0)
		return rc;
	rc = devdrv_transfer_wait(t);
	*moved = t->actual_length;
	return rc < 0 ? describe_pipe_failure(h, rc, phase, ep, timeout_ms, *moved) : 0;
}

/* BOT 5.3.4: Bulk-Only Mass Storage Reset to the interface, then
 * CLEAR_FEATURE(ENDPOINT_HALT) on both pipes: the device expects a CBW again. */
static int reset_recovery(struct devdrv_handle *h)
{
	struct msc *m = devdrv_handle_priv(h);
	char detail[160];
	int rc = devdrv_usb_control(h, BOT_REQUEST_OUT, BOT_RESET, 0, m->iface, NULL, 0, BOT_CONTROL_TIMEOUT_MS);

	if (rc >= 0 && (rc = devdrv_usb_clear_halt(h, m->in)) >= 0)
		rc = devdrv_usb_clear_halt(h, m->out);
	m->need_recovery = rc < 0 && rc != DEVDRV_E_DISCONNECTED;
	if (rc >= 0)
		return 0;
	snprintf(detail, sizeof(detail), "%s", devdrv_errmsg(h));
	return devdrv_handle_fail(h, rc, "Bulk-Only reset recovery: %s", detail);
}

/* The command failed in a way that leaves the device's Bulk-Only state
 * unknown; the handle's message says how. Reset it so that the next
 * command finds it waiting for a CBW, and fail with @code either way. */
static int recover(struct devdrv_handle *h, int code)
{
	char cause[160], detail[96];
	int rc;

	if (code == DEVDRV_E_DISCONNECTED)
		return code; /* nothing left to reset */
	snprintf(cause, sizeof(cause), "%s", devdrv_errmsg(h));
	rc = reset_recovery(h);
	if (rc == 0)
		return devdrv_handle_fail(h, code, "%s; the device was reset (Bulk-Only reset recovery)", cause);
	snprintf(detail, sizeof(detail), "%s", devdrv_errmsg(h));
	if (rc == DEVDRV_E_DISCONNECTED)
		return devdrv_handle_fail(h, rc, "%s; then the device went away", cause);
	return devdrv_handle_fail(h, code, "%s; and then %s", cause, detail);
}

static int send_cbw(struct devdrv_handle *h, const struct dd_scsi_cmd *c, uint32_t tag)
{
	struct msc *m = devdrv_handle_priv(h);
	uint8_t cbw[DD_BOT_CBW_LEN];
	size_t moved;
	int rc;

	dd_bot_build_cbw(cbw, tag, (uint8_t)m->lu.lun, c);
	rc = bot_pipe(h, "command block", m->out, cbw, sizeof(cbw), c->timeout_ms, &moved);
	if (rc == 0 && moved != sizeof(cbw))
		rc = devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "command block: the device took %zu of %d bytes",
		                        moved, DD_BOT_CBW_LEN);
	/* a valid CBW is never stalled: the device is lost */
	return rc < 0 ? recover(h, rc == DEVDRV_E_PIPE ? DEVDRV_E_PROTOCOL : rc) : 0;
}

static int data_stage(struct devdrv_handle *h, struct dd_scsi_cmd *c)
{
	struct msc *m = devdrv_handle_priv(h);
	uint8_t ep = c->dir == DD_SCSI_IN ? m->in : m->out;
	size_t moved;
	int rc;

	c->actual = 0;
	if (c->dir == DD_SCSI_NONE || !c->len)
		return 0;
	rc = bot_pipe(h, "data", ep, c->data, c->len, c->timeout_ms, &moved);
	c->actual = (uint32_t)moved;
	if (rc == DEVDRV_E_PIPE) /* the device ended the stage: the CSW says why */
		rc = devdrv_usb_clear_halt(h, ep);
	return rc < 0 ? recover(h, rc) : 0;
}

/* Read the CSW once more after a zero-length packet (devices that end their
 * data with one, as Linux's usb-storage tolerates) and, BOT 6.7.2, after a
 * STALL, which is cleared first. */
static int read_csw(struct devdrv_handle *h, const struct dd_scsi_cmd *c, uint8_t *buf, size_t *got)
{
	struct msc *m = devdrv_handle_priv(h);
	int rc = bot_pipe(h, "status", m->in, buf, DD_BOT_CSW_LEN, c->timeout_ms, got);

	if (rc == 0 && *got == 0)
		rc = bot_pipe(h, "status", m->in, buf, DD_BOT_CSW_LEN, c->timeout_ms, got);
	if (rc == DEVDRV_E_PIPE && (rc = devdrv_usb_clear_halt(h, m->in)) == 0)
		rc = bot_pipe(h, "status", m->in, buf, DD_BOT_CSW_LEN, c->timeout_ms, got);
	return rc;
}

static int status_stage(struct devdrv_handle *h, struct dd_scsi_cmd *c, uint32_t tag)
{
	uint8_t buf[DD_BOT_CSW_LEN];
	struct dd_bot_csw csw;
	char why[120];
	size_t got;
	int verdict, rc = read_csw(h, c, buf, &got);

	if (rc < 0)
		return recover(h, rc == DEVDRV_E_PIPE ? DEVDRV_E_PROTOCOL : rc);
	verdict = dd_bot_check_csw(buf, got, tag, c->dir == DD_SCSI_NONE ? 0 : c->len, &csw, why, sizeof(why));
	if (verdict < 0 || verdict == DD_BOT_PHASE_ERROR) {
		devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "status: %s",
		                   verdict < 0 ? why : "the device reported a phase error");
		return recover(h, DEVDRV_E_PROTOCOL);
	}
	/* what moved: what the pipe saw, never more than the device admits to */
	if (c->actual > c->len - csw.residue)
		c->actual = c->len - csw.residue;
	return verdict == DD_BOT_FAILED ? DD_SCSI_CHECK : 0;
}

/* The SCSI layer's transport: one command, CBW to CSW. */
static int bot_exec(struct devdrv_handle *h, struct dd_scsi_cmd *c)
{
	struct msc *m = devdrv_handle_priv(h);
	uint32_t tag;
	int rc;

	if (m->need_recovery && (rc = reset_recovery(h)) < 0)
		return rc;
	tag = ++m->tag;
	if ((rc = send_cbw(h, c, tag)) < 0 || (rc = data_stage(h, c)) < 0)
		return rc;
	return status_stage(h, c, tag);
}

/* ---- open ------------------------------------------------------------------------------ */

/* GET MAX LUN (BOT 3.2). Devices with one unit may stall it; Linux takes
 * any failure as one unit, and so do we, unless the device is gone. */
static int get_luns(struct devdrv_handle *h)
{
	struct msc *m = devdrv_handle_priv(h);
	uint8_t max = 0;
	int rc = devdrv_usb_control(h, BOT_REQUEST_IN, BOT_GET_MAX_LUN, 0, m->iface, &max, 1,
	                            BOT_CONTROL_TIMEOUT_MS);

	if (rc == DEVDRV_E_DISCONNECTED)
		return rc;
	if (rc < 0)
		devdrv_dbg(h, "GET MAX LUN: %s: one logical unit",
		           devdrv_errmsg(h));
	return (int)dd_bot_luns(&max, rc > 0 ? (size_t)rc : 0);
}

static int use_pipes(struct devdrv_handle *h)
{
	struct msc *m = devdrv_handle_priv(h);
	const struct devdrv_pipes *p = devdrv_handle_pipes(h);

	if (!p->in || !p->out || p->in_type != DEVDRV_TRANSFER_BULK || p->out_type != DEVDRV_TRANSFER_BULK)
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND,
		                          "interface %d has no bulk IN and OUT pipes, which Bulk-Only needs",
		                          devdrv_handle_interface(h));
	m->in = p->in;
	m->out = p->out;
	m->iface = (uint16_t)devdrv_handle_interface(h);
	return 0;
}

static int select_lun(struct devdrv_handle *h)
{
	struct msc *m = devdrv_handle_priv(h);
	int lun = devdrv_handle_selector_int(h, "lun");

	if (lun < 0)
		lun = 0;
	if ((unsigned)lun >= m->luns && m->luns == 1)
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "lun=%d: the device has one logical unit, lun=0",
		                          lun);
	if ((unsigned)lun >= m->luns)
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "lun=%d: the device has %u logical units, lun=0-%u",
		                          lun, m->luns, m->luns - 1);
	m->lu.h = h;
	m->lu.exec = bot_exec;
	m->lu.lun = (unsigned)lun;
	return 0;
}

static int check_unit(struct devdrv_handle *h)
{
	struct msc *m = devdrv_handle_priv(h);
	const struct dd_scsi_inquiry *q = &m->inquiry;

	if (q->qualifier == DD_SCSI_QUALIFIER_NONE)
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "LUN %u: INQUIRY says no logical unit is there "
		                          "(peripheral qualifier 3)", m->lu.lun);
	if (!dd_scsi_type_is_block(q->device_type))
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED, "LUN %u is a %s (peripheral device type 0x%02x), "
		                          "not a block device", m->lu.lun, dd_scsi_type_name(q->device_type),
		                          q->device_type);
	return 0;
}

static int msc_open(struct devdrv_handle *h)
{
	struct msc *m = devdrv_handle_priv(h);
	int rc;

	if ((rc = devdrv_default_open(h)) < 0 || (rc = use_pipes(h)) < 0 || (rc = get_luns(h)) < 0)
		goto fail;
	m->luns = (unsigned)rc;
	if ((rc = select_lun(h)) < 0 || (rc = dd_scsi_inquiry(&m->lu, &m->inquiry)) < 0 ||
	    (rc = check_unit(h)) < 0)
		goto fail;
	return 0;
fail: /* close is not called after a failed open */
	devdrv_transfer_free(m->xfer);
	m->xfer = NULL;
	return rc;
}

/* Data written since the last flush reaches the medium before the handle
 * goes: a stick pulled after close keeps it. */
static void msc_close(struct devdrv_handle *h)
{
	struct msc *m = devdrv_handle_priv(h);

	if (m->dirty && m->lu.exec && dd_scsi_sync_cache(&m->lu) < 0)
		devdrv_warn(h, "close: %s", devdrv_errmsg(h));
	devdrv_transfer_free(m->xfer);
	m->xfer = NULL;
}

static int msc_probe(const struct devdrv_device_info *info, const struct devdrv_match *m, int *iface)
{
	const struct devdrv_interface_info *intf = devdrv_find_interface(devdrv_active_config(info), *iface);

	(void)m;
	return devdrv_find_endpoint(intf, 1, 1u << 2) && devdrv_find_endpoint(intf, 0, 1u << 2)
	           ? 0
	           : DEVDRV_E_NO_DRIVER;
}

/* ---- the medium ----------------------------------------------------------------------------- */

static int refresh_medium(struct devdrv_handle *h)
{
	struct msc *m = devdrv_handle_priv(h);
	struct dd_scsi_capacity cap;
	int wp, rc;

	m->have_medium = 0;
	if ((rc = dd_scsi_wait_ready(&m->lu)) < 0 || (rc = dd_scsi_read_capacity(&m->lu, &cap)) < 0 ||
	    (rc = dd_scsi_write_protected(&m->lu, &wp)) < 0)
		return rc;
	m->cap = cap;
	m->write_protected = wp;
	m->have_medium = 1;
	m->lu.medium_changed = 0; /* what a UNIT ATTENTION on the way announced is read now */
	return 0;
}

static int need_medium(struct devdrv_handle *h)
{
	struct msc *m = devdrv_handle_priv(h);

	return m->have_medium && !m->lu.medium_changed ? 0 : refresh_medium(h);
}

static int block_info(struct devdrv_handle *h, struct devdrv_block_info *info)
{
	struct msc *m = devdrv_handle_priv(h);
	int rc = refresh_medium(h);

	if (rc < 0 && !dd_scsi_medium_absent(&m->lu))
		return rc;
	memset(info, 0, sizeof(*info));
	info->lun = m->lu.lun;
	info->luns = m->luns;
	info->medium_present = rc == 0;
	info->removable = m->inquiry.removable;
	info->device_type = m->inquiry.device_type;
	memcpy(info->vendor, m->inquiry.vendor, sizeof(info->vendor));
	memcpy(info->product, m->inquiry.product, sizeof(info->product));
	memcpy(info->revision, m->inquiry.revision, sizeof(info->revision));
	if (rc == 0) {
		info->blocks = m->cap.blocks;
		info->block_size = m->cap.block_size;
		info->write_protected = m->write_protected;
	}
	return 0;
}

/* ---- block I/O ---------------------------------------------------------------------------------- */

static int check_range(struct devdrv_handle *h, const char *op, uint64_t lba, size_t count)
{
	struct msc *m = devdrv_handle_priv(h);

	if (lba > m->cap.blocks || count > m->cap.blocks - lba)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "LUN %u: %s of %zu blocks at LBA %llu: LBA out "
		                          "of range (the medium has %llu blocks)", m->lu.lun, op, count,
		                          (unsigned long long)lba, (unsigned long long)m->cap.blocks);
	if (count > SIZE_MAX / m->cap.block_size)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "LUN %u: %s of %zu blocks: more bytes than "
		                          "memory holds", m->lu.lun, op, count);
	return 0;
}

/* Commands of at most DEVDRV_BLOCK_MAX_TRANSFER bytes: 64 KiB is what every
 * device takes (Linux limits Genesys Logic bridges to it), and large enough
 * that a command's CBW and CSW cost little next to its data. */
static int transfer_blocks(struct devdrv_handle *h, int write, uint64_t lba, size_t count, uint8_t *buf,
                           unsigned timeout_ms)
{
	struct msc *m = devdrv_handle_priv(h);
	uint32_t bs = m->cap.block_size;
	size_t per_command = DEVDRV_BLOCK_MAX_TRANSFER / bs; /* >= 1: blocks are at most 64 KiB */

	m->dirty |= write;
	for (size_t done = 0; done < count;) {
		size_t n = count - done < per_command ? count - done : per_command;
		int rc = dd_scsi_rw(&m->lu, write, lba + done, (uint32_t)n, bs, buf + done * bs, timeout_ms);

		if (rc < 0)
			return rc;
		done += n;
	}
	return 0;
}

static int block_io(struct devdrv_handle *h, int write, const struct devdrv_block_io *io)
{
	int rc;

	if (!io->count)
		return 0;
	if (!io->buf)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "block %s: NULL buffer", write ? "write" : "read");
	if ((rc = need_medium(h)) < 0 || (rc = check_range(h, write ? "write" : "read", io->lba, io->count)) < 0)
		return rc;
	return transfer_blocks(h, write, io->lba, io->count, io->buf, io->timeout_ms);
}

/* devdrv_read/devdrv_write: whole blocks from the position on. */
static ssize_t stream(struct devdrv_handle *h, int write, uint8_t *buf, size_t len, unsigned timeout_ms)
{
	struct msc *m = devdrv_handle_priv(h);
	const char *op = write ? "write" : "read";
	uint64_t left;
	size_t count;
	int rc;

	if (!len)
		return 0;
	if ((rc = need_medium(h)) < 0)
		return rc;
	if (len % m->cap.block_size)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "%s: %zu bytes are not a whole number of %u-byte blocks",
		                          op, len, m->cap.block_size);
	left = m->pos < m->cap.blocks ? m->cap.blocks - m->pos : 0;
	if (!left && !write)
		return 0; /* the end of the medium */
	if (!left)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "write: LBA %llu is the end of the medium",
		                          (unsigned long long)m->pos);
	count = len / m->cap.block_size;
	if (count > left)
		count = (size_t)left;
	if (count > SSIZE_MAX / m->cap.block_size)
		count = SSIZE_MAX / m->cap.block_size;
	if ((rc = transfer_blocks(h, write, m->pos, count, buf, timeout_ms)) < 0)
		return rc;
	m->pos += count;
	return (ssize_t)(count * m->cap.block_size);
}

static ssize_t msc_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms)
{
	return stream(h, 0, buf, len, timeout_ms);
}

static ssize_t msc_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms)
{
	return stream(h, 1, (uint8_t *)buf, len, timeout_ms); /* an OUT stage only reads it */
}

static int block_seek(struct devdrv_handle *h, uint64_t lba)
{
	struct msc *m = devdrv_handle_priv(h);
	int rc = need_medium(h);

	if (rc < 0)
		return rc;
	if (lba > m->cap.blocks)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "seek: LBA %llu is past the end (the medium has "
		                          "%llu blocks)", (unsigned long long)lba, (unsigned long long)m->cap.blocks);
	m->pos = lba;
	return 0;
}

static int block_flush(struct devdrv_handle *h)
{
	struct msc *m = devdrv_handle_priv(h);
	int rc = dd_scsi_sync_cache(&m->lu);

	if (rc == 0)
		m->dirty = 0;
	return rc;
}

static int wrong_size(struct devdrv_handle *h, unsigned request)
{
	return devdrv_handle_fail(h, DEVDRV_E_INVALID, "block ioctl 0x%04x: wrong argument size", request);
}

static int msc_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t size)
{
	switch (request) {
	case DEVDRV_IOC_BLOCK_INFO:
		return arg && size == sizeof(struct devdrv_block_info) ? block_info(h, arg) : wrong_size(h, request);
	case DEVDRV_IOC_BLOCK_READ:
	case DEVDRV_IOC_BLOCK_WRITE:
		return arg && size == sizeof(struct devdrv_block_io)
		           ? block_io(h, request == DEVDRV_IOC_BLOCK_WRITE, arg)
		           : wrong_size(h, request);
	case DEVDRV_IOC_BLOCK_FLUSH:
		return size == 0 ? block_flush(h) : wrong_size(h, request);
	case DEVDRV_IOC_BLOCK_SEEK:
		return arg && size == sizeof(uint64_t) ? block_seek(h, *(uint64_t *)arg) : wrong_size(h, request);
	default:
		return DEVDRV_E_UNSUPPORTED;
	}
}

static const struct devdrv_driver msc_driver = {
	.name = "msc",
	.description = "USB mass storage: Bulk-Only Transport, SCSI commands (sticks, card readers, disks)",
	.cls = DEVDRV_CLASS_BLOCK,
	.match = msc_match,
	.priv_size = sizeof(struct msc),
	.probe = msc_probe,
	.open = msc_open,
	.close = msc_close,
	.read = msc_read,
	.write = msc_write,
	.ioctl = msc_ioctl,
};
DD_DRIVER_REGISTER(msc_driver);
