/** @file
 * The network class: Ethernet frames to and from a USB network
 * adapter (CDC-ECM or CDC-NCM), its MAC address, link state and speed.
 *
 * On a net handle, devdrv_read() returns one received Ethernet frame
 * (destination MAC first, no FCS) and devdrv_write() sends one. An NCM
 * adapter's transfer blocks carry several frames: devdrv_read() returns
 * them one a call, and 0 when a block held none (or could not be read, which
 * counts in rx_errors). devdrv_write() on an idle NCM adapter sends the
 * frame at once in a block of its own; frames written while two blocks are
 * in flight travel together in the next one (up to 32), which leaves as
 * soon as one of those completes: no frame waits for a timer.
 *
 * As a network card does, the driver keeps transfers in flight both ways
 * from the moment the handle opens: receive transfers stay posted, with
 * buffers for frames not read yet (when all are full, the reader has
 * fallen behind, and new data is dropped and counted in rx_errors), and
 * devdrv_write() returns once the frame is queued, waiting only when every
 * send transfer is in flight; a send that fails later counts in tx_errors,
 * and a device found unplugged fails the next write. devdrv_close() lets
 * what was queued go out first (half a second at most). The link and
 * speed come from the adapter's notifications (CDC 6.3.1
 * NETWORK_CONNECTION, 6.3.3 CONNECTION_SPEED_CHANGE), read in the
 * background by the library's event handling.
 *
 * Thread safety: as devdrv_read() (one thread at a time per handle);
 * devdrv_net_info() may be called from any thread.
 */
#ifndef DEVDRV_NET_H
#define DEVDRV_NET_H

#include <devdrv/devdrv.h>
#include <devdrv/raw.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

#define DEVDRV_NET_MAX_FRAME 1518 /**< Ethernet frame with a VLAN tag, no FCS */

/** A network adapter's state, from devdrv_net_info(). */
struct devdrv_net_info {
	uint8_t mac[6];           /**< the adapter's address (iMACAddress) */
	int link;                 /**< 1 connected, 0 not, -1 not told yet */
	/** Download and upload speeds, in bits per second, 0 if not told. @{ */
	uint64_t speed_down, speed_up;
	/** @} */
	uint16_t max_segment;     /**< wMaxSegmentSize of the adapter */
	/** Frames received and sent, and those that failed either way, since
	 * the handle was opened. @{ */
	uint64_t rx_frames, tx_frames, rx_errors, tx_errors;
	/** @} */
};

/** devdrv_open() for a network adapter; other drivers are refused before
 * they touch the device.
 * @param ctx       the context
 * @param selector  the device, as for devdrv_open()
 * @param[out] out  the handle
 * @return the codes of devdrv_open(),
 * DEVDRV_E_UNSUPPORTED (not a net driver), DEVDRV_E_PROTOCOL (no usable MAC
 * address). */
int devdrv_net_open(struct devdrv_context *ctx, const char *selector, struct devdrv_handle **out);

/** MAC, link, speed, counters.
 * @param h     a net handle
 * @param[out] info  the adapter's state now
 * @return 0, DEVDRV_E_UNSUPPORTED, DEVDRV_E_INVALID (NULL @p info). */
int devdrv_net_info(struct devdrv_handle *h, struct devdrv_net_info *info);

/** The ioctl behind devdrv_net_info() (class 4 = net); arg struct
 * devdrv_net_info. */
#define DEVDRV_IOC_NET_INFO DEVDRV_IOC(4, 1) /* struct devdrv_net_info */

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
