/* test-trace.c — the trace filter's pcap files: their bytes against the
 * usbmon format (read back by hand here), and what tshark, which no one here
 * wrote, decodes from them: the SCSI commands of a mass storage session on
 * the virtual stick, control setup packets, IN data at completion, a stall. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <devdrv/block.h>
#include <devdrv/devdrv.h>
#include <devdrv/driver.h>
#include <devdrv/virtual.h>

static char dir[] = "/tmp/devdrv-trace-XXXXXX";
static char pcap_path[256], filters[300];

static int make_dir(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(pcap_path, sizeof(pcap_path), "%s/t.pcap", dir);
	snprintf(filters, sizeof(filters), "trace:%s", pcap_path);
	return 0;
}

static int remove_dir(void **state)
{
	(void)state;
	unlink(pcap_path);
	return rmdir(dir);
}

static struct devdrv_context *bus_with_trace(void)
{
	struct devdrv_context_options o = { .size = sizeof(o), .transports = DEVDRV_TRANSPORT_VIRTUAL,
		                            .filters = filters };
	struct devdrv_context *ctx = NULL;

	assert_int_equal(devdrv_context_new(&o, &ctx), 0);
	return ctx;
}

/* ---- reading the file back ------------------------------------------------ */

struct event {
	uint64_t id;
	char type;
	uint8_t xfer_type, endpoint, devnum;
	uint16_t bus;
	char flag_setup;
	int32_t status;
	uint32_t length, len_cap;
	uint8_t setup[8];
	uint8_t data[64];
};

static size_t read_events(struct event *ev, size_t max)
{
	FILE *f = fopen(pcap_path, "rb");
	uint32_t gh[6], rh[4];
	uint8_t h[64];
	size_t n = 0;

	assert_non_null(f);
	assert_int_equal(fread(gh, 4, 6, f), 6);
	assert_int_equal(gh[0], 0xa1b2c3d4u);
	assert_int_equal(gh[5], 220); /* LINKTYPE_USB_LINUX_MMAPPED */
	while (n < max && fread(rh, 4, 4, f) == 4) {
		struct event *e = &ev[n++];

		assert_true(rh[2] >= 64 && rh[2] <= rh[3]);
		assert_int_equal(fread(h, 1, 64, f), 64);
		memcpy(&e->id, h, 8);
		e->type = (char)h[8], e->xfer_type = h[9], e->endpoint = h[10], e->devnum = h[11];
		memcpy(&e->bus, h + 12, 2);
		e->flag_setup = (char)h[14];
		memcpy(&e->status, h + 28, 4);
		memcpy(&e->length, h + 32, 4);
		memcpy(&e->len_cap, h + 36, 4);
		memcpy(e->setup, h + 40, 8);
		assert_int_equal(rh[2], 64 + e->len_cap);
		memset(e->data, 0, sizeof(e->data));
		assert_int_equal(fread(e->data, 1, e->len_cap < 64 ? e->len_cap : 64, f), e->len_cap < 64 ? e->len_cap : 64);
		if (e->len_cap > 64)
			fseek(f, (long)e->len_cap - 64, SEEK_CUR);
	}
	fclose(f);
	return n;
}

static const struct event *find(const struct event *ev, size_t n, char type, uint8_t ep, size_t from)
{
	for (size_t i = from; i < n; i++)
		if (ev[i].type == type && ev[i].endpoint == ep)
			return &ev[i];
	return NULL;
}

/* Loopback: an OUT submission carries its data, an IN completion its data;
 * submission and completion share an id; a control transfer its setup. */
