/* test-gso.c — the TAP bridge's offloads, both ways.
 *
 * Sending (lib/bridges/gso.c): a packet the
 * kernel hands with NEEDS_CSUM leaves with a checksum that verifies; a
 * TCP/IPv4 TSO packet becomes segments of gso_size with the sequence
 * numbers, IDs, lengths, flags and checksums a network card would give
 * them, payload in order, also behind a VLAN tag and across the sequence
 * number's wrap; malformed packets and kinds not offered are refused
 * before any frame goes; the sink's error stops the cutting.
 *
 * Receiving (lib/bridges/gro.c): a run of segments of one flow becomes one
 * packet whose header lets the kernel cut it again, and cutting it again
 * (with gso.c, as the kernel would) gives back the very segments; what does
 * not continue the held packet (another flow, a gap, another ACK or window,
 * a bad checksum, SYN, not TCP) goes as it came, after what was held, in
 * order; no packet passes IPv4's 64 KiB.
 *
 * The checks verify checksums the way a receiver does (the sum over the
 * pseudo-header and the segment, checksum included, is 0xffff), written
 * here without the library's functions. The kernel's TCP checks the same
 * in the net-gadget scenario, where TSO packets cross to Linux's f_ncm. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/virtio_net.h>
#include <stdint.h>
#include <string.h>

#include "bridges/gro.h"
#include "bridges/gso.h"

#define MAX_FRAME 1518
#define MAX_FRAMES 64

struct sink {
	uint8_t frame[MAX_FRAMES][MAX_FRAME];
	size_t len[MAX_FRAMES];
	int n, fail_at, fail_with;
};

static int collect(void *arg, const uint8_t *frame, size_t len)
{
	struct sink *s = arg;

	assert_true(len <= MAX_FRAME);
	assert_true(s->n < MAX_FRAMES);
	if (s->fail_at && s->n + 1 == s->fail_at)
		return s->fail_with;
	memcpy(s->frame[s->n], frame, len);
	s->len[s->n++] = len;
	return 0;
}

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

/* The ones' complement sum of 16-bit words, folded, as a receiver adds. */
static unsigned ones_sum(const uint8_t *p, size_t len, unsigned long start)
{
	unsigned long s = start;

	for (size_t i = 0; i < len; i++)
		s += i % 2 ? p[i] : (unsigned long)p[i] << 8;
	while (s > 0xffff)
		s = (s >> 16) + (s & 0xffff);
	return (unsigned)s;
}

static int ipv4_header_verifies(const uint8_t *ip)
{
	return ones_sum(ip, (size_t)(ip[0] & 15) * 4, 0) == 0xffff;
}

static int tcp_verifies(const uint8_t *ip, const uint8_t *tcp, size_t tcp_len)
{
	unsigned long pseudo = be16(ip + 12) + be16(ip + 14) + be16(ip + 16) + be16(ip + 18) + 6 + tcp_len;

	return ones_sum(tcp, tcp_len, pseudo) == 0xffff;
}

/* Ethernet (with a VLAN tag if @vlan), IPv4 (ID 0x1234, DF), TCP with a
 * 12-byte timestamp option, @payload bytes of i * 7 + 3; the checksums are
 * as the kernel hands them with NEEDS_CSUM: the TCP field holds the
 * pseudo-header's sum, the IPv4 one is left for each segment. @return the
 * packet's length. */
