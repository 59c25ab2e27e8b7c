/* client.c — the usbip transport: the devices a USB/IP server exports
 * (Linux's usbipd, `devdrv usbip-export`, usbip-win...) driven by our own
 * drivers over TCP, with no vhci_hcd, no root and no kernel module.
 *
 * Enumeration asks the server for its list (OP_REQ_DEVLIST). The list has
 * no descriptors, and the drivers bind on endpoints, so a device seen for
 * the first time is imported for a moment to read its device,
 * configuration and string descriptors; they are kept for as long as the
 * server lists the device with the same bus address. (Linux's usbip-host
 * resets a device when its importer lets it go, as unplugging does.) A
 * device another client holds is listed without descriptors.
 *
 * Opening imports the device on a connection of its own (OP_REQ_IMPORT).
 * Transfers are CMD_SUBMITs; a thread per connection reads the replies,
 * completes the transfers, and sends CMD_UNLINK for those cancelled or past
 * their timeout. Completions follow the contract of every transport: never
 * inline, callbacks from event handling. The server going away, or
 * answering something malformed, ends the connection: every transfer
 * completes with DEVDRV_E_DISCONNECTED and the device counts as unplugged. */
#include "../internal.h"
#include "../cq.h"
#include "../deadline.h"
#include "proto.h"
#include "sock.h"

#include <devdrv/usbip.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNECT_TIMEOUT_MS 5000
#define REPLY_TIMEOUT_S 10      /* the operation stage and descriptor reads */
#define MAX_LISTED 1024         /* devices in one OP_REP_DEVLIST */
#define MAX_CONFIGS 8           /* configurations read per device */
#define BUSY_TRIES 6            /* imports of a device just let go */
#define BUSY_RETRY_MS 100

struct unode;

/* Descriptors read once per device, while the server keeps listing it. */
struct ucache {
	struct usbip_device dev;
	uint8_t device_desc[18];
	uint8_t *configs[MAX_CONFIGS];
	size_t config_len[MAX_CONFIGS];
	unsigned num_configs;
	char *strings[3]; /* manufacturer, product, serial */
	int seen;         /* in the last list */
	struct ucache *next;
};

/* One open handle: an imported device. */
struct uconn {
	struct uclient *uc;
	struct devdrv_handle *h;
	int fd;
	uint32_t devid, next_seqnum;
	pthread_mutex_t send_lock; /* whole messages on the socket */
	pthread_t reader;
	int wake;                  /* eventfd: a new deadline for the reader */
	int reader_started;
	_Atomic int closing;       /* the handle closes: the reader stops */
	int dead;                  /* the connection ended: everything fails */
	char busid[USBIP_BUSID_LEN];
	struct unode *pending;     /* submitted, not yet answered */
};

struct uclient {
	pthread_mutex_t lock; /* the caches, every connection's pending list, done */
	pthread_cond_t cond;
	struct devdrv_context *ctx;
	char server[256];     /* HOST[:PORT]; empty: no server, no devices */
	struct ucache *cache;
	struct dd_cq cq;      /* finished callback transfers */
};

/* The framework's per-transfer room holds this. */
struct unode {
	struct devdrv_transfer *t;
	uint32_t seqnum, unlink_seqnum;
	struct timespec deadline;    /* its timeout, then the unlink's grace */
	int has_deadline;
	int unlinking;               /* a CMD_UNLINK went out */
	int status_if_unlinked;      /* DEVDRV_E_CANCELLED or DEVDRV_E_TIMEOUT */
	int receiving;               /* its reply's data is being read */
	struct unode *next;
};

static const struct dd_transport_ops usbip_transport;

/* The transport's part of a device record. */
struct uref {
	char busid[USBIP_BUSID_LEN];
	int busy; /* another client had it imported when it was listed */
};

static struct unode *node_of(struct devdrv_transfer *t)
{
	return (struct unode *)(void *)dd_xfer(t)->tpriv;
}

/* ---- connecting ------------------------------------------------------------------------ */

static int connect_with_timeout(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t el = sizeof(err);

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -1;
	if (poll(&p, 1, CONNECT_TIMEOUT_MS) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	errno = err;
	return err ? -1 : 0;
}

/* A blocking TCP connection to the server with reply timeouts, or a
 * DEVDRV_E_* code with the context's message set. */
static int dial(struct uclient *uc)
{
	char host[256], port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int fd = -1, err = 0, one = 1, gai;

	if (usbip_split_address(uc->server, host, sizeof(host), port, sizeof(port)) < 0)
		return dd_ctx_fail(uc->ctx, DEVDRV_E_INVALID, "usbip: '%s' is not HOST[:PORT]", uc->server);
	if ((gai = getaddrinfo(host, port, &hints, &ai)) != 0)
		return dd_ctx_fail(uc->ctx, DEVDRV_E_IO, "usbip: server %s: %s", uc->server, gai_strerror(gai));
	for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0 && connect_with_timeout(fd, a->ai_addr, a->ai_addrlen) < 0) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return dd_ctx_fail(uc->ctx, DEVDRV_E_IO,
		                   "usbip: cannot reach %s: %s; is a USB/IP server (usbipd, devdrv usbip-export) running there?",
		                   uc->server, strerror(err ? err : EHOSTUNREACH));
	/* back to blocking: the reader blocks in recv, with timeouts where they matter */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	usbip_set_timeout(fd, SO_RCVTIMEO, REPLY_TIMEOUT_S);
	usbip_set_timeout(fd, SO_SNDTIMEO, REPLY_TIMEOUT_S);
	return fd;
}

/* Send an operation request and read the reply's header: its status (>= 0),
 * or a DEVDRV_E_* code with the context's message set. */
