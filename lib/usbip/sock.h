/* sock.h — blocking socket helpers shared by the USB/IP server and client. */
#ifndef DEVDRV_USBIP_SOCK_H
#define DEVDRV_USBIP_SOCK_H

#include <stddef.h>

/* Read exactly @len bytes: 0, or -1 on end of stream, error or timeout. */
int usbip_read_full(int fd, void *buf, size_t len);
/* Send @a then @b (may be empty) whole, without SIGPIPE: 0 or -1. */
int usbip_send_full(int fd, const void *a, size_t alen, const void *b, size_t blen);
/* SO_RCVTIMEO / SO_SNDTIMEO in seconds (0: none). */
void usbip_set_timeout(int fd, int option, int seconds);
/* Split "ADDR:PORT", "[V6]:PORT", "ADDR" or ":PORT" (empty address:
 * 127.0.0.1, no port: 3240). 0, or -1 when malformed or too long. */
int usbip_split_address(const char *text, char *host, size_t hlen, char *port, size_t plen);

#endif
