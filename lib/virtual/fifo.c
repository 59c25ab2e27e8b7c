/* fifo.c — see fifo.h. */
#include "fifo.h"

size_t vfifo_put(struct vfifo *f, const uint8_t *src, size_t len)
{
	size_t n = VFIFO_SIZE - f->count < len ? VFIFO_SIZE - f->count : len;

	for (size_t i = 0; i < n; i++)
		f->data[(f->head + f->count + i) % VFIFO_SIZE] = src[i];
	f->count += n;
	return n;
}

size_t vfifo_get(struct vfifo *f, uint8_t *dst, size_t len)
{
	size_t n = f->count < len ? f->count : len;

	for (size_t i = 0; i < n; i++)
		dst[i] = f->data[(f->head + i) % VFIFO_SIZE];
	f->head = (f->head + n) % VFIFO_SIZE;
	f->count -= n;
	return n;
}
