/* fuzz-gso.c — the TAP bridge's offloads. What it reads from the kernel,
 * through the code that turns it into an adapter's frames (lib/bridges/gso.h):
 * the input's first 10 bytes are the virtio_net_hdr (host byte order), the
 * rest the packet. Whatever they say, no frame is longer than the limit,
 * the count returned is the frames handed on, nothing is read outside the
 * packet (a heap copy of its exact size), and a TSO packet's segments carry
 * the packet's payload in order, each with an IPv4 header checksum that
 * verifies. And the packet as a frame from the adapter, given twice to the
 * joining side (gro.h): what goes to the kernel is that frame as it came,
 * or a joined packet within IPv4's limit that cuts back into segments. */
#include "bridges/gro.h"
#include "bridges/gso.h"
#include "fuzz.h"

#include <linux/virtio_net.h>
#include <string.h>

#define MAX_FRAME 1518

struct seen {
	const uint8_t *payload; /* the packet's, after its headers */
	size_t payload_len, hdrs, l3, delivered;
	int tso, frames;
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

static void check_gro(const uint8_t *frame, size_t len)
{
	static struct dd_gro g;
	struct joined j = { frame, len };

	memset(&g, 0, sizeof(g));
	CHECK(dd_gro_add(&g, frame, len, check_packet, &j) == 0);
	CHECK(dd_gro_add(&g, frame, len, check_packet, &j) == 0);
	CHECK(dd_gro_flush(&g, check_packet, &j) == 0);
	CHECK(g.len == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t scratch[MAX_FRAME];
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
		check_gro(pkt, len);
	dd_vnet_hdr_parse(data, &vh);
	s.tso = (vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_TCPV4;
	if (s.tso && (s.hdrs = headers_of(pkt, len, &s.l3)) != 0) {
		s.payload = data + DD_VNET_HDR_LEN + s.hdrs; /* the input: the packet itself may be changed */
		s.payload_len = len - s.hdrs;
	} else
		s.tso = 0;
	n = dd_gso_frames(&vh, pkt, len, MAX_FRAME, scratch, check_frame, &s);
	CHECK(n == -1 ? s.frames == 0 : n == s.frames);
	if (n > 0 && s.tso)
		CHECK(s.delivered == s.payload_len);
	free(pkt);
	return 0;
}
