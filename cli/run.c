/* run.c — devdrv run: one device, one long-running driver. --pty publishes a
 * serial device as a pseudo-terminal; --exec runs a command with the device
 * described in its environment and stops it when the device leaves. Exits 0
 * when the device leaves or on SIGTERM/SIGINT, after removing what it made;
 * SIGUSR1 sends a break to a --pty device. Logs go to stderr (the journal
 * under systemd), readiness to systemd when built with libsystemd. */
#include "cli.h"

#include <devdrv/block.h>
#include <devdrv/driver.h>
#include <devdrv/hid.h>
#include <devdrv/net.h>
#include <devdrv/hotplug.h>
#include <devdrv/pty.h>
#include <devdrv/serial.h>
#include <devdrv/tap.h>
#include <devdrv/uhid.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

static const char run_usage[] =
    "usage: devdrv run SEL [--pty LINK [--baud N] [--format 8N1] [--flow none|rtscts|xonxoff]]\n"
    "                      [--nbd-socket PATH | --nbd /dev/nbdN] [--read-only] [--uhid] [--tap NAME]\n"
    "                      [--exec CMD [ARGS...]]\n"
    "  Drive one device until it leaves (exit 0) or SIGTERM/SIGINT (exit 0).\n"
    "  --pty LINK   serial devices: a pseudo-terminal, LINK a symlink to it; programs\n"
    "               use it as a tty: speed, stop bits and flow control set with stty or\n"
    "               tcsetattr reach the device (a Linux pty keeps no data bits or parity:\n"
    "               give those with --format); SIGUSR1 sends a break\n"
    "  --baud, --format, --flow  the line settings to start with (default 9600 8N1)\n"
    "  --nbd-socket PATH  block devices: an NBD server on a Unix socket, for any NBD\n"
    "               client (nbdcopy, qemu-img, nbd-client), one after another\n"
    "  --nbd /dev/nbdN  block devices: attach to the kernel's NBD driver: a disk to\n"
    "               partition and mount; SIGTERM flushes, then detaches\n"
    "  --read-only  refuse writes (also when the medium is write-protected)\n"
    "  --tap NAME   network adapters: a TAP interface with the adapter's MAC, its\n"
    "               carrier following the adapter's link\n"
    "  --uhid       HID devices: a kernel HID device through /dev/uhid, so that the\n"
    "               kernel makes its /dev/input/event* and /dev/hidraw* nodes\n"
    "  --pty-group NAME, --pty-mode 0660  who may open the terminal (a service shares\n"
    "               it with dialout, as /dev/ttyUSB* is)\n"
    "  --exec CMD   run CMD with DEVDRV_SELECTOR, DEVDRV_PORT, DEVDRV_VID, DEVDRV_PID,\n"
    "               DEVDRV_SERIAL, DEVDRV_DRIVER (and DEVDRV_PTY) set; stopped with\n"
    "               SIGTERM when the device leaves; its exit status is ours if it ends first\n";

/* Signals become bytes on a pipe the bridge's loop polls: 's' stop, 'b'
 * break, 'c' a child ended, 'l' the device left. */
static int wake_pipe[2] = { -1, -1 };

static void note(char what)
{
	int saved = errno;

	if (write(wake_pipe[1], &what, 1) < 0) { /* full: a byte is already waiting */
	}
	errno = saved;
}

static void on_signal(int sig)
{
	note(sig == SIGUSR1 ? 'b' : sig == SIGCHLD ? 'c' : 's');
}

struct run {
	struct cli *c;
	const char *sel;
	const char *link;
	char **exec_argv;
	struct devdrv_handle *h;
	struct devdrv_pty *pty;
	const char *nbd_socket, *nbd_dev;
	int read_only;
	struct nbd_bridge *nbd;
	int want_uhid;
	struct devdrv_uhid *uhid;
	const char *tap_name;
	struct devdrv_tap *tap;
	struct devdrv_serial_config config;
	int config_given;
	int pty_gid, pty_mode; /* -1: as the kernel makes them (the caller's group tty, 0620) */
	pid_t child;
	int child_status;
	int hotplug_id;
	char port[64];
	struct sigaction old[4];
};

static const int caught[4] = { SIGINT, SIGTERM, SIGUSR1, SIGCHLD };

static int catch_signals(struct run *r)
{
	struct sigaction sa;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 4; i++)
		sigaction(caught[i], &sa, &r->old[i]);
	return 0;
}

