/* proto.h — the USB/IP wire format (the Linux kernel's
 * Documentation/usb/usbip_protocol.rst): the operation stage (device list,
 * import) and the URB stage (CMD_SUBMIT, CMD_UNLINK and their replies).
 * Every field is big-endian. Pure functions, so that the parser of what a
 * client sends can be fuzzed on its own. */
#ifndef DEVDRV_USBIP_PROTO_H
#define DEVDRV_USBIP_PROTO_H

#include <devdrv/devdrv.h>
#include <stddef.h>
#include <stdint.h>

#define USBIP_VERSION 0x0111
#define USBIP_OP_REQ_DEVLIST 0x8005
#define USBIP_OP_REP_DEVLIST 0x0005
#define USBIP_OP_REQ_IMPORT 0x8003
#define USBIP_OP_REP_IMPORT 0x0003

#define USBIP_CMD_SUBMIT 1
#define USBIP_CMD_UNLINK 2
#define USBIP_RET_SUBMIT 3
#define USBIP_RET_UNLINK 4

#define USBIP_DIR_OUT 0
#define USBIP_DIR_IN 1

/* Import status codes (the usbip tools print a message for each). */
#define USBIP_ST_OK 0
#define USBIP_ST_DEV_BUSY 2
#define USBIP_ST_DEV_ERR 3
#define USBIP_ST_NODEV 4
#define USBIP_ST_ERROR 5

#define USBIP_OP_LEN 8       /* version, code, status */
#define USBIP_BUSID_LEN 32
#define USBIP_PATH_LEN 256
#define USBIP_DEVICE_LEN 312 /* path, busid, busnum ... bNumInterfaces */
#define USBIP_IFACE_LEN 4    /* class, subclass, protocol, padding */
#define USBIP_HEADER_LEN 48  /* every URB-stage message */

/* URB_SHORT_NOT_OK in transfer_flags: a short IN transfer is an error. */
#define USBIP_URB_SHORT_NOT_OK 0x0001

/* The largest transfer a client may ask for: more than any Linux driver
 * submits in one URB (usb-storage: 120 KiB, uas: 1 MiB), and a bound on what
 * one command makes the server allocate. */
#define USBIP_MAX_TRANSFER (4u << 20)

struct usbip_op {
	uint16_t version, code;
	uint32_t status;
};

struct usbip_cmd {
	uint32_t command, seqnum, devid, direction, ep;
	/* CMD_SUBMIT */
	uint32_t flags, length;
	int32_t start_frame, packets, interval;
	uint8_t setup[8];
	/* CMD_UNLINK */
	uint32_t unlink_seqnum;
};

static inline uint32_t usbip_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t usbip_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

void usbip_put_be32(uint8_t *p, uint32_t v);
void usbip_put_be16(uint8_t *p, uint16_t v);

void usbip_parse_op(const uint8_t b[USBIP_OP_LEN], struct usbip_op *op);
void usbip_put_op(uint8_t b[USBIP_OP_LEN], uint16_t code, uint32_t status);

/* Decode a URB-stage header and check what the server relies on: a known
 * command, a direction, an endpoint number, a length it will allocate, no
 * isochronous packets on a non-isochronous request. 0, or -1 with @why set. */
int usbip_parse_cmd(const uint8_t b[USBIP_HEADER_LEN], struct usbip_cmd *cmd, char *why, size_t why_len);

/* The busid a client names: NUL-terminated within its 32 bytes, printable,
 * not empty. 0 or -1. */
int usbip_check_busid(const uint8_t b[USBIP_BUSID_LEN]);

/* The device part of OP_REP_DEVLIST and OP_REP_IMPORT. */
void usbip_put_device(uint8_t b[USBIP_DEVICE_LEN], const struct devdrv_device_info *info, const char *busid);
/* Interfaces of the active configuration (setting 0 of each), as the list
 * counts them; at most @max are written to @b (USBIP_IFACE_LEN each). */
unsigned usbip_put_interfaces(uint8_t *b, unsigned max, const struct devdrv_device_info *info);

void usbip_put_ret_submit(uint8_t b[USBIP_HEADER_LEN], uint32_t seqnum, int32_t status, uint32_t actual);
void usbip_put_ret_unlink(uint8_t b[USBIP_HEADER_LEN], uint32_t seqnum, int32_t status);

/* The device's id on the wire: bus << 16 | address, as usbip-host makes it. */
uint32_t usbip_devid(const struct devdrv_device_info *info);
/* enum devdrv_speed to the kernel's enum usb_device_speed. */
uint32_t usbip_speed(enum devdrv_speed s);
/* A transfer's result as the negative errno a URB carries. */
int32_t usbip_status(int devdrv_status);


/* ---- the client's side (the usbip transport) ---- */

struct usbip_ret {
	uint32_t command, seqnum;
	int32_t status; /* a negative errno, as the URB ended */
	uint32_t actual;
	int32_t packets;
};

/* A device of OP_REP_DEVLIST or OP_REP_IMPORT, as the server describes it. */
struct usbip_device {
	char busid[USBIP_BUSID_LEN];
	uint32_t busnum, devnum;
	enum devdrv_speed speed;
	uint16_t vid, pid, bcd_device;
	uint8_t cls, subclass, protocol;
	uint8_t config_value, num_configs, num_interfaces;
};

void usbip_put_cmd_submit(uint8_t b[USBIP_HEADER_LEN], const struct usbip_cmd *cmd);
void usbip_put_cmd_unlink(uint8_t b[USBIP_HEADER_LEN], uint32_t seqnum, uint32_t devid, uint32_t victim);
/* Decode a reply header: RET_SUBMIT or RET_UNLINK, no isochronous packets.
 * The caller checks actual against what it asked for. 0, or -1 with @why. */
int usbip_parse_ret(const uint8_t b[USBIP_HEADER_LEN], struct usbip_ret *ret, char *why, size_t why_len);
/* Decode and check a server's device record (busid terminated and
 * printable, bus and address bytes). 0 or -1. */
int usbip_parse_device(const uint8_t b[USBIP_DEVICE_LEN], struct usbip_device *dev);
/* A URB's negative errno as a DEVDRV_E_* code. */
int usbip_devdrv_status(int32_t status);

#endif
