/* builtin.h — how the library's own drivers register: a pointer in the
 * "dd_section_drivers" linker section, collected when the registry is first
 * used, so adding a driver touches no central list. Programs and plugins use
 * DEVDRV_DRIVER_REGISTER() instead: a linker section only sees the module
 * it is linked into. */
#ifndef DEVDRV_BUILTIN_H
#define DEVDRV_BUILTIN_H

#include <devdrv/driver.h>

#define DD_DRIVER_REGISTER(drv)                                                     \
	static const struct devdrv_driver *const dd_driver_entry_##drv               \
	    __attribute__((used, section("dd_section_drivers"), aligned(sizeof(void *)))) = &(drv)

#endif
