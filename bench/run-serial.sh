#!/bin/sh
# run-serial.sh — boot the QEMU bed once and compare the devdrv serial API
# with raw libusb bulk transfers on the kernel's CDC-ACM gadget.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build bench-serial-qemu
