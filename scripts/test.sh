#!/bin/sh
# test.sh — set up and run the whole test suite: a -Werror build with gcc
# (every test: unit, umockdev integration, fuzz corpora, packaging, QEMU
# system tests), the same suite under ASan+UBSan, the threading tests under
# TSan (clang), and a -Werror compile with clang.
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh

run_suite() { # DIR [MESON ARGS...]; $suites: meson test --suite options, if any
	dir=$1; shift
	# an existing build dir (demo.sh makes one) gets this suite's options too
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" -Dwerror=true "$@" >/dev/null
	else
		meson setup "$dir" -Dwerror=true "$@" >/dev/null
	fi
	ninja -C "$dir"
	# shellcheck disable=SC2086
	meson test -C "$dir" --print-errorlogs --num-processes 2 ${suites:-} || status=1
	python3 scripts/summary.py "$dir/meson-logs/testlog.json" >>"$summary"
	python3 scripts/summary.py --tails "$dir/meson-logs/testlog.json" >>"$tails"
}

status=0
summary=$(mktemp)
tails=$(mktemp)
trap 'rm -f "$summary" "$tails"' EXIT
run_suite build -Dsystem_tests=enabled -Dumockdev_tests=enabled -Db_sanitize=none
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dsystem_tests=disabled
# the threading contract under ThreadSanitizer (clang): the suite "threads"
CC=clang suites="--suite threads" \
	run_suite build-tsan -Db_sanitize=thread -Db_lundef=false -Dsystem_tests=disabled -Dumockdev_tests=disabled
[ -f build-clang/build.ninja ] || CC=clang meson setup build-clang -Dwerror=true >/dev/null
ninja -C build-clang >/dev/null || status=1
echo
cat "$tails" # last: a record cut to its end still shows why a test failed
cat "$summary"
python3 scripts/summary.py --total "$summary"
exit $status
