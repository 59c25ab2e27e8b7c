/* format.h — the recording format of the record filter and the replay
 * transport (docs/recording.md): one line per fact, "devdrv-recording 1"
 * first, then the device, its strings and configuration descriptors, then
 * one line per completed transfer. Pure: strings and files, no handles. */
#ifndef DEVDRV_REPLAY_FORMAT_H
#define DEVDRV_REPLAY_FORMAT_H

#include <devdrv/driver.h>
#include <stdio.h>

#define DD_RF_VERSION 1
#define DD_RF_MAX_LINE (2 * 1024 * 1024 + 4096) /* a 1 MiB transfer in hex, and its fields */
#define DD_RF_MAX_DATA (1024 * 1024)
#define DD_RF_MAX_TRANSFERS 1000000
#define DD_RF_MAX_CONFIGS 8

struct dd_rf_device {
	uint16_t vid, pid, bcd_device, bcd_usb;
	uint8_t cls, subclass, protocol, max_packet0;
	uint8_t bus, address, active_config;
	enum devdrv_speed speed;
	char port[40];
	char *manufacturer, *product, *serial; /* NULL when absent */
	uint8_t *configs[DD_RF_MAX_CONFIGS];
	size_t config_len[DD_RF_MAX_CONFIGS];
	unsigned num_configs;
};

struct dd_rf_transfer {
	unsigned line;           /* in the file, for messages */
	enum devdrv_transfer_type type;
	uint8_t endpoint;        /* control: bmRequestType & 0x80 */
	uint8_t request_type, request;
	uint16_t value, index;
	size_t length;           /* requested */
	int status;              /* 0 or DEVDRV_E_* */
	size_t actual;
	uint8_t *out;            /* OUT data (length bytes), or NULL */
	uint8_t *in;             /* IN data (actual bytes), or NULL */
	unsigned wait_ms;        /* bulk/interrupt IN: how long the device took to answer */
};

struct dd_recording {
	char *path;
	struct dd_rf_device dev;
	struct dd_rf_transfer *transfers; /* in the order they completed */
	size_t num_transfers;
};

/* Parse a recording from memory; @name labels messages ("FILE:LINE: ...").
 * Returns 0, or DEVDRV_E_INVALID / DEVDRV_E_NOMEM with @err set. */
int dd_rf_parse(const char *buf, size_t len, const char *name, struct dd_recording **out, char *err,
                size_t errlen);
int dd_rf_load(const char *path, struct dd_recording **out, char *err, size_t errlen);
void dd_rf_free(struct dd_recording *r);

/* Writing: the header (version, device, strings, configurations), then one
 * line per transfer. Return 0 or -1 (errno). */
int dd_rf_write_header(FILE *f, const struct devdrv_device_info *info);
/* @wait_ms: how long a bulk or interrupt IN transfer waited for the device
 * (written as wait= when not 0). */
int dd_rf_write_transfer(FILE *f, const struct devdrv_transfer *t, unsigned wait_ms);
/* The longest wait= a recording may say. */
#define DD_RF_MAX_WAIT_MS 3600000u

/* "ok", "stall"... and back; NULL / -1 when unknown. */
const char *dd_rf_status_name(int status);
int dd_rf_status_of(const char *name, size_t len, int *status);

#endif
