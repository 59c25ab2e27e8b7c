/* toaster-ffs.c — the USB toaster (1209:70a5) on a real kernel USB bus: the
 * device side as a FunctionFS function, for a configfs gadget on any UDC
 * (dummy_hcd in the project's QEMU bed). The protocol is ../toaster.h's; the
 * device descriptor (VID, PID, bcdDevice, strings) is the configfs gadget's.
 *
 * usage: toaster-ffs MOUNTPOINT   (a mounted functionfs holding ep0)
 *
 * It writes the descriptors and strings to ep0, which makes ep1 (interrupt IN,
 * status reports) and ep2 (bulk IN, the log) appear; then the gadget may be
 * bound. It runs until killed and logs to stderr.
 *
 * The descriptors ask for 0x81 and 0x82, but the UDC numbers the endpoints
 * (usb_ep_autoconfig): on dummy_hcd the log endpoint becomes 0x86. A host
 * takes the addresses from the interface descriptor, by type and direction.
 * FUNCTIONFS_VIRTUAL_ADDR would keep 0x82 in the descriptors, but 6.1 then
 * fails SET_CONFIGURATION (config_ep_by_speed finds no descriptor for the
 * physical address, -EIO), so it is not used.
 *
 * Threads, because every endpoint file blocks: a write to ep1 or ep2 lasts
 * until the host reads, and ep0 must answer control requests meanwhile.
 *   main    ep0 events: control requests, enable/disable, bind/unbind
 *   clock   heating: a report every 100 ms, "done" when the time is up
 *   status  writes the newest status report to ep1
 *   log     writes the log to ep2 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* endian.h's htole16 and friends */
#endif
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VENDOR_OUT 0x41 /* host to device, vendor, interface */
#define VENDOR_IN 0xc1
#define REQ_SET_DARKNESS 0x01
#define REQ_START 0x02
#define REQ_STOP 0x03
#define REQ_GET_STATUS 0x04

#define EP_STATUS 0x81 /* what we ask for; the UDC may number them otherwise */
#define EP_LOG 0x82
#define STATUS_LEN 8
#define DARKNESS_MIN 1
#define DARKNESS_MAX 10
#define DARKNESS_DEFAULT 5
#define COLD_C 20
#define MS_PER_DARKNESS 200
#define REPORT_EVERY_MS 100
#define RESIGNAL_MS 50  /* see resignal_due() */
#define RETRY_MS 100    /* after an endpoint error, before trying again */
#define LOG_SIZE 4096
#define SMALLEST_MPS 64 /* of the log endpoint: 64 full speed, 512 high speed */

enum state { IDLE = 0, HEATING = 1, DONE = 2 };

struct toaster {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* anything below changed */
	enum state state;
	unsigned darkness;      /* the knob (SET_DARKNESS) */
	unsigned heat_darkness; /* the knob when START was pressed: this toast's time and heat */
	int64_t started_ms;
	int64_t next_tick_ms; /* heating: the next periodic report, in ms since started */

	/* ep1: one report slot, newest wins. A report waiting in a write the
	 * host has not read is replaced (the write is interrupted) when a newer
	 * one is made, so whoever reads the endpoint gets news, not history.
	 * Except a report the UDC took into its FIFO: that write has completed
	 * and cannot be taken back, so a reader may get it before the newest
	 * (dummy_hcd does this to one IN write of up to 64 bytes at a time). */
	uint8_t report[STATUS_LEN];
	unsigned report_gen;   /* bumped by every report made */
	unsigned sent_gen;     /* the newest report the host took */
	unsigned inflight_gen; /* in a write to ep1 now; 0: none */
	pthread_t status_thread;

	char log[LOG_SIZE]; /* whole lines the host has not read yet */
	size_t log_len;
	unsigned log_epoch; /* bumped when the log is thrown away */

