/* bench-stack.c — what the driver stack costs. Bulk IN from gadget zero's
 * source, with QUEUE transfers of 64 KiB always in flight, in five ways:
 *
 *   raw       libusb's async API directly (the best a user could do)
 *   devdrv    devdrv_transfer_submit with callbacks, no filter
 *   empty     the same through a pass-through lower filter that implements
 *             nothing (the cost of the mechanism itself)
 *   stats     through the built-in stats filter
 *   trace     through the built-in trace filter, writing a pcap to /tmp
 *   stream    the continuous reader (devdrv/stream.h), same depth and size
 *   raw-sync  libusb_bulk_transfer in a loop (one transfer at a time)
 *
 * Each round runs every variant once, the order rotated by one between
 * rounds; each prints MB/s and its ratio to raw in the same round, then
 * min / median / max over the rounds.
 *   usage: bench-stack VID:PID [MIB_PER_RUN [ROUNDS]] */
#include <devdrv/devdrv.h>
#include <devdrv/driver.h>
#include <devdrv/filter.h>
#include <devdrv/stream.h>
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define XFER 65536
#define QUEUE 4
#define VARIANTS 7
#define MAX_ROUNDS 32
#define TRACE_FILE "/tmp/bench-stack.pcap"

static const char *const names[VARIANTS] = { "raw", "devdrv", "empty", "stats", "trace", "stream", "raw-sync" };
static uint16_t vid, pid;
static uint64_t bytes_per_run;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- raw libusb ----------------------------------------------------------------- */

struct raw_run {
	uint64_t submitted, done;
	int in_flight, failed;
};

static void LIBUSB_CALL raw_done(struct libusb_transfer *x)
{
	struct raw_run *r = x->user_data;

	r->in_flight--;
	if (x->status != LIBUSB_TRANSFER_COMPLETED) {
		r->failed = 1;
		return;
	}
	r->done += (uint64_t)x->actual_length;
	if (r->submitted < bytes_per_run && libusb_submit_transfer(x) == 0) {
		r->submitted += XFER;
		r->in_flight++;
	}
}

static uint8_t first_bulk_in(libusb_device_handle *h)
{
	struct libusb_config_descriptor *cfg;
	uint8_t ep = 0;

	if (libusb_get_active_config_descriptor(libusb_get_device(h), &cfg) < 0)
		return 0;
	for (int i = 0; i < cfg->interface[0].altsetting[0].bNumEndpoints && !ep; i++) {
		const struct libusb_endpoint_descriptor *e = &cfg->interface[0].altsetting[0].endpoint[i];

		if ((e->bEndpointAddress & 0x80) && (e->bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_BULK)
			ep = e->bEndpointAddress;
	}
	libusb_free_config_descriptor(cfg);
	return ep;
}

static double raw(void)
{
	static unsigned char bufs[QUEUE][XFER];
	struct libusb_transfer *x[QUEUE];
	struct raw_run r = { 0 };
	libusb_context *ctx;
	libusb_device_handle *h;
	double t0, secs = -1;
	uint8_t ep;

	if (libusb_init(&ctx) < 0)
		return -1;
	if (!(h = libusb_open_device_with_vid_pid(ctx, vid, pid)) || libusb_claim_interface(h, 0) < 0 ||
	    !(ep = first_bulk_in(h)))
		goto out;
	t0 = now_s();
	for (int i = 0; i < QUEUE; i++) {
		x[i] = libusb_alloc_transfer(0);
		libusb_fill_bulk_transfer(x[i], h, ep, bufs[i], XFER, raw_done, &r, 5000);
		if (libusb_submit_transfer(x[i]) == 0)
			r.submitted += XFER, r.in_flight++;
	}
	while (r.in_flight)
		libusb_handle_events(ctx);
	if (!r.failed)
		secs = now_s() - t0;
	for (int i = 0; i < QUEUE; i++)
		libusb_free_transfer(x[i]);
	libusb_release_interface(h, 0);
out:
	if (h)
		libusb_close(h);
	libusb_exit(ctx);
	return secs;
}

/* ---- devdrv ------------------------------------------------------------------------ */

struct dd_run {
	uint64_t submitted, done;
	int in_flight, failed;
};

static void dd_done(struct devdrv_transfer *t)
{
	struct dd_run *r = t->user_data;

	r->in_flight--;
	if (t->status < 0) {
		r->failed = 1;
		return;
	}
	r->done += t->actual_length;
	if (r->submitted < bytes_per_run && devdrv_transfer_submit(t) == 0) {
		r->submitted += XFER;
		r->in_flight++;
	}
}

static const struct devdrv_filter_ops empty_filter = {
	.api_version = DEVDRV_FILTER_API_VERSION,
	.name = "bench-empty",
	.description = "passes everything through",
	.position = DEVDRV_FILTER_LOWER,
};

static double devdrv(const char *filters)
{
	static unsigned char bufs[QUEUE][XFER];
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_USB, .filters = filters };
	struct devdrv_transfer *t[QUEUE] = { 0 };
	struct dd_run r = { 0 };
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	char sel[16];
	double t0, secs = -1;

	snprintf(sel, sizeof(sel), "%04x:%04x", vid, pid);
	if (devdrv_context_new(&o, &ctx) < 0) {
		fprintf(stderr, "bench-stack: %s\n", devdrv_context_errmsg(NULL));
		return -1;
	}
	if (devdrv_open(ctx, sel, &h) < 0) {
		fprintf(stderr, "bench-stack: %s\n", devdrv_context_errmsg(ctx));
		devdrv_context_free(ctx);
		return -1;
	}
	t0 = now_s();
	for (int i = 0; i < QUEUE; i++) {
		t[i] = devdrv_transfer_alloc();
		*t[i] = (struct devdrv_transfer){ .handle = h, .type = DEVDRV_TRANSFER_BULK,
			                          .endpoint = devdrv_handle_pipes(h)->in, .buffer = bufs[i],
			                          .length = XFER, .timeout_ms = 5000, .callback = dd_done,
			                          .user_data = &r };
		if (devdrv_transfer_submit(t[i]) == 0)
			r.submitted += XFER, r.in_flight++;
	}
	while (r.in_flight)
		devdrv_handle_events(ctx, 1000);
	if (!r.failed)
		secs = now_s() - t0;
	for (int i = 0; i < QUEUE; i++)
		devdrv_transfer_free(t[i]);
	devdrv_close(h);
	devdrv_context_free(ctx);
	unlink(TRACE_FILE);
	return secs;
}

