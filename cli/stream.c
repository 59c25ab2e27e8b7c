/* stream.c — devdrv read --stream: the continuous reader to a file or
 * stdout, with a progress line on a terminal and the rate at the end; and
 * devdrv write --stream, the queued writer from a file or stdin. */
#include "cli.h"

#include <devdrv/stream.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sink {
	struct cli *c;
	FILE *out;
	unsigned long limit; /* 0: none */
	unsigned long written;
	int write_failed;
	FILE *in;            /* writing: where the bytes come from */
};

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int to_sink(struct devdrv_stream *s, const uint8_t *data, size_t len, void *user)
{
	struct sink *k = user;

	(void)s;
	if (k->limit && len > k->limit - k->written)
		len = k->limit - k->written; /* the transfer brought more than was asked for */
	if (len && fwrite(data, 1, len, k->out) != len) {
		k->write_failed = errno ? errno : EIO;
		return 1;
	}
	k->written += len;
	return k->limit && k->written >= k->limit;
}

/* The writer's fill callback: the next bytes of the input, 0 at its end.
 * It runs on the event thread, one call at a time. */
static size_t from_source(struct devdrv_stream *s, uint8_t *buf, size_t len, void *user)
{
	struct sink *k = user;
	size_t n = fread(buf, 1, len, k->in);

	(void)s;
	if (n == 0 && ferror(k->in))
		k->write_failed = errno ? errno : EIO;
	k->written += n;
	return n;
}

static void progress(struct cli *c, unsigned long bytes, double secs)
{
	fprintf(c->err, "\r%lu bytes, %.1f MB/s   ", bytes, secs > 0 ? bytes / secs / 1e6 : 0.0);
	fflush(c->err);
	c->progress_line = 1;
}

/* Wait in slices: a progress line on a terminal, Ctrl-C stops cleanly. */
static int follow(struct cli *c, struct devdrv_stream *s, struct sink *k, double t0)
{
	int tty = isatty(fileno(c->err)) && c->err == stderr;

	for (;;) {
		int rc = devdrv_stream_wait(s, 500);

		if (rc != 1) /* 1: the slice passed, the stream goes on */
			return rc;
		if (interrupted)
			devdrv_stream_stop(s);
		if (tty)
			progress(c, k->written, now_s() - t0);
	}
}

/* Start the stream (reader when @cb, else writer with @fill), follow it
 * to its end with Ctrl-C stopping it, end the progress line; *secs gets
 * how long it ran. Returns 0 or the stream's error. */
static int run_stream(struct cli *c, struct devdrv_handle *h, struct sink *k, devdrv_stream_cb cb,
                      devdrv_stream_fill_cb fill, unsigned timeout_ms, struct devdrv_stream **s, double *secs)
{
	struct devdrv_stream_options o = { .size = sizeof(o), .timeout_ms = timeout_ms };
	double t0 = now_s();
	void (*old)(int);
	int rc;

	interrupted = 0;
	old = signal(SIGINT, on_interrupt);
	rc = cb ? devdrv_stream_start(h, &o, cb, k, s) : devdrv_stream_start_writer(h, &o, fill, k, s);
	if (rc == 0)
		rc = follow(c, *s, k, t0);
	*secs = now_s() - t0;
	signal(SIGINT, old);
	if (c->progress_line) {
		fputc('\n', c->err);
		c->progress_line = 0;
	}
	return rc;
}

static FILE *open_output(struct cli *c, const char *path)
{
	FILE *f;

	if (!path || !strcmp(path, "-"))
		return c->out;
	if (!(f = fopen(path, "wb")))
		cli_fail(c, path, DEVDRV_E_IO, strerror(errno));
	return f;
}

int cli_read_stream(struct cli *c, const char *sel, unsigned long bytes, unsigned long timeout_ms,
                    const char *output, int stats)
{
	struct sink k = { .c = c, .limit = bytes };
	struct devdrv_stream *s = NULL;
	struct devdrv_handle *h;
	double secs;
	int rc;

	if ((rc = cli_open(c, "read", sel, &h)) != EXIT_OK)
		return rc;
	if (!(k.out = open_output(c, output))) {
		cli_close(c, h);
		return EXIT_DEVICE;
	}
	rc = run_stream(c, h, &k, to_sink, NULL, (unsigned)timeout_ms, &s, &secs);
	if (k.write_failed)
		rc = cli_fail(c, output ? output : "stdout", DEVDRV_E_IO, strerror(k.write_failed));
	else if (rc < 0)
		rc = cli_fail(c, "read --stream", rc, devdrv_errmsg(h));
	devdrv_stream_free(s);
	if (stats)
		fprintf(c->err, "devdrv: read %lu bytes in %.3f s: %.1f MB/s\n", k.written, secs,
		        secs > 0 ? k.written / secs / 1e6 : 0.0);
	if (k.out != c->out && fclose(k.out) != 0 && rc == 0)
		rc = cli_fail(c, output, DEVDRV_E_IO, strerror(errno));
	else if (k.out == c->out)
		fflush(c->out);
	cli_close(c, h);
	return rc < 0 ? EXIT_DEVICE : rc;
}

int cli_write_stream(struct cli *c, const char *sel, const char *input, unsigned long timeout_ms, int stats)
{
	struct sink k = { .c = c };
	struct devdrv_stream *s = NULL;
	struct devdrv_handle *h;
	double secs;
	int rc;

	k.in = strcmp(input, "-") ? fopen(input, "rb") : c->in;
	if (!k.in)
		return cli_fail(c, input, DEVDRV_E_IO, strerror(errno));
	if ((rc = cli_open(c, "write", sel, &h)) != EXIT_OK) {
		if (k.in != c->in)
			fclose(k.in);
		return rc;
	}
	rc = run_stream(c, h, &k, NULL, from_source, (unsigned)timeout_ms, &s, &secs);
	if (k.write_failed)
		rc = cli_fail(c, input, DEVDRV_E_IO, strerror(k.write_failed));
	else if (rc < 0)
		rc = cli_fail(c, "write --stream", rc, devdrv_errmsg(h));
	if (stats && s)
		fprintf(c->err, "devdrv: wrote %llu bytes in %.3f s: %.1f MB/s\n", (unsigned long long)devdrv_stream_bytes(s),
		        secs, secs > 0 ? devdrv_stream_bytes(s) / secs / 1e6 : 0.0);
	devdrv_stream_free(s);
	if (k.in != c->in)
		fclose(k.in);
	cli_close(c, h);
	return rc < 0 ? EXIT_DEVICE : rc;
}
