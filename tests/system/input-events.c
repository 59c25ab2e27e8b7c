/* input-events — a reader of struct input_event, as any program on the
 * kernel's input layer is: input-events PHYS SECONDS finds the event device
 * whose physical path contains PHYS (/sys/class/input/eventN/device/phys), then
 * prints "TYPE CODE VALUE" for each event but EV_SYN until SECONDS pass
 * without one. */
#include <dirent.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int open_named(const char *want)
{
	DIR *d = opendir("/sys/class/input");
	struct dirent *e;
	int fd = -1;

	while (d && fd < 0 && (e = readdir(d))) {
		char path[512], name[256] = "";
		FILE *f;

		if (strncmp(e->d_name, "event", 5))
			continue;
		snprintf(path, sizeof(path), "/sys/class/input/%s/device/phys", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(name, sizeof(name), f) && strstr(name, want)) {
			snprintf(path, sizeof(path), "/dev/input/%s", e->d_name);
			fd = open(path, O_RDONLY);
			fprintf(stderr, "input-events: %s is %s", path, name);
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return fd;
}

int main(int argc, char **argv)
{
	struct input_event ev;
	int fd, quiet_ms;

	if (argc != 3 || (fd = open_named(argv[1])) < 0) {
		fprintf(stderr, "usage: input-events PHYS SECONDS (no event device with that physical path)\n");
		return 1;
	}
	quiet_ms = atoi(argv[2]) * 1000;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, quiet_ms) != 1 || read(fd, &ev, sizeof(ev)) != (ssize_t)sizeof(ev))
			break;
		if (ev.type != EV_SYN)
			printf("%u %u %d\n", ev.type, ev.code, ev.value);
		fflush(stdout);
	}
	return 0;
}
