#!/bin/sh
# run-pty.sh — boot the QEMU bed once and compare the PTY bridge (devdrv run
# --pty, read by head -c) with the serial driver's own read on the kernel's
# CDC-ACM gadget.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build bench-pty-qemu
