#!/bin/sh
# demo.sh — set up, build, and run the main job on the embedded default, the
# virtual bus: list its devices, a write/read round trip on the loopback, and
# the same through a virtual FTDI serial chip.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build -Dsystem_tests=disabled >/dev/null
ninja -C build >/dev/null
export DEVDRV_TRANSPORT=virtual
echo "\$ devdrv list -v"
./build/cli/devdrv list -v
echo
echo "\$ loopback 1209:0001   (examples/loopback.c: write, then read back)"
./build/examples/loopback 1209:0001
echo
echo "\$ echo 'hello, FT232R' | devdrv --plug ft232r@1-3 serial 1-3 --baud 115200"
echo 'hello, FT232R' | ./build/cli/devdrv --plug ft232r@1-3 serial 1-3 --baud 115200
