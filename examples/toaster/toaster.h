/* toaster.h — the USB toaster's protocol and the ioctls of its libdevdrv
 * driver, shared by the plugin (driver and virtual model) and by programs
 * that use it (toast). The device side on a real bus is gadget/toaster-ffs.c.
 *
 * Device 1209:70a5, one vendor-class interface 0 with two endpoints (0x81
 * and 0x82 on the virtual toaster; a gadget's controller may number them
 * otherwise, so the driver takes them from the descriptors):
 *   interrupt IN       8-byte status: on every state change, every 100 ms
 *                      while heating
 *   bulk IN            a text log, one line per event
 *   vendor requests to the interface (bmRequestType 0x41 OUT / 0xc1 IN):
 *     0x01 SET_DARKNESS  wValue 1..10 (STALL out of range or while heating)
 *     0x02 START         (STALL while heating)
 *     0x03 STOP
 *     0x04 GET_STATUS    IN, 8 bytes
 *   Status: state (0 idle, 1 heating, 2 done), darkness, int16 temperature
 *   in C, uint16 heating time in tenths of a second, 2 reserved bytes, all
 *   little endian. Heating lasts darkness * 200 ms and ends at
 *   150 + 10 * darkness C. */
#ifndef TOASTER_H
#define TOASTER_H

#include <devdrv/raw.h>
#include <stdint.h>

#define TOASTER_VID 0x1209
#define TOASTER_PID 0x70a5
#define TOASTER_EP_STATUS 0x81 /* the virtual toaster's */
#define TOASTER_EP_LOG 0x82
#define TOASTER_REQ_SET_DARKNESS 0x01
#define TOASTER_REQ_START 0x02
#define TOASTER_REQ_STOP 0x03
#define TOASTER_REQ_GET_STATUS 0x04
#define TOASTER_STATUS_LEN 8
#define TOASTER_DARKNESS_MIN 1
#define TOASTER_DARKNESS_MAX 10

enum toaster_state { TOASTER_IDLE = 0, TOASTER_HEATING = 1, TOASTER_DONE = 2 };

struct toaster_status {
	enum toaster_state state;
	unsigned darkness;
	int temperature_c;
	unsigned heating_ds; /* tenths of a second */
};

/* What the next status report says, waiting up to timeout_ms for it. */
struct toaster_wait {
	unsigned timeout_ms;
	struct toaster_status status;
};

/* The driver's ioctls (devdrv_ioctl); read() returns the text log. */
#define TOASTER_IOC_SET_DARKNESS DEVDRV_IOC(DEVDRV_IOC_PRIVATE_CLASS, 1) /* unsigned */
#define TOASTER_IOC_START DEVDRV_IOC(DEVDRV_IOC_PRIVATE_CLASS, 2)        /* no argument */
#define TOASTER_IOC_STOP DEVDRV_IOC(DEVDRV_IOC_PRIVATE_CLASS, 3)         /* no argument */
#define TOASTER_IOC_GET_STATUS DEVDRV_IOC(DEVDRV_IOC_PRIVATE_CLASS, 4)   /* struct toaster_status */
#define TOASTER_IOC_WAIT_STATUS DEVDRV_IOC(DEVDRV_IOC_PRIVATE_CLASS, 5)  /* struct toaster_wait */
/* Answered by the toaster-count filter, not the driver: the toaster ioctls
 * that passed it. */
#define TOASTER_IOC_COUNT DEVDRV_IOC(DEVDRV_IOC_PRIVATE_CLASS, 6)        /* unsigned */

/* Decode a status report; 0, or -1 if it is not one (the device is
 * untrusted: every field is checked). */
static inline int toaster_parse_status(const uint8_t *b, size_t len, struct toaster_status *s)
{
	if (len != TOASTER_STATUS_LEN || b[0] > TOASTER_DONE || b[1] < TOASTER_DARKNESS_MIN ||
	    b[1] > TOASTER_DARKNESS_MAX)
		return -1;
	s->state = (enum toaster_state)b[0];
	s->darkness = b[1];
	s->temperature_c = (int16_t)(b[2] | b[3] << 8);
	s->heating_ds = (unsigned)(b[4] | b[5] << 8);
	return 0;
}

static inline void toaster_build_status(uint8_t b[TOASTER_STATUS_LEN], const struct toaster_status *s)
{
	b[0] = (uint8_t)s->state;
	b[1] = (uint8_t)s->darkness;
	b[2] = (uint8_t)(s->temperature_c & 0xff);
	b[3] = (uint8_t)((s->temperature_c >> 8) & 0xff);
	b[4] = (uint8_t)(s->heating_ds & 0xff);
	b[5] = (uint8_t)(s->heating_ds >> 8);
	b[6] = b[7] = 0;
}

#endif
