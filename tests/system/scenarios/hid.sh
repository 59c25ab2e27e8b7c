# hid — the HID driver against devices we did not write: QEMU's usb-kbd and
# usb-tablet, and the kernel's HID gadget (usb_f_hid on dummy_hcd) with a
# report descriptor of ours that uses report IDs (QEMU's usb-mouse and
# usb-wacom-tablet too, for their descriptors only).
# - devdrv hid --descriptor --raw prints the bytes the kernel's HID core
#   holds (debugfs hid/<dev>/rdesc, first line; sysfs report_descriptor);
# - the runner compares devdrv hid --descriptor with the kernel's parse (the
#   rest of rdesc, printed here as DEVDRV-RDESC / DEVDRV-HIDTREE lines):
#   per report, each data field's offset, size, count, logical and physical
#   range, flags, usages and collections, and the report lengths;
# - while devdrv reads, usbfs holds the interface instead of usbhid, which is
#   bound again when devdrv exits; a read with no input times out cleanly;
# - input made by QEMU: the guest prints "DEVDRV-QMP <command>" and the runner
#   sends it to QEMU's monitor (input-send-event: a key press, tablet moves
#   and a click), which devdrv hid --json must show with the values sent;
# - the gadget: reports written to /dev/hidg0 come out of devdrv hid
#   decoded, and devdrv hid --send arrives at /dev/hidg0 with its ID byte
#   first, on the interrupt OUT endpoint (f_hid's default) and with
#   SET_REPORT (no_out_endpoint=1, a second gadget);
# - the same input is made again with the kernel reading (hidraw held open)
#   and its decode (debugfs hid/<dev>/events, as DEVDRV-KEVENTS lines) is
#   compared by the runner with devdrv's (DEVDRV-DECODE lines), value by value.
. /scenarios/lib.sh

G=/sys/kernel/config/usb_gadget
mount -t debugfs none /sys/kernel/debug

# Two applications:
#  vendor page ff00 (usage 1):
#   input report 1: usages 10..13, 4 x 8 bits, 0..255; usages 20, 21,
#     2 x 16 bits, -32768..32767 (8 bytes after the ID)
#   output report 2: usage 30, 8 x 8 bits, 0..255
#  a joystick (Generic Desktop 4), so that the kernel's hid-input claims the
#  device and decodes its reports (a vendor-only device goes to hidraw only):
#   input report 3: Button 1..2, 6 bits of padding, X and Y 2 x 16 bits,
#     -32767..32767
VDESC=0600ff0901a101850119102913150026ff007508950481020920092116008026ff7f751095028102
VDESC=${VDESC}85020930150026ff00750895089102c0
VDESC=${VDESC}05010904a101850305091901290215002501750195028102750695018103
VDESC=${VDESC}05010930093116018026ff7f751095028102c0

driver_is() { [ "$(interface_driver "$1")" = "$2" ]; }

