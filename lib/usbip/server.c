/* server.c — the USB/IP server (devdrv/usbip.h).
 *
 * One thread accepts; each connection gets a thread of its own that reads
 * the client's commands, owns the exported device's handle and submits the
 * URBs as asynchronous transfers. Their completions run on the context's
 * event thread, which writes the replies; a lock per connection keeps the
 * replies whole and the list of URBs in flight (for CMD_UNLINK) consistent.
 * A connection ends when the client goes, sends something malformed, stops
 * reading its replies (a send timeout), or its device leaves; only then are
 * its transfers cancelled, awaited and freed, and its handle closed. */
#include "../internal.h"
#include "proto.h"
#include "sock.h"

#include <arpa/inet.h>
#include <devdrv/hotplug.h>
#include <devdrv/usbip.h>
#include <errno.h>
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

/* A client that sends nothing for this long before importing is dropped;
 * one whose replies cannot be sent for this long has stopped reading. */
#define HANDSHAKE_TIMEOUT_S 10
#define SEND_TIMEOUT_S 10
/* How many exported devices one OP_REP_DEVLIST describes at most. */
#define MAX_LISTED 256
/* What one connection may have in flight (the kernel's drivers queue a
 * few dozen URBs at most), and how many connections the server takes. */
#define MAX_URBS_IN_FLIGHT 256
#define MAX_BYTES_IN_FLIGHT (64u << 20)
#define MAX_CONNECTIONS 64

struct urb {
	struct conn *c;
	struct devdrv_transfer *t;
	uint8_t *data;
	size_t cap;
	uint32_t seqnum;
	uint32_t unlink_seqnum; /* the CMD_UNLINK that cancelled it, when unlinked */
	int unlinked, in, short_not_ok;
	int submitted; /* its last submission was taken: its callback is waited for before a free */
	struct urb *next;
};

struct conn {
	struct devdrv_usbip_server *srv;
	int fd;
	char peer[64];
	char busid[USBIP_BUSID_LEN];
	char transport[16];
	struct devdrv_handle *h;
	int imported; /* h is open: written under the server's lock */
	uint32_t devid;
	pthread_mutex_t lock; /* the socket's write side, the lists, broken */
	pthread_cond_t idle;
	struct urb *pending, *spare;
	unsigned in_flight;
	size_t bytes_in_flight; /* buffers of those URBs */
	int broken;
	struct conn *next;
};

struct devdrv_usbip_server {
	struct devdrv_context *ctx;
	int listen_fd, stop_fd, port;
	char *selector;
	int hotplug_id;
	pthread_mutex_t lock; /* conns, imported busids */
	pthread_cond_t gone;
	struct conn *conns;
	unsigned num_conns;
};

static void describe_peer(int fd, char *out, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?", port[8] = "?";

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port, sizeof(port),
		            NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(out, len, "%s port %s", host, port);
}

/* ---- replies (connection lock held) ------------------------------------------- */

/* A reply that cannot be sent ends the connection: the reader wakes up. */
static void send_locked(struct conn *c, const uint8_t *hdr, const void *data, size_t len)
{
	if (c->broken)
		return;
	if (usbip_send_full(c->fd, hdr, USBIP_HEADER_LEN, data, len) < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) /* the send timeout, not a client that left */
			devdrv_log(c->srv->ctx, DEVDRV_LOG_WARN, "usbip: %s (%s): the client stopped reading; closing",
			           c->peer, c->busid);
		c->broken = 1;
		shutdown(c->fd, SHUT_RDWR);
	}
}

static void reply_submit(struct conn *c, uint32_t seqnum, int32_t status)
{
	uint8_t hdr[USBIP_HEADER_LEN];

	usbip_put_ret_submit(hdr, seqnum, status, 0);
	pthread_mutex_lock(&c->lock);
	send_locked(c, hdr, NULL, 0);
	pthread_mutex_unlock(&c->lock);
}

/* ---- URBs ------------------------------------------------------------------------ */

static void unlink_pending_locked(struct conn *c, struct urb *u)
{
	for (struct urb **link = &c->pending; *link; link = &(*link)->next)
		if (*link == u) {
			*link = u->next;
			return;
		}
}

static struct urb *find_pending_locked(struct conn *c, uint32_t seqnum)
{
	for (struct urb *u = c->pending; u; u = u->next)
		if (u->seqnum == seqnum)
			return u;
	return NULL;
}

