# bench-nbd — sequential read of QEMU's usb-storage (serial DEVDRV-BENCH) in
# one boot: through devdrv run --nbd /dev/nbd0 against the kernel's own
# usb-storage driver on the same device, dd of 64 KiB blocks with O_DIRECT,
# 5 rounds in rotated order; BENCH lines: MB/s of each and the ratio.
. /scenarios/lib.sh

mib=128

mbps() { # START END (centiseconds)
	awk -v m="$mib" -v t="$(($2 - $1))" 'BEGIN { if (t < 1) t = 1; printf "%.1f", m * 1.048576 / (t / 100) }'
}

kernel_disk() { # the sd node usb-storage made for the stick
	for b in /sys/block/sd*; do
		case "$(readlink -f "$b")" in *"/$stick/"*) basename "$b"; return 0 ;; esac
	done
	return 1
}

kernel_round() {
	wait_for 20 kernel_disk || { echo "BENCH kernel disk missing"; return; }
	disk=$(kernel_disk)
	t0=$(uptime_cs)
	dd if=/dev/$disk of=/dev/null bs=64k count=$((mib * 16)) iflag=direct 2>/dev/null
	mbps "$t0" "$(uptime_cs)"
}

nbd_round() {
	devdrv run serial=DEVDRV-BENCH --nbd /dev/nbd0 2>/dev/null &
	run=$!
	wait_for 20 sh -c '[ "$(cat /sys/block/nbd0/size)" -gt 0 ]'
	t0=$(uptime_cs)
	dd if=/dev/nbd0 of=/dev/null bs=64k count=$((mib * 16)) iflag=direct 2>/dev/null
	speed=$(mbps "$t0" "$(uptime_cs)")
	kill -TERM $run
	wait $run
	echo "$speed"
}

check "usb-storage (DEVDRV-BENCH) enumerated" wait_for 30 usb_by_serial DEVDRV-BENCH
stick=$(usb_by_serial DEVDRV-BENCH)
ratios=""
for round in 1 2 3 4 5; do
	if [ $((round % 2)) -eq 1 ]; then
		k=$(kernel_round)
		n=$(nbd_round)
	else
		n=$(nbd_round)
		k=$(kernel_round)
	fi
	r=$(awk -v n="$n" -v k="$k" 'BEGIN { printf "%.3f", n / k }')
	ratios="$ratios $r"
	echo "BENCH round $round: kernel usb-storage $k MB/s, devdrv --nbd $n MB/s, nbd/kernel $r"
done
echo "$ratios" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END {
	printf "BENCH nbd/kernel over %d rounds: min %s median %s max %s\n", NR, v[1], v[int((NR + 1) / 2)], v[NR] }'
finish
