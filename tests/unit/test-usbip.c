/* test-usbip.c — the USB/IP server against a client that speaks the wire
 * format byte by byte: the device list, import (and a second import of the
 * same device refused), control / bulk transfers through it, SET_INTERFACE,
 * CMD_UNLINK of a URB in flight and of one that is not, a device unplugged
 * under a pending URB, and hostile clients (unknown commands, huge lengths,
 * a wrong device id, a duplicate seqnum, a client that vanishes mid-data,
 * 300 sessions of random commands) each ending only their own connection. Listening
 * is refused on a non-loopback address without the flag and on a malformed
 * one. The kernel's own client (vhci_hcd) is the QEMU scenario usbip-export. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <devdrv/devdrv.h>
#include <devdrv/usbip.h>
#include <devdrv/virtual.h>

#include "usbip/proto.h"

struct bed {
	struct devdrv_context *ctx;
	struct devdrv_usbip_server *srv;
	pthread_t thread;
	int run_rc;
};

static void *serve(void *arg)
{
	struct bed *b = arg;

	b->run_rc = devdrv_usbip_server_run(b->srv);
	return NULL;
}

static int bed_setup(void **state)
{
	static struct bed b;
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_usbip_options so = { .size = sizeof(so), .listen = "127.0.0.1:0" };

	memset(&b, 0, sizeof(b));
	assert_int_equal(devdrv_context_new(&o, &b.ctx), 0);
	devdrv_virtual_unplug_all(b.ctx);
	assert_int_equal(devdrv_virtual_plug(b.ctx, "loopback", "1-3"), 0);
	assert_int_equal(devdrv_virtual_plug(b.ctx, "alt-loopback", "1-4"), 0);
	assert_int_equal(devdrv_virtual_plug(b.ctx, "ft232r", "1-5"), 0);
	assert_int_equal(devdrv_usbip_server_new(b.ctx, &so, &b.srv), 0);
	assert_true(devdrv_usbip_server_port(b.srv) > 0);
	assert_int_equal(pthread_create(&b.thread, NULL, serve, &b), 0);
	*state = &b;
	return 0;
}

static int bed_teardown(void **state)
{
	struct bed *b = *state;

	devdrv_usbip_server_stop(b->srv);
	pthread_join(b->thread, NULL);
	assert_int_equal(b->run_rc, 0);
	devdrv_usbip_server_free(b->srv);
	devdrv_context_free(b->ctx);
	return 0;
}

/* ---- a client, byte by byte ---------------------------------------------------- */

static int connect_to(struct bed *b)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)devdrv_usbip_server_port(b->srv)),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 10, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)); /* a hang fails, not blocks */
	return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
	assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

static int recv_all(int fd, void *p, size_t n)
{
	uint8_t *q = p;

	while (n) {
		ssize_t r = recv(fd, q, n, 0);

		if (r <= 0)
			return -1;
		q += r, n -= (size_t)r;
	}
	return 0;
}

/* The server closed the connection: EOF, not a timeout. */
static void assert_closed(int fd)
{
	uint8_t x;

	assert_int_equal(recv(fd, &x, 1, 0), 0);
}

static void send_op(int fd, uint16_t code)
{
	uint8_t b[USBIP_OP_LEN];

	usbip_put_op(b, code, 0);
	send_all(fd, b, sizeof(b));
}

/* Import @busid: returns the connection, *status the reply's status. */
static int import(struct bed *b, const char *busid, uint32_t *status, uint8_t dev[USBIP_DEVICE_LEN])
{
	int fd = connect_to(b);
	uint8_t id[USBIP_BUSID_LEN] = { 0 }, rep[USBIP_OP_LEN];
	struct usbip_op op;

	send_op(fd, USBIP_OP_REQ_IMPORT);
	strncpy((char *)id, busid, sizeof(id) - 1);
	send_all(fd, id, sizeof(id));
	assert_int_equal(recv_all(fd, rep, sizeof(rep)), 0);
	usbip_parse_op(rep, &op);
	assert_int_equal(op.version, USBIP_VERSION);
	assert_int_equal(op.code, USBIP_OP_REP_IMPORT);
	*status = op.status;
	if (op.status == 0)
		assert_int_equal(recv_all(fd, dev, USBIP_DEVICE_LEN), 0);
	return fd;
}