static int operation(struct uclient *uc, int fd, uint16_t code, const void *body, size_t len, uint16_t reply)
{
	uint8_t head[USBIP_OP_LEN];
	struct usbip_op op;

	usbip_put_op(head, code, 0);
	if (usbip_send_full(fd, head, sizeof(head), body, len) < 0 || usbip_read_full(fd, head, sizeof(head)) < 0)
		return dd_ctx_fail(uc->ctx, DEVDRV_E_IO, "usbip: %s closed the connection or did not answer", uc->server);
	usbip_parse_op(head, &op);
	if (op.code != reply || op.status > 255)
		return dd_ctx_fail(uc->ctx, DEVDRV_E_PROTOCOL, "usbip: %s answered operation 0x%04x with 0x%04x/%u",
		                   uc->server, code, op.code, op.status);
	return (int)op.status;
}

static const char *import_refusal(int status)
{
	switch (status) {
	case USBIP_ST_DEV_BUSY: return "the device is imported by another client";
	case USBIP_ST_DEV_ERR: return "the server cannot open the device";
	case USBIP_ST_NODEV: return "the server does not export it";
	default: return "the server refused";
	}
}

/* OP_REQ_IMPORT @busid on @fd: 0 and the device's record, or a DEVDRV_E_*
 * code with the context's message. */
static int import_device(struct uclient *uc, int fd, const char *busid, struct usbip_device *dev)
{
	uint8_t name[USBIP_BUSID_LEN] = { 0 }, rec[USBIP_DEVICE_LEN];
	int st;

	snprintf((char *)name, sizeof(name), "%s", busid);
	st = operation(uc, fd, USBIP_OP_REQ_IMPORT, name, sizeof(name), USBIP_OP_REP_IMPORT);
	if (st < 0)
		return st;
	if (st != USBIP_ST_OK)
		return dd_ctx_fail(uc->ctx, st == USBIP_ST_DEV_BUSY ? DEVDRV_E_BUSY : DEVDRV_E_NOT_FOUND,
		                   "usbip: import %s from %s: %s", busid, uc->server, import_refusal(st));
	if (usbip_read_full(fd, rec, sizeof(rec)) < 0 || usbip_parse_device(rec, dev) < 0 || strcmp(dev->busid, busid))
		return dd_ctx_fail(uc->ctx, DEVDRV_E_PROTOCOL, "usbip: import %s from %s: a malformed device record",
		                   busid, uc->server);
	return 0;
}

/* ---- descriptors, read once on a short import ------------------------------------------ */

/* A control IN transfer on a connection without its reader (the import
 * that reads descriptors): submit, then read the reply. Bytes, or -1. */
static int control_in_now(int fd, uint32_t devid, uint32_t seqnum, uint16_t value, uint16_t index, uint8_t *buf,
                          uint16_t len)
{
	struct usbip_cmd cmd = { .seqnum = seqnum, .devid = devid, .direction = USBIP_DIR_IN, .ep = 0, .length = len };
	uint8_t hdr[USBIP_HEADER_LEN];
	struct usbip_ret ret;
	char why[64];

	cmd.setup[0] = 0x80, cmd.setup[1] = 0x06; /* GET_DESCRIPTOR */
	cmd.setup[2] = (uint8_t)value, cmd.setup[3] = (uint8_t)(value >> 8);
	cmd.setup[4] = (uint8_t)index, cmd.setup[5] = (uint8_t)(index >> 8);
	cmd.setup[6] = (uint8_t)len, cmd.setup[7] = (uint8_t)(len >> 8);
	usbip_put_cmd_submit(hdr, &cmd);
	if (usbip_send_full(fd, hdr, sizeof(hdr), NULL, 0) < 0 || usbip_read_full(fd, hdr, sizeof(hdr)) < 0 ||
	    usbip_parse_ret(hdr, &ret, why, sizeof(why)) < 0 || ret.command != USBIP_RET_SUBMIT ||
	    ret.seqnum != seqnum || ret.actual > len)
		return -1;
	if (ret.actual && usbip_read_full(fd, buf, ret.actual) < 0)
		return -1;
	return ret.status == 0 ? (int)ret.actual : -1;
}

/* A string descriptor as UTF-8 (non-ASCII as '?'), or NULL. */
static char *read_string(int fd, uint32_t devid, uint32_t *seq, uint8_t index, uint16_t lang)
{
	uint8_t buf[255];
	int n;
	char *s;

	if (!index || (n = control_in_now(fd, devid, (*seq)++, 0x0300 | index, lang, buf, sizeof(buf))) < 4 ||
	    buf[1] != 0x03)
		return NULL;
	n = n < buf[0] ? n : buf[0];
	if (!(s = calloc(1, (size_t)n / 2 + 1)))
		return NULL;
	for (int i = 2, k = 0; i + 1 < n; i += 2, k++)
		s[k] = buf[i + 1] || buf[i] < 0x20 || buf[i] > 0x7e ? '?' : (char)buf[i];
	return s;
}

static int read_config(int fd, uint32_t devid, uint32_t *seq, uint8_t index, struct ucache *c)
{
	uint8_t head[9];
	uint16_t total;
	int n;

	if (control_in_now(fd, devid, (*seq)++, 0x0200 | index, 0, head, sizeof(head)) != 9 || head[1] != 0x02)
		return -1;
	total = (uint16_t)(head[2] | head[3] << 8);
	if (total < 9 || !(c->configs[c->num_configs] = malloc(total)))
		return -1;
	n = control_in_now(fd, devid, (*seq)++, 0x0200 | index, 0, c->configs[c->num_configs], total);
	if (n < 9) {
		free(c->configs[c->num_configs]);
		c->configs[c->num_configs] = NULL;
		return -1;
	}
	c->config_len[c->num_configs++] = (size_t)n;
	return 0;
}

/* What a driver needs to bind: the device descriptor, the configurations
 * and the strings. */
