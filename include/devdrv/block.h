/** @file
 * The block class: USB mass storage (Bulk-Only Transport + SCSI:
 * sticks, card readers, disks in USB enclosures) as logical blocks, whatever
 * the device. One handle is one logical unit: the selector key lun=N picks
 * it (card readers have one per slot), lun 0 without it.
 *
 * Each function is a typed wrapper of an ioctl below; on a handle whose
 * driver is not of the block class they return DEVDRV_E_UNSUPPORTED.
 * Errors the device reports come with its sense data in devdrv_errmsg(),
 * e.g. "LUN 0: READ(10) of 8 blocks at LBA 16380: ILLEGAL REQUEST, LBA out
 * of range (sense 5/21/00)". When the device breaks the Bulk-Only protocol
 * (a malformed status, a phase error, a stalled command) it is reset (the
 * class's reset recovery) and the call fails with DEVDRV_E_PROTOCOL; the
 * next call starts afresh.
 *
 * devdrv_read() and devdrv_write() on a block handle move whole blocks from
 * a position, as on a file: each continues at the LBA where the last one
 * stopped (0 after open; devdrv_block_seek() moves it); @p len must be a
 * multiple of the block size (DEVDRV_E_INVALID otherwise). devdrv_read()
 * returns fewer bytes when it reaches the end of the medium, and 0 there;
 * devdrv_write() writes what fits and fails with DEVDRV_E_INVALID at the end.
 *
 * Claiming the interface detaches the kernel's usb-storage driver, and with
 * it any filesystem mounted from the device: unmount it first.
 *
 * Thread safety: as devdrv_read() (one thread at a time per handle).
 */
#ifndef DEVDRV_BLOCK_H
#define DEVDRV_BLOCK_H

#include <devdrv/devdrv.h>
#include <devdrv/raw.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** Largest transfer of one command: longer reads and writes are split. */
#define DEVDRV_BLOCK_MAX_TRANSFER 65536u

/** A logical unit and its medium, from devdrv_block_info(). */
struct devdrv_block_info {
	uint64_t blocks;         /**< logical blocks; 0 without a medium */
	uint32_t block_size;     /**< bytes a block: a power of two, 512-65536; 0 without a medium */
	unsigned lun;            /**< the handle's logical unit */
	unsigned luns;           /**< logical units the device has (1-16) */
	int medium_present;      /**< 0: a card reader or drive without a medium */
	int write_protected;     /**< the medium's write-protect bit; 0 if the device does not say */
	int removable;           /**< the medium can be removed (INQUIRY RMB) */
	uint8_t device_type;     /**< SCSI peripheral type: 0 disk, 5 CD/DVD, 7 optical, 0x0e RBC */
	/** INQUIRY strings: printable ASCII, trailing blanks removed; vendor,
	 * product and revision. @{ */
	char vendor[9];
	char product[17];
	char revision[5];
	/** @} */
};

/**
 * Open the logical unit @p selector names (lun=N, else 0) of a mass-storage
 * device, refusing devices whose driver is not a block driver before it
 * touches them. Thread safety: as devdrv_open().
 * @param ctx       the context
 * @param selector  the device, as for devdrv_open(), and lun=N
 * @param[out] out  the handle
 * @return the codes of devdrv_open(); DEVDRV_E_UNSUPPORTED (not a block
 *         device, or a unit that is not a disk/CD/optical/RBC one),
 *         DEVDRV_E_NOT_FOUND (no such lun=N: the context errmsg says how
 *         many there are), DEVDRV_E_PROTOCOL (malformed INQUIRY data).
 */
int devdrv_block_open(struct devdrv_context *ctx, const char *selector, struct devdrv_handle **out);

/**
 * Identity and medium of the handle's logical unit, asked afresh each time
 * (TEST UNIT READY, READ CAPACITY, MODE SENSE): a card may have changed.
 * Without a medium it succeeds with medium_present 0.
 * @param h  a block handle
 * @param[out] info  the unit and its medium
 * @return 0, DEVDRV_E_INVALID (NULL @p info), DEVDRV_E_UNSUPPORTED (not a
 *         block handle), DEVDRV_E_PROTOCOL (a block size that is not a power
 *         of two from 512 to 65536, a short or impossible capacity, or a
 *         Bulk-Only violation), DEVDRV_E_TIMEOUT (still not ready after
 *         10 s), DEVDRV_E_IO (the device reported an error), or a transfer
 *         error (DEVDRV_E_DISCONNECTED...).
 */
