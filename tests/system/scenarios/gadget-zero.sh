# gadget-zero — the generic driver on the kernel's SourceSink and Loopback
# gadget functions (dummy_hcd): devdrv write/read move MiBs; what the
# loopback returns equals what was written. With pattern 0 the source sends
# zeros and the sink checks that every byte it receives is zero (it stalls
# otherwise), so the gadget itself verifies what devdrv wrote.
. /scenarios/lib.sh

MIB=4
BYTES=$((MIB * 1048576))

loopback_chunks() { # 1 MiB in 64 KiB write/read pairs, then compare
	rm -f /tmp/lb.out
	i=0
	while [ $i -lt 16 ]; do
		dd if=/tmp/in bs=65536 skip=$i count=1 2>/dev/null | devdrv write 0525:a4a1 - || return 1
		devdrv read 0525:a4a1 -n 65536 >>/tmp/lb.out || return 1
		i=$((i + 1))
	done
	head -c 1048576 /tmp/in | cmp - /tmp/lb.out
}

make_gadget ss dummy_udc.0 0525 a4a0 SourceSink.0 pattern=0
make_gadget lb dummy_udc.1 0525 a4a1 Loopback.0
check "SourceSink gadget enumerated" wait_for 30 usb_device 0525 a4a0
check "Loopback gadget enumerated" wait_for 30 usb_device 0525 a4a1
dd if=/dev/urandom of=/tmp/in bs=1048576 count=$MIB 2>/dev/null

check "devdrv write moves $MIB MiB of zeros into the checking sink" \
	sh -c "head -c $BYTES /dev/zero | devdrv write 0525:a4a0 -"
check "devdrv read moves $MIB MiB out of the source" \
	sh -c "devdrv read 0525:a4a0 -n $BYTES >/tmp/src && [ \$(wc -c </tmp/src) -eq $BYTES ]"
check "the source sends pattern 0 (zeros)" sh -c "head -c $BYTES /dev/zero | cmp - /tmp/src"
check "devdrv read --stream moves $MIB MiB of zeros out of the source (8 x 64 KiB in flight)" \
	sh -c "devdrv read 0525:a4a0 --stream -n $BYTES -o /tmp/stream && head -c $BYTES /dev/zero | cmp - /tmp/stream"
check "devdrv write --stream moves $MIB MiB of zeros into the checking sink (8 x 64 KiB in flight)" \
	sh -c "head -c $BYTES /dev/zero | devdrv write 0525:a4a0 --stream --stats 2>/tmp/ws.err && grep -q 'wrote $BYTES bytes' /tmp/ws.err"
# the sink checks what it gets (pattern 0: zeros); anything else stalls it
head -c 70000 /tmp/in | devdrv write 0525:a4a0 --stream --timeout 2000 2>/tmp/bad.err
rc=$?
echo "random bytes into the sink: exit $rc, $(cat /tmp/bad.err)"
check "a byte that is not zero is refused by the kernel's sink (a stall, exit 1)" \
	sh -c "[ $rc -eq 1 ] && grep -q stall /tmp/bad.err"
check "the loopback returns what was written (1 MiB)" loopback_chunks
check "examples/loopback round trip on the gadget" \
	sh -c 'loopback 0525:a4a1 | grep -q "read back 14: hello, devdrv!"'
finish
