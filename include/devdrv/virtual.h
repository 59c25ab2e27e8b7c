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
 */
#ifndef DEVDRV_VIRTUAL_H
#define DEVDRV_VIRTUAL_H

#include <devdrv/devdrv.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library builds with hidden visibility; what is declared here is the API. */
#pragma GCC visibility push(default)

/** Plug a model in at @p port_path ("1-3"; bus 1 is the virtual bus).
 * @return 0, DEVDRV_E_INVALID (unknown model, malformed or taken port),
 *         DEVDRV_E_UNSUPPORTED (no virtual transport), DEVDRV_E_NOMEM. */
int devdrv_virtual_plug(struct devdrv_context *ctx, const char *model, const char *port_path);

/** Unplug the device at @p port_path: pending transfers complete with
 * DEVDRV_E_DISCONNECTED, later calls on its handles fail the same way.
 * @return 0, DEVDRV_E_NOT_FOUND, DEVDRV_E_UNSUPPORTED. */
int devdrv_virtual_unplug(struct devdrv_context *ctx, const char *port_path);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
