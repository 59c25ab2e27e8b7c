/* test-ncm.c — what the CDC network drivers read from a device, without
 * one. NCM Transfer Blocks (lib/drivers/ncm-ntb.c): what we build is laid
 * out as NCM 1.0 section 3 says and reads back; NTBs as a device builds
 * them (several datagrams, the NDP after them, chained NDPs, 32-bit) give
 * their frames; and every offset or length a device could lie with is
 * refused or dropped, never followed. CDC notifications
 * (lib/drivers/cdc-notify.c): put back together across packets and split
 * where a transfer holds more than one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "drivers/cdc-notify.h"
#include "drivers/ncm-ntb.h"

#define MAX_FRAME 1518

static const struct ncm_out_params linux_gadget = { .max_size = 16384, .divisor = 4, .remainder = 2,
	                                            .alignment = 4, .max_packet = 512 };

static void frame_of(uint8_t *f, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(seed + i * 7);
}

static size_t parse(const uint8_t *ntb, size_t len, struct ncm_datagram *d, size_t cap, struct ncm_parsed *res,
                    const char **why)
{
	return ncm_ntb_parse(ntb, len, MAX_FRAME, d, cap, res, why) < 0 ? (size_t)-1 : res->count;
}

/* One frame in an NTB16, as the device's GET_NTB_PARAMETERS asks: the
 * header, the NDP aligned, the datagram at offset % divisor == remainder. */
static void test_build_ntb16(void **state)
{
	uint8_t frame[100], ntb[4096];
	struct ncm_datagram d[4];
	struct ncm_parsed res;
	const char *why;
	size_t n;

	(void)state;
	frame_of(frame, sizeof(frame), 1);
	n = ncm_ntb_build(ntb, sizeof(ntb), 0, 0x1234, frame, sizeof(frame), &linux_gadget);
	assert_memory_equal(ntb, "NCMH", 4);
	assert_int_equal(dd_get_le16(ntb + 4), NCM_NTH16_LEN);
	assert_int_equal(dd_get_le16(ntb + 6), 0x1234);
	assert_int_equal(dd_get_le16(ntb + 8), n);
	assert_int_equal(dd_get_le16(ntb + 10), 12); /* right after the header, 4-aligned */
	assert_memory_equal(ntb + 12, "NCM0", 4);
	assert_int_equal(dd_get_le16(ntb + 16), 16); /* header, one pair, the null pair */
	assert_int_equal(dd_get_le16(ntb + 18), 0);  /* no next NDP */
	assert_int_equal(dd_get_le16(ntb + 20) % 4, 2);
	assert_int_equal(dd_get_le16(ntb + 22), sizeof(frame));
	assert_int_equal(dd_get_le32(ntb + 24), 0); /* the null pair */
	assert_int_equal(n, dd_get_le16(ntb + 20) + sizeof(frame));
	assert_int_equal(parse(ntb, n, d, 4, &res, &why), 1);
	assert_int_equal(res.dropped, 0);
	assert_memory_equal(ntb + d[0].offset, frame, sizeof(frame));
}

static void test_build_ntb32(void **state)
{
	uint8_t frame[MAX_FRAME], ntb[4096];
	struct ncm_datagram d[4];
	struct ncm_parsed res;
	const char *why;
	size_t n;

	(void)state;
	frame_of(frame, sizeof(frame), 9);
	n = ncm_ntb_build(ntb, sizeof(ntb), 1, 7, frame, sizeof(frame), &linux_gadget);
	assert_memory_equal(ntb, "ncmh", 4);
	assert_int_equal(dd_get_le16(ntb + 4), NCM_NTH32_LEN);
	assert_int_equal(dd_get_le32(ntb + 8), n);
	assert_int_equal(dd_get_le32(ntb + 12), 16);
	assert_memory_equal(ntb + 16, "ncm0", 4);
	assert_int_equal(dd_get_le16(ntb + 20), 32);
	assert_int_equal(dd_get_le32(ntb + 32) % 4, 2);
	assert_int_equal(dd_get_le32(ntb + 36), sizeof(frame));
	assert_int_equal(parse(ntb, n, d, 4, &res, &why), 1);
	assert_int_equal(d[0].length, sizeof(frame));
	assert_memory_equal(ntb + d[0].offset, frame, sizeof(frame));
}