static int read_descriptors(int fd, uint32_t devid, struct ucache *c)
{
	uint32_t seq = 1;
	uint8_t langs[4];
	uint16_t lang = 0x0409;
	unsigned nconf;

	if (control_in_now(fd, devid, seq++, 0x0100, 0, c->device_desc, 18) != 18 || c->device_desc[1] != 0x01)
		return -1;
	nconf = c->device_desc[17] < MAX_CONFIGS ? c->device_desc[17] : MAX_CONFIGS;
	for (unsigned i = 0; i < nconf; i++)
		if (read_config(fd, devid, &seq, (uint8_t)i, c) < 0)
			return -1;
	if (control_in_now(fd, devid, seq++, 0x0300, 0, langs, sizeof(langs)) == 4 && langs[1] == 0x03)
		lang = (uint16_t)(langs[2] | langs[3] << 8);
	for (int i = 0; i < 3; i++)
		c->strings[i] = read_string(fd, devid, &seq, c->device_desc[14 + i], lang);
	return 0;
}

static void cache_free(struct ucache *c)
{
	for (unsigned i = 0; i < c->num_configs; i++)
		free(c->configs[i]);
	for (int i = 0; i < 3; i++)
		free(c->strings[i]);
	free(c);
}

/* Import @busid over a new connection into *fd. A device its last importer
 * just let go is busy for a moment more, while the server closes its side
 * (Linux's usbip-host also resets it): a program that lists or opens right
 * after another's close must not fail for that. One held by another client
 * costs this wait. 0, or a DEVDRV_E_* code with the context's message. */
static int import_retrying(struct uclient *uc, int *fd, const char *busid, struct usbip_device *dev)
{
	int rc;

	for (int tries = 1;; tries++) {
		if ((*fd = dial(uc)) < 0) /* dial said why */
			return *fd;
		rc = import_device(uc, *fd, busid, dev);
		if (rc != DEVDRV_E_BUSY || tries == BUSY_TRIES)
			return rc;
		close(*fd);
		usleep(BUSY_RETRY_MS * 1000);
	}
}

/* Give an import back and wait until the server has closed its side: ours
 * releases the device before it does, so the next import (this program
 * opening what it just listed) finds it free. Bounded by the reply
 * timeout. */
static void hand_back(int fd)
{
	char sink[256];
	ssize_t n;

	shutdown(fd, SHUT_WR);
	/* nothing is due after the last reply: drop anything; a signal does
	 * not end the wait (SO_RCVTIMEO reads are not restarted) */
	while ((n = read(fd, sink, sizeof(sink))) > 0 || (n < 0 && errno == EINTR))
		;
	close(fd);
}

/* Import @dev for a moment and read its descriptors; NULL when it cannot
 * be imported now (*busy: another client has it). */
static struct ucache *fetch_descriptors(struct uclient *uc, const struct usbip_device *dev, int *busy)
{
	struct ucache *c = calloc(1, sizeof(*c));
	struct usbip_device imported;
	int fd = -1, rc;

	if (!c)
		return NULL;
	rc = import_retrying(uc, &fd, dev->busid, &imported);
	if (rc < 0 ||
	    (read_descriptors(fd, imported.busnum << 16 | imported.devnum, c) < 0 &&
	     dd_ctx_fail(uc->ctx, DEVDRV_E_PROTOCOL, "reading its descriptors failed") < 0)) {
		*busy = rc == DEVDRV_E_BUSY;
		dd_info(uc->ctx, "usbip: %s on %s is listed without descriptors: %s", dev->busid, uc->server,
		        devdrv_context_errmsg(uc->ctx));
		if (fd >= 0)
			close(fd);
		cache_free(c);
		return NULL;
	}
	hand_back(fd);
	c->dev = *dev;
	return c;
}

static int same_device(const struct usbip_device *a, const struct usbip_device *b)
{
	return !strcmp(a->busid, b->busid) && a->busnum == b->busnum && a->devnum == b->devnum && a->vid == b->vid &&
	       a->pid == b->pid;
}

/* The cached descriptors of @dev, fetched now if need be; NULL if none. */
static struct ucache *cached(struct uclient *uc, const struct usbip_device *dev, int *busy)
{
	struct ucache *c, *fresh;

	pthread_mutex_lock(&uc->lock);
	for (c = uc->cache; c && !same_device(&c->dev, dev); c = c->next)
		;
	pthread_mutex_unlock(&uc->lock);
	if (c)
		return c;
	if (!(fresh = fetch_descriptors(uc, dev, busy)))
		return NULL;
	pthread_mutex_lock(&uc->lock);
	for (c = uc->cache; c && !same_device(&c->dev, dev); c = c->next)
		;
	if (!c) { /* another enumeration may have fetched it meanwhile */
		fresh->next = uc->cache;
		uc->cache = c = fresh;
		fresh = NULL;
	}
	pthread_mutex_unlock(&uc->lock);
	if (fresh)
		cache_free(fresh);
	return c;
}

/* Forget the descriptors of devices the server no longer lists (a device
 * at the same busid with a new address is a new device). */
static void prune_cache(struct uclient *uc)
{
	pthread_mutex_lock(&uc->lock);
	for (struct ucache **link = &uc->cache; *link;) {
		struct ucache *c = *link;

		if (!c->seen) {
			*link = c->next;
			cache_free(c);
		} else {
			c->seen = 0;
			link = &c->next;
		}
	}
	pthread_mutex_unlock(&uc->lock);
}

