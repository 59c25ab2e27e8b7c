/* fuzz-ncm.c — NCM Transfer Blocks as a network adapter sends them, through
 * the parser the cdc-ncm driver uses (lib/drivers/ncm-ntb.h): whatever the
 * input, the datagrams found lie inside it and inside the frame limits, and
 * no more are written than there is room for. Then, the other way, the
 * input's first bytes as the device's NTB parameters and the rest as a
 * frame: what the builder makes, if it makes anything, parses back to
 * exactly that frame where the parameters asked for it. And the input as
 * the packets of a notification pipe (cdc-notify.h): every notification
 * handed on is whole, as its header says. */
#include "cdc-notify.h"
#include "fuzz.h"
#include "ncm-ntb.h"

#include <string.h>

#define MAX_FRAME 1518
#define SLOTS 16

static void check_parse(const uint8_t *ntb, size_t len)
{
	struct ncm_datagram d[SLOTS + 1];
	struct ncm_parsed res;
	const char *why;

	d[SLOTS] = (struct ncm_datagram){ 0xdeadbeef, 0xdeadbeef }; /* a guard past the slots */
	if (ncm_ntb_parse(ntb, len, MAX_FRAME, d, SLOTS, &res, &why) < 0) {
		CHECK(why && why[0]);
		return;
	}
	CHECK(res.count <= SLOTS);
	CHECK(d[SLOTS].offset == 0xdeadbeef && d[SLOTS].length == 0xdeadbeef);
	for (size_t i = 0; i < res.count; i++)
		CHECK(d[i].offset >= NCM_NTH16_LEN && (uint64_t)d[i].offset + d[i].length <= len &&
		      d[i].length >= 14 && d[i].length <= MAX_FRAME);
}

/* What a device could say in GET_NTB_PARAMETERS, from the input's first 10 bytes. */
static struct ncm_out_params params_of(const uint8_t *data)
{
	return (struct ncm_out_params){ .max_size = dd_get_le16(data), .divisor = (uint16_t)dd_get_le16(data + 2),
		                        .remainder = (uint16_t)dd_get_le16(data + 4),
		                        .alignment = (uint16_t)dd_get_le16(data + 6),
		                        .max_packet = (uint16_t)(dd_get_le16(data + 8) & 0x7ff) };
}

static void check_build(const uint8_t *data, size_t size)
{
	uint8_t ntb[4096];
	struct ncm_out_params p;
	struct ncm_datagram d[2];
	struct ncm_parsed res;
	const char *why;
	size_t n, len;
	int ntb32;

	if (size < 11)
		return;
	p = params_of(data);
	ntb32 = data[10] & 1;
	len = size - 11 > MAX_FRAME ? MAX_FRAME : size - 11;
	if (len < 14)
		return;
	n = ncm_ntb_build(ntb, sizeof(ntb), ntb32, 0, data + 11, len, &p);
	if (!n)
		return;
	CHECK(n <= sizeof(ntb) && n <= p.max_size);
	CHECK(p.max_packet <= 1 || n % p.max_packet || n == p.max_size); /* 1: every length is whole packets */
	CHECK(ncm_ntb_parse(ntb, n, MAX_FRAME, d, 2, &res, &why) == 0 && res.count == 1 && res.dropped == 0);
	CHECK(d[0].length == len && !memcmp(ntb + d[0].offset, data + 11, len));
	if (p.divisor > 1 && p.remainder < p.divisor)
		CHECK(d[0].offset % p.divisor == p.remainder);
}

/* Frames packed one after another into an NTB as the NCM driver sends
 * them: after every add, a whole NTB that reads back frame for frame. */
static void check_pack(const uint8_t *data, size_t size)
{
	uint8_t ntb[16384];
	struct ncm_out_params p;
	struct ncm_ntb_writer w;
	struct ncm_datagram d[17];
	struct ncm_parsed res;
	const char *why;
	size_t chunk, added = 0;
	unsigned frames;

	if (size < 12)
		return;
	p = params_of(data);
	frames = 1 + data[11] % 16;
	chunk = (size - 12) / frames;
	chunk = chunk > MAX_FRAME ? MAX_FRAME : chunk;
	if (chunk < 14)
		return;
	ncm_ntb_begin(&w, ntb, sizeof(ntb), data[10] & 1, 0, 1 + (data[10] >> 1) % 16, &p);
	for (unsigned k = 0; k < frames && ncm_ntb_add(&w, data + 12 + k * chunk, chunk) == 0; k++) {
		added++;
		CHECK(w.total <= sizeof(ntb) && w.total <= p.max_size);
		CHECK(p.max_packet <= 1 || w.total % p.max_packet || w.total == p.max_size);
		CHECK(ncm_ntb_parse(ntb, w.total, MAX_FRAME, d, 17, &res, &why) == 0 && res.count == added &&
		      res.dropped == 0);
		for (size_t i = 0; i < added; i++)
			CHECK(d[i].length == chunk && !memcmp(ntb + d[i].offset, data + 12 + i * chunk, chunk));
	}
}

static void whole_notification(void *arg, const uint8_t *n, size_t len)
{
	size_t *count = arg;

	CHECK(len >= CDC_NOTIFY_HEADER && len <= CDC_NOTIFY_MAX && n[0] == 0xa1);
	CHECK(len == CDC_NOTIFY_HEADER + (size_t)(n[6] | n[7] << 8));
	(*count)++;
}

/* The first byte says the packet size (1 to 64), the rest is the packets. */
static void check_notifications(const uint8_t *data, size_t size)
{
	struct cdc_notify_buf b = { 0 };
	size_t packet, count = 0, fed = 0;

	if (!size)
		return;
	packet = (size_t)(data[0] % CDC_NOTIFY_MAX) + 1;
	for (size_t at = 1; at < size; at += packet) {
		size_t n = size - at < packet ? size - at : packet;

		cdc_notify_feed(&b, data + at, n, whole_notification, &count);
		fed += n;
		CHECK(b.len <= CDC_NOTIFY_MAX);
	}
	CHECK(count * CDC_NOTIFY_HEADER + b.len + b.dropped <= fed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1); /* exactly sized: a read past it is caught */

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	check_parse(copy, size);
	check_build(copy, size);
	check_pack(copy, size);
	check_notifications(copy, size);
	free(copy);
	return 0;
}
