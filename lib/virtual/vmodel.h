/* vmodel.h — the contract between the virtual bus and its device models. The
 * bus answers standard requests, checks endpoints and claims, queues
 * transfers and enforces timeouts; a model only moves data. */
#ifndef DEVDRV_VMODEL_H
#define DEVDRV_VMODEL_H

#include "../internal.h"

struct dd_vdev;

struct dd_vmodel {
	const char *name;
	const uint8_t *device_desc; /* 18 bytes */
	const uint8_t *config_desc; /* one configuration */
	size_t config_size;         /* its bytes; 0: its wTotalLength (a hostile model may lie) */
	const char *const *strings; /* [i] is string descriptor i; [0] unused */
	unsigned num_strings;
	enum devdrv_speed speed;
	size_t state_size;
	/* Vendor or class request on endpoint 0, called with the bus locked.
	 * Return the data-stage length, or DEVDRV_E_PIPE to stall. */
	int (*control)(struct dd_vdev *d, struct devdrv_transfer *t);
	/* Make progress on queued bulk/interrupt transfer @t (bus locked): update
	 * t->actual_length and return 1 once it is complete, 0 to keep waiting,
	 * or a DEVDRV_E_* code to fail it (OVERFLOW: more than t->length). */
	int (*service)(struct dd_vdev *d, struct devdrv_transfer *t);
};

void *dd_vdev_state(struct dd_vdev *d);

#define DD_VMODEL_REGISTER(m)                                                       \
	static const struct dd_vmodel *const dd_vmodel_entry_##m                      \
	    __attribute__((used, section("dd_section_vmodels"), aligned(sizeof(void *)))) = &(m)

#endif