static void restore_signals(struct run *r)
{
	for (int i = 0; i < 4; i++)
		sigaction(caught[i], &r->old[i], NULL);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	wake_pipe[0] = wake_pipe[1] = -1;
}

static int parse_run_args(struct cli *c, int argc, char **argv, struct run *r)
{
	static const struct option opts[] = { { "pty", required_argument, NULL, 'p' },
		                              { "baud", required_argument, NULL, 'b' },
		                              { "format", required_argument, NULL, 'f' },
		                              { "flow", required_argument, NULL, 'F' },
		                              { "pty-group", required_argument, NULL, 'g' },
		                              { "pty-mode", required_argument, NULL, 'm' },
		                              { "nbd-socket", required_argument, NULL, 'N' },
		                              { "nbd", required_argument, NULL, 'K' },
		                              { "read-only", no_argument, NULL, 'r' },
		                              { "uhid", no_argument, NULL, 'U' },
		                              { "tap", required_argument, NULL, 'T' },
		                              { "help", no_argument, NULL, 'h' },
		                              { NULL, 0, NULL, 0 } };
	int opt, end = argc;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--exec")) { /* the rest is the command, options and all */
			end = i;
			r->exec_argv = argv + i + 1;
			if (i + 1 >= argc)
				return cli_usage_error(c, "run", "--exec needs a command");
			break;
		}
	optind = 0;
	while ((opt = getopt_long(end, argv, "h", opts, NULL)) != -1) {
		if (opt == 'p')
			r->link = optarg;
		else if (opt == 'N')
			r->nbd_socket = optarg;
		else if (opt == 'K')
			r->nbd_dev = optarg;
		else if (opt == 'r')
			r->read_only = 1;
		else if (opt == 'U')
			r->want_uhid = 1;
		else if (opt == 'T')
			r->tap_name = optarg;
		else if (opt == 'b' || opt == 'f' || opt == 'F') {
			if (cli_parse_line_setting(c, "run", opt, optarg, &r->config) != EXIT_OK)
				return EXIT_USAGE;
			r->config_given = 1;
		} else if (opt == 'g') {
			struct group *g = getgrnam(optarg);

			if (!g)
				return cli_usage_error(c, "run", "--pty-group: no group '%s'", optarg);
			r->pty_gid = (int)g->gr_gid;
		} else if (opt == 'm') {
			unsigned long mode;
			char *end;

			errno = 0;
			mode = strtoul(optarg, &end, 8);
			if (errno || *end || !*optarg || mode > 0777 || (mode & 0007))
				return cli_usage_error(c, "run", "--pty-mode is octal, like 0660, and gives others nothing: not '%s'",
				                       optarg);
			r->pty_mode = (int)mode;
		} else if (opt == 'h')
			return fputs(run_usage, c->out), -1;
		else
			return cli_bad_option(c, "run", argv);
	}
	if (end - optind != 1)
		return cli_usage_error(c, "run", "takes one selector");
	r->sel = argv[optind];
	if (!!r->link + !!r->nbd_socket + !!r->nbd_dev + r->want_uhid + !!r->tap_name > 1)
		return cli_usage_error(c, "run", "one bridge at a time: --pty, --nbd-socket, --nbd, --uhid or --tap");
	if (!r->link && !r->nbd_socket && !r->nbd_dev && !r->want_uhid && !r->tap_name && !r->exec_argv)
		return cli_usage_error(c, "run", "say what to run: --pty LINK, --nbd-socket PATH, --nbd DEV, --uhid, "
		                                 "--tap NAME or --exec CMD");
	if (r->read_only && !r->nbd_socket && !r->nbd_dev)
		return cli_usage_error(c, "run", "--read-only goes with --nbd-socket or --nbd");
	if (!r->link && (r->config_given || r->pty_gid >= 0 || r->pty_mode >= 0))
		return cli_usage_error(c, "run", "--baud, --format, --flow, --pty-group and --pty-mode go with --pty");
	return cli_need_selector(c, "run", r->sel);
}