usb_device_named() { # PRODUCT — sysfs name of the device with that product string
	for d in /sys/bus/usb/devices/*; do
		[ "$(cat "$d/product" 2>/dev/null)" = "$1" ] && basename "$d" && return 0
	done
	return 1
}

hid_node() { # SYSFS-INTERFACE — the kernel's HID device on it (0003:VID:PID.NNNN)
	for n in /sys/bus/usb/devices/"$1"/0003:*; do
		[ -d "$n" ] && basename "$n" && return 0
	done
	return 1
}

has_rdesc() { n=$(hid_node "$1") && [ -e "/sys/kernel/debug/hid/$n/rdesc" ]; }

kernel_rdesc_hex() { # SYSFS-INTERFACE — the raw bytes on rdesc's first line
	sed -n 1p "/sys/kernel/debug/hid/$(hid_node "$1")/rdesc" | tr -d ' \n'
}

sysfs_rdesc_hex() { # SYSFS-INTERFACE — the HID device's report_descriptor attribute
	od -An -v -tx1 "/sys/bus/usb/devices/$1/$(hid_node "$1")/report_descriptor" | tr -d ' \n'
}

devdrv_rdesc_hex() { # SEL — devdrv hid --descriptor --raw without its offsets
	devdrv hid "$1" --descriptor --raw | awk '{ $1 = ""; print }' | tr -d ' \n'
}

same_rdesc() { # SYSFS-INTERFACE SEL
	want=$(kernel_rdesc_hex "$1")
	got=$(devdrv_rdesc_hex "$2")
	echo "kernel $want"
	echo "devdrv $got"
	[ -n "$want" ] && [ "$want" = "$got" ]
}

for_runner() { # TAG SYSFS-INTERFACE SEL — the kernel's rdesc and devdrv's tree, line by line
	while IFS= read -r line; do
		echo "DEVDRV-RDESC $1 $line"
	done <"/sys/kernel/debug/hid/$(hid_node "$2")/rdesc"
	devdrv hid "$3" --descriptor >/tmp/tree.txt 2>&1
	while IFS= read -r line; do
		echo "DEVDRV-HIDTREE $1 $line"
	done </tmp/tree.txt
}

has_reports() { [ "$(grep -c '^report' "$1")" -ge "$2" ]; } # EVENTS-FILE N

for_runner_json() { # TAG FILE — devdrv hid --json's reports, for the runner
	while IFS= read -r line; do
		echo "DEVDRV-DECODE $1 $line"
	done <"$2"
}

kernel_decode() { # TAG SYSFS-INTERFACE N ACTION... — the kernel's decode of the N
	# input reports ACTION makes: debugfs events, while a hidraw reader
	# makes usbhid poll the device
	kd_tag=$1 kd_node=$(hid_node "$2") kd_n=$3
	kd_raw=$(ls "/sys/bus/usb/devices/$2/$kd_node/hidraw/")
	shift 3
	cat "/sys/kernel/debug/hid/$kd_node/events" >/tmp/kev &
	kd_events=$!
	cat "/dev/$kd_raw" >/dev/null &
	kd_reader=$!
	sleep 0.5
	"$@"
	wait_for 10 has_reports /tmp/kev "$kd_n"
	sleep 0.5 # the values follow each report's line
	kill $kd_events $kd_reader
	wait $kd_events $kd_reader 2>/dev/null
	check "$kd_tag, the kernel decoded $kd_n reports of the same input ($kd_node, /dev/$kd_raw)" has_reports /tmp/kev "$kd_n"
	while IFS= read -r line; do
		echo "DEVDRV-KEVENTS $kd_tag $line"
	done </tmp/kev
}

endpoints() { # SYSFS-INTERFACE — its endpoints as sysfs names them: "ep_02 ep_81 "
	for e in /sys/bus/usb/devices/"$1"/ep_*; do
		[ -e "$e" ] && printf '%s ' "$(basename "$e")"
	done
}

in_and_out() { echo "$1" | grep -q 'ep_0[1-9a-f] ' && echo "$1" | grep -q 'ep_81 '; } # ENDPOINTS

json_line() { sed -n "$1p" "$2"; } # N FILE

has_value() { # JSON-OBJECT PAGE USAGE VALUE — a decoded field in one --json object
	echo "$1" | grep -q "\"usage_page\":$2,\"usage\":$3,\"name\":\"[^\"]*\",\"value\":$4}"
}

# (the keyboard's array slots name pressed keys with value 1; modifiers are 224-231)
no_modifier() { ! echo "$1" | grep -q '"usage_page":7,"usage":22[4-9],"name":"[^"]*","value":1}'; }
no_key() { ! echo "$1" | grep -q '"usage_page":7,"usage":[0-9]*,"name":"[^"]*","value":1}'; }
xy_is() { has_value "$1" 1 48 "$2" && has_value "$1" 1 49 "$3"; }
buttons_are() { has_value "$1" 9 1 "$2" && has_value "$1" 9 2 "$3"; } # JSON BUTTON-1 BUTTON-2
id_is() { echo "$1" | grep -q "\"report_id\":$2,"; }

bytes_are() { echo "$1" | grep -q "\"bytes\":\"$2\""; }

stamp() { echo "hid: $1 at $(cut -d' ' -f1 /proc/uptime) s"; } # timings for the log

in_range() { [ "$1" -ge "$2" ] && [ "$1" -lt "$3" ]; } # N MIN MAX

one_line() { [ "$(wc -l <"$1")" -eq 1 ]; }
says_in_one_line() { one_line "$1" && grep -q "$2" "$1"; } # FILE TEXT

abs_event() { # X Y [BUTTON-EVENT] — a tablet move (and a button), one sync
	qmp "{\"execute\":\"input-send-event\",\"arguments\":{\"events\":[{\"type\":\"abs\",\"data\":{\"axis\":\"x\",\"value\":$1}},{\"type\":\"abs\",\"data\":{\"axis\":\"y\",\"value\":$2}}$3]}}"
}
button_event() { echo ",{\"type\":\"btn\",\"data\":{\"down\":$1,\"button\":\"left\"}}"; }

press_a() { key_event a true; key_event a false; }

# QEMU gives button events to the pointer it last activated, which the
# tablet becomes when first polled (only the tablet is, here): a move first,
# then the click once the move was read (absolute moves always reach it)
tablet_moves() { # COMMAND... — true once the first report was read
	abs_event 100 200
	wait_for 10 "$@"
	abs_event 12345 23456 "$(button_event true)"
	abs_event 12345 23456 "$(button_event false)"
}

# --- QEMU usb-kbd and usb-tablet ----------------------------------------------------
stamp "scenario start"
check "QEMU USB Keyboard enumerated" wait_for 30 usb_device_named "QEMU USB Keyboard"
check "QEMU USB Tablet enumerated" wait_for 30 usb_device_named "QEMU USB Tablet"
kbd=$(usb_device_named "QEMU USB Keyboard")
tab=$(usb_device_named "QEMU USB Tablet")
echo "keyboard at $kbd, tablet at $tab"
check "usbhid holds the keyboard" wait_for 20 driver_is "$kbd:1.0" usbhid
check "usbhid holds the tablet" wait_for 20 driver_is "$tab:1.0" usbhid
check "the keyboard's HID device has a debugfs rdesc" wait_for 20 has_rdesc "$kbd:1.0"
check "the tablet's HID device has a debugfs rdesc" wait_for 20 has_rdesc "$tab:1.0"
# two more descriptors for the comparison: QEMU's usb-mouse, and its
# usb-wacom-tablet, whose descriptor has report IDs and two applications
check "QEMU USB Mouse enumerated" wait_for 30 usb_device_named "QEMU USB Mouse"
check "QEMU's Wacom tablet (056a 0000) enumerated" wait_for 30 usb_device 056a 0000
mouse=$(usb_device_named "QEMU USB Mouse")
wacom=$(usb_device 056a 0000)
check "the mouse's HID device has a debugfs rdesc" wait_for 20 has_rdesc "$mouse:1.0"
check "the Wacom's HID device has a debugfs rdesc" wait_for 20 has_rdesc "$wacom:1.0"

for dev in "keyboard $kbd" "tablet $tab" "mouse $mouse" "wacom $wacom"; do
	what=${dev% *} # (not $name: check() sets that)
	port=${dev#* }
	check "$what, devdrv hid --descriptor --raw is the kernel's rdesc byte for byte" same_rdesc "$port:1.0" "$port"
	want=$(sysfs_rdesc_hex "$port:1.0")
	check "$what, it equals the HID device's sysfs report_descriptor too" [ "$want" = "$(devdrv_rdesc_hex "$port")" ]
	for_runner "$what" "$port:1.0" "$port"
done

stamp "descriptors compared"
devdrv hid "$tab" --descriptor >/tmp/tab.txt 2>&1
echo "tablet tree: $(tr '\n' '|' </tmp/tab.txt)"
check "tablet, X and Y are 16-bit absolute, logical 0..32767" \
	grep -q 'Input   report 0  2 x 16 bits  Data,Var,Abs  logical 0..32767.*  X, Y$' /tmp/tab.txt
check "tablet, buttons from Button 1" grep -q 'Data,Var,Abs  logical 0..1  Button 1\.\.Button [0-9]' /tmp/tab.txt
check "tablet, Wheel is relative, -127..127" grep -q 'Data,Var,Rel  logical -127..127  Wheel' /tmp/tab.txt

# a read with no input: times out cleanly, usbhid comes back
t0=$(uptime_cs)
devdrv hid "$kbd" -n 1 --timeout 1500 >/tmp/to.out 2>/tmp/to.err
rc=$?
t1=$(uptime_cs)
echo "no input, --timeout 1500: rc=$rc after $(( (t1 - t0) * 10 )) ms; stderr: $(cat /tmp/to.err)"
check "keyboard, no input within --timeout 1500, exit code 1" [ $rc -eq 1 ]
check "no input, nothing on stdout" [ ! -s /tmp/to.out ]
check "no input, one line on stderr, naming the 1500 ms" says_in_one_line /tmp/to.err "1500 ms"
check "no input, it returned after the 1500 ms timeout, within 6 s ($(( (t1 - t0) * 10 )) ms)" \
	in_range $((t1 - t0)) 150 600
check "usbhid holds the keyboard again after the timeout" wait_for 10 driver_is "$kbd:1.0" usbhid

# an LED output report: QEMU's keyboard has no OUT endpoint, so SET_REPORT;
# its length is the descriptor's (1 byte, no report IDs)
devdrv hid "$kbd" --send 02 2>/tmp/led.err
rc=$?
echo "--send 02 (Caps Lock LED): rc=$rc $(cat /tmp/led.err)"
check "keyboard, devdrv hid --send 02 (SET_REPORT, Caps Lock LED) exits 0" [ $rc -eq 0 ]
devdrv hid "$kbd" --send 0202 2>/tmp/led2.err
rc=$?
echo "--send 0202: rc=$rc $(cat /tmp/led2.err)"
check "keyboard, a 2-byte output report is refused (exit code 2)" [ $rc -eq 2 ]
check "keyboard, with one line saying the report is 1 byte" says_in_one_line /tmp/led2.err "is 1 byte"
check "usbhid holds the keyboard again after --send" wait_for 10 driver_is "$kbd:1.0" usbhid
stamp "timeout and output reports done"

# a key press: 'a' is usage 4 on the Keyboard/Keypad page (7)
devdrv hid "$kbd" -n 2 --json --timeout 20000 >/tmp/kbd.json 2>/tmp/kbd.err &
pid=$!
check "keyboard, while devdrv hid reads, usbfs holds the interface, not usbhid" \
	wait_for 10 driver_is "$kbd:1.0" usbfs
press_a
wait $pid
rc=$?
echo "keyboard reports: $(cat /tmp/kbd.json) stderr: $(cat /tmp/kbd.err)"
check "keyboard, devdrv hid -n 2 --json exits 0" [ $rc -eq 0 ]
r1=$(json_line 1 /tmp/kbd.json)
r2=$(json_line 2 /tmp/kbd.json)
check "keyboard, the press is report 00 00 04 00 00 00 00 00" bytes_are "$r1" 0000040000000000
check "keyboard, the press decodes as usage 4 of page 7 (a), value 1" has_value "$r1" 7 4 1
check "keyboard, the press has no modifier set" no_modifier "$r1"
check "keyboard, the release is all zeros" bytes_are "$r2" 0000000000000000
check "keyboard, the release names no key" no_key "$r2"
check "usbhid holds the keyboard again after devdrv exits" wait_for 10 driver_is "$kbd:1.0" usbhid
check "the keyboard's HID device is back in debugfs" wait_for 10 has_rdesc "$kbd:1.0"
for_runner_json keyboard /tmp/kbd.json
kernel_decode keyboard "$kbd:1.0" 2 press_a

stamp "keyboard input done"
# the tablet: 100, 200, then 12345, 23456 with the left button down, then up
devdrv hid "$tab" -n 3 --json --timeout 20000 >/tmp/tab.json 2>/tmp/tab.err &
pid=$!
check "tablet, while devdrv hid reads, usbfs holds the interface" wait_for 10 driver_is "$tab:1.0" usbfs
tablet_moves test -s /tmp/tab.json
wait $pid
rc=$?
echo "tablet reports: $(cat /tmp/tab.json) stderr: $(cat /tmp/tab.err)"
check "tablet, devdrv hid -n 3 --json exits 0" [ $rc -eq 0 ]
r1=$(json_line 1 /tmp/tab.json)
r2=$(json_line 2 /tmp/tab.json)
r3=$(json_line 3 /tmp/tab.json)
check "tablet, the move is report 00 64 00 c8 00 00 (buttons, X, Y little-endian, wheel)" bytes_are "$r1" 006400c80000
check "tablet, X is 100 and Y 200" xy_is "$r1" 100 200
check "tablet, then bytes 01 39 30 a0 5b 00" bytes_are "$r2" 013930a05b00
check "tablet, X is 12345" has_value "$r2" 1 48 12345
check "tablet, Y is 23456" has_value "$r2" 1 49 23456
check "tablet, Button 1 is down" has_value "$r2" 9 1 1
check "tablet, then Button 1 is up" has_value "$r3" 9 1 0
check "tablet, X and Y stay where they were" xy_is "$r3" 12345 23456
check "usbhid holds the tablet again after devdrv exits" wait_for 10 driver_is "$tab:1.0" usbhid
check "the tablet's HID device is back in debugfs" wait_for 10 has_rdesc "$tab:1.0"
for_runner_json tablet /tmp/tab.json
kernel_decode tablet "$tab:1.0" 3 tablet_moves has_reports /tmp/kev 1

stamp "tablet input done"

# --- the kernel's HID gadget ---------------------------------------------------------
make_hid_gadget() { # NAME UDC PID NO_OUT_ENDPOINT
	c=$G/$1
	mkdir -p "$c/strings/0x409" "$c/configs/c.1/strings/0x409" "$c/functions/hid.$1"
	echo 0x1d6b >"$c/idVendor"
	echo "0x$3" >"$c/idProduct"
	echo libdevdrv >"$c/strings/0x409/manufacturer"
	echo "devdrv $1" >"$c/strings/0x409/product"
	echo "DD-$1" >"$c/strings/0x409/serialnumber"
	echo 0 >"$c/functions/hid.$1/protocol"
	echo 0 >"$c/functions/hid.$1/subclass"
	echo 16 >"$c/functions/hid.$1/report_length"
	echo "$4" >"$c/functions/hid.$1/no_out_endpoint"
	hex_to_file "$VDESC" "$c/functions/hid.$1/report_desc"
	ln -s "$c/functions/hid.$1" "$c/configs/c.1/"
	echo "$2" >"$c/UDC"
}

make_hid_gadget hidout dummy_udc.0 0110 0
make_hid_gadget hidctl dummy_udc.1 0111 1
check "HID gadget (interrupt OUT) enumerated" wait_for 30 usb_device 1d6b 0110
check "HID gadget (no OUT endpoint) enumerated" wait_for 30 usb_device 1d6b 0111
g=$(usb_device 1d6b 0110)
g2=$(usb_device 1d6b 0111)
echo "gadgets at $g and $g2"
check "their /dev/hidg0 and /dev/hidg1 are there" wait_for 10 test -c /dev/hidg1
check "usbhid holds the gadget" wait_for 20 driver_is "$g:1.0" usbhid
check "the gadget's HID device has a debugfs rdesc" wait_for 20 has_rdesc "$g:1.0"
check "gadget, devdrv hid --descriptor --raw is the kernel's rdesc byte for byte" same_rdesc "$g:1.0" "$g"
check "gadget, and those are the bytes configfs was given" [ "$(devdrv_rdesc_hex "$g")" = "$VDESC" ]
for_runner gadget "$g:1.0" "$g"
check "the no-OUT gadget's HID device has a debugfs rdesc" wait_for 20 has_rdesc "$g2:1.0"
eps=$(endpoints "$g:1.0")
eps2=$(endpoints "$g2:1.0")
echo "endpoints: $g $eps, $g2 $eps2"
check "the gadget has interrupt IN 0x81 and an interrupt OUT endpoint" in_and_out "$eps"
check "the no-OUT gadget has only IN 0x81" [ "$eps2" = "ep_81 " ]

stamp "gadgets enumerated, descriptors compared"
# input report 1: 11 22 33 44, 0x1234 = 4660, 0xfffe = -2;
# input report 3: Button 1, X 0x3039 = 12345, Y 0xcfc7 = -12345
gadget_reports() {
	hex_to_file 01112233443412feff /dev/hidg0
	hex_to_file 03013930c7cf /dev/hidg0
}
devdrv hid "$g" -n 2 --json --timeout 20000 >/tmp/g.json 2>/tmp/g.err &
pid=$!
check "gadget, while devdrv hid reads, usbfs holds the interface" wait_for 10 driver_is "$g:1.0" usbfs
gadget_reports
wait $pid
rc=$?
echo "gadget reports: $(cat /tmp/g.json) stderr: $(cat /tmp/g.err)"
check "gadget, devdrv hid -n 2 --json exits 0" [ $rc -eq 0 ]
r1=$(json_line 1 /tmp/g.json)
r2=$(json_line 2 /tmp/g.json)
check "gadget, report ID 1" id_is "$r1" 1
check "gadget, the bytes written to /dev/hidg0, ID first" bytes_are "$r1" 01112233443412feff
check "gadget, usage ff00 0010 is 17" has_value "$r1" 65280 16 17
check "gadget, usage ff00 0011 is 34" has_value "$r1" 65280 17 34
check "gadget, usage ff00 0012 is 51" has_value "$r1" 65280 18 51
check "gadget, usage ff00 0013 is 68" has_value "$r1" 65280 19 68
check "gadget, usage ff00 0020 is 4660 (16 bits, little-endian)" has_value "$r1" 65280 32 4660
check "gadget, usage ff00 0021 is -2 (signed, logical min below 0)" has_value "$r1" 65280 33 -2
check "gadget, then report ID 3 (the joystick)" id_is "$r2" 3
check "gadget, its bytes 03 01 39 30 c7 cf" bytes_are "$r2" 03013930c7cf
check "gadget, Button 1 is down, Button 2 up" buttons_are "$r2" 1 0
check "gadget, X is 12345, Y is -12345" xy_is "$r2" 12345 -12345
check "usbhid holds the gadget again after devdrv exits" wait_for 10 driver_is "$g:1.0" usbhid
check "the gadget's HID device is back in debugfs" wait_for 10 has_rdesc "$g:1.0"
for_runner_json gadget /tmp/g.json
kernel_decode gadget "$g:1.0" 2 gadget_reports

send_to_gadget() { # SEL HIDG TAG — devdrv hid --send, read back at /dev/hidgN
	rm -f "/tmp/$3.bin"
	dd if="$2" of="/tmp/$3.bin" bs=64 count=1 2>/dev/null &
	ddpid=$!
	sleep 0.5
	devdrv hid "$1" --send 0102030405060708 2>"/tmp/$3.err"
	rc=$?
	wait_for 5 test -s "/tmp/$3.bin"
	kill $ddpid 2>/dev/null
	got=$(od -An -v -tx1 "/tmp/$3.bin" | tr -d ' \n')
	echo "$3: devdrv hid --send rc=$rc, stderr: $(cat "/tmp/$3.err"); $2 read: $got"
}

stamp "gadget input done"
send_to_gadget "$g" /dev/hidg0 out
check "gadget, devdrv hid --send exits 0" [ $rc -eq 0 ]
# (f_hid stalls SET_REPORT when it has an OUT endpoint, and takes output
# reports only with SET_REPORT when it has none: the arrival shows the path)
check "gadget, /dev/hidg0 reads the output report, ID 2 first (interrupt OUT)" [ "$got" = 020102030405060708 ]
send_to_gadget "$g2" /dev/hidg1 ctl
check "no-OUT gadget, devdrv hid --send exits 0" [ $rc -eq 0 ]
check "no-OUT gadget, /dev/hidg1 reads the output report, ID 2 first (SET_REPORT)" [ "$got" = 020102030405060708 ]
stamp "gadget output done"
finish
