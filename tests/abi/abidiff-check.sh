#!/bin/sh
# abidiff-check.sh [--update] LIBRARY HEADERSDIR [SANITIZE]
#
# The binary interface of LIBRARY (libdevdrv.so.0 of a build with debug
# information) against the committed baseline libdevdrv.abi beside this
# script, with libabigail (Debian: abigail-tools). Only what the public
# headers in HEADERSDIR (include/devdrv) define is compared: types defined in
# the library's own sources (struct devdrv_context, struct devdrv_handle...)
# are opaque to programs and are dropped from both sides.
#
# Policy. The soname is libdevdrv.so.0 and debian/libdevdrv0.symbols tells
# dpkg that a program built against 0.1.0 runs with every later
# libdevdrv.so.0. So although the version is 0.x, the binary interface of a
# released soname is only ever added to:
#   - added functions and variables pass (abidiff exit bit 4, ABI change,
#     with nothing left once the added ones are left out); the test says
#     which, and --update records them, so that the types they use are held
#     too from then on;
#   - members appended to the end of the extensible option structs (those
#     whose first member is size_t size, read up to their .size by the
#     library: libdevdrv.abignore lists them) pass, as devdrv.h promises;
#   - harmless changes by libabigail's definition (an enumerator added, a
#     typedef renamed to the same type...) pass, as abidiff filters them;
#   - anything else fails: a function or variable removed (exit bit 8, ABI
#     incompatible change) and every other ABI change (bit 4): a parameter or
#     return type changed, a public struct's member changed, removed,
#     inserted or reordered, a struct's size changed, an enumerator's value
#     changed.
# A break that is meant has to come with a new soname (lib/meson.build
# soversion, the version node of lib/libdevdrv.map, the Debian package name
# libdevdrvN and its symbols file) and a new baseline.
#
# To record an intended change (a new function, an appended option member,
# or a break with its new soname), from the top of the tree, with a
# gcc build without sanitizer and with -g (the default buildtype has it):
#
#     ninja -C build && tests/abi/abidiff-check.sh --update build/lib/libdevdrv.so.0 include/devdrv
#
# then commit tests/abi/libdevdrv.abi with the change (its diff is the
# change of the interface, for review).
#
# SANITIZE is the build's b_sanitize: a sanitized build's library is another
# binary (instrumented, other types in its debug information): skipped (77)
# unless it is none. Skipped too without abidw/abidiff (unless CI=true:
# scripts/setup.sh must install abigail-tools there) or without debug
# information (buildtype=release).
set -eu
update=no
[ "${1:-}" = --update ] && { update=yes; shift; }
[ $# -ge 2 ] || { echo "usage: $0 [--update] LIBRARY HEADERSDIR [SANITIZE]" >&2; exit 2; }
lib=$1 headers=$2 sanitize=${3:-none}
here=$(cd "$(dirname "$0")" && pwd)
baseline=$here/libdevdrv.abi
suppressions=$here/libdevdrv.abignore

[ "$sanitize" = none ] || { echo "skip: b_sanitize=$sanitize (the baseline is of an uninstrumented build)"; exit 77; }
if ! command -v abidw >/dev/null || ! command -v abidiff >/dev/null; then
	echo "skip: abidw/abidiff not found (Debian: apt-get install abigail-tools)"
	[ "${CI:-}" = true ] && { echo "(CI: scripts/setup.sh must install abigail-tools)"; exit 1; }
	exit 77
fi
[ -f "$lib" ] || { echo "$lib: no such library"; exit 1; }
[ -d "$headers" ] || { echo "$headers: no such directory"; exit 1; }
if ! LC_ALL=C readelf -S --wide "$lib" | grep -q '\.debug_info'; then
	echo "skip: $lib has no debug information (build with -g, e.g. buildtype=debugoptimized)"
	exit 77
fi

# What is written and compared: the public types only, and nothing that
# changes when nothing of the interface does (paths, source lines, the
# libraries it imports from, the libc functions it calls).
# A translation unit's path is the source's relative to the build
# directory: only what follows the tree's top (lib/...) is kept.
dump() { # LIBRARY OUT
	abidw --headers-dir "$headers" --drop-private-types --drop-undefined-syms \
		--no-corpus-path --no-comp-dir-path --no-show-locs --no-elf-needed \
		--type-id-style hash --out-file "$2.raw" "$1"
	sed -E "s|^( *<abi-instr [^>]*path=')[^']*/(lib/([^/']+/)?[^/']+')|\1\2|" "$2.raw" >"$2"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dump "$lib" "$tmp/current.abi"

if [ "$update" = yes ]; then
	cp "$tmp/current.abi" "$baseline"
	echo "wrote $baseline: $(grep -c '<elf-symbol ' "$baseline") symbols," \
		"$(grep -c '<function-decl ' "$baseline") function declarations"
	exit 0
fi
[ -f "$baseline" ] || { echo "no baseline $baseline: make it with $0 --update $lib $headers"; exit 1; }

# abidiff's exit status is a bit mask: 1 error, 2 usage error, 4 ABI change,
# 8 incompatible ABI change (always with 4)
status=0
abidiff --suppressions "$suppressions" "$baseline" "$tmp/current.abi" >"$tmp/report" 2>&1 || status=$?
if [ "$status" -eq 0 ]; then
	echo "ok: the interface of the public headers is the baseline's"
	exit 0
fi
cat "$tmp/report"
if [ $((status & 3)) -ne 0 ]; then
	echo "abidiff failed (exit status $status)"; exit 1
fi
if [ $((status & 8)) -ne 0 ]; then
	echo "FAIL: incompatible ABI change against tests/abi/libdevdrv.abi (a function or variable removed?)"
	exit 1
fi
# an ABI change (4): allowed only if nothing is left without the additions
rest=0
abidiff --no-added-syms --suppressions "$suppressions" "$baseline" "$tmp/current.abi" >"$tmp/rest" 2>&1 || rest=$?
if [ "$rest" -ne 0 ]; then
	echo "FAIL: ABI change against tests/abi/libdevdrv.abi other than added functions or variables."
	echo "If it is intended (and compatible, or comes with a new soname), update the baseline:"
	echo "  $0 --update $lib $headers"
	exit 1
fi
echo "ok: only additions to the interface; record them in the baseline with"
echo "  $0 --update $lib $headers"
