# net — devdrv run --tap on QEMU's usb-net (its CDC-ECM configuration, the
# host side QEMU's user network): the TAP interface gets the adapter's MAC
# and carrier, busybox udhcpc gets an address from QEMU's DHCP server
# through it, ping reaches QEMU's gateway; QMP device_del ends run with 0 and
# the interface goes.
. /scenarios/lib.sh

cat >/tmp/udhcpc.sh <<'SCRIPT'
#!/bin/sh
case "$1" in
bound | renew) ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up ;;
esac
SCRIPT
chmod +x /tmp/udhcpc.sh

check "QEMU usb-net enumerated" wait_for 30 usb_device 0525 a4a2
devdrv run 0525:a4a2 --tap dd0 2>/tmp/net.err &
pid=$!
check "the TAP interface appears" wait_for 10 test -d /sys/class/net/dd0
check "with the adapter's MAC address (from its iMACAddress string)" \
	sh -c '[ "$(cat /sys/class/net/dd0/address)" = 52:54:00:de:dd:01 ]'
check "its carrier follows the adapter's link notification" wait_for 10 sh -c '[ "$(cat /sys/class/net/dd0/carrier)" = 1 ]'
check "busybox udhcpc gets an address from QEMU's DHCP server" \
	udhcpc -i dd0 -n -q -t 5 -T 2 -s /tmp/udhcpc.sh
check "it is 10.0.2.15" sh -c 'ifconfig dd0 | grep -q "inet addr:10.0.2.15"'
check "ping reaches QEMU's gateway 10.0.2.2" ping -c 2 -W 3 10.0.2.2
echo "run: $(tr '\n' '|' </tmp/net.err)"
echo 'DEVDRV-QMP {"execute":"device_del","arguments":{"id":"net"}}'
check "devdrv run ends when the adapter is unplugged" wait_for 15 sh -c "! kill -0 $pid"
wait $pid
rc=$?
check "with exit code 0" [ $rc -eq 0 ]
check "and the interface is gone" [ ! -e /sys/class/net/dd0 ]
finish
