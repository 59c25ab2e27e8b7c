# descriptors — the QEMU USB models that need no host hardware (HID,
# FTDI, mass storage over BOT and UAS at SuperSpeed, CDC-ECM + RNDIS with
# two configurations, audio with alt settings, CCID, MTP, a full-speed hub
# with devices behind it) and a composite kernel gadget (ACM + HID + mass
# storage, with an interface association) plus SourceSink. Prints each
# device's raw sysfs "descriptors" and `devdrv list --json`; the runner parses
# the raw bytes itself and compares configurations, interfaces, alt settings
# and endpoints device by device. The console log (logs/descriptors.log) has
# the bytes of tests/fuzz/corpus/sysfs-descriptors/{qemu-*,roothub-*,
# gadget-combo}.bin; corpus/config holds their configurations, cut at each
# wTotalLength after the 18-byte device descriptor. (The other gadget-*
# files came from a one-off boot with usb_f_ecm, _ncm, _rndis, _midi and
# _printer added to the initramfs.)
. /scenarios/lib.sh

G=/sys/kernel/config/usb_gadget
# boot keyboard report descriptor (the kernel's Documentation/usb/gadget_hid.rst)
KBD=05010906a101050719e029e71500250175019508810295017508810395057501050819012905910295017503910395067508150025650507190029658100c0

# composite gadget: ACM + HID + mass storage in one configuration
c=$G/combo
mkdir -p "$c/strings/0x409" "$c/configs/c.1/strings/0x409" \
	"$c/functions/acm.usb0" "$c/functions/hid.usb0" "$c/functions/mass_storage.0"
echo 0x1d6b >"$c/idVendor"
echo 0x0107 >"$c/idProduct"
echo libdevdrv >"$c/strings/0x409/manufacturer"
echo "devdrv combo" >"$c/strings/0x409/product"
echo "DD-combo" >"$c/strings/0x409/serialnumber"
echo 1 >"$c/functions/hid.usb0/protocol"
echo 1 >"$c/functions/hid.usb0/subclass"
echo 8 >"$c/functions/hid.usb0/report_length"
hex_to_file "$KBD" "$c/functions/hid.usb0/report_desc"
dd if=/dev/zero of=/tmp/ms.img bs=1024 count=1024 2>/dev/null
echo /tmp/ms.img >"$c/functions/mass_storage.0/lun.0/file"
for f in acm.usb0 hid.usb0 mass_storage.0; do
	ln -s "$c/functions/$f" "$c/configs/c.1/"
done
echo dummy_udc.0 >"$c/UDC"
make_gadget ss dummy_udc.1 0525 a4a0 SourceSink.0

for id in 0627:0001 056a:0000 0403:6001 46f4:0001 46f4:0003 0525:a4a2 46f4:0002 08e6:4433 \
	46f4:0004 0409:55aa 1d6b:0107 0525:a4a0; do
	# (no colon in a check's name: the runner reads ": " as the start of why)
	check "USB device ${id%:*} ${id#*:} enumerated" wait_for 30 usb_device "${id%:*}" "${id#*:}"
done
# three HID models share 0627:0001; the hub's children come last
check "the hub's five children enumerated" wait_for 30 test -e /sys/bus/usb/devices/1-8.5
sleep 1

check "devdrv list --json exits 0" sh -c 'devdrv list --json >/tmp/list.json'
echo "DEVDRV-JSON $(cat /tmp/list.json)"
for d in /sys/bus/usb/devices/*; do
	n=$(basename "$d")
	case $n in *:*) continue ;; esac
	[ -f "$d/descriptors" ] || continue
	product=$(tr ' ' _ 2>/dev/null <"$d/product")
	echo "DEVDRV-DESC $n ${product:--} $(od -An -v -tx1 "$d/descriptors" | tr -d ' \n')"
done
finish
