/* run-nbd.c — devdrv run --nbd-socket PATH and --nbd /dev/nbdN: a block
 * device served over NBD (lib/bridges/nbd.c) to clients on a Unix socket,
 * one session after another, or to the kernel's NBD driver, attached with
 * its ioctls so that the device appears as /dev/nbdN. */
#include "cli.h"

#include <devdrv/block.h>
#include <devdrv/nbd.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nbd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define NBD_FLAG_HAS_FLAGS_ (1u << 0) /* the transmission flags the server sends (nbd.c) */
#define NBD_FLAG_READ_ONLY_ (1u << 1)
#define NBD_FLAG_SEND_FLUSH_ (1u << 2)

struct nbd_bridge {
	struct cli *c;
	struct devdrv_handle *h;
	int read_only;
	int stop_fd;
	const char *socket_path;
	int listen_fd;
	int dev_fd;         /* /dev/nbdN */
	int sv[2];          /* ours, the kernel's */
	int quit[2];        /* tells the stopper thread the session is over */
	pthread_t do_it, stopper;
};

static int fail(struct nbd_bridge *b, const char *what, const char *path)
{
	char detail[512];

	snprintf(detail, sizeof(detail), "%s %s: %s", what, path, strerror(errno));
	return cli_fail(b->c, "run", errno == EACCES || errno == EPERM ? DEVDRV_E_ACCESS : DEVDRV_E_IO, detail);
}

/* A Unix socket at @path; a stale socket there is replaced, anything else
 * is refused. */
static int listen_at(struct nbd_bridge *b, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(path) >= sizeof(addr.sun_path))
		return cli_usage_error(b->c, "run", "--nbd-socket: '%s' is longer than a socket path may be", path);
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return cli_fail(b->c, "run", DEVDRV_E_BUSY, "--nbd-socket: the path exists and is not a socket");
	unlink(path);
	strcpy(addr.sun_path, path);
	if ((b->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(b->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(b->listen_fd, 4) < 0)
		return fail(b, "cannot listen on", path);
	b->socket_path = path;
	return EXIT_OK;
}

/* The kernel's side: size and flags, then our socket pair's other end. */
static int attach_kernel(struct nbd_bridge *b, const char *dev)
{
	struct devdrv_block_info bi;
	unsigned long flags;

	if (devdrv_block_info(b->h, &bi) < 0 || !bi.medium_present)
		return cli_fail(b->c, "run", DEVDRV_E_UNSUPPORTED, bi.medium_present ? devdrv_errmsg(b->h) : "no medium");
	flags = NBD_FLAG_HAS_FLAGS_ | NBD_FLAG_SEND_FLUSH_ |
	        (b->read_only || bi.write_protected ? NBD_FLAG_READ_ONLY_ : 0);
	if ((b->dev_fd = open(dev, O_RDWR | O_CLOEXEC)) < 0)
		return fail(b, "cannot open", dev);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b->sv) < 0)
		return fail(b, "socketpair for", dev);
	if (ioctl(b->dev_fd, NBD_SET_BLKSIZE, (unsigned long)bi.block_size) < 0 ||
	    ioctl(b->dev_fd, NBD_SET_SIZE_BLOCKS, (unsigned long)bi.blocks) < 0 ||
	    ioctl(b->dev_fd, NBD_SET_FLAGS, flags) < 0 || ioctl(b->dev_fd, NBD_SET_SOCK, b->sv[1]) < 0)
		return fail(b, "cannot set up", dev);
	return EXIT_OK;
}

int nbd_bridge_open(struct cli *c, struct devdrv_handle *h, const char *socket_path, const char *dev, int read_only,
                    int stop_fd, struct nbd_bridge **out)
{
	struct nbd_bridge *b = calloc(1, sizeof(*b));
	char name[64];
	int rc;

	if (!(*out = b))
		return cli_fail(c, "run", DEVDRV_E_NOMEM, NULL);
	*b = (struct nbd_bridge){ .c = c, .h = h, .read_only = read_only, .stop_fd = stop_fd, .listen_fd = -1,
		                  .dev_fd = -1, .sv = { -1, -1 }, .quit = { -1, -1 } };
	rc = socket_path ? listen_at(b, socket_path) : attach_kernel(b, dev);
	if (rc == EXIT_OK)
		fprintf(c->err, "devdrv: %s (driver %s): NBD export '%s' on %s\n", devdrv_handle_info(h)->port_path,
		        devdrv_handle_driver(h), devdrv_nbd_export_name(h, name, sizeof(name)),
		        socket_path ? socket_path : dev);
	return rc;
}

