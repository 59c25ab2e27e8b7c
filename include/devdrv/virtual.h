/* virtual.h — the virtual bus: in-process USB device models, for tests and
 * demos. Available when the context was created with DEVDRV_TRANSPORT_VIRTUAL.
 *
 * Models:
 *   "loopback"  vendor class 0xff, bulk OUT 0x01 / bulk IN 0x81 (512 bytes,
 *               high speed): what is written comes back, in order, from a
 *               64 KiB FIFO. Vendor control requests: OUT 0x01 stores up to
 *               64 bytes in a scratch register, IN 0x02 reads it back; every
 *               other request stalls.
 *   "button"    vendor class 0xff, interrupt IN 0x81 (8 bytes, 10 ms):
 *               vendor OUT request 0x01 with wValue V queues a press, which
 *               arrives as the report {sequence, V & 0xff}. No press, no
 *               report: reads time out.
 *   "sink"      vendor class 0xff, bulk OUT 0x02 only: accepts and discards
 *               everything; it has nothing to read. Not plugged by default.
 *   "alt-loopback"  the loopback with its endpoints in alternate setting 1
 *               of interface 0 (setting 0 has none), as CDC data, audio and
 *               video interfaces have them: open it with alt=1.
 *   Serial chips: "ft232r", "ft2232h", "cp2102", "ch340", "pl2303",
 *               "cdc-acm", "cdc-acm-dual" (see devdrv/serial.h).
 *   HID: "keyboard" (a boot keyboard that types "hello world" by itself) and
 *               "mouse" (report IDs, a feature report; traces a square).
 *   Storage: "stick" (Bulk-Only SCSI, LUN 0: 8 MiB of deterministic
 *               content, LUN 1: 1 MiB write-protected, 4096-byte blocks) and
 *               its broken variants "stick-bad-signature", "stick-bad-tag",
 *               "stick-big-residue", "stick-phase-error", "stick-stall-csw",
 *               "stick-zlp-csw", "stick-zero-block", "stick-huge" (4 TiB),
 *               "stick-fake-capacity", "stick-no-medium" (see lib/virtual/stick.c).
 *   Devices that break the rules, for testing how a program copes (vendor
 *   1209, products bad0-bad7): "hostile-strings" (escape sequences, C1
 *   controls and invalid UTF-8 in its strings), "hostile-nak" (bulk
 *   endpoints that never answer), "hostile-babble" (64-byte reports on an
 *   8-byte interrupt endpoint: DEVDRV_E_OVERFLOW), "hostile-flood" (a CDC-ACM
 *   port whose notification endpoint never stops), "hostile-truncated"
 *   (wTotalLength longer than the descriptor), "hostile-zero-length" (a
 *   descriptor with bLength 0), "hostile-counts" (counts without items),
 *   "hostile-high-iface" (interface number 200), "hostile-hid" (a report
 *   descriptor that ends a collection it never began).
 */
#ifndef DEVDRV_VIRTUAL_H
#define DEVDRV_VIRTUAL_H

#include <devdrv/devdrv.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library builds with hidden visibility; what is declared here is the API. */
#pragma GCC visibility push(default)

/** Plug a model in at @p port_path ("1-3"; bus 1 is the virtual bus). Any
 * thread, concurrently with I/O on other devices. Addresses of unplugged
 * devices are handed out again, as a host controller does.
 * @return 0, DEVDRV_E_INVALID (unknown model, malformed or taken port),
 *         DEVDRV_E_UNSUPPORTED (no virtual transport), DEVDRV_E_NOMEM. */
int devdrv_virtual_plug(struct devdrv_context *ctx, const char *model, const char *port_path);

/** Unplug the device at @p port_path: pending transfers complete with
 * DEVDRV_E_DISCONNECTED, later calls on its handles fail the same way. Any
 * thread, also while another thread is blocked on one of its handles.
 * @return 0, DEVDRV_E_NOT_FOUND, DEVDRV_E_UNSUPPORTED. */
int devdrv_virtual_unplug(struct devdrv_context *ctx, const char *port_path);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
