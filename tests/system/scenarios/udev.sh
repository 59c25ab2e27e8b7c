# udev — the generated rules under the real systemd-udevd (Debian's udev
# package): QEMU's FTDI (usb-serial) is flagged ftdi, gets the uaccess tag
# and, being in the autostart configuration, the systemd tag,
# SYSTEMD_WANTS=devdrv@.service and its node's group; QEMU's keyboard
# (matched by class only) is flagged hid without access; the remove event of
# the FTDI (QMP device_del) is flagged from ENV{PRODUCT}; libusb's hotplug
# through udevd reaches devdrv watch for the removal and a new arrival.
. /scenarios/lib.sh

echo 'devdrv:x:990:' >>/etc/group
mkdir -p /etc/udev/rules.d /etc/devdrv /run/udev
cat >/etc/devdrv/autostart.conf <<'CONF'
# the FTDI of QEMU, as a terminal
0403:6001   --pty /run/devdrv/ftdi --baud 115200
CONF
check "devdrv udev-rules writes the rules" \
	devdrv udev-rules --autostart /etc/devdrv/autostart.conf -o /etc/udev/rules.d/70-devdrv.rules
check "QEMU usb-serial enumerated" wait_for 30 usb_device 0403 6001
check "QEMU usb-kbd enumerated" wait_for 30 usb_device 0627 0001
/lib/systemd/systemd-udevd --daemon
udevadm trigger --action=add --subsystem-match=usb
udevadm settle --timeout=30
ftdi=$(usb_device 0403 6001)
kbd=$(usb_device 0627 0001)
udevadm info -q property "/sys/bus/usb/devices/$ftdi" >/tmp/ftdi.props
udevadm info -q property "/sys/bus/usb/devices/$kbd" >/tmp/kbd.props
echo "ftdi: $(grep -E '^(ID_DEVDRV|TAGS|CURRENT_TAGS|SYSTEMD)' /tmp/ftdi.props | tr '\n' ' ')"
check "udevd loaded them, the FTDI is flagged" grep -qx ID_DEVDRV=1 /tmp/ftdi.props
check "as ftdi" grep -qx ID_DEVDRV_DRIVER=ftdi /tmp/ftdi.props
check "with the uaccess tag" grep -q '^TAGS=.*:uaccess:' /tmp/ftdi.props
check "and the systemd tag" grep -q '^TAGS=.*:systemd:' /tmp/ftdi.props
check "SYSTEMD_WANTS names the template" grep -qx SYSTEMD_WANTS=devdrv@.service /tmp/ftdi.props
node=$(grep '^DEVNAME=' /tmp/ftdi.props | cut -d= -f2)
check "its node belongs to group devdrv, 0660, nothing world-writable" \
	sh -c "[ \"\$(stat -c '%G %a' $node)\" = 'devdrv 660' ]"
check "the keyboard (HID by class) is flagged hid" grep -qx ID_DEVDRV_DRIVER=hid /tmp/kbd.props
check "without access" sh -c '! grep -q "^TAGS=.*:uaccess:" /tmp/kbd.props'
# what devdrv@.service runs for the device (%I is its sysfs path): the
# configuration's entry, a terminal at /run/devdrv/ftdi
mkdir -p /run/devdrv
devdrv autostart "$(readlink -f "/sys/bus/usb/devices/$ftdi")" --config /etc/devdrv/autostart.conf 2>/tmp/auto.err &
auto=$!
check "devdrv autostart runs the entry, its terminal appears" wait_for 10 test -L /run/devdrv/ftdi

udevadm monitor --udev --property --subsystem-match=usb >/tmp/monitor &
mon=$!
# --existing: the FTDI's first line says the watch is registered (the two
# happen together), so the unplug cannot come before it, however slow the boot
devdrv watch --json --existing --count 3 0403:6001 >/tmp/watch.json 2>/tmp/watch.err &
watch=$!
check "devdrv watch --existing reports the FTDI present" wait_for 20 grep -q '"event":"arrived"' /tmp/watch.json
echo 'DEVDRV-QMP {"execute":"device_del","arguments":{"id":"ser"}}'
check "the removal reaches udev" wait_for 15 grep -q '^ACTION=remove' /tmp/monitor
sleep 1
echo 'DEVDRV-QMP {"execute":"device_add","arguments":{"driver":"usb-serial","id":"ser2","bus":"xhci.0","chardev":"ser1","always-plugged":true}}'
check "devdrv watch saw the FTDI leave and come back" wait_for 30 sh -c "! kill -0 $watch"
wait $auto
rc=$?
echo "autostart: exit $rc, $(tr '\n' '|' </tmp/auto.err)"
check "the autostarted driver ended with 0 when its device left" [ $rc -eq 0 ]
check "and removed its terminal" [ ! -e /run/devdrv/ftdi ]
kill $mon
echo "watch: $(tr '\n' '|' </tmp/watch.json) $(cat /tmp/watch.err)"
# the usb_device remove event: its properties, flags included
awk '/^ACTION=remove/ { r = 1 } r && /^$/ { if (dev) print block; r = 0; dev = 0; block = "" }
     r { block = block $0 "\n"; if ($0 == "DEVTYPE=usb_device") dev = 1 }' /tmp/monitor >/tmp/remove.props
check "the remove event is flagged ftdi (matched on ENV{PRODUCT})" grep -qx ID_DEVDRV_DRIVER=ftdi /tmp/remove.props
check "devdrv watch saw it leave first" sh -c 'sed -n 2p /tmp/watch.json | grep -q "\"event\":\"left\""'
check "then arrive, bound to ftdi" sh -c 'sed -n 3p /tmp/watch.json | grep -q "\"event\":\"arrived\".*\"driver\":\"ftdi\""'
finish