/* A finished transfer: the reply, on the event thread. The URB goes back to
 * the spare list; the connection frees those after the last has come back
 * (a transfer is not freed from its own callback). */
static void urb_done(struct devdrv_transfer *t)
{
	struct urb *u = t->user_data;
	struct conn *c = u->c;
	uint8_t hdr[USBIP_HEADER_LEN];
	int32_t status = usbip_status(t->status);
	size_t actual = t->status == 0 || t->status == DEVDRV_E_OVERFLOW ? t->actual_length : 0;

	if (t->status == 0 && u->in && u->short_not_ok && actual < t->length)
		status = -EREMOTEIO;
	if (t->status != 0 && t->status != DEVDRV_E_CANCELLED) /* what the client sees only as an errno */
		devdrv_log(c->srv->ctx, DEVDRV_LOG_INFO, "usbip: %s: transfer %u on 0x%02x: %s", c->busid, u->seqnum,
		           t->endpoint, devdrv_strerror(t->status));
	pthread_mutex_lock(&c->lock);
	unlink_pending_locked(c, u);
	if (u->unlinked) { /* the client gave it up: only RET_UNLINK, as usbip-host does */
		usbip_put_ret_unlink(hdr, u->unlink_seqnum, t->status == DEVDRV_E_CANCELLED ? -ECONNRESET : status);
		send_locked(c, hdr, NULL, 0);
	} else {
		usbip_put_ret_submit(hdr, u->seqnum, status, (uint32_t)actual);
		send_locked(c, hdr, u->in ? u->data : NULL, u->in ? actual : 0);
	}
	if (t->status == DEVDRV_E_DISCONNECTED) /* the reader ends; the other replies still go */
		shutdown(c->fd, SHUT_RD);
	u->next = c->spare;
	c->spare = u;
	c->in_flight--;
	c->bytes_in_flight -= u->cap;
	pthread_cond_broadcast(&c->idle); /* drain() and a reader held back by the limits */
	pthread_mutex_unlock(&c->lock);
}

/* A URB with room for @len bytes: a spare one, or a new one. */
static struct urb *urb_get(struct conn *c, size_t len)
{
	struct urb *u;

	pthread_mutex_lock(&c->lock);
	if ((u = c->spare))
		c->spare = u->next;
	pthread_mutex_unlock(&c->lock);
	if (!u) {
		if (!(u = calloc(1, sizeof(*u))))
			return NULL;
		if (!(u->t = devdrv_transfer_alloc())) {
			free(u);
			return NULL;
		}
		u->c = c;
	}
	if (u->cap < len || !u->data) {
		uint8_t *p = realloc(u->data, len ? len : 1);

		if (!p) {
			u->next = NULL;
			pthread_mutex_lock(&c->lock);
			u->next = c->spare, c->spare = u;
			pthread_mutex_unlock(&c->lock);
			return NULL;
		}
		u->data = p, u->cap = len ? len : 1;
	}
	u->unlinked = 0;
	u->next = NULL;
	return u;
}

static void urb_put_back(struct conn *c, struct urb *u)
{
	pthread_mutex_lock(&c->lock);
	u->next = c->spare, c->spare = u;
	pthread_mutex_unlock(&c->lock);
}

static void urbs_free(struct urb *u)
{
	while (u) {
		struct urb *next = u->next;

		devdrv_transfer_free(u->t);
		free(u->data);
		free(u);
		u = next;
	}
}

/* ---- CMD_SUBMIT ------------------------------------------------------------------ */

/* The type of endpoint @address in the current settings, -1: none. */
static int endpoint_type(struct devdrv_handle *h, uint8_t address)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(devdrv_handle_info(h));

	for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++) {
		const struct devdrv_interface_info *intf = &cfg->interfaces[i];

		if (intf->alt_setting != devdrv_handle_alt_setting(h, intf->number))
			continue;
		for (unsigned e = 0; e < intf->num_endpoints; e++)
			if (intf->endpoints[e].address == address)
				return intf->endpoints[e].attributes & 3;
	}
	return -1;
}

/* Standard requests that change the device's state go through the handle,
 * as usbip-host does them through the USB core: SET_CONFIGURATION,
 * SET_INTERFACE, CLEAR_FEATURE(ENDPOINT_HALT) and a port reset. Returns 1
 * (answered), 0 (not one of them). */
