#!/bin/sh
# demo.sh — set up, build, and run the main job on the embedded default, the
# virtual bus: list its devices, a write/read round trip on the loopback, and
# the same through a virtual FTDI serial chip, and a trace of a storage
# session that tshark decodes.
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
echo
echo "\$ devdrv --plug stick@1-3 --filter trace:/tmp/devdrv-demo.pcap storage 1-3 info"
./build/cli/devdrv --plug stick@1-3 --filter trace:/tmp/devdrv-demo.pcap storage 1-3 info
echo
echo "\$ tshark -r /tmp/devdrv-demo.pcap -Y usbms.dCBWSignature   (the trace, as Wireshark reads it)"
tshark -r /tmp/devdrv-demo.pcap -Y usbms.dCBWSignature 2>/dev/null | head -n 6