static int import_ok(struct bed *b, const char *busid, uint32_t *devid)
{
	uint8_t dev[USBIP_DEVICE_LEN];
	uint32_t st;
	int fd = import(b, busid, &st, dev);

	assert_int_equal(st, 0);
	assert_string_equal((char *)dev + USBIP_PATH_LEN, busid);
	*devid = usbip_be32(dev + 288) << 16 | usbip_be32(dev + 292);
	return fd;
}

static void put_cmd(uint8_t h[USBIP_HEADER_LEN], uint32_t command, uint32_t seq, uint32_t devid, uint32_t dir,
                    uint32_t ep)
{
	memset(h, 0, USBIP_HEADER_LEN);
	usbip_put_be32(h, command);
	usbip_put_be32(h + 4, seq);
	usbip_put_be32(h + 8, devid);
	usbip_put_be32(h + 12, dir);
	usbip_put_be32(h + 16, ep);
}

static void submit(int fd, uint32_t seq, uint32_t devid, uint32_t dir, uint32_t ep, const uint8_t setup[8],
                   const void *out, uint32_t len)
{
	uint8_t h[USBIP_HEADER_LEN];

	put_cmd(h, USBIP_CMD_SUBMIT, seq, devid, dir, ep);
	usbip_put_be32(h + 24, len);
	if (setup)
		memcpy(h + 40, setup, 8);
	send_all(fd, h, sizeof(h));
	if (dir == USBIP_DIR_OUT && len)
		send_all(fd, out, len);
}

static void unlink_urb(int fd, uint32_t seq, uint32_t devid, uint32_t victim)
{
	uint8_t h[USBIP_HEADER_LEN];

	put_cmd(h, USBIP_CMD_UNLINK, seq, devid, 0, 0);
	usbip_put_be32(h + 20, victim);
	send_all(fd, h, sizeof(h));
}

struct reply {
	uint32_t command, seqnum;
	int32_t status;
	uint32_t actual;
	uint8_t data[512];
};

/* The next reply; IN data follows RET_SUBMIT when @is_in says the seqnum
 * was an IN URB. */
static void next_reply_if(int fd, int (*is_in)(uint32_t seqnum), struct reply *r)
{
	uint8_t h[USBIP_HEADER_LEN];

	assert_int_equal(recv_all(fd, h, sizeof(h)), 0);
	r->command = usbip_be32(h);
	r->seqnum = usbip_be32(h + 4);
	r->status = (int32_t)usbip_be32(h + 20);
	r->actual = r->command == USBIP_RET_SUBMIT ? usbip_be32(h + 24) : 0;
	assert_true(r->actual <= sizeof(r->data));
	if (r->command == USBIP_RET_SUBMIT && r->actual && is_in(r->seqnum))
		assert_int_equal(recv_all(fd, r->data, r->actual), 0);
}

static int always(uint32_t seqnum)
{
	return (void)seqnum, 1;
}

static int never(uint32_t seqnum)
{
	return (void)seqnum, 0;
}

static void next_reply(int fd, int in, struct reply *r)
{
	next_reply_if(fd, in ? always : never, r);
}

static int is_seq4(uint32_t seqnum)
{
	return seqnum == 4;
}

static const uint8_t get_device_desc[8] = { 0x80, 0x06, 0x00, 0x01, 0, 0, 18, 0 };

/* Wait until the server has let go of every import. */
static void wait_released(struct bed *b)
{
	for (int i = 0; i < 500 && devdrv_usbip_server_imported(b->srv) > 0; i++)
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	assert_int_equal(devdrv_usbip_server_imported(b->srv), 0);
}

/* ---- tests -------------------------------------------------------------------------- */

static void test_devlist(void **state)
{
	struct bed *b = *state;
	int fd = connect_to(b);
	uint8_t head[USBIP_OP_LEN + 4], dev[USBIP_DEVICE_LEN], iface[USBIP_IFACE_LEN];
	struct usbip_op op;
	int found_ftdi = 0;

	send_op(fd, USBIP_OP_REQ_DEVLIST);
	assert_int_equal(recv_all(fd, head, sizeof(head)), 0);
	usbip_parse_op(head, &op);
	assert_int_equal(op.code, USBIP_OP_REP_DEVLIST);
	assert_int_equal(op.status, 0);
	assert_int_equal(usbip_be32(head + USBIP_OP_LEN), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(recv_all(fd, dev, sizeof(dev)), 0);
		for (unsigned k = 0; k < dev[311]; k++)
			assert_int_equal(recv_all(fd, iface, sizeof(iface)), 0);
		if (!strcmp((char *)dev + USBIP_PATH_LEN, "1-5")) {
			found_ftdi = 1;
			assert_int_equal(usbip_be16(dev + 300), 0x0403);
			assert_int_equal(usbip_be16(dev + 302), 0x6001);
			assert_int_equal(usbip_be32(dev + 296), 2); /* full speed, as the FT232R */
			assert_int_equal(dev[311], 1);
			assert_int_equal(iface[0], 0xff);
		}
	}
	assert_true(found_ftdi);
	assert_closed(fd);
	close(fd);
}

