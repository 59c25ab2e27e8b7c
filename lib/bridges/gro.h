/* gro.h — the receive side of the TAP bridge's offloads: consecutive TCP/IPv4
 * segments of one flow, as an adapter delivers them, are joined into one
 * packet of up to 64 KiB, written to the TAP with a virtio_net_hdr that
 * says how the kernel may cut it again (gso_size), as Linux's GRO does for
 * a network card: one write(2) and one pass through the kernel's TCP for
 * what took one a frame. Private to lib/bridges/.
 *
 * A segment joins only if it continues the held one exactly: the same
 * Ethernet, IPv4 and TCP headers but for the IPv4 length, ID (the next) and
 * checksum, and the TCP sequence number (the next byte); the ACK and
 * window unchanged; the TCP options equal (timestamps too); no SYN, RST,
 * URG, CWR or ECE; both checksums right (checked here: the joined packet
 * goes as CHECKSUM_PARTIAL, which the kernel does not check again); no
 * more payload than the first segment's (the gso_size). A segment shorter
 * than that, or with PSH or FIN, is the last of its packet. Anything else
 * goes to the kernel as it came, after what is held: the order is kept. */
#ifndef DEVDRV_GRO_H
#define DEVDRV_GRO_H

#include "gso.h"

#define DD_GRO_MAX_PACKET (18 + 65535) /* Ethernet and a VLAN tag, then IPv4's largest */

/* Receives a packet: the virtio_net_hdr, then the frame or joined packet. */
typedef int (*dd_packet_sink)(void *arg, const uint8_t hdr[DD_VNET_HDR_LEN], const uint8_t *pkt, size_t len);

struct dd_gro {
	uint8_t pkt[DD_GRO_MAX_PACKET]; /* the held packet */
	size_t len;                     /* its bytes; 0: nothing held */
	struct dd_tcp4_layout t;
	size_t mss;                     /* the first segment's payload */
	unsigned segments;
	int closed;                     /* the last segment ended it */
	uint16_t last_id;
	uint32_t next_seq;
	unsigned long packets_joined, frames_joined; /* handed on so far, for the log */
};

/* Hand @frame on: joined to the held packet, held to be joined, or (after
 * the held packet) as it is. @return 0, or what @sink returned. */
int dd_gro_add(struct dd_gro *g, const uint8_t *frame, size_t len, dd_packet_sink sink, void *arg);

/* Hand on what is held, if anything: nothing more is coming for now. */
int dd_gro_flush(struct dd_gro *g, dd_packet_sink sink, void *arg);

#endif
