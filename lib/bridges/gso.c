/* gso.c — checksum completion and TCP/IPv4 segmentation for the TAP
 * bridge (gso.h), done as a network card's offload engine does them: every
 * segment gets the headers of the packet, its IPv4 total length, ID (one
 * more each) and header checksum, its TCP sequence number, and FIN and PSH
 * only on the last segment, CWR only on the first; TCP checksums are
 * computed afresh over the pseudo-header, the header and the payload. */
#include "gso.h"

#include "../drivers/byteorder.h"

#include <arpa/inet.h>
#include <linux/virtio_net.h>
#include <string.h>

#define ETH_HLEN_ 14
#define VLAN_HLEN_ 4
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8 /* 802.1ad: one tag of either kind */
#define IPV4_MIN_HLEN 20
#define IPPROTO_TCP_ 6
#define TCP_MIN_HLEN 20
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static uint16_t get_host16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

void dd_vnet_hdr_parse(const uint8_t raw[DD_VNET_HDR_LEN], struct dd_vnet_hdr *out)
{
	out->flags = raw[0];
	out->gso_type = raw[1];
	out->hdr_len = get_host16(raw + 2);
	out->gso_size = get_host16(raw + 4);
	out->csum_start = get_host16(raw + 6);
	out->csum_offset = get_host16(raw + 8);
}

/* The ones' complement sum does not care in which order a word's two
 * bytes are added, as long as every word is taken the same way (RFC 1071
 * 2(B)): the bytes are summed four at a time in the host's order, and the
 * folded sum turned to network order once at the end. This loop is the
 * bridge's one pass over every byte sent and received, so it is kept to a
 * load and an add a word. */
static uint16_t host_sum16(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	size_t i = 0;
	uint32_t w;
	uint16_t h;

	for (; i + 4 <= len; i += 4) {
		memcpy(&w, p + i, 4);
		s += w;
	}
	if (i + 2 <= len) {
		memcpy(&h, p + i, 2);
		s += h;
		i += 2;
	}
	if (i < len) { /* a last odd byte: in network order, the high byte of a word padded with 0 */
		h = 0;
		memcpy(&h, p + i, 1);
		s += h;
	}
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint32_t dd_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint16_t folded = host_sum16(p, len);
	uint64_t s;

	folded = ntohs(folded); /* host-order words summed: their sum in network order */
	s = (uint64_t)sum + folded;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint32_t dd_tcp4_pseudo_sum(const uint8_t *ip, size_t tcp_len)
{
	return dd_csum_add(0, ip + 12, 8) + IPPROTO_TCP_ + (uint32_t)tcp_len;
}

uint16_t dd_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A computed checksum of 0 goes as 0xffff, its other form in ones'
 * complement: for UDP, 0 would mean "none" (the kernel does the same). */
static uint16_t checksum_field(uint32_t sum)
{
	uint16_t c = dd_csum_fold(sum);

	return c ? c : 0xffff;
}

/* NEEDS_CSUM: the field at csum_start + csum_offset holds the pseudo-header's
 * sum; the sum from csum_start to the end makes it the checksum. */
static int complete_checksum(const struct dd_vnet_hdr *vh, uint8_t *pkt, size_t len)
{
	size_t start = vh->csum_start, field;

	if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	field = start + vh->csum_offset;
	if (start >= len || field + 2 > len)
		return -1;
	dd_put_be16(pkt + field, checksum_field(dd_csum_add(0, pkt + start, len - start)));
	return 0;
}

int dd_tcp4_parse(const uint8_t *pkt, size_t len, struct dd_tcp4_layout *t)
{
	uint16_t type;

	if (len < ETH_HLEN_)
		return -1;
	t->l3 = ETH_HLEN_;
	type = dd_get_be16(pkt + 12);
	if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
		if (len < ETH_HLEN_ + VLAN_HLEN_)
			return -1;
		t->l3 += VLAN_HLEN_;
		type = dd_get_be16(pkt + 16);
	}
	if (type != ETHERTYPE_IPV4 || len < t->l3 + IPV4_MIN_HLEN || pkt[t->l3] >> 4 != 4)
		return -1;
	t->ihl = (size_t)(pkt[t->l3] & 0x0f) * 4;
	if (t->ihl < IPV4_MIN_HLEN || pkt[t->l3 + 9] != IPPROTO_TCP_)
		return -1;
	t->l4 = t->l3 + t->ihl;
	if (len < t->l4 + TCP_MIN_HLEN)
		return -1;
	t->thl = (size_t)(pkt[t->l4 + 12] >> 4) * 4;
	if (t->thl < TCP_MIN_HLEN || len < t->l4 + t->thl)
		return -1;
	t->hdrs = t->l4 + t->thl;
	return 0;
}

