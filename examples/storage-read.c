/* storage-read.c — a USB mass-storage device through the block API: what
 * it is, how big, and its first blocks, with a hexdump of block 0 and what
 * that block looks like (an MBR or GPT partition table, or neither).
 * Nothing is written.
 *
 *   storage-read SELECTOR      e.g. storage-read 0781:5567 (unmount it first:
 *                              claiming the interface detaches usb-storage)
 *   storage-read --virtual     the virtual stick plugged at 1-3; the program
 *                              checks its capacity and its blocks' known content
 */
#include <devdrv/block.h>
#include <devdrv/devdrv.h>
#include <devdrv/virtual.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCKS 2 /* read this many from LBA 0 */

static void hexdump(const uint8_t *p, size_t len)
{
	for (size_t off = 0; off < len; off += 16) {
		printf("%04zx ", off);
		for (size_t i = off; i < off + 16; i++)
			printf(" %02x", p[i]);
		printf("  ");
		for (size_t i = off; i < off + 16; i++)
			putchar(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
		putchar('\n');
	}
}

/* A block of the virtual stick's LUN 0 never written holds its LBA
 * (little-endian), "devdrv-0", then bytes (lba * 31 + offset * 7): see
 * lib/virtual/stick.c. */
static int virtual_block_ok(const uint8_t *b, uint64_t lba, uint32_t size)
{
	for (unsigned i = 0; i < 8; i++)
		if (b[i] != (uint8_t)(lba >> (8 * i)))
			return 0;
	if (memcmp(b + 8, "devdrv-0", 8) != 0)
		return 0;
	for (uint32_t off = 16; off < size; off++)
		if (b[off] != (uint8_t)(lba * 31 + off * 7))
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct devdrv_context_options o = DEVDRV_CONTEXT_OPTIONS_INIT;
	int virt = argc > 1 && !strcmp(argv[1], "--virtual"), rc = 1;
	const char *sel = argc > 1 + virt ? argv[1 + virt] : virt ? "1-3" : NULL;
	int check = virt && argc == 2; /* the stick it plugs: its content is known */
	struct devdrv_context *ctx = NULL;
	struct devdrv_handle *h = NULL;
	struct devdrv_block_info info;
	uint8_t *buf = NULL;

	if (!sel) {
		fprintf(stderr, "usage: storage-read SELECTOR | storage-read --virtual [SELECTOR]\n");
		return 2;
	}
	o.transports = virt ? DEVDRV_TRANSPORT_VIRTUAL : DEVDRV_TRANSPORT_DEFAULT;
	if (devdrv_context_new(&o, &ctx) < 0 || (virt && devdrv_virtual_plug(ctx, "stick", "1-3") < 0) ||
	    devdrv_block_open(ctx, sel, &h) < 0) {
		fprintf(stderr, "storage-read: %s\n", devdrv_context_errmsg(ctx));
		devdrv_context_free(ctx);
		return 1;
	}
	/* info asks the device afresh: a card reader may have no card in. */
	if (devdrv_block_info(h, &info) < 0)
		goto fail;
	printf("%s: %s %s %s, LUN %u of %u%s\n", sel, info.vendor, info.product, info.revision, info.lun, info.luns,
	       info.write_protected ? ", write protected" : "");
	if (!info.medium_present || info.blocks < BLOCKS) {
		fprintf(stderr, "storage-read: no medium, or fewer than %d blocks\n", BLOCKS);
		goto done;
	}
	printf("capacity: %llu blocks x %u bytes = %llu bytes\n", (unsigned long long)info.blocks, info.block_size,
	       (unsigned long long)info.blocks * info.block_size);
	if (!(buf = malloc((size_t)BLOCKS * info.block_size))) {
		fprintf(stderr, "storage-read: out of memory\n");
		goto done;
	}
	if (devdrv_block_read(h, 0, BLOCKS, buf, 5000) < 0)
		goto fail;
	printf("block 0, first 64 bytes:\n");
	hexdump(buf, 64);
	if (buf[510] == 0x55 && buf[511] == 0xaa)
		printf("bytes 510-511 of block 0 are 55 aa: an MBR or a boot sector\n");
	if (!memcmp(buf + info.block_size, "EFI PART", 8))
		printf("LBA 1 holds a GPT header\n");
	rc = 0;
	/* The virtual stick is 16384 blocks of 512 bytes, made of a known pattern. */
	if (check && (info.blocks != 16384 || info.block_size != 512 || strcmp(info.vendor, "devdrv") != 0)) {
		fprintf(stderr, "storage-read: the virtual stick should be devdrv's, 16384 x 512 bytes\n");
		rc = 1;
	}
	for (unsigned b = 0; check && !rc && b < BLOCKS; b++)
		if (!virtual_block_ok(buf + (size_t)b * info.block_size, b, info.block_size)) {
			fprintf(stderr, "storage-read: block %u is not the virtual stick's\n", b);
			rc = 1;
		}
	if (check && !rc)
		printf("the virtual stick's capacity and blocks 0-%d are as expected\n", BLOCKS - 1);
	goto done;
fail:
	fprintf(stderr, "storage-read: %s\n", devdrv_errmsg(h));
done:
	free(buf);
	devdrv_close(h);
	devdrv_context_free(ctx);
	return rc;
}
