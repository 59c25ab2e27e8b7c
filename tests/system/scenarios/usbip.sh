# usbip — drivers on devices imported over USB/IP, in one guest with
# Debian's usbip tools: usbipd exports QEMU's usb-serial (FTDI, its chardev
# served by the runner) and usb-storage; devdrv --remote (the library's own
# USB/IP client) lists and drives them with no vhci_hcd; then usbip attach -r 127.0.0.1 imports
# them through vhci_hcd; devdrv lists them as remote and drives them (a
# serial round trip with the host, a block read compared with the local
# one); usbip detach during a read gives DISCONNECTED, no hang; attached
# again, the device is back at the same port path.
. /scenarios/lib.sh

check "QEMU usb-serial enumerated" wait_for 30 usb_device 0403 6001
check "QEMU usb-storage enumerated" wait_for 30 usb_by_serial DEVDRV-USBIP
ftdi=$(usb_device 0403 6001)
stick=$(usb_by_serial DEVDRV-USBIP)
devdrv storage "$stick" read 100 8 -o /tmp/local.bin 2>/dev/null
ifconfig lo 127.0.0.1 up
mkdir -p /var/run/vhci_hcd # where usbip attach records its connections
usbipd -4 >/tmp/usbipd.log 2>&1 &
sleep 1
check "usbip bind the FTDI" usbip bind -b "$ftdi"
check "usbip bind the stick" usbip bind -b "$stick"
# first without vhci_hcd: devdrv's own USB/IP client (--remote) drives what
# the kernel's usbip-host exports, with devdrv's drivers, over TCP
devdrv --remote 127.0.0.1 list >/tmp/rlist.txt 2>&1
echo "remote list: $(tr '\n' '|' </tmp/rlist.txt)"
check "devdrv --remote lists usbipd's FTDI, bound to the ftdi driver" grep -q "^$ftdi .*0403:6001 .*ftdi .*\[usbip\]" /tmp/rlist.txt
check "and the stick, bound to msc" grep -q "^$stick .*46f4:0001 .*msc .*\[usbip\]" /tmp/rlist.txt
(printf 'ping-from-guest'; sleep 4) | devdrv --remote 127.0.0.1 serial "$ftdi" --baud 115200 --drain 1500 >/tmp/rftdi.out 2>/tmp/rftdi.err
rc=$?
echo "remote serial: $(cat /tmp/rftdi.err)"
check "devdrv --remote serial through usbip-host exits 0" [ $rc -eq 0 ]
check "the host's answer came back over devdrv's USB/IP client" sh -c 'printf "pong-from-host\n" | cmp - /tmp/rftdi.out'
check "devdrv --remote storage reads the stick through usbip-host" wait_for 10 devdrv --remote 127.0.0.1 storage "$stick" read 100 8 -o /tmp/client.bin
check "the same blocks as read locally" cmp /tmp/local.bin /tmp/client.bin
check "usbip attach the FTDI from 127.0.0.1" wait_for 10 usbip attach -r 127.0.0.1 -b "$ftdi"
check "usbip attach the stick" usbip attach -r 127.0.0.1 -b "$stick"
check "the imported FTDI appears under vhci_hcd" wait_for 20 vhci_port 0403 6001
check "the imported stick appears under vhci_hcd" wait_for 20 vhci_port 46f4 0001
rftdi=$(vhci_port 0403 6001)
rstick=$(vhci_port 46f4 0001)
devdrv list --json >/tmp/list.json
devdrv list >/tmp/list.txt
echo "imported: FTDI $rftdi, stick $rstick; $(grep usbip /tmp/list.txt | tr '\n' '|')"
check "devdrv list marks the imported FTDI as remote" grep -q "^$rftdi .*\[usbip\]" /tmp/list.txt
check "and --json says remote true" sh -c "tr '{' '\n' </tmp/list.json | grep '\"port_path\":\"$rftdi\"' | grep -q '\"remote\":true'"
# the runner answers "ping-from-guest" with "pong-from-host\n" on the FTDI's chardev
(printf 'ping-from-guest'; sleep 4) | devdrv serial "$rftdi" --baud 115200 --drain 1500 >/tmp/ftdi.out 2>/tmp/ftdi.err
rc=$?
echo "serial: $(cat /tmp/ftdi.err)"
check "devdrv serial through the imported FTDI exits 0" [ $rc -eq 0 ]
check "the host's answer came back through USB/IP" sh -c 'printf "pong-from-host\n" | cmp - /tmp/ftdi.out'
check "devdrv storage reads the imported stick" devdrv storage "$rstick" read 100 8 -o /tmp/remote.bin
check "the same blocks as read locally" cmp /tmp/local.bin /tmp/remote.bin
# detach while a read waits on the imported FTDI: DISCONNECTED, no hang
devdrv read "$rftdi" --timeout 20000 >/dev/null 2>/tmp/detach.err &
reader=$!
sleep 1
port=$(usbip port 2>/dev/null | sed -n 's/^Port \([0-9]*\):.*/\1/p' | head -n 1)
usbip detach -p "$port"
check "the blocked read ends after usbip detach" wait_for 10 sh -c "! kill -0 $reader"
wait $reader
rc=$?
echo "detach: exit $rc, $(cat /tmp/detach.err)"
check "with exit 1 and the device called unplugged" sh -c "[ $rc -eq 1 ] && grep -q unplugged /tmp/detach.err"
# attached again, it is at the same port path, so a selector by port keeps naming it
ftdi_at() { [ "$(vhci_port 0403 6001)" = "$1" ]; }
check "usbip attach the FTDI again" usbip attach -r 127.0.0.1 -b "$ftdi"
check "it comes back at the same port path ($rftdi)" wait_for 20 ftdi_at "$rftdi"
check "and devdrv opens it there" devdrv info "$rftdi"
finish