int devdrv_block_info(struct devdrv_handle *h, struct devdrv_block_info *info);

/**
 * Read @p count blocks from @p lba into @p buf (count × block_size bytes),
 * in commands of at most DEVDRV_BLOCK_MAX_TRANSFER bytes; READ(16) where the
 * LBA needs more than 32 bits. @p timeout_ms applies to each transfer of
 * each command; 0 waits forever. On failure, blocks before the failing
 * command may have been read; the message names the command's LBA.
 * @param h           a block handle
 * @param lba         the first block
 * @param count       how many blocks
 * @param[out] buf    room for @p count blocks
 * @param timeout_ms  for each transfer, 0 none
 * @return 0 (also for @p count 0), DEVDRV_E_INVALID (NULL @p buf, or a range
 *         past the end: "LBA out of range"), DEVDRV_E_UNSUPPORTED, the codes
 *         of devdrv_block_info(), DEVDRV_E_IO (e.g. "unrecovered read
 *         error", "medium not present"), DEVDRV_E_TIMEOUT, DEVDRV_E_OVERFLOW,
 *         DEVDRV_E_DISCONNECTED.
 */
int devdrv_block_read(struct devdrv_handle *h, uint64_t lba, size_t count, void *buf, unsigned timeout_ms);

/**
 * Write @p count blocks from @p buf at @p lba; as devdrv_block_read() for
 * splitting, timeouts and partial failures. The data may sit in the
 * device's cache until devdrv_block_flush().
 * @param h           a block handle
 * @param lba         the first block
 * @param count       how many blocks
 * @param buf         @p count blocks of data
 * @param timeout_ms  for each transfer, 0 none
 * @return the codes of devdrv_block_read(); DEVDRV_E_UNSUPPORTED also when
 *         the device refuses because the medium is write protected ("DATA
 *         PROTECT, write protected" in devdrv_errmsg()).
 */
int devdrv_block_write(struct devdrv_handle *h, uint64_t lba, size_t count, const void *buf,
                       unsigned timeout_ms);

/**
 * Ask the device to write its cache to the medium (SYNCHRONIZE CACHE); a
 * device without that command has no cache and succeeds.
 * @param h  a block handle
 * @return 0, DEVDRV_E_UNSUPPORTED (not a block handle), DEVDRV_E_IO,
 *         DEVDRV_E_PROTOCOL, DEVDRV_E_TIMEOUT, DEVDRV_E_DISCONNECTED.
 */
int devdrv_block_flush(struct devdrv_handle *h);

/**
 * Set the LBA where the next devdrv_read()/devdrv_write() on @p h starts;
 * the number of blocks (the end) is allowed.
 * @param h    a block handle
 * @param lba  the block where the next read or write starts
 * @return 0, DEVDRV_E_INVALID (past the end), DEVDRV_E_UNSUPPORTED, the
 *         codes of devdrv_block_info() (the capacity is needed).
 */
int devdrv_block_seek(struct devdrv_handle *h, uint64_t lba);

/* The ioctls behind the functions (class 3 = block). */
/** Argument of DEVDRV_IOC_BLOCK_READ and DEVDRV_IOC_BLOCK_WRITE. */
struct devdrv_block_io {
	uint64_t lba;        /**< the first block */
	size_t count;        /**< blocks */
	void *buf;           /**< only read from by DEVDRV_IOC_BLOCK_WRITE */
	unsigned timeout_ms; /**< for each transfer, 0 none */
};
/** devdrv_block_info(); arg struct devdrv_block_info. */
#define DEVDRV_IOC_BLOCK_INFO DEVDRV_IOC(3, 1)  /* struct devdrv_block_info */
/** devdrv_block_read(); arg struct devdrv_block_io. */
#define DEVDRV_IOC_BLOCK_READ DEVDRV_IOC(3, 2)  /* struct devdrv_block_io */
/** devdrv_block_write(); arg struct devdrv_block_io. */
#define DEVDRV_IOC_BLOCK_WRITE DEVDRV_IOC(3, 3) /* struct devdrv_block_io */
/** devdrv_block_flush(); arg NULL, size 0. */
#define DEVDRV_IOC_BLOCK_FLUSH DEVDRV_IOC(3, 4) /* NULL, 0 */
/** devdrv_block_seek(); arg uint64_t, the LBA. */
#define DEVDRV_IOC_BLOCK_SEEK DEVDRV_IOC(3, 5)  /* uint64_t */

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
