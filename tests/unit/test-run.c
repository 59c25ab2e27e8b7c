/* test-run.c — devdrv run on the virtual bus, run in-process on a context
 * the test holds so that it can unplug the device: --pty makes a terminal
 * that unmodified programs use (stty changes the device's speed; bytes
 * written to it come back through the FTDI model's loopback), SIGTERM and
 * an unplug end it with 0 and remove the link; --exec runs a command with
 * the device in its environment and stops it when the device leaves; the
 * refusals are one line each. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <devdrv/devdrv.h>
#include <devdrv/virtual.h>

#include "cli.h"

struct log {
	pthread_mutex_t lock;
	char text[8192];
};

static void collect(enum devdrv_log_level level, const char *msg, void *user)
{
	struct log *l = user;

	(void)level;
	pthread_mutex_lock(&l->lock);
	strncat(l->text, msg, sizeof(l->text) - strlen(l->text) - 2);
	strcat(l->text, "\n");
	pthread_mutex_unlock(&l->lock);
}

static int log_has(struct log *l, const char *what)
{
	int found;

	pthread_mutex_lock(&l->lock);
	found = strstr(l->text, what) != NULL;
	pthread_mutex_unlock(&l->lock);
	return found;
}

struct runner {
	struct devdrv_context *ctx;
	const char *argv[16];
	int argc;
	int rc;
	FILE *err;
	pthread_t thread;
};

static void *run_thread(void *arg)
{
	struct runner *r = arg;

	r->rc = cli_main_in(r->ctx, r->argc, (char **)r->argv, stdin, stdout, r->err);
	return NULL;
}

/* A virtual bus with @model at 1-3, the library's messages from @level on
 * kept in @l. */
static struct devdrv_context *bus_with_events(struct log *l, const char *model, enum devdrv_log_level level,
                                              enum devdrv_events_mode events)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL,
		                            .log_fn = collect, .log_user = l, .log_level = level, .events = events };
	struct devdrv_context *ctx = NULL;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	assert_int_equal(devdrv_virtual_plug(ctx, model, "1-3"), 0);
	return ctx;
}

static struct devdrv_context *bus_with(struct log *l, const char *model, enum devdrv_log_level level)
{
	return bus_with_events(l, model, level, DEVDRV_EVENTS_THREAD);
}

/* The FTDI model, the context's events run as @state says: NULL, the
 * library's thread; else its enum devdrv_events_mode (devdrv run's own
 * context runs its bridges' events on their thread). */
static struct devdrv_context *bus_with_ftdi(struct log *l, void **state)
{
	return bus_with_events(l, "ft232r", DEVDRV_LOG_INFO,
	                       state && *state ? *(enum devdrv_events_mode *)*state : DEVDRV_EVENTS_THREAD);
}

static enum devdrv_events_mode own_events = DEVDRV_EVENTS_APPLICATION;

static void start(struct runner *r, struct devdrv_context *ctx, int argc, const char **argv)
{
	r->ctx = ctx;
	r->argc = argc;
	for (int i = 0; i < argc; i++)
		r->argv[i] = argv[i];
	r->argv[argc] = NULL;
	r->err = tmpfile();
	assert_int_equal(pthread_create(&r->thread, NULL, run_thread, r), 0);
}

static char *finish(struct runner *r)
{
	static char err[2048];
	size_t n;

	assert_int_equal(pthread_join(r->thread, NULL), 0);
	rewind(r->err);
	n = fread(err, 1, sizeof(err) - 1, r->err);
	err[n] = 0;
	fclose(r->err);
	return err;
}

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ ms / 1000, (ms % 1000) * 1000000L }, NULL);
}

static int wait_exists(const char *path, int want)
{
	struct stat st;

	for (int i = 0; i < 500; i++) {
		if ((lstat(path, &st) == 0) == want)
			return 1;
		sleep_ms(10);
	}
	return 0;
}

static void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/devdrv-test-%ld-%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid(), name);
	unlink(buf);
}

