/* sock.c — blocking socket helpers shared by the USB/IP server and client. */
#include "sock.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

int usbip_read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n, len -= (size_t)n;
	}
	return 0;
}

int usbip_send_full(int fd, const void *a, size_t alen, const void *b, size_t blen)
{
	struct iovec iov[2] = { { (void *)a, alen }, { (void *)b, blen } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = blen ? 2 : 1 };

	while (msg.msg_iovlen) {
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		while (msg.msg_iovlen && (size_t)n >= msg.msg_iov[0].iov_len) {
			n -= (ssize_t)msg.msg_iov[0].iov_len;
			msg.msg_iov++, msg.msg_iovlen--;
		}
		if (msg.msg_iovlen) {
			msg.msg_iov[0].iov_base = (uint8_t *)msg.msg_iov[0].iov_base + n;
			msg.msg_iov[0].iov_len -= (size_t)n;
		}
	}
	return 0;
}

void usbip_set_timeout(int fd, int option, int seconds)
{
	struct timeval tv = { seconds, 0 };

	setsockopt(fd, SOL_SOCKET, option, &tv, sizeof(tv));
}

/* Split "ADDR:PORT", "[V6]:PORT", "ADDR" or ":PORT". */
int usbip_split_address(const char *text, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon, *h = text;
	size_t n;

	if (*text == '[') {
		const char *end = strchr(text, ']');

		if (!end || (end[1] && end[1] != ':'))
			return -1;
		h = text + 1, n = (size_t)(end - h);
		colon = end[1] ? end + 1 : NULL;
	} else {
		colon = strrchr(text, ':');
		if (colon && strchr(text, ':') != colon)
			return -1; /* a bare IPv6 address: brackets needed */
		n = colon ? (size_t)(colon - text) : strlen(text);
	}
	if (n >= hlen || (colon && (!colon[1] || strlen(colon + 1) >= plen)))
		return -1;
	memcpy(host, h, n);
	host[n] = 0;
	if (!*host)
		snprintf(host, hlen, "127.0.0.1");
	snprintf(port, plen, "%s", colon ? colon + 1 : "3240");
	return 0;
}