/* An NTB of a whole number of packets below max_size would need a
 * zero-length packet: a byte of padding ends it instead. Unaligned
 * parameters (divisor 0, alignment 0) fall back to what the spec allows. */
static void test_build_padding_and_limits(void **state)
{
	struct ncm_out_params p = { .max_size = 2048, .divisor = 0, .remainder = 0, .alignment = 0, .max_packet = 64 };
	uint8_t frame[MAX_FRAME], ntb[4096];
	struct ncm_datagram d[2];
	struct ncm_parsed res;
	const char *why;
	size_t n;

	(void)state;
	frame_of(frame, sizeof(frame), 3);
	/* NDP at 12, 16 bytes: the datagram starts at 28; 28 + 100 = 128 = 2 packets */
	n = ncm_ntb_build(ntb, sizeof(ntb), 0, 0, frame, 100, &p);
	assert_int_equal(n, 129);
	assert_int_equal(dd_get_le16(ntb + 8), 129);
	assert_int_equal(ntb[128], 0);
	assert_int_equal(parse(ntb, n, d, 2, &res, &why), 1);
	assert_int_equal(d[0].offset, 28);
	assert_int_equal(d[0].length, 100);
	/* too big for the device's NTBs, or for the buffer: nothing built */
	p.max_size = 1000;
	assert_int_equal(ncm_ntb_build(ntb, sizeof(ntb), 0, 0, frame, 1000, &p), 0);
	p.max_size = 16384;
	assert_int_equal(ncm_ntb_build(ntb, 1000, 0, 0, frame, 1000, &p), 0);
	/* an alignment that is no power of two (81) is taken as 4: the NDP must
	 * start where a reader looks for one */
	p.alignment = 81;
	n = ncm_ntb_build(ntb, sizeof(ntb), 0, 0, frame, 100, &p);
	assert_int_equal(dd_get_le16(ntb + 10), 12);
	assert_int_equal(parse(ntb, n, d, 2, &res, &why), 1);
	p.alignment = 64;
	n = ncm_ntb_build(ntb, sizeof(ntb), 0, 0, frame, 100, &p);
	assert_int_equal(dd_get_le16(ntb + 10), 64);
	assert_int_equal(parse(ntb, n, d, 2, &res, &why), 1);
	/* a divisor the device made huge pushes the datagram past what fits */
	p.divisor = 0x8000, p.remainder = 0x7fff;
	assert_int_equal(ncm_ntb_build(ntb, sizeof(ntb), 0, 0, frame, 100, &p), 0);
}

/* As Linux's f_ncm sends them: the header, the datagrams, then the NDP at
 * the end; here with a second NDP chained from the first. */
static size_t device_ntb(uint8_t *ntb, size_t cap)
{
	memset(ntb, 0, cap);
	memcpy(ntb, "NCMH", 4);
	dd_put_le16(ntb + 4, 12);
	dd_put_le16(ntb + 8, 400);
	dd_put_le16(ntb + 10, 300); /* the first NDP */
	frame_of(ntb + 16, 60, 1);
	frame_of(ntb + 80, 100, 2);
	frame_of(ntb + 200, 64, 3);
	memcpy(ntb + 300, "NCM0", 4);
	dd_put_le16(ntb + 304, 20);  /* two pairs and the null one */
	dd_put_le16(ntb + 306, 340); /* the next NDP */
	dd_put_le16(ntb + 308, 16), dd_put_le16(ntb + 310, 60);
	dd_put_le16(ntb + 312, 80), dd_put_le16(ntb + 314, 100);
	memcpy(ntb + 340, "NCM0", 4);
	dd_put_le16(ntb + 344, 16);
	dd_put_le16(ntb + 348, 200), dd_put_le16(ntb + 350, 64);
	return 400;
}

