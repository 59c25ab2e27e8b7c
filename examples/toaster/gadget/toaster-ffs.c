/* toaster-ffs.c — the USB toaster on a real bus: a Linux FunctionFS gadget
 * function that speaks the protocol of ../toaster.h, so that a machine with
 * a USB device controller (or dummy_hcd) is a toaster the kernel enumerates
 * and libdevdrv drives through libusb.
 *
 *   toaster-ffs MOUNTPOINT     (the functionfs mount of the function, with ep0)
 *
 * ep0 carries the descriptors, then the setup requests; ep1 (interrupt IN)
 * the status reports, ep2 (bulk IN) the log. A write to ep1 or ep2 blocks
 * until the host reads, so each has its own thread and ep0 never waits for
 * them. Runs until killed; logs to stderr. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "../toaster.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Little-endian constants the compiler can put in static descriptors. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LE16(x) (x)
#define LE32(x) (x)
#else
#define LE16(x) __builtin_bswap16(x)
#define LE32(x) __builtin_bswap32(x)
#endif

#define LOG_SIZE 1024
#define REPORT_EVERY_MS 100

/* ---- descriptors ------------------------------------------------------------ */

struct endpoints {
	struct usb_interface_descriptor intf;
	struct usb_endpoint_descriptor_no_audio status, log;
} __attribute__((packed));

static const struct {
	struct usb_functionfs_descs_head_v2 header;
	__le32 fs_count, hs_count;
	struct endpoints fs, hs;
} __attribute__((packed)) descriptors = {
	.header = {
		.magic = LE32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2),
		.length = LE32(sizeof(descriptors)),
		.flags = LE32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC),
	},
	.fs_count = LE32(3),
	.hs_count = LE32(3),
	.fs = {
		.intf = { sizeof(struct usb_interface_descriptor), USB_DT_INTERFACE, 0, 0, 2,
		          USB_CLASS_VENDOR_SPEC, 0, 0, 1 },
		.status = { USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, 1 | USB_DIR_IN, USB_ENDPOINT_XFER_INT,
		            LE16(TOASTER_STATUS_LEN), 4 },
		.log = { USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, 2 | USB_DIR_IN, USB_ENDPOINT_XFER_BULK,
		         LE16(64), 0 },
	},
	.hs = {
		.intf = { sizeof(struct usb_interface_descriptor), USB_DT_INTERFACE, 0, 0, 2,
		          USB_CLASS_VENDOR_SPEC, 0, 0, 1 },
		.status = { USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, 1 | USB_DIR_IN, USB_ENDPOINT_XFER_INT,
		            LE16(TOASTER_STATUS_LEN), 4 }, /* 2^(4-1) microframes: 1 ms */
		.log = { USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, 2 | USB_DIR_IN, USB_ENDPOINT_XFER_BULK,
		         LE16(512), 0 },
	},
};

#define INTERFACE_NAME "Toaster"

static const struct {
	struct usb_functionfs_strings_head header;
	struct {
		__le16 code;
		char name[sizeof(INTERFACE_NAME)];
	} __attribute__((packed)) lang0;
} __attribute__((packed)) strings = {
	.header = {
		.magic = LE32(FUNCTIONFS_STRINGS_MAGIC),
		.length = LE32(sizeof(strings)),
		.str_count = LE32(1),
		.lang_count = LE32(1),
	},
	.lang0 = { LE16(0x0409), INTERFACE_NAME },
};

/* ---- the toaster ---------------------------------------------------------------- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	int enabled; /* the host configured us: endpoints can move data */
	enum toaster_state state;
	unsigned darkness;
	struct timespec started;
	int report_due;
	char log[LOG_SIZE];
	size_t log_len;
} toaster = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, TOASTER_IDLE, 5, { 0, 0 }, 0, "", 0 };

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void log_line_locked(const char *line)
{
	size_t n = strlen(line);

	if (toaster.log_len + n <= LOG_SIZE) { /* a log nobody reads loses its newest lines */
		memcpy(toaster.log + toaster.log_len, line, n);
		toaster.log_len += n;
	}
	pthread_cond_broadcast(&toaster.changed);
}