static int fill_from_cache(struct dd_device *d, const struct ucache *c)
{
	const uint8_t *dd = c->device_desc;
	struct devdrv_device_info *info = &d->info;
	int rc = 0;

	info->bcd_usb = (uint16_t)(dd[2] | dd[3] << 8);
	info->cls = dd[4], info->subclass = dd[5], info->protocol = dd[6];
	info->max_packet0 = dd[7];
	for (int i = 0; i < 3 && rc == 0; i++)
		if (c->strings[i])
			rc = dd_device_set_string(i == 0 ? &info->manufacturer : i == 1 ? &info->product : &info->serial,
			                          c->strings[i]);
	for (unsigned i = 0; i < c->num_configs && rc == 0; i++)
		rc = dd_device_add_config(d, c->configs[i], c->config_len[i]);
	return rc;
}

/* One record per listed device; the transport's device is its busid. */
static int add_record(struct uclient *uc, const struct usbip_device *dev, struct dd_device_vec *out)
{
	struct uref *ref = calloc(1, sizeof(*ref));
	struct dd_device *d = ref ? dd_device_new(&usbip_transport, uc, ref) : NULL;
	struct ucache *c;
	int rc = 0;

	if (!d) {
		free(ref);
		return dd_ctx_fail(uc->ctx, DEVDRV_E_NOMEM, "usbip: out of memory");
	}
	snprintf(d->port_path, sizeof(d->port_path), "%s", dev->busid);
	d->info.bus = (uint8_t)dev->busnum, d->info.address = (uint8_t)dev->devnum;
	d->info.vid = dev->vid, d->info.pid = dev->pid, d->info.bcd_device = dev->bcd_device;
	d->info.cls = dev->cls, d->info.subclass = dev->subclass, d->info.protocol = dev->protocol;
	d->info.speed = dev->speed;
	d->info.active_config = dev->config_value;
	d->info.remote = 1;
	memcpy(ref->busid, dev->busid, sizeof(ref->busid));
	if ((c = cached(uc, dev, &ref->busy)) != NULL) {
		pthread_mutex_lock(&uc->lock); /* another enumeration may prune the cache */
		c->seen = 1;
		rc = fill_from_cache(d, c);
		pthread_mutex_unlock(&uc->lock);
	}
	if (rc < 0 || (rc = dd_device_vec_push(out, d)) < 0) {
		dd_device_free(d);
		return dd_ctx_fail(uc->ctx, rc, "usbip: %s on %s does not describe itself: %s", dev->busid, uc->server,
		                   devdrv_strerror(rc));
	}
	return 0;
}

/* OP_REP_DEVLIST: a count, then each device and its interfaces. */
static int read_list(struct uclient *uc, int fd, struct usbip_device **devs, unsigned *count)
{
	uint8_t n4[4], rec[USBIP_DEVICE_LEN], ifaces[255 * USBIP_IFACE_LEN];
	unsigned n;

	if (usbip_read_full(fd, n4, 4) < 0)
		return dd_ctx_fail(uc->ctx, DEVDRV_E_IO, "usbip: %s closed the connection", uc->server);
	n = usbip_be32(n4);
	if (n > MAX_LISTED)
		return dd_ctx_fail(uc->ctx, DEVDRV_E_PROTOCOL, "usbip: %s lists %u devices", uc->server, n);
	if (!(*devs = calloc(n ? n : 1, sizeof(**devs))))
		return dd_ctx_fail(uc->ctx, DEVDRV_E_NOMEM, "usbip: out of memory");
	for (*count = 0; *count < n; (*count)++) {
		struct usbip_device *d = &(*devs)[*count];

		if (usbip_read_full(fd, rec, sizeof(rec)) < 0 || usbip_parse_device(rec, d) < 0 ||
		    usbip_read_full(fd, ifaces, (size_t)d->num_interfaces * USBIP_IFACE_LEN) < 0)
			return dd_ctx_fail(uc->ctx, DEVDRV_E_PROTOCOL, "usbip: %s sent a malformed device list", uc->server);
	}
	return 0;
}

static int usbip_enumerate(struct devdrv_context *ctx, void *state, struct dd_device_vec *out)
{
	struct uclient *uc = state;
	struct usbip_device *devs = NULL;
	unsigned count = 0;
	int fd, rc;

	(void)ctx;
	if (!uc->server[0])
		return 0;
	if ((fd = dial(uc)) < 0)
		return fd;
	rc = operation(uc, fd, USBIP_OP_REQ_DEVLIST, NULL, 0, USBIP_OP_REP_DEVLIST);
	if (rc > 0)
		rc = dd_ctx_fail(uc->ctx, DEVDRV_E_IO, "usbip: %s refused to list its devices (status %d)", uc->server, rc);
	if (rc == 0)
		rc = read_list(uc, fd, &devs, &count);
	close(fd);
	for (unsigned i = 0; rc == 0 && i < count; i++)
		rc = add_record(uc, &devs[i], out);
	free(devs);
	if (rc == 0)
		prune_cache(uc);
	return rc;
}

static void usbip_device_release(void *tdev)
{
	free(tdev);
}

static int usbip_undescribed(struct devdrv_context *ctx, const struct dd_device *dev)
{
	const struct uref *ref = dev->tdev;
	struct uclient *uc = dev->tstate;

	if (!ref->busy)
		return 0;
	return dd_ctx_fail(ctx, DEVDRV_E_BUSY, "usbip: %s on %s is imported by another client", ref->busid,
	                   uc->server);
}

/* ---- completion ------------------------------------------------------------------------- */

static void finish_locked(struct uclient *uc, struct unode *n, int status)
{
	dd_cq_finish_locked(&uc->cq, n->t, status);
}

static struct unode *unlink_pending_locked(struct uconn *c, struct unode *victim)
{
	for (struct unode **link = &c->pending; *link; link = &(*link)->next)
		if (*link == victim) {
			*link = victim->next;
			return victim;
		}
	return NULL;
}

static struct unode *find_locked(struct uconn *c, uint32_t seqnum, int by_unlink)
{
	for (struct unode *n = c->pending; n; n = n->next)
		if ((by_unlink ? n->unlinking && n->unlink_seqnum == seqnum : n->seqnum == seqnum))
			return n;
	return NULL;
}