/* A server with a selector exports what it matches, and lists only that. */
static void test_selector_limits_the_exports(void **state)
{
	struct bed *b = *state;
	struct devdrv_usbip_options o = { .size = sizeof(o), .listen = "127.0.0.1:0", .selector = "0403:" };
	const struct devdrv_device_info **list;
	struct devdrv_usbip_server *srv;
	ssize_t n;
	int exported = 0;

	(void)state;
	assert_int_equal(devdrv_usbip_server_new(b->ctx, &o, &srv), 0);
	assert_true((n = devdrv_get_device_list(b->ctx, &list)) >= 3);
	for (ssize_t i = 0; i < n; i++) {
		int want = list[i]->vid == 0x0403;

		assert_int_equal(devdrv_usbip_server_exports(srv, list[i]), want);
		assert_int_equal(devdrv_usbip_server_exports(b->srv, list[i]), 1); /* no selector: all */
		exported += want;
	}
	assert_int_equal(exported, 1);
	devdrv_free_device_list(list);
	devdrv_usbip_server_free(srv);
}

static void test_control_and_bulk_through_import(void **state)
{
	struct bed *b = *state;
	uint32_t devid;
	int fd = import_ok(b, "1-3", &devid);
	const struct devdrv_device_info **list;
	uint8_t store[8] = { 0x40, 0x01, 0, 0, 0, 0, 5, 0 }, fetch[8] = { 0xc0, 0x02, 0, 0, 0, 0, 64, 0 };
	struct reply r;

	/* the device descriptor, as the library read it */
	submit(fd, 1, devid, USBIP_DIR_IN, 0, get_device_desc, NULL, 18);
	next_reply(fd, 1, &r);
	assert_int_equal(r.command, USBIP_RET_SUBMIT);
	assert_int_equal(r.seqnum, 1);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.actual, 18);
	assert_true(devdrv_get_device_list(b->ctx, &list) >= 1);
	assert_int_equal(r.data[8] | r.data[9] << 8, list[0]->vid);
	devdrv_free_device_list(list);
	/* a vendor request with a data stage each way */
	submit(fd, 2, devid, USBIP_DIR_OUT, 0, store, "abcde", 5);
	next_reply(fd, 0, &r);
	assert_int_equal(r.status, 0);
	submit(fd, 3, devid, USBIP_DIR_IN, 0, fetch, NULL, 64);
	next_reply(fd, 1, &r);
	assert_int_equal(r.seqnum, 3);
	assert_int_equal(r.actual, 5);
	assert_memory_equal(r.data, "abcde", 5);
	/* bulk: the IN first, pending until the OUT feeds the loopback */
	submit(fd, 4, devid, USBIP_DIR_IN, 1, NULL, NULL, 512);
	submit(fd, 5, devid, USBIP_DIR_OUT, 1, NULL, "hello over usbip", 16);
	for (int i = 0; i < 2; i++) { /* in either order: both complete */
		next_reply_if(fd, is_seq4, &r);
		if (r.seqnum != 4 && r.seqnum != 5)
			fail_msg("reply %u status %d actual %u", r.seqnum, r.status, r.actual);
		assert_int_equal(r.status, 0);
		assert_int_equal(r.actual, 16);
		if (r.seqnum == 4)
			assert_memory_equal(r.data, "hello over usbip", 16);
	}
	/* an endpoint the device does not have */
	submit(fd, 6, devid, USBIP_DIR_IN, 7, NULL, NULL, 64);
	next_reply(fd, 1, &r);
	assert_int_equal(r.status, -EPIPE);
	close(fd);
	wait_released(b);
}

