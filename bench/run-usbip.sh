#!/bin/sh
# run-usbip.sh — boot the QEMU bed once and compare a bulk stream over USB/IP
# (127.0.0.1): devdrv usbip-export against the local virtual bus, and
# against the kernel's own usbip-host exporting gadget zero's SourceSink.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build bench-usbip-qemu