static int state_request(struct conn *c, const struct devdrv_transfer *t, uint32_t seqnum)
{
	const struct devdrv_device_info *info = devdrv_handle_info(c->h);
	uint8_t type = t->setup.request_type, req = t->setup.request;
	int rc;

	if (type == 0x00 && req == 0x09) /* SET_CONFIGURATION: the one in use is all we have */
		rc = t->setup.value == info->active_config || t->setup.value == 0 ? 0 : DEVDRV_E_PIPE;
	else if (type == 0x01 && req == 0x0b)
		rc = devdrv_usb_set_alt_setting(c->h, t->setup.index & 0xff, t->setup.value & 0xff);
	else if (type == 0x02 && req == 0x01 && t->setup.value == 0)
		rc = devdrv_usb_clear_halt(c->h, (uint8_t)t->setup.index);
	else if (type == 0x23 && req == 0x03 && t->setup.value == 4) /* SET_FEATURE(PORT_RESET) */
		rc = devdrv_usb_reset(c->h);
	else
		return 0;
	if (rc < 0)
		devdrv_log(c->srv->ctx, DEVDRV_LOG_DEBUG, "usbip: %s: request %02x/%02x refused: %s", c->busid, type,
		           req, devdrv_errmsg(c->h));
	reply_submit(c, seqnum, usbip_status(rc));
	return 1;
}

static void fill_control(struct devdrv_transfer *t, const uint8_t setup[8])
{
	t->type = DEVDRV_TRANSFER_CONTROL;
	t->endpoint = 0;
	t->setup.request_type = setup[0];
	t->setup.request = setup[1];
	t->setup.value = (uint16_t)(setup[2] | setup[3] << 8);
	t->setup.index = (uint16_t)(setup[4] | setup[5] << 8);
}

/* Prepare @u's transfer for @cmd. 1: ready to submit; 0: answered already
 * (a state request, an endpoint that is not there, isochronous). */
static int prepare(struct conn *c, struct urb *u, const struct usbip_cmd *cmd)
{
	struct devdrv_transfer *t = u->t;
	uint8_t address = (uint8_t)(cmd->ep | (u->in ? 0x80 : 0));
	int type;

	memset(t, 0, sizeof(*t));
	t->handle = c->h;
	t->buffer = u->data;
	t->length = cmd->length;
	t->callback = urb_done;
	t->user_data = u;
	t->timeout_ms = 0; /* a URB waits until it completes or is unlinked */
	if (cmd->ep == 0) {
		fill_control(t, cmd->setup);
		return !state_request(c, t, cmd->seqnum);
	}
	type = endpoint_type(c->h, address);
	if (type == 2 || type == 3) {
		t->type = type == 2 ? DEVDRV_TRANSFER_BULK : DEVDRV_TRANSFER_INTERRUPT;
		t->endpoint = address;
		return 1;
	}
	devdrv_log(c->srv->ctx, DEVDRV_LOG_DEBUG, "usbip: %s: endpoint 0x%02x %s", c->busid, address,
	           type == 1 ? "is isochronous: refused" : "is not in the current settings");
	reply_submit(c, cmd->seqnum, type == 1 ? -EXDEV : -EPIPE);
	return 0;
}