/* Segment @i of the packet into @out: its headers, @seg bytes of payload
 * from @off, and the fields that differ from one segment to the next. */
static size_t build_segment(const uint8_t *pkt, const struct dd_tcp4_layout *t, size_t payload, size_t off, size_t seg,
                            unsigned i, uint8_t *out)
{
	uint8_t *ip = out + t->l3, *tcp = out + t->l4;
	uint8_t flags = pkt[t->l4 + 13];
	uint32_t sum;

	memcpy(out, pkt, t->hdrs);
	memcpy(out + t->hdrs, pkt + t->hdrs + off, seg);
	dd_put_be16(ip + 2, (uint16_t)(t->ihl + t->thl + seg));
	dd_put_be16(ip + 4, (uint16_t)(dd_get_be16(pkt + t->l3 + 4) + i));
	dd_put_be16(ip + 10, 0);
	dd_put_be16(ip + 10, dd_csum_fold(dd_csum_add(0, ip, t->ihl)));
	dd_put_be32(tcp + 4, dd_get_be32(pkt + t->l4 + 4) + (uint32_t)off);
	if (off + seg < payload)
		flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (i)
		flags &= (uint8_t)~TCP_CWR;
	tcp[13] = flags;
	dd_put_be16(tcp + 16, 0);
	sum = dd_tcp4_pseudo_sum(ip, t->thl + seg);
	dd_put_be16(tcp + 16, checksum_field(dd_csum_add(sum, tcp, t->thl + seg)));
	return t->hdrs + seg;
}

static int cut_tcp4(const struct dd_vnet_hdr *vh, const uint8_t *pkt, size_t len, size_t max_frame, uint8_t *scratch,
                    dd_frame_sink sink, void *arg)
{
	struct dd_tcp4_layout t;
	size_t payload, mss = vh->gso_size, off = 0;
	unsigned i = 0;

	if (dd_tcp4_parse(pkt, len, &t) < 0 || !mss || t.hdrs + mss > max_frame)
		return -1;
	payload = len - t.hdrs;
	do {
		size_t seg = payload - off < mss ? payload - off : mss;
		int rc = sink(arg, scratch, build_segment(pkt, &t, payload, off, seg, i, scratch));

		if (rc < 0)
			return rc;
		off += seg;
		i++;
	} while (off < payload);
	return (int)i;
}

int dd_gso_frames(const struct dd_vnet_hdr *vh, uint8_t *pkt, size_t len, size_t max_frame, uint8_t *scratch,
                  dd_frame_sink sink, void *arg)
{
	int rc;

	if (vh->gso_type == VIRTIO_NET_HDR_GSO_ECN) /* ECN without a kind: Linux refuses it too */
		return -1;
	switch (vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		if (len > max_frame || complete_checksum(vh, pkt, len) < 0)
			return -1;
		rc = sink(arg, pkt, len);
		return rc < 0 ? rc : 1;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return cut_tcp4(vh, pkt, len, max_frame, scratch, sink, arg);
	default: /* TSO6 and UFO are not offered */
		return -1;
	}
}