static void raw_terminal(int fd)
{
	struct termios t;

	assert_int_equal(tcgetattr(fd, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(fd, TCSANOW, &t), 0);
}

static size_t read_until(int fd, char *buf, size_t want)
{
	size_t got = 0;

	while (got < want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 3000) != 1 || (n = read(fd, buf + got, want - got)) <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* The terminal as programs see it: stty (coreutils) changes the speed the
 * FTDI driver gives the chip; bytes written come back; SIGTERM ends the
 * bridge with 0 and the link goes. */
static void test_pty_speed_data_and_sigterm(void **state)
{
	struct log l = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct devdrv_context *ctx = bus_with_ftdi(&l, state);
	struct runner r;
	char link[256], cmd[512], buf[16];
	int fd;

	(void)state;
	tmp_path(link, sizeof(link), "tty");
	start(&r, ctx, 6, (const char *[]){ "devdrv", "run", "1-3", "--pty", link, "--format=8N1" });
	assert_true(wait_exists(link, 1));

	snprintf(cmd, sizeof(cmd), "stty -F %s 57600 cstopb 2>/dev/null", link);
	assert_int_equal(system(cmd), 0);
	for (int i = 0; i < 300 && !log_has(&l, "pty: 5755"); i++)
		sleep_ms(10);
	if (!log_has(&l, "pty: 57554 baud 8N2, flow none")) /* the FT232R rounds */
		fail_msg("log: %s", l.text);

	fd = open(link, O_RDWR | O_NOCTTY);
	assert_true(fd >= 0);
	raw_terminal(fd);
	assert_int_equal(write(fd, "ping\x00\xff", 6), 6);
	assert_int_equal(read_until(fd, buf, 6), 6);
	assert_memory_equal(buf, "ping\x00\xff", 6);

	kill(getpid(), SIGTERM);
	assert_int_equal((finish(&r), r.rc), 0);
	assert_true(wait_exists(link, 0));
	close(fd);
	devdrv_context_free(ctx);
}

/* The device leaving while a program holds the terminal: exit 0, a line
 * saying so, the link gone. */
static void test_pty_unplug(void **state)
{
	struct log l = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct devdrv_context *ctx = bus_with_ftdi(&l, state);
	struct runner r;
	char link[256];
	int fd;

	(void)state;
	tmp_path(link, sizeof(link), "tty2");
	start(&r, ctx, 5, (const char *[]){ "devdrv", "run", "1-3", "--pty", link });
	assert_true(wait_exists(link, 1));
	fd = open(link, O_RDWR | O_NOCTTY);
	assert_true(fd >= 0);
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-3"), 0);
	assert_non_null(strstr(finish(&r), "1-3 left; stopping"));
	assert_int_equal(r.rc, 0);
	assert_true(wait_exists(link, 0)); /* gone */
	close(fd);
	devdrv_context_free(ctx);
}

/* --exec: the command sees the device in its environment; it is stopped
 * when the device leaves, and run exits 0. */
static void test_exec_environment_and_unplug(void **state)
{
	struct log l = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct devdrv_context *ctx = bus_with_ftdi(&l, state);
	char out[256], script[1200], seen[256] = "";
	struct runner r;
	FILE *f;

	(void)state;
	tmp_path(out, sizeof(out), "env");
	snprintf(script, sizeof(script),
	         "echo \"$DEVDRV_SELECTOR $DEVDRV_PORT $DEVDRV_VID:$DEVDRV_PID $DEVDRV_DRIVER $DEVDRV_SERIAL\" > %s.part;"
	         " mv %s.part %s; exec sleep 30", out, out, out);
	start(&r, ctx, 7, (const char *[]){ "devdrv", "run", "0403:6001", "--exec", "sh", "-c", script });
	assert_true(wait_exists(out, 1));
	f = fopen(out, "r");
	assert_non_null(fgets(seen, sizeof(seen), f));
	fclose(f);
	assert_string_equal(seen, "0403:6001 1-3 0403:6001 ftdi A50285BI\n");
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-3"), 0);
	finish(&r);
	assert_int_equal(r.rc, 0); /* the sleep was stopped, not waited for */
	unlink(out);
	devdrv_context_free(ctx);
}

/* A command that ends by itself gives run its exit status. */
static void test_exec_status_is_ours(void **state)
{
	struct log l = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct devdrv_context *ctx = bus_with_ftdi(&l, state);
	struct runner r;

	(void)state;
	start(&r, ctx, 7, (const char *[]){ "devdrv", "run", "1-3", "--exec", "sh", "-c", "exit 3" });
	finish(&r);
	assert_int_equal(r.rc, 3);
	start(&r, ctx, 5, (const char *[]){ "devdrv", "run", "1-3", "--exec", "/nonexistent/program" });
	assert_non_null(strstr(finish(&r), "cannot run '/nonexistent/program'"));
	assert_int_equal(r.rc, 127);
	devdrv_context_free(ctx);
}

static struct devdrv_context *bus_with_stick(struct log *l)
{
	return bus_with(l, "stick", DEVDRV_LOG_WARN);
}

static int shell(const char *fmt, const char *a, const char *b)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd);
}

