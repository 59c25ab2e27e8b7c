/* test-storage.c — the mass-storage driver (Bulk-Only + SCSI) and the block
 * class on the virtual stick: identity and capacity of both units, the
 * deterministic content, writes read back, refusals with the device's sense
 * data, splitting, the hostile variants (malformed CSWs get a reset recovery
 * and DEVDRV_E_PROTOCOL; a stalled CSW is read again; absurd capacities are
 * refused), unplugs at every transfer, the pure parsers against values from
 * the specifications, and `devdrv storage`.
 *
 * The expected content of the stick is computed here from its documented
 * formula (lib/virtual/stick.c), not from its code. The CLI runs as the
 * built devdrv program (this suite links the library only), found beside
 * this test in the build tree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <devdrv/block.h>
#include <devdrv/virtual.h>
#include "drivers/scsi.h"
#include "internal.h"

#define LUN0_BLOCKS 16384
#define LUN1_BLOCKS 256
#define TIMEOUT 2000

struct bed {
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
};

static struct devdrv_context *new_bus(void)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_context *ctx = NULL;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_virtual_unplug_all(ctx), 2); /* the loopback and the button: start empty */
	return ctx;
}

/* @model at 1-1, opened with @selector. */
static struct bed open_stick(const char *model, const char *selector)
{
	struct bed b = { new_bus(), NULL };

	assert_int_equal(devdrv_virtual_plug(b.ctx, model, "1-1"), 0);
	if (devdrv_block_open(b.ctx, selector, &b.h) < 0)
		fail_msg("open %s %s: %s", model, selector, devdrv_context_errmsg(b.ctx));
	return b;
}

static void close_stick(struct bed *b)
{
	devdrv_close(b->h);
	devdrv_context_free(b->ctx);
}

/* The documented content of a block never written. */
static void expected_block(unsigned lun, uint64_t lba, uint32_t bs, uint8_t *out)
{
	for (uint32_t i = 0; i < bs; i++) {
		if (i < 8)
			out[i] = (uint8_t)(lba >> (8 * i));
		else if (i < 16)
			out[i] = i == 15 ? (uint8_t)('0' + lun) : (uint8_t)"devdrv-"[i - 8];
		else
			out[i] = (uint8_t)(lba * 31 + i * 7 + lun * 0x5a);
	}
}

static void expect_content(const uint8_t *buf, unsigned lun, uint64_t lba, size_t count, uint32_t bs)
{
	uint8_t *want = malloc(bs);

	assert_non_null(want);
	for (size_t i = 0; i < count; i++) {
		expected_block(lun, lba + i, bs, want);
		if (memcmp(buf + i * bs, want, bs))
			fail_msg("LUN %u LBA %llu: not the stick's pattern", lun, (unsigned long long)(lba + i));
	}
	free(want);
}

static void expect_msg(struct devdrv_handle *h, const char *words)
{
	if (!strstr(devdrv_errmsg(h), words))
		fail_msg("errmsg \"%s\" lacks \"%s\"", devdrv_errmsg(h), words);
}

/* Class requests the device received since the last clear, matching type/request. */
static size_t count_requests(struct bed *b, uint8_t type, uint8_t request)
{
	struct dd_vcontrol log[DD_VCONTROL_LOG];
	size_t n = dd_virtual_control_log(b->ctx, "1-1", log, DD_VCONTROL_LOG), hits = 0;

	for (size_t i = 0; i < n; i++)
		hits += log[i].request_type == type && log[i].request == request;
	return hits;
}

/* ---- identity, content, I/O ------------------------------------------------------------ */

static void test_info_of_both_units(void **state)
{
	struct bed b = open_stick("stick", "1-1");
	struct devdrv_block_info i;

	(void)state;
	assert_string_equal(devdrv_handle_driver(b.h), "msc");
	assert_int_equal(devdrv_block_info(b.h, &i), 0);
	assert_int_equal(i.blocks, LUN0_BLOCKS);
	assert_int_equal(i.block_size, 512);
	assert_int_equal(i.lun, 0);
	assert_int_equal(i.luns, 2);
	assert_true(i.medium_present && i.removable && !i.write_protected);
	assert_int_equal(i.device_type, 0);
	assert_string_equal(i.vendor, "devdrv");
	assert_string_equal(i.product, "Virtual Stick");
	assert_string_equal(i.revision, "1.00");
	close_stick(&b);

	/* LUN 1 answers MODE SENSE(10) only: its WP bit still arrives */
	b = open_stick("stick", "1-1,lun=1");
	assert_int_equal(devdrv_block_info(b.h, &i), 0);
	assert_int_equal(i.blocks, LUN1_BLOCKS);
	assert_int_equal(i.block_size, 4096);
	assert_int_equal(i.lun, 1);
	assert_int_equal(i.luns, 2);
	assert_true(i.write_protected);
	assert_string_equal(i.product, "Virtual Stick WP");
	close_stick(&b);
}

static void test_open_requests_and_refusals(void **state)
{
	struct devdrv_context *ctx = new_bus();
	struct devdrv_handle *h = NULL;
	struct dd_vcontrol log[DD_VCONTROL_LOG];
	size_t n;

	(void)state;
	assert_int_equal(devdrv_virtual_plug(ctx, "stick", "1-1"), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, "loopback", "1-2"), 0);
	assert_int_equal(devdrv_block_open(ctx, "1-1", &h), 0);
	/* BOT 3.2: GET MAX LUN, class IN to interface 0, one byte */
	n = dd_virtual_control_log(ctx, "1-1", log, DD_VCONTROL_LOG);
	assert_int_equal(n, 1);
	assert_int_equal(log[0].request_type, 0xa1);
	assert_int_equal(log[0].request, 0xfe);
	assert_int_equal(log[0].value, 0);
	assert_int_equal(log[0].index, 0);
	assert_int_equal(log[0].length, 1);
	assert_int_equal(log[0].status, 0);
	devdrv_close(h);

	assert_int_equal(devdrv_block_open(ctx, "1-1,lun=2", &h), DEVDRV_E_NOT_FOUND);
	assert_non_null(strstr(devdrv_context_errmsg(ctx), "lun=2: the device has 2 logical units, lun=0-1"));
	assert_int_equal(devdrv_block_open(ctx, "1-2", &h), DEVDRV_E_UNSUPPORTED);
	assert_non_null(strstr(devdrv_context_errmsg(ctx), "not a block one"));
	/* the block API on a handle of another class */
	assert_int_equal(devdrv_open(ctx, "1-2", &h), 0);
	{
		struct devdrv_block_info i;
		uint8_t buf[512];

		assert_int_equal(devdrv_block_info(h, &i), DEVDRV_E_UNSUPPORTED);
		assert_int_equal(devdrv_block_read(h, 0, 1, buf, TIMEOUT), DEVDRV_E_UNSUPPORTED);
		assert_int_equal(devdrv_block_flush(h), DEVDRV_E_UNSUPPORTED);
	}
	devdrv_close(h);
	devdrv_context_free(ctx);
}

