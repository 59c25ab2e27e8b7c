/** @file
 * The HID class: report descriptors parsed into fields, reports
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

/** The three kinds of report (HID 1.11, 6.2.2.4: the main items). */
enum devdrv_hid_report_type {
	DEVDRV_HID_INPUT = 1,   /**< device to host, on the interrupt IN pipe */
	DEVDRV_HID_OUTPUT = 2,  /**< host to device */
	DEVDRV_HID_FEATURE = 3, /**< either way, with GET_REPORT / SET_REPORT */
};

/* Main item data bits (HID 1.11, 6.2.2.5): set means the second word. */
#define DEVDRV_HID_CONSTANT 0x001      /**< Constant, else Data */
#define DEVDRV_HID_VARIABLE 0x002      /**< Variable, else Array */
#define DEVDRV_HID_RELATIVE 0x004      /**< Relative, else Absolute */
#define DEVDRV_HID_WRAP 0x008           /**< Wrap, else No Wrap */
#define DEVDRV_HID_NONLINEAR 0x010      /**< Non Linear, else Linear */
#define DEVDRV_HID_NO_PREFERRED 0x020   /**< No Preferred, else Preferred State */
#define DEVDRV_HID_NULL_STATE 0x040     /**< Null State, else No Null Position */
#define DEVDRV_HID_VOLATILE 0x080       /**< Volatile, else Non Volatile (Output and Feature) */
#define DEVDRV_HID_BUFFERED_BYTES 0x100 /**< Buffered Bytes, else Bit Field */

/** A usage is its page in bits 16-31 and its ID in bits 0-15. */
#define DEVDRV_HID_USAGE(page, id) (((uint32_t)(page) << 16) | (uint16_t)(id))
/** The page of usage @p u. */
#define DEVDRV_HID_USAGE_PAGE(u) ((uint16_t)((u) >> 16))
/** The ID of usage @p u within its page. */
#define DEVDRV_HID_USAGE_ID(u) ((uint16_t)(u))

/** Usages given as a range (Usage Minimum..Maximum) or one (min == max). */
struct devdrv_hid_usage_range {
	/** The first and the last usage, inclusive. @{ */
	uint32_t min, max;
	/** @} */
};

/** One Input, Output or Feature main item: @p count values of @p bit_size bits. */
struct devdrv_hid_field {
	enum devdrv_hid_report_type type; /**< the main item: Input, Output or Feature */
	uint8_t report_id;     /**< 0 when the device uses no report IDs */
	uint32_t bit_offset;   /**< from the start of the report, after the ID byte */
	uint16_t bit_size;     /**< Report Size (1-32) */
	uint16_t count;        /**< Report Count */
	uint16_t flags;        /**< DEVDRV_HID_CONSTANT, _VARIABLE, ... */
	/** Logical Minimum and Maximum; max unsigned unless min < 0, as Linux
	 * reads it. @{ */
	int64_t logical_min, logical_max;
	/** @} */
	/** Physical Minimum and Maximum, as the descriptor gives them. @{ */
	int64_t physical_min, physical_max;
	/** @} */
	uint32_t unit;         /**< Unit, as the descriptor codes it (HID 1.11, 6.2.2.7) */
	int8_t unit_exponent;  /**< Unit Exponent: the value times 10 to this power */
	/** The local usages, in order. A Variable field's value i has usage i
	 * (the last one repeats); an Array field's value v names usage number
	 * v - logical_min of the list. */
	const struct devdrv_hid_usage_range *usages;
	uint16_t num_usages;   /**< entries of usages */
	int collection;        /**< index in the descriptor's collections, -1: none */
};

/** One Collection ... End Collection of a report descriptor. */
struct devdrv_hid_collection {
	uint8_t type;          /**< 0 physical, 1 application, 2 logical, 3 report, ... */
	uint32_t usage;        /**< the usage it is about (page << 16 | id), 0 if none */
	int parent;            /**< index, -1 at the top */
	uint8_t depth;         /**< 0 at the top, parent's depth + 1 inside one */
	size_t first_field;    /**< fields before its Collection item: where it stands */
};

/** The size of one report: every field with this type and ID. */
struct devdrv_hid_report_info {
	enum devdrv_hid_report_type type; /**< Input, Output or Feature */
	uint8_t report_id;     /**< 0 when the device uses no report IDs */
	uint32_t bits;         /**< payload, without the ID byte */
};

/** A parsed report descriptor, in the order of its items. */
struct devdrv_hid_descriptor {
	const struct devdrv_hid_field *fields;           /**< the main items, in order */
	size_t num_fields;                               /**< entries of fields */
	const struct devdrv_hid_collection *collections; /**< in order of their Collection items */
	size_t num_collections;                          /**< entries of collections */
	const struct devdrv_hid_report_info *reports;    /**< one per type and report ID */
	size_t num_reports;                              /**< entries of reports */
	int uses_report_ids;   /**< 1: every report starts with its ID byte */
};

