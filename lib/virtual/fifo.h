/* fifo.h — a byte ring for device models that loop data back. */
#ifndef DEVDRV_VFIFO_H
#define DEVDRV_VFIFO_H

#include <stddef.h>
#include <stdint.h>

#define VFIFO_SIZE 65536

struct vfifo {
	uint8_t data[VFIFO_SIZE];
	size_t head, count;
};

/* Copy in as much of @src as fits; returns the bytes taken. */
size_t vfifo_put(struct vfifo *f, const uint8_t *src, size_t len);
/* Copy out up to @len bytes; returns the bytes given. */
size_t vfifo_get(struct vfifo *f, uint8_t *dst, size_t len);

#endif
