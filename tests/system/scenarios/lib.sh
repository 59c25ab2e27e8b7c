# lib.sh — helpers for guest scenarios. A scenario's checks print
# "DEVDRV-CHECK ok|fail NAME[: why]"; the runner turns them into TAP.
failures=0

check() { # NAME COMMAND... — passes when COMMAND exits 0
	name=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		echo "DEVDRV-CHECK ok $name"
	else
		echo "DEVDRV-CHECK fail $name: $(tail -n 4 /tmp/check.out | tr '\n' '|')"
		failures=$((failures + 1))
	fi
}

wait_for() { # SECONDS COMMAND... — poll until COMMAND succeeds
	tries=$(($1 * 10))
	shift
	while [ $tries -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

usb_device() { # VID PID — sysfs name of the first such device
	for d in /sys/bus/usb/devices/*; do
		[ -f "$d/idVendor" ] || continue
		if [ "$(cat "$d/idVendor")" = "$1" ] && [ "$(cat "$d/idProduct")" = "$2" ]; then
			basename "$d"
			return 0
		fi
	done
	return 1
}

usb_by_serial() { # SERIAL — sysfs name of the device with that serial number
	for d in /sys/bus/usb/devices/*; do
		[ -f "$d/serial" ] && [ "$(cat "$d/serial")" = "$1" ] && basename "$d" && return 0
	done
	return 1
}

vhci_port() { # VID PID — the imported device's port path (under vhci_hcd)
	for d in /sys/bus/usb/devices/*; do
		[ -f "$d/idVendor" ] && [ "$(cat "$d/idVendor")" = "$1" ] && [ "$(cat "$d/idProduct")" = "$2" ] || continue
		case "$(readlink -f "$d")" in *vhci_hcd*) basename "$d"; return 0 ;; esac
	done
	return 1
}

qmp() { echo "DEVDRV-QMP $1"; } # the runner sends it to QEMU's monitor
key_event() { # QCODE DOWN(true|false)
	qmp "{\"execute\":\"input-send-event\",\"arguments\":{\"events\":[{\"type\":\"key\",\"data\":{\"down\":$2,\"key\":{\"type\":\"qcode\",\"data\":\"$1\"}}}]}}"
}

interface_driver() { # SYSFS-INTERFACE — kernel driver bound, or nothing
	[ -e "/sys/bus/usb/devices/$1/driver" ] && basename "$(readlink "/sys/bus/usb/devices/$1/driver")"
}

uptime_cs() { # centiseconds since boot
	awk '{ split($1, t, "."); print t[1] * 100 + t[2] }' /proc/uptime
}

make_gadget() { # NAME UDC VID PID FUNCTION[,FUNCTION...] [ATTR=VALUE...] — a configfs
	# gadget; several functions make a composite device, in the order given
	g=/sys/kernel/config/usb_gadget/$1
	udc=$2
	functions=$(echo "$5" | tr , ' ')
	mkdir -p "$g/strings/0x409" "$g/configs/c.1/strings/0x409"
	echo "0x$3" >"$g/idVendor"
	echo "0x$4" >"$g/idProduct"
	echo "libdevdrv" >"$g/strings/0x409/manufacturer"
	echo "devdrv $1" >"$g/strings/0x409/product"
	echo "DD-$1" >"$g/strings/0x409/serialnumber"
	shift 5
	for func in $functions; do
		mkdir -p "$g/functions/$func"
		for kv in "$@"; do
			echo "${kv#*=}" >"$g/functions/$func/${kv%%=*}"
		done
		ln -s "$g/functions/$func" "$g/configs/c.1/"
	done
	echo "$udc" >"$g/UDC"
}

finish() {
	exit $failures
}

hex_to_file() { # HEX FILE — binary from hex, with busybox printf; FILE is
	# written once (configfs takes a report descriptor in one write, f_hid
	# sends one report per write)
	h=$1
	rm -f /tmp/hex.bin
	while [ -n "$h" ]; do
		b=${h%"${h#??}"}
		h=${h#??}
		# shellcheck disable=SC2059 # the format is the octal escape
		printf "\\$(printf %o "0x$b")" >>/tmp/hex.bin
	done
	cat /tmp/hex.bin >"$2"
}

emit_file() { # NAME FILE — FILE's bytes on the console, for the runner to
	# check on the host: "DEVDRV-FILE NAME HEX" lines of 1 KiB, then an end
	# line with the size
	hexdump -v -e '512/1 "%02x" "\n"' "$2" | sed 's/ *$//' | sed "s/^/DEVDRV-FILE $1 /"
	echo "DEVDRV-FILE-END $1 $(wc -c <"$2")"
}

mb_per_s() { # BYTES START END (centiseconds, uptime_cs) — MB/s, one decimal
	awk -v b="$1" -v t="$(($3 - $2))" 'BEGIN { if (t < 1) t = 1; printf "%.2f", b / 1e6 / (t / 100) }'
}

rotated_rounds() { # BASE-NAME BASE-FN OURS-NAME OURS-FN RATIO-NAME — 5 rounds, the
	# order rotated, each function printing MB/s; BENCH lines with both and
	# their ratio, then the ratio's min, median and max
	ratios=""
	for round in 1 2 3 4 5; do
		if [ $((round % 2)) -eq 1 ]; then
			base=$($2)
			ours=$($4)
		else
			ours=$($4)
			base=$($2)
		fi
		r=$(awk -v o="$ours" -v b="$base" 'BEGIN { printf "%.3f", o / b }')
		ratios="$ratios $r"
		echo "BENCH round $round: $1 $base MB/s, $3 $ours MB/s, $5 $r"
	done
	echo "$ratios" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk -v name="$5" '{ v[NR] = $1 } END {
		printf "BENCH %s over %d rounds: min %s median %s max %s\n", name, NR, v[1], v[int((NR + 1) / 2)], v[NR] }'
}
