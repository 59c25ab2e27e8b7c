# toaster — the example out-of-tree driver on a real kernel bus: the toaster
# as a FunctionFS gadget (examples/toaster/gadget/toaster-ffs.c) on
# dummy_hcd, driven by the toaster plugin (built like the example's own
# meson.build builds it) through libusb: devdrv lists it bound to the
# plugin's driver without loading the plugin, the plugin is loaded only
# while a toaster is open, and toast makes toast end to end. First the
# protocol itself through the generic driver (devdrv info, ctrl, read): the
# descriptors, every request and its stalls, the log and the status reports
# byte for byte, then an unbind and a rebind that toaster-ffs lives through.
. /scenarios/lib.sh

export DEVDRV_DRIVER_PATH=/usr/lib/devdrv/drivers DEVDRV_PLUGIN_INDEX=/tmp/plugin-index

start_toaster() {
	g=/sys/kernel/config/usb_gadget/toaster
	mkdir -p "$g/strings/0x409" "$g/configs/c.1" "$g/functions/ffs.toaster" /dev/ffs-toaster
	echo 0x1209 >"$g/idVendor"
	echo 0x70a5 >"$g/idProduct"
	echo 0x0100 >"$g/bcdDevice"
	echo 500 >"$g/configs/c.1/MaxPower" # as the virtual toaster: it heats
	echo libdevdrv >"$g/strings/0x409/manufacturer"
	echo "USB Toaster" >"$g/strings/0x409/product"
	echo TOAST001 >"$g/strings/0x409/serialnumber"
	mount -t functionfs toaster /dev/ffs-toaster || return 1
	toaster-ffs /dev/ffs-toaster 2>/tmp/toaster-ffs.log &
	wait_for 10 test -e /dev/ffs-toaster/ep2 || return 1
	ln -s "$g/functions/ffs.toaster" "$g/configs/c.1/"
	echo dummy_udc.0 >"$g/UDC"
}

check "the FunctionFS toaster is up" start_toaster || cat /tmp/toaster-ffs.log
check "the kernel enumerated it" wait_for 30 usb_device 1209 70a5

# The protocol itself, with the CLI and the generic driver (no plugin path):
# what the plugin and the virtual toaster must agree with, byte for byte.
# The descriptors ask for 0x81 (status) and 0x82 (log); dummy_hcd's
# autoconfig gives the log endpoint 0x86, so the addresses come from sysfs.
raw() { DEVDRV_DRIVER_PATH= DEVDRV_PLUGIN_INDEX=/tmp/plugin-index-raw devdrv "$@"; }
hex() { hexdump -v -e '8/1 "%02x " "\n"' | sed 's/ *$//'; } # 8 bytes a line
endpoint() { # TYPE — the toaster's IN endpoint of that sysfs type (Bulk, Interrupt): 0xNN
	d=$(usb_device 1209 70a5) || return 1
	for e in /sys/bus/usb/devices/"$d":1.0/ep_*; do
		[ "$(cat "$e/type")" = "$1" ] && echo "0x$(cat "$e/bEndpointAddress")" && return 0
	done
	return 1
}
status_is() { [ "$(raw ctrl 1209:70a5 0xc1 0x04 0 0 8)" = "$1" ]; }
request() { raw ctrl 1209:70a5 0x41 "$1" "$2" 0; }
stalls() { # REQUEST VALUE — refused with a stall: exit 1, "stall" said
	raw ctrl 1209:70a5 0x41 "$1" "$2" 0 2>/tmp/stall.err
	rc=$?
	cat /tmp/stall.err
	[ $rc -eq 1 ] && grep -qi stall /tmp/stall.err
}
short_status_stalls() { raw ctrl 1209:70a5 0xc1 0x04 0 0 4 2>&1 | tee /dev/stderr | grep -qi stall; }
log_is() { # TEXT — the log endpoint gives exactly TEXT (printf escapes); -n
	# its length: the host asks for no more than the log holds
	printf "$1" >/tmp/log.want
	raw read "1209:70a5,ep_in=$LOG_EP" -n "$(wc -c </tmp/log.want)" >/tmp/log.got || return 1
	cmp /tmp/log.want /tmp/log.got
}
report() { raw read "1209:70a5,ep_in=$STATUS_EP" -n "$((8 * ${1:-1}))" | hex; }
newest_report_is() { # HEX — the status endpoint gives these 8 bytes at
	# once, or after one older report: the one the UDC's FIFO held (dummy_hcd
	# completes one small IN write at once and keeps its data for the host)
	got=$(report)
	echo "report: $got"
	[ "$got" = "$1" ] && return 0
	got=$(report)
	echo "report: $got"
	[ "$got" = "$1" ]
}
rising_reports() { # N — N reports from the status endpoint while heating at
	# darkness 10, their heating time rising (a report every 100 ms); one
	# more is read first, as it may be older (see newest_report_is)
	report $(($1 + 1)) | tail -n "$1" >/tmp/reports || return 1
	cat /tmp/reports
	last=-1
	n=0
	while read -r state dark t0 t1 e0 e1 r0 r1; do
		[ "$state $dark $r0 $r1" = "01 0a 00 00" ] || return 1
		e=$((0x$e1 * 256 + 0x$e0))
		[ $e -gt $last ] || return 1
		last=$e
		n=$((n + 1))
	done </tmp/reports
	[ $n -eq "$1" ]
}
info_is() { # the descriptors as the protocol has them, at high speed
	raw info 1209:70a5 >/tmp/info || return 1
	cat /tmp/info
	for want in "bcdDevice       1.00" "manufacturer    libdevdrv" "product         USB Toaster" \
		"serial          TOAST001" "max power 500 mA" "Interface 0 alt 0: class ff/00/00" \
		"Endpoint $STATUS_EP IN interrupt, max packet 8, interval 6" \
		"Endpoint $LOG_EP IN bulk, max packet 512," "libdevdrv driver: generic"; do
		grep -qF "$want" /tmp/info || { echo "missing: $want"; return 1; }
	done
}
listed() { raw list | tee /dev/stderr | grep "1209:70a5" | grep -q "generic .*USB Toaster"; }
gone() { ! usb_device 1209 70a5; }
toaster_pid=$(pidof toaster-ffs)
STATUS_EP=$(endpoint Interrupt)
LOG_EP=$(endpoint Bulk)
echo "toaster endpoints: status $STATUS_EP, log $LOG_EP"
check "the status endpoint is 0x81 (interrupt IN), the log endpoint bulk IN" \
	sh -c "[ '$STATUS_EP' = 0x81 ] && [ -n '$LOG_EP' ]"
