/* vbus-std.c — what a virtual device answers by itself: the standard
 * requests (descriptors, strings, configuration, interfaces), the routing of
 * the rest to the model, and the log of control requests tests read. */
#include "vbus.h"

#include <string.h>

static int reply(struct devdrv_transfer *t, const void *data, size_t len)
{
	size_t n = len < t->length ? len : t->length;

	if (n) /* a zero-length data stage may come with no buffer */
		memcpy(t->buffer, data, n);
	return (int)n;
}

static int string_descriptor(struct devdrv_vdev *d, struct devdrv_transfer *t, unsigned index)
{
	uint8_t buf[255];
	const char *s;
	size_t n;

	if (index == 0) {
		static const uint8_t langids[] = { 4, 3, 0x09, 0x04 };
		return reply(t, langids, sizeof(langids));
	}
	if (index >= d->model->num_strings || !(s = d->model->strings[index]))
		return DEVDRV_E_PIPE;
	n = strlen(s);
	if (n > 126)
		n = 126;
	buf[0] = (uint8_t)(2 + 2 * n);
	buf[1] = 3;
	for (size_t i = 0; i < n; i++) { /* ASCII strings, so UTF-16LE is trivial */
		buf[2 + 2 * i] = (uint8_t)s[i];
		buf[3 + 2 * i] = 0;
	}
	return reply(t, buf, buf[0]);
}

/* Does the model's configuration have interface @iface with alt setting @alt? */
int vbus_has_alt_setting(const struct devdrv_vmodel *m, unsigned iface, unsigned alt)
{
	size_t off = 0;
	const uint8_t *desc;

	while ((desc = devdrv_desc_next(m->config_desc, vbus_config_len(m), &off, 4)))
		if (desc[0] >= 4 && desc[2] == iface && desc[3] == alt)
			return 1;
	return 0;
}

static int set_interface(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	unsigned iface = t->setup.index & 0xff, alt = t->setup.value;

	if (t->setup.index > 0xff || alt > 0xff || !vbus_has_alt_setting(d->model, iface, alt))
		return DEVDRV_E_PIPE;
	d->alt[iface] = (uint8_t)alt;
	return 0;
}

int vbus_standard_request(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	const uint8_t *cfg = d->model->config_desc;
	static const uint8_t zero2[2], one = 1;

	switch (t->setup.request) {
	case 0x00: /* GET_STATUS */
		return reply(t, zero2, sizeof(zero2));
	case 0x01: /* CLEAR_FEATURE (endpoint halt) */
	case 0x09: /* SET_CONFIGURATION */
		return (t->setup.request == 0x09 && t->setup.value > 1) ? DEVDRV_E_PIPE : 0;
	case 0x06: /* GET_DESCRIPTOR */
		switch (t->setup.value >> 8) {
		case 1: return reply(t, d->model->device_desc, 18);
		case 2: return (t->setup.value & 0xff) ? DEVDRV_E_PIPE : reply(t, cfg, vbus_config_len(d->model));
		case 3: return string_descriptor(d, t, t->setup.value & 0xff);
		default: return DEVDRV_E_PIPE;
		}
	case 0x08: /* GET_CONFIGURATION */
		return reply(t, &one, 1);
	case 0x0a: /* GET_INTERFACE */
		return t->setup.index < VBUS_MAX_INTERFACES ? reply(t, &d->alt[t->setup.index], 1) : DEVDRV_E_PIPE;
	case 0x0b: /* SET_INTERFACE */
		return set_interface(d, t);
	default:
		return DEVDRV_E_PIPE;
	}
}

void vbus_log_control(struct devdrv_vdev *d, const struct devdrv_transfer *t, int rc)
{
	struct dd_vcontrol *e = &d->log[d->log_count++ % DD_VCONTROL_LOG];
	size_t n = rc > 0 ? (size_t)rc : (t->setup.request_type & 0x80) ? 0 : t->length;

	memset(e, 0, sizeof(*e));
	e->request_type = t->setup.request_type;
	e->request = t->setup.request;
	e->value = t->setup.value;
	e->index = t->setup.index;
	e->length = (uint16_t)t->length;
	e->status = rc < 0 ? rc : 0;
	if (n) /* no data stage: t->buffer may be NULL */
		memcpy(e->data, t->buffer, n < sizeof(e->data) ? n : sizeof(e->data));
}

/* GET_DESCRIPTOR for a class descriptor (HID report 0x22, ...) to an
 * interface: standard in form, but only the model knows the answer. */
static int is_class_descriptor_request(const struct devdrv_transfer *t)
{
	return t->setup.request == 0x06 && (t->setup.request_type & 0x1f) == 0x01 && (t->setup.value >> 8) >= 0x21;
}

int vbus_control_locked(struct devdrv_vdev *d, struct devdrv_transfer *t)
{
	int is_standard = (t->setup.request_type & 0x60) == 0 && !is_class_descriptor_request(t);
	int rc = is_standard ? vbus_standard_request(d, t)
	         : d->model->control ? d->model->control(d, t)
	                             : DEVDRV_E_PIPE;

	if (!is_standard)
		vbus_log_control(d, t, rc);
	if (rc >= 0) {
		t->actual_length = (size_t)rc;
		vbus_pump_locked(d); /* a vendor request may have made data available */
	}
	return rc < 0 ? rc : 0;
}

/* Which interface owns @ep in its current alternate setting, or -1. */
int vbus_interface_of_endpoint(const struct devdrv_vdev *d, uint8_t ep, uint8_t *type)
{
	const struct devdrv_vmodel *m = d->model;
	size_t off = 0;
	const uint8_t *desc;
	int iface = -1, current = 0;

	while ((desc = devdrv_desc_next(m->config_desc, vbus_config_len(m), &off, 0))) {
		if (desc[1] == 4 && desc[0] >= 4) {
			iface = desc[2];
			current = d->alt[iface] == desc[3];
		} else if (desc[1] == 5 && desc[0] >= 4 && desc[2] == ep && current && iface >= 0) {
			*type = desc[3] & 3;
			return iface;
		}
	}
	return -1;
}
