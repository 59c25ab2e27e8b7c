#!/bin/sh
# run-stack.sh — boot the QEMU bed once and measure what the driver stack
# costs on gadget zero's source: raw libusb async (the baseline) against
# devdrv with no filter, an empty pass-through filter, stats and trace.
# Prints MB/s of each and each ratio to raw, min/median/max over 5 rotated
# rounds.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build bench-stack-qemu