static void test_device_ntb_with_chained_ndps(void **state)
{
	uint8_t ntb[512], f[128];
	struct ncm_datagram d[8];
	struct ncm_parsed res;
	const char *why;
	size_t len = device_ntb(ntb, sizeof(ntb));

	(void)state;
	assert_int_equal(parse(ntb, len, d, 8, &res, &why), 3);
	assert_int_equal(res.dropped, 0);
	assert_int_equal(d[0].offset, 16), assert_int_equal(d[0].length, 60);
	assert_int_equal(d[1].offset, 80), assert_int_equal(d[1].length, 100);
	assert_int_equal(d[2].offset, 200), assert_int_equal(d[2].length, 64);
	frame_of(f, 64, 3);
	assert_memory_equal(ntb + 200, f, 64);
	/* two slots: the third datagram is counted, not written past the array */
	assert_int_equal(parse(ntb, len, d, 2, &res, &why), 2);
	assert_int_equal(res.dropped, 1);
	/* wBlockLength 0: the transfer's end is the block's (NCM 3.2.1) */
	dd_put_le16(ntb + 8, 0);
	assert_int_equal(parse(ntb, len, d, 8, &res, &why), 3);
}

/* Cut anywhere, the NTB is refused or gives datagrams inside what came. */
static void test_every_truncation(void **state)
{
	uint8_t ntb[512];
	struct ncm_datagram d[8];
	struct ncm_parsed res;
	const char *why;
	size_t len = device_ntb(ntb, sizeof(ntb));

	(void)state;
	dd_put_le16(ntb + 8, 0); /* so that a cut NTB still claims to end where it is cut */
	for (size_t cut = 0; cut < len; cut++) {
		size_t n = parse(ntb, cut, d, 8, &res, &why);

		if (n == (size_t)-1) {
			assert_non_null(why);
			continue;
		}
		for (size_t i = 0; i < n; i++)
			assert_true(d[i].offset + d[i].length <= cut);
	}
}

struct lie {
	const char *what;
	size_t at;      /* where the lie is written */
	uint32_t value; /* 16 bits */
	int refused;    /* 1: the NTB is unreadable; 0: one datagram is dropped */
};

/* A device's lies, one at a time, on the NTB above. */
static void test_lies_are_refused_or_dropped(void **state)
{
	static const struct lie lies[] = {
		{ "block length beyond what arrived", 8, 401, 1 },
		{ "block length below the header", 8, 11, 1 },
		{ "header length not 12", 4, 16, 1 },
		{ "first NDP outside the block", 10, 398, 1 },
		{ "first NDP not 4-aligned", 10, 302, 1 },
		{ "first NDP inside the header", 10, 4, 1 },
		{ "NDP length past the block", 304, 120, 1 },
		{ "NDP length below the minimum", 304, 12, 1 },
		{ "NDP length not a whole number of pairs", 304, 22, 1 },
		{ "next NDP pointing back at itself", 306, 300, 1 },
		{ "datagram past the block", 310, 390, 0 },
		{ "datagram inside the header", 308, 4, 0 },
		{ "datagram shorter than an Ethernet header", 310, 13, 0 },
		{ "datagram longer than a frame", 314, MAX_FRAME + 1, 0 },
	};
	uint8_t ntb[512];
	struct ncm_datagram d[8];
	struct ncm_parsed res;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		size_t len = device_ntb(ntb, sizeof(ntb)), n;

		if (lies[i].at == 314) /* a datagram that long needs a block that long */
			len = 1800, dd_put_le16(ntb + 8, 1800);
		dd_put_le16(ntb + lies[i].at, lies[i].value);
		n = parse(ntb, len, d, 8, &res, &why);
		if (lies[i].refused && n != (size_t)-1)
			fail_msg("%s: read as %zu datagrams", lies[i].what, n);
		if (!lies[i].refused && (n != 2 || res.dropped != 1))
			fail_msg("%s: %zu datagrams, %zu dropped (%s)", lies[i].what, n, res.dropped, why ? why : "");
	}
}

/* Signatures: an NDP with CRCs (never asked for), an NDP16 in an NTB32,
 * no signature at all; and a loop of NDPs through each other. */
