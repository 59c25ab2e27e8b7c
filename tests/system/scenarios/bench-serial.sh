# bench-serial — the devdrv serial API against raw libusb bulk transfers on
# the kernel's CDC-ACM gadget, in one boot. The gadget's tty is fed from
# /dev/zero and drained to /dev/null; BENCH lines become the runner's table.
. /scenarios/lib.sh

make_gadget acm dummy_udc.0 1d6b 0104 acm.usb0
check "CDC-ACM gadget enumerated" wait_for 30 usb_device 1d6b 0104
check "gadget tty present" wait_for 10 test -c /dev/ttyGS0
stty -F /dev/ttyGS0 raw -echo
cat /dev/zero >/dev/ttyGS0 &
cat /dev/ttyGS0 >/dev/null &
bench-gadget 1d6b:0104 4 1 | sed 's/^/BENCH /'
finish
