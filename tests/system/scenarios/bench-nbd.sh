# bench-nbd — sequential read of QEMU's usb-storage (serial DEVDRV-BENCH) in
# one boot: through devdrv run --nbd /dev/nbd0 against the kernel's own
# usb-storage driver on the same device, dd of 64 KiB blocks with O_DIRECT,
# 5 rounds in rotated order; BENCH lines: MB/s of each and the ratio, and
# where the NBD side's time went (devdrv run's session line: waiting for the
# kernel's next request, at the device, replying).
. /scenarios/lib.sh

mib=128

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
	mb_per_s $((mib << 20)) "$t0" "$(uptime_cs)"
}

nbd_round() {
	DEVDRV_DEBUG=info devdrv run serial=DEVDRV-BENCH --nbd /dev/nbd0 2>/tmp/run.err &
	run=$!
	wait_for 20 sh -c '[ "$(cat /sys/block/nbd0/size)" -gt 0 ]'
	t0=$(uptime_cs)
	dd if=/dev/nbd0 of=/dev/null bs=64k count=$((mib * 16)) iflag=direct 2>/dev/null
	speed=$(mb_per_s $((mib << 20)) "$t0" "$(uptime_cs)")
	kill -TERM $run
	wait $run
	sed -n 's/.*\(nbd: [0-9]* requests\)/\1/p' /tmp/run.err | sed 's/^/BENCH   /' >&2
	echo "$speed"
}

check "usb-storage (DEVDRV-BENCH) enumerated" wait_for 30 usb_by_serial DEVDRV-BENCH
stick=$(usb_by_serial DEVDRV-BENCH)
rotated_rounds "kernel usb-storage" kernel_round "devdrv --nbd" nbd_round nbd/kernel
finish