/**
 * Parse report descriptor bytes (untrusted). Main, global and local items,
 * report IDs, usage pages and usages (ranges and 32-bit extended usages),
 * logical/physical ranges, units, collections, push/pop; long items are
 * skipped. Anything malformed (an item running past the end, unbalanced
 * collections or push/pop, report ID 0, a report size over 32 bits, limits on
 * nesting and counts exceeded) is refused, with what and where in @p err.
 * @param raw     the descriptor's bytes
 * @param len     how many
 * @param[out] out  the parsed descriptor
 * @param[out] err  what is wrong, one line (empty on success); may be NULL
 *                when @p errlen is 0
 * @param errlen  bytes of room in @p err
 * @return 0 and *out (free with devdrv_hid_free()), DEVDRV_E_PROTOCOL,
 *         DEVDRV_E_INVALID (NULL arguments), DEVDRV_E_NOMEM.
 */
int devdrv_hid_parse(const uint8_t *raw, size_t len, struct devdrv_hid_descriptor **out, char *err,
                     size_t errlen);
/** Free a descriptor of devdrv_hid_parse() (never one a handle owns).
 * @param d  the descriptor; NULL is a no-op */
void devdrv_hid_free(struct devdrv_hid_descriptor *d);

/** Bytes of report (@p type, @p report_id), the ID byte included when the
 * device uses IDs; 0 if there is no such report.
 * @param d          a parsed descriptor
 * @param type       Input, Output or Feature
 * @param report_id  its ID, 0 without IDs
 * @return the length in bytes, or 0. */
size_t devdrv_hid_report_length(const struct devdrv_hid_descriptor *d, enum devdrv_hid_report_type type,
                                uint8_t report_id);

/** The usage of entry @p index of @p f's usage list, ranges counted out;
 * 0 if there is none.
 * @param f      a field of a parsed descriptor
 * @param index  from 0
 * @return the usage (page << 16 | id), or 0. */
uint32_t devdrv_hid_field_usage(const struct devdrv_hid_field *f, uint32_t index);

/** One value of a decoded report. */
struct devdrv_hid_value {
	const struct devdrv_hid_field *field; /**< the field it belongs to */
	uint32_t usage;        /**< page << 16 | id; 0 if the field names none */
	int64_t value;         /**< sign-extended when logical_min < 0 */
};

/**
 * Decode one report of @p type into the values of its Data fields (constant
 * padding is skipped). Variable fields give one value each; Array fields give
 * one value (1, with the usage it names) per slot that names a usage. With
 * report IDs, @p report starts with the ID byte.
 * @param d       the parsed descriptor of the device that sent it
 * @param type    Input, Output or Feature
 * @param report  the report's bytes
 * @param len     how many
 * @param[out] values  room for @p max values
 * @param max     entries of @p values
 * @return the number of values the report holds (at most @p max written, so
 *         a larger return means @p values was too small), DEVDRV_E_NOT_FOUND
 *         (no such report ID), DEVDRV_E_PROTOCOL (shorter than its fields).
 */
ssize_t devdrv_hid_decode(const struct devdrv_hid_descriptor *d, enum devdrv_hid_report_type type,
                          const uint8_t *report, size_t len, struct devdrv_hid_value *values, size_t max);

/** Name of a usage page ("Generic Desktop", "Keyboard/Keypad"), or NULL.
 * @param page  the page (0xff00-0xffff: "Vendor-defined")
 * @return a static string, or NULL for a page without a name. */
const char *devdrv_hid_usage_page_name(uint16_t page);
/** Name of a usage ("X", "Left Shift", "Button 3", "Tip Switch"), or its
 * page and ID in hex ("ff00:0001") when there is none; into @p buf.
 * @param usage  page << 16 | id
 * @param buf    where the name is written
 * @param len    bytes of room in @p buf
 * @return @p buf, or "" when @p buf is NULL or @p len 0. */
const char *devdrv_hid_usage_name(uint32_t usage, char *buf, size_t len);
/** "Physical", "Application", "Logical", ...
 * @param type  the Collection item's data
 * @return a static string, never NULL ("Reserved", "Vendor-defined"). */
const char *devdrv_hid_collection_name(uint8_t type);

/* ---- on a handle bound to the hid driver -------------------------------- */

/** devdrv_open() for a HID device: a device whose driver is not of the hid
 * class is refused before its driver touches it. Thread safety: as
 * devdrv_open().
 * @param ctx       the context
 * @param selector  the device, as for devdrv_open()
 * @param[out] out  the handle
 * @return the codes of devdrv_open(), DEVDRV_E_UNSUPPORTED
 * (not a HID driver), DEVDRV_E_PROTOCOL (a malformed report descriptor). */
int devdrv_hid_open(struct devdrv_context *ctx, const char *selector, struct devdrv_handle **out);

