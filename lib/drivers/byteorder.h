/* byteorder.h — little-endian fields of what devices send and take (USB
 * is little-endian throughout), and big-endian ones of the network's
 * headers (the TAP bridge's offloads), read and written a byte at a time
 * so that neither alignment nor the host's byte order matters. One copy
 * for every driver and parser. */
#ifndef DEVDRV_BYTEORDER_H
#define DEVDRV_BYTEORDER_H

#include <stdint.h>

static inline uint32_t dd_get_le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t dd_get_le32(const uint8_t *p)
{
	return dd_get_le16(p) | dd_get_le16(p + 2) << 16;
}

static inline void dd_put_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static inline void dd_put_le32(uint8_t *p, uint32_t v)
{
	dd_put_le16(p, v);
	dd_put_le16(p + 2, v >> 16);
}

static inline uint16_t dd_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dd_get_be32(const uint8_t *p)
{
	return (uint32_t)dd_get_be16(p) << 16 | dd_get_be16(p + 2);
}

static inline void dd_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static inline void dd_put_be32(uint8_t *p, uint32_t v)
{
	dd_put_be16(p, (uint16_t)(v >> 16));
	dd_put_be16(p + 2, (uint16_t)v);
}

#endif
