/** @file
 * The serial class: line settings, flow control, modem lines,
 * break and purge, whatever chip is behind the handle (CDC-ACM, FTDI,
 * CP210x, CH34x, PL2303). devdrv_read/devdrv_write move payload bytes only.
 *
 * Each function is a typed wrapper of an ioctl below; on a handle whose
 * driver is not of the serial class they return DEVDRV_E_UNSUPPORTED.
 * Settings a chip cannot do give DEVDRV_E_UNSUPPORTED with the reason in
 * devdrv_errmsg(); baud rates are rounded to the nearest rate the chip can
 * make, and the rate actually set is reported back.
 *
 * Thread safety: as devdrv_read() (one thread at a time per handle), except
 * devdrv_serial_open() (as devdrv_open()) and devdrv_serial_parse_format()
 * and devdrv_serial_format_name(), which are pure and safe anywhere.
 */
#ifndef DEVDRV_SERIAL_H
#define DEVDRV_SERIAL_H

#include <devdrv/devdrv.h>
#include <devdrv/raw.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** Parity bit of each character ("N", "O", "E", "M", "S" of "8N1"). */
enum devdrv_parity {
	DEVDRV_PARITY_NONE = 0, /**< no parity bit */
	DEVDRV_PARITY_ODD,      /**< odd parity */
	DEVDRV_PARITY_EVEN,     /**< even parity */
	DEVDRV_PARITY_MARK,     /**< parity bit always 1 */
	DEVDRV_PARITY_SPACE,    /**< parity bit always 0 */
};

/** Stop bits after each character. */
enum devdrv_stop_bits {
	DEVDRV_STOP_1 = 0, /**< one */
	DEVDRV_STOP_1_5,   /**< one and a half */
	DEVDRV_STOP_2,     /**< two */
};

/** Flow control. */
enum devdrv_flow {
	DEVDRV_FLOW_NONE = 0, /**< none */
	DEVDRV_FLOW_RTSCTS,   /**< hardware: RTS and CTS */
	DEVDRV_FLOW_XONXOFF, /**< done by the chip, where it can */
};

/** Line settings and flow control of a serial port. */
struct devdrv_serial_config {
	uint32_t baud;     /**< bits per second */
	uint8_t data_bits; /**< 5-8 */
	enum devdrv_parity parity;       /**< parity bit */
	enum devdrv_stop_bits stop_bits; /**< stop bits */
	enum devdrv_flow flow;           /**< flow control */
};

/* Modem lines and line events (devdrv_serial_get_lines). */
#define DEVDRV_SERIAL_DTR 0x001     /**< out: Data Terminal Ready */
#define DEVDRV_SERIAL_RTS 0x002     /**< out: Request To Send */
#define DEVDRV_SERIAL_CTS 0x004     /**< in: Clear To Send */
#define DEVDRV_SERIAL_DSR 0x008     /**< in: Data Set Ready */
#define DEVDRV_SERIAL_RI 0x010      /**< in: Ring Indicator */
#define DEVDRV_SERIAL_DCD 0x020     /**< in: Data Carrier Detect */
#define DEVDRV_SERIAL_BREAK 0x100   /**< event seen since the last get_lines: a break */
#define DEVDRV_SERIAL_FRAMING 0x200 /**< event seen since the last get_lines: a framing error */
#define DEVDRV_SERIAL_PARITY 0x400  /**< event seen since the last get_lines: a parity error */
#define DEVDRV_SERIAL_OVERRUN 0x800 /**< event seen since the last get_lines: received bytes lost */

/** devdrv_serial_purge(): drop what was received and not yet read. */
#define DEVDRV_SERIAL_PURGE_RX 1
/** devdrv_serial_purge(): drop what was written and not yet sent. */
#define DEVDRV_SERIAL_PURGE_TX 2

/**
 * Open the serial port @p selector names with the line settings @p cfg from
 * the first request on (NULL: 9600 8N1, no flow control), as a tty open
 * applies its termios, and raise DTR and RTS. Settings the chip cannot do
 * are refused before anything is sent to it; the settings in force are then
 * those of devdrv_serial_get_config(). Thread safety: as devdrv_open().
 * @param ctx       the context
 * @param selector  the device, as for devdrv_open()
 * @param cfg       the line settings, or NULL for 9600 8N1
 * @param[out] out  the handle
 * @return the codes of devdrv_open(); DEVDRV_E_UNSUPPORTED (the chip cannot
 *         do @p cfg, or the device's driver is not a serial driver; the
 *         context errmsg says which), DEVDRV_E_INVALID (out of range).
 */
int devdrv_serial_open(struct devdrv_context *ctx, const char *selector,
                       const struct devdrv_serial_config *cfg, struct devdrv_handle **out);

/**
 * Apply line settings and flow control. @p actual (may be NULL) gets what the
 * chip really does, e.g. the rounded baud rate. A setting the chip cannot do
 * is refused before any request reaches it: the port keeps its settings.
 * @param h     a serial handle
 * @param want  the settings asked for
 * @param[out] actual  the settings in force afterwards, or NULL
 * @return 0, DEVDRV_E_UNSUPPORTED (the chip cannot: see devdrv_errmsg),
 *         DEVDRV_E_INVALID (out of range), or a transfer error.
 */
int devdrv_serial_configure(struct devdrv_handle *h, const struct devdrv_serial_config *want,
                            struct devdrv_serial_config *actual);