static void test_content_is_deterministic(void **state)
{
	struct bed a = open_stick("stick", "1-1"), b = open_stick("stick", "1-1");
	uint8_t *x = malloc(64 * 512), *y = malloc(64 * 512);

	(void)state;
	assert_int_equal(devdrv_block_read(a.h, 0, 16, x, TIMEOUT), 0);
	expect_content(x, 0, 0, 16, 512);
	assert_int_equal(devdrv_block_read(a.h, 12345, 64, x, TIMEOUT), 0);
	expect_content(x, 0, 12345, 64, 512);
	assert_int_equal(devdrv_block_read(b.h, 12345, 64, y, TIMEOUT), 0);
	assert_memory_equal(x, y, 64 * 512); /* another stick, the same bytes */
	assert_int_equal(devdrv_block_read(a.h, LUN0_BLOCKS - 1, 1, x, TIMEOUT), 0);
	expect_content(x, 0, LUN0_BLOCKS - 1, 1, 512);
	close_stick(&a);
	close_stick(&b);

	a = open_stick("stick", "1-1,lun=1");
	assert_int_equal(devdrv_block_read(a.h, LUN1_BLOCKS - 8, 8, x, TIMEOUT), 0);
	expect_content(x, 1, LUN1_BLOCKS - 8, 8, 4096);
	close_stick(&a);
	free(x);
	free(y);
}

static void test_write_and_read_back(void **state)
{
	struct bed b = open_stick("stick", "1-1");
	uint8_t data[3 * 512], back[5 * 512];

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	assert_int_equal(devdrv_block_write(b.h, 100, 3, data, TIMEOUT), 0);
	assert_int_equal(devdrv_block_flush(b.h), 0);
	assert_int_equal(devdrv_block_read(b.h, 99, 5, back, TIMEOUT), 0);
	expect_content(back, 0, 99, 1, 512); /* the neighbours are untouched */
	assert_memory_equal(back + 512, data, sizeof(data));
	expect_content(back + 4 * 512, 0, 103, 1, 512);
	/* count 0 moves nothing, even with no buffer */
	assert_int_equal(devdrv_block_read(b.h, 0, 0, NULL, TIMEOUT), 0);
	close_stick(&b);
}

/* devdrv_read/devdrv_write: whole blocks from a position, as on a file. */
static void test_stream_read_write(void **state)
{
	struct bed b = open_stick("stick", "1-1");
	uint8_t buf[4 * 512], mine[2 * 512];

	(void)state;
	assert_int_equal(devdrv_read(b.h, buf, sizeof(buf), TIMEOUT), sizeof(buf));
	expect_content(buf, 0, 0, 4, 512);
	assert_int_equal(devdrv_read(b.h, buf, 512, TIMEOUT), 512); /* the next block */
	expect_content(buf, 0, 4, 1, 512);
	assert_int_equal(devdrv_read(b.h, buf, 100, TIMEOUT), DEVDRV_E_INVALID);
	expect_msg(b.h, "not a whole number of 512-byte blocks");

	memset(mine, 0xa5, sizeof(mine));
	assert_int_equal(devdrv_block_seek(b.h, 200), 0);
	assert_int_equal(devdrv_write(b.h, mine, sizeof(mine), TIMEOUT), sizeof(mine));
	assert_int_equal(devdrv_block_read(b.h, 200, 2, buf, TIMEOUT), 0);
	assert_memory_equal(buf, mine, sizeof(mine));

	/* at the end: reads return what is left, then 0; writes fail */
	assert_int_equal(devdrv_block_seek(b.h, LUN0_BLOCKS - 1), 0);
	assert_int_equal(devdrv_read(b.h, buf, sizeof(buf), TIMEOUT), 512);
	expect_content(buf, 0, LUN0_BLOCKS - 1, 1, 512);
	assert_int_equal(devdrv_read(b.h, buf, sizeof(buf), TIMEOUT), 0);
	assert_int_equal(devdrv_write(b.h, mine, 512, TIMEOUT), DEVDRV_E_INVALID);
	expect_msg(b.h, "end of the medium");
	assert_int_equal(devdrv_block_seek(b.h, LUN0_BLOCKS + 1), DEVDRV_E_INVALID);
	expect_msg(b.h, "past the end");
	close_stick(&b);
}

static void test_write_protected_unit(void **state)
{
	struct bed b = open_stick("stick", "1-1,lun=1");
	uint8_t data[4096], back[4096];

	(void)state;
	memset(data, 0x5a, sizeof(data));
	assert_int_equal(devdrv_block_write(b.h, 7, 1, data, TIMEOUT), DEVDRV_E_UNSUPPORTED);
	expect_msg(b.h, "LUN 1: WRITE(10) of 1 block at LBA 7: DATA PROTECT, write protected (sense 7/27/00)");
	assert_int_equal(devdrv_block_read(b.h, 7, 1, back, TIMEOUT), 0); /* the pipes were cleared */
	expect_content(back, 1, 7, 1, 4096);
	close_stick(&b);
}

