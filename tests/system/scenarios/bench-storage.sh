# bench-storage — reading all of QEMU's usb-storage (serial DEVDRV-BENCH, an
# image of the runner's) through the devdrv block API, raw Bulk-Only over
# libusb, the kernel's block device (dd) and devdrv storage dump, in one
# boot; BENCH lines become the runner's table.
. /scenarios/lib.sh

check "usb-storage (DEVDRV-BENCH) enumerated" wait_for 30 usb_by_serial DEVDRV-BENCH
stick=$(usb_by_serial DEVDRV-BENCH)
bench-storage "$stick" 8 2>&1 | sed 's/^/BENCH /'
finish