static int final_temperature_locked(void)
{
	return 150 + 10 * (int)toaster.darkness;
}

static void set_state_locked(enum toaster_state state)
{
	toaster.state = state;
	toaster.report_due = 1;
	pthread_cond_broadcast(&toaster.changed);
}

/* Heating ends by itself when its time is up. */
static void advance_locked(void)
{
	char line[32];

	if (toaster.state != TOASTER_HEATING || ms_since(&toaster.started) < 200L * toaster.darkness)
		return;
	set_state_locked(TOASTER_DONE);
	snprintf(line, sizeof(line), "done at %d C\n", final_temperature_locked());
	log_line_locked(line);
}

static struct toaster_status status_locked(void)
{
	long ms = toaster.state == TOASTER_IDLE ? 0 : ms_since(&toaster.started), total = 200L * toaster.darkness;
	struct toaster_status s = { toaster.state, toaster.darkness, 20, 0 };

	if (toaster.state == TOASTER_HEATING) {
		s.temperature_c = 20 + (int)((final_temperature_locked() - 20) * (ms < total ? ms : total) / total);
		s.heating_ds = (unsigned)(ms / 100);
	} else if (toaster.state == TOASTER_DONE) {
		s.temperature_c = final_temperature_locked();
		s.heating_ds = (unsigned)(total / 100);
	}
	return s;
}

/* ---- ep0: the setup requests ------------------------------------------------------ */

/* A request the toaster refuses: the data stage in the other direction
 * tells FunctionFS to stall. */
static void stall(int ep0, const struct usb_ctrlrequest *r)
{
	char b;

	if (r->bRequestType & USB_DIR_IN)
		(void)!read(ep0, &b, 0);
	else
		(void)!write(ep0, &b, 0);
}

static void ack(int ep0)
{
	char b;

	(void)!read(ep0, &b, 0); /* the status stage of an OUT request without data */
}

/* 0 to acknowledge an OUT request, -1 to stall. */
static int vendor_out_locked(uint8_t request, uint16_t value)
{
	char line[32];

	advance_locked();
	switch (request) {
	case TOASTER_REQ_SET_DARKNESS:
		if (value < TOASTER_DARKNESS_MIN || value > TOASTER_DARKNESS_MAX || toaster.state == TOASTER_HEATING)
			return -1;
		toaster.darkness = value;
		snprintf(line, sizeof(line), "darkness %u\n", value);
		log_line_locked(line);
		return 0;
	case TOASTER_REQ_START:
		if (toaster.state == TOASTER_HEATING)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &toaster.started);
		set_state_locked(TOASTER_HEATING);
		snprintf(line, sizeof(line), "heating to %u\n", toaster.darkness);
		log_line_locked(line);
		return 0;
	case TOASTER_REQ_STOP:
		if (toaster.state == TOASTER_HEATING) {
			set_state_locked(TOASTER_IDLE);
			log_line_locked("stopped\n");
		}
		return 0;
	default:
		return -1;
	}
}

static void setup(int ep0, const struct usb_ctrlrequest *r)
{
	uint16_t value = le16toh(r->wValue), length = le16toh(r->wLength);
	uint8_t report[TOASTER_STATUS_LEN];
	struct toaster_status s;
	int rc;

	if (r->bRequestType == 0xc1 && r->bRequest == TOASTER_REQ_GET_STATUS && length >= TOASTER_STATUS_LEN) {
		pthread_mutex_lock(&toaster.lock);
		advance_locked();
		s = status_locked();
		pthread_mutex_unlock(&toaster.lock);
		toaster_build_status(report, &s);
		(void)!write(ep0, report, sizeof(report));
		return;
	}
	if (r->bRequestType != 0x41 || length) {
		stall(ep0, r);
		return;
	}
	pthread_mutex_lock(&toaster.lock);
	rc = vendor_out_locked(r->bRequest, value);
	pthread_mutex_unlock(&toaster.lock);
	if (rc < 0)
		stall(ep0, r);
	else
		ack(ep0);
}

static void set_enabled(int on)
{
	pthread_mutex_lock(&toaster.lock);
	toaster.enabled = on;
	pthread_cond_broadcast(&toaster.changed);
	pthread_mutex_unlock(&toaster.lock);
}

