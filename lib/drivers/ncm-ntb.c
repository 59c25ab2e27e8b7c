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

/* NCM 6.2.1: a power of two, at least 4; anything else a device says would
 * put the NDP where no reader looks for one. */
static size_t ndp_alignment(const struct ncm_out_params *p)
{
	return p->alignment >= 4 && !(p->alignment & (p->alignment - 1)) ? p->alignment : 4;
}

void ncm_ntb_begin(struct ncm_ntb_writer *w, uint8_t *out, size_t cap, int ntb32, uint16_t sequence,
                   unsigned max_datagrams, const struct ncm_out_params *p)
{
	const struct ntb_format *f = ntb32 ? &fmt32 : &fmt16;

	*w = (struct ncm_ntb_writer){ .out = out, .cap = cap, .ntb32 = ntb32, .sequence = sequence, .p = p };
	w->max_datagrams = max_datagrams ? max_datagrams : 1;
	w->ndp = round_up(f->nth_len, ndp_alignment(p));
	/* the NDP's room: its header, an entry per datagram, the null entry */
	w->end = w->ndp + f->ndp_header + 2 * f->word * (w->max_datagrams + 1);
	w->total = 0;
}

/* Header and NDP for what the NTB holds now; one byte of padding when the
 * length would be a whole number of packets below max_size. */
static void ntb_seal(struct ncm_ntb_writer *w)
{
	const struct ntb_format *f = w->ntb32 ? &fmt32 : &fmt16;
	size_t total = w->end, ndp_len = f->ndp_header + 2 * f->word * (w->count + 1);
	size_t entry = w->ndp + f->ndp_header + 2 * f->word * w->count;

	if (w->p->max_packet > 1 && total % w->p->max_packet == 0 && total < w->p->max_size) {
		w->out[total] = 0; /* a short packet ends it, not a zero-length one (NCM 3.2.2) */
		total++;
	}
	dd_put_le32(w->out, f->nth_sign);
	dd_put_le16(w->out + 4, (uint32_t)f->nth_len);
	dd_put_le16(w->out + 6, w->sequence);
	put_word(f, w->out + 8, (uint32_t)total);            /* wBlockLength / dwBlockLength */
	put_word(f, w->out + 8 + f->word, (uint32_t)w->ndp); /* wNdpIndex / dwNdpIndex */
	memset(w->out + 8 + 2 * f->word, 0, w->ndp - (8 + 2 * f->word)); /* reserved, alignment */
	dd_put_le32(w->out + w->ndp, f->ndp_sign);
	dd_put_le16(w->out + w->ndp + 4, (uint32_t)ndp_len);
	memset(w->out + w->ndp + 6, 0, f->ndp_header - 6); /* no next NDP */
	put_word(f, w->out + entry, 0);                    /* the null entry */
	put_word(f, w->out + entry + f->word, 0);
	w->total = total;
}

/* Does a frame of @len bytes fit @w as it stands? */
static int fits(const struct ncm_ntb_writer *w, size_t len)
{
	size_t end = datagram_start(w->end, w->p) + len;

	/* room for the padding byte too; NTB16 lengths are 16 bits */
	return w->count < w->max_datagrams && end + 1 <= w->cap && end <= w->p->max_size &&
	       (w->ntb32 || end + 1 <= 0xffff);
}

int ncm_ntb_add(struct ncm_ntb_writer *w, const uint8_t *frame, size_t len)
{
	const struct ntb_format *f = w->ntb32 ? &fmt32 : &fmt16;
	size_t data = datagram_start(w->end, w->p), end = data + len;
	size_t entry = w->ndp + f->ndp_header + 2 * f->word * w->count;

	if (!fits(w, len))
		return -1;
	memset(w->out + w->end, 0, data - w->end);
	memcpy(w->out + data, frame, len);
	put_word(f, w->out + entry, (uint32_t)data);
	put_word(f, w->out + entry + f->word, (uint32_t)len);
	w->count++;
	w->end = end;
	ntb_seal(w);
	return 0;
}

unsigned ncm_ntb_room_for(size_t cap, int ntb32, size_t len, unsigned want, const struct ncm_out_params *p)
{
	struct ncm_ntb_writer w;

	for (; want > 0; want--) {
		ncm_ntb_begin(&w, NULL, cap, ntb32, 0, want, p);
		if (fits(&w, len))
			return want;
	}
	return 0;
}

size_t ncm_ntb_build(uint8_t *out, size_t cap, int ntb32, uint16_t sequence, const uint8_t *frame, size_t len,
                     const struct ncm_out_params *p)
{
	struct ncm_ntb_writer w;

	ncm_ntb_begin(&w, out, cap, ntb32, sequence, 1, p);
	return ncm_ntb_add(&w, frame, len) == 0 ? w.total : 0;
}
