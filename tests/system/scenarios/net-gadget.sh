# net-gadget — devdrv run --tap on the Linux kernel's own network gadget
# functions on dummy_hcd: CDC-NCM (usb_f_ncm, so our cdc-ncm driver's NTBs
# against the kernel's) and CDC-ECM (usb_f_ecm). The gadget's interface is
# moved into a network namespace of its own, so that traffic between the two
# namespaces can only cross the USB link, through our driver and the TAP:
# the TAP gets the gadget's host MAC and carrier, ping answers both ways,
# and 20 MiB fetched over TCP each way (busybox httpd and wget) arrive
# intact.
. /scenarios/lib.sh

IP=/usr/sbin/ip # iproute2's: busybox ip cannot move a link into a namespace
MIB=20
WGET_S=150 # seconds a download may take: it fails a check, not the guest's timeout
mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/src bs=1M count=$MIB 2>/dev/null
src_sum=$(md5sum </tmp/www/src)

in_ns() { nsenter -t "$ns" -n "$@"; } # a command in the gadget's namespace

carrier_up() { [ "$(cat "/sys/class/net/$1/carrier" 2>/dev/null)" = 1 ]; }

# The TAP at 10.9.N.1, the gadget's interface at 10.9.N.2 in its
# namespace; then the transfer, each way's MB/s for the log.
through_gadget() { # KIND (ncm|ecm) UDC PID N
	kind=$1 n=$4 tap=dd$1
	g=/sys/kernel/config/usb_gadget/$kind
	make_gadget "$kind" "$2" 1d6b "$3" "$kind.usb$n" host_addr=02:dd:00:00:0$n:01 dev_addr=02:dd:00:00:0$n:02
	check "$kind: the gadget enumerated" wait_for 30 usb_device 1d6b "$3"
	gif=$(cat "$g/functions/$kind.usb$n/ifname")
	unshare -n sleep 600 &
	ns=$!
	check "$kind: its interface $gif moves into a namespace of its own" \
		wait_for 5 sh -c "$IP link set '$gif' netns $ns"
	DEVDRV_DEBUG=info devdrv run "1d6b:$3" --tap "$tap" 2>"/tmp/$kind.err" &
	run=$!
	check "$kind: devdrv run makes the TAP $tap" wait_for 10 test -d "/sys/class/net/$tap"
	# up only now: f_ecm says "connected" when its interface opens while the
	# host has the data interface's alternate setting 1 (before, it says 0)
	in_ns ifconfig "$gif" "10.9.$n.2" netmask 255.255.255.0 up
	in_ns ifconfig lo up
	check "$kind: with the gadget's host_addr (its iMACAddress string)" \
		sh -c "[ \"\$(cat /sys/class/net/$tap/address)\" = 02:dd:00:00:0$n:01 ]"
	check "$kind: and carrier from its NETWORK_CONNECTION notification" wait_for 10 carrier_up "$tap"
	ifconfig "$tap" "10.9.$n.1" netmask 255.255.255.0 up
	check "$kind: ping reaches the gadget's namespace" ping -c 3 -W 3 "10.9.$n.2"
	check "$kind: and the namespace pings back" in_ns ping -c 3 -W 3 "10.9.$n.1"
	# busybox httpd and wget, one in each namespace: busybox nc writes 1 KiB
	# at a time, which Nagle's algorithm holds back for the peer's delayed
	# ACK (40 ms a segment), whatever carries them
	in_ns httpd -p 8080 -h /tmp/www
	t0=$(uptime_cs)
	timeout $WGET_S wget -q -O "/tmp/$kind.recv" "http://10.9.$n.2:8080/src"
	t1=$(uptime_cs)
	echo "$kind: $(mb_per_s $((MIB << 20)) "$t0" "$t1") MB/s gadget to host"
	check "$kind: $MIB MiB over TCP from the gadget's namespace arrive intact" \
		[ "$(md5sum <"/tmp/$kind.recv")" = "$src_sum" ]
	rm -f "/tmp/$kind.recv"
	httpd -p "808$((n + 1))" -h /tmp/www
	t0=$(uptime_cs)
	in_ns timeout $WGET_S wget -q -O "/tmp/$kind.back" "http://10.9.$n.1:808$((n + 1))/src"
	t1=$(uptime_cs)
	echo "$kind: $(mb_per_s $((MIB << 20)) "$t0" "$t1") MB/s host to gadget"
	check "$kind: and $MIB MiB the other way" [ "$(md5sum <"/tmp/$kind.back")" = "$src_sum" ]
	rm -f "/tmp/$kind.back"
	# a lone small frame from the gadget still gets through: Linux's f_ncm
	# holds a partly filled NTB for good if its flush timer fires while the
	# host has no IN transfer posted (seen here when the driver read one
	# transfer at a time: the end of a download stalled until more traffic)
	check "$kind: after that, the gadget's namespace still pings the host" in_ns ping -c 3 -W 3 "10.9.$n.1"
	echo "run: $(tr '\n' '|' <"/tmp/$kind.err")"
	echo "" >"$g/UDC"
	check "$kind: devdrv run ends when the gadget is unplugged" wait_for 15 sh -c "! kill -0 $run"
	wait $run
	rc=$?
	check "$kind: with exit code 0" [ $rc -eq 0 ]
	check "$kind: and the TAP is gone" [ ! -e "/sys/class/net/$tap" ]
	# the kernel's TCP sent through the TAP's TSO: packets of up to 64 KiB,
	# cut here into the frames the gadget's TCP took (and checked) above
	tso=$(grep -o "[0-9]* TSO packets from the kernel cut into [0-9]* frames" "/tmp/$kind.err")
	echo "$kind: $tso"
	check "$kind: the host's TCP handed TSO packets to the TAP" [ "${tso%% *}" -gt 0 ]
	# and the gadget's segments went to the host's TCP joined (the 20 MiB
	# it took intact above)
	gro=$(grep -o "[0-9]* packets to the kernel joined from [0-9]* frames" "/tmp/$kind.err")
	echo "$kind: $gro"
	check "$kind: the gadget's TCP segments reached the TAP joined" [ "${gro%% *}" -gt 0 ]
	kill "$ns"
}

