/* bench-gadget.c — throughput of the devdrv API against raw libusb on the
 * same device in the same run: synchronous 64 KiB bulk transfers IN (from a
 * source) and OUT (to a sink), best of three alternating rounds each.
 * usage: bench-gadget VID:PID [MIB [DATA_IFACE]]
 * DATA_IFACE: where the bulk pair is; raw libusb claims every interface up
 * to it (a CDC-ACM function: 1), devdrv uses its driver's read/write. */
#include <devdrv/devdrv.h>
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define XFER 65536
#define ROUNDS 3

static unsigned char buf[XFER];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* First bulk endpoint of interface @iface in direction @in. */
static int find_bulk(libusb_device_handle *h, int iface, int in)
{
	struct libusb_config_descriptor *cfg;
	const struct libusb_interface_descriptor *alt;
	int ep = -1;

	if (libusb_get_active_config_descriptor(libusb_get_device(h), &cfg) < 0)
		return -1;
	if (iface >= cfg->bNumInterfaces) {
		libusb_free_config_descriptor(cfg);
		return -1;
	}
	alt = &cfg->interface[iface].altsetting[0];
	for (int i = 0; i < alt->bNumEndpoints && ep < 0; i++)
		if ((alt->endpoint[i].bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_BULK &&
		    !!(alt->endpoint[i].bEndpointAddress & 0x80) == in)
			ep = alt->endpoint[i].bEndpointAddress;
	libusb_free_config_descriptor(cfg);
	return ep;
}

static int claim_up_to(libusb_device_handle *h, int last)
{
	libusb_set_auto_detach_kernel_driver(h, 1);
	for (int i = 0; i <= last; i++)
		if (libusb_claim_interface(h, i) < 0)
			return -1;
	return 0;
}

static double raw_run(unsigned vid, unsigned pid, int iface, int in, size_t total)
{
	libusb_context *ctx;
	libusb_device_handle *h;
	double t0, t = -1;
	size_t moved = 0;
	int ep, n;

	if (libusb_init(&ctx) < 0)
		return -1;
	h = libusb_open_device_with_vid_pid(ctx, (uint16_t)vid, (uint16_t)pid);
	if (h && claim_up_to(h, iface) == 0 && (ep = find_bulk(h, iface, in)) > 0) {
		t0 = now_s();
		while (moved < total && libusb_bulk_transfer(h, (unsigned char)ep, buf, XFER, &n, 5000) == 0)
			moved += (size_t)n;
		t = moved >= total ? now_s() - t0 : -1;
	}
	for (int i = 0; h && i <= iface; i++)
		libusb_release_interface(h, i);
	if (h)
		libusb_close(h);
	libusb_exit(ctx);
	return t;
}

static double devdrv_run(const char *sel, int in, size_t total)
{
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	double t0, t = -1;
	size_t moved = 0;
	ssize_t n = 0;

	if (devdrv_context_new(NULL, &ctx) < 0)
		return -1;
	if (devdrv_open(ctx, sel, &h) == 0) {
		t0 = now_s();
		while (moved < total && n >= 0) {
			n = in ? devdrv_read(h, buf, XFER, 5000) : devdrv_write(h, buf, XFER, 5000);
			moved += n > 0 ? (size_t)n : 0;
		}
		t = moved >= total ? now_s() - t0 : -1;
		devdrv_close(h);
	}
	devdrv_context_free(ctx);
	return t;
}

static double best(double a, double b)
{
	return a < 0 ? b : (b < 0 || a < b) ? a : b;
}

int main(int argc, char **argv)
{
	unsigned vid, pid;
	size_t total = (size_t)(argc > 2 ? atoi(argv[2]) : 16) << 20;
	int iface = argc > 3 ? atoi(argv[3]) : 0;
	int failed = 0;

	if (argc < 2 || sscanf(argv[1], "%4x:%4x", &vid, &pid) != 2 || !total) {
		fprintf(stderr, "usage: bench-gadget VID:PID [MIB [DATA_IFACE]]\n");
		return 2;
	}
	printf("%-10s %12s %12s %8s   (%zu MiB, %d KiB sync transfers, best of %d)\n", "direction",
	       "libusb MB/s", "devdrv MB/s", "ratio", total >> 20, XFER / 1024, ROUNDS);
	for (int in = 1; in >= 0; in--) {
		double raw = -1, dd = -1;

		for (int r = 0; r < ROUNDS; r++) { /* alternate so drift hits both alike */
			raw = best(raw, raw_run(vid, pid, iface, in, total));
			dd = best(dd, devdrv_run(argv[1], in, total));
		}
		if (raw <= 0 || dd <= 0) {
			printf("%-10s failed (libusb %.3f s, devdrv %.3f s)\n", in ? "IN" : "OUT", raw, dd);
			failed = 1;
			continue;
		}
		printf("%-10s %12.1f %12.1f %8.3f\n", in ? "IN source" : "OUT sink", total / raw / 1e6,
		       total / dd / 1e6, raw / dd);
	}
	return failed;
}
