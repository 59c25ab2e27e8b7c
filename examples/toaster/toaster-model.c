/* toaster-model.c — a virtual toaster, so that the driver and `toast` can be
 * tried without the hardware: devdrv --virtual --plug toaster@1-2 ... The
 * bus answers the standard requests; this file only heats. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime in C11 */
#include "toaster.h"

#include <devdrv/virtual.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LOG_SIZE 1024
#define REPORT_EVERY_MS 100

struct toaster {
	enum toaster_state state;
	unsigned darkness;
	struct timespec started, last_report;
	int report_due; /* the state changed since the last report */
	char log[LOG_SIZE];
	size_t log_len;
};

static const uint8_t device_desc[18] = {
	18, 1, 0x00, 0x02, 0x00, 0x00, 0x00, 64, 0x09, 0x12, 0xa5, 0x70, 0x00, 0x01, 1, 2, 3, 1,
};

static const uint8_t config_desc[32] = {
	9, 2, 32, 0, 1, 1, 0, 0x80, 250,     /* configuration 1, 500 mA: it heats */
	9, 4, 0, 0, 2, 0xff, 0x00, 0x00, 4,  /* interface 0, vendor class, "Toaster" */
	7, 5, 0x81, 0x03, 8, 0, 4,           /* interrupt IN 0x81, 8 bytes */
	7, 5, 0x82, 0x02, 0x00, 0x02, 0,     /* bulk IN 0x82, 512 bytes */
};

static const char *const strings[] = { NULL, "libdevdrv", "USB Toaster", "TOAST001", "Toaster" };

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void log_line(struct toaster *ts, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The log keeps what fits; a toaster nobody reads loses its newest lines. */
static void log_line(struct toaster *ts, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(ts->log + ts->log_len, LOG_SIZE - ts->log_len, fmt, ap);
	va_end(ap);

	if (n > 0 && ts->log_len + (size_t)n < LOG_SIZE)
		ts->log_len += (size_t)n;
}

static long heating_ms(const struct toaster *ts)
{
	return (long)ts->darkness * 200;
}

static unsigned final_temperature(const struct toaster *ts)
{
	return 150 + 10 * ts->darkness;
}

static struct toaster_status status_of(const struct toaster *ts)
{
	struct toaster_status s = { ts->state, ts->darkness, 20, 0 };
	long ms = ts->state == TOASTER_IDLE ? 0 : ms_since(&ts->started);

	if (ts->state == TOASTER_HEATING)
		s.temperature_c = 20 + (int)(((long)final_temperature(ts) - 20) * ms / heating_ms(ts));
	else if (ts->state == TOASTER_DONE)
		s.temperature_c = (int)final_temperature(ts);
	s.heating_ds = (unsigned)((ts->state == TOASTER_DONE ? heating_ms(ts) : ms) / 100);
	return s;
}

/* Heating ends by itself: catch up with the clock. */
static void advance(struct devdrv_vdev *d, struct toaster *ts)
{
	long left;

	if (ts->state != TOASTER_HEATING)
		return;
	left = heating_ms(ts) - ms_since(&ts->started);
	if (left > 0) {
		devdrv_vdev_wake_in(d, (unsigned)(left < REPORT_EVERY_MS ? left : REPORT_EVERY_MS));
		return;
	}
	ts->state = TOASTER_DONE;
	ts->report_due = 1;
	log_line(ts, "done at %u C\n", final_temperature(ts));
}

static int send_log(struct toaster *ts, struct devdrv_transfer *t)
{
	size_t n = ts->log_len < t->length ? ts->log_len : t->length;

	if (!n)
		return 0;
	memcpy(t->buffer, ts->log, n);
	memmove(ts->log, ts->log + n, ts->log_len - n);
	ts->log_len -= n;
	t->actual_length = n;
	return 1;
}

static int send_report(struct devdrv_vdev *d, struct toaster *ts, struct devdrv_transfer *t)
{
	struct toaster_status s;

	if (!ts->report_due && !(ts->state == TOASTER_HEATING && ms_since(&ts->last_report) >= REPORT_EVERY_MS)) {
		if (ts->state == TOASTER_HEATING)
			devdrv_vdev_wake_in(d, REPORT_EVERY_MS);
		return 0;
	}
	if (t->length < TOASTER_STATUS_LEN)
		return DEVDRV_E_OVERFLOW;
	s = status_of(ts);
	toaster_build_status(t->buffer, &s);
	t->actual_length = TOASTER_STATUS_LEN;
	ts->report_due = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts->last_report);
	return 1;
}

static int toaster_service(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct toaster *ts = devdrv_vdev_state(d);

	if (!ts->darkness)
		ts->darkness = 5; /* a new toaster's knob */
	advance(d, ts);
	return t->endpoint == TOASTER_EP_LOG ? send_log(ts, t) : send_report(d, ts, t);
}

static int start(struct devdrv_vdev *d, struct toaster *ts)
{
	if (ts->state == TOASTER_HEATING)
		return DEVDRV_E_PIPE;
	ts->state = TOASTER_HEATING;
	clock_gettime(CLOCK_MONOTONIC, &ts->started);
	ts->last_report = ts->started;
	ts->report_due = 1;
	log_line(ts, "heating to %u\n", ts->darkness);
	devdrv_vdev_wake_in(d, 0); /* queued reads see the news */
	return 0;
}

static int toaster_control(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	struct toaster *ts = devdrv_vdev_state(d);
	unsigned value = t->setup.value;
	struct toaster_status s;

	if (!ts->darkness)
		ts->darkness = 5;
	advance(d, ts);
	if (t->setup.request_type == 0xc1 && t->setup.request == TOASTER_REQ_GET_STATUS) {
		if (t->length < TOASTER_STATUS_LEN)
			return DEVDRV_E_PIPE;
		s = status_of(ts);
		toaster_build_status(t->buffer, &s);
		return TOASTER_STATUS_LEN;
	}
	if (t->setup.request_type != 0x41 || t->length)
		return DEVDRV_E_PIPE;
	switch (t->setup.request) {
	case TOASTER_REQ_SET_DARKNESS:
		if (value < TOASTER_DARKNESS_MIN || value > TOASTER_DARKNESS_MAX || ts->state == TOASTER_HEATING)
			return DEVDRV_E_PIPE;
		ts->darkness = value;
		log_line(ts, "darkness %u\n", value);
		devdrv_vdev_wake_in(d, 0);
		return 0;
	case TOASTER_REQ_START:
		return start(d, ts);
	case TOASTER_REQ_STOP:
		if (ts->state == TOASTER_HEATING) {
			ts->state = TOASTER_IDLE;
			ts->report_due = 1;
			log_line(ts, "stopped\n");
			devdrv_vdev_wake_in(d, 0);
		}
		return 0;
	default:
		return DEVDRV_E_PIPE;
	}
}

const struct devdrv_vmodel toaster_model = {
	.api_version = DEVDRV_VMODEL_API_VERSION,
	.name = "toaster",
	.device_desc = device_desc,
	.config_desc = config_desc,
	.strings = strings,
	.num_strings = 5,
	.speed = DEVDRV_SPEED_HIGH,
	.state_size = sizeof(struct toaster),
	.control = toaster_control,
	.service = toaster_service,
};
