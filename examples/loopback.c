/* loopback.c — write a message to a device and read it back.
 * usage: loopback [SELECTOR]   (default 1209:0001, the virtual loopback;
 * DEVDRV_TRANSPORT=virtual selects the virtual bus) */
#include <devdrv/devdrv.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *sel = argc > 1 ? argv[1] : "1209:0001", *msg = "hello, devdrv!";
	struct devdrv_context *ctx = NULL;
	struct devdrv_handle *h = NULL;
	char buf[64] = { 0 };
	ssize_t n = -1;

	if (devdrv_context_new(NULL, &ctx) < 0 || devdrv_open(ctx, sel, &h) < 0) {
		fprintf(stderr, "loopback: %s\n", devdrv_context_errmsg(ctx));
		devdrv_context_free(ctx);
		return 1;
	}
	if (devdrv_write(h, msg, strlen(msg), 1000) == (ssize_t)strlen(msg))
		n = devdrv_read(h, buf, sizeof(buf) - 1, 1000);
	if (n < 0)
		fprintf(stderr, "loopback: %s\n", devdrv_errmsg(h));
	else
		printf("%s: wrote %zu bytes, read back %zd: %s\n", sel, strlen(msg), n, buf);
	devdrv_close(h);
	devdrv_context_free(ctx);
	return n < 0;
}
