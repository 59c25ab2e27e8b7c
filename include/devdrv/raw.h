/** @file
 * Ioctls of the raw class (the generic driver) and the core ioctls
 * every handle answers. Request codes carry the class in bits 8-15.
 *
 * devdrv_ioctl() takes these codes; the class headers (devdrv/serial.h,
 * devdrv/hid.h, devdrv/block.h, devdrv/net.h) define theirs with
 * DEVDRV_IOC(). */
#ifndef DEVDRV_RAW_H
#define DEVDRV_RAW_H

#include <devdrv/devdrv.h>

/** Request code number @p nr (0-255) of class @p cls: the class in bits
 * 8-15, the number in bits 0-7. The class is that of enum devdrv_class
 * (raw 0, serial 1, hid 2, block 3, net 4), DEVDRV_IOC_CORE_CLASS or
 * DEVDRV_IOC_PRIVATE_CLASS. */
#define DEVDRV_IOC(cls, nr) (((unsigned)(cls) << 8) | (unsigned)(nr))
/** Class byte of the core ioctls, which the core answers for every handle
 * whatever its driver. */
#define DEVDRV_IOC_CORE_CLASS 0xff
/** Class byte for a driver's own ioctls (a vendor driver's, like the toaster's). */
#define DEVDRV_IOC_PRIVATE_CLASS 0x80

/** Core: reset the device (arg NULL, size 0). */
#define DEVDRV_IOC_RESET DEVDRV_IOC(DEVDRV_IOC_CORE_CLASS, 1)
/** Core: clear a halt; arg uint8_t endpoint address. */
#define DEVDRV_IOC_CLEAR_HALT DEVDRV_IOC(DEVDRV_IOC_CORE_CLASS, 2)

/** Raw pipes a handle reads and writes. */
struct devdrv_raw_pipes {
	int interface; /**< bound interface */
	/** Endpoint addresses of the IN and OUT pipes, 0 when absent. @{ */
	uint8_t in, out;
	/** @} */
};

/** Raw: get the pipes (arg struct devdrv_raw_pipes). */
#define DEVDRV_IOC_RAW_GET_PIPES DEVDRV_IOC(0, 1)
/** Raw: use other endpoints of the bound interface (arg struct devdrv_raw_pipes;
 * interface is ignored, 0 keeps the current pipe). */
#define DEVDRV_IOC_RAW_SET_PIPES DEVDRV_IOC(0, 2)

#endif