/* -1: the connection ends (a short read, or the device has gone). */
static int handle_submit(struct conn *c, const struct usbip_cmd *cmd)
{
	struct urb *u;
	int rc;

	if (cmd->ep == 0 && cmd->length > 0xffff)
		return devdrv_log(c->srv->ctx, DEVDRV_LOG_WARN, "usbip: %s: control transfer of %u bytes; closing",
		                  c->peer, cmd->length), -1;
	/* the setup packet says where a control data stage goes: a header that
	 * says otherwise would have the device's buffer sent back unwritten */
	if (cmd->ep == 0 && cmd->length && ((cmd->setup[0] & 0x80) != 0) != (cmd->direction == USBIP_DIR_IN))
		return devdrv_log(c->srv->ctx, DEVDRV_LOG_WARN,
		                  "usbip: %s: control transfer whose direction is not its setup packet's; closing",
		                  c->peer), -1;
	if (!(u = urb_get(c, cmd->length)))
		return devdrv_log(c->srv->ctx, DEVDRV_LOG_ERROR, "usbip: out of memory; closing %s", c->peer), -1;
	u->seqnum = cmd->seqnum;
	u->in = cmd->direction == USBIP_DIR_IN;
	u->short_not_ok = (cmd->flags & USBIP_URB_SHORT_NOT_OK) != 0;
	if (!u->in && cmd->length && usbip_read_full(c->fd, u->data, cmd->length) < 0) {
		urb_put_back(c, u);
		return -1;
	}
	pthread_mutex_lock(&c->lock);
	rc = find_pending_locked(c, cmd->seqnum) ? -1 : 0;
	pthread_mutex_unlock(&c->lock);
	if (rc < 0) {
		urb_put_back(c, u);
		return devdrv_log(c->srv->ctx, DEVDRV_LOG_WARN, "usbip: %s: seqnum %u is already in flight; closing",
		                  c->peer, cmd->seqnum), -1;
	}
	if (!prepare(c, u, cmd)) {
		urb_put_back(c, u);
		return 0;
	}
	pthread_mutex_lock(&c->lock);
	/* a client may queue many URBs, not unbounded memory: it waits */
	while (!c->broken && (c->in_flight >= MAX_URBS_IN_FLIGHT || c->bytes_in_flight + u->cap > MAX_BYTES_IN_FLIGHT) &&
	       c->in_flight)
		pthread_cond_wait(&c->idle, &c->lock);
	u->next = c->pending, c->pending = u;
	c->in_flight++;
	c->bytes_in_flight += u->cap;
	pthread_mutex_unlock(&c->lock);
	u->submitted = (rc = devdrv_transfer_submit(u->t)) == 0;
	if (rc == 0)
		return 0;
	pthread_mutex_lock(&c->lock);
	unlink_pending_locked(c, u);
	c->in_flight--;
	c->bytes_in_flight -= u->cap;
	pthread_mutex_unlock(&c->lock);
	urb_put_back(c, u);
	reply_submit(c, cmd->seqnum, usbip_status(rc));
	return rc == DEVDRV_E_DISCONNECTED ? -1 : 0;
}

/* CMD_UNLINK: cancel the URB if it is still in flight (its completion then
 * sends RET_UNLINK), or say at once that it had already completed. */
static void handle_unlink(struct conn *c, const struct usbip_cmd *cmd)
{
	uint8_t hdr[USBIP_HEADER_LEN];
	struct urb *u;

	pthread_mutex_lock(&c->lock);
	if ((u = find_pending_locked(c, cmd->unlink_seqnum)) && !u->unlinked) {
		u->unlinked = 1;
		u->unlink_seqnum = cmd->seqnum;
		devdrv_transfer_cancel(u->t);
	} else {
		usbip_put_ret_unlink(hdr, cmd->seqnum, 0);
		send_locked(c, hdr, NULL, 0);
	}
	pthread_mutex_unlock(&c->lock);
}

/* After a protocol error nothing more is said to that client. */
static void silence(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->broken = 1;
	pthread_mutex_unlock(&c->lock);
}

/* Commands until the client goes (or the device: its last replies still
 * go out) or breaks the protocol. */
static void serve_urbs(struct conn *c)
{
	uint8_t hdr[USBIP_HEADER_LEN];
	struct usbip_cmd cmd;
	char why[80];

	while (usbip_read_full(c->fd, hdr, sizeof(hdr)) == 0) {
		if (usbip_parse_cmd(hdr, &cmd, why, sizeof(why)) < 0) {
			devdrv_log(c->srv->ctx, DEVDRV_LOG_WARN, "usbip: %s sent a bad command (%s); closing", c->peer,
			           why);
			return silence(c);
		}
		if (cmd.devid != c->devid) {
			devdrv_log(c->srv->ctx, DEVDRV_LOG_WARN,
			           "usbip: %s sent a command for device id 0x%08x, not %s's 0x%08x; closing", c->peer,
			           cmd.devid, c->busid, c->devid);
			return silence(c);
		}
		if (cmd.command == USBIP_CMD_UNLINK)
			handle_unlink(c, &cmd);
		else if (handle_submit(c, &cmd) < 0)
			return silence(c);
	}
}

/* Cancel what is in flight and wait until every completion has run (and
 * sent its reply, if the client still listens). */