static int count_bytes(struct devdrv_stream *s, const uint8_t *data, size_t len, void *user)
{
	(void)s, (void)data, (void)len, (void)user;
	return devdrv_stream_bytes(s) >= bytes_per_run;
}

static double stream(void)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_USB };
	struct devdrv_stream_options so = { .size = sizeof(so), .transfers = QUEUE, .transfer_size = XFER };
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	struct devdrv_stream *s;
	char sel[16];
	double t0, secs = -1;

	snprintf(sel, sizeof(sel), "%04x:%04x", vid, pid);
	if (devdrv_context_new(&o, &ctx) < 0)
		return -1;
	if (devdrv_open(ctx, sel, &h) < 0) {
		devdrv_context_free(ctx);
		return -1;
	}
	t0 = now_s();
	if (devdrv_stream_start(h, &so, count_bytes, NULL, &s) == 0 && devdrv_stream_wait(s, 0) == 0)
		secs = now_s() - t0;
	devdrv_stream_free(s);
	devdrv_close(h);
	devdrv_context_free(ctx);
	return secs;
}

static double raw_sync(void)
{
	static unsigned char buf[XFER];
	libusb_context *ctx;
	libusb_device_handle *h;
	double t0, secs = -1;
	uint64_t done = 0;
	uint8_t ep;

	if (libusb_init(&ctx) < 0)
		return -1;
	if ((h = libusb_open_device_with_vid_pid(ctx, vid, pid)) && libusb_claim_interface(h, 0) == 0 &&
	    (ep = first_bulk_in(h))) {
		int n, rc = 0;

		t0 = now_s();
		while (done < bytes_per_run && (rc = libusb_bulk_transfer(h, ep, buf, XFER, &n, 5000)) == 0)
			done += (uint64_t)n;
		if (rc == 0)
			secs = now_s() - t0;
		libusb_release_interface(h, 0);
	}
	if (h)
		libusb_close(h);
	libusb_exit(ctx);
	return secs;
}

static double run(int variant)
{
	switch (variant) {
	case 0: return raw();
	case 1: return devdrv(NULL);
	case 2: return devdrv("bench-empty");
	case 3: return devdrv("stats");
	case 4: return devdrv("trace:" TRACE_FILE);
	case 5: return stream();
	default: return raw_sync();
	}
}

/* ---- figures -------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void spread(const double *v, int n, double *min, double *median, double *max)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	*min = s[0];
	*max = s[n - 1];
	*median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	unsigned v, p;
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	double mbs[VARIANTS][MAX_ROUNDS], ratio[VARIANTS][MAX_ROUNDS];

	if (argc < 2 || sscanf(argv[1], "%x:%x", &v, &p) != 2 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: bench-stack VID:PID [MIB_PER_RUN [ROUNDS (1-%d)]]\n", MAX_ROUNDS);
		return 2;
	}
	vid = (uint16_t)v, pid = (uint16_t)p;
	bytes_per_run = (uint64_t)(argc > 2 ? atoi(argv[2]) : 64) << 20;
	if (devdrv_filter_register(&empty_filter) < 0)
		return 1;
	printf("bulk IN, %d x 64 KiB in flight, %llu MiB a run, %d rounds, order rotated\n", QUEUE,
	       (unsigned long long)(bytes_per_run >> 20), rounds);
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < VARIANTS; k++) {
			int variant = (k + r) % VARIANTS;
			double secs = run(variant);

			if (secs <= 0) {
				fprintf(stderr, "bench-stack: %s failed in round %d\n", names[variant], r + 1);
				return 1;
			}
			mbs[variant][r] = (double)bytes_per_run / secs / 1e6;
		}
		for (int k = 0; k < VARIANTS; k++)
			ratio[k][r] = mbs[k][r] / mbs[0][r];
		printf("round %d:", r + 1);
		for (int k = 0; k < VARIANTS; k++)
			printf(" %s %.1f", names[k], mbs[k][r]);
		printf(" MB/s\n");
	}
	printf("%-22s %8s %8s %8s\n", "MB/s", "min", "median", "max");
	for (int k = 0; k < VARIANTS; k++) {
		double lo, mid, hi;

		spread(mbs[k], rounds, &lo, &mid, &hi);
		printf("%-22s %8.1f %8.1f %8.1f\n", names[k], lo, mid, hi);
	}
	for (int k = 1; k < VARIANTS; k++) {
		double lo, mid, hi;
		char label[32];

		spread(ratio[k], rounds, &lo, &mid, &hi);
		snprintf(label, sizeof(label), "ratio %s/raw", names[k]);
		printf("%-22s %8.3f %8.3f %8.3f\n", label, lo, mid, hi);
	}
	return 0;
}
