#!/bin/bash
# completion-check.sh DEVDRV COMPLETION — the bash completion, run as bash
# runs it, against the devdrv just built: every command, each command's
# options, models after --plug, filters after --filter, and the selectors of
# the devices on the bus the line names.
set -u
devdrv=$1
PATH="$(cd "$(dirname "$devdrv")" && pwd):$PATH"
# shellcheck source=/dev/null
source "$2"
fail=0

offered() { # WORDS... — what completing the last word offers, one per line
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_devdrv
	printf '%s\n' "${COMPREPLY[@]}"
}
expect() { # WHAT EXPECTED-WORD LINE...
	local what=$1 want=$2 got
	shift 2
	got=$(offered "$@")
	if grep -qxF -- "$want" <<<"$got"; then
		echo "ok - $what"
	else
		echo "not ok - $what: '$want' not offered for '$*' (got: $(echo $got))"
		fail=1
	fi
}

# every command devdrv has (a new one must be added here, and gets completed)
for c in list info read write ctrl serial hid storage drivers filters models watch run udev-rules autostart \
	usbip-export help; do
	expect "command $c" "$c" devdrv ""
done
expect "help completes commands" usbip-export devdrv help us
expect "global options" --virtual devdrv --vi
expect "a command's own options, from its --help" --timeout devdrv read --ti
expect "run's options" --nbd-socket devdrv run 1-1 --nbd
expect "models after --plug" ft232r@ devdrv --plug ft2
expect "filters after --filter" trace devdrv --filter tr
expect "selectors of the virtual bus: a port" 1-1 devdrv --virtual read ""
expect "and a VID:PID" 1209:0001 devdrv --virtual read 1209
expect "and a vendor" 1209: devdrv --virtual info 12
expect "a plugged model's port, --plug given before" 1-3 devdrv --virtual --plug ft232r@1-3 serial 1-
expect "and its VID:PID" 0403:6001 devdrv --virtual --plug ft232r@1-3 serial 04
exit $fail
