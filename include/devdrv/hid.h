/* hid.h — the HID class: report descriptors parsed into fields, reports
 * decoded into (usage, value) pairs, and the class requests (feature
 * reports, SET_IDLE, boot protocol), whatever the device: keyboards, mice,
 * gamepads, digitizers, vendor devices.
 *
 * On a HID handle, devdrv_read() returns one input report from the interrupt
 * IN pipe and devdrv_write() sends one output report (on the interrupt OUT
 * pipe, or with SET_REPORT when the device has none). When the device uses
 * report IDs, a report's first byte is its ID, in both directions.
 *
 * The parser and decoder need no device: they work on any descriptor bytes
 * (a recording, /sys/kernel/debug/hid/.../rdesc, hidraw's HIDIOCGRDESC).
 * Thread safety: the parser, decoder and name functions are pure and safe
 * anywhere; a parsed descriptor is read-only, so any number of threads may
 * read it. The handle functions are as devdrv_read() (one thread at a time
 * per handle).
 */
#ifndef DEVDRV_HID_H
#define DEVDRV_HID_H

#include <devdrv/devdrv.h>
#include <devdrv/raw.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

enum devdrv_hid_report_type {
	DEVDRV_HID_INPUT = 1,
	DEVDRV_HID_OUTPUT = 2,
	DEVDRV_HID_FEATURE = 3,
};

/* Main item data bits (HID 1.11, 6.2.2.5): set means the second word. */
#define DEVDRV_HID_CONSTANT 0x001      /**< Constant, else Data */
#define DEVDRV_HID_VARIABLE 0x002      /**< Variable, else Array */
#define DEVDRV_HID_RELATIVE 0x004      /**< Relative, else Absolute */
#define DEVDRV_HID_WRAP 0x008
#define DEVDRV_HID_NONLINEAR 0x010
#define DEVDRV_HID_NO_PREFERRED 0x020
#define DEVDRV_HID_NULL_STATE 0x040
#define DEVDRV_HID_VOLATILE 0x080
#define DEVDRV_HID_BUFFERED_BYTES 0x100

/** A usage is its page in bits 16-31 and its ID in bits 0-15. */
#define DEVDRV_HID_USAGE(page, id) (((uint32_t)(page) << 16) | (uint16_t)(id))
#define DEVDRV_HID_USAGE_PAGE(u) ((uint16_t)((u) >> 16))
#define DEVDRV_HID_USAGE_ID(u) ((uint16_t)(u))

/** Usages given as a range (Usage Minimum..Maximum) or one (min == max). */
struct devdrv_hid_usage_range {
	uint32_t min, max;
};

/** One Input, Output or Feature main item: @p count values of @p bit_size bits. */
struct devdrv_hid_field {
	enum devdrv_hid_report_type type;
	uint8_t report_id;     /**< 0 when the device uses no report IDs */
	uint32_t bit_offset;   /**< from the start of the report, after the ID byte */
	uint16_t bit_size;     /**< Report Size (1-32) */
	uint16_t count;        /**< Report Count */
	uint16_t flags;        /**< DEVDRV_HID_CONSTANT, _VARIABLE, ... */
	int64_t logical_min, logical_max; /**< max unsigned unless min < 0, as Linux reads it */
	int64_t physical_min, physical_max;
	uint32_t unit;
	int8_t unit_exponent;
	/** The local usages, in order. A Variable field's value i has usage i
	 * (the last one repeats); an Array field's value v names usage number
	 * v - logical_min of the list. */
	const struct devdrv_hid_usage_range *usages;
	uint16_t num_usages;
	int collection;        /**< index in the descriptor's collections, -1: none */
};

struct devdrv_hid_collection {
	uint8_t type;          /**< 0 physical, 1 application, 2 logical, 3 report, ... */
	uint32_t usage;
	int parent;            /**< index, -1 at the top */
	uint8_t depth;
	size_t first_field;    /**< fields before its Collection item: where it stands */
};

/** The size of one report: every field with this type and ID. */
struct devdrv_hid_report_info {
	enum devdrv_hid_report_type type;
	uint8_t report_id;
	uint32_t bits;         /**< payload, without the ID byte */
};

/** A parsed report descriptor, in the order of its items. */
struct devdrv_hid_descriptor {
	const struct devdrv_hid_field *fields;
	size_t num_fields;
	const struct devdrv_hid_collection *collections;
	size_t num_collections;
	const struct devdrv_hid_report_info *reports;
	size_t num_reports;
	int uses_report_ids;
};

/**
 * Parse report descriptor bytes (untrusted). Main, global and local items,
 * report IDs, usage pages and usages (ranges and 32-bit extended usages),
 * logical/physical ranges, units, collections, push/pop; long items are
 * skipped. Anything malformed (an item running past the end, unbalanced
 * collections or push/pop, report ID 0, a report size over 32 bits, limits on
 * nesting and counts exceeded) is refused, with what and where in @p err.
 * @return 0 and *out (free with devdrv_hid_free()), DEVDRV_E_PROTOCOL,
 *         DEVDRV_E_INVALID (NULL arguments), DEVDRV_E_NOMEM.
 */
int devdrv_hid_parse(const uint8_t *raw, size_t len, struct devdrv_hid_descriptor **out, char *err,
                     size_t errlen);
void devdrv_hid_free(struct devdrv_hid_descriptor *d);

/** Bytes of report (@p type, @p report_id), the ID byte included when the
 * device uses IDs; 0 if there is no such report. */