static size_t make_tcp4(uint8_t *pkt, int vlan, uint32_t seq, uint8_t flags, size_t payload)
{
	size_t l3 = vlan ? 18 : 14, l4 = l3 + 20, hdrs = l4 + 32;
	unsigned long pseudo;

	memset(pkt, 0, hdrs);
	memcpy(pkt, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	if (vlan)
		memcpy(pkt + 12, "\x81\x00\x00\x07", 4);
	memcpy(pkt + l3 - 2, "\x08\x00", 2);
	memcpy(pkt + l3, "\x45\x00\xff\xff\x12\x34\x40\x00\x40\x06\x00\x00\x0a\x00\x00\x01\x0a\x00\x00\x02", 20);
	memcpy(pkt + l4, "\x9c\x40\x00\x50", 4);
	for (int i = 0; i < 4; i++)
		pkt[l4 + 4 + i] = (uint8_t)(seq >> (24 - 8 * i));
	pkt[l4 + 12] = 8 << 4; /* 32 bytes */
	pkt[l4 + 13] = flags;
	memcpy(pkt + l4 + 14, "\x01\xf5", 2);
	memcpy(pkt + l4 + 20, "\x01\x01\x08\x0a\x00\x00\x10\x00\x00\x00\x20\x00", 12);
	for (size_t i = 0; i < payload; i++)
		pkt[hdrs + i] = (uint8_t)(i * 7 + 3);
	pseudo = ones_sum(pkt + l3 + 12, 8, 6 + 32 + payload);
	pkt[l4 + 16] = (uint8_t)(pseudo >> 8);
	pkt[l4 + 17] = (uint8_t)pseudo;
	return hdrs + payload;
}

static struct dd_vnet_hdr tso(uint16_t mss, size_t l3)
{
	return (struct dd_vnet_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
		                     .hdr_len = (uint16_t)(l3 + 52), .gso_size = mss, .csum_start = (uint16_t)(l3 + 20),
		                     .csum_offset = 16 };
}

static uint8_t pkt[70000], scratch[MAX_FRAME];
static struct sink out;

static void check_segments(int vlan, uint32_t seq, size_t payload, uint16_t mss)
{
	size_t l3 = vlan ? 18 : 14, l4 = l3 + 20, hdrs = l4 + 32, len = make_tcp4(pkt, vlan, seq, 0x80 | 0x18 | 0x01, payload);
	struct dd_vnet_hdr vh = tso(mss, l3);
	int want = (int)((payload + mss - 1) / mss);

	memset(&out, 0, sizeof(out));
	assert_int_equal(dd_gso_frames(&vh, pkt, len, MAX_FRAME, scratch, collect, &out), want);
	assert_int_equal(out.n, want);
	for (int i = 0; i < want; i++) {
		const uint8_t *f = out.frame[i], *ip = f + l3, *tcp = f + l4;
		size_t seg = i < want - 1 ? mss : payload - (size_t)i * mss;

		assert_int_equal(out.len[i], hdrs + seg);
		assert_memory_equal(f, pkt, l3);                            /* addresses, VLAN tag */
		assert_int_equal(be16(ip + 2), 20 + 32 + seg);             /* total length */
		assert_int_equal(be16(ip + 4), (0x1234 + i) & 0xffff);      /* one ID more each */
		assert_true(ipv4_header_verifies(ip));
		assert_int_equal(be32(tcp + 4), (uint32_t)(seq + (uint32_t)(i * mss)));
		assert_int_equal(tcp[13] & 0x80, i == 0 ? 0x80 : 0);        /* CWR: first */
		assert_int_equal(tcp[13] & 0x09, i == want - 1 ? 0x09 : 0); /* FIN, PSH: last */
		assert_int_equal(tcp[13] & 0x10, 0x10);                     /* ACK: all */
		assert_memory_equal(tcp + 20, pkt + l4 + 20, 12);          /* the options */
		assert_memory_equal(f + hdrs, pkt + hdrs + (size_t)i * mss, seg);
		assert_true(tcp_verifies(ip, tcp, 32 + seg));
	}
}

static void test_tso_segments(void **state)
{
	(void)state;
	check_segments(0, 1000, 5000, 1448);        /* three full, one short */
	check_segments(0, 0xfffff000u, 65000, 1448); /* 45 segments, the sequence number wraps */
	check_segments(1, 77, 2896, 1448);          /* behind a VLAN tag, two exact */
	check_segments(0, 5, 1, 1448);              /* one byte */
}

static void test_tso_behind_an_802_1ad_tag(void **state)
{
	size_t len = make_tcp4(pkt, 1, 1, 0x10, 2000);
	struct dd_vnet_hdr vh = tso(1448, 18);

	(void)state;
	pkt[12] = 0x88, pkt[13] = 0xa8;
	memset(&out, 0, sizeof(out));
	assert_int_equal(dd_gso_frames(&vh, pkt, len, MAX_FRAME, scratch, collect, &out), 2);
	assert_memory_equal(out.frame[1], pkt, 18);
	assert_true(tcp_verifies(out.frame[1] + 18, out.frame[1] + 38, 32 + 552));
}

static void test_checksum_completed(void **state)
{
	size_t len = make_tcp4(pkt, 0, 42, 0x18, 333);
	struct dd_vnet_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 16 };

	(void)state;
	memset(&out, 0, sizeof(out));
	assert_int_equal(dd_gso_frames(&vh, pkt, len, MAX_FRAME, scratch, collect, &out), 1);
	assert_int_equal(out.len[0], len);
	assert_true(tcp_verifies(out.frame[0] + 14, out.frame[0] + 34, 32 + 333));
	/* without NEEDS_CSUM the frame goes as it is */
	memset(&out, 0, sizeof(out));
	vh.flags = 0;
	pkt[50] ^= 0xff;
	assert_int_equal(dd_gso_frames(&vh, pkt, len, MAX_FRAME, scratch, collect, &out), 1);
	assert_memory_equal(out.frame[0], pkt, len);
}