static void drain(struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	for (struct urb *u = c->pending; u; u = u->next)
		devdrv_transfer_cancel(u->t);
	while (c->in_flight)
		pthread_cond_wait(&c->idle, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

/* ---- the operation stage ------------------------------------------------------------ */

int devdrv_usbip_server_exports(const struct devdrv_usbip_server *srv, const struct devdrv_device_info *info)
{
	if (!srv || !info || info->cls == 0x09) /* hubs stay: their ports are this machine's */
		return 0;
	if (strlen(info->port_path) >= USBIP_BUSID_LEN) /* the busid on the wire */
		return 0;
	return !srv->selector || devdrv_selector_matches(srv->ctx, srv->selector, info) == 1;
}

static void send_devlist(struct conn *c)
{
	struct devdrv_usbip_server *srv = c->srv;
	const struct devdrv_device_info **list = NULL, *listed[MAX_LISTED];
	ssize_t n = devdrv_get_device_list(srv->ctx, &list);
	uint8_t head[USBIP_OP_LEN + 4], dev[USBIP_DEVICE_LEN], ifaces[255 * USBIP_IFACE_LEN];
	uint32_t count = 0;
	int ok;

	for (ssize_t i = 0; i < n && count < MAX_LISTED; i++)
		if (devdrv_usbip_server_exports(srv, list[i]))
			listed[count++] = list[i];
	usbip_put_op(head, USBIP_OP_REP_DEVLIST, n < 0 ? USBIP_ST_ERROR : USBIP_ST_OK);
	usbip_put_be32(head + USBIP_OP_LEN, count);
	ok = usbip_send_full(c->fd, head, sizeof(head), NULL, 0) == 0;
	for (uint32_t i = 0; ok && i < count; i++) {
		unsigned k = usbip_put_interfaces(ifaces, 255, listed[i]);

		usbip_put_device(dev, listed[i], listed[i]->port_path);
		ok = usbip_send_full(c->fd, dev, sizeof(dev), ifaces, (size_t)(k > 255 ? 255 : k) * USBIP_IFACE_LEN) == 0;
	}
	devdrv_log(srv->ctx, DEVDRV_LOG_INFO, "usbip: %s listed the devices", c->peer);
	if (n >= 0)
		devdrv_free_device_list(list);
}

/* Reserve @busid for @c: 0, or USBIP_ST_DEV_BUSY when another client has it. */
static int reserve(struct conn *c, const char *busid, const char *transport)
{
	struct devdrv_usbip_server *srv = c->srv;
	int rc = 0;

	pthread_mutex_lock(&srv->lock);
	for (struct conn *o = srv->conns; o; o = o->next)
		if (o != c && !strcmp(o->busid, busid) && !strcmp(o->transport, transport))
			rc = USBIP_ST_DEV_BUSY;
	if (!rc) {
		snprintf(c->busid, sizeof(c->busid), "%s", busid);
		snprintf(c->transport, sizeof(c->transport), "%s", transport);
	}
	pthread_mutex_unlock(&srv->lock);
	return rc;
}

/* Find and open the device @busid names. Returns an import status. */
static int open_export(struct conn *c, const char *busid)
{
	const struct devdrv_device_info **list = NULL, *info = NULL;
	ssize_t n = devdrv_get_device_list(c->srv->ctx, &list);
	char selector[96];
	int st;

	for (ssize_t i = 0; i < n && !info; i++)
		if (!strcmp(list[i]->port_path, busid) && devdrv_usbip_server_exports(c->srv, list[i]))
			info = list[i];
	if (!info) {
		st = USBIP_ST_NODEV;
	} else if (!(st = reserve(c, busid, info->transport))) {
		snprintf(selector, sizeof(selector), "%s,transport=%s", busid, info->transport);
		if (dd_open_whole_device(c->srv->ctx, selector, &c->h) < 0) {
			devdrv_log(c->srv->ctx, DEVDRV_LOG_WARN, "usbip: %s cannot import %s: %s", c->peer, busid,
			           devdrv_context_errmsg(c->srv->ctx));
			st = USBIP_ST_DEV_ERR;
		} else {
			pthread_mutex_lock(&c->srv->lock);
			c->imported = 1;
			pthread_mutex_unlock(&c->srv->lock);
		}
	}
	if (n >= 0)
		devdrv_free_device_list(list);
	return st;
}

static const char *import_status_name(int st)
{
	switch (st) {
	case USBIP_ST_DEV_BUSY: return "imported by another client";
	case USBIP_ST_NODEV: return "no such exported device";
	case USBIP_ST_DEV_ERR: return "it cannot be opened";
	default: return "malformed request";
	}
}

static void import_and_serve(struct conn *c)
{
	uint8_t busid[USBIP_BUSID_LEN], head[USBIP_OP_LEN], dev[USBIP_DEVICE_LEN];
	int st;

	if (usbip_read_full(c->fd, busid, sizeof(busid)) < 0)
		return;
	st = usbip_check_busid(busid) < 0 ? USBIP_ST_ERROR : open_export(c, (const char *)busid);
	usbip_put_op(head, USBIP_OP_REP_IMPORT, (uint32_t)st);
	if (st != USBIP_ST_OK) {
		devdrv_log(c->srv->ctx, DEVDRV_LOG_WARN, "usbip: %s asked to import %.31s: %s", c->peer,
		           st == USBIP_ST_ERROR ? "a malformed busid" : (const char *)busid, import_status_name(st));
		usbip_send_full(c->fd, head, sizeof(head), NULL, 0);
		return;
	}
	usbip_put_device(dev, devdrv_handle_info(c->h), c->busid);
	c->devid = usbip_devid(devdrv_handle_info(c->h));
	if (usbip_send_full(c->fd, head, sizeof(head), dev, sizeof(dev)) < 0)
		return;
	devdrv_log(c->srv->ctx, DEVDRV_LOG_INFO, "usbip: %s imported %s (%04x:%04x)", c->peer, c->busid,
	           devdrv_handle_info(c->h)->vid, devdrv_handle_info(c->h)->pid);
	usbip_set_timeout(c->fd, SO_RCVTIMEO, 0); /* an attached device may stay idle for days */
	serve_urbs(c);
	drain(c);
	devdrv_log(c->srv->ctx, DEVDRV_LOG_INFO, "usbip: %s released %s", c->peer, c->busid);
}

/* ---- connections ------------------------------------------------------------------------ */

/* Close the device before leaving the server's list: the list is what
 * reserves it, and a client that sees this connection end (its socket
 * closes last) may import it again at once. Leave the list before the
 * socket closes: from then on no other thread reaches the connection (its
 * descriptor number may be reused once closed). */
static void conn_free(struct conn *c)
{
	struct devdrv_usbip_server *srv = c->srv;

	/* after drain() each callback has begun; wait until it has returned */
	for (struct urb *u = c->spare; u; u = u->next)
		if (u->submitted)
			devdrv_transfer_wait(u->t);
	devdrv_close(c->h);
	pthread_mutex_lock(&srv->lock);
	for (struct conn **link = &srv->conns; *link; link = &(*link)->next)
		if (*link == c) {
			*link = c->next;
			break;
		}
	pthread_mutex_unlock(&srv->lock);
	urbs_free(c->spare);
	close(c->fd);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->idle);
	free(c);
	pthread_mutex_lock(&srv->lock);
	srv->num_conns--;
	pthread_cond_broadcast(&srv->gone);
	pthread_mutex_unlock(&srv->lock);
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	uint8_t b[USBIP_OP_LEN];
	struct usbip_op op;

	if (usbip_read_full(c->fd, b, sizeof(b)) == 0) {
		usbip_parse_op(b, &op);
		if (op.version != USBIP_VERSION)
			devdrv_log(c->srv->ctx, DEVDRV_LOG_WARN, "usbip: %s speaks protocol version %x.%x.%x, not 1.1.1",
			           c->peer, op.version >> 8, (op.version >> 4) & 15, op.version & 15);
		else if (op.code == USBIP_OP_REQ_DEVLIST)
			send_devlist(c);
		else if (op.code == USBIP_OP_REQ_IMPORT)
			import_and_serve(c);
		else
			devdrv_log(c->srv->ctx, DEVDRV_LOG_WARN, "usbip: %s sent unknown operation 0x%04x", c->peer,
			           op.code);
	}
	conn_free(c);
	return NULL;
}

static void accept_one(struct devdrv_usbip_server *srv)
{
	int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC), one = 1, full;
	struct conn *c;
	pthread_attr_t attr;
	pthread_t thread;

	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS) {
			devdrv_log(srv->ctx, DEVDRV_LOG_WARN, "usbip: accept: %s; pausing", strerror(errno));
			poll(NULL, 0, 100); /* the listener stays readable: no busy loop */
		}
		return;
	}
	pthread_mutex_lock(&srv->lock);
	full = srv->num_conns >= MAX_CONNECTIONS;
	pthread_mutex_unlock(&srv->lock);
	if (full || !(c = calloc(1, sizeof(*c)))) {
		devdrv_log(srv->ctx, DEVDRV_LOG_WARN, "usbip: %d connections already; refusing one", MAX_CONNECTIONS);
		close(fd);
		return;
	}
	c->srv = srv;
	c->fd = fd;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->idle, NULL);
	describe_peer(fd, c->peer, sizeof(c->peer));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* a reply is one URB's latency */
	usbip_set_timeout(fd, SO_RCVTIMEO, HANDSHAKE_TIMEOUT_S);
	usbip_set_timeout(fd, SO_SNDTIMEO, SEND_TIMEOUT_S);
	pthread_mutex_lock(&srv->lock);
	c->next = srv->conns, srv->conns = c;
	srv->num_conns++;
	pthread_mutex_unlock(&srv->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&thread, &attr, conn_main, c) != 0) {
		devdrv_log(srv->ctx, DEVDRV_LOG_ERROR, "usbip: no thread for %s; closing it", c->peer);
		conn_free(c);
	}
	pthread_attr_destroy(&attr);
}