/* The line a session logs as it ends (info level): its bytes, and times
 * that parse. */
static unsigned long long session_bytes(struct log *l)
{
	char line[256] = "";
	double client_s = -1, device_s = -1, reply_s = -1;
	unsigned long requests = 0;
	unsigned long long bytes = 0;
	const char *at;

	for (int i = 0; i < 300 && !log_has(l, "s replying"); i++)
		sleep_ms(10);
	pthread_mutex_lock(&l->lock);
	if ((at = strstr(l->text, "nbd: ")))
		snprintf(line, sizeof(line), "%s", at);
	pthread_mutex_unlock(&l->lock);
	if (sscanf(line, "nbd: %lu requests, %llu bytes: %lf s waiting for the client, %lf s at the device, "
	                 "%lf s replying", &requests, &bytes, &client_s, &device_s, &reply_s) != 5)
		fail_msg("no session line in the log: %s", l->text);
	assert_true(requests > 0 && requests <= bytes / 512); /* requests of whole blocks */
	assert_true(client_s >= 0 && reply_s >= 0 && device_s > 0);
	return bytes;
}

/* --nbd-socket, used by libnbd's tools (nbdinfo, nbdcopy), which we did
 * not write: the export's size, name and flags; the virtual stick's bytes,
 * block 0 as its model documents it; a write through NBD read back; the
 * write-protected LUN and --read-only refuse writes; the device's removal
 * ends run with 0 and removes the socket. The session of nbdcopy's read
 * logs its 8 MiB and where the time went. */
static void test_nbd_socket_with_libnbd_tools(void **state)
{
	struct log l = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct devdrv_context *ctx = bus_with(&l, "stick", DEVDRV_LOG_INFO);
	char sock[256], uri[300], img[256], info[256], data[256];
	uint8_t block0[32];
	struct runner r;
	FILE *f;

	(void)state;
	tmp_path(sock, sizeof(sock), "nbd.sock");
	tmp_path(img, sizeof(img), "nbd.img");
	tmp_path(info, sizeof(info), "nbd.info");
	tmp_path(data, sizeof(data), "nbd.data");
	snprintf(uri, sizeof(uri), "nbd+unix:///?socket=%s", sock);
	start(&r, ctx, 5, (const char *[]){ "devdrv", "run", "1-3", "--nbd-socket", sock });
	assert_true(wait_exists(sock, 1));
	assert_int_equal(shell("nbdinfo --list '%s' >%s 2>&1", uri, info), 0);
	assert_int_equal(shell("grep -q 'export=\"1209:000a-1-3\"' %s && grep -q 'export-size: 8388608' %s", info, info),
	                 0);
	assert_int_equal(shell("grep -q 'block_size_minimum: 512' %s && grep -q 'is_read_only: false' %s", info, info), 0);
	assert_int_equal(shell("nbdcopy '%s' %s", uri, img), 0);
	assert_int_equal(session_bytes(&l), 8388608);
	f = fopen(img, "rb");
	assert_non_null(f);
	assert_int_equal(fread(block0, 1, sizeof(block0), f), sizeof(block0));
	fclose(f);
	assert_memory_equal(block0, "\0\0\0\0\0\0\0\0devdrv-0", 16);
	assert_int_equal(block0[16], (uint8_t)(16 * 7));
	/* 1 MiB of random bytes written at the start, read back through NBD */
	assert_int_equal(shell("head -c 1048576 /dev/urandom >%s && truncate -s 8M %s", data, data), 0);
	assert_int_equal(shell("nbdcopy %s '%s'", data, uri), 0);
	assert_int_equal(shell("nbdcopy '%s' %s", uri, img), 0);
	assert_int_equal(shell("cmp %s %s", data, img), 0);
	assert_int_equal(devdrv_virtual_unplug(ctx, "1-3"), 0);
	/* a client knocking now finds the device gone: run ends */
	shell("nbdinfo '%s' >/dev/null 2>&1%s", uri, "");
	assert_non_null(strstr(finish(&r), "1-3 left; stopping"));
	assert_int_equal(r.rc, 0);
	assert_true(wait_exists(sock, 0)); /* gone */
	unlink(img);
	unlink(info);
	unlink(data);
	devdrv_context_free(ctx);
}