static void expect_refused(struct dd_vnet_hdr vh, size_t len)
{
	memset(&out, 0, sizeof(out));
	assert_int_equal(dd_gso_frames(&vh, pkt, len, MAX_FRAME, scratch, collect, &out), -1);
	assert_int_equal(out.n, 0);
}

static void test_malformed_refused_whole(void **state)
{
	size_t len = make_tcp4(pkt, 0, 1, 0x10, 4000);
	struct dd_vnet_hdr vh = tso(1448, 14), bad;

	(void)state;
	bad = vh, bad.gso_size = 0;
	expect_refused(bad, len);
	bad = vh, bad.gso_size = 1500; /* 66 bytes of headers: a 1566-byte frame */
	expect_refused(bad, len);
	bad = vh, bad.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	expect_refused(bad, len);
	bad = vh, bad.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	expect_refused(bad, len);
	bad = vh, bad.gso_type = VIRTIO_NET_HDR_GSO_ECN; /* ECN, but no kind of segmentation */
	expect_refused(bad, 66 + 100);                    /* (a frame that would go as it is) */
	for (size_t cut = 0; cut < 66; cut += 5) /* headers cut short anywhere */
		expect_refused(vh, cut);
	pkt[14 + 20 + 12] = 4 << 4; /* a TCP header of 16 bytes */
	expect_refused(vh, len);
	pkt[14 + 20 + 12] = 15 << 4; /* of 60: past the packet's end for a short one */
	expect_refused(vh, 14 + 20 + 40);
	make_tcp4(pkt, 0, 1, 0x10, 4000);
	pkt[14] = 0x44; /* an IPv4 header of 16 bytes */
	expect_refused(vh, len);
	pkt[14] = 0x65; /* IPv6's version */
	expect_refused(vh, len);
	make_tcp4(pkt, 0, 1, 0x10, 4000);
	pkt[14 + 9] = 17; /* UDP in a TCP segment */
	expect_refused(vh, len);
	make_tcp4(pkt, 0, 1, 0x10, 4000);
	pkt[12] = 0x86, pkt[13] = 0xdd; /* not IPv4 */
	expect_refused(vh, len);
	bad = (struct dd_vnet_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 200, .csum_offset = 16 };
	expect_refused(bad, 210);
	bad.csum_start = 34, bad.csum_offset = 1000;
	expect_refused(bad, 500);
	bad = (struct dd_vnet_hdr){ 0 };
	expect_refused(bad, MAX_FRAME + 1); /* larger than a frame, and no TSO */
}

static void test_sink_error_stops(void **state)
{
	size_t len = make_tcp4(pkt, 0, 1, 0x10, 10000);
	struct dd_vnet_hdr vh = tso(1000, 14);

	(void)state;
	memset(&out, 0, sizeof(out));
	out.fail_at = 3;
	out.fail_with = -42;
	assert_int_equal(dd_gso_frames(&vh, pkt, len, MAX_FRAME, scratch, collect, &out), -42);
	assert_int_equal(out.n, 2);
}

/* ---- receiving ---------------------------------------------------------- */

/* A segment as an adapter delivers it: port @sport, @seq, IPv4 ID @id,
 * @flags, @payload bytes from offset @at of the flow's data, checksums
 * complete. */
static size_t make_segment(uint8_t *f, unsigned sport, uint32_t seq, unsigned id, uint8_t flags, size_t payload,
                           size_t at)
{
	size_t len = make_tcp4(f, 0, seq, flags, payload);
	unsigned c;

	for (size_t i = 0; i < payload; i++) /* the flow's bytes from @at */
		f[66 + i] = (uint8_t)((at + i) * 7 + 3);
	f[34] = (uint8_t)(sport >> 8), f[35] = (uint8_t)sport;
	f[16] = (uint8_t)((len - 14) >> 8), f[17] = (uint8_t)(len - 14);
	f[18] = (uint8_t)(id >> 8), f[19] = (uint8_t)id;
	f[24] = f[25] = 0;
	c = (unsigned)~ones_sum(f + 14, 20, 0) & 0xffff;
	f[24] = (uint8_t)(c >> 8), f[25] = (uint8_t)c;
	f[50] = f[51] = 0;
	c = (unsigned)~ones_sum(f + 34, len - 34, be16(f + 26) + be16(f + 28) + be16(f + 30) + be16(f + 32) + 6 +
	                                               (unsigned long)(len - 34)) &
	    0xffff;
	f[50] = (uint8_t)(c >> 8), f[51] = (uint8_t)c;
	return len;
}

