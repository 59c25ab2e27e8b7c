/* bench-storage.c — reading a whole mass-storage unit four ways on the same
 * device in the same run:
 *   devdrv  devdrv_block_read(), 1 MiB a call, which the msc driver splits
 *           into READ(10) commands of 64 KiB (DEVDRV_BLOCK_MAX_TRANSFER);
 *   raw     the baseline: Bulk-Only by hand over libusb, one READ(10) of
 *           64 KiB (128 blocks of 512) per command, each a synchronous
 *           libusb_bulk_transfer() of the CBW (31 bytes), the data and the
 *           CSW (13 bytes, checked: signature, tag, status 0, residue 0);
 *   kernel  dd if=/dev/sdX of=/dev/null bs=64K iflag=direct on the kernel's
 *           usb-storage + sd block device;
 *   cli     devdrv storage PORT dump -o /dev/null.
 * Each round runs every mode once, the order rotated by one between rounds,
 * and every mode starts with the kernel's usb-storage bound and its block
 * device present (devdrv and raw detach it and re-attach it on close); the
 * clocks start once the device is open (devdrv, raw: after the claim and the
 * capacity) or just before the process starts (kernel, cli). Each mode runs
 * in a child process of its own (BENCH_IN_PROCESS=1: all in this one).
 * Prints MB/s (10^6 bytes a second) min/median/max of each mode and the
 * paired (same round) ratios devdrv/raw and devdrv/kernel.
 * usage: bench-storage PORT [ROUNDS]   (PORT: a port path, e.g. 2-1) */
#include <devdrv/block.h>
#include <devdrv/devdrv.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define XFER 65536u          /* bytes a READ(10), every mode */
#define CALL (1u << 20)      /* bytes a devdrv_block_read() call */
#define TIMEOUT_MS 5000
#define MAX_ROUNDS 32
#define SETTLE_MS 1000       /* after the block device appears: the kernel's scan ends */

enum { DEVDRV, RAW, KERNEL, CLI, MODES };
static const char *const mode_name[MODES] = { "devdrv", "raw", "kernel", "cli" };

static const char *port;
static int iface = -1;
static uint64_t device_bytes;
static unsigned char buf[CALL];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The guest's CPU time (/proc/stat, all CPUs, in USER_HZ ticks) over the
 * last measurement: under TCG the emulated CPU is what the modes share. */
struct cpu_ticks {
	unsigned long long user, sys, idle, total;
};
static struct cpu_ticks cpu_start, cpu_used;

static void read_cpu(struct cpu_ticks *c)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	memset(c, 0, sizeof(*c));
	if (f && fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
	                &v[5], &v[6], &v[7]) >= 4) {
		c->user = v[0] + v[1];
		c->sys = v[2] + v[5] + v[6]; /* system, irq, softirq */
		c->idle = v[3] + v[4];       /* idle, iowait */
		c->total = c->user + c->sys + c->idle + v[7];
	}
	if (f)
		fclose(f);
}

/* Start and stop a measurement: seconds, and the CPU in cpu_used. */
static double clock_start(void)
{
	read_cpu(&cpu_start);
	return now_s();
}

static double clock_stop(double t0)
{
	double t = now_s() - t0;
	struct cpu_ticks c;

	read_cpu(&c);
	cpu_used.user = c.user - cpu_start.user;
	cpu_used.sys = c.sys - cpu_start.sys;
	cpu_used.idle = c.idle - cpu_start.idle;
	cpu_used.total = c.total - cpu_start.total;
	return t;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- the kernel's side ---------------------------------------------------------- */

/* /dev/NAME of the kernel's disk on PORT's mass-storage interface, once it
 * is there (within 60 s) and has settled; 0, or -1. */
static int wait_disk(char *dev, size_t len)
{
	char pattern[256];

	snprintf(pattern, sizeof(pattern), "/sys/bus/usb/devices/%s:1.%d/host*/target*/*/block/*", port, iface);
	for (int tries = 0; tries < 600; tries++) {
		glob_t g;

		if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
			snprintf(dev, len, "/dev/%s", strrchr(g.gl_pathv[0], '/') + 1);
			globfree(&g);
			if (access(dev, R_OK) == 0) {
				sleep_ms(SETTLE_MS);
				return 0;
			}
			continue;
		}
		globfree(&g);
		sleep_ms(100);
	}
	return -1;
}

