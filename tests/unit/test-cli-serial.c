/* test-cli-serial.c — devdrv serial: pipe mode moves bytes both ways; an
 * interactive session on a pseudo-terminal runs in raw mode, quits on
 * Ctrl-], and when the device is unplugged it exits 1 with the terminal
 * settings restored exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <devdrv/virtual.h>
#include "cli.h"

struct session {
	struct cli c;
	char *argv[8];
	int argc;
	int rc;
	char *out, *err;
	size_t out_len, err_len;
};

static void *run_serial(void *arg)
{
	struct session *s = arg;

	s->rc = cmd_serial(&s->c, s->argc, s->argv);
	return NULL;
}

static int same_termios(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_cflag == b->c_cflag &&
	       a->c_lflag == b->c_lflag && !memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc));
}

/* A session on a terminal, against a virtual chip the test can unplug. */
static void start_on_pty(struct session *s, int *master, int *slave, const char *model)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL };

	memset(s, 0, sizeof(*s));
	assert_int_equal(openpty(master, slave, NULL, NULL, NULL), 0);
	assert_int_equal(devdrv_context_new(&o, &s->c.ctx), 0);
	assert_int_equal(devdrv_virtual_plug(s->c.ctx, model, "1-3"), 0);
	s->c.in = fdopen(*slave, "r");
	s->c.out = open_memstream(&s->out, &s->out_len);
	s->c.err = open_memstream(&s->err, &s->err_len);
	s->argv[0] = "serial";
	s->argv[1] = "1-3";
	s->argc = 2;
}

static void finish(struct session *s, int master)
{
	fclose(s->c.in);
	fclose(s->c.out);
	fclose(s->c.err);
	close(master);
	devdrv_context_free(s->c.ctx);
	free(s->out);
	free(s->err);
}

static void test_unplug_restores_terminal(void **state)
{
	struct session s;
	struct termios before, during, after;
	pthread_t t;
	int master, slave;

	(void)state;
	start_on_pty(&s, &master, &slave, "ft232r");
	assert_int_equal(tcgetattr(slave, &before), 0);
	pthread_create(&t, NULL, run_serial, &s);
	usleep(200 * 1000);
	assert_int_equal(tcgetattr(slave, &during), 0);
	assert_int_equal(during.c_lflag & (ICANON | ECHO | ISIG), 0); /* raw while running */
	assert_int_equal(devdrv_virtual_unplug(s.c.ctx, "1-3"), 0);
	pthread_join(t, NULL);
	assert_int_equal(s.rc, 1);
	assert_int_equal(tcgetattr(slave, &after), 0);
	assert_true(same_termios(&before, &after));
	fflush(s.c.err);
	assert_non_null(strstr(s.err, "unplugged"));
	assert_non_null(strstr(s.err, "press Ctrl-] to quit"));
	finish(&s, master);
}

static void test_escape_key_quits_and_typed_bytes_reach_the_device(void **state)
{
	struct session s;
	struct termios before, after;
	pthread_t t;
	int master, slave;

	(void)state;
	start_on_pty(&s, &master, &slave, "cp2102");
	assert_int_equal(tcgetattr(slave, &before), 0);
	pthread_create(&t, NULL, run_serial, &s);
	usleep(200 * 1000);
	assert_int_equal(write(master, "typed", 5), 5); /* the chip loops it back */
	usleep(300 * 1000);
	assert_int_equal(write(master, "\x1d", 1), 1);
	pthread_join(t, NULL);
	assert_int_equal(s.rc, 0);
	assert_int_equal(tcgetattr(slave, &after), 0);
	assert_true(same_termios(&before, &after));
	fflush(s.c.out);
	assert_int_equal(s.out_len, 5);
	assert_memory_equal(s.out, "typed", 5);
	finish(&s, master);
}

static void test_usage_errors(void **state)
{
	static const char *const bad[][4] = {
		{ "serial", "1-3", "--baud", "fast" }, { "serial", "1-3", "--format", "9Q1" },
		{ "serial", "1-3", "--flow", "dtrdsr" }, { "serial", "--hex", NULL, NULL },
	};
	struct session s;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		memset(&s, 0, sizeof(s));
		s.c.out = open_memstream(&s.out, &s.out_len);
		s.c.err = open_memstream(&s.err, &s.err_len);
		for (s.argc = 0; s.argc < 4 && bad[i][s.argc]; s.argc++)
			s.argv[s.argc] = (char *)bad[i][s.argc];
		assert_int_equal(cmd_serial(&s.c, s.argc, s.argv), 2);
		fclose(s.c.out);
		fclose(s.c.err);
		assert_non_null(strstr(s.err, "devdrv serial:"));
		free(s.out);
		free(s.err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unplug_restores_terminal),
		cmocka_unit_test(test_escape_key_quits_and_typed_bytes_reach_the_device),
		cmocka_unit_test(test_usage_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