static void test_set_interface_makes_endpoints(void **state)
{
	struct bed *b = *state;
	uint32_t devid;
	int fd = import_ok(b, "1-4", &devid);
	uint8_t set_alt1[8] = { 0x01, 0x0b, 1, 0, 0, 0, 0, 0 }, set_alt9[8] = { 0x01, 0x0b, 9, 0, 0, 0, 0, 0 };
	struct reply r;

	submit(fd, 1, devid, USBIP_DIR_OUT, 1, NULL, "x", 1); /* setting 0 has no endpoints */
	next_reply(fd, 0, &r);
	assert_int_equal(r.status, -EPIPE);
	submit(fd, 2, devid, USBIP_DIR_OUT, 0, set_alt9, NULL, 0);
	next_reply(fd, 0, &r);
	assert_int_not_equal(r.status, 0);
	submit(fd, 3, devid, USBIP_DIR_OUT, 0, set_alt1, NULL, 0);
	next_reply(fd, 0, &r);
	assert_int_equal(r.status, 0);
	submit(fd, 4, devid, USBIP_DIR_OUT, 1, NULL, "y", 1);
	next_reply(fd, 0, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.actual, 1);
	close(fd);
	wait_released(b);
}

static void test_unlink(void **state)
{
	struct bed *b = *state;
	uint32_t devid;
	int fd = import_ok(b, "1-3", &devid);
	struct reply r;

	submit(fd, 10, devid, USBIP_DIR_IN, 1, NULL, NULL, 512); /* nothing to read: pending */
	unlink_urb(fd, 11, devid, 10);
	next_reply(fd, 1, &r);
	assert_int_equal(r.command, USBIP_RET_UNLINK);
	assert_int_equal(r.seqnum, 11);
	assert_int_equal(r.status, -ECONNRESET);
	unlink_urb(fd, 12, devid, 999); /* not in flight: "already completed" */
	next_reply(fd, 1, &r);
	assert_int_equal(r.command, USBIP_RET_UNLINK);
	assert_int_equal(r.seqnum, 12);
	assert_int_equal(r.status, 0);
	/* no RET_SUBMIT for 10 came in between: the next reply is 13's */
	submit(fd, 13, devid, USBIP_DIR_IN, 0, get_device_desc, NULL, 18);
	next_reply(fd, 1, &r);
	assert_int_equal(r.command, USBIP_RET_SUBMIT);
	assert_int_equal(r.seqnum, 13);
	close(fd);
	wait_released(b);
}

static void test_one_client_per_device(void **state)
{
	struct bed *b = *state;
	uint8_t dev[USBIP_DEVICE_LEN];
	uint32_t devid, st;
	int fd = import_ok(b, "1-3", &devid), fd2;

	fd2 = import(b, "1-3", &st, dev);
	assert_int_equal(st, USBIP_ST_DEV_BUSY);
	assert_closed(fd2);
	close(fd2);
	fd2 = import(b, "1-9", &st, dev);
	assert_int_equal(st, USBIP_ST_NODEV);
	close(fd2);
	fd2 = import_ok(b, "1-5", &devid); /* another device meanwhile: fine */
	assert_int_equal(devdrv_usbip_server_imported(b->srv), 2);
	close(fd);
	close(fd2);
	wait_released(b);
	fd = import_ok(b, "1-3", &devid); /* free again */
	close(fd);
	wait_released(b);
}

static void test_unplug_under_pending_urb(void **state)
{
	struct bed *b = *state;
	uint32_t devid;
	int fd = import_ok(b, "1-3", &devid);
	struct reply r;

	submit(fd, 1, devid, USBIP_DIR_IN, 1, NULL, NULL, 512);
	submit(fd, 2, devid, USBIP_DIR_IN, 0, get_device_desc, NULL, 18); /* the pending one is in */
	next_reply(fd, 1, &r);
	assert_int_equal(r.seqnum, 2);
	assert_int_equal(devdrv_virtual_unplug(b->ctx, "1-3"), 0);
	next_reply(fd, 1, &r);
	assert_int_equal(r.seqnum, 1);
	assert_int_equal(r.status, -ESHUTDOWN);
	assert_closed(fd); /* the client's kernel sees the device go */
	close(fd);
	wait_released(b);
	assert_int_equal(devdrv_virtual_plug(b->ctx, "loopback", "1-3"), 0);
}

static void test_unplug_while_idle_ends_the_connection(void **state)
{
	struct bed *b = *state;
	uint32_t devid;
	int fd = import_ok(b, "1-5", &devid);

	assert_int_equal(devdrv_virtual_unplug(b->ctx, "1-5"), 0);
	assert_closed(fd);
	close(fd);
	wait_released(b);
	assert_int_equal(devdrv_virtual_plug(b->ctx, "ft232r", "1-5"), 0);
}

/* Headers that end their connection: each is sent right after an import,
 * with the imported device's id unless it names another. */
