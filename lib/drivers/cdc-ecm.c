/* cdc-ecm.c — USB CDC network adapters: the Ethernet Control Model (USB CDC
 * ECM 1.2) and the Network Control Model (USB CDC NCM 1.0). Both have a
 * communication interface (class 02; subclass 06 ECM, 0d NCM) with an
 * Ethernet networking functional descriptor (the MAC address's string,
 * wMaxSegmentSize) and a notification pipe, and a data interface whose
 * alternate setting with a bulk pair carries the data: one Ethernet frame
 * per transfer for ECM, NCM Transfer Blocks of several frames for NCM
 * (ncm-ntb.c reads and builds them). */
#include "builtin.h"
#include "cdc.h"
#include "cdc-notify.h"
#include "ncm-ntb.h"
#include "pipe-queue.h"
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
#define CLASS_IN 0xa1
#define ECM_CONTROL_MS 1000
#define NCM_GET_NTB_PARAMETERS 0x80
#define NCM_SET_NTB_FORMAT 0x84
#define NCM_SET_NTB_INPUT_SIZE 0x86
#define NCM_NTB_PARAMETERS_LEN 28
#define NCM_FORMAT_16 0x0001 /* bmNtbFormatsSupported */
#define NCM_FORMAT_32 0x0002
#define NCM_RX_MIN 2048       /* NCM 6.2.1: the least dwNtbInMaxSize a device may say */
#define NCM_RX_MAX 32768      /* what we ask for when a device offers more */
#define NCM_TX_MAX 16384      /* an NTB we send, at most (the device's dwNtbOutMaxSize may be less) */
#define NCM_TX_DATAGRAMS 32   /* frames in one NTB we send, at most */
/* Frames written while this many NTBs are in flight wait together in the
 * next NTB, sent as soon as one of those completes: no frame waits for a
 * timer, and a busy pipe carries several frames a transfer. */
#define NCM_TX_BUSY 2
#define NCM_MAX_DATAGRAMS 128 /* read from one NTB; more are counted as errors */
/* Transfers in flight each way. Reading, the device sends only while an IN
 * transfer is posted: enough of them absorb a burst while the reader is
 * busy (Linux's usbnet keeps tens). Writing, a frame goes without waiting
 * for the one before. A transfer is a whole frame for ECM (2048: a
 * multiple of every bulk packet size, so a full packet never overflows
 * it), an NTB for NCM. */
#define ECM_RX_TRANSFERS 32
#define NCM_RX_TRANSFERS 8
#define ECM_TX_TRANSFERS 32
#define NCM_TX_TRANSFERS 8
#define ECM_TRANSFER_SIZE 2048
#define NET_CLOSE_FLUSH_MS 500 /* what was written still goes out, this long at most */

struct ecm {
	int comm, data, data_alt;
	uint8_t mac[6];
	uint16_t max_segment;
	uint16_t out_max_packet;
	struct devdrv_transfer *notify;
	uint8_t notify_buf[CDC_NOTIFY_MAX]; /* one packet of the notification pipe */
	struct cdc_notify_buf notifications; /* put back together across packets */
	struct dd_inq *rx;
	struct dd_outq *tx;
	pthread_mutex_t lock; /* the notification pipe's state against close */
	int closing, notify_running;
	_Atomic int link;
	_Atomic uint64_t speed_down, speed_up;
	_Atomic uint64_t rx_frames, tx_frames, rx_errors, tx_errors;
};

/* An NCM handle: the ECM state first (the shared code takes a struct ecm),
 * then the NTBs: the one being read out, and the one being sent. */
struct ncm {
	struct ecm e;
	struct ncm_out_params out;
	struct ncm_ntb_writer tx;   /* the NTB being filled: held by the OUT queue until the pipe has room */
	int tx_open;                /* tx has frames and may still be held */
	unsigned tx_datagrams;      /* room in an NTB we send, with a whole frame still fitting */
	unsigned out_max_datagrams; /* the device's limit a NTB (wNtbOutMaxDatagrams), 0 none */
	uint16_t sequence;
	size_t rx_size;
	const uint8_t *ntb; /* the NTB being read out, held from the IN queue */
	struct ncm_datagram datagrams[NCM_MAX_DATAGRAMS];
	size_t count, next; /* datagrams of that NTB, and the next to return */
};

static const struct devdrv_match ecm_match[] = {
	{ .flags = DEVDRV_MATCH_INT_CLASS | DEVDRV_MATCH_INT_SUBCLASS, .int_class = 0x02, .int_subclass = 0x06 },
	{ 0 },
};

