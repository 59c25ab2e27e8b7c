/* fuzz-gso.c — the TAP bridge's offloads. What it reads from the kernel,
 * through the code that turns it into an adapter's frames (lib/bridges/gso.h):
 * the input's first 10 bytes are the virtio_net_hdr (host byte order), the
 * rest the packet. Whatever they say, no frame is longer than the limit,
 * the count returned is the frames handed on, nothing is read outside the
 * packet (a heap copy of its exact size), and a TSO packet's segments carry
 * the packet's payload in order, each with an IPv4 header checksum that
 * verifies. And the joining side (gro.h): the packet as a frame from the
 * adapter goes to the kernel as it came; a TSO packet's segments, given to
 * it in order, reach the kernel as packets within IPv4's limit (joined or
 * not) that together carry the TSO packet's payload, in order. */
#include "bridges/gro.h"
#include "bridges/gso.h"
#include "fuzz.h"

#include <linux/virtio_net.h>
#include <string.h>

#define MAX_FRAME 1518
#define MAX_SEGMENTS 64 /* of a TSO packet, kept for the joining side */

struct seen {
	const uint8_t *payload; /* the packet's, after its headers */
	size_t payload_len, hdrs, l3, delivered;
	int tso, frames;
	uint8_t (*segments)[MAX_FRAME]; /* copies of the first MAX_SEGMENTS frames, or NULL */
	size_t segment_len[MAX_SEGMENTS];
};

static int check_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct seen *s = arg;

	CHECK(len <= MAX_FRAME);
	s->frames++;
	if (!s->tso)
		return 0;
	CHECK(len >= s->hdrs && s->delivered + (len - s->hdrs) <= s->payload_len);
	CHECK(!memcmp(frame + s->hdrs, s->payload + s->delivered, len - s->hdrs));
	CHECK(dd_csum_fold(dd_csum_add(0, frame + s->l3, (size_t)(frame[s->l3] & 15) * 4)) == 0);
	s->delivered += len - s->hdrs;
	if (s->segments && s->frames <= MAX_SEGMENTS) {
		memcpy(s->segments[s->frames - 1], frame, len);
		s->segment_len[s->frames - 1] = len;
	}
	return 0;
}

/* Where a well-formed TCP/IPv4 packet's payload starts (0: not one), for
 * checking what the segments carry. */
static size_t headers_of(const uint8_t *p, size_t len, size_t *l3)
{
	size_t l4;

	*l3 = len >= 18 && p[12] == 0x81 && p[13] == 0x00 ? 18 : 14;
	if (len < *l3 + 20)
		return 0;
	l4 = *l3 + (size_t)(p[*l3] & 15) * 4;
	return len >= l4 + 20 && len >= l4 + (size_t)(p[l4 + 12] >> 4) * 4 ? l4 + (size_t)(p[l4 + 12] >> 4) * 4 : 0;
}

struct joined {
	const uint8_t *frame;
	size_t len;
};

static int check_packet(void *arg, const uint8_t hdr[DD_VNET_HDR_LEN], const uint8_t *pkt, size_t len)
{
	static uint8_t copy[DD_GRO_MAX_PACKET], scratch[MAX_FRAME];
	const struct joined *j = arg;
	struct dd_vnet_hdr vh;
	struct seen s = { 0 };

	dd_vnet_hdr_parse(hdr, &vh);
	if (!vh.gso_type) {
		CHECK(len == j->len && !memcmp(pkt, j->frame, len));
		return 0;
	}
	CHECK(len <= DD_GRO_MAX_PACKET && len > vh.hdr_len);
	memcpy(copy, pkt, len);
	CHECK(dd_gso_frames(&vh, copy, len, MAX_FRAME, scratch, check_frame, &s) >= 2);
	return 0;
}

/* One frame, twice: the same segment again is not the next, so both go as
 * they came. */
