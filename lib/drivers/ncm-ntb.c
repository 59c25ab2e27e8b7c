/* ncm-ntb.c — NCM Transfer Blocks, read and built (ncm-ntb.h). Every
 * offset and length in a received NTB comes from the device: each is
 * checked against the bytes that arrived before anything is read there. */
#include "ncm-ntb.h"

#include <string.h>

#define ETHERNET_HEADER 14

/* The two NTB formats differ only in field widths and places. An NDP is
 * its header, then (index, length) pairs of @word bytes each, the last pair
 * null. */
struct ntb_format {
	uint32_t nth_sign, ndp_sign, ndp_crc_sign;
	size_t nth_len, ndp_header, word;
};

static const struct ntb_format fmt16 = { NCM_NTH16_SIGN, NCM_NDP16_NOCRC, NCM_NDP16_CRC, NCM_NTH16_LEN, 8, 2 };
static const struct ntb_format fmt32 = { NCM_NTH32_SIGN, NCM_NDP32_NOCRC, NCM_NDP32_CRC, NCM_NTH32_LEN, 16, 4 };

static uint32_t word(const struct ntb_format *f, const uint8_t *p)
{
	return f->word == 2 ? dd_get_le16(p) : dd_get_le32(p);
}

static void put_word(const struct ntb_format *f, uint8_t *p, uint32_t v)
{
	if (f->word == 2)
		dd_put_le16(p, v);
	else
		dd_put_le32(p, v);
}

/* The shortest NDP: its header, one datagram's pair and the null pair. */
static size_t ndp_min(const struct ntb_format *f)
{
	return f->ndp_header + 4 * f->word;
}

static int unreadable(const char **why, const char *reason)
{
	*why = reason;
	return -1;
}

/* The datagram entries of one NDP, at @at: those that lie in the block are
 * kept (up to @cap), the others counted as dropped. Returns 0 with *next
 * the next NDP's offset (0: none), or -1 with *why. */
static int read_ndp(const struct ntb_format *f, const uint8_t *ntb, size_t block, size_t at, size_t max_frame,
                    struct ncm_datagram *out, size_t cap, struct ncm_parsed *res, size_t *next, const char **why)
{
	size_t ndp_len;
	uint32_t sign;

	if (at < f->nth_len || at % 4 || at + ndp_min(f) > block)
		return unreadable(why, "an NDP index points outside the block");
	sign = dd_get_le32(ntb + at);
	if (sign == f->ndp_crc_sign)
		return unreadable(why, "an NDP with CRCs, which the host did not ask for");
	if (sign != f->ndp_sign)
		return unreadable(why, "an NDP without its signature");
	ndp_len = dd_get_le16(ntb + at + 4);
	*next = f == &fmt16 ? dd_get_le16(ntb + at + 6) : dd_get_le32(ntb + at + 8);
	if (ndp_len < ndp_min(f) || ndp_len % (2 * f->word) || at + ndp_len > block)
		return unreadable(why, "an NDP length that does not fit the block");
	for (size_t e = at + f->ndp_header; e + 2 * f->word <= at + ndp_len; e += 2 * f->word) {
		uint64_t offset = word(f, ntb + e), length = word(f, ntb + e + f->word);

		if (!offset || !length)
			break; /* the null entry ends the list */
		if (offset < f->nth_len || offset + length > block || length < ETHERNET_HEADER || length > max_frame) {
			res->dropped++;
			continue;
		}
		if (res->count < cap)
			out[res->count++] = (struct ncm_datagram){ (uint32_t)offset, (uint32_t)length };
		else
			res->dropped++;
	}
	return 0;
}

int ncm_ntb_parse(const uint8_t *ntb, size_t len, size_t max_frame, struct ncm_datagram *out, size_t cap,
                  struct ncm_parsed *res, const char **why)
{
	const struct ntb_format *f;
	size_t block, ndp;

	*res = (struct ncm_parsed){ 0 };
	*why = NULL;
	if (len < NCM_NTH16_LEN)
		return unreadable(why, "shorter than an NTB header");
	f = dd_get_le32(ntb) == NCM_NTH16_SIGN ? &fmt16 : dd_get_le32(ntb) == NCM_NTH32_SIGN ? &fmt32 : NULL;
	if (!f)
		return unreadable(why, "no NTB header signature");
	if (len < f->nth_len || dd_get_le16(ntb + 4) != f->nth_len)
		return unreadable(why, "an NTB header of the wrong length");
	block = f == &fmt16 ? dd_get_le16(ntb + 8) : dd_get_le32(ntb + 8);
	ndp = f == &fmt16 ? dd_get_le16(ntb + 10) : dd_get_le32(ntb + 12);
	if (!block && f == &fmt16)
		block = len; /* NCM 3.2.1: 0 means the transfer's end is the block's */
	if (block > len || block < f->nth_len)
		return unreadable(why, "a block length beyond what arrived");
	for (int n = 0; ndp; n++) {
		if (n == NCM_MAX_NDPS)
			return unreadable(why, "more chained NDPs than an NTB needs");
		if (read_ndp(f, ntb, block, ndp, max_frame, out, cap, res, &ndp, why) < 0)
			return -1;
	}
	return 0;
}

static size_t round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

/* The first offset at or after @v where a datagram may start. */
static size_t datagram_start(size_t v, const struct ncm_out_params *p)
{
	size_t div = p->divisor ? p->divisor : 1, rem = p->remainder < div ? p->remainder : 0;
	size_t base = v - v % div + rem;

	return base >= v ? base : base + div;
}

size_t ncm_ntb_build(uint8_t *out, size_t cap, int ntb32, uint16_t sequence, const uint8_t *frame, size_t len,
                     const struct ncm_out_params *p)
{
	const struct ntb_format *f = ntb32 ? &fmt32 : &fmt16;
	/* NCM 6.2.1: a power of two, at least 4; anything else a device says
	 * would put the NDP where no reader looks for one */
	size_t align = p->alignment >= 4 && !(p->alignment & (p->alignment - 1)) ? p->alignment : 4;
	size_t ndp = round_up(f->nth_len, align), data = datagram_start(ndp + ndp_min(f), p), total = data + len;

	if (total + 1 > cap || total > p->max_size || (!ntb32 && total + 1 > 0xffff))
		return 0;
	if (p->max_packet > 1 && total % p->max_packet == 0 && total < p->max_size)
		total++; /* a short packet ends it, not a zero-length one */
	memset(out, 0, data);
	dd_put_le32(out, f->nth_sign);
	dd_put_le16(out + 4, (uint32_t)f->nth_len);
	dd_put_le16(out + 6, sequence);
	put_word(f, out + 8, (uint32_t)total);         /* wBlockLength / dwBlockLength */
	put_word(f, out + 8 + f->word, (uint32_t)ndp); /* wNdpIndex / dwNdpIndex */
	dd_put_le32(out + ndp, f->ndp_sign);
	dd_put_le16(out + ndp + 4, (uint32_t)ndp_min(f));
	put_word(f, out + ndp + f->ndp_header, (uint32_t)data);
	put_word(f, out + ndp + f->ndp_header + f->word, (uint32_t)len);
	memcpy(out + data, frame, len);
	if (total > data + len)
		out[data + len] = 0;
	return total;
}
