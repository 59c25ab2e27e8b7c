/* test-usbip-client.c — the usbip transport (a USB/IP client in the
 * library) against our USB/IP server exporting the virtual bus, and
 * against a hostile server written here. The cases every transport passes
 * (tests/common/) run through it; the listing describes each exported
 * device as the server's own context does; a device imported by another
 * client is busy; a server that goes away ends pending reads with
 * DEVDRV_E_DISCONNECTED; an unreachable server and a malformed address get
 * messages that say so; a server that lies about counts, busids or lengths
 * is refused without a crash. Linux's usbipd as the server is the QEMU
 * scenario usbip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <devdrv/devdrv.h>
#include <devdrv/usbip.h>
#include <devdrv/virtual.h>

#include "transport-cases.h"
#include "usbip/proto.h"

/* ---- a server exporting a virtual bus, and a client context on it ---------------------- */

struct server {
	struct devdrv_context *ctx;
	struct devdrv_usbip_server *srv;
	pthread_t thread;
	char address[32];
};

static void *serve(void *arg)
{
	struct server *s = arg;

	assert_int_equal(devdrv_usbip_server_run(s->srv), 0);
	return NULL;
}

static void server_start(struct server *s)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };
	struct devdrv_usbip_options so = { .size = sizeof(so), .listen = "127.0.0.1:0" };

	memset(s, 0, sizeof(*s));
	assert_int_equal(devdrv_context_new(&o, &s->ctx), 0);
	assert_int_equal(devdrv_virtual_plug(s->ctx, "ft232r", "1-3"), 0);
	assert_int_equal(devdrv_usbip_server_new(s->ctx, &so, &s->srv), 0);
	snprintf(s->address, sizeof(s->address), "127.0.0.1:%d", devdrv_usbip_server_port(s->srv));
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	if (!s->srv)
		return;
	devdrv_usbip_server_stop(s->srv);
	pthread_join(s->thread, NULL);
	devdrv_usbip_server_free(s->srv);
	devdrv_context_free(s->ctx);
	s->srv = NULL;
}

static struct devdrv_context *client_for(const char *address)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_USBIP };
	struct devdrv_context *ctx;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_usbip_use_server(ctx, address), 0);
	return ctx;
}

/* ---- the shared transport cases ------------------------------------------------------- */

struct usbip_bed {
	struct transport_bed bed;
	struct server server;
};

static void unplug_exported_loopback(struct transport_bed *b)
{
	struct usbip_bed *u = (struct usbip_bed *)b;

	assert_int_equal(devdrv_virtual_unplug(u->server.ctx, "1-1"), 0);
}

static struct transport_bed *make_usbip_bed(void)
{
	static struct usbip_bed u;

	server_start(&u.server);
	u.bed = (struct transport_bed){ .loopback = "1-1", .unplug_loopback = unplug_exported_loopback };
	u.bed.ctx = client_for(u.server.address);
	return &u.bed;
}

static void drop_usbip_bed(struct transport_bed *b)
{
	struct usbip_bed *u = (struct usbip_bed *)b;

	devdrv_context_free(b->ctx);
	server_stop(&u->server);
}

static void test_transport_cases(void **state)
{
	(void)state;
	run_transport_cases(make_usbip_bed, drop_usbip_bed);
}

/* ---- what the listing says ------------------------------------------------------------- */

static const struct devdrv_device_info *find_port(const struct devdrv_device_info **list, const char *port)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i]->port_path, port))
			return list[i];
	return NULL;
}

static void assert_same_string(const char *a, const char *b)
{
	assert_true((a == NULL) == (b == NULL));
	if (a)
		assert_string_equal(a, b);
}

static void assert_same_config(const struct devdrv_config_info *a, const struct devdrv_config_info *b)
{
	assert_int_equal(a->value, b->value);
	assert_int_equal(a->num_interfaces, b->num_interfaces);
	for (unsigned i = 0; i < a->num_interfaces; i++) {
		const struct devdrv_interface_info *x = &a->interfaces[i], *y = &b->interfaces[i];

		assert_int_equal(x->number, y->number);
		assert_int_equal(x->alt_setting, y->alt_setting);
		assert_int_equal(x->cls, y->cls);
		assert_int_equal(x->num_endpoints, y->num_endpoints);
		for (unsigned e = 0; e < x->num_endpoints; e++) {
			assert_int_equal(x->endpoints[e].address, y->endpoints[e].address);
			assert_int_equal(x->endpoints[e].attributes, y->endpoints[e].attributes);
			assert_int_equal(x->endpoints[e].max_packet, y->endpoints[e].max_packet);
		}
	}
}

/* Every device the server's context has is listed by the client with the
 * same identity, strings, descriptors and driver, as remote. */