static void test_read_past_the_end(void **state)
{
	struct bed b = open_stick("stick", "1-1");
	uint8_t buf[8 * 512];

	(void)state;
	assert_int_equal(devdrv_block_read(b.h, LUN0_BLOCKS, 1, buf, TIMEOUT), DEVDRV_E_INVALID);
	expect_msg(b.h, "LBA out of range");
	assert_int_equal(devdrv_block_read(b.h, LUN0_BLOCKS - 4, 8, buf, TIMEOUT), DEVDRV_E_INVALID);
	expect_msg(b.h, "the medium has 16384 blocks");
	assert_int_equal(devdrv_block_read(b.h, UINT64_MAX, 2, buf, TIMEOUT), DEVDRV_E_INVALID);
	close_stick(&b);

	/* a stick that claims more than it has: the device's own refusal */
	b = open_stick("stick-fake-capacity", "1-1");
	assert_int_equal(devdrv_block_read(b.h, LUN0_BLOCKS, 1, buf, TIMEOUT), DEVDRV_E_INVALID);
	expect_msg(b.h, "READ(10) of 1 block at LBA 16384: ILLEGAL REQUEST, LBA out of range (sense 5/21/00)");
	assert_int_equal(devdrv_block_read(b.h, 0, 8, buf, TIMEOUT), 0);
	expect_content(buf, 0, 0, 8, 512);
	close_stick(&b);
}

/* A card reader without a card: its identity, no capacity, and I/O that
 * says why it fails. */
static void test_unit_without_medium(void **state)
{
	struct bed b = open_stick("stick-no-medium", "1-1");
	struct devdrv_block_info i;
	uint8_t buf[512];

	(void)state;
	assert_int_equal(devdrv_block_info(b.h, &i), 0);
	assert_false(i.medium_present);
	assert_int_equal(i.blocks, 0);
	assert_int_equal(i.block_size, 0);
	assert_string_equal(i.product, "Virtual Stick");
	assert_int_equal(devdrv_block_read(b.h, 0, 1, buf, TIMEOUT), DEVDRV_E_IO);
	expect_msg(b.h, "LUN 0: TEST UNIT READY: NOT READY, medium not present (sense 2/3a/00)");
	assert_int_equal(devdrv_read(b.h, buf, sizeof(buf), TIMEOUT), DEVDRV_E_IO);
	close_stick(&b);
}

/* The stick refuses commands over 64 KiB, so these pass only when split. */
static void test_large_transfers_are_split(void **state)
{
	struct bed b = open_stick("stick", "1-1");
	const size_t count = 300; /* 150 KiB */
	uint8_t *buf = malloc(count * 512), *data = malloc(count * 512);
	ssize_t n;

	(void)state;
	assert_int_equal(devdrv_block_read(b.h, 1000, count, buf, TIMEOUT), 0);
	expect_content(buf, 0, 1000, count, 512);
	for (size_t i = 0; i < count * 512; i++)
		data[i] = (uint8_t)(i ^ (i >> 9));
	assert_int_equal(devdrv_block_write(b.h, 5000, count, data, TIMEOUT), 0);
	assert_int_equal(devdrv_block_read(b.h, 5000, count, buf, TIMEOUT), 0);
	assert_memory_equal(buf, data, count * 512);
	assert_int_equal(devdrv_block_seek(b.h, 5000), 0);
	n = devdrv_read(b.h, buf, count * 512, TIMEOUT);
	assert_int_equal(n, (ssize_t)(count * 512));
	assert_memory_equal(buf, data, count * 512);
	close_stick(&b);

	b = open_stick("stick", "1-1,lun=1"); /* 4 KiB blocks: 16 a command */
	assert_int_equal(devdrv_block_read(b.h, 0, 37, buf, TIMEOUT), 0); /* 148 KiB fit in buf */
	expect_content(buf, 1, 0, 37, 4096);
	close_stick(&b);
	free(buf);
	free(data);
}

static void test_argument_checks(void **state)
{
	struct bed b = open_stick("stick", "1-1");
	struct devdrv_block_info i;
	struct devdrv_block_io io = { 0, 1, NULL, TIMEOUT };
	uint64_t lba = 0;

	(void)state;
	assert_int_equal(devdrv_block_info(b.h, NULL), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_ioctl(b.h, DEVDRV_IOC_BLOCK_INFO, &i, sizeof(i) - 1), DEVDRV_E_INVALID);
	expect_msg(b.h, "wrong argument size");
	assert_int_equal(devdrv_ioctl(b.h, DEVDRV_IOC_BLOCK_READ, &io, sizeof(io)), DEVDRV_E_INVALID);
	expect_msg(b.h, "NULL buffer");
	assert_int_equal(devdrv_ioctl(b.h, DEVDRV_IOC_BLOCK_SEEK, &lba, 4), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_ioctl(b.h, DEVDRV_IOC_BLOCK_FLUSH, &lba, 8), DEVDRV_E_INVALID);
	assert_int_equal(devdrv_ioctl(b.h, DEVDRV_IOC(3, 99), NULL, 0), DEVDRV_E_UNSUPPORTED);
	close_stick(&b);
}

/* ---- devices that break the rules ------------------------------------------------------------ */

/* A READ whose CSW is malformed: PROTOCOL, a reset recovery (the class
 * request 21/ff), and the device works afterwards. */
static void expect_recovery(const char *model, const char *words)
{
	struct bed b = open_stick(model, "1-1");
	struct devdrv_block_info i;
	uint8_t buf[2 * 512];

	assert_int_equal(devdrv_block_info(b.h, &i), 0);
	dd_virtual_control_log_clear(b.ctx, "1-1");
	assert_int_equal(devdrv_block_read(b.h, 0, 2, buf, TIMEOUT), DEVDRV_E_PROTOCOL);
	expect_msg(b.h, words);
	expect_msg(b.h, "the device was reset (Bulk-Only reset recovery)");
	assert_int_equal(count_requests(&b, 0x21, 0xff), 1);
	assert_int_equal(devdrv_block_info(b.h, &i), 0); /* ready for the next command */
	assert_int_equal(i.blocks, LUN0_BLOCKS);
	assert_int_equal(count_requests(&b, 0x21, 0xff), 1);
	close_stick(&b);
}