static const struct hostile_header {
	const char *what;
	uint32_t command, devid, direction, ep, length;
	int32_t packets;
	uint8_t setup0, setup1;
} hostile_headers[] = {
	{ "unknown command", 7, 0, 0, 0, 0, 0, 0, 0 },
	{ "2 GiB", USBIP_CMD_SUBMIT, 0, USBIP_DIR_IN, 1, 0x7fffffff, 0, 0, 0 },
	{ "another device's id", USBIP_CMD_SUBMIT, 0x12345678, USBIP_DIR_IN, 1, 0, 0, 0, 0 },
	{ "no such direction", USBIP_CMD_SUBMIT, 0, 5, 1, 0, 0, 0, 0 },
	{ "endpoint 99", USBIP_CMD_SUBMIT, 0, USBIP_DIR_IN, 99, 0, 0, 0, 0 },
	{ "isochronous packets", USBIP_CMD_SUBMIT, 0, USBIP_DIR_IN, 1, 0, 8, 0, 0 },
	{ "a control data stage over 64 KiB", USBIP_CMD_SUBMIT, 0, USBIP_DIR_OUT, 0, 0x10000, 0, 0, 0 },
	/* IN by the header, OUT by the setup packet: the buffer would go back unwritten */
	{ "directions that disagree", USBIP_CMD_SUBMIT, 0, USBIP_DIR_IN, 0, 4096, 0, 0x40, 0x01 },
};

static void send_hostile(struct bed *b, const struct hostile_header *x)
{
	uint32_t devid;
	int fd = import_ok(b, "1-3", &devid);
	uint8_t h[USBIP_HEADER_LEN], reply;

	put_cmd(h, x->command, 1, x->devid ? x->devid : devid, x->direction, x->ep);
	usbip_put_be32(h + 24, x->length);
	usbip_put_be32(h + 32, (uint32_t)x->packets);
	h[40] = x->setup0, h[41] = x->setup1;
	send_all(fd, h, sizeof(h));
	if (recv(fd, &reply, 1, 0) != 0)
		fail_msg("%s: the server answered or hung instead of closing the connection", x->what);
	close(fd);
	wait_released(b);
}

static void test_hostile_clients_end_only_their_connection(void **state)
{
	struct bed *b = *state;
	uint8_t m[USBIP_HEADER_LEN + 4];
	uint32_t devid, st;
	uint8_t dev[USBIP_DEVICE_LEN];
	int fd;

	for (size_t i = 0; i < sizeof(hostile_headers) / sizeof(hostile_headers[0]); i++)
		send_hostile(b, &hostile_headers[i]);
	/* a duplicate seqnum while the first is in flight */
	fd = import_ok(b, "1-3", &devid);
	submit(fd, 5, devid, USBIP_DIR_IN, 1, NULL, NULL, 512);
	submit(fd, 5, devid, USBIP_DIR_IN, 1, NULL, NULL, 512);
	assert_closed(fd);
	close(fd);
	wait_released(b);
	/* a client that vanishes in the middle of its OUT data */
	fd = import_ok(b, "1-3", &devid);
	put_cmd(m, USBIP_CMD_SUBMIT, 1, devid, USBIP_DIR_OUT, 1);
	usbip_put_be32(m + 24, 1000);
	send_all(fd, m, USBIP_HEADER_LEN + 4);
	close(fd);
	wait_released(b);
	/* a malformed busid, an unknown operation, another protocol version */
	fd = import(b, "1-3\x01", &st, dev);
	assert_int_equal(st, USBIP_ST_ERROR);
	close(fd);
	fd = connect_to(b);
	send_op(fd, 0x8099);
	assert_closed(fd);
	close(fd);
	fd = connect_to(b);
	send_all(fd, "\x01\x00\x80\x05\0\0\0\0", 8);
	assert_closed(fd);
	close(fd);
	/* and the server still serves */
	fd = import_ok(b, "1-3", &devid);
	close(fd);
	wait_released(b);
}

