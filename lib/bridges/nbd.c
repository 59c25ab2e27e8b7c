/* nbd.c — the disk bridge: a block-class handle served over NBD (fixed
 * newstyle negotiation, simple replies), to a client on a socket or to the
 * kernel's NBD driver. Every number a client sends is checked before it is
 * used: option lengths, request lengths, offsets against the export's size,
 * alignment to the block size. */
#include "../deadline.h"
#include "../internal.h"

#include <devdrv/block.h>
#include <devdrv/nbd.h>

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* The protocol's constants (NBD's doc/proto.md). */
#define NBD_INIT_MAGIC 0x4e42444d41474943ull /* "NBDMAGIC" */
#define NBD_OPTS_MAGIC 0x49484156454f5054ull /* "IHAVEOPT" */
#define NBD_REP_MAGIC 0x0003e889045565a9ull
#define NBD_REQUEST_MAGIC 0x25609513u
#define NBD_SIMPLE_REPLY_MAGIC 0x67446698u

#define NBD_FLAG_FIXED_NEWSTYLE 1u
#define NBD_FLAG_NO_ZEROES 2u
#define NBD_FLAG_C_FIXED_NEWSTYLE 1u
#define NBD_FLAG_C_NO_ZEROES 2u

#define NBD_OPT_EXPORT_NAME 1u
#define NBD_OPT_ABORT 2u
#define NBD_OPT_LIST 3u
#define NBD_OPT_INFO 6u
#define NBD_OPT_GO 7u

#define NBD_REP_ACK 1u
#define NBD_REP_SERVER 2u
#define NBD_REP_INFO 3u
#define NBD_REP_ERR_UNSUP 0x80000001u
#define NBD_REP_ERR_INVALID 0x80000003u
#define NBD_REP_ERR_UNKNOWN 0x80000006u

#define NBD_INFO_EXPORT 0u
#define NBD_INFO_BLOCK_SIZE 3u

#define NBD_FLAG_HAS_FLAGS (1u << 0)
#define NBD_FLAG_READ_ONLY (1u << 1)
#define NBD_FLAG_SEND_FLUSH (1u << 2)

#define NBD_CMD_READ 0u
#define NBD_CMD_WRITE 1u
#define NBD_CMD_DISC 2u
#define NBD_CMD_FLUSH 3u

#define NBD_EPERM 1u
#define NBD_EIO 5u
#define NBD_EINVAL 22u
#define NBD_ENOSPC 28u

#define NBD_MAX_OPTION 4096u        /* longer option data: a hostile client */
#define NBD_MAX_REQUEST (32u << 20) /* what we advertise as the largest request */
#define NBD_CHUNK 65536u            /* one device command (DEVDRV_BLOCK_MAX_TRANSFER) */
#define NBD_IO_TIMEOUT_MS 30000

/* Where a session's time went, logged when it ends: what a slow disk
 * waits for, the client, the device or the replies, is then plain. */
struct session_times {
	unsigned long requests;
	uint64_t bytes;
	uint64_t client_ns, device_ns, reply_ns;
};

struct session {
	struct devdrv_handle *h;
	int fd, stop_fd;
	uint64_t size;
	uint32_t block_size;
	int read_only, no_zeroes;
	char name[64];
	uint8_t *buf; /* NBD_MAX_REQUEST bytes, allocated on first use */
	struct session_times times;
};

/* Socket outcomes, apart from the DEVDRV_E_* codes the same functions may return. */
enum { IO_OK = 0, IO_CLOSED = 1, IO_STOPPED = 2, IO_FAILED = -1000 };

/* Wait until @fd has data or the stop descriptor says stop. Without a stop
 * descriptor the read itself waits: one system call less per request. */
