#!/bin/sh
# run-gadget.sh — boot the QEMU bed once and compare the devdrv API with raw
# libusb on gadget zero SourceSink. Prints a table with the ratio devdrv/raw.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build bench-gadget-qemu
