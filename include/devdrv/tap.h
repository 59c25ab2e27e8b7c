/** @file
 * Publish a network-class device as a TAP interface, so that the
 * kernel's network stack (ip, ping, DHCP clients, any socket) uses the
 * user-space driver as a network adapter.
 *
 * devdrv_tap_open() creates the interface (/dev/net/tun, IFF_TAP) with the
 * adapter's MAC address and brings it up; devdrv_tap_run() moves frames both
 * ways and sets the interface's carrier from the adapter's link
 * notifications, until the device leaves or the application asks it to
 * stop; devdrv_tap_close() removes the interface.
 *
 * The interface offers the kernel checksum offload and TCP segmentation
 * offload for IPv4 (IFF_VNET_HDR, TUNSETOFFLOAD): the kernel's TCP sends
 * packets of up to 64 KiB, which the bridge cuts into frames of the MSS,
 * each with its headers and checksums, as a network card's TSO does. The
 * other way, consecutive TCP/IPv4 segments of one flow that the adapter
 * has at once are checked and joined into one packet for the kernel, as
 * Linux's GRO does (frames the adapter's driver cannot say are waiting go
 * one by one).
 *
 * Throughput: a context created with DEVDRV_EVENTS_APPLICATION
 * (devdrv/events.h) lets devdrv_tap_run() complete the adapter's transfers
 * on its own thread, where the default event thread hands each completion
 * over between threads; `devdrv run --tap` does so. On the project's QEMU
 * bed that took TCP's median against the kernel's cdc_ncm from 0.51 to
 * 0.66-0.77 one way and from 0.21 to 0.38-0.43 the other.
 *
 * Thread safety: a bridge belongs to the thread that runs it, as its handle.
 */
#ifndef DEVDRV_TAP_H
#define DEVDRV_TAP_H

#include <devdrv/devdrv.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** A TAP interface bridged to a net handle. */
struct devdrv_tap;

/** Create interface @p name (NULL or "": the kernel names it, devdrv\%d
 * style) for net handle @p h.
 * @param h     a net handle (devdrv/net.h)
 * @param name  the interface's name, or NULL
 * @param[out] out  the bridge, for devdrv_tap_run() and devdrv_tap_close()
 * @return 0, DEVDRV_E_UNSUPPORTED (not a net
 * handle), DEVDRV_E_ACCESS (CAP_NET_ADMIN is needed), DEVDRV_E_BUSY (the
 * name is taken), DEVDRV_E_IO. */
int devdrv_tap_open(struct devdrv_handle *h, const char *name, struct devdrv_tap **out);

/** The interface's name.
 * @param t  the bridge
 * @return its name, valid until devdrv_tap_close(); NULL for a NULL @p t. */
const char *devdrv_tap_name(const struct devdrv_tap *t);

/** Move frames until @p stop_fd (-1: none) is readable or the device
 * leaves.
 * @param t        the bridge
 * @param stop_fd  a descriptor that ends the bridge when readable, or -1
 * @return 0 (stopped), DEVDRV_E_DISCONNECTED, another error. */
int devdrv_tap_run(struct devdrv_tap *t, int stop_fd);

/** Remove the interface; the handle stays open. NULL is a no-op.
 * @param t  the bridge, freed */
void devdrv_tap_close(struct devdrv_tap *t);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