static void test_csw_with_bad_signature(void **state)
{
	(void)state;
	expect_recovery("stick-bad-signature", "CSW signature 0x54425355 is not 0x53425355");
}

static void test_csw_with_wrong_tag(void **state)
{
	(void)state;
	expect_recovery("stick-bad-tag", "is not the command's");
}

static void test_csw_residue_larger_than_asked(void **state)
{
	(void)state;
	expect_recovery("stick-big-residue", "CSW residue 1536 is more than the 1024 bytes asked for");
}

static void test_csw_phase_error(void **state)
{
	(void)state;
	expect_recovery("stick-phase-error", "phase error");
}

/* BOT 6.7.2: a STALL instead of the CSW is cleared and the CSW read again;
 * so is a zero-length packet before it. */
static void test_stalled_or_late_csw_is_read_again(void **state)
{
	static const char *const models[] = { "stick-stall-csw", "stick-zlp-csw" };
	uint8_t buf[4 * 512];

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct bed b = open_stick(models[i], "1-1");

		dd_virtual_control_log_clear(b.ctx, "1-1");
		assert_int_equal(devdrv_block_read(b.h, 40, 4, buf, TIMEOUT), 0);
		expect_content(buf, 0, 40, 4, 512);
		assert_int_equal(count_requests(&b, 0x21, 0xff), 0); /* no reset was needed */
		close_stick(&b);
	}
}

static void test_block_size_zero_is_refused(void **state)
{
	struct bed b = open_stick("stick-zero-block", "1-1");
	struct devdrv_block_info i;
	uint8_t buf[512];

	(void)state;
	assert_int_equal(devdrv_block_info(b.h, &i), DEVDRV_E_PROTOCOL);
	expect_msg(b.h, "READ CAPACITY(10): block size 0 is not a power of two from 512 to 65536");
	assert_int_equal(devdrv_block_read(b.h, 0, 1, buf, TIMEOUT), DEVDRV_E_PROTOCOL);
	assert_int_equal(devdrv_read(b.h, buf, sizeof(buf), TIMEOUT), DEVDRV_E_PROTOCOL);
	close_stick(&b);
}

/* Over 2 TiB: READ CAPACITY(16) and READ(16) past LBA 2^32. */
static void test_huge_unit_uses_16_byte_commands(void **state)
{
	struct bed b = open_stick("stick-huge", "1-1");
	const uint64_t far = (1ull << 32) + 5;
	struct devdrv_block_info i;
	uint8_t buf[8 * 512];

	(void)state;
	assert_int_equal(devdrv_block_info(b.h, &i), 0);
	assert_int_equal(i.blocks, 1ull << 33);
	assert_int_equal(i.block_size, 512);
	assert_int_equal(devdrv_block_read(b.h, far, 8, buf, TIMEOUT), 0);
	expect_content(buf, 0, far, 8, 512);
	assert_int_equal(devdrv_block_read(b.h, 0xfffffffcull, 8, buf, TIMEOUT), 0); /* crosses 2^32 */
	expect_content(buf, 0, 0xfffffffcull, 8, 512);
	assert_int_equal(devdrv_block_read(b.h, i.blocks - 1, 1, buf, TIMEOUT), 0);
	expect_content(buf, 0, i.blocks - 1, 1, 512);
	assert_int_equal(devdrv_block_write(b.h, far, 1, buf, TIMEOUT), DEVDRV_E_IO);
	expect_msg(b.h, "WRITE(16) of 1 block at LBA 4294967301: MEDIUM ERROR, write error (sense 3/0c/00)");
	close_stick(&b);
}

/* The device dies at each transfer of a first read in turn (readiness,
 * sense, capacity, write protection, the read): DISCONNECTED every time,
 * nothing hangs, nothing leaks (the suite runs under ASan too). */
static void test_unplug_at_every_transfer(void **state)
{
	uint8_t buf[4 * 512];
	unsigned long n;

	(void)state;
	for (n = 1;; n++) {
		struct bed b = open_stick("stick", "1-1");
		int rc;

		assert_int_equal(dd_virtual_disconnect_after(b.ctx, "1-1", n), 0);
		rc = devdrv_block_read(b.h, 0, 4, buf, TIMEOUT);
		if (rc == 0) { /* it would have died after the read */
			close_stick(&b);
			break;
		}
		if (rc != DEVDRV_E_DISCONNECTED)
			fail_msg("dying at transfer %lu: %d (%s)", n, rc, devdrv_errmsg(b.h));
		assert_int_equal(devdrv_block_read(b.h, 0, 4, buf, TIMEOUT), DEVDRV_E_DISCONNECTED);
		close_stick(&b);
	}
	assert_true(n > 15); /* TUR, REQUEST SENSE, READ CAPACITY, MODE SENSE, READ: each 2-3 transfers */
}

/* Written data is flushed on close; a close after unplug does not hang. */
static void test_close_after_write_and_unplug(void **state)
{
	struct bed b = open_stick("stick", "1-1");
	uint8_t buf[512] = { 1 };

	(void)state;
	assert_int_equal(devdrv_block_write(b.h, 1, 1, buf, TIMEOUT), 0);
	assert_int_equal(devdrv_virtual_unplug(b.ctx, "1-1"), 0);
	assert_int_equal(devdrv_block_read(b.h, 1, 1, buf, TIMEOUT), DEVDRV_E_DISCONNECTED);
	close_stick(&b);
}

/* ---- the pure parts, against the specifications --------------------------------------------------- */