static void test_listing_describes_the_exports(void **state)
{
	const struct devdrv_device_info **local, **remote;
	struct devdrv_context *client;
	struct server s;
	ssize_t nl, nr;

	(void)state;
	server_start(&s);
	client = client_for(s.address);
	nl = devdrv_get_device_list(s.ctx, &local);
	nr = devdrv_get_device_list(client, &remote);
	assert_int_equal(nl, 3);
	assert_int_equal(nr, nl);
	for (ssize_t i = 0; i < nl; i++) {
		const struct devdrv_device_info *l = local[i], *r = find_port(remote, l->port_path);

		assert_non_null(r);
		assert_string_equal(r->transport, "usbip");
		assert_int_equal(r->remote, 1);
		assert_int_equal(r->vid, l->vid);
		assert_int_equal(r->pid, l->pid);
		assert_int_equal(r->bus, l->bus);
		assert_int_equal(r->address, l->address);
		assert_int_equal(r->speed, l->speed);
		assert_int_equal(r->max_packet0, l->max_packet0);
		assert_int_equal(r->active_config, l->active_config);
		assert_same_string(r->manufacturer, l->manufacturer);
		assert_same_string(r->product, l->product);
		assert_same_string(r->serial, l->serial);
		assert_int_equal(r->num_configs, l->num_configs);
		assert_same_config(devdrv_active_config(r), devdrv_active_config(l));
		assert_same_string(r->driver, l->driver);
	}
	devdrv_free_device_list(remote);
	devdrv_free_device_list(local);
	devdrv_context_free(client);
	server_stop(&s);
}

/* The serial class works through it: the FT232R model's rate answer comes
 * back, as its vendor requests went over the wire. */
static void test_serial_driver_over_usbip(void **state)
{
	struct devdrv_context *client;
	struct devdrv_handle *h;
	struct server s;
	char buf[16] = { 0 };
	ssize_t n;

	(void)state;
	server_start(&s);
	client = client_for(s.address);
	assert_int_equal(devdrv_open(client, "0403:6001", &h), 0);
	assert_int_equal(devdrv_write(h, "echo", 4, 1000), 4);
	n = devdrv_read(h, buf, sizeof(buf), 1000);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "echo", 4);
	devdrv_close(h);
	devdrv_context_free(client);
	server_stop(&s);
}

/* One importer at a time: the second client is told who has it. */
static void test_imported_device_is_busy(void **state)
{
	const struct devdrv_device_info **list;
	struct devdrv_context *a, *b;
	struct devdrv_handle *h, *h2 = NULL;
	struct server s;

	(void)state;
	server_start(&s);
	a = client_for(s.address);
	b = client_for(s.address);
	/* b has the descriptors already: its open goes straight to the import */
	assert_int_equal(devdrv_get_device_list(b, &list), 3);
	devdrv_free_device_list(list);
	assert_int_equal(devdrv_open(a, "1-1", &h), 0);
	assert_int_equal(devdrv_open(b, "1-1", &h2), DEVDRV_E_BUSY);
	assert_non_null(strstr(devdrv_context_errmsg(b), "another client"));
	devdrv_close(h);
	/* given back: the other client gets it at once, though the server
	 * frees it only as the connection closes, a moment later (the library
	 * waits that moment out) */
	assert_int_equal(devdrv_open(b, "1-1", &h2), 0);
	devdrv_close(h2);
	devdrv_context_free(a);
	devdrv_context_free(b);
	server_stop(&s);
}

/* The server stops under a blocked read: DISCONNECTED, not a hang. */
static void test_server_gone_under_a_read(void **state)
{
	struct transport_blocked_read r;
	struct transport_bed bed = { .loopback = "1-1" };
	struct server s;
	double stopped;

	(void)state;
	server_start(&s);
	bed.ctx = client_for(s.address);
	transport_start_blocked_read(&bed, &r);
	usleep(200000);
	stopped = transport_now();
	server_stop(&s);
	transport_join_blocked_read(&r);
	assert_int_equal(r.result, DEVDRV_E_DISCONNECTED);
	assert_true(r.returned_at - stopped < 2.0);
	devdrv_close(r.h);
	devdrv_context_free(bed.ctx);
}

