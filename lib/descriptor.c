/* descriptor.c — parsing untrusted configuration descriptors into
 * devdrv_config_info, and the descriptor/endpoint lookup helpers. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define USB_DT_CONFIG 0x02
#define USB_DT_INTERFACE 0x04
#define USB_DT_ENDPOINT 0x05
#define CONFIG_DESC_LEN 9
#define INTERFACE_DESC_LEN 9
#define ENDPOINT_DESC_LEN 7
#define MAX_ENDPOINTS 30 /* per interface: 15 IN and 15 OUT besides endpoint 0 */

const uint8_t *devdrv_desc_next(const uint8_t *buf, size_t len, size_t *offset, uint8_t type)
{
	while (buf && *offset + 2 <= len) {
		const uint8_t *d = buf + *offset;
		size_t dlen = d[0];

		if (dlen < 2 || dlen > len - *offset)
			return NULL; /* a lying bLength ends the walk */
		*offset += dlen;
		if (!type || d[1] == type)
			return d;
	}
	return NULL;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

/* Count interface descriptors and endpoints so the arrays are sized from
 * what is really there, not from counts the device claims. The walk starts
 * where the header says it ends (its bLength may exceed 9). */
static int count_descriptors(const uint8_t *raw, size_t len, size_t *n_intf, size_t *n_ep)
{
	size_t off = raw[0], in_this_intf = 0;
	const uint8_t *d;

	*n_intf = *n_ep = 0;
	while ((d = devdrv_desc_next(raw, len, &off, 0))) {
		if (d[1] == USB_DT_INTERFACE) {
			if (d[0] < INTERFACE_DESC_LEN)
				return DEVDRV_E_PROTOCOL;
			(*n_intf)++;
			in_this_intf = 0;
		} else if (d[1] == USB_DT_ENDPOINT && *n_intf) {
			/* endpoints before any interface belong to nothing */
			if (d[0] < ENDPOINT_DESC_LEN || ++in_this_intf > MAX_ENDPOINTS)
				return DEVDRV_E_PROTOCOL;
			(*n_ep)++;
		}
	}
	if (off != len)
		return DEVDRV_E_PROTOCOL; /* bLength ran past the end */
	return 0;
}

static void fill_interfaces(const uint8_t *raw, size_t len, struct devdrv_interface_info *intfs,
                            struct devdrv_endpoint_info *eps)
{
	struct devdrv_interface_info *cur = NULL;
	size_t off = raw[0], ni = 0, ne = 0;
	const uint8_t *d;

	while ((d = devdrv_desc_next(raw, len, &off, 0))) {
		if (d[1] == USB_DT_INTERFACE) {
			cur = &intfs[ni++];
			cur->number = d[2];
			cur->alt_setting = d[3];
			cur->cls = d[5];
			cur->subclass = d[6];
			cur->protocol = d[7];
			cur->endpoints = eps ? eps + ne : NULL;
			cur->extra = d + d[0];
		} else if (d[1] == USB_DT_ENDPOINT && cur) {
			struct devdrv_endpoint_info *ep = &eps[ne++];

			ep->address = d[2];
			ep->attributes = d[3];
			ep->max_packet = le16(d + 4);
			ep->interval = d[6];
			cur->num_endpoints++;
		} else if (cur && !cur->num_endpoints) {
			/* class descriptors between interface and first endpoint */
			cur->extra_len = (size_t)(d + d[0] - cur->extra);
		}
	}
}

int dd_parse_config(const uint8_t *raw, size_t len, struct devdrv_config_info *cfg)
{
	struct devdrv_interface_info *intfs = NULL;
	struct devdrv_endpoint_info *eps = NULL;
	size_t n_intf, n_ep, total;
	uint8_t *copy = NULL;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (!raw || len < CONFIG_DESC_LEN || raw[0] < CONFIG_DESC_LEN || raw[0] > len ||
	    raw[1] != USB_DT_CONFIG)
		return DEVDRV_E_PROTOCOL;
	total = le16(raw + 2);
	if (total < raw[0])
		return DEVDRV_E_PROTOCOL;
	if (total < len)
		len = total; /* trailing bytes are not ours */
	rc = count_descriptors(raw, len, &n_intf, &n_ep);
	if (rc < 0)
		return rc;
	if (n_intf > 255)
		return DEVDRV_E_PROTOCOL;
	copy = malloc(len);
	if (n_intf)
		intfs = calloc(n_intf, sizeof(*intfs));
	if (n_ep)
		eps = calloc(n_ep, sizeof(*eps));
	if (!copy || (n_intf && !intfs) || (n_ep && !eps)) {
		free(copy);
		free(intfs);
		free(eps);
		return DEVDRV_E_NOMEM;
	}
	memcpy(copy, raw, len);
	fill_interfaces(copy, len, intfs, eps);
	cfg->value = raw[5];
	cfg->attributes = raw[7];
	cfg->max_power_ma = (uint16_t)(raw[8] * 2);
	cfg->num_interfaces = (uint8_t)n_intf;
	cfg->interfaces = intfs;
	cfg->raw = copy;
	cfg->raw_len = len;
	return 0;
}

void dd_config_clear(struct devdrv_config_info *cfg)
{
	struct devdrv_interface_info *intfs = (struct devdrv_interface_info *)cfg->interfaces;

	if (intfs) {
		/* the first interface's endpoints start the shared array */
		free((void *)intfs[0].endpoints);
		for (size_t i = 0; i < cfg->num_interfaces; i++) {
			free((void *)intfs[i].kernel_driver);
			free((void *)intfs[i].name);
		}
	}
	free(intfs);
	free((void *)cfg->raw);
	memset(cfg, 0, sizeof(*cfg));
}

const struct devdrv_config_info *devdrv_active_config(const struct devdrv_device_info *info)
{
	if (!info || !info->num_configs)
		return NULL;
	for (unsigned i = 0; i < info->num_configs; i++)
		if (info->configs[i].value == info->active_config)
			return &info->configs[i];
	return &info->configs[0];
}

const struct devdrv_interface_info *devdrv_find_interface_alt(const struct devdrv_config_info *cfg,
                                                              int number, int alt)
{
	if (!cfg)
		return NULL;
	for (unsigned i = 0; i < cfg->num_interfaces; i++)
		if (cfg->interfaces[i].number == number && cfg->interfaces[i].alt_setting == alt)
			return &cfg->interfaces[i];
	return NULL;
}

const struct devdrv_interface_info *devdrv_find_interface(const struct devdrv_config_info *cfg,
                                                          int number)
{
	return devdrv_find_interface_alt(cfg, number, 0);
}

const struct devdrv_endpoint_info *devdrv_find_endpoint(const struct devdrv_interface_info *intf,
                                                        int in, unsigned type_mask)
{
	if (!intf)
		return NULL;
	for (unsigned i = 0; i < intf->num_endpoints; i++) {
		const struct devdrv_endpoint_info *ep = &intf->endpoints[i];
		int ep_in = (ep->address & 0x80) != 0;

		if (ep_in == !!in && (type_mask & (1u << (ep->attributes & 3))))
			return ep;
	}
	return NULL;
}