static void test_cbw_layout(void **state)
{
	/* BOT 5.1: "USBC", tag, length (LE), flags, LUN, CB length, CB */
	static const uint8_t want[31] = { 0x55, 0x53, 0x42, 0x43, 0x78, 0x56, 0x34, 0x12, 0x00, 0x04, 0x00, 0x00,
		                          0x80, 0x01, 10, 0x28, 0, 0x00, 0x01, 0x02, 0x03, 0, 0x00, 0x08, 0 };
	struct dd_scsi_cmd c;
	uint8_t cbw[31];

	(void)state;
	assert_int_equal(dd_scsi_rw_cmd(&c, 0, 0x010203, 8, 128, NULL), 0); /* 1 KiB */
	dd_bot_build_cbw(cbw, 0x12345678, 1, &c);
	assert_memory_equal(cbw, want, sizeof(want));
	/* SBC-3: (16) once the LBA or the count needs it */
	assert_int_equal(dd_scsi_rw_cmd(&c, 1, 0xffffffffull, 1, 512, NULL), 0);
	assert_int_equal(c.cdb[0], 0x2a);
	assert_int_equal(dd_scsi_rw_cmd(&c, 1, 0xffffffffull, 2, 512, NULL), 0);
	assert_int_equal(c.cdb[0], 0x8a);
	assert_int_equal(c.cdb_len, 16);
	assert_int_equal(dd_scsi_rw_cmd(&c, 0, 0, 0x10000, 512, NULL), 0);
	assert_int_equal(c.cdb[0], 0x88);
	assert_int_equal(dd_scsi_rw_cmd(&c, 0, 0, 0, 512, NULL), DEVDRV_E_INVALID);
	assert_int_equal(dd_scsi_rw_cmd(&c, 0, UINT64_MAX, 2, 512, NULL), DEVDRV_E_INVALID);
}

static void test_csw_verdicts(void **state)
{
	static const uint8_t good[13] = { 0x55, 0x53, 0x42, 0x53, 7, 0, 0, 0, 0x00, 0x02, 0, 0, 1 };
	uint8_t b[13];
	struct dd_bot_csw csw;
	char why[120];

	(void)state;
	assert_int_equal(dd_bot_check_csw(good, 13, 7, 512, &csw, why, sizeof(why)), DD_BOT_FAILED);
	assert_int_equal(csw.residue, 512);
	assert_int_equal(dd_bot_check_csw(good, 13, 7, 511, &csw, why, sizeof(why)), DD_BOT_NOT_MEANINGFUL);
	assert_int_equal(dd_bot_check_csw(good, 12, 7, 512, &csw, why, sizeof(why)), DD_BOT_INVALID);
	assert_string_equal(why, "a CSW of 12 bytes, not 13");
	assert_int_equal(dd_bot_check_csw(good, 13, 8, 512, &csw, why, sizeof(why)), DD_BOT_INVALID);
	memcpy(b, good, 13);
	b[12] = 2; /* a phase error is meaningful whatever the residue */
	assert_int_equal(dd_bot_check_csw(b, 13, 7, 0, &csw, why, sizeof(why)), DD_BOT_PHASE_ERROR);
	b[12] = 3;
	assert_int_equal(dd_bot_check_csw(b, 13, 7, 512, &csw, why, sizeof(why)), DD_BOT_NOT_MEANINGFUL);
	assert_int_equal(dd_bot_luns((const uint8_t *)"\x03", 1), 4);
	assert_int_equal(dd_bot_luns((const uint8_t *)"\x10", 1), 1);
	assert_int_equal(dd_bot_luns(NULL, 0), 1);
}

static void expect_sense(const uint8_t *raw, size_t len, int code, const char *text)
{
	struct dd_scsi_sense s;
	char buf[120];

	assert_int_equal(dd_scsi_parse_sense(raw, len, &s), 0);
	assert_int_equal(dd_scsi_sense_describe(&s, buf, sizeof(buf)), code);
	assert_string_equal(buf, text);
}

static void test_sense_data(void **state)
{
	uint8_t fixed[18] = { 0xf0, 0, 0x05, 0, 0, 0x40, 0x00, 10, 0, 0, 0, 0, 0x21, 0x00 };
	uint8_t desc[20] = { 0x72, 0x03, 0x11, 0x00, 0, 0, 0, 12, 0x00, 0x0a, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 9 };
	struct dd_scsi_sense s;

	(void)state;
	expect_sense(fixed, 18, DEVDRV_E_INVALID, "ILLEGAL REQUEST, LBA out of range (sense 5/21/00)");
	assert_int_equal(dd_scsi_parse_sense(fixed, 18, &s), 0);
	assert_true(s.info_valid);
	assert_int_equal(s.info, 0x4000);
	fixed[2] = 0x02, fixed[12] = 0x3a;
	expect_sense(fixed, 18, DEVDRV_E_IO, "NOT READY, medium not present (sense 2/3a/00)");
	fixed[2] = 0x02, fixed[12] = 0x04, fixed[13] = 0x01;
	expect_sense(fixed, 18, DEVDRV_E_BUSY, "NOT READY, becoming ready (sense 2/04/01)");
	fixed[2] = 0x07, fixed[12] = 0x27, fixed[13] = 0;
	expect_sense(fixed, 18, DEVDRV_E_UNSUPPORTED, "DATA PROTECT, write protected (sense 7/27/00)");
	fixed[2] = 0x01, fixed[12] = 0x17;
	expect_sense(fixed, 18, 0, "RECOVERED ERROR (sense 1/17/00)");
	fixed[2] = 0x05, fixed[12] = 0x21;
	expect_sense(fixed, 12, DEVDRV_E_INVALID, "ILLEGAL REQUEST (sense 5/00/00)"); /* cut before the ASC */
	expect_sense(desc, sizeof(desc), DEVDRV_E_IO, "MEDIUM ERROR, unrecovered read error (sense 3/11/00)");
	assert_int_equal(dd_scsi_parse_sense(desc, sizeof(desc), &s), 0);
	assert_true(s.info_valid);
	assert_int_equal(s.info, 0x100000009ull);
	desc[7] = 200; /* a descriptor past the data is ignored, not read */
	assert_int_equal(dd_scsi_parse_sense(desc, 15, &s), 0);
	assert_false(s.info_valid);
	assert_int_equal(dd_scsi_parse_sense((const uint8_t *)"\x7f\x00\x05", 3, &s), DEVDRV_E_PROTOCOL);
}

