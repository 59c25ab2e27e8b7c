/** @file
 * Publish a serial-class device as a pseudo-terminal, so that
 * unmodified programs (picocom, screen, pyserial, stty, cat) use the
 * user-space driver as if it were a kernel tty.
 *
 * devdrv_pty_open() creates the terminal pair, makes LINK a symlink to its
 * slave (/dev/pts/N) and gives the slave the device's line settings.
 * devdrv_pty_run() then moves bytes both ways until the device leaves or
 * the application asks it to stop; line settings a program makes on the
 * terminal (stty, tcsetattr) reach the device while it runs: the master is
 * in packet mode and the slave has EXTPROC, so the kernel reports each
 * termios change as a TIOCPKT_IOCTL packet (no polling). Standard speeds
 * (B50 ... B4000000), 1 or 2 stop bits, CRTSCTS and IXON/IXOFF are passed
 * on; a flush (tcflush) purges the device's buffers.
 *
 * Limits of a Linux pseudo-terminal: it keeps no data bits or parity (the
 * kernel's pty driver forces CS8 and clears PARENB on every change), so
 * those are the handle's, set before the bridge starts (devdrv run
 * \--format); tcsendbreak() on it sends nothing and
 * tells nobody (the pty driver has no break), so a break cannot be passed
 * from the terminal; devdrv_pty_send_break() sends one to the device for
 * the application (devdrv run does on SIGUSR1). Modem-line ioctls
 * (TIOCMGET/TIOCMSET) do not exist on a pty.
 *
 * Thread safety: a bridge belongs to the thread that runs it, as its
 * handle does; devdrv_pty_path() is safe anywhere.
 */
#ifndef DEVDRV_PTY_H
#define DEVDRV_PTY_H

#include <devdrv/devdrv.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** A pseudo-terminal bridged to a serial handle. */
struct devdrv_pty;

/**
 * Create the pseudo-terminal for serial handle @p h and the symlink
 * @p link to its slave (NULL: no symlink). An existing symlink at @p link is
 * replaced (a bridge that died leaves one); anything else there is refused.
 * @param h     a serial handle (devdrv/serial.h)
 * @param link  where the symlink goes, or NULL
 * @param[out] out  the bridge, for devdrv_pty_run() and devdrv_pty_close()
 * @return 0, DEVDRV_E_UNSUPPORTED (not a serial handle), DEVDRV_E_BUSY
 *         (@p link exists and is not a symlink), DEVDRV_E_ACCESS,
 *         DEVDRV_E_IO, DEVDRV_E_NOMEM; devdrv_errmsg(h) says what failed.
 */
int devdrv_pty_open(struct devdrv_handle *h, const char *link, struct devdrv_pty **out);

/** The slave's path, "/dev/pts/N".
 * @param p  the bridge
 * @return the path, valid until devdrv_pty_close(); NULL for a NULL @p p. */
const char *devdrv_pty_path(const struct devdrv_pty *p);

/**
 * Bridge until @p stop_fd (-1: none) becomes readable or the device leaves.
 * @param p        the bridge
 * @param stop_fd  a descriptor that ends the bridge when readable, or -1
 * @return 0 (stopped), DEVDRV_E_DISCONNECTED (the device left), or another
 *         error of the device or of the terminal, with devdrv_errmsg().
 */
int devdrv_pty_run(struct devdrv_pty *p, int stop_fd);

/** Send a break of @p ms milliseconds to the device.
 * @param p   the bridge
 * @param ms  how long the break lasts
 * @return 0 or the codes of devdrv_serial_break(). */
int devdrv_pty_send_break(struct devdrv_pty *p, unsigned ms);

/** Remove the symlink (if it still points to this terminal) and close the
 * terminal; the handle stays open. NULL is a no-op.
 * @param p  the bridge, freed */
void devdrv_pty_close(struct devdrv_pty *p);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
