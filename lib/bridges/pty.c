/* pty.c — the terminal bridge: a serial-class handle behind a Linux
 * pseudo-terminal. The master runs in packet mode and the slave keeps
 * EXTPROC, so every termios change a program makes on the slave arrives
 * as a TIOCPKT_IOCTL packet on the master; we hold a slave descriptor of our
 * own so the master never reads EIO between two programs and the settings
 * survive them. */
#include "bridge.h"

#include <devdrv/pty.h>
#include <devdrv/serial.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PTY_PATH_LEN 64
#define PTY_READ_SLICE_MS 10 /* how long a device read waits before the terminal is looked at again */
#define PTY_WRITE_WAIT_MS 200 /* how long the terminal may refuse data before it is dropped */
#define PTY_DEVICE_WRITE_MS 2000
/* One read from the device: big enough that a fast device (a gadget at
 * several MB/s) is read in few calls, as devdrv read does. */
#define PTY_RX_SIZE 65536

struct devdrv_pty {
	struct devdrv_handle *h;
	int master, slave;
	char path[PTY_PATH_LEN];
	char *link;
	struct devdrv_serial_config applied; /* what the device was last given */
	unsigned long dropped;                /* bytes nobody read on the terminal */
	uint8_t rx[PTY_RX_SIZE];
};

static const struct {
	speed_t code;
	uint32_t baud;
} speeds[] = {
	{ B50, 50 },         { B75, 75 },         { B110, 110 },       { B134, 134 },       { B150, 150 },
	{ B200, 200 },       { B300, 300 },       { B600, 600 },       { B1200, 1200 },     { B1800, 1800 },
	{ B2400, 2400 },     { B4800, 4800 },     { B9600, 9600 },     { B19200, 19200 },   { B38400, 38400 },
	{ B57600, 57600 },   { B115200, 115200 }, { B230400, 230400 }, { B460800, 460800 }, { B500000, 500000 },
	{ B576000, 576000 }, { B921600, 921600 }, { B1000000, 1000000 }, { B1152000, 1152000 },
	{ B1500000, 1500000 }, { B2000000, 2000000 }, { B2500000, 2500000 }, { B3000000, 3000000 },
	{ B3500000, 3500000 }, { B4000000, 4000000 },
};

static uint32_t baud_of(speed_t code)
{
	for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
		if (speeds[i].code == code)
			return speeds[i].baud;
	return 0;
}

/* The standard speed nearest below @baud (a terminal shows only those). */
static speed_t code_of(uint32_t baud)
{
	speed_t best = B9600;

	for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
		if (speeds[i].baud <= baud)
			best = speeds[i].code;
	return best;
}

/* The terminal as the device is set: raw, its speed, stop bits and flow
 * control. Data bits and parity are left out: a pty drops them (below). */
static void termios_from_config(struct termios *t, const struct devdrv_serial_config *c)
{
	cfmakeraw(t);
	t->c_cflag |= CLOCAL | CREAD;
	t->c_cflag &= ~(tcflag_t)(CSTOPB | CRTSCTS);
	if (c->stop_bits == DEVDRV_STOP_2)
		t->c_cflag |= CSTOPB;
	if (c->flow == DEVDRV_FLOW_RTSCTS)
		t->c_cflag |= CRTSCTS;
	if (c->flow == DEVDRV_FLOW_XONXOFF)
		t->c_iflag |= IXON | IXOFF;
	cfsetispeed(t, code_of(c->baud));
	cfsetospeed(t, code_of(c->baud));
	t->c_lflag |= EXTPROC; /* termios changes come to the master as packets */
}

/* The settings @t asks for. A Linux pty forces CS8 and no parity on every
 * change (pty_set_termios), so data bits and parity stay as they are;
 * @return 0, or 1 when @t's speed is not one we know (the device keeps its own). */
static int config_from_termios(const struct termios *t, const struct devdrv_serial_config *current,
                               struct devdrv_serial_config *c)
{
	tcflag_t cf = t->c_cflag;
	int unknown_speed;

	*c = *current;
	c->baud = baud_of(cfgetospeed(t));
	unknown_speed = c->baud == 0;
	if (unknown_speed)
		c->baud = current->baud;
	c->stop_bits = (cf & CSTOPB) ? DEVDRV_STOP_2 : DEVDRV_STOP_1;
	c->flow = (cf & CRTSCTS) ? DEVDRV_FLOW_RTSCTS
	          : (t->c_iflag & (IXON | IXOFF)) ? DEVDRV_FLOW_XONXOFF : DEVDRV_FLOW_NONE;
	return unknown_speed;
}

