# serial — the serial drivers against devices we did not write: QEMU's FTDI
# model (usb-serial, its chardev served by the runner) and the kernel's
# CDC-ACM gadget (/dev/ttyGS0). Ends with an interactive session on the
# console (a real tty) that loses its device.
. /scenarios/lib.sh

tty_settings() { stty -g </dev/console; }

check "QEMU usb-serial enumerated" wait_for 30 usb_device 0403 6001
# the runner answers "ping-from-guest" with "pong-from-host\n"
(printf 'ping-from-guest'; sleep 4) | devdrv serial 0403:6001 --baud 115200 --drain 1500 >/tmp/ftdi.out 2>/tmp/ftdi.err
rc=$?
echo "ftdi stderr: $(cat /tmp/ftdi.err)"
check "devdrv serial on QEMU's FTDI exits 0" [ $rc -eq 0 ]
check "the host's bytes come out, with no status bytes" sh -c 'printf "pong-from-host\n" | cmp - /tmp/ftdi.out'

make_gadget acm dummy_udc.0 1d6b 0104 acm.usb0
check "CDC-ACM gadget enumerated" wait_for 30 usb_device 1d6b 0104
check "gadget tty present" wait_for 10 test -c /dev/ttyGS0
stty -F /dev/ttyGS0 raw -echo
# u_serial drops what arrives while its tty is closed: send once it is open
(sleep 2; printf 'to-gadget'; sleep 2) | devdrv serial 1d6b:0104 --lines --drain 1500 >/tmp/acm.out 2>/tmp/acm.err &
pid=$!
sleep 1
# opening the gadget's tty makes f_acm raise DSR and DCD in a SERIAL_STATE notification
cat /dev/ttyGS0 >/tmp/gadget.in &
cat_pid=$!
sleep 0.5
printf 'to-host' >/dev/ttyGS0
wait $pid
rc=$?
kill $cat_pid
echo "acm stderr: $(cat /tmp/acm.err | tr '\n' '|')"
check "devdrv serial on the CDC-ACM gadget exits 0" [ $rc -eq 0 ]
check "bytes from the gadget's tty come out of devdrv serial" sh -c 'printf to-host | cmp - /tmp/acm.out'
check "bytes from devdrv serial arrive at /dev/ttyGS0" grep -q to-gadget /tmp/gadget.in
check "the gadget's SERIAL_STATE notification shows DSR and DCD" grep -q "DSR DCD" /tmp/acm.err

# two ACM functions on one gadget are two ports: iface=2 is the second one,
# whose gadget tty (the third created: ttyGS2) gets the bytes; ttyGS1 none
make_gadget dual dummy_udc.1 1d6b 0106 acm.a,acm.b
check "dual CDC-ACM gadget enumerated" wait_for 30 usb_device 1d6b 0106
check "its ttys present" wait_for 10 test -c /dev/ttyGS2
stty -F /dev/ttyGS1 raw -echo
stty -F /dev/ttyGS2 raw -echo
cat /dev/ttyGS1 >/tmp/gs1.in &
gs1=$!
cat /dev/ttyGS2 >/tmp/gs2.in &
gs2=$!
sleep 0.5
(printf 'to-second-port'; sleep 1) | devdrv serial 1d6b:0106,iface=2 --drain 500 >/dev/null 2>/tmp/dual.err
rc=$?
sleep 0.5
kill $gs1 $gs2
echo "dual stderr: $(cat /tmp/dual.err)"
check "devdrv serial on the second ACM function exits 0" [ $rc -eq 0 ]
check "the second function's tty got the bytes" grep -q to-second-port /tmp/gs2.in
check "the first function's tty got nothing" [ ! -s /tmp/gs1.in ]

# interactive: stdin is the console tty; the gadget goes away mid-session
before=$(tty_settings)
devdrv serial 1d6b:0104 </dev/console >/dev/null 2>/tmp/int.err &
pid=$!
sleep 1.5
raw_now=$(tty_settings)
echo "" >/sys/kernel/config/usb_gadget/acm/UDC
wait $pid
rc=$?
echo "interactive stderr: $(tr '\r\n' '  ' </tmp/int.err)"
check "the session ran in raw mode" [ "$raw_now" != "$before" ]
check "unplugged mid-session: exit code 1" [ $rc -eq 1 ]
check "the terminal settings are restored" [ "$(tty_settings)" = "$before" ]
check "the error says the device was unplugged" grep -q unplugged /tmp/int.err
finish
