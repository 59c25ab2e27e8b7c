/* bridge.h — what the bridges (pty, uhid, tap) share: one loop that serves the
 * operating system's side when its descriptor is readable and reads the
 * device in short slices between, until a stop descriptor is readable or
 * the device fails. Private to lib/bridges/. */
#ifndef DEVDRV_BRIDGE_H
#define DEVDRV_BRIDGE_H

#include "../internal.h"

struct dd_bridge_loop {
	struct devdrv_handle *h;
	int os_fd;                                   /* the terminal's master, /dev/uhid */
	/* os_fd is readable: how many frames it sent on (counted against the
	 * burst; 0 counts as one), or an error */
	int (*from_os)(void *arg);
	int (*to_os)(void *arg, const uint8_t *data, size_t len); /* the device sent data */
	void *arg;
	uint8_t *buf;                                /* for the device's data */
	size_t len;
	unsigned slice_ms;                           /* longest device read between looks at os_fd */
	int overflow_is_data_lost;                   /* a report too long for buf: skip it, go on */
	void (*each_pass)(void *arg);                /* NULL, or called once a pass (link state...) */
	/* NULL, or: 1 while the device has more data at once; the loop then
	 * reads on (a bounded burst) before it looks at os_fd again */
	int (*device_pending)(void *arg);
	/* NULL, or called after each burst of the device's data: what to_os
	 * held back goes to the OS now. 0 or an error */
	int (*flush_os)(void *arg);
};

/* @return 0 (stop_fd became readable), or the error that ended it. */
int dd_bridge_run(const struct dd_bridge_loop *l, int stop_fd);

#endif