static void test_signatures_and_loops(void **state)
{
	uint8_t ntb[512], frame[64];
	struct ncm_datagram d[8];
	struct ncm_parsed res;
	const char *why;
	size_t len = device_ntb(ntb, sizeof(ntb)), n;

	(void)state;
	memcpy(ntb + 340, "NCM1", 4);
	assert_int_equal(parse(ntb, len, d, 8, &res, &why), (size_t)-1);
	assert_string_equal(why, "an NDP with CRCs, which the host did not ask for");
	len = device_ntb(ntb, sizeof(ntb));
	dd_put_le16(ntb + 346, 300); /* the second NDP leads back to the first */
	assert_int_equal(parse(ntb, len, d, 8, &res, &why), (size_t)-1);
	assert_string_equal(why, "more chained NDPs than an NTB needs");
	len = device_ntb(ntb, sizeof(ntb));
	memcpy(ntb, "XCMH", 4);
	assert_int_equal(parse(ntb, len, d, 8, &res, &why), (size_t)-1);
	assert_string_equal(why, "no NTB header signature");
	frame_of(frame, sizeof(frame), 5);
	n = ncm_ntb_build(ntb, sizeof(ntb), 1, 0, frame, sizeof(frame), &linux_gadget);
	memcpy(ntb + 16, "NCM0", 4); /* a 16-bit NDP in a 32-bit NTB */
	assert_int_equal(parse(ntb, n, d, 8, &res, &why), (size_t)-1);
	assert_string_equal(why, "an NDP without its signature");
}

struct seen_notifications {
	size_t count;
	uint8_t type[16];
	size_t len[16];
	uint32_t value[16];
};

static void keep_notification(void *arg, const uint8_t *n, size_t len)
{
	struct seen_notifications *s = arg;

	assert_true(s->count < 16);
	s->type[s->count] = n[1];
	s->len[s->count] = len;
	s->value[s->count++] = (uint32_t)(n[2] | n[3] << 8);
}

static const uint8_t connected[8] = { 0xa1, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00 };
static const uint8_t speed[16] = { 0xa1, 0x2a, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00,
	                           0x00, 0xe1, 0xf5, 0x05, 0x00, 0xe1, 0xf5, 0x05 };

/* What f_ecm sends on a 16-byte pipe into a transfer of more: a speed change
 * fills its packet, so the connection after it lands in the same transfer;
 * both are seen, in order. */
static void test_notifications_sharing_a_transfer(void **state)
{
	struct cdc_notify_buf b = { 0 };
	struct seen_notifications s = { 0 };
	uint8_t t[24];

	(void)state;
	memcpy(t, speed, 16);
	memcpy(t + 16, connected, 8);
	cdc_notify_feed(&b, t, sizeof(t), keep_notification, &s);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.type[0], 0x2a), assert_int_equal(s.len[0], 16);
	assert_int_equal(s.type[1], 0x00), assert_int_equal(s.value[1], 1);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.dropped, 0);
}

/* An 8-byte pipe: the speed change comes in two packets, and counts once. */
static void test_notification_across_packets(void **state)
{
	struct cdc_notify_buf b = { 0 };
	struct seen_notifications s = { 0 };

	(void)state;
	cdc_notify_feed(&b, speed, 8, keep_notification, &s);
	assert_int_equal(s.count, 0);
	cdc_notify_feed(&b, speed + 8, 8, keep_notification, &s);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.len[0], 16);
	/* ten notifications at once, more than the buffer holds: all of them */
	{
		uint8_t many[80];

		for (int k = 0; k < 10; k++)
			memcpy(many + 8 * k, connected, 8);
		cdc_notify_feed(&b, many, sizeof(many), keep_notification, &s);
	}
	assert_int_equal(s.count, 11);
}

/* Bytes that are no notification, and one longer than could be kept, are
 * dropped and counted; what follows in a later packet is read again. */
