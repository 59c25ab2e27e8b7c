/* proto.c — encoding and checking of USB/IP messages (see proto.h). */
#include "proto.h"

#include <devdrv/driver.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

void usbip_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

void usbip_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

void usbip_parse_op(const uint8_t b[USBIP_OP_LEN], struct usbip_op *op)
{
	op->version = usbip_be16(b);
	op->code = usbip_be16(b + 2);
	op->status = usbip_be32(b + 4);
}

void usbip_put_op(uint8_t b[USBIP_OP_LEN], uint16_t code, uint32_t status)
{
	usbip_put_be16(b, USBIP_VERSION);
	usbip_put_be16(b + 2, code);
	usbip_put_be32(b + 4, status);
}

static int refuse(char *why, size_t why_len, const char *what, uint32_t value)
{
	snprintf(why, why_len, "%s %u", what, value);
	return -1;
}

int usbip_parse_cmd(const uint8_t b[USBIP_HEADER_LEN], struct usbip_cmd *cmd, char *why, size_t why_len)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->command = usbip_be32(b);
	cmd->seqnum = usbip_be32(b + 4);
	cmd->devid = usbip_be32(b + 8);
	cmd->direction = usbip_be32(b + 12);
	cmd->ep = usbip_be32(b + 16);
	if (cmd->command == USBIP_CMD_UNLINK) {
		cmd->unlink_seqnum = usbip_be32(b + 20);
		return 0;
	}
	if (cmd->command != USBIP_CMD_SUBMIT)
		return refuse(why, why_len, "unknown command", cmd->command);
	cmd->flags = usbip_be32(b + 20);
	cmd->length = usbip_be32(b + 24);
	cmd->start_frame = (int32_t)usbip_be32(b + 28);
	cmd->packets = (int32_t)usbip_be32(b + 32);
	cmd->interval = (int32_t)usbip_be32(b + 36);
	memcpy(cmd->setup, b + 40, 8);
	if (cmd->direction != USBIP_DIR_OUT && cmd->direction != USBIP_DIR_IN)
		return refuse(why, why_len, "direction", cmd->direction);
	if (cmd->ep > 15)
		return refuse(why, why_len, "endpoint number", cmd->ep);
	if (cmd->length > USBIP_MAX_TRANSFER)
		return refuse(why, why_len, "transfer length", cmd->length);
	/* non-isochronous URBs carry 0 packets; newer kernels say -1 */
	if (cmd->packets != 0 && cmd->packets != -1)
		return refuse(why, why_len, "isochronous packets (refused)", (uint32_t)cmd->packets);
	return 0;
}

int usbip_check_busid(const uint8_t b[USBIP_BUSID_LEN])
{
	size_t n = 0;

	while (n < USBIP_BUSID_LEN && b[n])
		if (b[n] < 0x21 || b[n++] > 0x7e)
			return -1;
	return n > 0 && n < USBIP_BUSID_LEN ? 0 : -1;
}

uint32_t usbip_devid(const struct devdrv_device_info *info)
{
	return (uint32_t)info->bus << 16 | info->address;
}

uint32_t usbip_speed(enum devdrv_speed s)
{
	switch (s) {
	case DEVDRV_SPEED_LOW: return 1;
	case DEVDRV_SPEED_FULL: return 2;
	case DEVDRV_SPEED_HIGH: return 3;
	case DEVDRV_SPEED_SUPER: return 5; /* 4 is wireless USB */
	case DEVDRV_SPEED_SUPER_PLUS: return 6;
	default: return 0;
	}
}

int32_t usbip_status(int devdrv_status)
{
	switch (devdrv_status) {
	case 0: return 0;
	case DEVDRV_E_PIPE: return -EPIPE;
	case DEVDRV_E_OVERFLOW: return -EOVERFLOW;
	case DEVDRV_E_DISCONNECTED: return -ESHUTDOWN;
	case DEVDRV_E_CANCELLED: return -ECONNRESET;
	case DEVDRV_E_TIMEOUT: return -ETIMEDOUT;
	case DEVDRV_E_PROTOCOL: return -EPROTO;
	case DEVDRV_E_INVALID: return -EINVAL;
	case DEVDRV_E_NOMEM: return -ENOMEM;
	default: return -EIO;
	}
}

