#!/bin/sh
# run-nbd.sh — boot the QEMU bed once and compare reading QEMU's usb-storage
# through devdrv run --nbd /dev/nbd0 with the kernel's own usb-storage driver.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build bench-nbd-qemu
