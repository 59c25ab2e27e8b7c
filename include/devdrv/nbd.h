/** @file
 * Serve a block-class device over the NBD protocol, so that any NBD
 * client (nbdcopy, qemu-img, nbd-client) or the kernel's NBD driver
 * (/dev/nbdN) reads and writes it through the user-space driver.
 *
 * The server speaks the protocol as the NBD project documents it
 * (doc/proto.md): fixed newstyle negotiation (NBD_OPT_EXPORT_NAME, _LIST,
 * _INFO, _GO, _ABORT; structured replies are declined, which the protocol
 * allows) and simple replies for READ, WRITE, FLUSH and DISC. The one export
 * is named after the device (devdrv_nbd_export_name()); the empty name, the
 * default export, is the same. Requests must be aligned to the device's
 * block size (advertised as the minimum block size), at most 32 MiB. The
 * export is read-only when the medium is write-protected or when asked.
 *
 * Thread safety: a server belongs to the thread that runs it, as its handle.
 */
#ifndef DEVDRV_NBD_H
#define DEVDRV_NBD_H

#include <devdrv/devdrv.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** Options of devdrv_nbd_serve(). */
struct devdrv_nbd_options {
	size_t size;        /**< sizeof(struct devdrv_nbd_options) */
	int read_only;      /**< refuse writes even if the medium takes them */
	/** 0: negotiate first (a client on a socket); 1: the peer is the
	 * kernel's NBD driver, set up with ioctls, which starts with requests. */
	int transmission_only;
	/** Readable: end the session (-1: none). 0 is a descriptor like any
	 * other (standard input): a zeroed struct waits on it. */
	int stop_fd;
};

/** The export's name for @p h, e.g.\ "1209:000a-1-3" (VID:PID-port).
 * @param h    an open handle
 * @param buf  where the name is written, truncated to fit
 * @param len  bytes of room in @p buf
 * @return @p buf. */
const char *devdrv_nbd_export_name(struct devdrv_handle *h, char *buf, size_t len);

/**
 * Serve one NBD session on the connected socket @p fd (left open) until the
 * client disconnects, @p o->stop_fd becomes readable, or the device leaves.
 * Device errors are replied to the client as EIO (EPERM for a write to a
 * read-only export) and the session goes on. When it ends, the session logs
 * at DEVDRV_LOG_INFO how many requests and bytes it served and where its
 * time went: waiting for the client, at the device, replying.
 * @param h   a block handle (devdrv/block.h)
 * @param fd  a connected socket: a client's, or one end of a socket pair
 *            whose other end the kernel's NBD driver has
 * @param o   options; NULL: negotiate, no stop descriptor, read-only only
 *            if the medium is write-protected
 * @return 0 (the session ended), DEVDRV_E_DISCONNECTED (the device left),
 *         DEVDRV_E_UNSUPPORTED (not a block handle, or no medium),
 *         DEVDRV_E_PROTOCOL (the client broke the protocol: the detail says
 *         how), DEVDRV_E_IO (the socket failed), DEVDRV_E_INVALID (a NULL
 *         handle, a negative @p fd, or @p o->size too small).
 */
int devdrv_nbd_serve(struct devdrv_handle *h, int fd, const struct devdrv_nbd_options *o);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
