/* cdc-notify.c — CDC notifications from interrupt packets (cdc-notify.h). */
#include "cdc-notify.h"

#include <string.h>

#define CLASS_INTERFACE_IN 0xa1

/* Drop the first @n bytes of what is pending. */
static void consume(struct cdc_notify_buf *b, size_t n)
{
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void cdc_notify_feed(struct cdc_notify_buf *b, const uint8_t *p, size_t n, cdc_notify_fn fn, void *arg)
{
	while (n) {
		size_t room = sizeof(b->data) - b->len, take = n < room ? n : room;

		memcpy(b->data + b->len, p, take);
		b->len += take, p += take, n -= take;
		while (b->len) {
			size_t whole;

			if (b->data[0] != CLASS_INTERFACE_IN) {
				b->dropped += b->len; /* no way to find the next header: start over */
				b->len = 0;
				break;
			}
			if (b->len < CDC_NOTIFY_HEADER)
				break;
			whole = CDC_NOTIFY_HEADER + (size_t)(b->data[6] | b->data[7] << 8);
			if (whole > sizeof(b->data)) {
				b->dropped += b->len;
				b->len = 0;
				break;
			}
			if (whole > b->len)
				break;
			fn(arg, b->data, whole);
			consume(b, whole);
		}
	}
}
