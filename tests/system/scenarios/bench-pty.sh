# bench-pty — the PTY bridge against the serial driver read directly, in one
# boot, on the kernel's CDC-ACM gadget fed from /dev/zero: 8 MiB read by
# `head -c` from the terminal of `devdrv run --pty` against the same read by
# `devdrv read -n` (the driver's read, as `devdrv serial` uses it). 5 rounds,
# order rotated; prints BENCH lines: MB/s of each and the ratio pty/direct.
. /scenarios/lib.sh

bytes=$((8 << 20))

mbps() { # START END (centiseconds)
	awk -v b="$bytes" -v t="$(($2 - $1))" 'BEGIN { if (t < 1) t = 1; printf "%.2f", b / 1e6 / (t / 100) }'
}

direct_round() {
	t0=$(uptime_cs)
	devdrv read 1d6b:0104 -n $bytes --timeout 5000 >/dev/null || echo "BENCH direct read failed"
	echo "$(mbps "$t0" "$(uptime_cs)")"
}

pty_round() {
	devdrv run 1d6b:0104 --pty /tmp/ttyB 2>/dev/null &
	run=$!
	wait_for 10 test -L /tmp/ttyB
	stty -F /tmp/ttyB raw -echo
	t0=$(uptime_cs)
	head -c $bytes /tmp/ttyB >/dev/null
	speed=$(mbps "$t0" "$(uptime_cs)")
	kill $run
	wait $run
	echo "$speed"
}

make_gadget acm dummy_udc.0 1d6b 0104 acm.usb0
check "CDC-ACM gadget enumerated" wait_for 30 usb_device 1d6b 0104
check "gadget tty present" wait_for 10 test -c /dev/ttyGS0
stty -F /dev/ttyGS0 raw -echo
cat /dev/zero >/dev/ttyGS0 &
ratios=""
for round in 1 2 3 4 5; do
	if [ $((round % 2)) -eq 1 ]; then
		d=$(direct_round)
		p=$(pty_round)
	else
		p=$(pty_round)
		d=$(direct_round)
	fi
	r=$(awk -v p="$p" -v d="$d" 'BEGIN { printf "%.3f", p / d }')
	ratios="$ratios $r"
	echo "BENCH round $round: devdrv read $d MB/s, pty bridge $p MB/s, pty/direct $r"
done
echo "$ratios" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END {
	printf "BENCH pty/direct over %d rounds: min %s median %s max %s\n", NR, v[1], v[int((NR + 1) / 2)], v[NR] }'
finish