/** The parsed descriptor, owned by the handle until devdrv_close().
 * @param h  a HID handle
 * @param[out] d  the descriptor
 * @return 0, DEVDRV_E_UNSUPPORTED (not a HID handle). */
int devdrv_hid_get_descriptor(struct devdrv_handle *h, const struct devdrv_hid_descriptor **d);
/** The report descriptor as the device sent it, owned by the handle.
 * @param h  a HID handle
 * @param[out] raw  its bytes
 * @param[out] len  how many
 * @return 0, DEVDRV_E_UNSUPPORTED. */
int devdrv_hid_get_report_descriptor(struct devdrv_handle *h, const uint8_t **raw, size_t *len);
/** GET_REPORT(Feature) of @p report_id (0 without IDs) into @p buf; with IDs
 * buf[0] is the ID.
 * @param h          a HID handle
 * @param report_id  the report, 0 without IDs
 * @param[out] buf   the report
 * @param len        bytes of room in @p buf
 * @return bytes, DEVDRV_E_NOT_FOUND (no such feature
 * report), DEVDRV_E_OVERFLOW (@p len too small), a transfer error. */
int devdrv_hid_get_feature(struct devdrv_handle *h, uint8_t report_id, void *buf, size_t len);
/** SET_REPORT(Feature): @p report as devdrv_hid_get_feature() returns it.
 * @param h       a HID handle
 * @param report  the report, its ID first when the device uses IDs
 * @param len     its length, which must be the report's
 * @return 0, DEVDRV_E_NOT_FOUND, DEVDRV_E_INVALID (wrong length), a transfer error. */
int devdrv_hid_set_feature(struct devdrv_handle *h, const void *report, size_t len);
/** SET_IDLE: report @p report_id (0: all) only on change, or at least every
 * @p duration_ms (0: only on change; rounded to 4 ms, at most 1020).
 * @param h            a HID handle
 * @param report_id    the input report, 0 for all
 * @param duration_ms  the longest between two reports, 0 only on change
 * @return 0, DEVDRV_E_INVALID, DEVDRV_E_PIPE (the device refuses), ... */
int devdrv_hid_set_idle(struct devdrv_handle *h, uint8_t report_id, unsigned duration_ms);
/** SET_PROTOCOL: boot (1) or report (0) protocol; boot interfaces only.
 * In boot protocol the reports are the fixed boot formats.
 * @param h     a HID handle
 * @param boot  1 boot protocol, 0 report protocol
 * @return 0, DEVDRV_E_UNSUPPORTED (not a boot interface), a transfer error. */
int devdrv_hid_set_boot_protocol(struct devdrv_handle *h, int boot);

/* The ioctls behind them (class 2 = hid). */
/** Argument of DEVDRV_IOC_HID_GET_FEATURE and DEVDRV_IOC_HID_SET_FEATURE. */
struct devdrv_hid_feature_arg {
	uint8_t report_id; /**< get: the report, 0 without IDs; set: unused (the ID is buf[0]) */
	void *buf;         /**< the report */
	size_t len;        /**< in: room (get) or length (set); out: bytes got */
};
/** Argument of DEVDRV_IOC_HID_GET_RAW_DESCRIPTOR. */
struct devdrv_hid_raw_arg {
	const uint8_t *raw; /**< out: the report descriptor, owned by the handle */
	size_t len;         /**< out: its length */
};
/** devdrv_hid_get_descriptor(); arg const struct devdrv_hid_descriptor *. */
#define DEVDRV_IOC_HID_GET_DESCRIPTOR DEVDRV_IOC(2, 1)     /* const struct devdrv_hid_descriptor * */
/** devdrv_hid_get_report_descriptor(); arg struct devdrv_hid_raw_arg. */
#define DEVDRV_IOC_HID_GET_RAW_DESCRIPTOR DEVDRV_IOC(2, 2) /* struct devdrv_hid_raw_arg */
/** devdrv_hid_get_feature(); arg struct devdrv_hid_feature_arg. */
#define DEVDRV_IOC_HID_GET_FEATURE DEVDRV_IOC(2, 3)        /* struct devdrv_hid_feature_arg */
/** devdrv_hid_set_feature(); arg struct devdrv_hid_feature_arg. */
#define DEVDRV_IOC_HID_SET_FEATURE DEVDRV_IOC(2, 4)        /* struct devdrv_hid_feature_arg */
/** devdrv_hid_set_idle(); arg unsigned: report ID << 16 | ms. */
#define DEVDRV_IOC_HID_SET_IDLE DEVDRV_IOC(2, 5)           /* unsigned: report ID << 16 | ms */
/** devdrv_hid_set_boot_protocol(); arg int: 1 boot, 0 report. */
#define DEVDRV_IOC_HID_SET_PROTOCOL DEVDRV_IOC(2, 6)       /* int: 1 boot, 0 report */

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
