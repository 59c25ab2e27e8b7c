/* cdc-notify.h — CDC notifications (USB CDC 1.2, 6.3) put back together from
 * the packets of an interrupt pipe. A notification is an 8-byte header and
 * wLength bytes of data; one may span packets (SPEED_CHANGE is 16 bytes, a
 * packet may be 8), and a transfer longer than a packet may hold the end of
 * one and the start of the next, when a notification filled its last packet
 * exactly. Pure functions, tested without a device. */
#ifndef DEVDRV_CDC_NOTIFY_H
#define DEVDRV_CDC_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#define CDC_NOTIFY_HEADER 8
#define CDC_NOTIFY_MAX 64 /* the longest we keep: ECM's and NCM's are 8 and 16 */

struct cdc_notify_buf {
	uint8_t data[CDC_NOTIFY_MAX];
	size_t len;
	size_t dropped; /* bytes thrown away: not a notification, or too long */
};

typedef void (*cdc_notify_fn)(void *arg, const uint8_t *notification, size_t len);

/* Append what a transfer brought, then hand each whole notification to @fn,
 * in order, keeping a partial one for the next call. Bytes that cannot
 * start a notification (bmRequestType not 0xa1), and a notification longer
 * than CDC_NOTIFY_MAX, are dropped and counted. */
void cdc_notify_feed(struct cdc_notify_buf *b, const uint8_t *p, size_t n, cdc_notify_fn fn, void *arg);

#endif