/* Run @argv with stdout and stderr to /dev/null, or stderr into @err; the
 * seconds from fork to exit, or -1 when it failed. */
static double run_timed(char *const argv[], char *err, size_t err_len)
{
	int pipefd[2], status;
	char scratch[256];
	double t0;
	pid_t pid;
	size_t got = 0;
	ssize_t n;

	if (pipe(pipefd) < 0)
		return -1;
	t0 = clock_start();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(err ? pipefd[1] : null, 2);
		close(pipefd[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (pid > 0 && (n = read(pipefd[0], err ? err + got : scratch, err ? err_len - 1 - got : sizeof(scratch))) > 0)
		got += err ? (size_t)n : 0;
	close(pipefd[0]);
	if (err)
		err[got] = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return clock_stop(t0);
}

static double kernel_run(void)
{
	char dev[64], in[80], err[512], want[48];
	char *argv[] = { "dd", in, "of=/dev/null", "bs=64K", "iflag=direct", NULL };
	double t;

	if (wait_disk(dev, sizeof(dev)) < 0)
		return -1;
	snprintf(in, sizeof(in), "if=%s", dev);
	t = run_timed(argv, err, sizeof(err));
	snprintf(want, sizeof(want), "%llu+0 records in", (unsigned long long)(device_bytes / XFER));
	if (t > 0 && !strstr(err, want)) {
		fprintf(stderr, "dd on %s: not \"%s\": %s\n", dev, want, err);
		return -1;
	}
	return t;
}

static double cli_run(void)
{
	char dev[64];
	char *argv[] = { "devdrv", "storage", (char *)port, "dump", "-o", "/dev/null", NULL };

	return wait_disk(dev, sizeof(dev)) < 0 ? -1 : run_timed(argv, NULL, 0);
}

/* ---- devdrv ------------------------------------------------------------------------ */

static double devdrv_run(void)
{
	struct devdrv_context *ctx;
	struct devdrv_handle *h = NULL;
	struct devdrv_block_info info;
	char dev[64];
	double t0, t = -1;

	if (wait_disk(dev, sizeof(dev)) < 0 || devdrv_context_new(NULL, &ctx) < 0)
		return -1;
	if (devdrv_block_open(ctx, port, &h) < 0) {
		fprintf(stderr, "devdrv_block_open %s: %s\n", port, devdrv_context_errmsg(ctx));
	} else if (devdrv_block_info(h, &info) < 0 || (uint64_t)info.blocks * info.block_size != device_bytes) {
		fprintf(stderr, "devdrv_block_info %s: %s\n", port, devdrv_errmsg(h));
	} else {
		size_t per_call = CALL / info.block_size;
		uint64_t lba = 0;
		int rc = 0;

		t0 = clock_start();
		while (lba < info.blocks && rc == 0) {
			size_t n = info.blocks - lba < per_call ? (size_t)(info.blocks - lba) : per_call;

			rc = devdrv_block_read(h, lba, n, buf, TIMEOUT_MS);
			lba += n;
		}
		if (rc == 0)
			t = clock_stop(t0);
		else
			fprintf(stderr, "devdrv_block_read: %s\n", devdrv_errmsg(h));
	}
	if (h)
		devdrv_close(h);
	devdrv_context_free(ctx);
	return t;
}

/* ---- raw Bulk-Only over libusb ----------------------------------------------------------- */

struct raw {
	libusb_device_handle *h;
	unsigned char in, out;
	uint32_t tag;
};

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8),
	p[3] = (unsigned char)v;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16),
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* One command: CBW, data IN of @len bytes, CSW; 0 or -1. */
static int bot_in(struct raw *r, const unsigned char *cdb, int cdb_len, unsigned char *data, uint32_t len)
{
	unsigned char cbw[31] = { 0 }, csw[13];
	int n;

	put_le32(cbw, 0x43425355); /* "USBC" */
	put_le32(cbw + 4, ++r->tag);
	put_le32(cbw + 8, len);
	cbw[12] = 0x80; /* data IN */
	cbw[14] = (unsigned char)cdb_len;
	memcpy(cbw + 15, cdb, (size_t)cdb_len);
	if (libusb_bulk_transfer(r->h, r->out, cbw, sizeof(cbw), &n, TIMEOUT_MS) < 0 || n != sizeof(cbw))
		return -1;
	if (libusb_bulk_transfer(r->h, r->in, data, (int)len, &n, TIMEOUT_MS) < 0 || (uint32_t)n != len)
		return -1;
	if (libusb_bulk_transfer(r->h, r->in, csw, sizeof(csw), &n, TIMEOUT_MS) < 0 || n != sizeof(csw))
		return -1;
	return le32(csw) == 0x53425355 && le32(csw + 4) == r->tag && le32(csw + 8) == 0 && csw[12] == 0 ? 0 : -1;
}