/** The settings in force.
 * @param h  a serial handle
 * @param[out] cfg  the settings
 * @return 0, DEVDRV_E_UNSUPPORTED. */
int devdrv_serial_get_config(struct devdrv_handle *h, struct devdrv_serial_config *cfg);
/** Set the output lines in @p mask (DTR, RTS) to @p values.
 * @param h       a serial handle
 * @param mask    the lines to set: DEVDRV_SERIAL_DTR, DEVDRV_SERIAL_RTS
 * @param values  their new states, as bits of the same values (others ignored)
 * @return 0, DEVDRV_E_INVALID (other bits), DEVDRV_E_UNSUPPORTED, a transfer error. */
int devdrv_serial_set_lines(struct devdrv_handle *h, unsigned mask, unsigned values);
/** Output and input lines, and the line events since the last call. Lines
 * are read fresh from the chip, or come from its status pipe; once that pipe
 * has stopped (the device is gone) this fails rather than repeat old lines.
 * @param h  a serial handle
 * @param[out] lines  DEVDRV_SERIAL_DTR ... DEVDRV_SERIAL_DCD that are on,
 *             and DEVDRV_SERIAL_BREAK ... DEVDRV_SERIAL_OVERRUN seen
 * @return 0, DEVDRV_E_UNSUPPORTED, DEVDRV_E_DISCONNECTED, a transfer error. */
int devdrv_serial_get_lines(struct devdrv_handle *h, unsigned *lines);
/** Start (@p on != 0) or stop sending a break.
 * @param h   a serial handle
 * @param on  nonzero to start, 0 to stop
 * @return 0, DEVDRV_E_UNSUPPORTED, a transfer error. */
int devdrv_serial_break(struct devdrv_handle *h, int on);
/** Drop buffered data: DEVDRV_SERIAL_PURGE_RX and/or _TX.
 * @param h     a serial handle
 * @param what  DEVDRV_SERIAL_PURGE_RX, DEVDRV_SERIAL_PURGE_TX, or both
 * @return 0, DEVDRV_E_INVALID, DEVDRV_E_UNSUPPORTED, a transfer error. */
int devdrv_serial_purge(struct devdrv_handle *h, unsigned what);

/** Chips that hold received bytes until a timer expires (FTDI): set it, in
 * ms (1-255).
 * @param h   a serial handle
 * @param ms  the timer, 1-255
 * @return 0, DEVDRV_E_INVALID, DEVDRV_E_UNSUPPORTED (no such timer). */
int devdrv_serial_set_latency(struct devdrv_handle *h, unsigned ms);

/**
 * Parse a line format such as "8N1", "7E2" or "8N1.5" (data bits 5-8; parity
 * N, O, E, M, S; stop bits 1, 1.5, 2) into @p cfg, leaving baud and flow.
 * @param text  the format; the parity letter may be lower case
 * @param[in,out] cfg  gets data_bits, parity and stop_bits
 * @return 0, DEVDRV_E_INVALID.
 */
int devdrv_serial_parse_format(const char *text, struct devdrv_serial_config *cfg);
/** "8N1"-style name of @p cfg's format, into @p buf (at least 8 bytes).
 * @param cfg  the settings
 * @param buf  where the name is written
 * @param len  bytes of room in @p buf
 * @return @p buf. */
const char *devdrv_serial_format_name(const struct devdrv_serial_config *cfg, char *buf, size_t len);

/* The ioctls behind the functions (class 1 = serial). */
/** Argument of DEVDRV_IOC_SERIAL_CONFIGURE. */
struct devdrv_serial_configure_arg {
	/** In: the settings asked for; out: those in force. @{ */
	struct devdrv_serial_config want, actual;
	/** @} */
};
/** Argument of DEVDRV_IOC_SERIAL_SET_LINES. */
struct devdrv_serial_lines_arg {
	/** The lines to set, and their new states. @{ */
	unsigned mask, values;
	/** @} */
};
/** devdrv_serial_configure(); arg struct devdrv_serial_configure_arg. */
#define DEVDRV_IOC_SERIAL_CONFIGURE DEVDRV_IOC(1, 1)  /* struct devdrv_serial_configure_arg */
/** devdrv_serial_get_config(); arg struct devdrv_serial_config. */
#define DEVDRV_IOC_SERIAL_GET_CONFIG DEVDRV_IOC(1, 2) /* struct devdrv_serial_config */
/** devdrv_serial_set_lines(); arg struct devdrv_serial_lines_arg. */
#define DEVDRV_IOC_SERIAL_SET_LINES DEVDRV_IOC(1, 3)  /* struct devdrv_serial_lines_arg */
/** devdrv_serial_get_lines(); arg unsigned. */
#define DEVDRV_IOC_SERIAL_GET_LINES DEVDRV_IOC(1, 4)  /* unsigned */
/** devdrv_serial_break(); arg int. */
#define DEVDRV_IOC_SERIAL_BREAK DEVDRV_IOC(1, 5)      /* int */
/** devdrv_serial_purge(); arg unsigned. */
#define DEVDRV_IOC_SERIAL_PURGE DEVDRV_IOC(1, 6)      /* unsigned */
/** devdrv_serial_set_latency(); arg unsigned (ms). */
#define DEVDRV_IOC_SERIAL_LATENCY DEVDRV_IOC(1, 7)    /* unsigned (ms) */

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
