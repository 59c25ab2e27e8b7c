# bench-net — TCP through the Linux usb_f_ncm gadget in one boot: devdrv run
# --tap (our cdc-ncm driver) against the kernel's own cdc_ncm, each on one of
# two identical NCM gadgets (dummy_udc.0 and .1), each gadget's interface in
# a network namespace of its own. An HTTP download of MIB MiB each way
# (busybox httpd and wget), 5 rounds in rotated order; BENCH lines: MB/s of
# each and the ratio, per direction. Two identical gadgets, each driver
# keeping its own for the whole run: no round pays for a driver change.
. /scenarios/lib.sh

IP=/usr/sbin/ip
MIB=8
mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/src bs=1M count=$MIB 2>/dev/null

# cdc_ncm is not loaded at boot (it would take every NCM gadget of the
# other scenarios): load it, and what it needs, now
while read -r module args; do
	insmod "/lib/modules/$module" $args 2>/dev/null
done </etc/modules.demand

gadget_ns() { # N UDC PID — an NCM gadget, its interface at 10.9.N.2 in a new
	# namespace (pid in ns_N) serving /tmp/www on port 8080
	make_gadget "ncm$1" "$2" 1d6b "$3" "ncm.usb$1" host_addr=02:dd:00:00:0$1:01 dev_addr=02:dd:00:00:0$1:02
	check "NCM gadget $1 enumerated" wait_for 30 usb_device 1d6b "$3"
	gif=$(cat "/sys/kernel/config/usb_gadget/ncm$1/functions/ncm.usb$1/ifname")
	unshare -n sleep 3600 &
	eval "ns_$1=$!"
	check "its interface moves into a namespace of its own" wait_for 5 sh -c "$IP link set '$gif' netns $!"
	nsenter -t "$!" -n ifconfig "$gif" "10.9.$1.2" netmask 255.255.255.0 up
	nsenter -t "$!" -n httpd -p 8080 -h /tmp/www
}

download() { # URL [NS-PID] — MB/s of fetching it; 0 if it failed (the console says why)
	t0=$(uptime_cs)
	if [ -n "${2:-}" ]; then
		nsenter -t "$2" -n timeout 120 wget -q -O /tmp/got "$1"
	else
		timeout 120 wget -q -O /tmp/got "$1"
	fi
	t1=$(uptime_cs)
	if [ "$(wc -c </tmp/got)" -ne $((MIB << 20)) ]; then
		echo "bench: $1 gave $(wc -c </tmp/got) bytes" >&2
		echo 0
	else
		mb_per_s $((MIB << 20)) "$t0" "$t1"
	fi
	rm -f /tmp/got
}

host_if() { # the interface the kernel's cdc_ncm made for gadget 0
	ls "/sys/bus/usb/devices/$(usb_device 1d6b 0130):1.0/net" 2>/dev/null | head -n 1 | grep .
}

kernel_down() { download http://10.9.0.2:8080/src; }
tap_down() { download http://10.9.1.2:8080/src; }
kernel_up() { download http://10.9.0.1:8081/src "$ns_0"; }
tap_up() { download http://10.9.1.1:8081/src "$ns_1"; }

gadget_ns 0 dummy_udc.0 0130
gadget_ns 1 dummy_udc.1 0131
check "the kernel's cdc_ncm binds gadget 0" wait_for 20 host_if
ifconfig "$(host_if)" 10.9.0.1 netmask 255.255.255.0 up
devdrv run 1d6b:0131 --tap ddbench >/dev/null 2>/tmp/run.err &
check "devdrv run --tap drives gadget 1" wait_for 10 sh -c '[ "$(cat /sys/class/net/ddbench/carrier 2>/dev/null)" = 1 ]'
ifconfig ddbench 10.9.1.1 netmask 255.255.255.0 up
httpd -p 8081 -h /tmp/www
check "both links answer" sh -c 'ping -c 1 -W 3 10.9.0.2 && ping -c 1 -W 3 10.9.1.2'
rotated_rounds "kernel cdc_ncm" kernel_down "devdrv --tap" tap_down "tap/cdc_ncm (gadget to host)"
rotated_rounds "kernel cdc_ncm" kernel_up "devdrv --tap" tap_up "tap/cdc_ncm (host to gadget)"
finish
