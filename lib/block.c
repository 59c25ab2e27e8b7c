/* block.c — the block class API: typed wrappers of the block ioctls, which
 * the mass-storage driver (drivers/msc.c) answers. */
#include "internal.h"

#include <devdrv/block.h>
#include <string.h>

int devdrv_block_open(struct devdrv_context *ctx, const char *selector, struct devdrv_handle **out)
{
	return dd_open(ctx, selector, DEVDRV_CLASS_BLOCK, NULL, out);
}

int devdrv_block_info(struct devdrv_handle *h, struct devdrv_block_info *info)
{
	if (!info)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "block info: NULL argument");
	return devdrv_ioctl(h, DEVDRV_IOC_BLOCK_INFO, info, sizeof(*info));
}

static int block_io(struct devdrv_handle *h, unsigned request, uint64_t lba, size_t count, void *buf,
                    unsigned timeout_ms)
{
	struct devdrv_block_io io;

	memset(&io, 0, sizeof(io));
	io.lba = lba;
	io.count = count;
	io.buf = buf;
	io.timeout_ms = timeout_ms;
	return devdrv_ioctl(h, request, &io, sizeof(io));
}

int devdrv_block_read(struct devdrv_handle *h, uint64_t lba, size_t count, void *buf, unsigned timeout_ms)
{
	return block_io(h, DEVDRV_IOC_BLOCK_READ, lba, count, buf, timeout_ms);
}

int devdrv_block_write(struct devdrv_handle *h, uint64_t lba, size_t count, const void *buf,
                       unsigned timeout_ms)
{
	/* the driver only reads from it (DEVDRV_IOC_BLOCK_WRITE) */
	return block_io(h, DEVDRV_IOC_BLOCK_WRITE, lba, count, (void *)buf, timeout_ms);
}

int devdrv_block_flush(struct devdrv_handle *h)
{
	return devdrv_ioctl(h, DEVDRV_IOC_BLOCK_FLUSH, NULL, 0);
}

int devdrv_block_seek(struct devdrv_handle *h, uint64_t lba)
{
	return devdrv_ioctl(h, DEVDRV_IOC_BLOCK_SEEK, &lba, sizeof(lba));
}
