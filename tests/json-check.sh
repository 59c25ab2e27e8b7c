#!/bin/sh
# json-check.sh DEVDRV — every --json output of devdrv on the virtual bus,
# errors included, read by Python's json module (a parser we did not
# write): each line is one JSON document with "schema_version": 1, and a
# failing command's document carries message, code and exit. TAP output.
set -u
devdrv=$1
n=0 status=0
check() { # NAME EXPECTED-EXIT STREAM(out|err) ARGS... — run, parse, report
	name=$1 want=$2 stream=$3
	shift 3
	n=$((n + 1))
	"$devdrv" "$@" >/tmp/json-check.out.$$ 2>/tmp/json-check.err.$$
	rc=$?
	file=/tmp/json-check.$stream.$$
	if [ $rc -ne "$want" ]; then
		echo "not ok $n - $name: exit $rc, not $want: $(head -c 300 /tmp/json-check.err.$$)"
		status=1
	elif why=$(python3 -c '
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
if not lines:
    sys.exit("no output")
for l in lines:
    d = json.loads(l)
    if d.get("schema_version") != 1:
        sys.exit("no schema_version 1 in " + l[:80])
    if sys.argv[2] != "0" and not {"message", "code", "exit"} <= set(d.get("error", {})):
        sys.exit("an error without message, code and exit")
' "$file" "$want" 2>&1); then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name: $why"
		status=1
	fi
}
check "list" 0 out --virtual list --json
check "info" 0 out --virtual info --json
check "drivers" 0 out drivers --json
check "filters" 0 out filters --json
check "models" 0 out models --json
check "read" 0 out --virtual --plug source@1-3 read 1-3 -n 64 --json
check "write" 0 out --virtual write 1-1 hello --json
check "ctrl" 0 out --virtual ctrl 1-1 0x80 6 0x0100 0 18 --json
check "storage info" 0 out --virtual --plug stick@1-3 storage 1-3 info --json
check "watch" 0 out --virtual watch --existing --count 2 --json
check "stats" 0 err --virtual --stats=json write 1-1 hi
check "a missing device" 1 err --virtual read 9-9 --json
check "a malformed selector" 2 err --virtual info 'x:y' --json
rm -f /tmp/json-check.out.$$ /tmp/json-check.err.$$
echo "1..$n"
exit $status