/* The device's record, from the open handle or, without one, the list. */
static int describe_device(struct run *r, char env[7][300])
{
	const struct devdrv_device_info **list = NULL, *d;
	ssize_t i = -1;

	if (r->h) {
		d = devdrv_handle_info(r->h);
	} else {
		if (devdrv_get_device_list(r->c->ctx, &list) < 0 || (i = devdrv_select(r->c->ctx, r->sel, list)) < 0) {
			int rc = i < 0 && list ? (int)i : DEVDRV_E_IO;

			devdrv_free_device_list(list);
			return cli_fail(r->c, "run", rc, devdrv_context_errmsg(r->c->ctx));
		}
		d = list[i];
	}
	snprintf(r->port, sizeof(r->port), "%s", d->port_path);
	snprintf(env[0], sizeof(env[0]), "DEVDRV_SELECTOR=%s", r->sel);
	snprintf(env[1], sizeof(env[1]), "DEVDRV_PORT=%s", d->port_path);
	snprintf(env[2], sizeof(env[2]), "DEVDRV_VID=%04x", d->vid);
	snprintf(env[3], sizeof(env[3]), "DEVDRV_PID=%04x", d->pid);
	snprintf(env[4], sizeof(env[4]), "DEVDRV_SERIAL=%s", d->serial ? d->serial : "");
	snprintf(env[5], sizeof(env[5]), "DEVDRV_DRIVER=%s", d->driver ? d->driver : "");
	devdrv_free_device_list(list);
	return EXIT_OK;
}

extern char **environ;

/* The child's environment: ours with the device's variables in front
 * (execvpe takes the first of a name). Built before fork: after it, a
 * multithreaded program's child may only call async-signal-safe functions. */
static char **child_environment(struct run *r, char env[7][300])
{
	size_t n = 0, k = 0;
	char **envp;

	while (environ[n])
		n++;
	if (!(envp = calloc(n + 8, sizeof(*envp))))
		return NULL;
	for (int i = 0; i < 6; i++)
		envp[k++] = env[i];
	if (r->pty) {
		snprintf(env[6], 300, "DEVDRV_PTY=%s", r->link ? r->link : devdrv_pty_path(r->pty));
		envp[k++] = env[6];
	}
	for (size_t i = 0; i < n; i++)
		envp[k++] = environ[i];
	return envp;
}

