/* gro.c — joining an adapter's TCP/IPv4 segments for the TAP (gro.h). */
#include "gro.h"

#include "../drivers/byteorder.h"

#include <linux/virtio_net.h>
#include <string.h>

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80
#define IPV4_DF 0x4000
#define IPV4_MF_AND_OFFSET 0x3fff

static void put_host16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/* A segment that may start or join a packet: TCP/IPv4 with payload, its
 * IPv4 length the frame's (no Ethernet padding), not a fragment, no flag
 * but ACK, PSH and FIN, both checksums right. */
static int joinable(const uint8_t *f, size_t len, struct dd_tcp4_layout *t)
{
	const uint8_t *ip, *tcp;

	if (dd_tcp4_parse(f, len, t) < 0 || len == t->hdrs)
		return 0;
	ip = f + t->l3;
	tcp = f + t->l4;
	if (dd_get_be16(ip + 2) != len - t->l3 || (dd_get_be16(ip + 6) & IPV4_MF_AND_OFFSET) ||
	    (tcp[13] & (TCP_SYN | TCP_RST | TCP_URG | TCP_ECE | TCP_CWR)) || !(tcp[13] & TCP_ACK))
		return 0;
	return dd_csum_fold(dd_csum_add(0, ip, t->ihl)) == 0 &&
	       dd_csum_fold(dd_csum_add(dd_tcp4_pseudo_sum(ip, len - t->l4), tcp, len - t->l4)) == 0;
}

/* Whether segment @f (laid out as @t) continues the held packet. */
static int continues(const struct dd_gro *g, const uint8_t *f, size_t len, const struct dd_tcp4_layout *t)
{
	const uint8_t *hip = g->pkt + g->t.l3, *htcp = g->pkt + g->t.l4, *ip = f + t->l3, *tcp = f + t->l4;
	size_t payload = len - t->hdrs;
	uint16_t id = dd_get_be16(ip + 4);

	if (g->closed || t->l3 != g->t.l3 || t->ihl != g->t.ihl || t->thl != g->t.thl || payload > g->mss ||
	    g->len + payload > sizeof(g->pkt) || g->len + payload - g->t.l3 > 65535)
		return 0;
	if (memcmp(f, g->pkt, t->l3) || memcmp(ip, hip, 2) || memcmp(ip + 6, hip + 6, 4) ||
	    memcmp(ip + 12, hip + 12, t->ihl - 12))
		return 0;
	if (id != (uint16_t)(g->last_id + 1) && !(id == g->last_id && (dd_get_be16(ip + 6) & IPV4_DF)))
		return 0;
	return !memcmp(tcp, htcp, 4) && dd_get_be32(tcp + 4) == g->next_seq && !memcmp(tcp + 8, htcp + 8, 5) &&
	       !memcmp(tcp + 14, htcp + 14, 2) && !memcmp(tcp + 20, htcp + 20, t->thl - 20);
}

static void note_segment(struct dd_gro *g, const uint8_t *f, size_t payload)
{
	const uint8_t *tcp = f + g->t.l4;

	g->segments++;
	g->last_id = dd_get_be16(f + g->t.l3 + 4);
	g->next_seq = dd_get_be32(tcp + 4) + (uint32_t)payload;
	if (payload < g->mss || (tcp[13] & (TCP_PSH | TCP_FIN)))
		g->closed = 1;
}

static void hold(struct dd_gro *g, const uint8_t *f, size_t len, const struct dd_tcp4_layout *t)
{
	memcpy(g->pkt, f, len);
	g->len = len;
	g->t = *t;
	g->mss = len - t->hdrs;
	g->segments = 0;
	g->closed = 0;
	note_segment(g, f, g->mss);
}

static void join(struct dd_gro *g, const uint8_t *f, size_t len, const struct dd_tcp4_layout *t)
{
	size_t payload = len - t->hdrs;

	memcpy(g->pkt + g->len, f + t->hdrs, payload);
	g->len += payload;
	g->pkt[g->t.l4 + 13] |= f[t->l4 + 13] & (TCP_PSH | TCP_FIN);
	note_segment(g, f, payload);
}

/* A joined packet's headers: its IPv4 length and checksum, and the TCP
 * checksum as CHECKSUM_PARTIAL has it (the pseudo-header's sum, folded:
 * what the kernel would need to cut it again for another interface). */
static void finish_joined(struct dd_gro *g, uint8_t hdr[DD_VNET_HDR_LEN])
{
	uint8_t *ip = g->pkt + g->t.l3, *tcp = g->pkt + g->t.l4;

	dd_put_be16(ip + 2, (uint16_t)(g->len - g->t.l3));
	dd_put_be16(ip + 10, 0);
	dd_put_be16(ip + 10, dd_csum_fold(dd_csum_add(0, ip, g->t.ihl)));
	dd_put_be16(tcp + 16, (uint16_t)~dd_csum_fold(dd_tcp4_pseudo_sum(ip, g->len - g->t.l4)));
	hdr[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	hdr[1] = VIRTIO_NET_HDR_GSO_TCPV4;
	put_host16(hdr + 2, (uint16_t)g->t.hdrs);
	put_host16(hdr + 4, (uint16_t)g->mss);
	put_host16(hdr + 6, (uint16_t)g->t.l4);
	put_host16(hdr + 8, 16);
}

int dd_gro_flush(struct dd_gro *g, dd_packet_sink sink, void *arg)
{
	uint8_t hdr[DD_VNET_HDR_LEN] = { 0 }; /* one segment: as it came, the kernel checks it */
	size_t len = g->len;

	if (!len)
		return 0;
	if (g->segments > 1) {
		finish_joined(g, hdr);
		g->packets_joined++;
		g->frames_joined += g->segments;
	}
	g->len = 0;
	return sink(arg, hdr, g->pkt, len);
}

int dd_gro_add(struct dd_gro *g, const uint8_t *frame, size_t len, dd_packet_sink sink, void *arg)
{
	static const uint8_t none[DD_VNET_HDR_LEN];
	struct dd_tcp4_layout t;
	int rc;

	if (!joinable(frame, len, &t))
		return (rc = dd_gro_flush(g, sink, arg)) < 0 ? rc : sink(arg, none, frame, len);
	if (g->len && continues(g, frame, len, &t)) {
		join(g, frame, len, &t);
		return g->closed ? dd_gro_flush(g, sink, arg) : 0; /* nothing can join it now */
	}
	if ((rc = dd_gro_flush(g, sink, arg)) < 0)
		return rc;
	if (frame[t.l4 + 13] & (TCP_PSH | TCP_FIN)) /* the last of its packet already */
		return sink(arg, none, frame, len);
	hold(g, frame, len, &t);
	return 0;
}
