# usbip-replay — a recorded session exported to a kernel. devdrv
# usbip-export --record exports QEMU's usb-kbd (a real device of the guest,
# taken from usbhid) and the guest imports it over USB/IP: the kernel's
# usbhid enumerates and drives it while QMP types, and everything it asks
# the keyboard is recorded. Then devdrv --replay serves that recording alone
# (no keyboard involved: QEMU's is unplugged) and the kernel imports it
# again: the same requests get the recorded answers, usbhid makes an input
# device of it, and a reader of struct input_event sees the recorded keys.
. /scenarios/lib.sh

vhci_input() { # an input device of the vhci-imported keyboard exists
	for e in /sys/class/input/event*; do
		grep -q vhci "$e/device/phys" 2>/dev/null && return 0
	done
	return 1
}
no_vhci_input() { ! vhci_input >/dev/null; }

check "QEMU usb-kbd enumerated" wait_for 30 test -e /sys/bus/usb/devices/1-1/idVendor
ifconfig lo 127.0.0.1 up
mkdir -p /var/run/vhci_hcd
DEVDRV_DEBUG=3 devdrv --record /tmp/kbd.rec usbip-export 1-1 >/tmp/export.out 2>/tmp/export.err &
server=$!
check "devdrv --record usbip-export serves QEMU's keyboard" wait_for 10 grep -q "busid 1-1" /tmp/export.out
check "usbip attach it" usbip attach -r 127.0.0.1 -b 1-1
check "usbhid made an input device of the imported keyboard" wait_for 20 vhci_input
# the reader's open starts usbhid's polling; it ends 3 s after the last event
input-events vhci 3 >/tmp/live.ev 2>/dev/null &
reader=$!
wait_for 10 grep -q ready /tmp/live.ev
# usbhid drops what comes in the first 50 ms after an open, live or replayed
sleep 0.5
key_event h true
key_event h false
key_event i true
key_event i false
key_event a true
key_event a false # held, the input core would repeat it for ever
wait $reader
echo "live events: $(tr '\n' ' ' </tmp/live.ev)"
check "the live keyboard's KEY_H (35), KEY_I (23), KEY_A (30) reached the reader" \
	sh -c 'grep -qx "1 35 1" /tmp/live.ev && grep -qx "1 23 0" /tmp/live.ev && grep -qx "1 30 1" /tmp/live.ev'
port=$(usbip port 2>/dev/null | sed -n 's/^Port \([0-9]*\):.*/\1/p' | head -n 1)
check "usbip detach" usbip detach -p "$port"
check "the input device goes" wait_for 10 no_vhci_input
kill -TERM $server
wait $server
check "the recording server ends with 0" [ $? -eq 0 ]
echo "recording: $(wc -l </tmp/kbd.rec) lines, $(grep -c '^control' /tmp/kbd.rec) control, $(grep -c '^interrupt' /tmp/kbd.rec) interrupt"
check "the recording has the kernel's enumeration and the key reports" \
	sh -c 'grep -q "^control .*request=0x06" /tmp/kbd.rec && grep -q "^interrupt .*status=ok" /tmp/kbd.rec'

grep -v "^config\|^string" /tmp/kbd.rec
qmp '{"execute":"device_del","arguments":{"id":"kbd"}}'
check "QEMU's keyboard is gone" wait_for 10 sh -c '! test -e /sys/bus/usb/devices/1-1'
DEVDRV_DEBUG=3 devdrv --replay /tmp/kbd.rec usbip-export >/tmp/replay.out 2>/tmp/replay.err &
server=$!
check "devdrv --replay usbip-export serves the recording" wait_for 10 grep -q "busid 1-1" /tmp/replay.out
check "usbip attach the replayed keyboard" usbip attach -r 127.0.0.1 -b 1-1
check "usbhid made an input device of the recording" wait_for 20 vhci_input
input-events vhci 3 >/tmp/replay.ev 2>/dev/null
echo "replayed events: $(tr '\n' ' ' </tmp/replay.ev)"
check "a reader sees the recorded key events again, the same and in order" cmp /tmp/live.ev /tmp/replay.ev
kill -TERM $server
wait $server
check "the replay server ends with 0" [ $? -eq 0 ]
check "and the input device goes" wait_for 10 no_vhci_input
check "every request of the kernel matched the recording" sh -c '! grep -q "usbip: 1-1: transfer" /tmp/replay.err'
tail -n 12 /tmp/export.err
tail -n 12 /tmp/replay.err
finish
