# handover — QEMU's usb-storage with the kernel's usb-storage driver bound:
# opening it with libdevdrv detaches the driver (the block device goes away);
# closing re-attaches it (the block device comes back).
. /scenarios/lib.sh

driver_is() { [ "$(interface_driver "$1")" = "$2" ]; }
has_disk() { ls /sys/block | grep -q '^sd'; }
no_disk() { ! has_disk; }

check "usb-storage enumerated" wait_for 30 usb_device 46f4 0001
intf="$(usb_device 46f4 0001):1.0"
check "kernel driver usb-storage bound" wait_for 30 driver_is "$intf" usb-storage
check "block device present" wait_for 30 has_disk

# `devdrv write SEL -` claims the interface before it reads stdin, so a FIFO
# we hold open keeps the device claimed exactly as long as the checks need
mkfifo /tmp/hold
devdrv write 46f4:0001 - </tmp/hold 2>/tmp/write.err &
pid=$!
exec 3>/tmp/hold
# a claimed interface belongs to the kernel's "usbfs" driver
check "usb-storage detached: usbfs holds the interface" wait_for 5 driver_is "$intf" usbfs
check "block device gone while detached" wait_for 5 no_disk
exec 3>&-
wait $pid
rc=$?
echo "devdrv write said: $(cat /tmp/write.err)"
check "devdrv write of nothing exited 0" [ $rc -eq 0 ]
check "usb-storage re-attached after close" wait_for 10 driver_is "$intf" usb-storage
check "block device back after close" wait_for 20 has_disk
finish
