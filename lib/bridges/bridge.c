/* bridge.c — the loop the bridges share (bridge.h). */
#include "bridge.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

/* What the OS side may send in one pass, before the device is read again.
 * One read a pass, then a slice waiting for a device with nothing to say,
 * capped a one-way stream (UDP through a TAP: nothing comes back) at one
 * frame a slice, 200 a second; a bounded burst keeps the device's side from
 * waiting long behind a busy OS side. */
#define OS_BURST 64
#define DEVICE_BURST 64 /* the same bound the other way */

/* os_fd readable now? */
static int os_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* The bridge ends with @rc: what the device gave before still goes. */
static int flush_before(const struct dd_bridge_loop *l, int rc)
{
	if (l->flush_os)
		l->flush_os(l->arg);
	return rc;
}

/* The device's data: one read (up to a slice's wait), then, while the
 * device says more is there, the rest of a burst; then what to_os held. */
static int device_burst(const struct dd_bridge_loop *l)
{
	int burst = 0, rc;

	for (;;) {
		ssize_t n = devdrv_read(l->h, l->buf, l->len, l->slice_ms);

		if (n > 0 && (rc = l->to_os(l->arg, l->buf, (size_t)n)) < 0)
			return flush_before(l, rc);
		if (n < 0 && n != DEVDRV_E_TIMEOUT && !(n == DEVDRV_E_OVERFLOW && l->overflow_is_data_lost))
			return flush_before(l, (int)n);
		if (n == DEVDRV_E_TIMEOUT || !l->device_pending || ++burst == DEVICE_BURST || !l->device_pending(l->arg))
			break;
	}
	return l->flush_os ? l->flush_os(l->arg) : 0;
}

int dd_bridge_run(const struct dd_bridge_loop *l, int stop_fd)
{
	for (;;) {
		struct pollfd fds[2] = { { .fd = l->os_fd, .events = POLLIN }, { .fd = stop_fd, .events = POLLIN } };
		int rc;

		if (poll(fds, stop_fd >= 0 ? 2 : 1, 0) < 0 && errno != EINTR)
			return devdrv_handle_fail(l->h, DEVDRV_E_IO, "bridge: poll: %s", strerror(errno));
		if (stop_fd >= 0 && (fds[1].revents & POLLIN))
			return 0;
		if (fds[0].revents & POLLIN) {
			int burst = 0;

			do {
				if ((rc = l->from_os(l->arg)) < 0)
					return rc;
				burst += rc > 0 ? rc : 1;
			} while (burst < OS_BURST && os_ready(l->os_fd));
		}
		if ((rc = device_burst(l)) < 0)
			return rc;
		if (l->each_pass)
			l->each_pass(l->arg);
	}
}
