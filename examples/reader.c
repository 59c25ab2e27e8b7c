/* reader.c — the continuous reader (devdrv/stream.h): several bulk IN
 * transfers always in flight, so that a device producing data without pause
 * never waits for the host. It reads BYTES bytes (or until Ctrl-C) and says
 * how fast that went.
 *
 *   reader SELECTOR [-n BYTES]    e.g. reader 0525:a4a0 -n 64M (gadget zero's
 *                                 source); BYTES takes K, M, G; none or 0:
 *                                 until Ctrl-C
 *   reader --virtual [-n BYTES]   the virtual source plugged at 1-3 (default
 *                                 16M): a 32-bit counter, which the program
 *                                 checks byte by byte, then exactly BYTES read
 */
#define _POSIX_C_SOURCE 200809L /* sigaction, clock_gettime: not in plain C11 */
#include <devdrv/devdrv.h>
#include <devdrv/stream.h>
#include <devdrv/virtual.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct reader {
	unsigned long long want, got; /* want 0: no limit */
	int check;                    /* the data is the virtual source's counter */
	uint32_t next;                /* the counter value due, and its byte due */
	unsigned byte;
	unsigned long long bad_at;    /* where the counter went wrong, + 1; 0: never */
	struct timespec last;         /* when the last data arrived */
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* One call per completed transfer, in the pipe's order; the stream has
 * already resubmitted that transfer, so the pipe stays full meanwhile. */
static int on_data(struct devdrv_stream *s, const uint8_t *data, size_t len, void *user)
{
	struct reader *r = user;

	(void)s;
	if (r->want && len > r->want - r->got)
		len = (size_t)(r->want - r->got); /* keep exactly what was asked */
	for (size_t i = 0; r->check && i < len; i++) {
		if (data[i] != (uint8_t)(r->next >> (8 * r->byte)) && !r->bad_at)
			r->bad_at = r->got + i + 1;
		if (++r->byte == 4)
			r->byte = 0, r->next++;
	}
	r->got += len;
	clock_gettime(CLOCK_MONOTONIC, &r->last);
	return r->want && r->got >= r->want; /* non-zero: stop */
}

/* "16M": *out = 16777216, 1; 0 when it is not a size. */
static int parse_size(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);

	switch (end == s ? '?' : *end) {
	case 'G': n *= 1024; /* fall through */
	case 'M': n *= 1024; /* fall through */
	case 'K': n *= 1024; end++; break;
	case '\0': break;
	default: return 0;
	}
	*out = n;
	return *end == '\0';
}

int main(int argc, char **argv)
{
	struct devdrv_context_options o = DEVDRV_CONTEXT_OPTIONS_INIT;
	/* 8 x 64 KiB in flight; no per-transfer timeout: a quiet device is no error */
	struct devdrv_stream_options so = { .size = sizeof(so), .transfers = 8, .transfer_size = 64 * 1024 };
	int virt = argc > 1 && !strcmp(argv[1], "--virtual"), rc, ok = 1;
	const char *sel = NULL, *bytes = NULL;
	struct reader r = { 0 };
	struct sigaction sa = { .sa_handler = on_sigint };
	struct devdrv_context *ctx = NULL;
	struct devdrv_handle *h = NULL;
	struct devdrv_stream *s = NULL;
	struct timespec t0;
	double secs;

	for (int i = 1 + virt; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			bytes = argv[++i];
		else if (argv[i][0] != '-' && !sel)
			sel = argv[i];
		else
			ok = 0;
	}
	/* --virtual alone: the source it plugs, whose counter it can check */
	r.check = virt && !sel;
	if (!ok || (!sel && !virt) || !parse_size(bytes ? bytes : r.check ? "16M" : "0", &r.want)) {
		fprintf(stderr, "usage: reader [--virtual] SELECTOR [-n BYTES]\n");
		return 2;
	}
	if (!sel)
		sel = "1-3";
	o.transports = virt ? DEVDRV_TRANSPORT_VIRTUAL : DEVDRV_TRANSPORT_DEFAULT;
	if (devdrv_context_new(&o, &ctx) < 0 || (virt && devdrv_virtual_plug(ctx, "source", "1-3") < 0) ||
	    devdrv_open(ctx, sel, &h) < 0) {
		fprintf(stderr, "reader: %s\n", devdrv_context_errmsg(ctx));
		devdrv_context_free(ctx);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r.last = t0;
	if ((rc = devdrv_stream_start(h, &so, on_data, &r, &s)) == 0) {
		/* wait returns 1 every 200 ms while the stream goes on: time to
		 * look at Ctrl-C, which stop turns into an orderly end (rc 0). */
		while ((rc = devdrv_stream_wait(s, 200)) == 1)
			if (interrupted)
				devdrv_stream_stop(s);
	}
	devdrv_stream_free(s); /* every transfer is back: r is ours alone again */
	if (rc < 0)
		fprintf(stderr, "reader: %s\n", devdrv_errmsg(h));
	devdrv_close(h);
	devdrv_context_free(ctx);
	/* The rate up to the last byte: the wait may notice the end a little later. */
	secs = (double)(r.last.tv_sec - t0.tv_sec) + (double)(r.last.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%llu bytes in %.3f s: %.1f MB/s, %u x %zu bytes in flight%s\n", r.got, secs,
	       secs > 0 ? (double)r.got / secs / 1e6 : 0.0, so.transfers, so.transfer_size,
	       interrupted ? " (interrupted)" : "");
	if (rc < 0)
		return 1;
	if (r.bad_at) {
		fprintf(stderr, "reader: the counter is wrong at byte %llu\n", r.bad_at - 1);
		return 1;
	}
	if (r.want && r.got != r.want && !interrupted) {
		fprintf(stderr, "reader: %llu bytes read, %llu asked\n", r.got, r.want);
		return 1;
	}
	if (r.check && r.got)
		printf("the counter went from 0 to %u without a gap\n", r.next - (r.byte == 0));
	return 0;
}