static void test_nbd_read_only(void **state)
{
	struct log l = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct devdrv_context *ctx = bus_with_stick(&l);
	char sock[256], uri[300], data[256];
	struct runner r;

	(void)state;
	tmp_path(sock, sizeof(sock), "nbd-ro.sock");
	tmp_path(data, sizeof(data), "nbd-ro.data");
	snprintf(uri, sizeof(uri), "nbd+unix:///?socket=%s", sock);
	assert_int_equal(shell("head -c 1048576 /dev/zero >%s%s", data, ""), 0);
	/* LUN 1 of the stick is write-protected: read-only without asking */
	start(&r, ctx, 5, (const char *[]){ "devdrv", "run", "1-3,lun=1", "--nbd-socket", sock });
	assert_true(wait_exists(sock, 1));
	assert_int_equal(shell("nbdinfo '%s' | grep -q 'is_read_only: true'%s", uri, ""), 0);
	assert_true(shell("nbdcopy %s '%s' 2>/dev/null", data, uri) != 0);
	kill(getpid(), SIGTERM);
	finish(&r);
	assert_int_equal(r.rc, 0);
	start(&r, ctx, 6, (const char *[]){ "devdrv", "run", "1-3", "--nbd-socket", sock, "--read-only" });
	assert_true(wait_exists(sock, 1));
	assert_int_equal(shell("nbdinfo '%s' | grep -q 'is_read_only: true'%s", uri, ""), 0);
	assert_true(shell("nbdcopy %s '%s' 2>/dev/null", data, uri) != 0);
	kill(getpid(), SIGTERM);
	finish(&r);
	assert_int_equal(r.rc, 0);
	unlink(data);
	devdrv_context_free(ctx);
}

static void expect_refusal(struct devdrv_context *ctx, int argc, const char **argv, int rc, const char *words)
{
	struct runner r;
	const char *err;

	start(&r, ctx, argc, argv);
	err = finish(&r);
	if (r.rc != rc || !strstr(err, words) || strchr(err, '\n') != err + strlen(err) - 1)
		fail_msg("rc %d (want %d), stderr: %s (want one line with '%s')", r.rc, rc, err, words);
}

static void test_refusals(void **state)
{
	struct log l = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct devdrv_context *ctx = bus_with_ftdi(&l, state);
	char file[256];
	FILE *f;

	(void)state;
	tmp_path(file, sizeof(file), "file");
	f = fopen(file, "w");
	fclose(f);
	expect_refusal(ctx, 3, (const char *[]){ "devdrv", "run", "1-3" }, 2, "say what to run");
	expect_refusal(ctx, 4, (const char *[]){ "devdrv", "run", "1-3", "--exec" }, 2, "--exec needs a command");
	expect_refusal(ctx, 5, (const char *[]){ "devdrv", "run", "--pty", file, "1-3,," }, 2, "1-3,,");
	expect_refusal(ctx, 7, (const char *[]){ "devdrv", "run", "1-3", "--format", "9Q1", "--exec", "true" }, 2,
	               "--format '9Q1'");
	expect_refusal(ctx, 5, (const char *[]){ "devdrv", "run", "1-3", "--pty", file }, 1, "exists and is not a symlink");
	expect_refusal(ctx, 5, (const char *[]){ "devdrv", "run", "1-1", "--pty", file }, 1, "1-1");
	expect_refusal(ctx, 5, (const char *[]){ "devdrv", "run", "1-9", "--pty", file }, 1, "list");
	expect_refusal(ctx, 5, (const char *[]){ "devdrv", "run", "1-3", "--nbd-socket", file }, 1, "not a block one");
	expect_refusal(ctx, 7, (const char *[]){ "devdrv", "run", "1-3", "--pty", file, "--nbd", "/dev/nbd0" }, 2,
	               "one bridge at a time");
	expect_refusal(ctx, 6, (const char *[]){ "devdrv", "run", "1-3", "--read-only", "--pty", file }, 2,
	               "--read-only goes with");
	assert_int_equal(devdrv_virtual_plug(ctx, "stick", "1-4"), 0);
	expect_refusal(ctx, 5, (const char *[]){ "devdrv", "run", "1-4", "--nbd-socket", file }, 1, "not a socket");
	unlink(file);
	devdrv_context_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pty_speed_data_and_sigterm),
		{ "test_pty_speed_data_and_sigterm, events on the bridge's thread", test_pty_speed_data_and_sigterm, NULL, NULL,
		  &own_events },
		cmocka_unit_test(test_pty_unplug),
		{ "test_pty_unplug, events on the bridge's thread", test_pty_unplug, NULL, NULL, &own_events },
		cmocka_unit_test(test_exec_environment_and_unplug),
		cmocka_unit_test(test_exec_status_is_ours),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_nbd_socket_with_libnbd_tools),
		cmocka_unit_test(test_nbd_read_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
