/* cdc-ecm.c — USB CDC Ethernet Control Model network adapters (USB CDC ECM
 * subclass specification 1.2): the communication interface (class 02,
 * subclass 06) with its Ethernet networking functional descriptor (the MAC
 * address's string, wMaxSegmentSize) and its notification pipe; the data
 * interface's alternate setting with a bulk pair carries one Ethernet frame
 * per transfer. */
#include "builtin.h"
#include "cdc.h"
#include "../internal.h"

#include <devdrv/net.h>

#include <stdatomic.h>
#include <string.h>

#define ECM_SET_PACKET_FILTER 0x43
#define ECM_FILTER_ALL_MULTICAST 0x02
#define ECM_FILTER_DIRECTED 0x04
#define ECM_FILTER_BROADCAST 0x08
#define NOTIFY_NETWORK_CONNECTION 0x00
#define NOTIFY_SPEED_CHANGE 0x2a
#define CLASS_OUT 0x21
#define ECM_CONTROL_MS 1000

struct ecm {
	int comm, data, data_alt;
	uint8_t mac[6];
	uint16_t max_segment;
	uint16_t out_max_packet;
	struct devdrv_transfer *notify;
	uint8_t notify_buf[64];
	pthread_mutex_t lock; /* the notification pipe's state against close */
	int closing, notify_running;
	_Atomic int link;
	_Atomic uint64_t speed_down, speed_up;
	_Atomic uint64_t rx_frames, tx_frames, rx_errors, tx_errors;
};

static const struct devdrv_match ecm_match[] = {
	{ .flags = DEVDRV_MATCH_INT_CLASS | DEVDRV_MATCH_INT_SUBCLASS, .int_class = 0x02, .int_subclass = 0x06 },
	{ 0 },
};

/* The data interface's alternate setting with a bulk IN and OUT, or -1. */
static int data_alt_with_pipes(const struct devdrv_config_info *cfg, int data)
{
	for (int alt = 0; alt < 8; alt++) {
		const struct devdrv_interface_info *intf = devdrv_find_interface_alt(cfg, data, alt);

		if (intf && devdrv_find_endpoint(intf, 1, 1u << 2) && devdrv_find_endpoint(intf, 0, 1u << 2))
			return alt;
	}
	return -1;
}

static int ecm_probe(const struct devdrv_device_info *info, const struct devdrv_match *m, int *iface)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(info);
	const struct devdrv_interface_info *comm = devdrv_find_interface(cfg, *iface);
	const uint8_t *u;

	(void)m;
	if (!comm || !(u = cdc_functional(comm, CDC_UNION, 5)) || !cdc_functional(comm, CDC_ETHERNET, 13))
		return DEVDRV_E_NO_DRIVER;
	return data_alt_with_pipes(cfg, u[4]) < 0 ? DEVDRV_E_NO_DRIVER : 0;
}

/* iMACAddress: a string of 12 hex digits (ECM 5.4). */
static int read_mac(struct devdrv_handle *h, struct ecm *e, uint8_t index)
{
	uint8_t s[2 + 2 * 12 + 64];
	int n = devdrv_usb_control(h, 0x80, 6 /* GET_DESCRIPTOR */, (uint16_t)(0x0300 | index), 0x0409, s, sizeof(s),
	                           ECM_CONTROL_MS);

	if (n < 0)
		return n;
	if (n < 2 + 2 * 12 || s[0] < 2 + 2 * 12 || s[1] != 3)
		return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "ecm: the MAC address string %u is %d bytes, not 12 digits",
		                          index, n);
	for (int i = 0; i < 12; i++) {
		uint8_t c = s[2 + 2 * i], v;

		if (s[3 + 2 * i] || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "ecm: the MAC address string has '%c' at %d", c, i);
		v = (uint8_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
		e->mac[i / 2] = (uint8_t)(i % 2 ? e->mac[i / 2] | v : v << 4);
	}
	return 0;
}

/* NETWORK_CONNECTION and CONNECTION_SPEED_CHANGE (CDC 6.3): an 8-byte
 * header, then the speed change's 8 bytes of data. */
static void notified(struct ecm *e, const uint8_t *n, size_t len)
{
	if (len < 8 || n[0] != 0xa1)
		return;
	if (n[1] == NOTIFY_NETWORK_CONNECTION)
		atomic_store(&e->link, (n[2] | n[3] << 8) != 0);
	else if (n[1] == NOTIFY_SPEED_CHANGE && len >= 16) {
		atomic_store(&e->speed_down, (uint64_t)n[8] | (uint64_t)n[9] << 8 | (uint64_t)n[10] << 16 |
		                                 (uint64_t)n[11] << 24);
		atomic_store(&e->speed_up, (uint64_t)n[12] | (uint64_t)n[13] << 8 | (uint64_t)n[14] << 16 |
		                               (uint64_t)n[15] << 24);
	}
}

static void notify_done(struct devdrv_transfer *t)
{
	struct devdrv_handle *h = t->user_data;
	struct ecm *e = devdrv_handle_priv(h);
	int again;

	if (t->status == 0)
		notified(e, t->buffer, t->actual_length);
	pthread_mutex_lock(&e->lock);
	again = !e->closing && (t->status == 0 || t->status == DEVDRV_E_OVERFLOW) && devdrv_transfer_submit(t) == 0;
	if (!again)
		e->notify_running = 0;
	pthread_mutex_unlock(&e->lock);
}

