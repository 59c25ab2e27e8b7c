/* serial.c — the serial class API: typed wrappers of the serial ioctls, and
 * the "8N1" format parser shared by applications and the CLI. */
#include "internal.h"

#include <ctype.h>
#include <devdrv/serial.h>
#include <stdio.h>
#include <string.h>

int devdrv_serial_open(struct devdrv_context *ctx, const char *selector,
                       const struct devdrv_serial_config *cfg, struct devdrv_handle **out)
{
	return dd_open(ctx, selector, DEVDRV_CLASS_SERIAL, cfg, out);
}

int devdrv_serial_configure(struct devdrv_handle *h, const struct devdrv_serial_config *want,
                            struct devdrv_serial_config *actual)
{
	struct devdrv_serial_configure_arg arg;
	int rc;

	if (!want)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "serial configure: no settings");
	memset(&arg, 0, sizeof(arg));
	arg.want = *want;
	rc = devdrv_ioctl(h, DEVDRV_IOC_SERIAL_CONFIGURE, &arg, sizeof(arg));
	if (rc == 0 && actual)
		*actual = arg.actual;
	return rc;
}

int devdrv_serial_get_config(struct devdrv_handle *h, struct devdrv_serial_config *cfg)
{
	return devdrv_ioctl(h, DEVDRV_IOC_SERIAL_GET_CONFIG, cfg, sizeof(*cfg));
}

int devdrv_serial_set_lines(struct devdrv_handle *h, unsigned mask, unsigned values)
{
	struct devdrv_serial_lines_arg arg = { mask, values };

	return devdrv_ioctl(h, DEVDRV_IOC_SERIAL_SET_LINES, &arg, sizeof(arg));
}

int devdrv_serial_get_lines(struct devdrv_handle *h, unsigned *lines)
{
	return devdrv_ioctl(h, DEVDRV_IOC_SERIAL_GET_LINES, lines, sizeof(*lines));
}

int devdrv_serial_break(struct devdrv_handle *h, int on)
{
	return devdrv_ioctl(h, DEVDRV_IOC_SERIAL_BREAK, &on, sizeof(on));
}

int devdrv_serial_purge(struct devdrv_handle *h, unsigned what)
{
	return devdrv_ioctl(h, DEVDRV_IOC_SERIAL_PURGE, &what, sizeof(what));
}

int devdrv_serial_set_latency(struct devdrv_handle *h, unsigned ms)
{
	return devdrv_ioctl(h, DEVDRV_IOC_SERIAL_LATENCY, &ms, sizeof(ms));
}

int devdrv_serial_parse_format(const char *text, struct devdrv_serial_config *cfg)
{
	static const char parities[] = "NOEMS";
	const char *p;

	/* toupper, not "& ~0x20": that turns a space into NUL, which strchr finds */
	if (!text || !cfg || text[0] < '5' || text[0] > '8' || !text[1] ||
	    !(p = strchr(parities, toupper((unsigned char)text[1]))) || !*p)
		return DEVDRV_E_INVALID;
	if (!strcmp(text + 2, "1"))
		cfg->stop_bits = DEVDRV_STOP_1;
	else if (!strcmp(text + 2, "1.5"))
		cfg->stop_bits = DEVDRV_STOP_1_5;
	else if (!strcmp(text + 2, "2"))
		cfg->stop_bits = DEVDRV_STOP_2;
	else
		return DEVDRV_E_INVALID;
	cfg->data_bits = (uint8_t)(text[0] - '0');
	cfg->parity = (enum devdrv_parity)(p - parities);
	return 0;
}

const char *devdrv_serial_format_name(const struct devdrv_serial_config *cfg, char *buf, size_t len)
{
	static const char *const stops[] = { "1", "1.5", "2" };

	snprintf(buf, len, "%u%c%s", cfg->data_bits, "NOEMS"[cfg->parity % 5], stops[cfg->stop_bits % 3]);
	return buf;
}
