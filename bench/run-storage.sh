#!/bin/sh
# run-storage.sh — boot the QEMU bed once and read all of QEMU's usb-storage
# through the devdrv block API, raw Bulk-Only over libusb (the baseline),
# the kernel's block device (dd) and devdrv storage dump. Prints MB/s of each
# and the ratios devdrv/raw and devdrv/kernel.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build bench-storage-qemu