static void test_capacity_and_inquiry_parsers(void **state)
{
	static const uint8_t rc10[8] = { 0x00, 0xee, 0x8a, 0xff, 0, 0, 0x02, 0 };
	static const uint8_t over[8] = { 0xff, 0xff, 0xff, 0xff, 0, 0, 0x02, 0 };
	static const uint8_t rc16[12] = { 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x10, 0 };
	static const uint32_t refused[] = { 0, 256, 520, 4095, 131072, 0x80000000u };
	struct dd_scsi_capacity cap;
	struct dd_scsi_inquiry q;
	char why[96];
	/* QEMU's usb-storage disk: "QEMU", "QEMU HARDDISK", "2.5+" */
	static const uint8_t qemu[36] = { 0x00, 0x00, 0x05, 0x12, 31, 0, 0, 0x10, 'Q', 'E', 'M', 'U', ' ', ' ', ' ', ' ',
		                          'Q', 'E', 'M', 'U', ' ', 'H', 'A', 'R', 'D', 'D', 'I', 'S', 'K', ' ', ' ', ' ',
		                          '2', '.', '5', '+' };

	(void)state;
	assert_int_equal(dd_scsi_parse_capacity10(rc10, 8, &cap), 0);
	assert_int_equal(cap.blocks, 15633152); /* an 8 GB stick */
	assert_int_equal(cap.block_size, 512);
	assert_int_equal(dd_scsi_parse_capacity10(over, 8, &cap), DD_SCSI_NEED_16);
	assert_int_equal(dd_scsi_parse_capacity10(rc10, 7, &cap), DEVDRV_E_PROTOCOL);
	assert_int_equal(dd_scsi_parse_capacity16(rc16, 12, &cap), 0);
	assert_int_equal(cap.blocks, 1ull << 33);
	assert_int_equal(cap.block_size, 4096);
	assert_int_equal(dd_scsi_check_capacity(&cap, why, sizeof(why)), 0);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		cap.block_size = refused[i];
		assert_int_equal(dd_scsi_check_capacity(&cap, why, sizeof(why)), DEVDRV_E_PROTOCOL);
	}
	cap.blocks = 1ull << 60, cap.block_size = 65536;
	assert_int_equal(dd_scsi_check_capacity(&cap, why, sizeof(why)), DEVDRV_E_PROTOCOL);
	assert_int_equal(dd_scsi_parse_inquiry(qemu, 36, &q), 0);
	assert_string_equal(q.vendor, "QEMU");
	assert_string_equal(q.product, "QEMU HARDDISK");
	assert_string_equal(q.revision, "2.5+");
	assert_false(q.removable);
	assert_int_equal(dd_scsi_parse_inquiry(qemu, 20, &q), 0); /* strings only as far as they came */
	assert_string_equal(q.vendor, "QEMU");
	assert_string_equal(q.product, "QEMU");
	assert_string_equal(q.revision, "");
	assert_int_equal(dd_scsi_parse_inquiry(qemu, 4, &q), DEVDRV_E_PROTOCOL);
}

/* ---- devdrv storage ------------------------------------------------------------------------------- */

struct run {
	int rc;
	char *out, *err;
	size_t out_len;
};

static char tmp_dir[64];

static const char *devdrv_program(void)
{
	static char path[PATH_MAX];
	char self[PATH_MAX - 32];
	ssize_t n;

	if (path[0])
		return path;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = 0;
	*strrchr(self, '/') = 0; /* build/tests */
	snprintf(path, sizeof(path), "%s/../cli/devdrv", self);
	if (access(path, X_OK) != 0)
		fail_msg("%s: not built", path);
	return path;
}

static char *slurp(FILE *f, size_t *len)
{
	long n;
	char *s;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	if (len)
		*len = (size_t)n;
	fclose(f);
	return s;
}

/* `devdrv --virtual --plug stick@1-3 ARGS...` (stick: @model), with the
 * mount-check environment @sysfs and @mounts when given. */
static struct run run_storage(const char *model, const char *sysfs, const char *mounts, const char *const *args)
{
	char plug[64];
	const char *argv[24] = { "devdrv", "--virtual", "--plug", plug, "storage" };
	FILE *out = tmpfile(), *err = tmpfile();
	struct run r = { 0 };
	int status, argc = 5;
	pid_t pid;

