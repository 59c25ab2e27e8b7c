/* tap.c — the network bridge: a net-class handle behind a TAP interface.
 * Frames read from the interface go to the adapter, frames from the adapter
 * to the interface; the interface's carrier follows the adapter's link.
 *
 * The interface offers the kernel checksum and TCP/IPv4 segmentation
 * offload (IFF_VNET_HDR, TUNSETOFFLOAD): TCP sends us packets of up to
 * 64 KiB, which gso.c cuts into the adapter's frames, one read(2) for what
 * took one a frame. The other way, the adapter's TCP segments are joined
 * into such packets (gro.c) while the adapter has more at once. */
#include "bridge.h"
#include "gro.h"
#include "gso.h"

#include <devdrv/net.h>
#include <devdrv/tap.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define TAP_READ_SLICE_MS 5
#define TAP_DEVICE_MS 1000
#define TAP_MAX_PACKET (DD_VNET_HDR_LEN + 65536 + 64) /* a header and a 64 KiB TSO packet */
#define TAP_OFFLOADS (TUN_F_CSUM | TUN_F_TSO4)

struct devdrv_tap {
	struct devdrv_handle *h;
	int fd;
	int link; /* what the carrier was last set to: -1 not yet */
	char name[IFNAMSIZ];
	unsigned long packets_cut, frames_cut; /* TSO packets and the frames made of them */
	int no_pending;                        /* the driver cannot say whether frames wait */
	struct dd_gro gro;
	uint8_t rx[DEVDRV_NET_MAX_FRAME + 64];
	uint8_t tx[TAP_MAX_PACKET];
	uint8_t segment[DEVDRV_NET_MAX_FRAME];
};

static int fail_errno(struct devdrv_tap *t, const char *what)
{
	int err = errno;
	int code = err == EPERM || err == EACCES ? DEVDRV_E_ACCESS : err == EBUSY ? DEVDRV_E_BUSY : DEVDRV_E_IO;

	return devdrv_handle_fail(t->h, code, "tap: %s: %s%s", what, strerror(err),
	                          code == DEVDRV_E_ACCESS ? " (CAP_NET_ADMIN is needed)" : "");
}

/* The MAC address and IFF_UP, through an ordinary socket's ioctls. */
static int configure(struct devdrv_tap *t, const uint8_t mac[6])
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (s < 0)
		return fail_errno(t, "socket");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", t->name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0)
		rc = fail_errno(t, "setting the MAC address");
	if (!rc && ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		rc = fail_errno(t, "reading the flags");
	ifr.ifr_flags |= IFF_UP;
	if (!rc && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		rc = fail_errno(t, "bringing it up");
	close(s);
	return rc;
}

/* Checksums and TSO to us; without them (an old kernel) the kernel does
 * both and the header says so. */
static void offer_offloads(struct devdrv_tap *t)
{
	int hdr_len = DD_VNET_HDR_LEN;

	if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdr_len) < 0 || ioctl(t->fd, TUNSETOFFLOAD, (unsigned long)TAP_OFFLOADS) < 0)
		devdrv_info(t->h, "tap %s: no checksum and TSO offload: %s", t->name, strerror(errno));
}

int devdrv_tap_open(struct devdrv_handle *h, const char *name, struct devdrv_tap **out)
{
	struct devdrv_net_info info;
	struct devdrv_tap *t;
	struct ifreq ifr;
	int rc;

	if (!h || !out)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "tap: NULL argument");
	*out = NULL;
	if ((rc = devdrv_net_info(h, &info)) < 0)
		return rc;
	if (name && strlen(name) >= IFNAMSIZ)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "tap: '%s' is longer than an interface name", name);
	if (!(t = calloc(1, sizeof(*t))))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "tap: out of memory");
	t->h = h;
	t->link = -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name && *name ? name : "devdrv%d");
	if ((t->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK)) < 0 || ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		rc = fail_errno(t, t->fd < 0 ? "/dev/net/tun" : "TUNSETIFF");
		devdrv_tap_close(t);
		return rc;
	}
	snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	offer_offloads(t);
	if ((rc = configure(t, info.mac)) < 0) {
		devdrv_tap_close(t);
		return rc;
	}
	*out = t;
	return 0;
}

const char *devdrv_tap_name(const struct devdrv_tap *t)
{
	return t ? t->name : NULL;
}

/* One frame to the adapter. A frame it did not take ends the packet it was
 * cut from (the rest would only wait in turn, a second each); a lost frame
 * is the network's business, and only the adapter leaving stops the bridge. */