static void test_unreachable_and_malformed_servers(void **state)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_USBIP };
	const struct devdrv_device_info **list;
	struct devdrv_context *ctx;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	char address[32];

	(void)state;
	/* a port nobody listens on: bound, never listened */
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(address, sizeof(address), "127.0.0.1:%d", ntohs(sa.sin_port));
	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_get_device_list(ctx, &list), 0); /* no server named: no devices */
	devdrv_free_device_list(list);
	assert_int_equal(devdrv_usbip_use_server(ctx, address), 0);
	assert_int_equal(devdrv_get_device_list(ctx, &list), DEVDRV_E_IO);
	assert_non_null(strstr(devdrv_context_errmsg(ctx), "cannot reach"));
	assert_int_equal(devdrv_usbip_use_server(ctx, "::1"), DEVDRV_E_INVALID);
	assert_non_null(strstr(devdrv_context_errmsg(ctx), "brackets"));
	assert_int_equal(devdrv_usbip_use_server(ctx, "host:"), DEVDRV_E_INVALID);
	devdrv_context_free(ctx);
	close(fd);
}

/* ---- a hostile server ------------------------------------------------------------------ */

struct liar {
	int listener, port;
	const uint8_t *reply; /* sent after the op header of any request */
	size_t reply_len;
	pthread_t thread;
};

/* Answers one connection: reads the request's 8 bytes, sends the lie. */
static void *lie(void *arg)
{
	struct liar *l = arg;
	uint8_t req[8];
	int fd = accept(l->listener, NULL, NULL);

	if (fd < 0)
		return NULL;
	if (recv(fd, req, sizeof(req), MSG_WAITALL) == sizeof(req))
		(void)!send(fd, l->reply, l->reply_len, MSG_NOSIGNAL);
	usleep(100000);
	close(fd);
	return NULL;
}

static void liar_start(struct liar *l, const uint8_t *reply, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);

	l->listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(l->listener, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l->listener, 4), 0);
	assert_int_equal(getsockname(l->listener, (struct sockaddr *)&sa, &sl), 0);
	l->port = ntohs(sa.sin_port);
	l->reply = reply, l->reply_len = len;
	assert_int_equal(pthread_create(&l->thread, NULL, lie, l), 0);
}

static void liar_stop(struct liar *l)
{
	pthread_join(l->thread, NULL);
	close(l->listener);
}

/* A device-list reply: header, count, then one device record whose busid
 * field is @busid (32 bytes as given). */
static size_t devlist_reply(uint8_t *b, uint32_t count, const uint8_t busid[USBIP_BUSID_LEN], uint32_t busnum)
{
	uint8_t *dev = b + 12;

	memset(b, 0, 12 + USBIP_DEVICE_LEN);
	usbip_put_op(b, USBIP_OP_REP_DEVLIST, 0);
	usbip_put_be32(b + 8, count);
	memcpy(dev + USBIP_PATH_LEN, busid, USBIP_BUSID_LEN);
	usbip_put_be32(dev + USBIP_PATH_LEN + USBIP_BUSID_LEN, busnum);
	return 12 + USBIP_DEVICE_LEN;
}

static void expect_refused_listing(const uint8_t *reply, size_t len, const char *why)
{
	const struct devdrv_device_info **list;
	struct devdrv_context *ctx;
	struct liar l;
	char address[32];

	liar_start(&l, reply, len);
	snprintf(address, sizeof(address), "127.0.0.1:%d", l.port);
	ctx = client_for(address);
	assert_int_equal(devdrv_get_device_list(ctx, &list), DEVDRV_E_PROTOCOL);
	assert_non_null(strstr(devdrv_context_errmsg(ctx), why));
	devdrv_context_free(ctx);
	liar_stop(&l);
}

static void test_lying_server_is_refused(void **state)
{
	uint8_t reply[12 + USBIP_DEVICE_LEN], busid[USBIP_BUSID_LEN], wrong[8];
	size_t len;

	(void)state;
	memset(busid, 0, sizeof(busid));
	memcpy(busid, "1-1", 3);
	len = devlist_reply(reply, 100000, busid, 1); /* a count it cannot have */
	expect_refused_listing(reply, len, "lists 100000 devices");
	memset(busid, 'A', sizeof(busid)); /* a busid without its end */
	len = devlist_reply(reply, 1, busid, 1);
	expect_refused_listing(reply, len, "malformed device list");
	memcpy(busid, "1-1\0", 4);
	len = devlist_reply(reply, 1, busid, 300); /* a bus number over 255 */
	expect_refused_listing(reply, len, "malformed device list");
	usbip_put_op(wrong, USBIP_OP_REP_IMPORT, 0); /* the answer to another question */
	expect_refused_listing(wrong, sizeof(wrong), "answered operation");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transport_cases),
		cmocka_unit_test(test_listing_describes_the_exports),
		cmocka_unit_test(test_serial_driver_over_usbip),
		cmocka_unit_test(test_imported_device_is_busy),
		cmocka_unit_test(test_server_gone_under_a_read),
		cmocka_unit_test(test_unreachable_and_malformed_servers),
		cmocka_unit_test(test_lying_server_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