static const struct devdrv_match ncm_match[] = {
	{ .flags = DEVDRV_MATCH_INT_CLASS | DEVDRV_MATCH_INT_SUBCLASS, .int_class = 0x02, .int_subclass = 0x0d },
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
static void notified(void *arg, const uint8_t *n, size_t len)
{
	struct ecm *e = arg;

	if (n[1] == NOTIFY_NETWORK_CONNECTION)
		atomic_store(&e->link, dd_get_le16(n + 2) != 0);
	else if (n[1] == NOTIFY_SPEED_CHANGE && len >= 16) {
		atomic_store(&e->speed_down, dd_get_le32(n + 8));
		atomic_store(&e->speed_up, dd_get_le32(n + 12));
	}
}

static void notify_done(struct devdrv_transfer *t)
{
	struct devdrv_handle *h = t->user_data;
	struct ecm *e = devdrv_handle_priv(h);
	int again;

	if (t->status == 0)
		cdc_notify_feed(&e->notifications, t->buffer, t->actual_length, notified, e);
	pthread_mutex_lock(&e->lock);
	again = !e->closing && (t->status == 0 || t->status == DEVDRV_E_OVERFLOW) && devdrv_transfer_submit(t) == 0;
	if (!again)
		e->notify_running = 0;
	pthread_mutex_unlock(&e->lock);
}

static int start_notifications(struct devdrv_handle *h, struct ecm *e, const struct devdrv_interface_info *comm)
{
	const struct devdrv_endpoint_info *ep = devdrv_find_endpoint(comm, 1, 1u << 3);
	size_t packet;

	if (!ep) /* notifications are optional: no link state then */
		return 0;
	/* a packet a transfer, as Linux's usbnet does: a notification that
	 * fills its last packet must not wait for the next one to complete */
	packet = ep->max_packet & 0x7ff;
	packet = packet < CDC_NOTIFY_HEADER ? CDC_NOTIFY_HEADER : packet > CDC_NOTIFY_MAX ? CDC_NOTIFY_MAX : packet;
	if (!(e->notify = devdrv_transfer_alloc()))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "ecm: out of memory");
	*e->notify = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_INTERRUPT, .endpoint = ep->address,
		                               .buffer = e->notify_buf, .length = (int)packet,
		                               .callback = notify_done, .user_data = h };
	e->notify_running = devdrv_transfer_submit(e->notify) == 0;
	return 0;
}

/* Claim both interfaces; for NCM, @before_data then talks to the function
 * while its data interface is idle (NTB parameters may change only then). */
