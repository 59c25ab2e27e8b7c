# usbip-export — devdrv usbip-export serves virtual devices on 127.0.0.1 in
# the guest; Debian's usbip tools list and attach them through vhci_hcd, and
# the kernel's own drivers, which no one here wrote, drive our models:
# ftdi_sio makes /dev/ttyUSB0 of the virtual FT232R (stty's baud rate reaches
# the model, which logs it; bytes come back through its loopback), cdc_acm
# /dev/ttyACM0 of the ACM model, usb-storage a disk of the virtual stick
# (mkdosfs, mount, a file written, remounted, read back), usbhid an input
# device of the virtual keyboard (a reader of struct input_event sees it
# type), and lsusb lists the toaster (a plugin's model). A second client's
# import of a device in use is refused; usbip detach frees it and a
# re-attach finds it at the same port path; SIGTERM ends the server with 0
# and the guest's kernel sees every device go.
. /scenarios/lib.sh

export DEVDRV_DRIVER_PATH=/usr/lib/devdrv/drivers DEVDRV_PLUGIN_INDEX=/tmp/plugin-index

ftdi_back_at() { [ "$(vhci_port 0403 6001)" = "$1" ]; }
no_vhci_device() { # no device (but the root hubs) under vhci_hcd
	for d in /sys/bus/usb/devices/*-*; do
		case "$d" in *:*) continue ;; esac
		case "$(readlink -f "$d")" in *vhci_hcd*) return 1 ;; esac
	done
	return 0
}
stick_disk() { # the 8 MiB unit of the virtual stick
	for b in /sys/block/sd*; do
		[ "$(cat "$b/size" 2>/dev/null)" = 16384 ] && basename "$b" && return 0
	done
	return 1
}
echo_through() { # TTY TEXT — TEXT written to TTY comes back (the models loop back)
	stty -F "$1" 38400 raw -echo -echoe -echok -echoctl -echoke || return 1
	cat "$1" >"/tmp/rx.$(basename "$1")" &
	cat_pid=$!
	sleep 0.5
	printf '%s\n' "$2" >"$1"
	wait_for 10 grep -q "$2" "/tmp/rx.$(basename "$1")"
	rc=$?
	kill $cat_pid
	return $rc
}

ifconfig lo 127.0.0.1 up
mkdir -p /var/run/vhci_hcd # where usbip attach records its connections
DEVDRV_DEBUG=3 devdrv --virtual --plug ft232r@1-3 --plug stick@1-4 --plug keyboard@1-5 --plug cdc-acm@1-6 \
	--plug toaster@1-7 usbip-export >/tmp/export.out 2>/tmp/export.log &
server=$!
check "devdrv usbip-export listens on 127.0.0.1:3240" wait_for 10 grep -q "listening on port 3240" /tmp/export.out
cat /tmp/export.out
usbip list -r 127.0.0.1 >/tmp/list.txt 2>&1
cat /tmp/list.txt
check "usbip list -r shows the virtual FT232R" grep -q "1-3: .*(0403:6001)" /tmp/list.txt
check "and the stick, the keyboard, the ACM port, the toaster" \
	sh -c 'grep -q "1-4: .*(1209:000a)" /tmp/list.txt && grep -q "1-7: .*(1209:70a5)" /tmp/list.txt &&
		grep -q "1-5: " /tmp/list.txt && grep -q "1-6: " /tmp/list.txt'
for busid in 1-3 1-4 1-5 1-6 1-7; do
	check "usbip attach -r 127.0.0.1 -b $busid" usbip attach -r 127.0.0.1 -b $busid
done

# ftdi_sio on the virtual FT232R
check "ftdi_sio made /dev/ttyUSB0 of the virtual FT232R" wait_for 20 test -c /dev/ttyUSB0
check "bytes written to /dev/ttyUSB0 come back through the model" echo_through /dev/ttyUSB0 "through ftdi_sio and USB/IP"
check "stty's 38400 baud reached the model as ftdi_sio's divisor" grep -q "virtual 1-3 (ft232r): baud rate 38400 " /tmp/export.log
check "ftdi_sio bound the interface" sh -c "ls /sys/bus/usb/drivers/ftdi_sio/ | grep -q ':1.0'"

# cdc_acm on the ACM model
check "cdc_acm made /dev/ttyACM0 of the virtual ACM port" wait_for 20 test -c /dev/ttyACM0
check "bytes written to /dev/ttyACM0 come back" echo_through /dev/ttyACM0 "through cdc_acm and USB/IP"

# usb-storage on the virtual stick
check "usb-storage made a disk of the stick's 8 MiB unit" wait_for 30 stick_disk
disk=$(stick_disk)
# the model, like some bridges, refuses transfers over 64 KiB: the limit a user sets for those
echo 64 >"/sys/block/$disk/queue/max_sectors_kb"
check "mkdosfs /dev/$disk" mkdosfs "/dev/$disk"
mkdir -p /mnt/stick
check "mount it" mount -t vfat "/dev/$disk" /mnt/stick
i=0
while [ $i -lt 400 ]; do echo "line $i of a file on the virtual stick, through usb-storage and USB/IP"; i=$((i + 1)); done >/tmp/file.txt
cp /tmp/file.txt /mnt/stick/FILE.TXT
umount /mnt/stick
echo 3 >/proc/sys/vm/drop_caches
check "mount it again" mount -t vfat "/dev/$disk" /mnt/stick
check "the file reads back identical" cmp /tmp/file.txt /mnt/stick/FILE.TXT
umount /mnt/stick

# usbhid on the virtual keyboard, which types "hello world" by itself
check "usbhid made an input device of the keyboard" wait_for 20 sh -c 'grep -l vhci /sys/class/input/event*/device/phys'
# it never stops typing: the reader is stopped after 4 s
timeout 4 input-events vhci 2 >/tmp/kbd.ev 2>/tmp/kbd.rd
echo "keyboard: $(head -c 300 /tmp/kbd.ev | tr '\n' ' ') $(cat /tmp/kbd.rd)"
check "a reader of struct input_event sees KEY_H (35) pressed" grep -qx "1 35 1" /tmp/kbd.ev
check "and KEY_E (18), KEY_L (38), KEY_O (24)" \
	sh -c 'grep -qx "1 18 1" /tmp/kbd.ev && grep -qx "1 38 1" /tmp/kbd.ev && grep -qx "1 24 1" /tmp/kbd.ev'

# the toaster has no kernel driver; the kernel enumerates it all the same
lsusb >/tmp/lsusb.txt 2>&1
cat /tmp/lsusb.txt
check "lsusb lists the toaster" grep -q "ID 1209:70a5" /tmp/lsusb.txt

# one client per device; detach frees it, and it comes back at the same port
ftdi=$(vhci_port 0403 6001)
check "a second import of the FT232R is refused" sh -c '! usbip attach -r 127.0.0.1 -b 1-3'
check "the server said why" grep -q "asked to import 1-3: imported by another client" /tmp/export.log
port=$(usbip port 2>/dev/null | grep -B3 "usbip://127.0.0.1:3240/1-3" | sed -n 's/^Port \([0-9]*\):.*/\1/p' | head -n 1)
check "usbip detach the FT232R (port $port)" usbip detach -p "$port"
check "it leaves the guest's kernel" wait_for 10 sh -c '! test -e /sys/bus/usb/devices/'"$ftdi"
check "the server released it" wait_for 10 grep -q "released 1-3" /tmp/export.log
check "usbip attach it again" usbip attach -r 127.0.0.1 -b 1-3
check "it comes back at the same port path ($ftdi)" wait_for 20 ftdi_back_at "$ftdi"
check "and as /dev/ttyUSB0 again" wait_for 20 test -c /dev/ttyUSB0

# the server ends; every imported device goes
kill -TERM $server
wait $server
rc=$?
check "SIGTERM ends devdrv usbip-export with 0" [ $rc -eq 0 ]
check "the guest's kernel saw every imported device go" wait_for 20 no_vhci_device
check "no server error or warning in its log but the refused import" \
	sh -c '! grep -E "devdrv\[[12]\]" /tmp/export.log | grep -v "imported by another client"'
tail -n 30 /tmp/export.log
dmesg | grep -iE "vhci|usbip" | tail -n 15
finish
