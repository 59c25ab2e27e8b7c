# pty — devdrv run --pty on QEMU's FTDI model (usb-serial, its chardev
# served by the runner, its requests traced by QEMU): unmodified programs use
# the terminal (busybox stty sets the speed QEMU's model reports; cat and
# printf move the bytes), and the device's removal (QMP device_del) ends
# devdrv run with 0 and removes the link.
. /scenarios/lib.sh

check "QEMU usb-serial enumerated" wait_for 30 usb_device 0403 6001
devdrv run 0403:6001 --pty /tmp/ttyQ >/tmp/run.out 2>/tmp/run.err &
pid=$!
check "the terminal's link appears" wait_for 10 test -L /tmp/ttyQ
check "it is a pseudo-terminal" sh -c 'readlink /tmp/ttyQ | grep -q "^/dev/pts/"'
sleep 0.5
echo "DEVDRV-MARK stty"
check "stty sets 57600 on the link" stty -F /tmp/ttyQ 57600
check "stty reads 57600 back" sh -c 'stty -F /tmp/ttyQ | grep -q "speed 57600"'
sleep 1
echo "DEVDRV-MARK data"
stty -F /tmp/ttyQ raw -echo
cat /tmp/ttyQ >/tmp/pty.in &
cat_pid=$!
sleep 0.3
printf 'ping-from-guest' >/tmp/ttyQ
check "the host's answer comes out of the terminal" wait_for 10 grep -q pong-from-host /tmp/pty.in
kill $cat_pid
echo "run stderr: $(tr '\n' '|' </tmp/run.err)"
echo 'DEVDRV-QMP {"execute":"device_del","arguments":{"id":"ser"}}'
check "devdrv run ends when the device leaves" wait_for 15 sh -c "! kill -0 $pid"
wait $pid
rc=$?
check "with exit code 0" [ $rc -eq 0 ]
check "the link is removed" [ ! -e /tmp/ttyQ ]
check "it says the device left" grep -q "left; stopping" /tmp/run.err
finish