static int claim_interfaces(struct devdrv_handle *h, struct ecm *e, int (*before_data)(struct devdrv_handle *h))
{
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
	if ((rc = devdrv_usb_claim_interface(h, e->comm)) < 0 || (rc = devdrv_usb_claim_interface(h, e->data)) < 0)
		return rc;
	if (before_data && ((rc = devdrv_usb_set_alt_setting(h, e->data, 0)) < 0 || (rc = before_data(h)) < 0))
		return rc;
	if ((rc = devdrv_usb_set_alt_setting(h, e->data, e->data_alt)) < 0 ||
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

/* The transfers kept in flight on the data interface's bulk pair. */
static int start_queues(struct devdrv_handle *h, struct ecm *e, unsigned rx_count, size_t rx_size, unsigned tx_count,
                        size_t tx_size)
{
	const struct devdrv_pipes *p = devdrv_handle_pipes(h);
	int rc = dd_inq_start(h, p->in, rx_count, rx_size, &e->rx);

	return rc < 0 ? rc : dd_outq_start(h, p->out, tx_count, tx_size, &e->tx);
}

static void ecm_close(struct devdrv_handle *h);

static int ecm_open(struct devdrv_handle *h)
{
	struct ecm *e = devdrv_handle_priv(h);
	int rc = claim_interfaces(h, e, NULL);

	if (rc == 0)
		rc = start_queues(h, e, ECM_RX_TRANSFERS, ECM_TRANSFER_SIZE, ECM_TX_TRANSFERS, ECM_TRANSFER_SIZE);
	if (rc < 0) /* the framework closes only what opened */
		ecm_close(h);
	return rc;
}

static void ecm_close(struct devdrv_handle *h)
{
	struct ecm *e = devdrv_handle_priv(h);
	int running;

	dd_outq_free(e->tx, NET_CLOSE_FLUSH_MS);
	dd_inq_free(e->rx);
	e->tx = NULL;
	e->rx = NULL;

	pthread_mutex_lock(&e->lock);
	e->closing = 1;
	running = e->notify_running;
	if (running)
		devdrv_transfer_cancel(e->notify);
	pthread_mutex_unlock(&e->lock);
	if (running)
		devdrv_transfer_wait(e->notify); /* its callback included */
	devdrv_transfer_free(e->notify);
	pthread_mutex_destroy(&e->lock);
}

/* One frame a transfer. */
static ssize_t ecm_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms)
{
	struct ecm *e = devdrv_handle_priv(h);
	const uint8_t *frame;
	ssize_t n = dd_inq_next(e->rx, timeout_ms, &frame);

	if (n > 0 && (size_t)n > len)
		n = devdrv_handle_fail(h, DEVDRV_E_OVERFLOW, "ecm: a frame of %zd bytes for a buffer of %zu", n, len);
	else if (n > 0)
		memcpy(buf, frame, (size_t)n);
	if (n > 0 || n == DEVDRV_E_OVERFLOW)
		dd_inq_release(e->rx);
	if (n > 0)
		atomic_fetch_add(&e->rx_frames, 1);
	else if (n < 0 && n != DEVDRV_E_TIMEOUT)
		atomic_fetch_add(&e->rx_errors, 1);
	return n;
}

/* One frame a transfer. A frame of whole packets would need a zero-length
 * packet to end it (ECM 3.3.1), which is a second transfer that could fail
 * after the frame went; a byte of padding ends it with a short packet
 * instead, as Linux's usbnet does (the receiver's Ethernet layer ignores
 * what follows the IP datagram). */
static ssize_t ecm_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms)
{
	struct ecm *e = devdrv_handle_priv(h);
	size_t size = len;
	uint8_t *b;
	int rc;

	if (len > DEVDRV_NET_MAX_FRAME || len < 14)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "ecm: a frame of %zu bytes (14 to %d)", len,
		                          DEVDRV_NET_MAX_FRAME);
	if ((rc = dd_outq_buffer(e->tx, timeout_ms, &b)) == 0) {
		memcpy(b, buf, len);
		if (e->out_max_packet > 1 && len % e->out_max_packet == 0)
			b[size++] = 0;
		rc = dd_outq_send(e->tx, size);
	}
	atomic_fetch_add(rc == 0 ? &e->tx_frames : &e->tx_errors, 1);
	return rc < 0 ? rc : (ssize_t)len;
}

/* *arg for DD_IOC_NET_RX_PENDING. */
static int set_pending(struct devdrv_handle *h, void *arg, size_t arg_size, int pending)
{
	if (!arg || arg_size != sizeof(int))
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "rx pending takes an int");
	*(int *)arg = pending;
	return 0;
}

