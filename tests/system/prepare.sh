#!/bin/sh
# prepare.sh CACHE_DIR — fetch what the QEMU bed boots: Debian's generic
# kernel (the cloud flavour has no USB), udev, libsystemd-shared and systemd
# (PID 1 of the autostart scenario), the usbip tools (and their libwrap),
# usbutils' lsusb,
# extracted without installing. Everything lands in CACHE_DIR; a second run does no
# network work. Fails with a message saying what is missing.
set -eu
cache=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$cache"
cd "$cache"
# a cache made before systemd joined it is made again
[ -f ready ] && [ -x root/lib/systemd/systemd ] && [ -x root/usr/sbin/usbip ] && [ -x root/usr/bin/lsusb ] && exit 0

need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	# as root, install what is missing; otherwise say what to do
	if [ "$(id -u)" -eq 0 ] && "$here/../../scripts/setup.sh" && command -v "$1" >/dev/null 2>&1; then
		return 0
	fi
	echo "system tests: '$1' is not installed and could not be; run scripts/setup.sh as root (package $2)" >&2
	exit 1
}
need qemu-system-x86_64 qemu-system-x86
need busybox busybox-static
need depmod kmod
need cpio cpio

kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$kpkg" ]; then
	echo "system tests: apt knows no linux-image-amd64; run 'apt-get update' (scripts/setup.sh does)" >&2
	exit 1
fi
rm -rf debs root && mkdir -p debs root
# apt-get download writes to the current directory; _apt may not write here
(cd debs && apt-get -q -o APT::Sandbox::User=root download "$kpkg" udev libsystemd-shared systemd usbip libwrap0 usbutils) || {
	echo "system tests: could not download $kpkg, udev, libsystemd-shared, systemd, usbip, libwrap0, usbutils from Debian's mirror" >&2
	exit 1
}
for deb in debs/*.deb; do
	dpkg-deb -x "$deb" root
done
version=${kpkg#linux-image-}
depmod -b root "$version"
echo "$version" >kernel-version
ln -sf "root/boot/vmlinuz-$version" vmlinuz
rm -rf debs
touch ready
