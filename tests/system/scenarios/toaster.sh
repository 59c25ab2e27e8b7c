# toaster — the example out-of-tree driver on a real kernel bus: the toaster
# as a FunctionFS gadget (examples/toaster/gadget/toaster-ffs.c) on
# dummy_hcd, driven by the toaster plugin (built like the example's own
# meson.build builds it) through libusb: devdrv lists it bound to the
# plugin's driver without loading the plugin, the plugin is loaded only
# while a toaster is open, and toast makes toast end to end.
. /scenarios/lib.sh

export DEVDRV_DRIVER_PATH=/usr/lib/devdrv/drivers DEVDRV_PLUGIN_INDEX=/tmp/plugin-index

start_toaster() {
	g=/sys/kernel/config/usb_gadget/toaster
	mkdir -p "$g/strings/0x409" "$g/configs/c.1" "$g/functions/ffs.toaster" /dev/ffs-toaster
	echo 0x1209 >"$g/idVendor"
	echo 0x70a5 >"$g/idProduct"
	echo 0x0100 >"$g/bcdDevice"
	echo libdevdrv >"$g/strings/0x409/manufacturer"
	echo "USB Toaster" >"$g/strings/0x409/product"
	echo TOAST001 >"$g/strings/0x409/serialnumber"
	mount -t functionfs toaster /dev/ffs-toaster || return 1
	toaster-ffs /dev/ffs-toaster 2>/tmp/toaster-ffs.log &
	wait_for 10 test -e /dev/ffs-toaster/ep2 || return 1
	ln -s "$g/functions/ffs.toaster" "$g/configs/c.1/"
	echo dummy_udc.0 >"$g/UDC"
}

check "the FunctionFS toaster is up" start_toaster
check "the kernel enumerated it" wait_for 30 usb_device 1209 70a5
check "devdrv list: bound to the plugin's driver" sh -c 'devdrv list | grep -q "1209:70a5 .*toaster .*USB Toaster"'
check "devdrv drivers: toaster comes from its plugin, not loaded" \
	sh -c 'devdrv drivers | grep -A1 "^toaster " | grep -q "plugin /usr/lib/devdrv/drivers/toaster.so (not loaded)"'
check "the plugin is loaded while a toaster is open, unloaded after" plugin-maps 1209:70a5 toaster.so
check "toast --status: a new toaster is idle at darkness 5, 20 C" \
	sh -c 'toast 1209:70a5 --status | grep -q "^idle, darkness 5, 20 C"'
check "toast --darkness 2 heats and finishes at 170 C" sh -c 'toast 1209:70a5 --darkness 2 >/tmp/toast.out'
check "toast saw it heating on the status endpoint" grep -q "^heating, darkness 2" /tmp/toast.out
check "toast read the log from the bulk endpoint" \
	sh -c 'grep -q "^darkness 2$" /tmp/toast.out && grep -q "^heating to 2$" /tmp/toast.out && grep -q "^done at 170 C$" /tmp/toast.out'
check "toast --status: done" sh -c 'toast 1209:70a5 --status | grep -q "^done, darkness 2, 170 C"'
check "the device stalls a darkness out of range" sh -c '! devdrv ctrl 1209:70a5 0x41 1 11 0 2>/dev/null'
cat /tmp/toast.out
finish