static int ecm_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size)
{
	struct ecm *e = devdrv_handle_priv(h);
	struct devdrv_net_info *info = arg;

	if (request == DD_IOC_NET_RX_PENDING)
		return set_pending(h, arg, arg_size, dd_inq_ready(e->rx));
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
	info->rx_errors = atomic_load(&e->rx_errors) + dd_inq_dropped(e->rx);
	info->tx_errors = atomic_load(&e->tx_errors) + dd_outq_failed(e->tx);
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

/* ---- NCM ---------------------------------------------------------------- */

/* NCM 6.2.3: the largest NTB the device may send us; 4 bytes, dwNtbInMaxSize. */
static int set_input_size(struct devdrv_handle *h, struct ncm *n, uint32_t size)
{
	uint8_t v[4];
	int rc;

	dd_put_le32(v, size);
	rc = devdrv_usb_control(h, CLASS_OUT, NCM_SET_NTB_INPUT_SIZE, 0, (uint16_t)n->e.comm, v, sizeof(v),
	                        ECM_CONTROL_MS);
	if (rc < 0)
		return devdrv_handle_fail(h, rc, "ncm: the device offers NTBs of up to %u bytes and refused %u (%s)",
		                          (unsigned)n->rx_size, (unsigned)size, devdrv_strerror(rc));
	n->rx_size = size;
	return 0;
}

/* GET_NTB_PARAMETERS (NCM 6.2.1): the NTB sizes and layout the device takes
 * and sends. 16-bit NTBs are what we send and ask for (every device must
 * take them); we read both. */
static int ntb_parameters(struct devdrv_handle *h)
{
	struct ncm *n = devdrv_handle_priv(h);
	uint8_t p[NCM_NTB_PARAMETERS_LEN];
	uint32_t formats, in_max;
	int got = devdrv_usb_control(h, CLASS_IN, NCM_GET_NTB_PARAMETERS, 0, (uint16_t)n->e.comm, p, sizeof(p),
	                             ECM_CONTROL_MS);

	if (got < 0)
		return got;
	if (got < NCM_NTB_PARAMETERS_LEN)
		return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "ncm: GET_NTB_PARAMETERS answered %d bytes, not %d", got,
		                          NCM_NTB_PARAMETERS_LEN);
	formats = dd_get_le16(p + 2);
	if (!(formats & NCM_FORMAT_16))
		return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "ncm: the device says it takes no 16-bit NTBs "
		                          "(bmNtbFormatsSupported 0x%04x)", (unsigned)formats);
	in_max = dd_get_le32(p + 4);
	n->out = (struct ncm_out_params){ .max_size = dd_get_le32(p + 16), .divisor = (uint16_t)dd_get_le16(p + 20),
		                          .remainder = (uint16_t)dd_get_le16(p + 22), .alignment = (uint16_t)dd_get_le16(p + 24) };
	n->out_max_datagrams = dd_get_le16(p + 26); /* wNtbOutMaxDatagrams: 0 no limit */
	/* NTB16 is the format after the data interface's reset; say so to a
	 * device that also knows NTB32, as Linux's cdc_ncm does */
	if ((formats & NCM_FORMAT_32) &&
	    (got = devdrv_usb_control(h, CLASS_OUT, NCM_SET_NTB_FORMAT, 0, (uint16_t)n->e.comm, NULL, 0,
	                              ECM_CONTROL_MS)) < 0 && got != DEVDRV_E_PIPE)
		return got;
	n->rx_size = in_max < NCM_RX_MIN ? NCM_RX_MIN : in_max;
	return in_max > NCM_RX_MAX ? set_input_size(h, n, NCM_RX_MAX) : 0;
}

static int ncm_open(struct devdrv_handle *h)
{
	struct ncm *n = devdrv_handle_priv(h);
	int rc = claim_interfaces(h, &n->e, ntb_parameters);

	if (rc == 0)
		rc = start_queues(h, &n->e, NCM_RX_TRANSFERS, n->rx_size, NCM_TX_TRANSFERS, NCM_TX_MAX);
	if (rc < 0) {
		ecm_close(h);
		return rc;
	}
	n->out.max_packet = n->e.out_max_packet;
	/* a device with small NTBs gets fewer frames in each; 0 (not even one
	 * whole frame fits) leaves writes to say so */
	n->tx_datagrams = ncm_ntb_room_for(NCM_TX_MAX, 0, DEVDRV_NET_MAX_FRAME,
	                                   n->out_max_datagrams && n->out_max_datagrams < NCM_TX_DATAGRAMS
	                                           ? n->out_max_datagrams
	                                           : NCM_TX_DATAGRAMS,
	                                   &n->out);
	devdrv_dbg(h, "ncm: NTBs in up to %zu bytes, out up to %u (datagrams at %u mod %u, NDPs aligned to %u)",
	           n->rx_size, (unsigned)n->out.max_size, n->out.remainder, n->out.divisor, n->out.alignment);
	return 0;
}

/* Receive the next NTB and find its datagrams; the one read out before
 * goes back to the IN queue. An NTB that cannot be read is dropped whole
 * and counted; the call then returns 0 (no frame). */
static ssize_t next_ntb(struct devdrv_handle *h, struct ncm *n, unsigned timeout_ms)
{
	struct ncm_parsed res;
	const char *why;
	ssize_t got;

	if (n->ntb)
		dd_inq_release(n->e.rx);
	n->ntb = NULL;
	n->count = n->next = 0;
	got = dd_inq_next(n->e.rx, timeout_ms, &n->ntb);
	if (got < 0 && got != DEVDRV_E_TIMEOUT)
		atomic_fetch_add(&n->e.rx_errors, 1);
	if (got <= 0)
		return got;
	if (ncm_ntb_parse(n->ntb, (size_t)got, DEVDRV_NET_MAX_FRAME, n->datagrams, NCM_MAX_DATAGRAMS, &res, &why) < 0) {
		atomic_fetch_add(&n->e.rx_errors, 1);
		devdrv_warn(h, "ncm: dropped an NTB of %zd bytes: %s", got, why);
		return 0;
	}
	atomic_fetch_add(&n->e.rx_errors, res.dropped);
	n->count = res.count;
	return (ssize_t)res.count;
}

