/* usbfs-emu.h — a usbfs emulator for umockdev: answers the ioctls libusb
 * sends to /dev/bus/usb/BBB/DDD, so real libusb runs against devices we
 * describe. The emulator's devices loop bulk OUT 0x01 back on bulk IN 0x81,
 * keep a scratch register on vendor requests 0x01/0x02, accept vendor
 * commands without data (as an FTDI chip does), stall every other control
 * request, and can be unplugged with URBs in flight. */
#ifndef USBFS_EMU_H
#define USBFS_EMU_H

#include <umockdev.h>

struct emu_device;

struct emu_device *emu_device_new(UMockdevTestbed *bed, const char *sysfs_record, int busnum,
                                  int devnum);
/* Fail pending URBs with @urb_status (-ENODEV as usbfs does, or -EPROTO as a
 * host controller may while tearing down), then every ioctl with ENODEV;
 * remove the device from sysfs. */
void emu_device_unplug(struct emu_device *d, int urb_status);
/* Fail pending IN URBs with @urb_status; the device stays. */
void emu_device_fail_pending(struct emu_device *d, int urb_status);
/* ioctls the device answered: a deterministic cost metric under umockdev. */
unsigned emu_device_ioctl_count(struct emu_device *d);
void emu_device_free(struct emu_device *d);

#endif