static int start_notifications(struct devdrv_handle *h, struct ecm *e, const struct devdrv_interface_info *comm)
{
	const struct devdrv_endpoint_info *ep = devdrv_find_endpoint(comm, 1, 1u << 3);

	if (!ep) /* notifications are optional: no link state then */
		return 0;
	if (!(e->notify = devdrv_transfer_alloc()))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "ecm: out of memory");
	*e->notify = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_INTERRUPT, .endpoint = ep->address,
		                               .buffer = e->notify_buf, .length = sizeof(e->notify_buf),
		                               .callback = notify_done, .user_data = h };
	e->notify_running = devdrv_transfer_submit(e->notify) == 0;
	return 0;
}

static int ecm_open(struct devdrv_handle *h)
{
	struct ecm *e = devdrv_handle_priv(h);
	const struct devdrv_config_info *cfg = devdrv_active_config(devdrv_handle_info(h));
	const struct devdrv_interface_info *comm = devdrv_find_interface(cfg, devdrv_handle_interface(h));
	const uint8_t *u = cdc_functional(comm, CDC_UNION, 5), *eth = cdc_functional(comm, CDC_ETHERNET, 13);
	int rc;

	pthread_mutex_init(&e->lock, NULL);
	atomic_store(&e->link, -1);
	e->comm = comm->number;
	e->data = u[4];
	e->data_alt = data_alt_with_pipes(cfg, e->data);
	e->max_segment = (uint16_t)(eth[8] | eth[9] << 8);
	if ((rc = devdrv_usb_claim_interface(h, e->comm)) < 0 || (rc = devdrv_usb_claim_interface(h, e->data)) < 0 ||
	    (rc = devdrv_usb_set_alt_setting(h, e->data, e->data_alt)) < 0 ||
	    (rc = devdrv_handle_use_interface_pipes(h, e->data)) < 0 || (rc = read_mac(h, e, eth[3])) < 0)
		return rc;
	e->out_max_packet = devdrv_handle_pipes(h)->out_max_packet;
	rc = devdrv_usb_control(h, CLASS_OUT, ECM_SET_PACKET_FILTER,
	                        ECM_FILTER_DIRECTED | ECM_FILTER_BROADCAST | ECM_FILTER_ALL_MULTICAST, (uint16_t)e->comm,
	                        NULL, 0, ECM_CONTROL_MS);
	if (rc < 0 && rc != DEVDRV_E_PIPE) /* a device may not implement it (ECM 6.2.4 is optional) */
		return rc;
	return start_notifications(h, e, comm);
}

static void ecm_close(struct devdrv_handle *h)
{
	struct ecm *e = devdrv_handle_priv(h);
	int running;

	pthread_mutex_lock(&e->lock);
	e->closing = 1;
	running = e->notify_running;
	if (running)
		devdrv_transfer_cancel(e->notify);
	pthread_mutex_unlock(&e->lock);
	if (running)
		devdrv_transfer_wait(e->notify);
	devdrv_transfer_free(e->notify);
	pthread_mutex_destroy(&e->lock);
}

static ssize_t ecm_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms)
{
	struct ecm *e = devdrv_handle_priv(h);
	ssize_t n = devdrv_default_read(h, buf, len, timeout_ms);

	if (n > 0)
		atomic_fetch_add(&e->rx_frames, 1);
	else if (n < 0 && n != DEVDRV_E_TIMEOUT)
		atomic_fetch_add(&e->rx_errors, 1);
	return n;
}

/* One frame a transfer; a frame of whole packets ends with a zero-length
 * packet, or the device would wait for more (ECM 3.3.1). */
static ssize_t ecm_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms)
{
	struct ecm *e = devdrv_handle_priv(h);
	ssize_t n;

	if (len > DEVDRV_NET_MAX_FRAME || len < 14)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "ecm: a frame of %zu bytes (14 to %d)", len,
		                          DEVDRV_NET_MAX_FRAME);
	n = devdrv_default_write(h, buf, len, timeout_ms);
	if (n == (ssize_t)len && e->out_max_packet && len % e->out_max_packet == 0 &&
	    devdrv_default_write(h, buf, 0, timeout_ms) < 0)
		n = DEVDRV_E_IO;
	atomic_fetch_add(n == (ssize_t)len ? &e->tx_frames : &e->tx_errors, 1);
	return n;
}

static int ecm_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size)
{
	struct ecm *e = devdrv_handle_priv(h);
	struct devdrv_net_info *info = arg;

	if (request != DEVDRV_IOC_NET_INFO)
		return DEVDRV_E_UNSUPPORTED;
	if (!info || arg_size != sizeof(*info))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "net info takes a struct devdrv_net_info");
	memcpy(info->mac, e->mac, sizeof(info->mac));
	info->link = atomic_load(&e->link);
	info->speed_down = atomic_load(&e->speed_down);
	info->speed_up = atomic_load(&e->speed_up);
	info->max_segment = e->max_segment;
	info->rx_frames = atomic_load(&e->rx_frames);
	info->tx_frames = atomic_load(&e->tx_frames);
	info->rx_errors = atomic_load(&e->rx_errors);
	info->tx_errors = atomic_load(&e->tx_errors);
	return 0;
}

static const struct devdrv_driver ecm_driver = {
	.api_version = DEVDRV_DRIVER_API_VERSION,
	.name = "cdc-ecm",
	.description = "USB CDC Ethernet (ECM) network adapters",
	.cls = DEVDRV_CLASS_NET,
	.match = ecm_match,
	.priv_size = sizeof(struct ecm),
	.probe = ecm_probe,
	.open = ecm_open,
	.close = ecm_close,
	.read = ecm_read,
	.write = ecm_write,
	.ioctl = ecm_ioctl,
};
DD_DRIVER_REGISTER(ecm_driver);