static void test_records_follow_usbmon(void **state)
{
	struct devdrv_context *ctx = bus_with_trace();
	struct devdrv_handle *h;
	struct event ev[32];
	const struct event *s, *c;
	uint8_t buf[8];
	size_t n;

	(void)state;
	assert_int_equal(devdrv_open(ctx, "1-1", &h), 0);
	assert_int_equal(devdrv_write(h, "hello", 5, 1000), 5);
	assert_int_equal(devdrv_read(h, buf, sizeof(buf), 1000), 5);
	assert_int_equal(devdrv_control(h, 0x40, 0x7f, 0x1234, 0x0005, NULL, 0, 1000), DEVDRV_E_PIPE);
	devdrv_close(h);
	devdrv_context_free(ctx);

	n = read_events(ev, 32);
	assert_int_equal(n, 4 + 6); /* the enumeration's two requests, then three transfers */
	assert_int_equal(ev[1].type, 'C');
	assert_memory_equal(ev[1].data, "\x12\x01", 2); /* the device descriptor */
	s = find(ev, n, 'S', 0x01, 4);
	c = find(ev, n, 'C', 0x01, 4);
	assert_non_null(s);
	assert_non_null(c);
	assert_true(s->id == c->id);
	assert_int_equal(s->xfer_type, 3);
	assert_int_equal(s->status, -EINPROGRESS);
	assert_int_equal(s->len_cap, 5);
	assert_memory_equal(s->data, "hello", 5);
	assert_int_equal(c->len_cap, 0);
	assert_int_equal(c->length, 5);
	assert_int_equal(s->bus, 1);
	assert_int_equal(s->devnum, 2); /* the loopback's address on the virtual bus */
	c = find(ev, n, 'C', 0x81, 4);
	assert_non_null(c);
	assert_int_equal(c->len_cap, 5);
	assert_memory_equal(c->data, "hello", 5);
	s = find(ev, n, 'S', 0x00, 4);
	assert_non_null(s);
	assert_int_equal(s->flag_setup, 0);
	assert_memory_equal(s->setup, "\x40\x7f\x34\x12\x05\x00\x00\x00", 8);
	c = find(ev, n, 'C', 0x00, 4);
	assert_int_equal(c->status, -EPIPE);
}

/* ---- tshark --------------------------------------------------------------------- */

static int have_tshark(void)
{
	return system("command -v tshark >/dev/null 2>&1") == 0;
}

/* tshark's one-line-per-frame field output for @filter and @fields. */
static void tshark(const char *filter, const char *fields, char *out, size_t len)
{
	char cmd[1024];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -Y '%s' -T fields %s 2>/dev/null", pcap_path, filter, fields);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
}

static void test_tshark_decodes_a_storage_session(void **state)
{
	struct devdrv_context *ctx;
	struct devdrv_handle *h;
	static uint8_t block[4096];
	char out[8192], want[32];

	(void)state;
	if (!have_tshark())
		skip();
	ctx = bus_with_trace();
	assert_int_equal(devdrv_virtual_plug(ctx, "stick", "1-3"), 0);
	assert_int_equal(devdrv_block_open(ctx, "1-3", &h), 0);
	assert_int_equal(devdrv_block_read(h, 2, 8, block, 1000), 0);
	snprintf(want, sizeof(want), "1\t%u\t0x02\n", devdrv_handle_info(h)->address);
	devdrv_close(h);
	devdrv_context_free(ctx);

	/* the SCSI commands, as Wireshark's USB mass storage dissector sees them */
	tshark("scsi_sbc.opcode == 0x12", "-e scsi_sbc.opcode", out, sizeof(out));
	assert_non_null(strstr(out, "0x12"));                      /* INQUIRY */
	tshark("scsi_sbc.opcode == 0x25", "-e scsi_sbc.opcode", out, sizeof(out));
	assert_non_null(strstr(out, "0x25"));                      /* READ CAPACITY(10) */
	tshark("scsi_sbc.opcode == 0x28 && usbms.dCBWSignature", "-e scsi_sbc.rdwr10.lba -e scsi_sbc.rdwr10.xferlen", out, sizeof(out));
	assert_string_equal(out, "2\t8\n");                        /* READ(10) LBA 2, 8 blocks */
	/* the bulk pipes belong to the stick's address on bus 1 */
	tshark("usbms.dCBWSignature", "-e usb.bus_id -e usb.device_address -e usb.endpoint_address", out, sizeof(out));
	assert_non_null(strstr(out, want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_follow_usbmon),
		cmocka_unit_test(test_tshark_decodes_a_storage_session),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