	snprintf(plug, sizeof(plug), "%s@1-3", model);
	for (; args[argc - 5]; argc++)
		argv[argc] = args[argc - 5];
	argv[argc] = NULL;
	assert_true(out && err);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0), dup2(fileno(out), 1), dup2(fileno(err), 2);
		unsetenv("DEVDRV_SYSFS_ROOT"), unsetenv("DEVDRV_MOUNTS_FILE"), unsetenv("DEVDRV_TRANSPORT");
		if (sysfs)
			setenv("DEVDRV_SYSFS_ROOT", sysfs, 1), setenv("DEVDRV_MOUNTS_FILE", mounts, 1);
		execv(devdrv_program(), (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r.out = slurp(out, &r.out_len);
	r.err = slurp(err, NULL);
	return r;
}

#define STORAGE(...) run_storage("stick", NULL, NULL, (const char *const[]){ __VA_ARGS__, NULL })

static void done(struct run *r)
{
	free(r->out);
	free(r->err);
}

static void expect_ok(struct run *r, const char *words)
{
	if (r->rc != 0 || r->err[0] || (words && !strstr(r->out, words)))
		fail_msg("rc %d, stdout: %s, stderr: %s (want success with '%s')", r->rc, r->out, r->err,
		         words ? words : "");
}

/* One line on stderr with the words and a hint; nothing on stdout. */
static void expect_failure(struct run *r, int rc, const char *words)
{
	char *nl = strchr(r->err, '\n');

	if (r->rc != rc || !nl || nl[1] || strncmp(r->err, "devdrv", 6) || !strstr(r->err, words) ||
	    !strstr(r->err, "; ") || r->out_len)
		fail_msg("rc %d (want %d), stderr: %s (want one line with '%s'), %zu bytes on stdout", r->rc, rc,
		         r->err, words, r->out_len);
	done(r);
}

static char *tmp_path(const char *name)
{
	static char path[4][128];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", tmp_dir, name);
	return p;
}

static int setup_tmp(void **state)
{
	(void)state;
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/devdrv-storage-XXXXXX");
	return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_cli_info_and_read(void **state)
{
	struct run r = STORAGE("1-3", "info");
	uint8_t want[2 * 512];
	char *text;

	(void)state;
	expect_ok(&r, "Storage 1-3 (LUN 0)");
	assert_non_null(strstr(r.out, "  vendor         devdrv\n"));
	assert_non_null(strstr(r.out, "  product        Virtual Stick\n"));
	assert_non_null(strstr(r.out, "  revision       1.00\n"));
	assert_non_null(strstr(r.out, "  logical units  2 (this is 0; pick one with lun=N)\n"));
	assert_non_null(strstr(r.out, "  capacity       16384 blocks x 512 bytes = 8388608 bytes (8.0 MiB)\n"));
	assert_non_null(strstr(r.out, "  write protect  no\n"));
	done(&r);
	r = STORAGE("1-3,lun=1", "info");
	expect_ok(&r, "  capacity       256 blocks x 4096 bytes = 1048576 bytes (1.0 MiB)\n");
	assert_non_null(strstr(r.out, "  write protect  yes\n"));
	done(&r);
	/* the same facts as one JSON document, the medium's as null without one */
	r = STORAGE("1-3,lun=1", "info", "--json");
	expect_ok(&r, NULL);
	assert_string_equal(r.out, "{\"schema_version\":1,\"lun\":1,\"luns\":2,\"vendor\":\"devdrv\","
	                           "\"product\":\"Virtual Stick WP\",\"revision\":\"1.00\",\"device_type\":0,"
	                           "\"removable\":true,\"medium_present\":true,\"blocks\":256,\"block_size\":4096,"
	                           "\"bytes\":1048576,\"write_protected\":true}\n");
	done(&r);
	r = run_storage("stick-no-medium", NULL, NULL, (const char *const[]){ "1-3", "info", "--json", NULL });
	expect_ok(&r, NULL);
	assert_non_null(strstr(r.out, "\"medium_present\":false,\"blocks\":null,\"block_size\":null,"
	                              "\"bytes\":null,\"write_protected\":null}\n"));
	done(&r);

	/* binary to stdout */
	r = STORAGE("1-3", "read", "7", "2");
	expect_ok(&r, NULL);
	assert_int_equal(r.out_len, sizeof(want));
	expected_block(0, 7, 512, want);
	expected_block(0, 8, 512, want + 512);
	assert_memory_equal(r.out, want, sizeof(want));
	done(&r);
	/* to a file */
	r = STORAGE("1-3", "read", "7", "2", "-o", tmp_path("two.bin"));
	expect_ok(&r, "");
	done(&r);
	text = slurp(fopen(tmp_path("two.bin"), "rb"), NULL);
	assert_memory_equal(text, want, sizeof(want));
	free(text);
	/* a dump, addressed by byte on the unit */
	r = STORAGE("1-3", "read", "1", "1", "--hex");
	expect_ok(&r, "00000200  01 00 00 00 00 00 00 00 64 65 76 64 72 76 2d 30\n");
	done(&r);
}

static void test_cli_dump_and_verify(void **state)
{
	const char *image = tmp_path("stick.img");
	struct run r = STORAGE("1-3", "dump", "-o", image);
	uint8_t *content, block[512];
	size_t len;
	FILE *f;

	(void)state;
	expect_ok(&r, "dumped 16384 blocks (8.0 MiB) of LUN 0 to ");
	done(&r);
	content = (uint8_t *)slurp(fopen(image, "rb"), &len);
	assert_int_equal(len, LUN0_BLOCKS * 512);
	expect_content(content, 0, 0, LUN0_BLOCKS, 512);
	free(content);

	r = STORAGE("1-3", "verify", "-i", image);
	expect_ok(&r, "matches LBA 0-16383 (8.0 MiB) of LUN 0");
	done(&r);
	/* one byte changed in block 17 */
	assert_non_null(f = fopen(image, "r+b"));
	fseek(f, 17 * 512 + 100, SEEK_SET);
	fputc(0xee, f);
	fclose(f);
	r = STORAGE("1-3", "verify", "-i", image);
	expect_failure(&r, 1, "LBA 17 differs from");
	/* a shorter image is compared as far as it goes */
	assert_non_null(f = fopen(tmp_path("short.img"), "wb"));
	for (unsigned lba = 0; lba < 4; lba++) {
		expected_block(0, lba, 512, block);
		fwrite(block, 1, 512, f);
	}
	fclose(f);
	r = STORAGE("1-3", "verify", "-i", tmp_path("short.img"));
	expect_ok(&r, "matches LBA 0-3 (2.0 KiB) of LUN 0");
	done(&r);
}

static void test_cli_write(void **state)
{
	const char *file = tmp_path("data.bin");
	uint8_t data[4096];
	struct run r;
	FILE *f;

	(void)state;
	memset(data, 0x42, sizeof(data));
	assert_non_null(f = fopen(file, "wb"));
	fwrite(data, 1, sizeof(data), f);
	fclose(f);
	r = STORAGE("1-3", "write", "10", "-i", file);
	expect_failure(&r, 2, "add --yes to do it");
	r = STORAGE("1-3", "write", "10", "-i", file, "--yes");
	expect_ok(&r, "wrote 8 blocks (4.0 KiB) to LUN 0 from LBA 10\n");
	done(&r);
	r = STORAGE("1-3,lun=1", "write", "0", "-i", file, "--yes");
	expect_failure(&r, 1, "LUN 1 is write protected; nothing was written");
	r = STORAGE("1-3", "write", "16380", "-i", file, "--yes");
	expect_failure(&r, 1, "holds 8 blocks; LUN 0 has 4 from LBA 16380 on");
	assert_non_null(f = fopen(file, "ab"));
	fputc(0, f);
	fclose(f);
	r = STORAGE("1-3", "write", "0", "-i", file, "--yes");
	expect_failure(&r, 2, "not a whole number of 512-byte blocks");
}

static void test_cli_usage_and_device_errors(void **state)
{
	struct run r = STORAGE("1-3", "read", "16383", "2");

	(void)state;
	expect_failure(&r, 2, "2 blocks from LBA 16383 are past the end of LUN 0 (16384 blocks)");
	r = STORAGE("1-3", "read", "0");
	expect_failure(&r, 2, "read takes LBA COUNT");
	r = STORAGE("1-3", "read", "0", "0");
	expect_failure(&r, 2, "COUNT needs a number above 0");
	r = STORAGE("1-3", "format");
	expect_failure(&r, 2, "unknown action 'format'");
	r = STORAGE("1-3", "info", "-o", "x");
	expect_failure(&r, 2, "info takes no -o FILE");
	r = STORAGE("1-3", "dump");
	expect_failure(&r, 2, "dump needs -o FILE");
	r = STORAGE("1-3", "verify", "-i", tmp_path("missing.img"));
	expect_failure(&r, 1, "cannot read");
	r = STORAGE("1-1", "info"); /* the loopback */
	expect_failure(&r, 1, "not a block one");
	r = STORAGE("1-3,lun=5", "info");
	expect_failure(&r, 1, "lun=5: the device has 2 logical units");
	r = run_storage("stick-bad-tag", NULL, NULL, (const char *const[]){ "1-3", "read", "0", "1", NULL });
	expect_failure(&r, 1, "the device was reset (Bulk-Only reset recovery)");
	r = run_storage("stick-no-medium", NULL, NULL, (const char *const[]){ "1-3", "info", NULL });
	expect_ok(&r, "  medium         none\n");
	assert_null(strstr(r.out, "capacity"));
	done(&r);
	r = run_storage("stick-no-medium", NULL, NULL, (const char *const[]){ "1-3", "dump", "-o", "x", NULL });
	expect_failure(&r, 1, "LUN 0 has no medium; insert a medium and retry");
	r = STORAGE("--help");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "devdrv storage SEL verify -i IMAGE"));
	done(&r);
}