through_gadget ncm dummy_udc.0 0120 0
through_gadget ecm dummy_udc.1 0121 1

# What devdrv run took from the kernel's driver goes back to it: cdc_ncm
# (not loaded until now: it would have taken the gadgets above) binds the
# NCM gadget plugged in again, devdrv run takes it over, and once stopped,
# cdc_ncm binds it again (it claims the data interface when the
# communication interface comes back: the data interface must be free by then)
cdc_ncm_bound() { [ "$(basename "$(readlink "/sys/bus/usb/devices/$(usb_device 1d6b 0120):1.0/driver")")" = cdc_ncm ]; }
while read -r module args; do
	insmod "/lib/modules/$module" $args 2>/dev/null
done </etc/modules.demand
echo dummy_udc.0 >/sys/kernel/config/usb_gadget/ncm/UDC
check "the kernel's cdc_ncm binds the NCM gadget" wait_for 30 cdc_ncm_bound
devdrv run 1d6b:0120 --tap ddback 2>/tmp/back.err &
run=$!
check "devdrv run takes it from cdc_ncm" wait_for 10 test -d /sys/class/net/ddback
kill -TERM $run
wait $run
check "stopped, it ends with exit code 0" [ $? -eq 0 ]
check "and cdc_ncm binds the gadget again" wait_for 10 cdc_ncm_bound
# usbfs names a process that misuses it ("did not claim interface"...)
check "the kernel logged no complaint about us" sh -c '! dmesg | grep -E "usbfs: |BUG:|WARNING:|Oops"'
finish