/* One frame a call, from the NTB read last until it is used up. */
static ssize_t ncm_read(struct devdrv_handle *h, void *buf, size_t len, unsigned timeout_ms)
{
	struct ncm *n = devdrv_handle_priv(h);
	const struct ncm_datagram *d;
	ssize_t got;

	if (n->next == n->count && (got = next_ntb(h, n, timeout_ms)) <= 0)
		return got;
	d = &n->datagrams[n->next++];
	if (d->length > len) {
		atomic_fetch_add(&n->e.rx_errors, 1);
		return devdrv_handle_fail(h, DEVDRV_E_OVERFLOW, "ncm: a frame of %u bytes for a buffer of %zu",
		                          (unsigned)d->length, len);
	}
	memcpy(buf, n->ntb + d->offset, d->length);
	atomic_fetch_add(&n->e.rx_frames, 1);
	return d->length;
}

/* Frames left in the NTB read last count as waiting too. */
static int ncm_ioctl(struct devdrv_handle *h, unsigned request, void *arg, size_t arg_size)
{
	struct ncm *n = devdrv_handle_priv(h);

	if (request == DD_IOC_NET_RX_PENDING)
		return set_pending(h, arg, arg_size, n->next < n->count || dd_inq_ready(n->e.rx));
	return ecm_ioctl(h, request, arg, arg_size);
}

/* Add the frame to the NTB the OUT queue holds, if it still does and the
 * frame fits: 1 done, 0 not (a full NTB is sent as it is). */
static int add_to_held(struct ncm *n, const void *buf, size_t len)
{
	uint8_t *b;

	if (!n->tx_open || !dd_outq_take_held(n->e.tx, &b))
		return 0;
	if (ncm_ntb_add(&n->tx, buf, len) == 0)
		return 1;
	n->tx_open = 0;
	if (dd_outq_send(n->e.tx, n->tx.total) < 0) /* full: it goes as it is */
		atomic_fetch_add(&n->e.tx_errors, n->tx.count); /* its frames are lost */
	return 0;
}

/* Frames go into the NTB being filled while NCM_TX_BUSY NTBs are in flight,
 * else out at once in an NTB that may get company until it leaves. */
static ssize_t ncm_write(struct devdrv_handle *h, const void *buf, size_t len, unsigned timeout_ms)
{
	struct ncm *n = devdrv_handle_priv(h);
	uint8_t *b;
	int rc;

	if (len > DEVDRV_NET_MAX_FRAME || len < 14)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "ncm: a frame of %zu bytes (14 to %d)", len,
		                          DEVDRV_NET_MAX_FRAME);
	if (!add_to_held(n, buf, len)) {
		if ((rc = dd_outq_buffer(n->e.tx, timeout_ms, &b)) < 0) {
			atomic_fetch_add(&n->e.tx_errors, 1);
			return rc;
		}
		ncm_ntb_begin(&n->tx, b, NCM_TX_MAX, 0, n->sequence++, n->tx_datagrams, &n->out);
		if (ncm_ntb_add(&n->tx, buf, len) < 0) {
			dd_outq_unfill(n->e.tx);
			atomic_fetch_add(&n->e.tx_errors, 1);
			return devdrv_handle_fail(h, DEVDRV_E_PROTOCOL, "ncm: a frame of %zu bytes does not fit the device's "
			                          "NTBs (dwNtbOutMaxSize %u, datagrams at %u mod %u)", len,
			                          (unsigned)n->out.max_size, n->out.remainder, n->out.divisor);
		}
		n->tx_open = 1;
	}
	if ((rc = dd_outq_hold(n->e.tx, n->tx.total, NCM_TX_BUSY)) < 0) {
		atomic_fetch_add(&n->e.tx_errors, 1);
		return rc;
	}
	atomic_fetch_add(&n->e.tx_frames, 1);
	return (ssize_t)len;
}

static const struct devdrv_driver ncm_driver = {
	.api_version = DEVDRV_DRIVER_API_VERSION,
	.name = "cdc-ncm",
	.description = "USB CDC Network Control Model (NCM) network adapters",
	.cls = DEVDRV_CLASS_NET,
	.match = ncm_match,
	.priv_size = sizeof(struct ncm),
	.probe = ecm_probe,
	.open = ncm_open,
	.close = ecm_close,
	.read = ncm_read,
	.write = ncm_write,
	.ioctl = ncm_ioctl,
};
DD_DRIVER_REGISTER(ncm_driver);