unsigned usbip_put_interfaces(uint8_t *b, unsigned max, const struct devdrv_device_info *info)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(info);
	unsigned n = 0;

	for (unsigned i = 0; cfg && i < cfg->num_interfaces; i++) {
		const struct devdrv_interface_info *intf = &cfg->interfaces[i];

		if (intf->alt_setting != 0)
			continue;
		if (b && n < max) {
			uint8_t *p = b + (size_t)n * USBIP_IFACE_LEN;

			p[0] = intf->cls, p[1] = intf->subclass, p[2] = intf->protocol, p[3] = 0;
		}
		n++;
	}
	return n;
}

void usbip_put_device(uint8_t b[USBIP_DEVICE_LEN], const struct devdrv_device_info *info, const char *busid)
{
	const struct devdrv_config_info *cfg = devdrv_active_config(info);
	unsigned ifaces = usbip_put_interfaces(NULL, 0, info);

	memset(b, 0, USBIP_DEVICE_LEN);
	snprintf((char *)b, USBIP_PATH_LEN, "/devdrv/%s/%s", info->transport, info->port_path);
	snprintf((char *)b + USBIP_PATH_LEN, USBIP_BUSID_LEN, "%s", busid);
	b += USBIP_PATH_LEN + USBIP_BUSID_LEN;
	usbip_put_be32(b, info->bus);
	usbip_put_be32(b + 4, info->address);
	usbip_put_be32(b + 8, usbip_speed(info->speed));
	usbip_put_be16(b + 12, info->vid);
	usbip_put_be16(b + 14, info->pid);
	usbip_put_be16(b + 16, info->bcd_device);
	b[18] = info->cls, b[19] = info->subclass, b[20] = info->protocol;
	b[21] = cfg ? cfg->value : 0;
	b[22] = info->num_configs;
	b[23] = (uint8_t)(ifaces > 255 ? 255 : ifaces);
}

void usbip_put_ret_submit(uint8_t b[USBIP_HEADER_LEN], uint32_t seqnum, int32_t status, uint32_t actual)
{
	memset(b, 0, USBIP_HEADER_LEN);
	usbip_put_be32(b, USBIP_RET_SUBMIT);
	usbip_put_be32(b + 4, seqnum);
	/* devid, direction and ep stay 0, as the protocol asks of replies */
	usbip_put_be32(b + 20, (uint32_t)status);
	usbip_put_be32(b + 24, actual);
}

void usbip_put_ret_unlink(uint8_t b[USBIP_HEADER_LEN], uint32_t seqnum, int32_t status)
{
	memset(b, 0, USBIP_HEADER_LEN);
	usbip_put_be32(b, USBIP_RET_UNLINK);
	usbip_put_be32(b + 4, seqnum);
	usbip_put_be32(b + 20, (uint32_t)status);
}

/* ---- the client's side ------------------------------------------------- */

void usbip_put_cmd_submit(uint8_t b[USBIP_HEADER_LEN], const struct usbip_cmd *cmd)
{
	memset(b, 0, USBIP_HEADER_LEN);
	usbip_put_be32(b, USBIP_CMD_SUBMIT);
	usbip_put_be32(b + 4, cmd->seqnum);
	usbip_put_be32(b + 8, cmd->devid);
	usbip_put_be32(b + 12, cmd->direction);
	usbip_put_be32(b + 16, cmd->ep);
	usbip_put_be32(b + 20, cmd->flags);
	usbip_put_be32(b + 24, cmd->length);
	usbip_put_be32(b + 28, (uint32_t)cmd->start_frame);
	usbip_put_be32(b + 32, (uint32_t)cmd->packets);
	usbip_put_be32(b + 36, (uint32_t)cmd->interval);
	memcpy(b + 40, cmd->setup, 8);
}