static int wait_readable(struct session *s)
{
	struct pollfd p[2] = { { .fd = s->fd, .events = POLLIN }, { .fd = s->stop_fd, .events = POLLIN } };

	if (s->stop_fd < 0)
		return IO_OK;
	for (;;) {
		if (poll(p, s->stop_fd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return IO_FAILED;
		}
		if (s->stop_fd >= 0 && (p[1].revents & POLLIN))
			return IO_STOPPED;
		return IO_OK;
	}
}

static int read_full(struct session *s, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		int w = wait_readable(s);
		ssize_t n;

		if (w != IO_OK)
			return w;
		n = read(s->fd, p, len);
		if (n == 0)
			return IO_CLOSED;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno == ECONNRESET ? IO_CLOSED : IO_FAILED;
		}
		p += n;
		len -= (size_t)n;
	}
	return IO_OK;
}

static int write_full(struct session *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		/* a client that went away is a closed session, not SIGPIPE */
		ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == ENOTSOCK)
			n = write(s->fd, p, len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return errno == EPIPE || errno == ECONNRESET ? IO_CLOSED : IO_FAILED;
		}
		p += n;
		len -= (size_t)n;
	}
	return IO_OK;
}

static void put16(uint8_t *p, uint16_t v) { v = htobe16(v); memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { v = htobe32(v); memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { v = htobe64(v); memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return be16toh(v); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return be32toh(v); }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return be64toh(v); }

const char *devdrv_nbd_export_name(struct devdrv_handle *h, char *buf, size_t len)
{
	const struct devdrv_device_info *d = devdrv_handle_info(h);

	snprintf(buf, len, "%04x:%04x-%s", d->vid, d->pid, d->port_path);
	return buf;
}

static uint16_t transmission_flags(const struct session *s)
{
	return (uint16_t)(NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | (s->read_only ? NBD_FLAG_READ_ONLY : 0));
}

/* ---- negotiation ------------------------------------------------------------ */

static int option_reply(struct session *s, uint32_t option, uint32_t type, const void *data, uint32_t len)
{
	uint8_t head[20];
	int rc;

	put64(head, NBD_REP_MAGIC);
	put32(head + 8, option);
	put32(head + 12, type);
	put32(head + 16, len);
	if ((rc = write_full(s, head, sizeof(head))) != IO_OK)
		return rc;
	return len ? write_full(s, data, len) : IO_OK;
}

/* NBD_REP_INFO for NBD_INFO_EXPORT and NBD_INFO_BLOCK_SIZE, then ACK. */
static int send_info(struct session *s, uint32_t option)
{
	uint8_t info[14], sizes[14];
	int rc;

	put16(info, NBD_INFO_EXPORT);
	put64(info + 2, s->size);
	put16(info + 10, transmission_flags(s));
	put16(sizes, NBD_INFO_BLOCK_SIZE);
	put32(sizes + 2, s->block_size);
	put32(sizes + 6, s->block_size > NBD_CHUNK ? s->block_size : NBD_CHUNK);
	put32(sizes + 10, NBD_MAX_REQUEST);
	if ((rc = option_reply(s, option, NBD_REP_INFO, info, 12)) != IO_OK ||
	    (rc = option_reply(s, option, NBD_REP_INFO, sizes, sizeof(sizes))) != IO_OK)
		return rc;
	return option_reply(s, option, NBD_REP_ACK, NULL, 0);
}

static int names_us(const struct session *s, const char *name)
{
	return !*name || !strcmp(name, s->name);
}

/* INFO and GO carry: u32 name length, name, u16 count, count x u16. */
static int parse_info_request(const uint8_t *data, uint32_t len, char *name, size_t name_cap)
{
	uint32_t name_len;

	if (len < 6 || (name_len = get32(data)) > len - 6 || name_len >= name_cap)
		return -1;
	memcpy(name, data + 4, name_len);
	name[name_len] = 0;
	return (uint32_t)get16(data + 4 + name_len) * 2 == len - 6 - name_len ? 0 : -1;
}

/* EXPORT_NAME's reply: size, flags, and 124 zeroes unless NO_ZEROES. */
static int export_name_reply(struct session *s)
{
	uint8_t reply[10 + 124] = { 0 };

	put64(reply, s->size);
	put16(reply + 8, transmission_flags(s));
	return write_full(s, reply, s->no_zeroes ? 10 : sizeof(reply));
}

/* One option; *done: transmission starts (1) or the client left (-1). */
static int handle_option(struct session *s, uint32_t option, const uint8_t *data, uint32_t len, int *done)
{
	char name[NBD_MAX_OPTION + 1];

	switch (option) {
	case NBD_OPT_EXPORT_NAME:
		memcpy(name, data, len);
		name[len] = 0;
		if (!names_us(s, name)) { /* the protocol has no error here: close */
			*done = -1;
			return IO_OK;
		}
		*done = 1;
		return export_name_reply(s);
	case NBD_OPT_ABORT:
		*done = -1;
		return option_reply(s, option, NBD_REP_ACK, NULL, 0);
	case NBD_OPT_LIST: {
		uint8_t entry[4 + sizeof(s->name)];
		uint32_t n = (uint32_t)strlen(s->name);
		int rc;

		put32(entry, n);
		memcpy(entry + 4, s->name, n);
		if ((rc = option_reply(s, option, NBD_REP_SERVER, entry, 4 + n)) != IO_OK)
			return rc;
		return option_reply(s, option, NBD_REP_ACK, NULL, 0);
	}
	case NBD_OPT_INFO:
	case NBD_OPT_GO:
		if (parse_info_request(data, len, name, sizeof(name)) < 0)
			return option_reply(s, option, NBD_REP_ERR_INVALID, NULL, 0);
		if (!names_us(s, name))
			return option_reply(s, option, NBD_REP_ERR_UNKNOWN, NULL, 0);
		*done = option == NBD_OPT_GO;
		return send_info(s, option);
	default: /* structured replies, metadata contexts, TLS...: not offered */
		return option_reply(s, option, NBD_REP_ERR_UNSUP, NULL, 0);
	}
}

static int negotiate(struct session *s)
{
	uint8_t hello[18], flags[4], head[16], data[NBD_MAX_OPTION];
	int rc, done = 0;

	put64(hello, NBD_INIT_MAGIC);
	put64(hello + 8, NBD_OPTS_MAGIC);
	put16(hello + 16, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
	if ((rc = write_full(s, hello, sizeof(hello))) != IO_OK || (rc = read_full(s, flags, 4)) != IO_OK)
		return rc;
	if (!(get32(flags) & NBD_FLAG_C_FIXED_NEWSTYLE))
		return devdrv_handle_fail(s->h, DEVDRV_E_PROTOCOL, "nbd: the client does not speak fixed newstyle");
	s->no_zeroes = (get32(flags) & NBD_FLAG_C_NO_ZEROES) != 0;
	while (!done) {
		uint32_t len;

		if ((rc = read_full(s, head, sizeof(head))) != IO_OK)
			return rc;
		len = get32(head + 12);
		if (get64(head) != NBD_OPTS_MAGIC || len > NBD_MAX_OPTION)
			return devdrv_handle_fail(s->h, DEVDRV_E_PROTOCOL,
			                          "nbd: a malformed option (magic %016llx, %u bytes)",
			                          (unsigned long long)get64(head), len);
		if ((rc = read_full(s, data, len)) != IO_OK ||
		    (rc = handle_option(s, get32(head + 8), data, len, &done)) != IO_OK)
			return rc;
	}
	return done < 0 ? IO_CLOSED : IO_OK;
}

/* Adds the time since *since to *total and moves *since on to now. */
static void lap(uint64_t *total, uint64_t *since)
{
	uint64_t now = dd_monotonic_ns();

	*total += now - *since;
	*since = now;
}

static void log_times(const struct session *s)
{
	const struct session_times *t = &s->times;

	if (t->requests)
		devdrv_info(s->h, "nbd: %lu requests, %llu bytes: %.3f s waiting for the client, %.3f s at the device, "
		            "%.3f s replying", t->requests, (unsigned long long)t->bytes, t->client_ns / 1e9,
		            t->device_ns / 1e9, t->reply_ns / 1e9);
}

/* ---- transmission ------------------------------------------------------------ */

static uint32_t nbd_error_of(int rc)
{
	return rc == DEVDRV_E_INVALID ? NBD_EINVAL : NBD_EIO;
}

/* The reply's header and data in one system call when the socket takes
 * them at once (it does, but for a full buffer): the rest is written on. */
static int simple_reply(struct session *s, uint64_t cookie, uint32_t error, const void *data, uint32_t len)
{
	uint8_t head[16];
	struct iovec iov[2] = { { head, sizeof(head) }, { (void *)data, !error ? len : 0 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	put32(head, NBD_SIMPLE_REPLY_MAGIC);
	put32(head + 4, error);
	put64(head + 8, cookie);
	do
		n = sendmsg(s->fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EPIPE || errno == ECONNRESET ? IO_CLOSED : IO_FAILED;
	if ((size_t)n < sizeof(head))
		return write_full(s, head + n, sizeof(head) - (size_t)n) != IO_OK ? IO_FAILED
		       : write_full(s, data, iov[1].iov_len);
	n -= (ssize_t)sizeof(head);
	return write_full(s, (const uint8_t *)data + n, iov[1].iov_len - (size_t)n);
}

/* Move @len bytes at @offset between the device and s->buf, a command of
 * at most NBD_CHUNK at a time. */
static int device_io(struct session *s, int write, uint64_t offset, uint32_t len)
{
	for (uint32_t done = 0; done < len;) {
		uint32_t n = len - done < NBD_CHUNK ? len - done : NBD_CHUNK;
		uint64_t lba = (offset + done) / s->block_size;
		size_t blocks = n / s->block_size;
		int rc = write ? devdrv_block_write(s->h, lba, blocks, s->buf + done, NBD_IO_TIMEOUT_MS)
		               : devdrv_block_read(s->h, lba, blocks, s->buf + done, NBD_IO_TIMEOUT_MS);

		if (rc < 0)
			return rc;
		done += n;
	}
	return 0;
}

/* Why a READ or WRITE cannot be done, as NBD's error number (0: it can). */
static uint32_t check_request(const struct session *s, uint16_t type, uint64_t offset, uint32_t len)
{
	if (offset > s->size || len > s->size - offset)
		return type == NBD_CMD_WRITE ? NBD_ENOSPC : NBD_EINVAL;
	if (offset % s->block_size || len % s->block_size)
		return NBD_EINVAL;
	if (type == NBD_CMD_WRITE && s->read_only)
		return NBD_EPERM;
	return 0;
}

/* One READ or WRITE; a device error is the client's reply, and only the
 * device leaving ends the session. */
/* *since: when the request's header had arrived; moved on as its time is
 * counted. */
static int data_request(struct session *s, uint16_t type, uint64_t cookie, uint64_t offset, uint32_t len,
                        uint64_t *since)
{
	uint32_t error;
	int rc;

	if (type == NBD_CMD_WRITE && (rc = read_full(s, s->buf, len)) != IO_OK)
		return rc;
	lap(&s->times.client_ns, since); /* a write's data comes from the client */
	if (!(error = check_request(s, type, offset, len))) {
		rc = device_io(s, type == NBD_CMD_WRITE, offset, len);
		lap(&s->times.device_ns, since);
		if (rc == DEVDRV_E_DISCONNECTED) {
			simple_reply(s, cookie, NBD_EIO, NULL, 0);
			return rc;
		}
		if (rc < 0) {
			devdrv_warn(s->h, "nbd: %s of %u bytes at %llu: %s", type == NBD_CMD_WRITE ? "write" : "read", len,
			            (unsigned long long)offset, devdrv_errmsg(s->h));
			error = nbd_error_of(rc);
		}
	}
	if (!error)
		s->times.bytes += len;
	rc = simple_reply(s, cookie, error, s->buf, type == NBD_CMD_READ ? len : 0);
	lap(&s->times.reply_ns, since);
	return rc;
}

static int transmission(struct session *s)
{
	uint8_t req[28];
	int rc;

	for (;;) {
		uint16_t type;
		uint32_t len;
		uint64_t cookie, offset;
		uint64_t since = dd_monotonic_ns();

		if ((rc = read_full(s, req, sizeof(req))) != IO_OK)
			return rc;
		lap(&s->times.client_ns, &since);
		type = get16(req + 6);
		cookie = get64(req + 8);
		offset = get64(req + 16);
		len = get32(req + 24);
		if (get32(req) != NBD_REQUEST_MAGIC)
			return devdrv_handle_fail(s->h, DEVDRV_E_PROTOCOL, "nbd: a request without its magic (%08x)",
			                          get32(req));
		if ((type == NBD_CMD_READ || type == NBD_CMD_WRITE) && len > NBD_MAX_REQUEST)
			return devdrv_handle_fail(s->h, DEVDRV_E_PROTOCOL, "nbd: a request of %u bytes, over the %u advertised",
			                          len, NBD_MAX_REQUEST);
		if (type == NBD_CMD_DISC)
			return IO_CLOSED;
		s->times.requests++;
		if (type == NBD_CMD_READ || type == NBD_CMD_WRITE)
			rc = data_request(s, type, cookie, offset, len, &since);
		else if (type == NBD_CMD_FLUSH) {
			int frc = s->read_only ? 0 : devdrv_block_flush(s->h);

			lap(&s->times.device_ns, &since);
			rc = frc == DEVDRV_E_DISCONNECTED ? frc : simple_reply(s, cookie, frc < 0 ? NBD_EIO : 0, NULL, 0);
			lap(&s->times.reply_ns, &since);
		} else /* not advertised (TRIM, WRITE_ZEROES...): refused, the stream stays in step */
			rc = simple_reply(s, cookie, NBD_EINVAL, NULL, 0);
		if (rc != IO_OK)
			return rc;
	}
}

/* ---- the session -------------------------------------------------------------- */

static int open_session(struct session *s, struct devdrv_handle *h, int fd, const struct devdrv_nbd_options *o)
{
	struct devdrv_block_info bi;
	int rc;

	memset(s, 0, sizeof(*s));
	s->h = h;
	s->fd = fd;
	s->stop_fd = o ? o->stop_fd : -1;
	if ((rc = devdrv_block_info(h, &bi)) < 0)
		return rc;
	if (!bi.medium_present || !bi.block_size)
		return devdrv_handle_fail(h, DEVDRV_E_UNSUPPORTED, "nbd: no medium in %s", devdrv_handle_info(h)->port_path);
	s->size = bi.blocks * bi.block_size;
	s->block_size = bi.block_size;
	s->read_only = bi.write_protected || (o && o->read_only);
	devdrv_nbd_export_name(h, s->name, sizeof(s->name));
	if (!(s->buf = malloc(NBD_MAX_REQUEST)))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "nbd: out of memory");
	return 0;
}

int devdrv_nbd_serve(struct devdrv_handle *h, int fd, const struct devdrv_nbd_options *o)
{
	struct session s;
	int rc;

	if (!h || fd < 0 || (o && o->size < sizeof(*o)))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "nbd: NULL handle, bad descriptor or options.size");
	if ((rc = open_session(&s, h, fd, o)) < 0)
		return rc;
	rc = o && o->transmission_only ? IO_OK : negotiate(&s);
	if (rc == IO_OK)
		rc = transmission(&s);
	log_times(&s);
	free(s.buf);
	if (rc == IO_CLOSED || rc == IO_STOPPED)
		return 0;
	if (rc == IO_FAILED)
		return devdrv_handle_fail(h, DEVDRV_E_IO, "nbd: the connection failed: %s", strerror(errno));
	return rc; /* a DEVDRV_E_* already described */
}