static int to_adapter(void *arg, const uint8_t *frame, size_t len)
{
	struct devdrv_tap *t = arg;
	ssize_t w;

	if (len < 14)
		return 0; /* not a frame the adapter can send */
	w = devdrv_write(t->h, frame, len, TAP_DEVICE_MS);
	return w < 0 ? (int)w : 0;
}

static int from_interface(void *arg)
{
	struct devdrv_tap *t = arg;
	ssize_t n = read(t->fd, t->tx, sizeof(t->tx));
	struct dd_vnet_hdr vh;
	int frames;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0
		                                         : devdrv_handle_fail(t->h, DEVDRV_E_IO, "tap: read: %s", strerror(errno));
	if (n < DD_VNET_HDR_LEN)
		return 0;
	dd_vnet_hdr_parse(t->tx, &vh);
	frames = dd_gso_frames(&vh, t->tx + DD_VNET_HDR_LEN, (size_t)n - DD_VNET_HDR_LEN, DEVDRV_NET_MAX_FRAME,
	                       t->segment, to_adapter, t);
	if (frames == DEVDRV_E_DISCONNECTED)
		return frames;
	if (frames <= 0)
		return 0; /* a packet refused or not taken is dropped, as a card drops what it cannot send */
	if (vh.gso_type != 0) {
		t->packets_cut++;
		t->frames_cut += (unsigned long)frames;
	}
	return frames; /* counted against the bridge's burst */
}

/* A frame, or segments joined, with the header that says which. */
static int write_packet(void *arg, const uint8_t hdr[DD_VNET_HDR_LEN], const uint8_t *pkt, size_t len)
{
	struct devdrv_tap *t = arg;
	struct iovec iov[2] = { { (void *)hdr, DD_VNET_HDR_LEN }, { (void *)pkt, len } };

	if (writev(t->fd, iov, 2) < 0 && errno != EAGAIN && errno != EINTR)
		return devdrv_handle_fail(t->h, DEVDRV_E_IO, "tap: write: %s", strerror(errno));
	return 0;
}

static int to_interface(void *arg, const uint8_t *data, size_t len)
{
	struct devdrv_tap *t = arg;

	return dd_gro_add(&t->gro, data, len, write_packet, t);
}

static int flush_interface(void *arg)
{
	struct devdrv_tap *t = arg;

	return dd_gro_flush(&t->gro, write_packet, t);
}

/* More frames from the adapter at once? A driver that cannot say: no, and
 * nothing is held back. */
static int adapter_pending(void *arg)
{
	struct devdrv_tap *t = arg;
	int pending = 0;

	if (t->no_pending)
		return 0;
	if (devdrv_ioctl(t->h, DD_IOC_NET_RX_PENDING, &pending, sizeof(pending)) == DEVDRV_E_UNSUPPORTED)
		t->no_pending = 1;
	return pending;
}

/* The carrier follows the adapter's link notifications. */
static void follow_link(void *arg)
{
	struct devdrv_tap *t = arg;
	struct devdrv_net_info info;
	int on;

	if (devdrv_net_info(t->h, &info) < 0 || info.link < 0 || info.link == t->link)
		return;
	on = info.link;
	if (ioctl(t->fd, TUNSETCARRIER, &on) == 0) {
		devdrv_info(t->h, "tap %s: link %s", t->name, on ? "up" : "down");
		t->link = on;
	}
}

int devdrv_tap_run(struct devdrv_tap *t, int stop_fd)
{
	struct dd_bridge_loop l;

	if (!t)
		return DEVDRV_E_INVALID;
	t->gro.len = 0; /* what a run before ended with holding is not sent late */
	l = (struct dd_bridge_loop){ .h = t->h, .os_fd = t->fd, .from_os = from_interface, .to_os = to_interface,
		                     .arg = t, .buf = t->rx, .len = sizeof(t->rx), .slice_ms = TAP_READ_SLICE_MS,
		                     .overflow_is_data_lost = 1, .each_pass = follow_link,
		                     .device_pending = adapter_pending, .flush_os = flush_interface };
	return dd_bridge_run(&l, stop_fd);
}

void devdrv_tap_close(struct devdrv_tap *t)
{
	if (!t)
		return;
	if (t->packets_cut)
		devdrv_info(t->h, "tap %s: %lu TSO packets from the kernel cut into %lu frames", t->name, t->packets_cut,
		            t->frames_cut);
	if (t->gro.packets_joined)
		devdrv_info(t->h, "tap %s: %lu packets to the kernel joined from %lu frames", t->name,
		            t->gro.packets_joined, t->gro.frames_joined);
	if (t->fd >= 0)
		close(t->fd); /* a TAP that is not persistent goes with its descriptor */
	free(t);
}