/* The connection is over: what is still pending ends with @status. */
static void fail_pending_locked(struct uconn *c, int status)
{
	c->dead = 1;
	while (c->pending) {
		struct unode *n = c->pending;

		c->pending = n->next;
		finish_locked(c->uc, n, status);
	}
}

/* ---- the connection's reader ---------------------------------------------------------- */

/* Ask the server to unlink @n (connection lock not held). */
static void send_unlink(struct uconn *c, uint32_t unlink_seqnum, uint32_t victim)
{
	uint8_t hdr[USBIP_HEADER_LEN];

	usbip_put_cmd_unlink(hdr, unlink_seqnum, c->devid, victim);
	pthread_mutex_lock(&c->send_lock);
	if (usbip_send_full(c->fd, hdr, sizeof(hdr), NULL, 0) < 0)
		shutdown(c->fd, SHUT_RDWR); /* the reader sees the end */
	pthread_mutex_unlock(&c->send_lock);
}

/* Mark @n for unlinking with the status it ends with; 0 if it already is. */
static uint32_t start_unlink_locked(struct uconn *c, struct unode *n, int status)
{
	if (n->unlinking)
		return 0;
	n->unlinking = 1;
	n->status_if_unlinked = status;
	n->unlink_seqnum = c->next_seqnum++;
	if (!c->next_seqnum)
		c->next_seqnum = 1;
	return n->unlink_seqnum;
}

/* Unlink the transfers past their timeout; the poll timeout until the
 * next one (-1: none). */
static int expire(struct uconn *c)
{
	struct timespec now;
	int timeout = -1;

	for (;;) {
		uint32_t victim = 0, unlink_seqnum = 0;

		pthread_mutex_lock(&c->uc->lock);
		clock_gettime(CLOCK_MONOTONIC, &now);
		timeout = -1;
		for (struct unode *n = c->pending; n; n = n->next) {
			if (!n->has_deadline || n->unlinking)
				continue;
			if (!dd_ts_before(&now, &n->deadline)) {
				victim = n->seqnum;
				unlink_seqnum = start_unlink_locked(c, n, DEVDRV_E_TIMEOUT);
				break;
			}
			dd_timeout_until(&n->deadline, &timeout);
		}
		pthread_mutex_unlock(&c->uc->lock);
		if (!unlink_seqnum)
			return timeout;
		send_unlink(c, unlink_seqnum, victim);
	}
}

/* RET_SUBMIT: the transfer's data (IN) follows the header. */
static int take_ret_submit(struct uconn *c, const struct usbip_ret *ret)
{
	struct uclient *uc = c->uc;
	struct devdrv_transfer *t;
	struct unode *n;
	int in, status;

	pthread_mutex_lock(&uc->lock);
	if ((n = find_locked(c, ret->seqnum, 0)) != NULL)
		n->receiving = 1;
	pthread_mutex_unlock(&uc->lock);
	if (!n) /* an answer to nothing we asked: we cannot tell how long it is */
		return dd_ctx_fail(uc->ctx, DEVDRV_E_PROTOCOL, "usbip: %s answered seqnum %u, which is not pending",
		                   uc->server, ret->seqnum);
	t = n->t;
	in = t->type == DEVDRV_TRANSFER_CONTROL ? (t->setup.request_type & 0x80) != 0 : (t->endpoint & 0x80) != 0;
	if (ret->actual > t->length)
		return dd_ctx_fail(uc->ctx, DEVDRV_E_PROTOCOL, "usbip: %s returned %u bytes for a %zu-byte transfer",
		                   uc->server, ret->actual, t->length);
	if (in && ret->actual && usbip_read_full(c->fd, t->buffer, ret->actual) < 0)
		return DEVDRV_E_IO;
	status = usbip_devdrv_status(ret->status);
	if (n->unlinking && status == DEVDRV_E_CANCELLED)
		status = n->status_if_unlinked;
	pthread_mutex_lock(&uc->lock);
	t->actual_length = ret->actual;
	unlink_pending_locked(c, n);
	finish_locked(uc, n, status);
	pthread_mutex_unlock(&uc->lock);
	return 0;
}

/* RET_UNLINK: an URB the server took back ends now; status 0 means it had
 * finished already and its RET_SUBMIT came first. */
static void take_ret_unlink(struct uconn *c, const struct usbip_ret *ret)
{
	struct uclient *uc = c->uc;
	struct unode *n;

	pthread_mutex_lock(&uc->lock);
	if (ret->status != 0 && (n = find_locked(c, ret->seqnum, 1)) != NULL) {
		n->t->actual_length = 0;
		unlink_pending_locked(c, n);
		finish_locked(uc, n, n->status_if_unlinked);
	}
	pthread_mutex_unlock(&uc->lock);
}

static int take_reply(struct uconn *c)
{
	uint8_t hdr[USBIP_HEADER_LEN];
	struct usbip_ret ret;
	char why[80];

	if (usbip_read_full(c->fd, hdr, sizeof(hdr)) < 0)
		return DEVDRV_E_DISCONNECTED;
	if (usbip_parse_ret(hdr, &ret, why, sizeof(why)) < 0)
		return dd_ctx_fail(c->uc->ctx, DEVDRV_E_PROTOCOL, "usbip: %s sent a malformed reply: %s", c->uc->server,
		                   why);
	if (ret.command == USBIP_RET_UNLINK) {
		take_ret_unlink(c, &ret);
		return 0;
	}
	return take_ret_submit(c, &ret);
}

