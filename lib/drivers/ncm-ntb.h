/* ncm-ntb.h — NCM Transfer Blocks (USB CDC NCM 1.0, section 3): reading the
 * datagrams out of a received NTB, 16- or 32-bit, and building one to send.
 * Pure functions over buffers, so that every check on what a device sends
 * can be tested without one. */
#ifndef DEVDRV_NCM_NTB_H
#define DEVDRV_NCM_NTB_H

#include "byteorder.h"

#include <stddef.h>
#include <stdint.h>

#define NCM_NTH16_SIGN 0x484d434eu /* "NCMH" */
#define NCM_NTH32_SIGN 0x686d636eu /* "ncmh" */
#define NCM_NDP16_NOCRC 0x304d434eu /* "NCM0" */
#define NCM_NDP16_CRC 0x314d434eu   /* "NCM1": each datagram ends with its CRC-32 */
#define NCM_NDP32_NOCRC 0x306d636eu /* "ncm0" */
#define NCM_NDP32_CRC 0x316d636eu   /* "ncm1" */
#define NCM_NTH16_LEN 12
#define NCM_NTH32_LEN 16
#define NCM_MAX_NDPS 8 /* chained NDPs followed in one NTB: bounds a loop a device could make */

/* Where one datagram (an Ethernet frame) lies in an NTB. */
struct ncm_datagram {
	uint32_t offset, length;
};

/* The datagrams of a received NTB. */
struct ncm_parsed {
	size_t count;   /* datagrams found, at most the capacity given */
	size_t dropped; /* entries that pointed outside the block, or held no frame */
};

/* Find the datagrams of the NTB in @ntb (@len bytes as received): the
 * header's signature and lengths, each NDP's place, signature and length,
 * and each datagram's place are checked against what was received; a
 * datagram shorter than an Ethernet header or longer than @max_frame is
 * dropped (counted), the rest of the NTB still read. Returns 0, or -1 with
 * *why saying what made the whole NTB unreadable. */
int ncm_ntb_parse(const uint8_t *ntb, size_t len, size_t max_frame, struct ncm_datagram *out, size_t cap,
                  struct ncm_parsed *res, const char **why);

/* What the device said about the NTBs it takes (GET_NTB_PARAMETERS, NCM
 * 6.2.1), made usable: a zero divisor or alignment is 1 or 4. */
struct ncm_out_params {
	uint32_t max_size;   /* dwNtbOutMaxSize */
	uint16_t divisor;    /* wNdpOutDivisor: a datagram starts at offset % divisor == remainder */
	uint16_t remainder;  /* wNdpOutPayloadRemainder */
	uint16_t alignment;  /* wNdpOutAlignment: where an NDP may start */
	uint16_t max_packet; /* the OUT pipe's: an NTB shorter than max_size must not be a
	                      * multiple of it (0 or 1: nothing to do about it) */
};

/* An NTB being filled, frame after frame: the header, an NDP with room
 * for max_datagrams entries, then the frames where the device wants
 * datagrams to start. After each frame it is a whole NTB of @total bytes,
 * ready to send (with one byte of padding when its length would be a whole
 * number of packets below max_size, so that no zero-length packet is
 * needed, NCM 3.2.2). */
struct ncm_ntb_writer {
	uint8_t *out;
	size_t cap;
	int ntb32;
	uint16_t sequence;
	const struct ncm_out_params *p;
	unsigned max_datagrams, count;
	size_t ndp; /* where the NDP lies */
	size_t end; /* the end of the last frame */
	size_t total; /* the NTB's length as it stands */
};

/* Start an empty NTB in @out (@cap bytes) for up to @max_datagrams frames. */
void ncm_ntb_begin(struct ncm_ntb_writer *w, uint8_t *out, size_t cap, int ntb32, uint16_t sequence,
                   unsigned max_datagrams, const struct ncm_out_params *p);

/* Add a frame: 0, or -1 when it does not fit (room, the device's max_size,
 * max_datagrams); the NTB is then as it was. */
int ncm_ntb_add(struct ncm_ntb_writer *w, const uint8_t *frame, size_t len);

/* The most datagrams, up to @want, an NTB of @cap bytes can have room for
 * while a frame of @len bytes still fits it alone; 0 if none. */
unsigned ncm_ntb_room_for(size_t cap, int ntb32, size_t len, unsigned want, const struct ncm_out_params *p);

/* Build an NTB (16-bit, or 32-bit with @ntb32) carrying one frame: header,
 * NDP, then the frame where the device wants datagrams to start; one byte of
 * padding when the length would be a whole number of packets below
 * max_size, so that no zero-length packet is needed (NCM 3.2.2). Returns
 * the NTB's length, or 0 if it does not fit @cap or the device's max_size. */
size_t ncm_ntb_build(uint8_t *out, size_t cap, int ntb32, uint16_t sequence, const uint8_t *frame, size_t len,
                     const struct ncm_out_params *p);

#endif