static int serve_ep0(int ep0)
{
	struct usb_functionfs_event ev[4];

	for (;;) {
		ssize_t n = read(ep0, ev, sizeof(ev));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || n % (ssize_t)sizeof(ev[0])) {
			perror("toaster-ffs: ep0");
			return 1;
		}
		for (ssize_t i = 0; i < n / (ssize_t)sizeof(ev[0]); i++) {
			switch (ev[i].type) {
			case FUNCTIONFS_ENABLE: set_enabled(1); break;
			case FUNCTIONFS_DISABLE:
			case FUNCTIONFS_UNBIND: set_enabled(0); break;
			case FUNCTIONFS_SETUP: setup(ep0, &ev[i].u.setup); break;
			default: break; /* BIND, SUSPEND, RESUME */
			}
		}
	}
}

/* ---- ep1 and ep2: reports and the log, each on its own thread --------------------- */

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts); /* the condition variable's clock */
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *report_status(void *arg)
{
	int ep = *(int *)arg;
	struct timespec last = { 0, 0 };

	for (;;) {
		uint8_t report[TOASTER_STATUS_LEN];
		struct toaster_status s;
		struct timespec until;

		pthread_mutex_lock(&toaster.lock);
		for (;;) {
			advance_locked();
			if (toaster.enabled && (toaster.report_due ||
			                        (toaster.state == TOASTER_HEATING && ms_since(&last) >= REPORT_EVERY_MS)))
				break;
			deadline_in(&until, REPORT_EVERY_MS / 4);
			pthread_cond_timedwait(&toaster.changed, &toaster.lock, &until);
		}
		toaster.report_due = 0;
		s = status_locked();
		clock_gettime(CLOCK_MONOTONIC, &last);
		pthread_mutex_unlock(&toaster.lock);
		toaster_build_status(report, &s);
		if (write(ep, report, sizeof(report)) < 0 && errno != ESHUTDOWN)
			perror("toaster-ffs: status");
	}
	return NULL;
}

/* One line per write: a host that reads 32 bytes at a time never gets more
 * than it asked for. */
static void *send_log(void *arg)
{
	int ep = *(int *)arg;

	for (;;) {
		char line[LOG_SIZE];
		size_t n;

		pthread_mutex_lock(&toaster.lock);
		while (!toaster.enabled || !toaster.log_len)
			pthread_cond_wait(&toaster.changed, &toaster.lock);
		n = (size_t)((char *)memchr(toaster.log, '\n', toaster.log_len) - toaster.log) + 1;
		memcpy(line, toaster.log, n);
		memmove(toaster.log, toaster.log + n, toaster.log_len - n);
		toaster.log_len -= n;
		pthread_mutex_unlock(&toaster.lock);
		if (write(ep, line, n) < 0 && errno != ESHUTDOWN)
			perror("toaster-ffs: log");
	}
	return NULL;
}

static int open_in(const char *dir, const char *name, int flags)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, flags)) < 0)
		fprintf(stderr, "toaster-ffs: %s: %s\n", path, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	static int ep1, ep2;
	pthread_t status_thread, log_thread;
	int ep0;

	if (argc != 2) {
		fprintf(stderr, "usage: toaster-ffs MOUNTPOINT\n");
		return 2;
	}
	if ((ep0 = open_in(argv[1], "ep0", O_RDWR)) < 0)
		return 1;
	if (write(ep0, &descriptors, sizeof(descriptors)) != sizeof(descriptors) ||
	    write(ep0, &strings, sizeof(strings)) != sizeof(strings)) {
		perror("toaster-ffs: writing descriptors");
		return 1;
	}
	/* the endpoint files exist once the descriptors are written */
	if ((ep1 = open_in(argv[1], "ep1", O_WRONLY)) < 0 || (ep2 = open_in(argv[1], "ep2", O_WRONLY)) < 0)
		return 1;
	pthread_create(&status_thread, NULL, report_status, &ep1);
	pthread_create(&log_thread, NULL, send_log, &ep2);
	fprintf(stderr, "toaster-ffs: ready on %s\n", argv[1]);
	return serve_ep0(ep0);
}