static uint32_t lcg(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

/* A command mostly like the kernel's, with one field or more off. */
static void random_command(uint32_t *seed, uint32_t devid, uint8_t h[USBIP_HEADER_LEN], uint32_t *out_len)
{
	static const uint32_t lengths[] = { 0, 1, 8, 18, 64, 512, 4096, 65535, 65536, 4u << 20, (4u << 20) + 1 };
	uint32_t r = lcg(seed), dir = r & 1;

	put_cmd(h, (r & 0x700) ? 1 + ((r >> 3) & 1) : lcg(seed) & 7, lcg(seed) & 15, (r & 0x3000) ? devid : lcg(seed),
	        (r & 0x4000) ? dir : lcg(seed) & 3, (r & 0x8000) ? (r >> 16) & 1 : lcg(seed) & 31);
	usbip_put_be32(h + 20, lcg(seed) & 1);
	usbip_put_be32(h + 24, lengths[lcg(seed) % (sizeof(lengths) / sizeof(lengths[0]))]);
	usbip_put_be32(h + 32, (lcg(seed) & 7) ? 0 : lcg(seed));
	for (int i = 40; i < 48; i++)
		h[i] = (uint8_t)lcg(seed);
	if (lcg(seed) & 1) /* a standard or vendor request the models know */
		h[40] = (uint8_t)((dir ? 0x80 : 0) | (lcg(seed) & 0x63)), h[41] = (uint8_t)(lcg(seed) % 12);
	*out_len = dir ? 0 : usbip_be32(h + 24);
}

/* 300 sessions of random commands (some OUT data cut short): each may end
 * its connection, none the server, and none leaves the device imported. */
static void test_random_sessions(void **state)
{
	struct bed *b = *state;
	uint32_t seed = 20261205, devid, out_len;
	uint8_t h[USBIP_HEADER_LEN], data[4096];

	memset(data, 0x5a, sizeof(data));
	for (int session = 0; session < 300; session++) {
		int fd = import_ok(b, "1-3", &devid), n = 1 + (int)(lcg(&seed) % 6);

		for (int i = 0; i < n; i++) {
			random_command(&seed, devid, h, &out_len);
			if (send(fd, h, sizeof(h), MSG_NOSIGNAL) != (ssize_t)sizeof(h))
				break;
			if (out_len && send(fd, data, out_len < sizeof(data) ? out_len : sizeof(data), MSG_NOSIGNAL) < 0)
				break;
		}
		close(fd);
		wait_released(b);
	}
	close(import_ok(b, "1-3", &devid)); /* and it still serves */
	wait_released(b);
}

static void test_listen_refusals(void **state)
{
	struct bed *b = *state;
	struct devdrv_usbip_options o = { .size = sizeof(o), .listen = "0.0.0.0:0" };
	struct devdrv_usbip_server *srv = NULL;

	assert_int_equal(devdrv_usbip_server_new(b->ctx, &o, &srv), DEVDRV_E_INVALID);
	assert_non_null(strstr(devdrv_context_errmsg(b->ctx), "--allow-remote"));
	assert_null(srv);
	o.listen = "127.0.0.1:port";
	assert_int_equal(devdrv_usbip_server_new(b->ctx, &o, &srv), DEVDRV_E_INVALID);
	o.listen = "::1:3240"; /* IPv6 needs brackets */
	assert_int_equal(devdrv_usbip_server_new(b->ctx, &o, &srv), DEVDRV_E_INVALID);
	o.listen = "127.0.0.1:0";
	o.selector = "bogus=1";
	assert_int_equal(devdrv_usbip_server_new(b->ctx, &o, &srv), DEVDRV_E_INVALID);
	o.selector = NULL;
	o.listen = "0.0.0.0:0";
	o.flags = DEVDRV_USBIP_ALLOW_REMOTE;
	assert_int_equal(devdrv_usbip_server_new(b->ctx, &o, &srv), 0);
	devdrv_usbip_server_free(srv);
	/* the port in use */
	{
		char addr[32];

		snprintf(addr, sizeof(addr), "127.0.0.1:%d", devdrv_usbip_server_port(b->srv));
		o.listen = addr;
		o.flags = 0;
		assert_int_equal(devdrv_usbip_server_new(b->ctx, &o, &srv), DEVDRV_E_BUSY);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devlist),
		cmocka_unit_test(test_selector_limits_the_exports),
		cmocka_unit_test(test_control_and_bulk_through_import),
		cmocka_unit_test(test_set_interface_makes_endpoints),
		cmocka_unit_test(test_unlink),
		cmocka_unit_test(test_one_client_per_device),
		cmocka_unit_test(test_unplug_under_pending_urb),
		cmocka_unit_test(test_unplug_while_idle_ends_the_connection),
		cmocka_unit_test(test_hostile_clients_end_only_their_connection),
		cmocka_unit_test(test_random_sessions),
		cmocka_unit_test(test_listen_refusals),
	};

	return cmocka_run_group_tests(tests, bed_setup, bed_teardown);
}