/* A device that leaves while imported ends its connection even when no
 * transfer of the client's was in flight to notice. */
static void device_left(struct devdrv_context *ctx, enum devdrv_hotplug_event ev, const struct devdrv_device_info *info,
                        void *user)
{
	struct devdrv_usbip_server *srv = user;

	if (ev != DEVDRV_HOTPLUG_LEFT)
		return;
	pthread_mutex_lock(&srv->lock);
	for (struct conn *c = srv->conns; c; c = c->next)
		if (!strcmp(c->busid, info->port_path) && !strcmp(c->transport, info->transport)) {
			devdrv_log(ctx, DEVDRV_LOG_INFO, "usbip: %s left; closing the connection of %s", c->busid,
			           c->peer);
			shutdown(c->fd, SHUT_RD); /* replies of its last transfers still go out */
		}
	pthread_mutex_unlock(&srv->lock);
}

/* ---- the listener ------------------------------------------------------------------------- */

static int is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

static int listen_error(struct devdrv_context *ctx, const char *addr, int err)
{
	int code = err == EADDRINUSE ? DEVDRV_E_BUSY : err == EACCES ? DEVDRV_E_ACCESS : DEVDRV_E_IO;

	return dd_ctx_fail(ctx, code, "usbip: cannot listen on %s: %s%s", addr, strerror(err),
	                   err == EADDRINUSE ? " (another usbipd? pick a port with --listen ADDR:PORT)" : "");
}