static void child_exec(struct run *r, char **envp, int err_fd, const char *cannot, size_t cannot_len)
{
	sigset_t none;

	for (int i = 0; i < 4; i++) /* the signals as a fresh program has them */
		sigaction(caught[i], &r->old[i], NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvpe(r->exec_argv[0], r->exec_argv, envp);
	if (write(err_fd, cannot, cannot_len) < 0) { /* nothing more to do: the exit status says it */
	}
	_exit(127);
}

static int start_child(struct run *r, char env[7][300])
{
	char **envp = child_environment(r, env), cannot[512];
	int len;

	if (!envp)
		return cli_fail(r->c, "run", DEVDRV_E_NOMEM, "out of memory");
	len = snprintf(cannot, sizeof(cannot), "devdrv: run: cannot run '%s'; check the command and its PATH\n",
	               r->exec_argv[0]);
	fflush(NULL); /* nothing buffered is written twice */
	r->child = fork();
	if (r->child == 0)
		child_exec(r, envp, fileno(r->c->err) >= 0 ? fileno(r->c->err) : STDERR_FILENO, cannot,
		           len < 0 ? 0 : (size_t)len < sizeof(cannot) ? (size_t)len : sizeof(cannot) - 1);
	free(envp);
	if (r->child < 0)
		return cli_fail(r->c, "run: fork", DEVDRV_E_NOMEM, strerror(errno));
	return EXIT_OK;
}

/* 1 if the child has ended (its status kept). */
static int reap_child(struct run *r)
{
	if (r->child <= 0)
		return 0;
	if (waitpid(r->child, &r->child_status, WNOHANG) != r->child)
		return 0;
	r->child = 0;
	return 1;
}

static void stop_child(struct run *r)
{
	if (r->child <= 0)
		return;
	kill(r->child, SIGTERM);
	for (int i = 0; i < 50 && !reap_child(r); i++) /* 5 s, then it is killed */
		nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
	if (r->child > 0) {
		kill(r->child, SIGKILL);
		waitpid(r->child, &r->child_status, 0);
		r->child = 0;
	}
}

static void on_device_event(struct devdrv_context *ctx, enum devdrv_hotplug_event ev,
                            const struct devdrv_device_info *info, void *user)
{
	(void)ctx;
	(void)info;
	(void)user;
	if (ev == DEVDRV_HOTPLUG_LEFT)
		note('l');
}

/* What the loop was woken for: 's', 'b', 'c', 'l', or 0. */
static char take_note(void)
{
	char what = 0;

	while (read(wake_pipe[0], &what, 1) == 1 && what == 'c')
		; /* a child's end is seen through waitpid; another byte may say more */
	return what;
}

enum run_end { RUN_STOPPED, RUN_DEVICE_LEFT, RUN_CHILD_ENDED, RUN_FAILED };

static enum run_end bridge_loop(struct run *r)
{
	for (;;) {
		char what;

		if (r->pty || r->nbd || r->uhid || r->tap) {
			int rc = r->pty ? devdrv_pty_run(r->pty, wake_pipe[0])
			         : r->nbd ? nbd_bridge_run(r->nbd)
			         : r->uhid ? devdrv_uhid_run(r->uhid, wake_pipe[0])
			                   : devdrv_tap_run(r->tap, wake_pipe[0]);

			if (rc == DEVDRV_E_DISCONNECTED)
				return RUN_DEVICE_LEFT;
			if (rc < 0) {
				cli_fail(r->c, "run", rc, devdrv_errmsg(r->h));
				return RUN_FAILED;
			}
		} else {
			struct pollfd p = { .fd = wake_pipe[0], .events = POLLIN };

			poll(&p, 1, 1000);
		}
		what = take_note();
		if (what == 'b' && r->pty && devdrv_pty_send_break(r->pty, 250) < 0)
			fprintf(r->c->err, "devdrv: run: break: %s\n", devdrv_errmsg(r->h));
		if (what == 's')
			return RUN_STOPPED;
		if (what == 'l')
			return RUN_DEVICE_LEFT;
		if (reap_child(r))
			return RUN_CHILD_ENDED;
	}
}

static int open_bridge(struct run *r)
{
	int rc = devdrv_serial_open(r->c->ctx, r->sel, &r->config, &r->h);
	char what[300];

	snprintf(what, sizeof(what), "run %s", r->sel);
	if (rc < 0)
		return cli_fail(r->c, what, rc, devdrv_context_errmsg(r->c->ctx));
	if ((rc = devdrv_pty_open(r->h, r->link, &r->pty)) < 0)
		return cli_fail(r->c, what, rc, devdrv_errmsg(r->h));
	/* who may use the terminal: a service shares it with a group (dialout) */
	if ((r->pty_gid >= 0 && chown(devdrv_pty_path(r->pty), (uid_t)-1, (gid_t)r->pty_gid) < 0) ||
	    (r->pty_mode >= 0 && chmod(devdrv_pty_path(r->pty), (mode_t)r->pty_mode) < 0))
		return cli_fail(r->c, what, DEVDRV_E_ACCESS, strerror(errno));
	fprintf(r->c->err, "devdrv: %s (%s, driver %s): %s -> %s\n", r->sel, devdrv_handle_info(r->h)->port_path,
	        devdrv_handle_driver(r->h), r->link, devdrv_pty_path(r->pty));
	return EXIT_OK;
}

/* Open the device with a class API's open; @what names the action. */
static int open_class(struct run *r, int (*open_fn)(struct devdrv_context *, const char *, struct devdrv_handle **),
                      char *what, size_t len)
{
	int rc = open_fn(r->c->ctx, r->sel, &r->h);

	snprintf(what, len, "run %s", r->sel);
	return rc < 0 ? cli_fail(r->c, what, rc, devdrv_context_errmsg(r->c->ctx)) : EXIT_OK;
}

static int open_disk(struct run *r)
{
	char what[300];
	int rc = open_class(r, devdrv_block_open, what, sizeof(what));

	return rc != EXIT_OK ? rc
	                     : nbd_bridge_open(r->c, r->h, r->nbd_socket, r->nbd_dev, r->read_only, wake_pipe[0], &r->nbd);
}

static int open_input(struct run *r)
{
	char what[300];
	int rc = open_class(r, devdrv_hid_open, what, sizeof(what));

	if (rc != EXIT_OK)
		return rc;
	if ((rc = devdrv_uhid_open(r->h, NULL, &r->uhid)) < 0)
		return cli_fail(r->c, what, rc, devdrv_errmsg(r->h));
	fprintf(r->c->err, "devdrv: %s (%s, driver %s): a kernel HID device through /dev/uhid\n", r->sel,
	        devdrv_handle_info(r->h)->port_path, devdrv_handle_driver(r->h));
	return EXIT_OK;
}

static int open_network(struct run *r)
{
	char what[300];
	int rc = open_class(r, devdrv_net_open, what, sizeof(what));
	struct devdrv_net_info info;

	if (rc != EXIT_OK)
		return rc;
	if ((rc = devdrv_tap_open(r->h, r->tap_name, &r->tap)) < 0)
		return cli_fail(r->c, what, rc, devdrv_errmsg(r->h));
	devdrv_net_info(r->h, &info);
	fprintf(r->c->err, "devdrv: %s (%s, driver %s): interface %s, MAC %02x:%02x:%02x:%02x:%02x:%02x\n", r->sel,
	        devdrv_handle_info(r->h)->port_path, devdrv_handle_driver(r->h), devdrv_tap_name(r->tap), info.mac[0],
	        info.mac[1], info.mac[2], info.mac[3], info.mac[4], info.mac[5]);
	return EXIT_OK;
}

/* Without a bridge, the device is not ours: hotplug says when it leaves. */
static int watch_departure(struct run *r)
{
	char sel[96];
	int rc;

	snprintf(sel, sizeof(sel), "port=%s", r->port);
	if ((rc = devdrv_hotplug_register(r->c->ctx, sel, 0, on_device_event, r, &r->hotplug_id)) < 0)
		return cli_fail(r->c, "run", rc, devdrv_context_errmsg(r->c->ctx));
	return EXIT_OK;
}

static int finish(struct run *r, enum run_end end)
{
	int rc = end == RUN_FAILED ? EXIT_DEVICE : EXIT_OK;

	if (end == RUN_DEVICE_LEFT)
		fprintf(r->c->err, "devdrv: %s left; stopping\n", r->sel);
	stop_child(r);
	if (end == RUN_CHILD_ENDED)
		rc = WIFEXITED(r->child_status) ? WEXITSTATUS(r->child_status) : 128 + WTERMSIG(r->child_status);
	return rc;
}

int cmd_run(struct cli *c, int argc, char **argv)
{
	struct run r = { .c = c, .hotplug_id = -1, .config = { .baud = 9600, .data_bits = 8 }, .pty_gid = -1,
		         .pty_mode = -1 };
	char env[7][300];
	int rc;

	if ((rc = parse_run_args(c, argc, argv, &r)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	/* The TAP, uhid and PTY bridges read the device all the time, and so
	 * run its completions themselves: without an event thread each one
	 * skips a hand-over between threads, which the OS side feels in its
	 * round trips (through --tap, the median of TCP against the kernel's
	 * cdc_ncm went from 0.51 to 0.66-0.77 one way and from 0.21 to
	 * 0.38-0.43 the other over three runs of bench/run-net.sh). NBD's
	 * transfers are synchronous: they complete on its thread already
	 * (the same run-nbd.sh figures either way). */
	c->own_events = r.link || r.want_uhid || r.tap_name;
	if ((rc = cli_context(c)) != EXIT_OK)
		return rc;
	if (catch_signals(&r) < 0)
		return cli_fail(c, "run", DEVDRV_E_IO, strerror(errno));
	rc = r.link                      ? open_bridge(&r)
	     : r.nbd_socket || r.nbd_dev ? open_disk(&r)
	     : r.want_uhid               ? open_input(&r)
	     : r.tap_name                ? open_network(&r)
	                                 : EXIT_OK;
	if (rc == EXIT_OK)
		rc = describe_device(&r, env);
	if (rc == EXIT_OK && !r.h)
		rc = watch_departure(&r);
	if (rc == EXIT_OK && r.exec_argv)
		rc = start_child(&r, env);
	if (rc == EXIT_OK) {
#ifdef HAVE_LIBSYSTEMD
		sd_notify(0, "READY=1");
#endif
		rc = finish(&r, bridge_loop(&r));
	}
	if (r.hotplug_id >= 0)
		devdrv_hotplug_deregister(c->ctx, r.hotplug_id);
	devdrv_pty_close(r.pty);
	nbd_bridge_close(r.nbd);
	devdrv_uhid_close(r.uhid);
	devdrv_tap_close(r.tap);
	devdrv_close(r.h);
	restore_signals(&r);
	return rc;
}
