/* cdc.h — what the CDC drivers (cdc-acm, cdc-ecm) share: finding a
 * class-specific functional descriptor of the communication interface
 * (USB CDC 1.2, 5.2.3). */
#ifndef DEVDRV_CDC_H
#define DEVDRV_CDC_H

#include <devdrv/driver.h>

#define CDC_CS_INTERFACE 0x24
#define CDC_UNION 0x06
#define CDC_ETHERNET 0x0f

/* The functional descriptor of @type among @comm's, at least @min_len bytes
 * long (the device says how long: shorter ones are skipped), or NULL. */
static inline const uint8_t *cdc_functional(const struct devdrv_interface_info *comm, uint8_t type, size_t min_len)
{
	size_t off = 0;
	const uint8_t *d;

	while ((d = devdrv_desc_next(comm->extra, comm->extra_len, &off, CDC_CS_INTERFACE)))
		if (d[0] >= min_len && d[0] >= 3 && d[2] == type)
			return d;
	return NULL;
}

#endif
