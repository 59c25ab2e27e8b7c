/** @file
 * Recording a session and playing it back without the device.
 *
 * Recording: the "record" filter (devdrv \--record FILE, DEVDRV_RECORD=FILE,
 * or the filter record:FILE) writes the device's descriptors and strings and
 * every transfer, in the text format of docs/recording.md.
 *
 * Playing back: the replay transport (DEVDRV_TRANSPORT_REPLAY) serves each
 * recording as a device at its recorded port, bus and address; the same
 * program then runs without the hardware. A program that diverges from the
 * recording (another request, length or OUT data than recorded on an
 * endpoint, or more transfers than recorded) gets DEVDRV_E_PROTOCOL naming
 * the recording's line. $DEVDRV_REPLAY=FILE[:FILE...] loads recordings into
 * every context (and makes replay the default transport); devdrv \--replay
 * FILE does it for the CLI. */
#ifndef DEVDRV_REPLAY_H
#define DEVDRV_REPLAY_H

#include <devdrv/devdrv.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** Serve the recording @p path as a device of @p ctx (created with
 * DEVDRV_TRANSPORT_REPLAY). Any thread.
 * @param ctx   the context that serves it
 * @param path  a recording in the format of docs/recording.md
 * @return 0, DEVDRV_E_UNSUPPORTED (no replay transport), DEVDRV_E_NOT_FOUND
 *         (no such file), DEVDRV_E_INVALID (a malformed recording, or its port
 *         is taken: devdrv_context_errmsg() says FILE:LINE and what is wrong),
 *         DEVDRV_E_NOMEM. */
int devdrv_replay_add(struct devdrv_context *ctx, const char *path);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