	int enabled; /* the host configured us: the endpoints work */
	int ep0, ep_status, ep_log;
};

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("toaster-ffs: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- time ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait on t->wake until @deadline_ms (CLOCK_MONOTONIC), or for ever if < 0. */
static void wait_until(struct toaster *t, int64_t deadline_ms)
{
	struct timespec ts;

	if (deadline_ms < 0) {
		pthread_cond_wait(&t->wake, &t->lock);
		return;
	}
	ts.tv_sec = deadline_ms / 1000;
	ts.tv_nsec = (long)(deadline_ms % 1000) * 1000000;
	pthread_cond_timedwait(&t->wake, &t->lock, &ts);
}

/* ---- the toaster (all with t->lock held) ---- */

static int64_t heating_ms(const struct toaster *t)
{
	return (int64_t)t->heat_darkness * MS_PER_DARKNESS;
}

static int final_temperature(const struct toaster *t)
{
	return 150 + 10 * (int)t->heat_darkness;
}

static void build_status(const struct toaster *t, uint8_t b[STATUS_LEN])
{
	int64_t ms = t->state == HEATING ? now_ms() - t->started_ms : t->state == DONE ? heating_ms(t) : 0;
	int temperature = COLD_C;
	unsigned ds = (unsigned)(ms / 100);

	if (t->state == HEATING)
		temperature = COLD_C + (int)((final_temperature(t) - COLD_C) * ms / heating_ms(t));
	else if (t->state == DONE)
		temperature = final_temperature(t);
	b[0] = (uint8_t)t->state;
	b[1] = (uint8_t)t->darkness;
	b[2] = (uint8_t)(temperature & 0xff); /* int16, little endian */
	b[3] = (uint8_t)((temperature >> 8) & 0xff);
	b[4] = (uint8_t)(ds & 0xff);
	b[5] = (uint8_t)((ds >> 8) & 0xff);
	b[6] = b[7] = 0;
}

/* A new report for ep1. A stale one still waiting for the host is taken
 * back by interrupting its write (SIGUSR1: the kernel dequeues the request). */
static void make_report(struct toaster *t)
{
	build_status(t, t->report);
	t->report_gen++;
	if (t->inflight_gen && t->inflight_gen != t->report_gen)
		pthread_kill(t->status_thread, SIGUSR1);
	pthread_cond_broadcast(&t->wake);
}

static void log_line(struct toaster *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line for ep2. A log nobody reads keeps its oldest lines: the newest
 * are dropped whole, never cut, so every line the host gets is complete. */
static void log_line(struct toaster *t, const char *fmt, ...)
{
	char line[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n <= 0 || (size_t)n >= sizeof(line) || t->log_len + (size_t)n > LOG_SIZE) {
		note("log full, dropped a line");
		return;
	}
	memcpy(t->log + t->log_len, line, (size_t)n);
	t->log_len += (size_t)n;
	pthread_cond_broadcast(&t->wake);
}

/* Heating ends by itself: catch up with the clock (from every thread that
 * looks at the state, so an answer is never older than the clock). */
static void advance(struct toaster *t)
{
	int64_t elapsed;

	if (t->state != HEATING)
		return;
	elapsed = now_ms() - t->started_ms;
	if (elapsed >= heating_ms(t)) {
		t->state = DONE;
		log_line(t, "done at %d C\n", final_temperature(t));
		make_report(t);
		note("done at %d C", final_temperature(t));
		return;
	}
	if (elapsed < t->next_tick_ms)
		return;
	while (t->next_tick_ms <= elapsed) /* one report, however late we are */
		t->next_tick_ms += REPORT_EVERY_MS;
	make_report(t);
}

/* Power-on state: also after an unbind, as a bus-powered toaster forgets
 * everything when unplugged. */
static void reset(struct toaster *t)
{
	t->state = IDLE;
	t->darkness = t->heat_darkness = DARKNESS_DEFAULT;
	t->sent_gen = t->report_gen;
	t->log_len = 0;
	t->log_epoch++;
	pthread_cond_broadcast(&t->wake);
}

static int set_darkness(struct toaster *t, unsigned value)
{
	if (value < DARKNESS_MIN || value > DARKNESS_MAX || t->state == HEATING)
		return -1;
	t->darkness = value;
	log_line(t, "darkness %u\n", value);
	return 0;
}

static int start(struct toaster *t)
{
	if (t->state == HEATING)
		return -1;
	t->state = HEATING;
	t->heat_darkness = t->darkness;
	t->started_ms = now_ms();
	t->next_tick_ms = REPORT_EVERY_MS;
	log_line(t, "heating to %u\n", t->darkness);
	make_report(t);
	return 0;
}

/* Only heating stops: in idle or done, STOP succeeds and changes nothing. */
static int stop(struct toaster *t)
{
	if (t->state != HEATING)
		return 0;
	note("stopped after %lld ms", (long long)(now_ms() - t->started_ms));
	t->state = IDLE;
	log_line(t, "stopped\n");
	make_report(t);
	return 0;
}

/* A vendor OUT request without data; 0, or -1 to stall it. */
static int vendor_out(struct toaster *t, unsigned request, unsigned value)
{
	advance(t);
	switch (request) {
	case REQ_SET_DARKNESS: return set_darkness(t, value);
	case REQ_START: return start(t);
	case REQ_STOP: return stop(t);
	default: return -1;
	}
}

/* ---- ep0: control requests ---- */

static const char *request_name(unsigned request)
{
	static const char *const names[] = { "unknown request", "SET_DARKNESS", "START", "STOP", "GET_STATUS" };

	return request < sizeof(names) / sizeof(names[0]) ? names[request] : "unknown request";
}

/* The data or status stage. FunctionFS decides by the direction of the I/O:
 * the request's own direction answers it (a write sends an IN request's
 * data; a read of 0 bytes acknowledges an OUT request), the opposite one
 * stalls it and fails with EL2HLT. EIDRM: the host gave up on the request
 * (a newer SETUP or a reset came first). */
static void ep0_io(struct toaster *t, int do_write, const void *data, size_t len, int stall)
{
	uint8_t none[1];
	ssize_t n = do_write ? write(t->ep0, len ? data : none, len) : read(t->ep0, none, 0);

	if (stall && n < 0 && errno == EL2HLT)
		return;
	if (!stall && n >= 0 && (size_t)n == len)
		return;
	if (n < 0 && errno == EIDRM)
		note("ep0: the host cancelled the request");
	else if (n < 0)
		note("ep0: %s: %s", stall ? "stall" : do_write ? "reply" : "ack", strerror(errno));
	else
		note("ep0: %s moved %zd bytes, not %zu", stall ? "stall" : do_write ? "reply" : "ack", n, len);
}

static void reply(struct toaster *t, const uint8_t *data, size_t len)
{
	ep0_io(t, 1, data, len, 0);
}

static void ack(struct toaster *t)
{
	ep0_io(t, 0, NULL, 0, 0);
}

static void stall(struct toaster *t, const struct usb_ctrlrequest *setup)
{
	ep0_io(t, !(setup->bRequestType & USB_DIR_IN), NULL, 0, 1);
}

static void get_status(struct toaster *t)
{
	uint8_t b[STATUS_LEN];

	pthread_mutex_lock(&t->lock);
	advance(t);
	build_status(t, b);
	pthread_mutex_unlock(&t->lock);
	note("GET_STATUS: state %u, darkness %u, %d C", b[0], b[1], (int16_t)(b[2] | b[3] << 8));
	reply(t, b, sizeof(b));
}

/* FunctionFS has already put our own interface number (0) in wIndex. */
static void handle_setup(struct toaster *t, const struct usb_ctrlrequest *setup)
{
	unsigned type = setup->bRequestType, request = setup->bRequest;
	unsigned value = le16toh(setup->wValue), index = le16toh(setup->wIndex);
	unsigned length = le16toh(setup->wLength);
	int rc;

	if (type == VENDOR_IN && request == REQ_GET_STATUS && index == 0 && length >= STATUS_LEN) {
		get_status(t);
		return;
	}
	if (type != VENDOR_OUT || index != 0 || length != 0) {
		note("stall: bmRequestType 0x%02x bRequest 0x%02x wValue %u wIndex %u wLength %u", type, request,
		     value, index, length);
		stall(t, setup);
		return;
	}
	pthread_mutex_lock(&t->lock);
	rc = vendor_out(t, request, value);
	pthread_mutex_unlock(&t->lock);
	note("%s (0x%02x) wValue %u: %s", request_name(request), request, value, rc < 0 ? "stall" : "ok");
	if (rc < 0)
		stall(t, setup);
	else
		ack(t);
}

static void set_enabled(struct toaster *t, int enabled, int forget)
{
	pthread_mutex_lock(&t->lock);
	t->enabled = enabled;
	if (forget)
		reset(t);
	pthread_cond_broadcast(&t->wake);
	pthread_mutex_unlock(&t->lock);
}

static void handle_event(struct toaster *t, const struct usb_functionfs_event *ev)
{
	switch (ev->type) {
	case FUNCTIONFS_BIND: note("bound to the gadget"); break;
	case FUNCTIONFS_UNBIND:
		note("unbound: back to power-on state");
		set_enabled(t, 0, 1);
		break;
	case FUNCTIONFS_ENABLE:
		note("enabled: the host configured the toaster");
		set_enabled(t, 1, 0);
		break;
	case FUNCTIONFS_DISABLE:
		note("disabled");
		set_enabled(t, 0, 0);
		break;
	case FUNCTIONFS_SETUP: handle_setup(t, &ev->u.setup); break;
	case FUNCTIONFS_SUSPEND: note("suspended"); break;
	case FUNCTIONFS_RESUME: note("resumed"); break;
	default: note("unknown event %u", ev->type); break;
	}
}

/* Events come in batches of up to 4; a SETUP is always the last of its
 * batch (a newer event cancels it), so it is answered before the next read. */
static int ep0_loop(struct toaster *t)
{
	struct usb_functionfs_event ev[4];

	for (;;) {
		ssize_t n = read(t->ep0, ev, sizeof(ev));

		if (n < 0 && (errno == EINTR || errno == EIDRM))
			continue;
		if (n < 0) {
			note("ep0: read: %s", strerror(errno));
			return -1;
		}
		if (n == 0 || (size_t)n % sizeof(ev[0])) {
			note("ep0: read %zd bytes, not a whole number of events", n);
			return -1;
		}
		for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++)
			handle_event(t, &ev[i]);
	}
}

/* ---- the clock thread ---- */

/* A report replaced while its write was being entered missed its signal
 * (it came before the write began); signal again until the write ends. */
static int resignal_due(const struct toaster *t)
{
	return t->inflight_gen && t->inflight_gen != t->report_gen;
}

static int64_t next_wakeup(const struct toaster *t)
{
	int64_t at = -1;

	if (t->state == HEATING) {
		int64_t tick = t->next_tick_ms < heating_ms(t) ? t->next_tick_ms : heating_ms(t);

		at = t->started_ms + tick;
	}
	if (resignal_due(t) && (at < 0 || at > now_ms() + RESIGNAL_MS))
		at = now_ms() + RESIGNAL_MS;
	return at;
}

static void *clock_main(void *arg)
{
	struct toaster *t = arg;

	pthread_mutex_lock(&t->lock);
	for (;;) {
		advance(t);
		if (resignal_due(t))
			pthread_kill(t->status_thread, SIGUSR1);
		wait_until(t, next_wakeup(t));
	}
	return NULL;
}

/* ---- the endpoint writers ---- */

static void on_sigusr1(int sig)
{
	(void)sig; /* only there to interrupt a write to ep1 */
}

/* After an error other than an interruption: the endpoint went away with
 * the host (ESHUTDOWN), or worse; do not spin on it. */
static void endpoint_error(struct toaster *t, const char *what, ssize_t n, size_t len, int err)
{
	if (n < 0 && err != ESHUTDOWN)
		note("%s: %s", what, strerror(err));
	else if (n >= 0)
		note("%s: wrote %zd bytes, not %zu", what, n, len);
	wait_until(t, now_ms() + RETRY_MS);
}

static void *status_main(void *arg)
{
	struct toaster *t = arg;
	uint8_t b[STATUS_LEN];

	pthread_mutex_lock(&t->lock);
	for (;;) {
		unsigned gen;
		ssize_t n;
		int err;

		while (!t->enabled || t->report_gen == t->sent_gen)
			pthread_cond_wait(&t->wake, &t->lock);
		memcpy(b, t->report, sizeof(b));
		gen = t->inflight_gen = t->report_gen;
		pthread_mutex_unlock(&t->lock);
		n = write(t->ep_status, b, sizeof(b));
		err = errno;
		pthread_mutex_lock(&t->lock);
		t->inflight_gen = 0;
		if (n == (ssize_t)sizeof(b) && (int)(gen - t->sent_gen) > 0)
			t->sent_gen = gen; /* not if a reset came meanwhile */
		else if (n != (ssize_t)sizeof(b) && !(n < 0 && err == EINTR))
			endpoint_error(t, "ep1 (status)", n, sizeof(b), err);
	}
	return NULL;
}

/* How much of the log to send in one write. Never a multiple of the
 * packet size: FunctionFS sends no zero-length packet, and a transfer that
 * ends on a full packet leaves the host's read waiting for more. */
static size_t log_chunk(size_t len)
{
	return len % SMALLEST_MPS ? len : len - 1;
}

static void *log_main(void *arg)
{
	struct toaster *t = arg;
	char buf[LOG_SIZE];

	pthread_mutex_lock(&t->lock);
	for (;;) {
		unsigned epoch;
		size_t len;
		ssize_t n;
		int err;

		while (!t->enabled || !t->log_len)
			pthread_cond_wait(&t->wake, &t->lock);
		len = log_chunk(t->log_len);
		memcpy(buf, t->log, len);
		epoch = t->log_epoch;
		pthread_mutex_unlock(&t->lock);
		n = write(t->ep_log, buf, len);
		err = errno;
		pthread_mutex_lock(&t->lock);
		if (n > 0 && epoch == t->log_epoch && (size_t)n <= t->log_len) {
			memmove(t->log, t->log + n, t->log_len - (size_t)n);
			t->log_len -= (size_t)n;
		}
		if (n != (ssize_t)len)
			endpoint_error(t, "ep2 (log)", n, len, err);
	}
	return NULL;
}

/* ---- setup ---- */

struct blob {
	uint8_t b[256];
	size_t len;
	int overflow;
};

static void put8(struct blob *b, unsigned v)
{
	if (b->len < sizeof(b->b))
		b->b[b->len++] = (uint8_t)v;
	else
		b->overflow = 1;
}

static void put16(struct blob *b, unsigned v)
{
	put8(b, v & 0xff);
	put8(b, (v >> 8) & 0xff);
}

static void put32(struct blob *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

static void set32(struct blob *b, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->b[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static void put_endpoint(struct blob *b, unsigned address, unsigned attributes, unsigned mps, unsigned interval)
{
	put8(b, USB_DT_ENDPOINT_SIZE);
	put8(b, USB_DT_ENDPOINT);
	put8(b, address);
	put8(b, attributes);
	put16(b, mps);
	put8(b, interval);
}

/* Interface 0 and its two endpoints at one speed. The interrupt endpoint
 * polls every 4 ms at both: bInterval counts frames at full speed and is
 * an exponent of microframes at high speed (2^(6-1) * 125 us). FunctionFS
 * names the endpoint files in this order: ep1 status, ep2 log. */
static void put_function(struct blob *b, int high_speed)
{
	put8(b, USB_DT_INTERFACE_SIZE);
	put8(b, USB_DT_INTERFACE);
	put8(b, 0); /* bInterfaceNumber: FunctionFS renumbers in the gadget */
	put8(b, 0); /* bAlternateSetting */
	put8(b, 2); /* bNumEndpoints */
	put8(b, USB_CLASS_VENDOR_SPEC);
	put8(b, 0);
	put8(b, 0);
	put8(b, 1); /* iInterface: "Toaster", our string 1 */
	put_endpoint(b, EP_STATUS, USB_ENDPOINT_XFER_INT, STATUS_LEN, high_speed ? 6 : 4);
	put_endpoint(b, EP_LOG, USB_ENDPOINT_XFER_BULK, high_speed ? 512 : 64, 0);
}

static void build_descriptors(struct blob *b)
{
	put32(b, FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
	put32(b, 0); /* length, set below */
	put32(b, FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC);
	put32(b, 3); /* fs_count */
	put32(b, 3); /* hs_count */
	put_function(b, 0);
	put_function(b, 1);
	set32(b, 4, (uint32_t)b->len);
}

static void build_strings(struct blob *b)
{
	static const char name[] = "Toaster";

	put32(b, FUNCTIONFS_STRINGS_MAGIC);
	put32(b, 0); /* length, set below */
	put32(b, 1); /* str_count */
	put32(b, 1); /* lang_count */
	put16(b, 0x0409);
	for (size_t i = 0; i < sizeof(name); i++) /* with its NUL */
		put8(b, (uint8_t)name[i]);
	set32(b, 4, (uint32_t)b->len);
}

static int write_blob(int fd, const struct blob *b, const char *what)
{
	ssize_t n;

	if (b->overflow) {
		note("%s do not fit in %zu bytes", what, sizeof(b->b));
		return -1;
	}
	n = write(fd, b->b, b->len);
	if (n == (ssize_t)b->len)
		return 0;
	if (n < 0)
		note("ep0: writing the %s: %s", what, strerror(errno));
	else
		note("ep0: wrote %zd bytes of the %s, not %zu", n, what, b->len);
	return -1;
}

static int open_file(const char *dir, const char *name, int flags)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name), fd;

	if (n < 0 || (size_t)n >= sizeof(path)) {
		note("%s/%s: path too long", dir, name);
		return -1;
	}
	if ((fd = open(path, flags | O_CLOEXEC)) < 0)
		note("%s: %s", path, strerror(errno));
	return fd;
}

/* Descriptors, then strings; only then do ep1 and ep2 exist. */
static int open_function(struct toaster *t, const char *dir)
{
	struct blob descs = { .len = 0 }, strings = { .len = 0 };

	build_descriptors(&descs);
	build_strings(&strings);
	if ((t->ep0 = open_file(dir, "ep0", O_RDWR)) < 0 || write_blob(t->ep0, &descs, "descriptors") < 0 ||
	    write_blob(t->ep0, &strings, "strings") < 0)
		return -1;
	if ((t->ep_status = open_file(dir, "ep1", O_WRONLY)) < 0 || (t->ep_log = open_file(dir, "ep2", O_WRONLY)) < 0)
		return -1;
	return 0;
}

static int init_toaster(struct toaster *t)
{
	pthread_condattr_t attr;

	memset(t, 0, sizeof(*t));
	t->ep0 = t->ep_status = t->ep_log = -1;
	if (pthread_mutex_init(&t->lock, NULL) || pthread_condattr_init(&attr) ||
	    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) || pthread_cond_init(&t->wake, &attr))
		return -1;
	pthread_condattr_destroy(&attr);
	reset(t);
	return 0;
}

/* SIGUSR1 without SA_RESTART, so that it ends a blocked write with EINTR. */
static int start_threads(struct toaster *t)
{
	struct sigaction sa;
	pthread_t clock_thread, log_thread;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		return -1;
	pthread_mutex_lock(&t->lock); /* status_thread is set before clock_main reads it */
	if (pthread_create(&t->status_thread, NULL, status_main, t) ||
	    pthread_create(&clock_thread, NULL, clock_main, t) || pthread_create(&log_thread, NULL, log_main, t)) {
		pthread_mutex_unlock(&t->lock);
		return -1;
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

int main(int argc, char **argv)
{
	static struct toaster t;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: toaster-ffs MOUNTPOINT\n"
		                "  the USB toaster (1209:70a5) as a FunctionFS function; MOUNTPOINT is a\n"
		                "  mounted functionfs (mount -t functionfs NAME MOUNTPOINT)\n");
		return 2;
	}
	if (init_toaster(&t) < 0 || open_function(&t, argv[1]) < 0)
		return 1;
	if (start_threads(&t) < 0) {
		note("cannot start threads");
		return 1;
	}
	note("descriptors written: ep1 status, ep2 log; bind the gadget now");
	return ep0_loop(&t) < 0;
}
