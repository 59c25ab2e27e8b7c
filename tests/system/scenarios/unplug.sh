# unplug — a devdrv read blocked on a Loopback gadget returns DISCONNECTED
# within 1 s of the gadget being unbound (UDC cleared): exit code 1, one line.
. /scenarios/lib.sh

make_gadget lb dummy_udc.0 0525 a4a1 Loopback.0
check "Loopback gadget enumerated" wait_for 30 usb_device 0525 a4a1
devdrv read 0525:a4a1 --timeout 0 >/dev/null 2>/tmp/err &
pid=$!
sleep 1
check "devdrv read is blocked" kill -0 $pid
t0=$(uptime_cs)
echo "" >/sys/kernel/config/usb_gadget/lb/UDC
wait $pid
rc=$?
t1=$(uptime_cs)
check "exit code 1" [ $rc -eq 1 ]
check "returned $(( (t1 - t0) * 10 )) ms after the unbind (< 1000)" [ $((t1 - t0)) -lt 100 ]
check "one line on stderr" [ "$(wc -l </tmp/err)" -eq 1 ]
check "the line says the device was unplugged" grep -q unplugged /tmp/err
echo "stderr was: $(cat /tmp/err)"
finish
