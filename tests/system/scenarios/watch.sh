# watch — devdrv watch sees every add and remove of 20 QMP hot-plug cycles
# of QEMU's usb-serial and of 20 bind/unbind cycles of a CDC-ACM gadget on
# dummy_hcd, through libusb's hotplug (fed by Debian's systemd-udevd).
. /scenarios/lib.sh

no_device() { ! usb_device "$1" "$2"; }

every_event() { # FILE — the device present at the start (--existing), then
	# 20 removals and 20 arrivals, each device (port and address) arriving
	# once before it leaves once; the last only arrives. Devices at
	# different ports may be reported out of step: udevd handles unrelated
	# devices in parallel.
	[ "$(wc -l <"$1")" -eq 41 ] || return 1
	sed 's/.*"event":"\([a-z]*\)".*"port":"\([^"]*\)".*"address":\([0-9]*\).*/\1 \2@\3/' "$1" | awk '
		$1 == "arrived" { if (seen[$2]++) bad = 1; arrived++ }
		$1 == "left" { if (gone[$2]++) bad = 1; if (!seen[$2]) unseen++; left++ }
		END { exit bad || unseen || arrived != 21 || left != 20 }'
}

# The first line (--existing: the device present) says the watch is
# registered, the two happening together: no cycle can start before it.
started() { wait_for 20 grep -q '"event":"arrived"' "$1"; }

mkdir -p /run/udev
/lib/systemd/systemd-udevd --daemon
udevadm trigger --action=add --subsystem-match=usb
udevadm settle --timeout=30
check "QEMU usb-serial enumerated" wait_for 30 usb_device 0403 6001

devdrv watch --json --existing --count 41 0403:6001 >/tmp/qmp.json 2>/tmp/qmp.err &
watch=$!
check "devdrv watch --existing reports the FTDI present" started /tmp/qmp.json
prev=ser
i=0
while [ $i -lt 20 ]; do
	echo "DEVDRV-QMP {\"execute\":\"device_del\",\"arguments\":{\"id\":\"$prev\"}}"
	wait_for 10 no_device 0403 6001 || echo "cycle $i: still there"
	# a chardev is free once its device is gone: two, in turn
	echo "DEVDRV-QMP {\"execute\":\"device_add\",\"arguments\":{\"driver\":\"usb-serial\",\"id\":\"s$i\",\"bus\":\"xhci.0\",\"chardev\":\"ser$(((i + 1) % 2))\",\"always-plugged\":true}}"
	wait_for 10 usb_device 0403 6001 || echo "cycle $i: did not come back"
	prev=s$i
	i=$((i + 1))
done
check "devdrv watch ended after 41 events of QEMU's usb-serial" wait_for 30 sh -c "! kill -0 $watch"
check "each of the 20 devices arrived once and left once" every_event /tmp/qmp.json
events() { # FILE — event, port and address of each line, for the log
	sed 's/.*"event":"\([a-z]*\)".*"port":"\([^"]*\)".*"address":\([0-9]*\).*/\1 \2@\3/' "$1" | tr '\n' ' '
}
echo "qmp watch: $(events /tmp/qmp.json) $(cat /tmp/qmp.err)"

make_gadget acm dummy_udc.0 1d6b 0104 acm.usb0
check "CDC-ACM gadget enumerated" wait_for 30 usb_device 1d6b 0104
devdrv watch --json --existing --count 41 1d6b:0104 >/tmp/gadget.json 2>/tmp/gadget.err &
watch=$!
check "devdrv watch --existing reports the gadget present" started /tmp/gadget.json
i=0
while [ $i -lt 20 ]; do
	echo "" >/sys/kernel/config/usb_gadget/acm/UDC
	wait_for 10 no_device 1d6b 0104 || echo "cycle $i: gadget still there"
	echo dummy_udc.0 >/sys/kernel/config/usb_gadget/acm/UDC
	wait_for 10 usb_device 1d6b 0104 || echo "cycle $i: gadget did not come back"
	i=$((i + 1))
done
check "devdrv watch ended after 41 events of the gadget" wait_for 30 sh -c "! kill -0 $watch"
check "each of the 20 bindings arrived once and left once" every_event /tmp/gadget.json
echo "gadget watch: $(events /tmp/gadget.json) $(cat /tmp/gadget.err)"
check "bound to cdc-acm each time it arrived" sh -c '[ "$(grep -c "\"event\":\"arrived\".*\"driver\":\"cdc-acm\"" /tmp/gadget.json)" -eq 21 ]'
finish
