/* usbmon.h — a pcap file of USB traffic in the Linux usbmon format
 * (LINKTYPE_USB_LINUX_MMAPPED: a 64-byte header per event), as Wireshark and
 * tshark read it. Pure: knows files and bytes, not handles. */
#ifndef DEVDRV_USBMON_H
#define DEVDRV_USBMON_H

#include <stddef.h>
#include <stdint.h>

#define DD_USBMON_LINKTYPE 220
#define DD_USBMON_SNAPLEN 0x40000u /* 256 KiB of data per event, as usbmon's own default caps */

struct dd_usbmon;

/* One event: 'S' a submission, 'C' a completion, 'E' a submission error. */
struct dd_usbmon_event {
	uint64_t id;        /* the same for a transfer's S and C */
	char type;
	uint8_t xfer_type;  /* 0 isochronous, 1 interrupt, 2 control, 3 bulk */
	uint8_t endpoint;   /* address with the direction bit */
	uint8_t devnum;
	uint16_t busnum;
	int has_setup;      /* control submissions: the 8-byte setup packet */
	uint8_t setup[8];
	int64_t ts_sec;
	int32_t ts_usec;
	int32_t status;     /* -EINPROGRESS on submission, 0 or -errno at completion */
	uint32_t length;    /* requested (S) or actual (C) length */
	const uint8_t *data; /* what the event carries, or NULL */
	uint32_t data_len;
	int32_t interval;
};

/* Create @path and write the pcap file header. Returns 0, or -1 with @err set. */
int dd_usbmon_open(const char *path, struct dd_usbmon **out, char *err, size_t errlen);
/* Append one event (its data cut to the snapshot length). 0 or -1 (errno). */
int dd_usbmon_write(struct dd_usbmon *m, const struct dd_usbmon_event *ev);
/* The GET_DESCRIPTOR requests that enumeration made, replayed at the start
 * of a trace (a user-space trace begins after them): Wireshark learns the
 * interface classes from them and dissects class traffic. */
int dd_usbmon_write_enumeration(struct dd_usbmon *m, uint16_t busnum, uint8_t devnum, const uint8_t device[18],
                                const uint8_t *config, size_t config_len, int64_t ts_sec, int32_t ts_usec);
int dd_usbmon_flush(struct dd_usbmon *m);
/* Flush and close; -1 if anything was lost (a full disk). NULL is a no-op. */
int dd_usbmon_close(struct dd_usbmon *m);

#endif
