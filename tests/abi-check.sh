#!/bin/sh
# abi-check.sh LIBRARY HEADER... — only devdrv_* may be exported, and every
# function the public headers declare must be.
set -eu
lib=$1; shift
exported=$(nm -D --defined-only "$lib" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort)
stray=$(printf '%s\n' "$exported" | grep -v '^devdrv_' || true)
if [ -n "$stray" ]; then
	echo "exported symbols without the devdrv_ prefix:"; echo "$stray"; exit 1
fi
declared=$(cat "$@" | grep -v '^#define' | grep -oE '\bdevdrv_[a-z0-9_]+\(' | tr -d '(' | sort -u)
missing=$(printf '%s\n' "$declared" | while read -r f; do
	printf '%s\n' "$exported" | grep -qx "$f" || echo "$f"; done)
if [ -n "$missing" ]; then
	echo "declared in the public headers but not exported:"; echo "$missing"; exit 1
fi
echo "ok: $(printf '%s\n' "$exported" | wc -l) symbols, all devdrv_*, all declared ones exported"
