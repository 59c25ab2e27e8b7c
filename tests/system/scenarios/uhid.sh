# uhid — devdrv run --uhid on QEMU's usb-kbd and usb-tablet and on the
# kernel's HID gadget (usb_f_hid) with a keyboard descriptor: the kernel's HID
# core and hid-generic make input devices of ours (their physical path says
# devdrv), and a reader of struct input_event sees QEMU's key presses and
# tablet moves (sent over QMP) as key codes and absolute X/Y; a hidraw node
# appears; unplugging the tablet while it is busy ends its run with 0 and
# its input device goes; SIGTERM ends the keyboard's.
. /scenarios/lib.sh

abs_event() { # X Y
	qmp "{\"execute\":\"input-send-event\",\"arguments\":{\"events\":[{\"type\":\"abs\",\"data\":{\"axis\":\"x\",\"value\":$1}},{\"type\":\"abs\",\"data\":{\"axis\":\"y\",\"value\":$2}}]}}"
}
ours() { grep -l "devdrv/usb/$1" /sys/class/input/*/phys 2>/dev/null | head -n 1; }
our_event_node() { # PORT — the event node of ours, once evdev made it
	for e in /sys/class/input/event*; do
		grep -q "devdrv/usb/$1" "$e/device/phys" 2>/dev/null && return 0
	done
	return 1
}

check "QEMU usb-kbd enumerated" wait_for 30 test -e /sys/bus/usb/devices/1-1/idVendor
check "QEMU usb-tablet enumerated" wait_for 30 test -e /sys/bus/usb/devices/1-2/idVendor
devdrv run 1-2 --uhid 2>/tmp/tablet.err &
tablet=$!
devdrv run 1-1 --uhid 2>/tmp/kbd.err &
kbd=$!
check "the kernel made an input device of the tablet, through uhid" wait_for 15 ours 1-2
check "and one of the keyboard" wait_for 15 ours 1-1
check "usbhid let go of the tablet's interface" sh -c '[ "$(interface_driver 1-2:1.0)" != usbhid ]'
check "a hidraw node for ours" wait_for 10 sh -c 'grep -l "HID_PHYS=devdrv/usb/1-1" /sys/class/hidraw/*/device/uevent'
echo "hidraw: $(ls /sys/class/hidraw 2>&1 | tr '\n' ' ') $(cat /sys/class/hidraw/*/device/uevent 2>/dev/null | grep HID_PHYS | tr '\n' ' ')"
check "evdev made an event node of the tablet" wait_for 10 our_event_node 1-2
check "and of the keyboard" wait_for 10 our_event_node 1-1

input-events devdrv/usb/1-2 3 >/tmp/tablet.ev 2>/tmp/tablet.rd &
reader=$!
wait_for 10 grep -q ready /tmp/tablet.ev
abs_event 16384 8192
sleep 0.5
abs_event 30000 20000
wait $reader
echo "tablet events: $(tr '\n' ' ' </tmp/tablet.ev) $(cat /tmp/tablet.rd)"
check "the reader sees ABS_X 16384 (EV_ABS 3, code 0)" grep -qx "3 0 16384" /tmp/tablet.ev
check "and ABS_Y 8192" grep -qx "3 1 8192" /tmp/tablet.ev
check "and the second move" sh -c 'grep -qx "3 0 30000" /tmp/tablet.ev && grep -qx "3 1 20000" /tmp/tablet.ev'

input-events devdrv/usb/1-1 3 >/tmp/kbd.ev 2>/tmp/kbd.rd &
reader=$!
wait_for 10 grep -q ready /tmp/kbd.ev
key_event a true
key_event a false
key_event b true
key_event b false
wait $reader
echo "keyboard events: $(tr '\n' ' ' </tmp/kbd.ev) $(cat /tmp/kbd.rd)"
check "the reader sees KEY_A pressed and released (EV_KEY 1, code 30)" \
	sh -c 'grep -qx "1 30 1" /tmp/kbd.ev && grep -qx "1 30 0" /tmp/kbd.ev'
check "and KEY_B (48)" sh -c 'grep -qx "1 48 1" /tmp/kbd.ev && grep -qx "1 48 0" /tmp/kbd.ev'

# the tablet goes away while a reader waits on it
input-events devdrv/usb/1-2 10 >/dev/null 2>&1 &
abs_event 100 100
qmp '{"execute":"device_del","arguments":{"id":"tablet"}}'
check "the tablet's run ends when it is unplugged" wait_for 15 sh -c "! kill -0 $tablet"
wait $tablet
rc=$?
echo "tablet run: $(tr '\n' '|' </tmp/tablet.err)"
check "with exit code 0" [ $rc -eq 0 ]
check "and its input device is gone" sh -c '[ -z "$(ours 1-2)" ]'
kill -TERM $kbd
wait $kbd
rc=$?
check "SIGTERM ends the keyboard's run with 0" [ $rc -eq 0 ]
check "and its input device is gone" sh -c '[ -z "$(ours 1-1)" ]'

# the kernel's HID gadget as a boot keyboard (the HID 1.11 appendix B.1
# descriptor): key reports written to /dev/hidg0 become key events; Caps
# Lock makes the kernel light the LED: an output report back to the gadget
KBD_DESC=05010906a101050719e029e71500250175019508810295017508810395057501050819012905910295017503910395067508150025650507190029658100c0
g=/sys/kernel/config/usb_gadget/kbd
mkdir -p "$g/strings/0x409" "$g/configs/c.1" "$g/functions/hid.kbd"
echo 0x1d6b >"$g/idVendor"
echo 0x0112 >"$g/idProduct"
echo "devdrv keyboard" >"$g/strings/0x409/product"
echo 1 >"$g/functions/hid.kbd/protocol"
echo 1 >"$g/functions/hid.kbd/subclass"
echo 8 >"$g/functions/hid.kbd/report_length"
hex_to_file "$KBD_DESC" "$g/functions/hid.kbd/report_desc"
ln -s "$g/functions/hid.kbd" "$g/configs/c.1/"
echo dummy_udc.0 >"$g/UDC"
check "the HID gadget keyboard enumerated" wait_for 30 usb_device 1d6b 0112
port=$(usb_device 1d6b 0112)
devdrv run 1d6b:0112 --uhid 2>/tmp/gkbd.err &
gkbd=$!
check "the gadget keyboard's event node, through uhid" wait_for 15 our_event_node "$port"
input-events "devdrv/usb/$port" 3 >/tmp/gkbd.ev 2>/tmp/gkbd.rd &
reader=$!
wait_for 10 grep -q ready /tmp/gkbd.ev
cat /dev/hidg0 >/tmp/hidg.out &
leds=$!
hex_to_file 0000040000000000 /dev/hidg0
hex_to_file 0000000000000000 /dev/hidg0
hex_to_file 0000390000000000 /dev/hidg0
hex_to_file 0000000000000000 /dev/hidg0
wait $reader
echo "gadget keyboard events: $(tr '\n' ' ' </tmp/gkbd.ev)"
check "a reader of input events sees the gadget's A (30) pressed and released" \
	sh -c 'grep -qx "1 30 1" /tmp/gkbd.ev && grep -qx "1 30 0" /tmp/gkbd.ev'
check "and Caps Lock (58)" grep -qx "1 58 1" /tmp/gkbd.ev
kill $leds
echo "output reports at the gadget: $(od -An -tx1 /tmp/hidg.out)"
# the kernel sends the LEDs' state when the keyboard is opened (00), then
# again when Caps Lock turns its LED on (02)
check "the kernel's Caps Lock LED reaches the gadget as an output report (02)" \
	sh -c '[ "$(od -An -tx1 /tmp/hidg.out | tr -d " \n" | tail -c 2)" = 02 ]'
kill -TERM $gkbd
wait $gkbd
check "SIGTERM ends its run with 0" [ $? -eq 0 ]
finish