static int open_listener(struct devdrv_context *ctx, const char *addr, unsigned flags, int *fd_out, int *port_out)
{
	char host[64], port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE },
	                *ai = NULL;
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	int fd, one = 1;

	if (usbip_split_address(addr, host, sizeof(host), port, sizeof(port)) < 0 ||
	    getaddrinfo(host, port, &hints, &ai) != 0)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID,
		                   "usbip: '%s' is not an address to listen on: give ADDR:PORT, e.g. 127.0.0.1:3240 "
		                   "or [::1]:3240",
		                   addr);
	if (!is_loopback(ai->ai_addr) && !(flags & DEVDRV_USBIP_ALLOW_REMOTE)) {
		freeaddrinfo(ai);
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID,
		                   "usbip: %s is not a loopback address, and USB/IP has no authentication: allow it "
		                   "explicitly (--allow-remote), or tunnel over SSH",
		                   host);
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &blen) < 0) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return listen_error(ctx, addr, err);
	}
	freeaddrinfo(ai);
	*port_out = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
	                                              : ((struct sockaddr_in6 *)&bound)->sin6_port);
	*fd_out = fd;
	return 0;
}

int devdrv_usbip_server_new(struct devdrv_context *ctx, const struct devdrv_usbip_options *opts,
                            struct devdrv_usbip_server **out)
{
	struct devdrv_usbip_options o = DEVDRV_USBIP_OPTIONS_INIT;
	struct devdrv_usbip_server *srv;
	struct dd_selector sel;
	int rc;

