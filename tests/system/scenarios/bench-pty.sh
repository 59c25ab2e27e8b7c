# bench-pty — the PTY bridge against the serial driver read directly, in one
# boot, on the kernel's CDC-ACM gadget fed from /dev/zero: 8 MiB read by
# `head -c` from the terminal of `devdrv run --pty` against the same read by
# `devdrv read -n` (the driver's read, as `devdrv serial` uses it). 5 rounds,
# order rotated; prints BENCH lines: MB/s of each and the ratio pty/direct.
. /scenarios/lib.sh

bytes=$((8 << 20))

direct_round() {
	t0=$(uptime_cs)
	devdrv read 1d6b:0104 -n $bytes --timeout 5000 >/dev/null || echo "BENCH direct read failed"
	echo "$(mb_per_s $bytes "$t0" "$(uptime_cs)")"
}

pty_round() {
	devdrv run 1d6b:0104 --pty /tmp/ttyB 2>/dev/null &
	run=$!
	wait_for 10 test -L /tmp/ttyB
	stty -F /tmp/ttyB raw -echo
	t0=$(uptime_cs)
	head -c $bytes /tmp/ttyB >/dev/null
	speed=$(mb_per_s $bytes "$t0" "$(uptime_cs)")
	kill $run
	wait $run
	echo "$speed"
}

make_gadget acm dummy_udc.0 1d6b 0104 acm.usb0
check "CDC-ACM gadget enumerated" wait_for 30 usb_device 1d6b 0104
check "gadget tty present" wait_for 10 test -c /dev/ttyGS0
stty -F /dev/ttyGS0 raw -echo
cat /dev/zero >/dev/ttyGS0 &
rotated_rounds "devdrv read" direct_round "pty bridge" pty_round pty/direct
finish