static void check_gro_frame(const uint8_t *frame, size_t len)
{
	static struct dd_gro g;
	struct joined j = { frame, len };

	memset(&g, 0, sizeof(g));
	CHECK(dd_gro_add(&g, frame, len, check_packet, &j) == 0);
	CHECK(dd_gro_add(&g, frame, len, check_packet, &j) == 0);
	CHECK(dd_gro_flush(&g, check_packet, &j) == 0);
	CHECK(g.len == 0);
}

/* What the kernel gets from the joining side: the TCP payload of each
 * packet, a joined one cut back into its segments, in a row. */
struct rejoined {
	const uint8_t *payload;
	size_t payload_len, delivered;
	unsigned packets;
};

static int collect_payload(void *arg, const uint8_t *frame, size_t len)
{
	struct rejoined *r = arg;
	size_t l3, hdrs = headers_of(frame, len, &l3);

	CHECK(hdrs != 0 && len <= DD_GRO_MAX_PACKET);
	CHECK(r->delivered + (len - hdrs) <= r->payload_len);
	CHECK(!memcmp(frame + hdrs, r->payload + r->delivered, len - hdrs));
	r->delivered += len - hdrs;
	return 0;
}

static int rejoined_packet(void *arg, const uint8_t hdr[DD_VNET_HDR_LEN], const uint8_t *pkt, size_t len)
{
	static uint8_t copy[DD_GRO_MAX_PACKET], scratch[MAX_FRAME];
	struct rejoined *r = arg;
	struct dd_vnet_hdr vh;

	r->packets++;
	dd_vnet_hdr_parse(hdr, &vh);
	if (!vh.gso_type)
		return collect_payload(r, pkt, len);
	CHECK(len <= DD_GRO_MAX_PACKET && len > vh.hdr_len);
	memcpy(copy, pkt, len);
	CHECK(dd_gso_frames(&vh, copy, len, MAX_FRAME, scratch, collect_payload, r) >= 2);
	return 0;
}

static void check_gro_segments(const struct seen *s)
{
	static struct dd_gro g;
	struct rejoined r = { s->payload, s->payload_len, 0, 0 };

	memset(&g, 0, sizeof(g));
	for (int i = 0; i < s->frames; i++)
		CHECK(dd_gro_add(&g, s->segments[i], s->segment_len[i], rejoined_packet, &r) == 0);
	CHECK(dd_gro_flush(&g, rejoined_packet, &r) == 0);
	CHECK(r.delivered == s->payload_len && r.packets >= 1 && r.packets <= (unsigned)s->frames);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t scratch[MAX_FRAME], segments[MAX_SEGMENTS][MAX_FRAME];
	struct dd_vnet_hdr vh;
	struct seen s = { 0 };
	uint8_t *pkt;
	size_t len;
	int n;

	if (size < DD_VNET_HDR_LEN || !(pkt = malloc(size - DD_VNET_HDR_LEN + 1)))
		return 0;
	len = size - DD_VNET_HDR_LEN;
	memcpy(pkt, data + DD_VNET_HDR_LEN, len);
	if (len <= MAX_FRAME)
		check_gro_frame(pkt, len);
	dd_vnet_hdr_parse(data, &vh);
	s.tso = (vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_TCPV4;
	if (s.tso && (s.hdrs = headers_of(pkt, len, &s.l3)) != 0) {
		s.payload = data + DD_VNET_HDR_LEN + s.hdrs; /* the input: the packet itself may be changed */
		s.payload_len = len - s.hdrs;
		s.segments = segments;
	} else
		s.tso = 0;
	n = dd_gso_frames(&vh, pkt, len, MAX_FRAME, scratch, check_frame, &s);
	CHECK(n == -1 ? s.frames == 0 : n == s.frames);
	if (n > 0 && s.tso)
		CHECK(s.delivered == s.payload_len);
	if (n > 0 && s.tso && n <= MAX_SEGMENTS)
		check_gro_segments(&s);
	free(pkt);
	return 0;
}
