/* hid.c — the HID class API: typed wrappers of the HID ioctls, and names for
 * the usage pages and usages people meet every day (HID Usage Tables 1.4).
 * Names are for display; a usage without one prints as page:id in hex. */
#include "internal.h"

#include <devdrv/hid.h>
#include <stdio.h>
#include <string.h>

struct name {
	uint16_t id;
	const char *text;
};

static const struct name pages[] = {
	{ 0x01, "Generic Desktop" }, { 0x02, "Simulation Controls" }, { 0x03, "VR Controls" },
	{ 0x04, "Sport Controls" },  { 0x05, "Game Controls" },       { 0x06, "Generic Device Controls" },
	{ 0x07, "Keyboard/Keypad" }, { 0x08, "LED" },                 { 0x09, "Button" },
	{ 0x0a, "Ordinal" },         { 0x0b, "Telephony" },           { 0x0c, "Consumer" },
	{ 0x0d, "Digitizer" },       { 0x0e, "Haptics" },             { 0x0f, "Physical Input Device" },
	{ 0x10, "Unicode" },         { 0x14, "Auxiliary Display" },   { 0x20, "Sensors" },
	{ 0x40, "Medical Instrument" }, { 0x59, "Lighting and Illumination" },
	{ 0x80, "Monitor" },         { 0x84, "Power Device" },        { 0x85, "Battery System" },
	{ 0x8c, "Barcode Scanner" }, { 0xf1d0, "FIDO Alliance" },
};

static const struct name generic_desktop[] = {
	{ 0x01, "Pointer" },  { 0x02, "Mouse" },       { 0x04, "Joystick" },   { 0x05, "Gamepad" },
	{ 0x06, "Keyboard" }, { 0x07, "Keypad" },      { 0x08, "Multi-axis Controller" },
	{ 0x30, "X" },        { 0x31, "Y" },           { 0x32, "Z" },          { 0x33, "Rx" },
	{ 0x34, "Ry" },       { 0x35, "Rz" },          { 0x36, "Slider" },     { 0x37, "Dial" },
	{ 0x38, "Wheel" },    { 0x39, "Hat Switch" },  { 0x3d, "Start" },      { 0x3e, "Select" },
	{ 0x48, "Resolution Multiplier" },             { 0x80, "System Control" },
	{ 0x81, "System Power Down" }, { 0x82, "System Sleep" }, { 0x83, "System Wake Up" },
	{ 0x90, "D-pad Up" }, { 0x91, "D-pad Down" },  { 0x92, "D-pad Right" }, { 0x93, "D-pad Left" },
};

/* Keyboard usages 0x28-0x65 after the letters and digits. */
static const char *const keyboard_keys[] = {
	"Enter", "Escape", "Backspace", "Tab", "Space", "-", "=", "[", "]", "\\", "Non-US #", ";",
	"'", "`", ",", ".", "/", "Caps Lock", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9",
	"F10", "F11", "F12", "Print Screen", "Scroll Lock", "Pause", "Insert", "Home", "Page Up",
	"Delete", "End", "Page Down", "Right Arrow", "Left Arrow", "Down Arrow", "Up Arrow",
	"Num Lock", "Keypad /", "Keypad *", "Keypad -", "Keypad +", "Keypad Enter", "Keypad 1",
	"Keypad 2", "Keypad 3", "Keypad 4", "Keypad 5", "Keypad 6", "Keypad 7", "Keypad 8",
	"Keypad 9", "Keypad 0", "Keypad .", "Non-US \\", "Application",
};

static const char *const keyboard_modifiers[] = {
	"Left Control", "Left Shift", "Left Alt", "Left GUI",
	"Right Control", "Right Shift", "Right Alt", "Right GUI",
};

static const struct name leds[] = {
	{ 0x01, "Num Lock" }, { 0x02, "Caps Lock" }, { 0x03, "Scroll Lock" }, { 0x04, "Compose" },
	{ 0x05, "Kana" },     { 0x4b, "Generic Indicator" },
};

static const struct name consumer[] = {
	{ 0x01, "Consumer Control" }, { 0x30, "Power" },       { 0x40, "Menu" },
	{ 0x6f, "Brightness Up" },    { 0x70, "Brightness Down" },
	{ 0xb0, "Play" },             { 0xb1, "Pause" },       { 0xb3, "Fast Forward" },
	{ 0xb4, "Rewind" },           { 0xb5, "Next Track" },  { 0xb6, "Previous Track" },
	{ 0xb7, "Stop" },             { 0xcd, "Play/Pause" },  { 0xe2, "Mute" },
	{ 0xe9, "Volume Up" },        { 0xea, "Volume Down" }, { 0x183, "AL Consumer Control Configuration" },
	{ 0x18a, "AL Email Reader" }, { 0x192, "AL Calculator" }, { 0x221, "AC Search" },
	{ 0x223, "AC Home" },         { 0x224, "AC Back" },    { 0x225, "AC Forward" },
	{ 0x238, "AC Pan" },
};

