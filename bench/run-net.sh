#!/bin/sh
# run-net.sh — boot the QEMU bed once and compare TCP through the kernel's
# usb_f_ncm gadget via devdrv run --tap (our cdc-ncm driver) with the
# kernel's own cdc_ncm driver on the same gadget, both directions.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build bench-net-qemu
