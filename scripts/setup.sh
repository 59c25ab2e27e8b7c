#!/bin/sh
# setup.sh — install what libdevdrv needs to build and test, from Debian's
# packages only. Idempotent: installs nothing when everything is present.
set -eu

PACKAGES="build-essential clang libclang-rt-14-dev meson ninja-build pkg-config python3
libusb-1.0-0-dev libcmocka-dev umockdev libumockdev-dev libjson-glib-dev
qemu-system-x86 busybox-static iproute2 kmod cpio tshark libsystemd-dev systemd udev libnbd-bin dosfstools mtools
bash-completion groff-base doxygen
dpkg-dev debhelper dh-python lintian abigail-tools"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "setup: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1; then
	as_root="sudo"
else
	echo "setup: missing packages ($missing) and not root; run this script as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -q
# shellcheck disable=SC2086
$as_root apt-get install -y -q --no-install-recommends $missing