static int wait_readable(struct uconn *c, int timeout)
{
	struct pollfd p[2] = { { .fd = c->fd, .events = POLLIN }, { .fd = c->wake, .events = POLLIN } };
	uint64_t v;

	if (poll(p, 2, timeout) < 0 && errno != EINTR)
		return -1;
	if (p[1].revents & POLLIN)
		(void)!read(c->wake, &v, sizeof(v));
	return (p[0].revents & (POLLIN | POLLHUP | POLLERR)) ? 1 : 0;
}

static void *reader_main(void *arg)
{
	struct uconn *c = arg;
	int rc = 0;

	while (rc == 0 && !c->closing) {
		int r = wait_readable(c, expire(c));

		if (r < 0)
			rc = DEVDRV_E_IO;
		else if (r > 0)
			rc = take_reply(c);
	}
	if (!c->closing)
		dd_info(c->uc->ctx, "usbip: connection to %s for %s ended: %s", c->uc->server, c->busid,
		        rc == DEVDRV_E_DISCONNECTED ? "the server closed it" : devdrv_context_errmsg(c->uc->ctx));
	pthread_mutex_lock(&c->uc->lock);
	fail_pending_locked(c, c->closing ? DEVDRV_E_CANCELLED : DEVDRV_E_DISCONNECTED);
	pthread_mutex_unlock(&c->uc->lock);
	if (!c->closing)
		dd_hotplug_changed(c->uc->ctx);
	return NULL;
}

/* ---- transfers ----------------------------------------------------------------------- */

static int is_in(const struct devdrv_transfer *t)
{
	if (t->type == DEVDRV_TRANSFER_CONTROL)
		return (t->setup.request_type & 0x80) != 0;
	return (t->endpoint & 0x80) != 0;
}

/* urb->interval as the kernel wants it for an interrupt endpoint (Linux's
 * usbip-host refuses 0): frames at full and low speed, microframes (2^(n-1))
 * above. */
static int32_t interval_of(const struct devdrv_transfer *t)
{
	const struct devdrv_device_info *info = &t->handle->dev->info;
	const struct devdrv_config_info *cfg = devdrv_active_config(info);

	for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++) {
		const struct devdrv_interface_info *intf = &cfg->interfaces[i];

		for (unsigned e = 0; e < intf->num_endpoints; e++) {
			uint8_t b = intf->endpoints[e].interval;

			if (intf->endpoints[e].address != t->endpoint || !b)
				continue;
			if (info->speed >= DEVDRV_SPEED_HIGH)
				return 1 << (b > 16 ? 15 : b - 1);
			return b;
		}
	}
	return 1;
}

static void build_submit(const struct devdrv_transfer *t, struct uconn *c, uint32_t seqnum, uint8_t hdr[USBIP_HEADER_LEN])
{
	struct usbip_cmd cmd = { .seqnum = seqnum, .devid = c->devid, .length = (uint32_t)t->length };

	cmd.direction = is_in(t) ? USBIP_DIR_IN : USBIP_DIR_OUT;
	cmd.ep = t->type == DEVDRV_TRANSFER_CONTROL ? 0 : t->endpoint & 0x0f;
	cmd.packets = 0; /* not isochronous */
	if (t->type == DEVDRV_TRANSFER_INTERRUPT)
		cmd.interval = interval_of(t);
	if (t->type == DEVDRV_TRANSFER_CONTROL) {
		cmd.setup[0] = t->setup.request_type, cmd.setup[1] = t->setup.request;
		cmd.setup[2] = (uint8_t)t->setup.value, cmd.setup[3] = (uint8_t)(t->setup.value >> 8);
		cmd.setup[4] = (uint8_t)t->setup.index, cmd.setup[5] = (uint8_t)(t->setup.index >> 8);
		cmd.setup[6] = (uint8_t)t->length, cmd.setup[7] = (uint8_t)(t->length >> 8);
	}
	usbip_put_cmd_submit(hdr, &cmd);
}

static int check_transfer(const struct devdrv_transfer *t)
{
	if (t->type == DEVDRV_TRANSFER_CONTROL && t->length > 0xffff)
		return devdrv_handle_fail(t->handle, DEVDRV_E_INVALID, "usbip: control data of %zu bytes", t->length);
	if (t->length > USBIP_MAX_TRANSFER)
		return devdrv_handle_fail(t->handle, DEVDRV_E_INVALID,
		                          "usbip: a %zu-byte transfer; USB/IP servers take at most %u bytes at once", t->length,
		                          USBIP_MAX_TRANSFER);
	if (t->type != DEVDRV_TRANSFER_CONTROL && t->type != DEVDRV_TRANSFER_BULK &&
	    t->type != DEVDRV_TRANSFER_INTERRUPT)
		return devdrv_handle_fail(t->handle, DEVDRV_E_UNSUPPORTED, "usbip: only control, bulk and interrupt transfers");
	return 0;
}

static int usbip_submit(struct devdrv_transfer *t)
{
	struct uconn *c = t->handle->tpriv;
	struct uclient *uc = c->uc;
	struct unode *n = node_of(t);
	uint8_t hdr[USBIP_HEADER_LEN];
	uint64_t one = 1;
	int rc, sent;

	if ((rc = check_transfer(t)) < 0)
		return rc;
	pthread_mutex_lock(&uc->lock);
	if (c->dead) {
		pthread_mutex_unlock(&uc->lock);
		return DEVDRV_E_DISCONNECTED;
	}
	*n = (struct unode){ .t = t, .seqnum = c->next_seqnum++ };
	if (!c->next_seqnum)
		c->next_seqnum = 1;
	if (t->timeout_ms) {
		n->deadline = dd_deadline_in(t->timeout_ms);
		n->has_deadline = 1;
	}
	t->actual_length = 0;
	n->next = c->pending;
	c->pending = n;
	build_submit(t, c, n->seqnum, hdr);
	pthread_mutex_unlock(&uc->lock);

	pthread_mutex_lock(&c->send_lock);
	sent = usbip_send_full(c->fd, hdr, sizeof(hdr), t->buffer, is_in(t) ? 0 : t->length) == 0;
	pthread_mutex_unlock(&c->send_lock);
	if (sent) {
		if (n->has_deadline)
			(void)!write(c->wake, &one, sizeof(one)); /* the reader's poll takes the new deadline */
		return 0;
	}
	/* the connection broke: the reader fails what is pending, unless this
	 * one is still ours to take back */
	shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_lock(&uc->lock);
	rc = !n->receiving && unlink_pending_locked(c, n) ? DEVDRV_E_DISCONNECTED : 0;
	pthread_mutex_unlock(&uc->lock);
	return rc;
}