static libusb_device_handle *open_port(libusb_context *ctx)
{
	libusb_device **list;
	libusb_device_handle *h = NULL;
	ssize_t n = libusb_get_device_list(ctx, &list);

	for (ssize_t i = 0; i < n && !h; i++) {
		uint8_t ports[8];
		int np = libusb_get_port_numbers(list[i], ports, (int)sizeof(ports));
		char path[64];
		int at = snprintf(path, sizeof(path), "%u", libusb_get_bus_number(list[i]));

		for (int p = 0; p < np && at < (int)sizeof(path); p++)
			at += snprintf(path + at, sizeof(path) - (size_t)at, "%c%u", p ? '.' : '-', ports[p]);
		if (np > 0 && !strcmp(path, port) && libusb_open(list[i], &h) < 0)
			h = NULL;
	}
	if (n >= 0)
		libusb_free_device_list(list, 1);
	return h;
}

/* The Bulk-Only interface (08/06/50) of the active configuration and its
 * pipes; its number in @iface. */
static int find_bot(libusb_device_handle *h, struct raw *r)
{
	struct libusb_config_descriptor *cfg;

	iface = -1;
	if (libusb_get_active_config_descriptor(libusb_get_device(h), &cfg) < 0)
		return -1;
	for (int i = 0; i < cfg->bNumInterfaces && iface < 0; i++) {
		const struct libusb_interface_descriptor *alt = &cfg->interface[i].altsetting[0];

		if (alt->bInterfaceClass != 8 || alt->bInterfaceSubClass != 6 || alt->bInterfaceProtocol != 0x50)
			continue;
		for (int e = 0; e < alt->bNumEndpoints; e++) {
			const struct libusb_endpoint_descriptor *ep = &alt->endpoint[e];

			if ((ep->bmAttributes & 3) != LIBUSB_TRANSFER_TYPE_BULK)
				continue;
			if (ep->bEndpointAddress & 0x80)
				r->in = ep->bEndpointAddress;
			else
				r->out = ep->bEndpointAddress;
		}
		iface = alt->bInterfaceNumber;
	}
	libusb_free_config_descriptor(cfg);
	return iface >= 0 && r->in && r->out ? 0 : -1;
}