static int fail_errno(struct devdrv_pty *p, struct devdrv_handle *h, const char *what)
{
	int err = errno;
	int code = err == EACCES || err == EPERM ? DEVDRV_E_ACCESS : err == ENOMEM ? DEVDRV_E_NOMEM : DEVDRV_E_IO;

	devdrv_pty_close(p);
	return devdrv_handle_fail(h, code, "pty: %s: %s", what, strerror(err));
}

static int open_pair(struct devdrv_pty *p)
{
	int one = 1, flags;

	if ((p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return -1;
	if (grantpt(p->master) < 0 || unlockpt(p->master) < 0 || ptsname_r(p->master, p->path, sizeof(p->path)))
		return -1;
	if ((p->slave = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return -1;
	if (ioctl(p->master, TIOCPKT, &one) < 0)
		return -1;
	flags = fcntl(p->master, F_GETFL);
	return flags < 0 ? -1 : fcntl(p->master, F_SETFL, flags | O_NONBLOCK);
}

/* Point @link at the slave, replacing a stale symlink but nothing else;
 * through a temporary name, so the link never dangles half-made. */
static int make_link(struct devdrv_pty *p, const char *link)
{
	struct stat st;
	char tmp[4200];

	if (lstat(link, &st) == 0 && !S_ISLNK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", link, (long)getpid());
	unlink(tmp);
	if (symlink(p->path, tmp) < 0)
		return -1;
	if (rename(tmp, link) < 0) {
		int err = errno;

		unlink(tmp);
		errno = err;
		return -1;
	}
	return (p->link = strdup(link)) ? 0 : -1;
}

int devdrv_pty_open(struct devdrv_handle *h, const char *link, struct devdrv_pty **out)
{
	struct devdrv_pty *p;
	struct termios t;
	int rc;

	if (!h || !out)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "pty: NULL argument");
	*out = NULL;
	if (!(p = calloc(1, sizeof(*p))))
		return devdrv_handle_fail(h, DEVDRV_E_NOMEM, "pty: out of memory");
	p->h = h;
	p->master = p->slave = -1;
	if ((rc = devdrv_serial_get_config(h, &p->applied)) < 0) {
		free(p);
		return rc == DEVDRV_E_UNSUPPORTED
		           ? devdrv_handle_fail(h, rc, "pty: driver %s is not a serial driver", devdrv_handle_driver(h))
		           : rc;
	}
	if (open_pair(p) < 0)
		return fail_errno(p, h, "cannot create a pseudo-terminal");
	memset(&t, 0, sizeof(t));
	termios_from_config(&t, &p->applied);
	if (tcsetattr(p->slave, TCSANOW, &t) < 0)
		return fail_errno(p, h, "cannot set the terminal's settings");
	if (link && make_link(p, link) < 0) {
		if (errno == EEXIST) {
			devdrv_pty_close(p);
			return devdrv_handle_fail(h, DEVDRV_E_BUSY, "pty: %s exists and is not a symlink; choose another path",
			                          link);
		}
		return fail_errno(p, h, link);
	}
	devdrv_dbg(h, "pty %s%s%s", p->path, link ? " as " : "", link ? link : "");
	*out = p;
	return 0;
}

const char *devdrv_pty_path(const struct devdrv_pty *p)
{
	return p ? p->path : NULL;
}

static int same_config(const struct devdrv_serial_config *a, const struct devdrv_serial_config *b)
{
	return a->baud == b->baud && a->data_bits == b->data_bits && a->parity == b->parity &&
	       a->stop_bits == b->stop_bits && a->flow == b->flow;
}

/* A program changed the terminal's settings: give them to the device. A
 * setting the chip cannot do is logged and the device keeps its own, as a
 * kernel tty driver does. */
static int apply_termios(struct devdrv_pty *p)
{
	struct devdrv_serial_config want, got;
	struct termios t;
	char format[16];
	int rc;

	if (tcgetattr(p->slave, &t) < 0)
		return devdrv_handle_fail(p->h, DEVDRV_E_IO, "pty: tcgetattr: %s", strerror(errno));
	if (!(t.c_lflag & EXTPROC)) { /* a program cleared it: keep being told */
		t.c_lflag |= EXTPROC;
		tcsetattr(p->slave, TCSANOW, &t);
	}
	if (config_from_termios(&t, &p->applied, &want))
		devdrv_warn(p->h, "pty: a speed outside the standard ones; the device keeps %u", p->applied.baud);
	if (same_config(&want, &p->applied))
		return 0;
	rc = devdrv_serial_configure(p->h, &want, &got);
	if (rc == DEVDRV_E_DISCONNECTED)
		return rc;
	if (rc < 0) {
		devdrv_warn(p->h, "pty: settings refused: %s", devdrv_errmsg(p->h));
		return 0;
	}
	devdrv_info(p->h, "pty: %u baud %s, flow %s", got.baud, devdrv_serial_format_name(&got, format, sizeof(format)),
	            got.flow == DEVDRV_FLOW_RTSCTS ? "rtscts" : got.flow == DEVDRV_FLOW_XONXOFF ? "xonxoff" : "none");
	p->applied = want; /* what the terminal says, so the same settings are not sent again */
	return 0;
}

static int write_device(struct devdrv_pty *p, const uint8_t *data, size_t len)
{
	while (len) {
		ssize_t n = devdrv_write(p->h, data, len, PTY_DEVICE_WRITE_MS);

		if (n < 0)
			return (int)n;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One packet from the master: data for the device, or a control byte. */
static int from_terminal(struct devdrv_pty *p)
{
	uint8_t buf[4097];
	ssize_t n = read(p->master, buf, sizeof(buf));
	int rc = 0;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : devdrv_handle_fail(p->h, DEVDRV_E_IO, "pty: read: %s", strerror(errno));
	if (n == 0)
		return 0;
	if (buf[0] == TIOCPKT_DATA)
		return write_device(p, buf + 1, (size_t)n - 1);
	if (buf[0] & TIOCPKT_IOCTL)
		rc = apply_termios(p);
	if (!rc && (buf[0] & TIOCPKT_FLUSHWRITE)) /* tcflush(TCOFLUSH): what was on its way out */
		rc = devdrv_serial_purge(p->h, DEVDRV_SERIAL_PURGE_TX);
	if (!rc && (buf[0] & TIOCPKT_FLUSHREAD))
		rc = devdrv_serial_purge(p->h, DEVDRV_SERIAL_PURGE_RX);
	return rc == DEVDRV_E_UNSUPPORTED ? 0 : rc;
}

/* Device data to the terminal; a terminal nobody reads for a while loses
 * it, as a serial port nobody reads does. */
static int to_terminal(struct devdrv_pty *p, const uint8_t *data, size_t len)
{
	while (len) {
		ssize_t n = write(p->master, data, len);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return devdrv_handle_fail(p->h, DEVDRV_E_IO, "pty: write: %s", strerror(errno));
		struct pollfd pf = { .fd = p->master, .events = POLLOUT };

		if (poll(&pf, 1, PTY_WRITE_WAIT_MS) == 0) {
			if (!p->dropped)
				devdrv_warn(p->h, "pty: nobody reads %s: dropping what the device sends", p->path);
			p->dropped += len;
			return 0;
		}
	}
	return 0;
}

static int pty_from_os(void *arg)
{
	return from_terminal(arg);
}

static int pty_to_os(void *arg, const uint8_t *data, size_t len)
{
	return to_terminal(arg, data, len);
}

int devdrv_pty_run(struct devdrv_pty *p, int stop_fd)
{
	struct dd_bridge_loop l;

	if (!p)
		return DEVDRV_E_INVALID;
	l = (struct dd_bridge_loop){ .h = p->h, .os_fd = p->master, .from_os = pty_from_os, .to_os = pty_to_os,
		                     .arg = p, .buf = p->rx, .len = sizeof(p->rx), .slice_ms = PTY_READ_SLICE_MS };
	return dd_bridge_run(&l, stop_fd);
}

int devdrv_pty_send_break(struct devdrv_pty *p, unsigned ms)
{
	int rc;

	if (!p)
		return DEVDRV_E_INVALID;
	if ((rc = devdrv_serial_break(p->h, 1)) < 0)
		return rc;
	nanosleep(&(struct timespec){ ms / 1000, (long)(ms % 1000) * 1000000L }, NULL);
	return devdrv_serial_break(p->h, 0);
}

/* Remove the symlink only if it is still ours: another bridge may have
 * taken the name since. */
static void remove_link(struct devdrv_pty *p)
{
	char target[PTY_PATH_LEN + 1];
	ssize_t n;

	if (!p->link)
		return;
	n = readlink(p->link, target, sizeof(target) - 1);
	if (n >= 0) {
		target[n] = 0;
		if (!strcmp(target, p->path))
			unlink(p->link);
	}
	free(p->link);
	p->link = NULL;
}

void devdrv_pty_close(struct devdrv_pty *p)
{
	if (!p)
		return;
	remove_link(p);
	if (p->slave >= 0)
		close(p->slave);
	if (p->master >= 0)
		close(p->master);
	free(p);
}