static void make_dirs(const char *path)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A sysfs tree where interface 1-3:1.0 is SCSI disk sdz with partitions
 * sdz1 and sdz2, and a device-mapper volume on sdz2. */
static void test_cli_refuses_mounted_device(void **state)
{
	char sysfs[256], disk[512], path[1024];
	const char *mounts = tmp_path("mounts");
	struct run r;

	(void)state;
	snprintf(sysfs, sizeof(sysfs), "%s/sys", tmp_dir);
	snprintf(disk, sizeof(disk), "%s/bus/usb/devices/1-3:1.0/host7/target7:0:0/7:0:0:0/block/sdz", sysfs);
	snprintf(path, sizeof(path), "%s/sdz1", disk);
	make_dirs(path);
	write_file(strcat(path, "/partition"), "1\n");
	snprintf(path, sizeof(path), "%s/sdz2/holders/dm-3/dm", disk);
	make_dirs(path);
	write_file(strcat(path, "/name"), "vault\n");
	snprintf(path, sizeof(path), "%s/sdz2/partition", disk);
	write_file(path, "2\n");

	write_file(mounts, "/dev/sda1 / ext4 rw 0 0\n/dev/sdz1 /media/my\\040stick vfat rw 0 0\n");
	r = run_storage("stick", sysfs, mounts, (const char *const[]){ "1-3", "info", NULL });
	expect_failure(&r, 1, "/dev/sdz1 is mounted on /media/my stick; opening the device would pull it from under "
	               "the filesystem; unmount it first (umount '/media/my stick')");
	write_file(mounts, "/dev/sda1 / ext4 rw 0 0\n/dev/mapper/vault /home ext4 rw 0 0\n");
	r = run_storage("stick", sysfs, mounts, (const char *const[]){ "1-3", "dump", "-o", "x", NULL });
	expect_failure(&r, 1, "/dev/mapper/vault is mounted on /home");
	/* sdza is another disk, sdz itself unmounted: the device opens */
	write_file(mounts, "/dev/sda1 / ext4 rw 0 0\n/dev/sdza1 /other vfat rw 0 0\n");
	r = run_storage("stick", sysfs, mounts, (const char *const[]){ "1-3", "info", NULL });
	expect_ok(&r, "Virtual Stick");
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_of_both_units),
		cmocka_unit_test(test_open_requests_and_refusals),
		cmocka_unit_test(test_content_is_deterministic),
		cmocka_unit_test(test_write_and_read_back),
		cmocka_unit_test(test_stream_read_write),
		cmocka_unit_test(test_write_protected_unit),
		cmocka_unit_test(test_read_past_the_end),
		cmocka_unit_test(test_unit_without_medium),
		cmocka_unit_test(test_large_transfers_are_split),
		cmocka_unit_test(test_argument_checks),
		cmocka_unit_test(test_csw_with_bad_signature),
		cmocka_unit_test(test_csw_with_wrong_tag),
		cmocka_unit_test(test_csw_residue_larger_than_asked),
		cmocka_unit_test(test_csw_phase_error),
		cmocka_unit_test(test_stalled_or_late_csw_is_read_again),
		cmocka_unit_test(test_block_size_zero_is_refused),
		cmocka_unit_test(test_huge_unit_uses_16_byte_commands),
		cmocka_unit_test(test_unplug_at_every_transfer),
		cmocka_unit_test(test_close_after_write_and_unplug),
		cmocka_unit_test(test_cbw_layout),
		cmocka_unit_test(test_csw_verdicts),
		cmocka_unit_test(test_sense_data),
		cmocka_unit_test(test_capacity_and_inquiry_parsers),
		cmocka_unit_test_setup_teardown(test_cli_info_and_read, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_cli_dump_and_verify, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_cli_write, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_cli_usage_and_device_errors, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_cli_refuses_mounted_device, setup_tmp, teardown_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