static int usbip_cancel(struct devdrv_transfer *t)
{
	struct uconn *c = t->handle->tpriv;
	uint32_t unlink_seqnum = 0, victim = 0;

	pthread_mutex_lock(&c->uc->lock);
	for (struct unode *n = c->pending; n; n = n->next)
		if (n->t == t) {
			victim = n->seqnum;
			unlink_seqnum = start_unlink_locked(c, n, DEVDRV_E_CANCELLED);
			break;
		}
	pthread_mutex_unlock(&c->uc->lock);
	if (unlink_seqnum)
		send_unlink(c, unlink_seqnum, victim);
	return 0;
}

static int usbip_wait(struct devdrv_transfer *t)
{
	struct uclient *uc = ((struct uconn *)t->handle->tpriv)->uc;
	int has_callback = t->callback != NULL;

	pthread_mutex_lock(&uc->lock);
	for (;;) {
		dd_cq_dispatch_locked(&uc->cq);
		if (dd_cq_wait_over_locked(&uc->cq, t, has_callback))
			break;
		if (!dd_cq_pending_locked(&uc->cq))
			pthread_cond_wait(&uc->cond, &uc->lock);
	}
	pthread_mutex_unlock(&uc->lock);
	return 0;
}

/* No descriptor of ours to poll: the readers signal the context's wake-up. */
static int usbip_poll_info(void *state, struct pollfd *fds, size_t max, int *timeout_ms)
{
	struct uclient *uc = state;

	(void)fds, (void)max;
	pthread_mutex_lock(&uc->lock);
	if (dd_cq_pending_locked(&uc->cq))
		*timeout_ms = 0;
	pthread_mutex_unlock(&uc->lock);
	return 0;
}

static int usbip_handle_events(void *state, unsigned timeout_ms)
{
	struct uclient *uc = state;
	struct timespec until = dd_deadline_in(timeout_ms);

	pthread_mutex_lock(&uc->lock);
	while (!dd_cq_pending_locked(&uc->cq) && pthread_cond_timedwait(&uc->cond, &uc->lock, &until) == 0)
		;
	dd_cq_dispatch_locked(&uc->cq);
	pthread_mutex_unlock(&uc->lock);
	return 0;
}

/* ---- handles ---------------------------------------------------------------------------- */

/* A standard request on the handle's own connection, waited for. */
static int control_now(struct devdrv_handle *h, uint8_t request_type, uint8_t request, uint16_t value,
                       uint16_t index)
{
	struct devdrv_transfer *t = devdrv_transfer_alloc();
	int rc;

	if (!t)
		return DEVDRV_E_NOMEM;
	t->handle = h;
	t->type = DEVDRV_TRANSFER_CONTROL;
	t->setup.request_type = request_type, t->setup.request = request;
	t->setup.value = value, t->setup.index = index;
	t->timeout_ms = 5000;
	rc = usbip_submit(t);
	if (rc == 0) {
		usbip_wait(t);
		rc = t->status;
	}
	devdrv_transfer_free(t);
	return rc;
}

static void conn_free(struct uconn *c)
{
	if (c->reader_started) {
		c->closing = 1;
		shutdown(c->fd, SHUT_RDWR);
		pthread_join(c->reader, NULL);
	}
	if (c->fd >= 0)
		close(c->fd);
	if (c->wake >= 0)
		close(c->wake);
	pthread_mutex_destroy(&c->send_lock);
	free(c);
}

static void usbip_close(struct devdrv_handle *h);

/* A server hands over the device as it has it; Linux's usbip-host has it
 * unconfigured (binding usbip-host unbinds the USB core's generic driver),
 * and an importing kernel selects a configuration while it enumerates. So
 * do we, as that host: the configuration the drivers bound against. */
static int configure(struct devdrv_handle *h, const struct usbip_device *dev)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(&h->dev->info);
	int rc;

	if (dev->config_value || !cfg)
		return 0;
	if ((rc = control_now(h, 0x00, 0x09, cfg->value, 0)) < 0) {
		usbip_close(h);
		return devdrv_handle_fail(h, rc, "usbip: SET_CONFIGURATION %u on %s failed: %s", cfg->value,
		                          h->dev->port_path, devdrv_strerror(rc));
	}
	h->dev->info.active_config = cfg->value;
	return 0;
}

static int usbip_open(struct devdrv_handle *h)
{
	struct uclient *uc = h->dev->tstate;
	struct uconn *c = calloc(1, sizeof(*c));
	struct usbip_device dev;
	int rc;

	if (!c)
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "usbip: out of memory");
	c->uc = uc, c->h = h, c->fd = -1, c->next_seqnum = 1;
	memcpy(c->busid, ((const struct uref *)h->dev->tdev)->busid, sizeof(c->busid));
	pthread_mutex_init(&c->send_lock, NULL);
	if ((c->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		conn_free(c);
		return devdrv_handle_fail(h, DEVDRV_E_IO, "usbip: eventfd: %s", strerror(errno));
	}
	if ((rc = import_retrying(uc, &c->fd, c->busid, &dev)) < 0) {
		conn_free(c);
		return devdrv_handle_fail(h, rc, "%s", devdrv_context_errmsg(uc->ctx));
	}
	c->devid = dev.busnum << 16 | dev.devnum;
	usbip_set_timeout(c->fd, SO_RCVTIMEO, 0); /* an imported device may be idle for days */
	if (pthread_create(&c->reader, NULL, reader_main, c) != 0) {
		conn_free(c);
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "usbip: cannot start a thread");
	}
	c->reader_started = 1;
	h->tpriv = c;
	return configure(h, &dev);
}

