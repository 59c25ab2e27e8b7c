/* vmodel.h — how the library's own device models register (a linker
 * section); the model contract itself is public, in devdrv/virtual.h. */
#ifndef DEVDRV_VMODEL_H
#define DEVDRV_VMODEL_H

#include "../internal.h"

#include <devdrv/virtual.h>

#define DD_VMODEL_REGISTER(m)                                                       \
	static const struct devdrv_vmodel *const dd_vmodel_entry_##m                      \
	    __attribute__((used, section("dd_section_vmodels"), aligned(sizeof(void *)))) = &(m)

#endif
