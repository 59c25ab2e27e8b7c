# bench-usbip — a bulk IN stream over USB/IP on 127.0.0.1, in one boot: our
# server (devdrv usbip-export) exporting the virtual "source" model against
# the same stream read on the local virtual bus; and the kernel's own
# usbip-host (usbipd) exporting gadget zero's SourceSink on dummy_hcd against
# the same gadget read locally, and against ours. Every stream is read by
# devdrv read --stream (8 transfers of 64 KiB in flight), 5 rounds per pair
# in rotated order; BENCH lines: MB/s of each and the ratios.
. /scenarios/lib.sh

mib=48

read_mb_per_s() { # DEVDRV-ARGS... — MB/s of a $mib MiB stream read
	t0=$(uptime_cs)
	if ! devdrv "$@" --stream -n $((mib << 20)) -o /dev/null 2>/tmp/read.err; then
		echo "BENCH failed: devdrv $*: $(cat /tmp/read.err)" >&2
		echo 0.01
		return
	fi
	mb_per_s $((mib << 20)) "$t0" "$(uptime_cs)"
}
virtual_local() { read_mb_per_s --virtual --plug source@1-8 read 1-8; }
ours_usbip() { read_mb_per_s read "$our_port"; }
gadget_local() { read_mb_per_s read "$local_port"; }
kernel_usbip() { read_mb_per_s read "$their_port"; }

both_gadgets() { usb_by_serial DD-ss0 >/dev/null && usb_by_serial DD-ss1 >/dev/null; }
both_imported() { vhci_port 1209 000b >/dev/null && vhci_port 0525 a4a0 >/dev/null; }

ifconfig lo 127.0.0.1 up
mkdir -p /var/run/vhci_hcd
# two SourceSink gadgets: one stays local, usbip-host exports the other
make_gadget ss0 dummy_udc.0 0525 a4a0 SourceSink.0 pattern=0
make_gadget ss1 dummy_udc.1 0525 a4a0 SourceSink.1 pattern=0
check "SourceSink gadgets enumerated" wait_for 30 both_gadgets
local_port=$(usb_by_serial DD-ss0)
exported_gadget=$(usb_by_serial DD-ss1)
usbipd -4 --tcp-port 3241 >/tmp/usbipd.log 2>&1 &
sleep 1
check "usbip bind the second gadget (kernel's usbip-host)" usbip bind -b "$exported_gadget"
check "usbip attach it from 127.0.0.1:3241" usbip --tcp-port 3241 attach -r 127.0.0.1 -b "$exported_gadget"
devdrv --virtual --plug source@1-8 usbip-export 1-8 >/tmp/export.out 2>/tmp/export.log &
check "devdrv usbip-export serves the virtual source" wait_for 10 grep -q "listening on port 3240" /tmp/export.out
check "usbip attach it from 127.0.0.1:3240" usbip attach -r 127.0.0.1 -b 1-8
check "both imported devices appear under vhci_hcd" wait_for 20 both_imported
our_port=$(vhci_port 1209 000b)
their_port=$(vhci_port 0525 a4a0)
echo "local gadget $local_port, kernel-exported $their_port, ours $our_port"
rotated_rounds "local virtual bus" virtual_local "devdrv usbip-export" ours_usbip ours-usbip/local-virtual
rotated_rounds "local gadget" gadget_local "kernel usbip-host" kernel_usbip kernel-usbip/local-gadget
rotated_rounds "kernel usbip-host" kernel_usbip "devdrv usbip-export" ours_usbip ours-usbip/kernel-usbip
tail -n 20 /tmp/export.log
dmesg | grep -iE "vhci|usbip" | tail -n 20
finish