	if (!ctx || !out)
		return dd_ctx_fail(ctx, DEVDRV_E_INVALID, "devdrv_usbip_server_new: NULL argument");
	*out = NULL;
	if (opts) {
		if (opts->size < sizeof(o.size) || opts->size > sizeof(o))
			return dd_ctx_fail(ctx, DEVDRV_E_INVALID,
			                   "devdrv_usbip_server_new: options.size is not that of a struct this library knows");
		memcpy(&o, opts, opts->size);
	}
	if (o.selector && (rc = dd_parse_selector(ctx, o.selector, &sel)) < 0)
		return rc;
	if (!(srv = calloc(1, sizeof(*srv))) || (o.selector && !(srv->selector = strdup(o.selector)))) {
		free(srv);
		return dd_ctx_fail(ctx, DEVDRV_E_NOMEM, "usbip: out of memory");
	}
	srv->ctx = ctx;
	srv->listen_fd = srv->stop_fd = -1;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->gone, NULL);
	if ((rc = open_listener(ctx, o.listen ? o.listen : "127.0.0.1:3240", o.flags, &srv->listen_fd, &srv->port)) <
	        0 ||
	    (srv->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    (rc = devdrv_hotplug_register(ctx, NULL, 0, device_left, srv, &srv->hotplug_id)) < 0) {
		if (!rc)
			rc = dd_ctx_fail(ctx, DEVDRV_E_IO, "usbip: eventfd: %s", strerror(errno));
		devdrv_usbip_server_free(srv);
		return rc;
	}
	*out = srv;
	return 0;
}

int devdrv_usbip_server_port(const struct devdrv_usbip_server *srv)
{
	return srv ? srv->port : DEVDRV_E_INVALID;
}

int devdrv_usbip_server_imported(struct devdrv_usbip_server *srv)
{
	int n = 0;

	if (!srv)
		return DEVDRV_E_INVALID;
	pthread_mutex_lock(&srv->lock);
	for (struct conn *c = srv->conns; c; c = c->next)
		n += c->imported;
	pthread_mutex_unlock(&srv->lock);
	return n;
}

void devdrv_usbip_server_stop(struct devdrv_usbip_server *srv)
{
	uint64_t one = 1;

	if (srv && write(srv->stop_fd, &one, sizeof(one)) < 0) {
		/* already signalled past the counter's limit: stopping anyway */
	}
}

/* Close every connection and wait for their threads to finish. */
static void close_all(struct devdrv_usbip_server *srv)
{
	pthread_mutex_lock(&srv->lock);
	for (struct conn *c = srv->conns; c; c = c->next) {
		pthread_mutex_lock(&c->lock);
		c->broken = 1; /* no reply is due any more: none is tried */
		pthread_mutex_unlock(&c->lock);
		shutdown(c->fd, SHUT_RDWR);
	}
	while (srv->num_conns)
		pthread_cond_wait(&srv->gone, &srv->lock);
	pthread_mutex_unlock(&srv->lock);
}

int devdrv_usbip_server_run(struct devdrv_usbip_server *srv)
{
	int rc = 0;

	if (!srv)
		return DEVDRV_E_INVALID;
	devdrv_log(srv->ctx, DEVDRV_LOG_INFO, "usbip: listening on port %d", srv->port);
	for (;;) {
		struct pollfd p[2] = { { srv->listen_fd, POLLIN, 0 }, { srv->stop_fd, POLLIN, 0 } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = dd_ctx_fail(srv->ctx, DEVDRV_E_IO, "usbip: poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN)
			accept_one(srv);
	}
	close_all(srv);
	return rc;
}

void devdrv_usbip_server_free(struct devdrv_usbip_server *srv)
{
	if (!srv)
		return;
	if (srv->hotplug_id)
		devdrv_hotplug_deregister(srv->ctx, srv->hotplug_id);
	close_all(srv);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	if (srv->stop_fd >= 0)
		close(srv->stop_fd);
	pthread_mutex_destroy(&srv->lock);
	pthread_cond_destroy(&srv->gone);
	free(srv->selector);
	free(srv);
}