struct packets {
	uint8_t hdr[16][DD_VNET_HDR_LEN];
	uint8_t pkt[16][DD_GRO_MAX_PACKET];
	size_t len[16];
	int n;
};

static int collect_packet(void *arg, const uint8_t hdr[DD_VNET_HDR_LEN], const uint8_t *p, size_t len)
{
	struct packets *o = arg;

	assert_true(o->n < 16);
	memcpy(o->hdr[o->n], hdr, DD_VNET_HDR_LEN);
	memcpy(o->pkt[o->n], p, len);
	o->len[o->n++] = len;
	return 0;
}

static struct dd_gro gro;
static struct packets got;
static uint8_t segs[64][MAX_FRAME];
static size_t seg_len[64];

static void expect_plain(int i, const uint8_t *frame, size_t len)
{
	static const uint8_t none[DD_VNET_HDR_LEN];

	assert_memory_equal(got.hdr[i], none, DD_VNET_HDR_LEN);
	assert_int_equal(got.len[i], len);
	assert_memory_equal(got.pkt[i], frame, len);
}

/* Each joining test starts with nothing held and nothing received. */
static int fresh_gro(void **state)
{
	(void)state;
	memset(&gro, 0, sizeof(gro));
	memset(&got, 0, sizeof(got));
	return 0;
}

static void test_gro_joins_a_run_that_cuts_back_to_it(void **state)
{
	struct dd_vnet_hdr vh;
	size_t at = 0;

	(void)state;
	for (int i = 0; i < 6; i++) { /* five of 1448, the last of 500 with PSH */
		size_t payload = i < 5 ? 1448 : 500;

		seg_len[i] = make_segment(segs[i], 40000, 7000 + (uint32_t)at, 0x100 + (unsigned)i, i < 5 ? 0x10 : 0x18,
		                          payload, at);
		at += payload;
		assert_int_equal(dd_gro_add(&gro, segs[i], seg_len[i], collect_packet, &got), 0);
	}
	assert_int_equal(got.n, 1); /* PSH ended it: it went at once */
	assert_int_equal(dd_gro_flush(&gro, collect_packet, &got), 0);
	assert_int_equal(got.n, 1);
	dd_vnet_hdr_parse(got.hdr[0], &vh);
	assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(vh.gso_size, 1448);
	assert_int_equal(vh.hdr_len, 66);
	assert_int_equal(vh.csum_start, 34);
	assert_int_equal(vh.csum_offset, 16);
	assert_int_equal(got.len[0], 66 + at);
	assert_int_equal(be16(got.pkt[0] + 16), 20 + 32 + at);
	assert_true(ipv4_header_verifies(got.pkt[0] + 14));
	assert_int_equal(got.pkt[0][47] & 0x18, 0x18); /* ACK, and PSH from the last */
	for (size_t i = 0; i < at; i++)
		assert_int_equal(got.pkt[0][66 + i], (uint8_t)(i * 7 + 3));
	/* cut again as the kernel would: the very segments, byte for byte */
	memset(&out, 0, sizeof(out));
	assert_int_equal(dd_gso_frames(&vh, got.pkt[0], got.len[0], MAX_FRAME, scratch, collect, &out), 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(out.len[i], seg_len[i]);
		assert_memory_equal(out.frame[i], segs[i], seg_len[i]);
	}
}

