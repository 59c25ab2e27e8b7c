/* usbmon.c — pcap files in the usbmon format (see usbmon.h). The layout is
 * the kernel's struct usbmon_packet (Documentation/usb/usbmon.rst, "binary
 * interface"), in host byte order as usbmon writes it; the pcap header's
 * magic tells readers that order. */
#include "usbmon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_LEN 64
#define WRITE_BUFFER (256 * 1024)

struct dd_usbmon {
	FILE *f;
	char *buf;
	int error; /* a write failed */
};

struct pcap_file_header {
	uint32_t magic;
	uint16_t version_major, version_minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};

struct pcap_record_header {
	uint32_t ts_sec, ts_usec, incl_len, orig_len;
};

int dd_usbmon_open(const char *path, struct dd_usbmon **out, char *err, size_t errlen)
{
	const struct pcap_file_header h = { 0xa1b2c3d4u, 2, 4, 0, 0, DD_USBMON_SNAPLEN, DD_USBMON_LINKTYPE };
	struct dd_usbmon *m = calloc(1, sizeof(*m));

	if (!m || !(m->buf = malloc(WRITE_BUFFER))) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!(m->f = fopen(path, "wb"))) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		free(m->buf);
		free(m);
		return -1;
	}
	setvbuf(m->f, m->buf, _IOFBF, WRITE_BUFFER); /* a record per transfer: buffer them */
	fwrite(&h, sizeof(h), 1, m->f);
	*out = m;
	return 0;
}

static void put_u16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* flag_data: 0 when the event carries data, else '<' (IN: not here yet) or
 * '>' (OUT: already sent), as the kernel marks it. */
static char data_flag(const struct dd_usbmon_event *ev, uint32_t captured)
{
	if (captured)
		return 0;
	return (ev->endpoint & 0x80) ? '<' : '>';
}

static void build_header(uint8_t h[HEADER_LEN], const struct dd_usbmon_event *ev, uint32_t captured)
{
	memset(h, 0, HEADER_LEN);
	put_u64(h, ev->id);
	h[8] = (uint8_t)ev->type;
	h[9] = ev->xfer_type;
	h[10] = ev->endpoint;
	h[11] = ev->devnum;
	put_u16(h + 12, ev->busnum);
	h[14] = ev->has_setup ? 0 : '-';
	h[15] = (uint8_t)data_flag(ev, captured);
	put_u64(h + 16, (uint64_t)ev->ts_sec);
	put_u32(h + 24, (uint32_t)ev->ts_usec);
	put_u32(h + 28, (uint32_t)ev->status);
	put_u32(h + 32, ev->length);
	put_u32(h + 36, captured);
	if (ev->has_setup)
		memcpy(h + 40, ev->setup, 8);
	put_u32(h + 48, (uint32_t)ev->interval);
}

int dd_usbmon_write(struct dd_usbmon *m, const struct dd_usbmon_event *ev)
{
	uint32_t captured = ev->data ? ev->data_len : 0;
	struct pcap_record_header r;
	uint8_t h[HEADER_LEN];

	if (captured > DD_USBMON_SNAPLEN - HEADER_LEN)
		captured = DD_USBMON_SNAPLEN - HEADER_LEN;
	build_header(h, ev, captured);
	r.ts_sec = (uint32_t)ev->ts_sec;
	r.ts_usec = (uint32_t)ev->ts_usec;
	r.incl_len = HEADER_LEN + captured;
	r.orig_len = HEADER_LEN + (ev->data ? ev->data_len : 0);
	if (fwrite(&r, sizeof(r), 1, m->f) != 1 || fwrite(h, HEADER_LEN, 1, m->f) != 1 ||
	    (captured && fwrite(ev->data, captured, 1, m->f) != 1))
		m->error = 1;
	return m->error ? -1 : 0;
}

/* One GET_DESCRIPTOR of @type answered with @desc, as a submission and its
 * completion. */
static int write_get_descriptor(struct dd_usbmon *m, uint64_t id, uint16_t busnum, uint8_t devnum, uint8_t type,
                                const uint8_t *desc, size_t len, int64_t sec, int32_t usec)
{
	struct dd_usbmon_event ev = { .id = id, .type = 'S', .xfer_type = 2, .endpoint = 0x80, .devnum = devnum,
		                      .busnum = busnum, .has_setup = 1, .ts_sec = sec, .ts_usec = usec,
		                      .status = -EINPROGRESS, .length = (uint32_t)len };
	const uint8_t setup[8] = { 0x80, 0x06, 0, type, 0, 0, (uint8_t)(len & 0xff), (uint8_t)(len >> 8) };

	memcpy(ev.setup, setup, 8);
	if (dd_usbmon_write(m, &ev) < 0)
		return -1;
	ev.type = 'C';
	ev.has_setup = 0;
	ev.status = 0;
	ev.data = desc;
	ev.data_len = (uint32_t)len;
	return dd_usbmon_write(m, &ev);
}

int dd_usbmon_write_enumeration(struct dd_usbmon *m, uint16_t busnum, uint8_t devnum, const uint8_t device[18],
                                const uint8_t *config, size_t config_len, int64_t ts_sec, int32_t ts_usec)
{
	if (config_len > 0xffff)
		config_len = 0xffff;
	if (write_get_descriptor(m, 1, busnum, devnum, 1, device, 18, ts_sec, ts_usec) < 0)
		return -1;
	return config && config_len ? write_get_descriptor(m, 2, busnum, devnum, 2, config, config_len, ts_sec, ts_usec) : 0;
}

int dd_usbmon_flush(struct dd_usbmon *m)
{
	if (fflush(m->f) != 0)
		m->error = 1;
	return m->error ? -1 : 0;
}

int dd_usbmon_close(struct dd_usbmon *m)
{
	int rc;

	if (!m)
		return 0;
	rc = (fclose(m->f) != 0 || m->error) ? -1 : 0;
	free(m->buf);
	free(m);
	return rc;
}
