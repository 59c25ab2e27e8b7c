/** @file
 * A USB/IP server: export the context's devices (virtual models,
 * recorded sessions, real devices) over TCP with the protocol of the Linux
 * kernel's usbip-host, so that another machine's `usbip attach` makes them
 * its own USB devices, driven by its kernel's drivers.
 *
 * USB/IP has no authentication and no encryption: whoever reaches the port
 * drives the devices. The server listens on 127.0.0.1 unless told otherwise,
 * and refuses a non-loopback address without DEVDRV_USBIP_ALLOW_REMOTE;
 * reach it from another machine through an SSH tunnel
 * (ssh -L 3240:127.0.0.1:3240 HOST).
 *
 * Each device is imported by at most one client at a time; a client that
 * sends something malformed, or vanishes, loses its connection (with a log
 * line) and the device is free again; the server goes on. Control, bulk and
 * interrupt transfers are served; isochronous ones are refused. A device
 * unplugged while imported ends its connection, so the client's kernel sees
 * it unplugged too.
 *
 * Threads: one per connection (an imported device, or a client listing),
 * plus the context's event thread, which runs the completions (with
 * DEVDRV_EVENTS_APPLICATION the application must handle events while the
 * server runs). A connection has at most 256 URBs and 64 MiB in flight (more
 * waits), the server at most 64 connections. devdrv_usbip_server_stop() may be
 * called from any thread and from a signal handler.
 */
#ifndef DEVDRV_USBIP_H
#define DEVDRV_USBIP_H

#include <devdrv/devdrv.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** The port USB/IP clients connect to unless told otherwise. */
#define DEVDRV_USBIP_PORT 3240

/** devdrv_usbip_options flags. */
enum devdrv_usbip_flags {
	/** Accept a listening address other than loopback. */
	DEVDRV_USBIP_ALLOW_REMOTE = 1 << 0,
};

/** Options of devdrv_usbip_server_new(). */
struct devdrv_usbip_options {
	size_t size;          /**< sizeof(struct devdrv_usbip_options) */
	/** "ADDR:PORT", "ADDR" or ":PORT" (IPv4, or IPv6 in brackets); NULL:
	 * "127.0.0.1:3240". Port 0 picks a free one (devdrv_usbip_server_port()). */
	const char *listen;
	unsigned flags;       /**< enum devdrv_usbip_flags */
	/** Export only the devices this selector matches (NULL: every device of
	 * the context). Their busid on the wire is their port path. */
	const char *selector;
};

/** Initialiser of struct devdrv_usbip_options: size set, the rest 0. */
#define DEVDRV_USBIP_OPTIONS_INIT { .size = sizeof(struct devdrv_usbip_options) }

/** A listening USB/IP server. */
struct devdrv_usbip_server;

/** Listen.
 * @param ctx   the context whose devices are exported
 * @param opts  options, or NULL for 127.0.0.1:3240 and every device
 * @param[out] out  the server, for devdrv_usbip_server_run()
 * @return 0, DEVDRV_E_INVALID (malformed address or selector, a
 * non-loopback address without DEVDRV_USBIP_ALLOW_REMOTE),
 * DEVDRV_E_BUSY (address in use), DEVDRV_E_ACCESS, DEVDRV_E_NOMEM,
 * DEVDRV_E_IO; devdrv_context_errmsg() says more. */
int devdrv_usbip_server_new(struct devdrv_context *ctx, const struct devdrv_usbip_options *opts,
                            struct devdrv_usbip_server **out);

/** The TCP port the server listens on.
 * @param srv  the server
 * @return the port (the one picked when asked for port 0). */
int devdrv_usbip_server_port(const struct devdrv_usbip_server *srv);

/** Accept and serve clients until devdrv_usbip_server_stop(). One thread.
 * @param srv  the server
 * @return 0 once stopped, DEVDRV_E_IO if accepting fails for good. */
int devdrv_usbip_server_run(struct devdrv_usbip_server *srv);

/** Make devdrv_usbip_server_run() return: connections are closed (their
 * clients see the devices unplugged). Any thread; async-signal-safe.
 * @param srv  the server */
void devdrv_usbip_server_stop(struct devdrv_usbip_server *srv);

/** 1 if the server exports @p info's device (the selector matches, it is
 * not a hub, its port path fits a busid), else 0. Any thread.
 * @param srv   the server
 * @param info  a device of the server's context
 * @return 1 or 0. */
int devdrv_usbip_server_exports(const struct devdrv_usbip_server *srv, const struct devdrv_device_info *info);

/** How many devices clients have imported now. Any thread.
 * @param srv  the server
 * @return the count. */
int devdrv_usbip_server_imported(struct devdrv_usbip_server *srv);

/** Free a server whose run() has returned (or never ran). NULL: no-op.
 * @param srv  the server */
void devdrv_usbip_server_free(struct devdrv_usbip_server *srv);

/* ---- the client: the usbip transport ---- */

/**
 * Drive the devices of the USB/IP server at @p address ("HOST[:PORT]",
 * "[V6]:PORT"; port 3240 when none) with this context's drivers, over TCP:
 * no vhci_hcd, no root. The context needs DEVDRV_TRANSPORT_USBIP (or
 * $DEVDRV_USBIP_SERVER, which also selects it). Its devices are listed with
 * transport "usbip", remote = 1, and the server's busid as port path.
 *
 * Listing asks the server for its devices; one seen for the first time is
 * imported for a moment to read its descriptors (Linux's usbip-host resets
 * a device when its importer lets it go). Opening imports the device for
 * the handle's lifetime; another client's import makes it DEVDRV_E_BUSY.
 * The server going away completes every transfer with
 * DEVDRV_E_DISCONNECTED. Isochronous transfers are not supported; one
 * transfer moves at most 4 MiB. Any thread, before or between listings.
 * @param ctx      a context with the usbip transport
 * @param address  the server, "HOST[:PORT]"
 * @return 0, DEVDRV_E_INVALID (malformed address), DEVDRV_E_UNSUPPORTED
 *         (the context has no usbip transport).
 */
int devdrv_usbip_use_server(struct devdrv_context *ctx, const char *address);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