static const struct name digitizer[] = {
	{ 0x01, "Digitizer" },      { 0x02, "Pen" },          { 0x04, "Touch Screen" },
	{ 0x05, "Touch Pad" },      { 0x0e, "Device Configuration" }, { 0x20, "Stylus" },
	{ 0x22, "Finger" },         { 0x30, "Tip Pressure" }, { 0x32, "In Range" },
	{ 0x33, "Touch" },          { 0x3d, "X Tilt" },       { 0x3e, "Y Tilt" },
	{ 0x42, "Tip Switch" },     { 0x44, "Barrel Switch" }, { 0x45, "Eraser" },
	{ 0x47, "Confidence" },     { 0x48, "Width" },        { 0x49, "Height" },
	{ 0x51, "Contact Identifier" }, { 0x52, "Device Mode" }, { 0x54, "Contact Count" },
	{ 0x55, "Contact Count Maximum" }, { 0x56, "Scan Time" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *lookup(const struct name *table, size_t n, uint16_t id)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].id == id)
			return table[i].text;
	return NULL;
}

const char *devdrv_hid_usage_page_name(uint16_t page)
{
	if (page >= 0xff00)
		return "Vendor-defined";
	return lookup(pages, COUNT(pages), page);
}

static const char *keyboard_name(uint16_t id, char *buf, size_t len)
{
	if (id >= 0x04 && id <= 0x1d)
		snprintf(buf, len, "%c", 'a' + (id - 0x04));
	else if (id >= 0x1e && id <= 0x27)
		snprintf(buf, len, "%c", id == 0x27 ? '0' : '1' + (id - 0x1e));
	else if (id >= 0x28 && id - 0x28u < COUNT(keyboard_keys))
		snprintf(buf, len, "%s", keyboard_keys[id - 0x28]);
	else if (id >= 0xe0 && id <= 0xe7)
		snprintf(buf, len, "%s", keyboard_modifiers[id - 0xe0]);
	else if (id == 0x00)
		snprintf(buf, len, "No Event");
	else if (id == 0x01)
		snprintf(buf, len, "ErrorRollOver");
	else
		return NULL;
	return buf;
}

const char *devdrv_hid_usage_name(uint32_t usage, char *buf, size_t len)
{
	uint16_t page = DEVDRV_HID_USAGE_PAGE(usage), id = DEVDRV_HID_USAGE_ID(usage);
	const char *name = NULL;

	if (!buf || !len)
		return "";
	switch (page) {
	case 0x01: name = lookup(generic_desktop, COUNT(generic_desktop), id); break;
	case 0x07:
		if (keyboard_name(id, buf, len))
			return buf;
		break;
	case 0x08: name = lookup(leds, COUNT(leds), id); break;
	case 0x09:
		if (id) {
			snprintf(buf, len, "Button %u", id);
			return buf;
		}
		break;
	case 0x0c: name = lookup(consumer, COUNT(consumer), id); break;
	case 0x0d: name = lookup(digitizer, COUNT(digitizer), id); break;
	default: break;
	}
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%04x:%04x", page, id);
	return buf;
}

const char *devdrv_hid_collection_name(uint8_t type)
{
	static const char *const names[] = { "Physical", "Application", "Logical", "Report",
		                             "Named Array", "Usage Switch", "Usage Modifier" };

	if (type < COUNT(names))
		return names[type];
	return type >= 0x80 ? "Vendor-defined" : "Reserved";
}

/* ---- on a handle ------------------------------------------------------------- */

int devdrv_hid_open(struct devdrv_context *ctx, const char *selector, struct devdrv_handle **out)
{
	return dd_open(ctx, selector, DEVDRV_CLASS_HID, NULL, out);
}

int devdrv_hid_get_descriptor(struct devdrv_handle *h, const struct devdrv_hid_descriptor **d)
{
	if (!d)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "hid: NULL argument");
	return devdrv_ioctl(h, DEVDRV_IOC_HID_GET_DESCRIPTOR, d, sizeof(*d));
}

int devdrv_hid_get_report_descriptor(struct devdrv_handle *h, const uint8_t **raw, size_t *len)
{
	struct devdrv_hid_raw_arg arg = { NULL, 0 };
	int rc;

	if (!raw || !len)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "hid: NULL argument");
	rc = devdrv_ioctl(h, DEVDRV_IOC_HID_GET_RAW_DESCRIPTOR, &arg, sizeof(arg));
	if (rc == 0) {
		*raw = arg.raw;
		*len = arg.len;
	}
	return rc;
}

int devdrv_hid_get_feature(struct devdrv_handle *h, uint8_t report_id, void *buf, size_t len)
{
	struct devdrv_hid_feature_arg arg = { report_id, buf, len };
	int rc = devdrv_ioctl(h, DEVDRV_IOC_HID_GET_FEATURE, &arg, sizeof(arg));

	return rc < 0 ? rc : (int)arg.len;
}

int devdrv_hid_set_feature(struct devdrv_handle *h, const void *report, size_t len)
{
	struct devdrv_hid_feature_arg arg = { 0, (void *)report, len };

	return devdrv_ioctl(h, DEVDRV_IOC_HID_SET_FEATURE, &arg, sizeof(arg));
}

int devdrv_hid_set_idle(struct devdrv_handle *h, uint8_t report_id, unsigned duration_ms)
{
	unsigned arg = (unsigned)report_id << 16 | (duration_ms & 0xffff);

	if (duration_ms > 1020)
		return devdrv_handle_fail(h, DEVDRV_E_INVALID, "SET_IDLE: %u ms is over 1020 ms", duration_ms);
	return devdrv_ioctl(h, DEVDRV_IOC_HID_SET_IDLE, &arg, sizeof(arg));
}

int devdrv_hid_set_boot_protocol(struct devdrv_handle *h, int boot)
{
	return devdrv_ioctl(h, DEVDRV_IOC_HID_SET_PROTOCOL, &boot, sizeof(boot));
}