static double raw_run(void)
{
	libusb_context *ctx;
	struct raw r = { 0 };
	unsigned char cdb[10], cap[8];
	char dev[64];
	double t0, t = -1;

	if (wait_disk(dev, sizeof(dev)) < 0 || libusb_init(&ctx) < 0)
		return -1;
	if (!(r.h = open_port(ctx)) || find_bot(r.h, &r) < 0) {
		fprintf(stderr, "raw: no Bulk-Only interface at %s\n", port);
		goto out;
	}
	libusb_set_auto_detach_kernel_driver(r.h, 1);
	if (libusb_claim_interface(r.h, iface) < 0) {
		fprintf(stderr, "raw: cannot claim interface %d\n", iface);
		goto out;
	}
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x25; /* READ CAPACITY(10) */
	if (bot_in(&r, cdb, 10, cap, sizeof(cap)) < 0 || ((uint64_t)be32(cap) + 1) * be32(cap + 4) != device_bytes) {
		fprintf(stderr, "raw: READ CAPACITY failed or disagrees\n");
		goto release;
	}
	t0 = clock_start();
	for (uint64_t at = 0; at < device_bytes; at += XFER) {
		memset(cdb, 0, sizeof(cdb));
		cdb[0] = 0x28; /* READ(10) */
		put_be32(cdb + 2, (uint32_t)(at / 512));
		cdb[7] = (XFER / 512) >> 8;
		cdb[8] = (XFER / 512) & 0xff;
		if (bot_in(&r, cdb, 10, buf, XFER) < 0) {
			fprintf(stderr, "raw: READ(10) at byte %llu failed\n", (unsigned long long)at);
			goto release;
		}
	}
	t = clock_stop(t0);
release:
	libusb_release_interface(r.h, iface);
out:
	if (r.h)
		libusb_close(r.h);
	libusb_exit(ctx);
	return t;
}

/* ---- the rounds ---------------------------------------------------------------------- */

/* One measurement in a child process, so that no mode inherits another's
 * libusb or devdrv state; its seconds (or -1) and CPU come back in a pipe. */
