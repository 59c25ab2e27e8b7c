# enumeration — QEMU's usb-kbd, usb-tablet, usb-serial (FTDI) and usb-storage
# and a Linux CDC-ACM gadget on dummy_hcd: print `devdrv list --json` and the
# sysfs facts; the runner compares them device by device.
. /scenarios/lib.sh

bound() { [ -n "$(interface_driver "$1")" ]; }

make_gadget acm dummy_udc.0 1d6b 0104 acm.usb0
check "usb-storage enumerated" wait_for 30 usb_device 46f4 0001
check "usb-serial enumerated" wait_for 30 usb_device 0403 6001
check "CDC-ACM gadget enumerated" wait_for 30 usb_device 1d6b 0104
# compare only once the kernel drivers have settled
check "usb-storage driver bound" wait_for 30 bound "$(usb_device 46f4 0001):1.0"
check "ftdi_sio driver bound" wait_for 30 bound "$(usb_device 0403 6001):1.0"
check "cdc_acm driver bound" wait_for 30 bound "$(usb_device 1d6b 0104):1.1"

check "devdrv list --json exits 0" sh -c 'devdrv list --json >/tmp/list.json'
echo "DEVDRV-JSON $(cat /tmp/list.json)"

# devdrv list -t against lsusb -t (usbutils): the same device numbers,
# interfaces, kernel drivers and speeds
lsusb -t >/tmp/lsusb-t.txt 2>&1
devdrv list -t >/tmp/devdrv-t.txt 2>&1
cat /tmp/lsusb-t.txt /tmp/devdrv-t.txt
sed -n 's/.*Port [0-9]*: Dev \([0-9]*\), If \([0-9]*\), Class=.*, Driver=\([^,]*\), \([0-9.]*M\)$/\1 \2 \3 \4/p' \
	/tmp/lsusb-t.txt | awk '{ printf "%d %s %s %s\n", $1, $2, ($3 == "" ? "-" : $3), $4 }' | sort >/tmp/lsusb-t.set
awk '/\|__ Port / { sub(/,$/, "", $5); dev = $5 + 0; speed = $NF }
     /\|__ If / { split($0, f, "Driver="); split(f[2], d, ","); sub(/,$/, "", $3); print dev, $3, d[1], speed }' \
	/tmp/devdrv-t.txt | sort >/tmp/devdrv-t.set
echo "lsusb -t: $(tr '\n' '|' </tmp/lsusb-t.set)"
echo "devdrv -t: $(tr '\n' '|' </tmp/devdrv-t.set)"
check "lsusb -t and devdrv list -t agree on devices, interfaces, drivers and speeds" \
	sh -c '[ -s /tmp/lsusb-t.set ] && cmp /tmp/lsusb-t.set /tmp/devdrv-t.set'

# Listing needs no permission; opening does, and says how to get it.
as_nobody() { su -s /bin/sh nobody -c "LD_LIBRARY_PATH=$LD_LIBRARY_PATH PATH=$PATH $1"; }
same_list_as_nobody() { as_nobody "devdrv list --json" | cmp - /tmp/list.json; }
check "an unprivileged user lists the same devices" same_list_as_nobody
as_nobody "devdrv read 0403:6001 --timeout 100" >/dev/null 2>/tmp/access.err
rc=$?
echo "unprivileged open said: $(cat /tmp/access.err)"
check "an unprivileged open exits 1" [ $rc -eq 1 ]
check "the message names the permission problem and the udev rules" \
	sh -c 'grep -q "permission denied" /tmp/access.err && grep -q "udev rules" /tmp/access.err'
check "the message is one line" [ "$(wc -l </tmp/access.err)" -eq 1 ]
for d in /sys/bus/usb/devices/*; do
	n=$(basename "$d")
	case $n in *:*) continue ;; esac
	for a in busnum devnum idVendor idProduct speed manufacturer product serial; do
		[ -f "$d/$a" ] && echo "DEVDRV-SYSFS $n $a $(cat "$d/$a")"
	done
	prefix=$n
	case $n in usb*) prefix="${n#usb}-0" ;; esac
	for i in "$d/$prefix":*; do
		[ -f "$i/bInterfaceNumber" ] || continue
		[ "$(cat "$i/bAlternateSetting")" = " 0" ] || [ "$(cat "$i/bAlternateSetting")" = "0" ] || continue
		echo "DEVDRV-SYSFS-IF $n $(cat "$i/bInterfaceNumber") $(cat "$i/bInterfaceClass") $(interface_driver "$(basename "$i")")"
	done
done
finish
