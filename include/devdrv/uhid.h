/** @file
 * Publish a HID-class device to the kernel through /dev/uhid, so
 * that the kernel's HID drivers make of it what they make of any HID device:
 * /dev/input/event* for keyboards, mice, tablets and gamepads, /dev/hidraw*
 * for everything, and the desktop's input stack above them.
 *
 * devdrv_uhid_open() creates the kernel device with the device's report
 * descriptor, or another one given in the options (where a report
 * descriptor quirk is fixed in user space). devdrv_uhid_run() then forwards
 * input reports to the kernel and the kernel's output reports and
 * feature-report requests (GET_REPORT/SET_REPORT) to the device, until the
 * device leaves or the application asks it to stop. The kernel device goes
 * with devdrv_uhid_close().
 *
 * Thread safety: a bridge belongs to the thread that runs it, as its handle.
 */
#ifndef DEVDRV_UHID_H
#define DEVDRV_UHID_H

#include <devdrv/devdrv.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** A kernel HID device bridged to a HID handle. */
struct devdrv_uhid;

/** Options of devdrv_uhid_open(). */
struct devdrv_uhid_options {
	size_t size;                  /**< sizeof(struct devdrv_uhid_options) */
	const char *name;             /**< NULL: "MANUFACTURER PRODUCT" of the device */
	const uint8_t *descriptor;    /**< NULL: the device's own report descriptor */
	size_t descriptor_len;        /**< at most 4096 bytes */
};

/**
 * Create the kernel's HID device for HID handle @p h (opts may be NULL).
 * @param h     a HID handle (devdrv/hid.h)
 * @param opts  options, or NULL for the device's name and descriptor
 * @param[out] out  the bridge, for devdrv_uhid_run() and devdrv_uhid_close()
 * @return 0, DEVDRV_E_UNSUPPORTED (not a HID handle), DEVDRV_E_ACCESS
 *         (/dev/uhid: root, or the uhid group, is needed), DEVDRV_E_INVALID
 *         (a descriptor over 4096 bytes), DEVDRV_E_IO, DEVDRV_E_NOMEM.
 */
int devdrv_uhid_open(struct devdrv_handle *h, const struct devdrv_uhid_options *opts, struct devdrv_uhid **out);

/**
 * Forward reports both ways until @p stop_fd (-1: none) becomes readable or
 * the device leaves.
 * @param u        the bridge
 * @param stop_fd  a descriptor that ends the bridge when readable, or -1
 * @return 0 (stopped), DEVDRV_E_DISCONNECTED (the device left), another
 *         device or /dev/uhid error, with devdrv_errmsg().
 */
int devdrv_uhid_run(struct devdrv_uhid *u, int stop_fd);

/** Reports forwarded to the kernel so far.
 * @param u  the bridge
 * @return the count; 0 for a NULL @p u. */
unsigned long devdrv_uhid_reports(const struct devdrv_uhid *u);

/** Destroy the kernel's device and free the bridge; the handle stays open.
 * NULL is a no-op.
 * @param u  the bridge, freed */
void devdrv_uhid_close(struct devdrv_uhid *u);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