/* Closing drops the connection: the server gives the device back (Linux's
 * usbip-host resets it), and what was pending here ends as cancelled. */
static void usbip_close(struct devdrv_handle *h)
{
	struct uconn *c = h->tpriv;
	struct uclient *uc = c->uc;

	c->closing = 1;
	shutdown(c->fd, SHUT_RDWR);
	pthread_join(c->reader, NULL);
	c->reader_started = 0;
	pthread_mutex_lock(&uc->lock);
	dd_cq_dispatch_locked(&uc->cq);
	pthread_mutex_unlock(&uc->lock);
	conn_free(c);
	h->tpriv = NULL;
}

/* The server claimed every interface when it exported the device. */
static int usbip_claim(struct devdrv_handle *h, int iface)
{
	if (!devdrv_find_interface(devdrv_active_config(&h->dev->info), iface))
		return devdrv_handle_fail(h, DEVDRV_E_NOT_FOUND, "claim interface %d: no such interface", iface);
	return 0;
}

static int usbip_release(struct devdrv_handle *h, int iface)
{
	(void)h, (void)iface;
	return 0;
}

/* The standard requests a server passes to its USB core, as vhci_hcd sends
 * them: SET_INTERFACE, CLEAR_FEATURE(ENDPOINT_HALT), and the hub's
 * SET_FEATURE(PORT_RESET) for a reset. */
static int usbip_set_alt(struct devdrv_handle *h, int iface, int alt)
{
	return control_now(h, 0x01, 0x0b, (uint16_t)alt, (uint16_t)iface);
}

static int usbip_clear_halt(struct devdrv_handle *h, uint8_t ep)
{
	return control_now(h, 0x02, 0x01, 0, ep);
}

static int usbip_reset(struct devdrv_handle *h)
{
	return control_now(h, 0x23, 0x03, 4, 0);
}

static int usbip_present(struct devdrv_handle *h)
{
	struct uconn *c = h->tpriv;
	int present;

	pthread_mutex_lock(&c->uc->lock);
	present = !c->dead;
	pthread_mutex_unlock(&c->uc->lock);
	return present;
}

/* ---- the transport ---------------------------------------------------------------------- */

static int set_server(struct uclient *uc, const char *address)
{
	char host[256], port[16];

	if (!address || !*address || strlen(address) >= sizeof(uc->server) ||
	    usbip_split_address(address, host, sizeof(host), port, sizeof(port)) < 0)
		return dd_ctx_fail(uc->ctx, DEVDRV_E_INVALID,
		                   "usbip: server '%s' is not HOST[:PORT] (an IPv6 address goes in brackets)",
		                   address ? address : "");
	pthread_mutex_lock(&uc->lock);
	snprintf(uc->server, sizeof(uc->server), "%s", address);
	pthread_mutex_unlock(&uc->lock);
	return 0;
}

int devdrv_usbip_use_server(struct devdrv_context *ctx, const char *address)
{
	struct uclient *uc = dd_ctx_transport_state(ctx, &usbip_transport);

	if (!uc)
		return dd_ctx_fail(ctx, DEVDRV_E_UNSUPPORTED,
		                   "usbip: the context has no usbip transport (DEVDRV_TRANSPORT_USBIP)");
	return set_server(uc, address);
}

static void usbip_exit(void *state)
{
	struct uclient *uc = state;

	while (uc->cache) {
		struct ucache *c = uc->cache;

		uc->cache = c->next;
		cache_free(c);
	}
	pthread_cond_destroy(&uc->cond);
	pthread_mutex_destroy(&uc->lock);
	free(uc);
}

/* $DEVDRV_USBIP_SERVER names the server from the start. */
static int usbip_init(struct devdrv_context *ctx, void **state)
{
	struct uclient *uc = calloc(1, sizeof(*uc));
	const char *env = getenv("DEVDRV_USBIP_SERVER");
	pthread_condattr_t attr;
	int rc;

	if (!uc)
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "usbip: out of memory");
	pthread_mutex_init(&uc->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&uc->cond, &attr);
	pthread_condattr_destroy(&attr);
	uc->ctx = ctx;
	dd_cq_init(&uc->cq, ctx, &uc->lock, &uc->cond);
	if (env && *env && (rc = set_server(uc, env)) < 0) {
		usbip_exit(uc);
		return rc;
	}
	*state = uc;
	return 0;
}

_Static_assert(sizeof(struct unode) <= DD_TPRIV_MAX, "a usbip entry fits a transfer's framework state");

static const struct dd_transport_ops usbip_transport = {
	.name = "usbip",
	.id = DEVDRV_TRANSPORT_USBIP,
	.transfer_priv_size = sizeof(struct unode),
	.init = usbip_init,
	.exit = usbip_exit,
	.enumerate = usbip_enumerate,
	.device_release = usbip_device_release,
	.open = usbip_open,
	.close = usbip_close,
	.claim = usbip_claim,
	.release = usbip_release,
	.set_alt = usbip_set_alt,
	.clear_halt = usbip_clear_halt,
	.reset = usbip_reset,
	.submit = usbip_submit,
	.cancel = usbip_cancel,
	.wait = usbip_wait,
	.handle_events = usbip_handle_events,
	.poll_info = usbip_poll_info,
	.present = usbip_present,
	.undescribed = usbip_undescribed,
};
DD_TRANSPORT_REGISTER(usbip_transport);