static void test_gro_keeps_order_and_what_does_not_continue(void **state)
{
	static const uint8_t arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06 };
	struct dd_vnet_hdr vh;

	(void)state;
	seg_len[0] = make_segment(segs[0], 40000, 1, 1, 0x10, 1000, 0);
	seg_len[1] = make_segment(segs[1], 40000, 1001, 2, 0x10, 1000, 1000);
	seg_len[2] = make_segment(segs[2], 40001, 1, 1, 0x10, 1000, 0);    /* another flow */
	seg_len[3] = make_segment(segs[3], 40000, 5001, 3, 0x10, 1000, 0); /* a gap */
	seg_len[4] = make_segment(segs[4], 40000, 6001, 4, 0x10, 1000, 0); /* continues, but: */
	segs[4][70] ^= 1;                                                  /* a bad checksum */
	seg_len[5] = make_segment(segs[5], 40000, 6001, 4, 0x12, 1000, 0); /* SYN */
	seg_len[6] = make_segment(segs[6], 40000, 9001, 9, 0x10, 1000, 0);
	seg_len[7] = make_segment(segs[7], 40000, 10001, 10, 0x10, 1000, 0);
	segs[7][49] ^= 1, segs[7][51] ^= 1; /* another window (and its checksum kept right) */
	seg_len[8] = make_segment(segs[8], 40000, 20001, 20, 0x10, 1000, 0);
	seg_len[9] = make_segment(segs[9], 40000, 21001, 21, 0x10, 1000, 0);
	segs[9][45] ^= 1, segs[9][51] ^= 1; /* another ACK */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(dd_gro_add(&gro, segs[i], seg_len[i], collect_packet, &got), 0);
		if (i == 2)
			assert_int_equal(dd_gro_add(&gro, arp, sizeof(arp), collect_packet, &got), 0);
	}
	assert_int_equal(dd_gro_flush(&gro, collect_packet, &got), 0);
	assert_int_equal(got.n, 10);
	dd_vnet_hdr_parse(got.hdr[0], &vh); /* 0 and 1 joined */
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(got.len[0], 66 + 2000);
	expect_plain(1, segs[2], seg_len[2]);
	expect_plain(2, arp, sizeof(arp));
	for (int i = 3; i < 10; i++) /* one by one: nothing joined the one before */
		expect_plain(i, segs[i], seg_len[i]);
}

static void test_gro_stays_within_ipv4s_limit(void **state)
{
	struct dd_vnet_hdr vh;
	size_t at = 0;

	(void)state;
	for (int i = 0; i < 50; i++) {
		seg_len[i] = make_segment(segs[i], 40000, (uint32_t)at, (unsigned)i, 0x10, 1448, at);
		at += 1448;
		assert_int_equal(dd_gro_add(&gro, segs[i], seg_len[i], collect_packet, &got), 0);
	}
	assert_int_equal(dd_gro_flush(&gro, collect_packet, &got), 0);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.len[0], 66 + 45 * 1448); /* 45 segments: 65212 bytes of IPv4, 46 would pass 65535 */
	assert_int_equal(got.len[1], 66 + 5 * 1448);
	dd_vnet_hdr_parse(got.hdr[1], &vh);
	assert_int_equal(be32(got.pkt[1] + 38), 45 * 1448); /* the second starts where the first ended */
	assert_int_equal(vh.gso_size, 1448);
}

static void test_csum_arithmetic(void **state)
{
	/* RFC 1071's example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 */
	static const uint8_t words[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	assert_int_equal(dd_csum_fold(dd_csum_add(0, words, sizeof(words))), (uint16_t)~0xddf2);
	assert_int_equal(dd_csum_fold(dd_csum_add(0, words, 3)), (uint16_t)~(0x0001 + 0xf200));
}

/* RFC 1071's definition, word by word in network order: what the
 * library's host-order sum must equal at every length, alignment and
 * starting sum, carries included (bytes of 0xff make the most). */
static uint32_t reference_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum;

	for (size_t i = 0; i < len; i++)
		s += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static void test_csum_any_length_and_alignment(void **state)
{
	static const uint32_t starts[] = { 0, 1, 0xffff, 0x1fffe, 0xfffffff0u };
	uint8_t buf[300];
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = round ? 0xff : (uint8_t)((seed = seed * 1103515245u + 12345u) >> 16);
		for (size_t off = 0; off < 4; off++)
			for (size_t len = 0; len + off <= sizeof(buf); len++)
				for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++)
					assert_int_equal(dd_csum_fold(dd_csum_add(starts[k], buf + off, len)),
					                 dd_csum_fold(reference_sum(starts[k], buf + off, len)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_arithmetic),
		cmocka_unit_test(test_csum_any_length_and_alignment),
		cmocka_unit_test(test_tso_segments),
		cmocka_unit_test(test_tso_behind_an_802_1ad_tag),
		cmocka_unit_test(test_checksum_completed),
		cmocka_unit_test(test_malformed_refused_whole),
		cmocka_unit_test(test_sink_error_stops),
		cmocka_unit_test_setup(test_gro_joins_a_run_that_cuts_back_to_it, fresh_gro),
		cmocka_unit_test_setup(test_gro_keeps_order_and_what_does_not_continue, fresh_gro),
		cmocka_unit_test_setup(test_gro_stays_within_ipv4s_limit, fresh_gro),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