size_t devdrv_hid_report_length(const struct devdrv_hid_descriptor *d, enum devdrv_hid_report_type type,
                                uint8_t report_id);

/** The usage of entry @p index of @p f's usage list, ranges counted out;
 * 0 if there is none. */
uint32_t devdrv_hid_field_usage(const struct devdrv_hid_field *f, uint32_t index);

struct devdrv_hid_value {
	const struct devdrv_hid_field *field;
	uint32_t usage;        /**< page << 16 | id; 0 if the field names none */
	int64_t value;         /**< sign-extended when logical_min < 0 */
};

/**
 * Decode one report of @p type into the values of its Data fields (constant
 * padding is skipped). Variable fields give one value each; Array fields give
 * one value (1, with the usage it names) per slot that names a usage. With
 * report IDs, @p report starts with the ID byte.
 * @return the number of values the report holds (at most @p max written, so
 *         a larger return means @p values was too small), DEVDRV_E_NOT_FOUND
 *         (no such report ID), DEVDRV_E_PROTOCOL (shorter than its fields).
 */
ssize_t devdrv_hid_decode(const struct devdrv_hid_descriptor *d, enum devdrv_hid_report_type type,
                          const uint8_t *report, size_t len, struct devdrv_hid_value *values, size_t max);

/** Name of a usage page ("Generic Desktop", "Keyboard/Keypad"), or NULL. */
const char *devdrv_hid_usage_page_name(uint16_t page);
/** Name of a usage ("X", "Left Shift", "Button 3", "Tip Switch"), or its
 * page and ID in hex ("ff00:0001") when there is none; into @p buf. */
const char *devdrv_hid_usage_name(uint32_t usage, char *buf, size_t len);
/** "Physical", "Application", "Logical", ... */
const char *devdrv_hid_collection_name(uint8_t type);

/* ---- on a handle bound to the hid driver -------------------------------- */

/** devdrv_open() for a HID device: a device whose driver is not of the hid
 * class is refused before its driver touches it. Thread safety: as
 * devdrv_open(). @return the codes of devdrv_open(), DEVDRV_E_UNSUPPORTED
 * (not a HID driver), DEVDRV_E_PROTOCOL (a malformed report descriptor). */
int devdrv_hid_open(struct devdrv_context *ctx, const char *selector, struct devdrv_handle **out);

/** The parsed descriptor, owned by the handle until devdrv_close().
 * @return 0, DEVDRV_E_UNSUPPORTED (not a HID handle). */
int devdrv_hid_get_descriptor(struct devdrv_handle *h, const struct devdrv_hid_descriptor **d);
/** The report descriptor as the device sent it, owned by the handle.
 * @return 0, DEVDRV_E_UNSUPPORTED. */
int devdrv_hid_get_report_descriptor(struct devdrv_handle *h, const uint8_t **raw, size_t *len);
/** GET_REPORT(Feature) of @p report_id (0 without IDs) into @p buf; with IDs
 * buf[0] is the ID. @return bytes, DEVDRV_E_NOT_FOUND (no such feature
 * report), DEVDRV_E_OVERFLOW (@p len too small), a transfer error. */
int devdrv_hid_get_feature(struct devdrv_handle *h, uint8_t report_id, void *buf, size_t len);
/** SET_REPORT(Feature): @p report as devdrv_hid_get_feature() returns it.
 * @return 0, DEVDRV_E_NOT_FOUND, DEVDRV_E_INVALID (wrong length), a transfer error. */
int devdrv_hid_set_feature(struct devdrv_handle *h, const void *report, size_t len);
/** SET_IDLE: report @p report_id (0: all) only on change, or at least every
 * @p duration_ms (0: only on change; rounded to 4 ms, at most 1020).
 * @return 0, DEVDRV_E_INVALID, DEVDRV_E_PIPE (the device refuses), ... */
int devdrv_hid_set_idle(struct devdrv_handle *h, uint8_t report_id, unsigned duration_ms);
/** SET_PROTOCOL: boot (1) or report (0) protocol; boot interfaces only.
 * In boot protocol the reports are the fixed boot formats.
 * @return 0, DEVDRV_E_UNSUPPORTED (not a boot interface), a transfer error. */
int devdrv_hid_set_boot_protocol(struct devdrv_handle *h, int boot);

/* The ioctls behind them (class 2 = hid). */
struct devdrv_hid_feature_arg {
	uint8_t report_id;
	void *buf;
	size_t len;        /**< in: room (get) or length (set); out: bytes got */
};
struct devdrv_hid_raw_arg {
	const uint8_t *raw;
	size_t len;
};
#define DEVDRV_IOC_HID_GET_DESCRIPTOR DEVDRV_IOC(2, 1)     /* const struct devdrv_hid_descriptor * */
#define DEVDRV_IOC_HID_GET_RAW_DESCRIPTOR DEVDRV_IOC(2, 2) /* struct devdrv_hid_raw_arg */
#define DEVDRV_IOC_HID_GET_FEATURE DEVDRV_IOC(2, 3)        /* struct devdrv_hid_feature_arg */
#define DEVDRV_IOC_HID_SET_FEATURE DEVDRV_IOC(2, 4)        /* struct devdrv_hid_feature_arg */
#define DEVDRV_IOC_HID_SET_IDLE DEVDRV_IOC(2, 5)           /* unsigned: report ID << 16 | ms */
#define DEVDRV_IOC_HID_SET_PROTOCOL DEVDRV_IOC(2, 6)       /* int: 1 boot, 0 report */

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