void usbip_put_cmd_unlink(uint8_t b[USBIP_HEADER_LEN], uint32_t seqnum, uint32_t devid, uint32_t victim)
{
	memset(b, 0, USBIP_HEADER_LEN);
	usbip_put_be32(b, USBIP_CMD_UNLINK);
	usbip_put_be32(b + 4, seqnum);
	usbip_put_be32(b + 8, devid);
	usbip_put_be32(b + 20, victim);
}

int usbip_parse_ret(const uint8_t b[USBIP_HEADER_LEN], struct usbip_ret *ret, char *why, size_t why_len)
{
	memset(ret, 0, sizeof(*ret));
	ret->command = usbip_be32(b);
	ret->seqnum = usbip_be32(b + 4);
	ret->status = (int32_t)usbip_be32(b + 20);
	if (ret->command == USBIP_RET_UNLINK)
		return 0;
	if (ret->command != USBIP_RET_SUBMIT)
		return refuse(why, why_len, "unknown reply", ret->command);
	ret->actual = usbip_be32(b + 24);
	ret->packets = (int32_t)usbip_be32(b + 32);
	/* a server that reports isochronous packets for our non-isochronous
	 * URB would be followed by descriptors we do not read */
	if (ret->packets != 0 && ret->packets != -1)
		return refuse(why, why_len, "isochronous packets in a reply", (uint32_t)ret->packets);
	return 0;
}

/* The busid must end within its field and be printable: it becomes a port
 * path, a selector term and a file name in messages. */
static int parse_busid(const uint8_t *b, char *busid)
{
	if (usbip_check_busid(b) < 0)
		return -1;
	memcpy(busid, b, USBIP_BUSID_LEN);
	return 0;
}

static enum devdrv_speed speed_from_wire(uint32_t s)
{
	switch (s) {
	case 1: return DEVDRV_SPEED_LOW;
	case 2: return DEVDRV_SPEED_FULL;
	case 3: return DEVDRV_SPEED_HIGH;
	case 5: return DEVDRV_SPEED_SUPER;
	case 6: return DEVDRV_SPEED_SUPER_PLUS;
	default: return DEVDRV_SPEED_UNKNOWN;
	}
}

int usbip_parse_device(const uint8_t b[USBIP_DEVICE_LEN], struct usbip_device *dev)
{
	const uint8_t *p = b + USBIP_PATH_LEN + USBIP_BUSID_LEN;

	memset(dev, 0, sizeof(*dev));
	if (parse_busid(b + USBIP_PATH_LEN, dev->busid) < 0)
		return -1;
	dev->busnum = usbip_be32(p);
	dev->devnum = usbip_be32(p + 4);
	dev->speed = speed_from_wire(usbip_be32(p + 8));
	dev->vid = usbip_be16(p + 12);
	dev->pid = usbip_be16(p + 14);
	dev->bcd_device = usbip_be16(p + 16);
	dev->cls = p[18], dev->subclass = p[19], dev->protocol = p[20];
	dev->config_value = p[21];
	dev->num_configs = p[22];
	dev->num_interfaces = p[23];
	/* bus and address are bytes in USB; a server that says more lies */
	return dev->busnum > 255 || dev->devnum > 255 ? -1 : 0;
}

int usbip_devdrv_status(int32_t status)
{
	switch (-status) {
	case 0: return 0;
	case EPIPE: return DEVDRV_E_PIPE;
	case EOVERFLOW: return DEVDRV_E_OVERFLOW;
	case ESHUTDOWN: case ENODEV: return DEVDRV_E_DISCONNECTED;
	case EXDEV: return DEVDRV_E_UNSUPPORTED;
	case ECONNRESET: case ENOENT: return DEVDRV_E_CANCELLED;
	case ETIMEDOUT: return DEVDRV_E_TIMEOUT;
	case EPROTO: case EILSEQ: case EREMOTEIO: return DEVDRV_E_PROTOCOL;
	case EINVAL: return DEVDRV_E_INVALID;
	case ENOMEM: return DEVDRV_E_NOMEM;
	default: return DEVDRV_E_IO;
	}
}
