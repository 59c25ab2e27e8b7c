/* fuzz-usbip.c — what a USB/IP client sends the server (lib/usbip/proto.h):
 * the operation header, the busid of an import, and a stream of URB-stage
 * headers. Whatever usbip_parse_cmd() accepts must be safe to act on: a
 * known command, a direction, an endpoint number below 16, a length the
 * server may allocate, no isochronous packets; and a refusal says why. */
#include "fuzz.h"
#include "usbip/proto.h"

#include <string.h>

static void check_cmd(const uint8_t *b)
{
	struct usbip_cmd cmd;
	char why[80] = "";
	int rc = usbip_parse_cmd(b, &cmd, why, sizeof(why));

	CHECK(rc == 0 || rc == -1);
	CHECK(memchr(why, 0, sizeof(why)) != NULL);
	if (rc < 0) {
		CHECK(why[0] != 0);
		return;
	}
	CHECK(cmd.command == USBIP_CMD_SUBMIT || cmd.command == USBIP_CMD_UNLINK);
	CHECK(cmd.seqnum == usbip_be32(b + 4) && cmd.devid == usbip_be32(b + 8));
	if (cmd.command == USBIP_CMD_UNLINK) {
		CHECK(cmd.unlink_seqnum == usbip_be32(b + 20) && cmd.length == 0);
		return;
	}
	CHECK(cmd.direction == USBIP_DIR_IN || cmd.direction == USBIP_DIR_OUT);
	CHECK(cmd.ep < 16);
	CHECK(cmd.length <= USBIP_MAX_TRANSFER);
	CHECK(cmd.packets == 0 || cmd.packets == -1);
	CHECK(memcmp(cmd.setup, b + 40, 8) == 0);
}

static void check_busid(const uint8_t *b)
{
	size_t n = 0;

	if (usbip_check_busid(b) < 0)
		return;
	while (n < USBIP_BUSID_LEN && b[n]) {
		CHECK(b[n] > 0x20 && b[n] < 0x7f); /* printable: fit for a log line */
		n++;
	}
	CHECK(n > 0 && n < USBIP_BUSID_LEN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usbip_op op;
	uint8_t back[USBIP_OP_LEN];

	if (size >= USBIP_OP_LEN) {
		usbip_parse_op(data, &op);
		usbip_put_op(back, op.code, op.status);
		CHECK(memcmp(back + 2, data + 2, USBIP_OP_LEN - 2) == 0);
	}
	if (size >= USBIP_BUSID_LEN)
		check_busid(data);
	for (size_t off = 0; off + USBIP_HEADER_LEN <= size; off += USBIP_HEADER_LEN)
		check_cmd(data + off);
	return 0;
}
