/* gso.h — what the TAP bridge does for the offloads it offers the kernel
 * (TUN_F_CSUM, TUN_F_TSO4): a packet read with its virtio_net_hdr becomes
 * the Ethernet frames an adapter sends, its checksum completed and a TCP/IPv4
 * segment of up to 64 KiB cut into frames of gso_size bytes of payload, as a
 * network card's TSO would. One read then carries what took ~45, and the
 * kernel's TCP builds one packet where it built ~45. Private to lib/bridges/.
 *
 * The packet comes from the kernel, yet every length and offset in it is
 * checked before use: a malformed one is refused whole, no frame sent. */
#ifndef DEVDRV_GSO_H
#define DEVDRV_GSO_H

#include <stddef.h>
#include <stdint.h>

#define DD_VNET_HDR_LEN 10 /* struct virtio_net_hdr, in the host's byte order (tun's legacy format) */

/* The header's fields (linux/virtio_net.h). */
struct dd_vnet_hdr {
	uint8_t flags;    /* VIRTIO_NET_HDR_F_NEEDS_CSUM */
	uint8_t gso_type; /* VIRTIO_NET_HDR_GSO_* */
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

void dd_vnet_hdr_parse(const uint8_t raw[DD_VNET_HDR_LEN], struct dd_vnet_hdr *out);

/* Receives each frame; a negative return stops the cutting and is returned. */
typedef int (*dd_frame_sink)(void *arg, const uint8_t *frame, size_t len);

/* The frames of @pkt (@len bytes, the Ethernet frame or segment after the
 * header @vh): at most @max_frame bytes each, built in @scratch (room for
 * @max_frame). @pkt's checksum fields are written in place.
 * @return how many frames went to @sink, -1 for a packet refused (malformed,
 * a GSO kind not offered, a frame longer than @max_frame), or what @sink
 * returned. */
int dd_gso_frames(const struct dd_vnet_hdr *vh, uint8_t *pkt, size_t len, size_t max_frame, uint8_t *scratch,
                  dd_frame_sink sink, void *arg);

/* Where the headers of an Ethernet frame (one VLAN tag at most) holding
 * TCP/IPv4 lie. */
struct dd_tcp4_layout {
	size_t l3, l4, hdrs; /* the IPv4 header, the TCP header, the payload */
	size_t ihl, thl;     /* their lengths */
};

/* @return 0 with @t filled, or -1: not TCP/IPv4, or headers cut short. */
int dd_tcp4_parse(const uint8_t *pkt, size_t len, struct dd_tcp4_layout *t);

/* The Internet checksum (RFC 1071) of @len bytes added to @sum, unfolded. */
uint32_t dd_csum_add(uint32_t sum, const uint8_t *p, size_t len);
/* @sum folded to 16 bits and complemented: the value a checksum field holds. */
uint16_t dd_csum_fold(uint32_t sum);
/* The sum over the TCP pseudo-header of IPv4 header @ip for @tcp_len bytes
 * of TCP: addresses, protocol, length. */
uint32_t dd_tcp4_pseudo_sum(const uint8_t *ip, size_t tcp_len);

#endif
