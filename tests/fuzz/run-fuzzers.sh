#!/bin/bash
# run-fuzzers.sh [SECONDS] [HARNESS...] — build the libFuzzer harnesses with
# clang in build-fuzz/ (or $FUZZ_BUILD_DIR), run each for SECONDS (default
# 600), two at a time, on a scratch copy of its corpus, then merge the inputs
# that add coverage back into tests/fuzz/corpus/NAME/ (commit them: the test
# suite replays them). Prints per harness: executions, coverage (cov/ft from
# libFuzzer's last status line) and any crash file. Exits 1 if one crashed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
seconds=${1:-600}
shift || true
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}
work=$build/fuzz-work
names=(config selector serial-format serial-status hex hid-report scsi replay-format usbip ncm gso)
if [ $# -gt 0 ]; then names=("$@"); fi
jobs_max=2 # the machine has two cores; libFuzzer uses one each

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$src" -Dfuzzing=true -Dsystem_tests=disabled \
		-Dumockdev_tests=disabled -Dbuildtype=debugoptimized >/dev/null
fi
# regenerate first: a harness added since the last run is not a target yet
ninja -C "$build" build.ninja >/dev/null
# only the fuzzers: the rest of the tree may be mid-edit
meson compile -C "$build" "${names[@]/#/fuzz-}" >/dev/null

run_one() {
	local name=$1 dir=$work/$1 exe=$build/tests/fuzz/fuzz-$1
	local extra=()
	rm -rf "$dir" && mkdir -p "$dir/corpus" "$dir/artifacts"
	cp "$here/corpus/$name"/* "$dir/corpus/"
	# fuzz-config also reads real devices' sysfs descriptors, which stay
	# where they are: new inputs go to the first directory only
	if [ "$name" = config ] && [ -d "$here/corpus/sysfs-descriptors" ]; then
		extra=("$here/corpus/sysfs-descriptors")
	fi
	# -timeout: a parser that loops is a bug too; libFuzzer stops at the
	# first crash and leaves it in artifacts/
	"$exe" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/" "$dir/corpus" "${extra[@]}" >"$dir/log" 2>&1 || true
	# keep only inputs that add coverage to the committed corpus
	"$exe" -merge=1 -timeout=10 "$here/corpus/$name" "$dir/corpus" >"$dir/merge.log" 2>&1 || true
}

report() {
	local name=$1 dir=$work/$1 last execs crash added
	last=$(grep -E '^#[0-9]+' "$dir/log" | tail -n 1 || true)
	# the final stats, or the last status line when a crash cut the run short
	execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$dir/log" | grep -o '[0-9]*$' ||
		grep -o '^#[0-9]*' <<<"$last" | tr -d '#' || true)
	added=$(grep -o 'MERGE-OUTER: [0-9]* new files' "$dir/merge.log" | grep -o '[0-9]*' || echo 0)
	printf '%-14s execs %-10s cov %-6s ft %-7s merged %s new\n' "$name" "${execs:-?}" \
		"$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo '?')" \
		"$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || echo '?')" "$added"
	for crash in "$dir"/artifacts/*; do
		[ -e "$crash" ] || continue
		echo "  CRASH $crash"
		grep -m 1 -E 'ERROR: |invariant broken|runtime error' "$dir/log" | sed 's/^/    /' || true
		echo "    log: $dir/log"
		status=1
	done
}

status=0
running=0
for name in "${names[@]}"; do
	if [ "$running" -ge "$jobs_max" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	echo "fuzzing $name for ${seconds}s..."
	run_one "$name" &
	running=$((running + 1))
done
wait || true
echo "logs, scratch corpora and crash files: $work"
for name in "${names[@]}"; do
	report "$name"
done
exit $status