static double isolated(double (*run)(void))
{
	struct {
		double t;
		struct cpu_ticks cpu;
	} res = { -1, { 0, 0, 0, 0 } };
	int fd[2], status;
	pid_t pid;

	if (getenv("BENCH_IN_PROCESS"))
		return run();
	if (pipe(fd) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		res.t = run();
		res.cpu = cpu_used;
		_exit(write(fd[1], &res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(fd[1]);
	if (pid < 0 || read(fd[0], &res, sizeof(res)) != (ssize_t)sizeof(res))
		res.t = -1;
	close(fd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	cpu_used = res.cpu;
	return res.t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void stats(const double *v, int n, double *min, double *median, double *max)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	*min = s[0];
	*max = s[n - 1];
	*median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* The unit's interface (libusb) and size (devdrv), untimed. */
static int probe(void)
{
	struct devdrv_context *ctx;
	struct devdrv_handle *h = NULL;
	struct devdrv_block_info info;
	libusb_context *uctx;
	struct raw r = { 0 };
	int rc = -1;

	if (libusb_init(&uctx) < 0)
		return -1;
	if (!(r.h = open_port(uctx)) || find_bot(r.h, &r) < 0)
		fprintf(stderr, "bench-storage: no Bulk-Only interface at %s\n", port);
	if (r.h)
		libusb_close(r.h);
	libusb_exit(uctx);
	if (iface < 0 || devdrv_context_new(NULL, &ctx) < 0)
		return -1;
	if (devdrv_block_open(ctx, port, &h) == 0 && devdrv_block_info(h, &info) == 0 && info.blocks) {
		device_bytes = info.blocks * info.block_size;
		rc = device_bytes % XFER || info.block_size != 512 ? -1 : 0;
	} else {
		fprintf(stderr, "bench-storage: %s: %s\n", port, h ? devdrv_errmsg(h) : devdrv_context_errmsg(ctx));
	}
	devdrv_close(h);
	devdrv_context_free(ctx);
	return rc;
}

int main(int argc, char **argv)
{
	double (*const run[MODES])(void) = { devdrv_run, raw_run, kernel_run, cli_run };
	double mbs[MODES][MAX_ROUNDS], ratio_raw[MAX_ROUNDS], ratio_kernel[MAX_ROUNDS];
	double user[MODES][MAX_ROUNDS], sys[MODES][MAX_ROUNDS], idle[MODES][MAX_ROUNDS], busy_us[MODES][MAX_ROUNDS];
	double commands;
	int rounds = argc > 2 ? atoi(argv[2]) : 8;

	if (argc < 2 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: bench-storage PORT [ROUNDS (1-%d)]\n", MAX_ROUNDS);
		return 2;
	}
	port = argv[1];
	if (probe() < 0) {
		fprintf(stderr, "bench-storage: %s is no 512-byte-block unit of whole 64 KiB\n", port);
		return 1;
	}
	commands = (double)(device_bytes / XFER);
	printf("mass storage %s (interface %d): %llu bytes (%.1f MiB) a read of the whole unit, %d rounds, "
	       "order rotated\n", port, iface, (unsigned long long)device_bytes, device_bytes / 1048576.0, rounds);
	printf("  devdrv: devdrv_block_read %u KiB a call = READ(10) commands of %u KiB (CBW, data, CSW)\n",
	       CALL / 1024, XFER / 1024);
	printf("  raw:    READ(10) of %u KiB by hand, synchronous libusb_bulk_transfer (CBW, data, CSW)\n",
	       XFER / 1024);
	printf("  kernel: dd if=/dev/sdX of=/dev/null bs=64K iflag=direct\n");
	printf("  cli:    devdrv storage %s dump -o /dev/null\n", port);
	printf("round  order                        devdrv     raw  kernel     cli   (MB/s)\n");
	for (int r = 0; r < rounds; r++) {
		char order[64] = "";

		for (int k = 0; k < MODES; k++) {
			int m = (r + k) % MODES;
			double t = isolated(run[m]);

			if (t <= 0) {
				printf("round %d: %s failed\n", r + 1, mode_name[m]);
				return 1;
			}
			mbs[m][r] = device_bytes / t / 1e6;
			if (cpu_used.total) {
				user[m][r] = 100.0 * cpu_used.user / cpu_used.total;
				sys[m][r] = 100.0 * cpu_used.sys / cpu_used.total;
				idle[m][r] = 100.0 * cpu_used.idle / cpu_used.total;
			}
			busy_us[m][r] = (cpu_used.user + cpu_used.sys) * 1e6 / sysconf(_SC_CLK_TCK) / commands;
			snprintf(order + strlen(order), sizeof(order) - strlen(order), "%s%s", k ? "," : "", mode_name[m]);
		}
		ratio_raw[r] = mbs[DEVDRV][r] / mbs[RAW][r];
		ratio_kernel[r] = mbs[DEVDRV][r] / mbs[KERNEL][r];
		printf("%5d  %-27s %7.1f %7.1f %7.1f %7.1f\n", r + 1, order, mbs[DEVDRV][r], mbs[RAW][r],
		       mbs[KERNEL][r], mbs[CLI][r]);
		fflush(stdout);
	}
	printf("%-22s %8s %8s %8s\n", "MB/s", "min", "median", "max");
	for (int m = 0; m < MODES; m++) {
		double lo, mid, hi;

		stats(mbs[m], rounds, &lo, &mid, &hi);
		printf("%-22s %8.1f %8.1f %8.1f\n", mode_name[m], lo, mid, hi);
	}
	for (int k = 0; k < 2; k++) {
		double lo, mid, hi;

		stats(k ? ratio_kernel : ratio_raw, rounds, &lo, &mid, &hi);
		printf("%-22s %8.3f %8.3f %8.3f\n", k ? "ratio devdrv/kernel" : "ratio devdrv/raw", lo, mid, hi);
	}
	printf("guest CPU, medians    user %%    sys %%   idle %%   busy us per %u KiB\n", XFER / 1024);
	for (int m = 0; m < MODES; m++) {
		double lo, u, s, i, b;

		stats(user[m], rounds, &lo, &u, &lo);
		stats(sys[m], rounds, &lo, &s, &lo);
		stats(idle[m], rounds, &lo, &i, &lo);
		stats(busy_us[m], rounds, &lo, &b, &lo);
		printf("%-20s %7.1f %7.1f %7.1f %10.0f\n", mode_name[m], u, s, i, b);
	}
	return 0;
}
