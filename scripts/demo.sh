#!/bin/sh
# demo.sh — set up, build, and run the main job on the embedded default, the
# virtual bus: list its devices, then a write/read round trip on the loopback.
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