static void test_notification_garbage_is_dropped(void **state)
{
	struct cdc_notify_buf b = { 0 };
	struct seen_notifications s = { 0 };
	uint8_t huge[8] = { 0xa1, 0x2a, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t junk[5] = { 0x21, 1, 2, 3, 4 };

	(void)state;
	cdc_notify_feed(&b, junk, sizeof(junk), keep_notification, &s);
	assert_int_equal(b.dropped, 5);
	cdc_notify_feed(&b, huge, sizeof(huge), keep_notification, &s);
	assert_int_equal(b.dropped, 13);
	assert_int_equal(s.count, 0);
	cdc_notify_feed(&b, connected, sizeof(connected), keep_notification, &s);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.value[0], 1);
}

/* Frames added one after another: after each, a whole NTB that our
 * parser (and so the NDP's length and null entry) reads back frame for
 * frame; datagrams where the device wants them; full by datagram count,
 * then by size; a length of whole packets padded by one byte. */
static void test_writer_packs_frames(void **state)
{
	uint8_t frames[40][1514], ntb[16384];
	size_t lens[40];
	struct ncm_datagram d[40];
	struct ncm_ntb_writer w;
	struct ncm_parsed res;
	const char *why;
	unsigned k;

	(void)state;
	ncm_ntb_begin(&w, ntb, sizeof(ntb), 0, 77, 8, &linux_gadget);
	for (k = 0; k < 8; k++) {
		lens[k] = 60 + k * 97;
		frame_of(frames[k], lens[k], (uint8_t)k);
		assert_int_equal(ncm_ntb_add(&w, frames[k], lens[k]), 0);
		assert_int_equal(dd_get_le16(ntb + 8), w.total);
		assert_int_equal(parse(ntb, w.total, d, 40, &res, &why), k + 1);
		assert_int_equal(res.dropped, 0);
		for (unsigned i = 0; i <= k; i++) {
			assert_int_equal(d[i].length, lens[i]);
			assert_int_equal(d[i].offset % 4, 2);
			assert_memory_equal(ntb + d[i].offset, frames[i], lens[i]);
		}
	}
	assert_int_equal(dd_get_le16(ntb + 6), 77);
	assert_int_equal(ncm_ntb_add(&w, frames[0], 60), -1); /* 8 datagrams: full */
	assert_int_equal(parse(ntb, w.total, d, 40, &res, &why), 8); /* and unchanged */

	ncm_ntb_begin(&w, ntb, sizeof(ntb), 0, 0, 32, &linux_gadget);
	frame_of(frames[0], 1514, 9);
	for (k = 0; ncm_ntb_add(&w, frames[0], 1514) == 0; k++)
		assert_true(w.total <= linux_gadget.max_size);
	assert_int_equal(k, 10); /* 10 full frames in 16 KiB, not 11 */
	assert_true(w.total % linux_gadget.max_packet != 0 || w.total == linux_gadget.max_size);
	assert_int_equal(parse(ntb, w.total, d, 40, &res, &why), 10);
}

/* How many frames an NTB has room for, a whole frame still fitting. */
static void test_room_for(void **state)
{
	struct ncm_out_params small = linux_gadget;

	(void)state;
	assert_int_equal(ncm_ntb_room_for(16384, 0, 1518, 32, &linux_gadget), 32);
	small.max_size = 1600; /* 12 + 8 + 4 x (k + 1) + 2 + 1518 <= 1600: k = 14 */
	assert_int_equal(ncm_ntb_room_for(16384, 0, 1518, 32, &small), 14);
	small.max_size = 1500;
	assert_int_equal(ncm_ntb_room_for(16384, 0, 1518, 32, &small), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_ntb16),
		cmocka_unit_test(test_writer_packs_frames),
		cmocka_unit_test(test_room_for),
		cmocka_unit_test(test_build_ntb32),
		cmocka_unit_test(test_build_padding_and_limits),
		cmocka_unit_test(test_device_ntb_with_chained_ndps),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_lies_are_refused_or_dropped),
		cmocka_unit_test(test_signatures_and_loops),
		cmocka_unit_test(test_notifications_sharing_a_transfer),
		cmocka_unit_test(test_notification_across_packets),
		cmocka_unit_test(test_notification_garbage_is_dropped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