/* Clients one after another, until the device leaves or the stop. */
static int serve_socket(struct nbd_bridge *b)
{
	struct devdrv_nbd_options o = { .size = sizeof(o), .read_only = b->read_only, .stop_fd = b->stop_fd };

	for (;;) {
		struct pollfd p[2] = { { .fd = b->listen_fd, .events = POLLIN }, { .fd = b->stop_fd, .events = POLLIN } };
		int conn, rc;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return DEVDRV_E_IO;
		if (p[1].revents & POLLIN)
			return 0;
		if (!(p[0].revents & POLLIN) || (conn = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		rc = devdrv_nbd_serve(b->h, conn, &o);
		close(conn);
		if (rc == DEVDRV_E_DISCONNECTED)
			return rc;
		if (rc < 0) /* that client's fault: the next one is served */
			fprintf(b->c->err, "devdrv: run: NBD client: %s\n", devdrv_errmsg(b->h));
	}
}

static void *kernel_do_it(void *arg)
{
	struct nbd_bridge *b = arg;

	ioctl(b->dev_fd, NBD_DO_IT); /* returns when the kernel lets go of the socket */
	return NULL;
}

/* On the stop: write what the kernel holds back through the session (it is
 * still served), then let the kernel disconnect, which ends the session. */
static void *stop_when_asked(void *arg)
{
	struct nbd_bridge *b = arg;
	struct pollfd p[2] = { { .fd = b->stop_fd, .events = POLLIN }, { .fd = b->quit[0], .events = POLLIN } };

	while (poll(p, 2, -1) < 0 && errno == EINTR)
		;
	if (p[0].revents & POLLIN) {
		sync();
		fsync(b->dev_fd);
		ioctl(b->dev_fd, NBD_DISCONNECT);
	}
	return NULL;
}

static int serve_kernel(struct nbd_bridge *b)
{
	struct devdrv_nbd_options o = { .size = sizeof(o), .read_only = b->read_only, .transmission_only = 1,
		                        .stop_fd = -1 };
	int rc;

	if (pipe2(b->quit, O_CLOEXEC) < 0 || pthread_create(&b->do_it, NULL, kernel_do_it, b) != 0)
		return DEVDRV_E_IO;
	if (pthread_create(&b->stopper, NULL, stop_when_asked, b) != 0) {
		ioctl(b->dev_fd, NBD_DISCONNECT);
		pthread_join(b->do_it, NULL);
		return DEVDRV_E_IO;
	}
	rc = devdrv_nbd_serve(b->h, b->sv[0], &o);
	/* the device left or the kernel disconnected: either way it lets go */
	ioctl(b->dev_fd, NBD_DISCONNECT);
	close(b->sv[0]);
	b->sv[0] = -1;
	if (write(b->quit[1], "q", 1) < 0) { /* the stopper's poll also sees the pipe closed below */
	}
	pthread_join(b->stopper, NULL);
	pthread_join(b->do_it, NULL);
	ioctl(b->dev_fd, NBD_CLEAR_SOCK);
	return rc;
}

int nbd_bridge_run(struct nbd_bridge *b)
{
	return b->socket_path ? serve_socket(b) : serve_kernel(b);
}

void nbd_bridge_close(struct nbd_bridge *b)
{
	if (!b)
		return;
	if (b->listen_fd >= 0)
		close(b->listen_fd);
	if (b->socket_path)
		unlink(b->socket_path);
	for (int i = 0; i < 2; i++) {
		if (b->sv[i] >= 0)
			close(b->sv[i]);
		if (b->quit[i] >= 0)
			close(b->quit[i]);
	}
	if (b->dev_fd >= 0)
		close(b->dev_fd);
	free(b);
}