check "devdrv list shows the USB Toaster, generic driver" listed
check "devdrv info shows the toaster's descriptors" info_is
check "GET_STATUS says idle, darkness 5, 20 C, 0.0 s" status_is "00 05 14 00 00 00 00 00"
check "SET_DARKNESS 11 stalls" stalls 1 11
check "SET_DARKNESS 0 stalls" stalls 1 0
check "SET_DARKNESS 3" request 1 3
check "STOP while idle succeeds" request 3 0
check "START" request 2 0
check "the log endpoint gives darkness 3, heating to 3, done at 180 C" \
	log_is 'darkness 3\nheating to 3\ndone at 180 C\n'
check "GET_STATUS after 0.6 s says done, darkness 3, 180 C, 0.6 s" status_is "02 03 b4 00 06 00 00 00"
check "the status endpoint gives the newest report (done)" newest_report_is "02 03 b4 00 06 00 00 00"
check "SET_DARKNESS 10 when done" request 1 10
check "START from done" request 2 0
check "START while heating stalls" stalls 2 0
check "SET_DARKNESS while heating stalls" stalls 1 4
check "the status endpoint reports every 100 ms while heating" rising_reports 4
check "STOP while heating" request 3 0
check "GET_STATUS after STOP says idle, darkness 10, 20 C, 0.0 s" status_is "00 0a 14 00 00 00 00 00"
check "the log gives darkness 10, heating to 10, stopped" log_is 'darkness 10\nheating to 10\nstopped\n'
check "the status endpoint gives the newest report (idle)" newest_report_is "00 0a 14 00 00 00 00 00"
check "an unknown request stalls" stalls 9 0
check "GET_STATUS with wLength 4 stalls" short_status_stalls
echo "" >/sys/kernel/config/usb_gadget/toaster/UDC
check "unbound, the kernel removed it" wait_for 10 gone
echo dummy_udc.0 >/sys/kernel/config/usb_gadget/toaster/UDC
check "bound again, enumerated" wait_for 30 usb_device 1209 70a5
check "toaster-ffs lived through unbind and rebind" kill -0 "$toaster_pid"
check "after the rebind the toaster is in its power-on state" wait_for 5 status_is "00 05 14 00 00 00 00 00"
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

# The vendor protocol as an input device: toaster-input, the plugin's second
# driver (class HID, a report descriptor of its own), behind the kernel's
# uhid. Writing its output report to the hidraw node starts the toaster;
# F14 is held while it heats, F13 pressed and released when it is done, as
# a reader of struct input_event sees them.
hidraw_of() { grep -l "HID_PHYS=devdrv/usb/$1" /sys/class/hidraw/*/device/uevent 2>/dev/null | head -n 1 | cut -d/ -f5 | grep .; }
port=$(usb_device 1209 70a5)
devdrv run 1209:70a5,driver=toaster-input --uhid 2>/tmp/input.err &
run=$!
check "toaster-input: devdrv run --uhid makes a hidraw node" wait_for 15 hidraw_of "$port"
check "and an event node" wait_for 10 sh -c "grep -q 'devdrv/usb/$port' /sys/class/input/event*/device/phys"
input-events "devdrv/usb/$port" 3 >/tmp/toast.ev 2>/tmp/toast.rd &
reader=$!
wait_for 10 grep -q ready /tmp/toast.ev
printf '\000\001' >"/dev/$(hidraw_of "$port")" # hidraw: the report number (0: unnumbered), then the report
wait $reader
echo "toaster events: $(tr '\n' ' ' </tmp/toast.ev) $(cat /tmp/toast.rd) $(cat /tmp/input.err)"
# key presses and releases in order (repeats, value 2, left out): F14 down;
# done: F13 down and F14 up (one report, bit 0 first); F13 up
keys() { awk '$1 == 1 && $3 != 2 { printf "%s %s,", $2, $3 }' /tmp/toast.ev; }
keys_are() { [ "$(keys)" = "$1" ]; }
check "the output report started it: F14 (184) while heating, then F13 (183) when done" \
	keys_are '184 1,183 1,184 0,183 0,'
kill -TERM $run
wait $run
rc=$?
no_hidraw() { ! hidraw_of "$port"; }
check "devdrv run --uhid ends on SIGTERM with exit code 0" [ $rc -eq 0 ]
check "and the hidraw node goes with it" wait_for 5 no_hidraw
check "toaster-ffs is still running" kill -0 "$toaster_pid"
cat /tmp/toaster-ffs.log
finish
