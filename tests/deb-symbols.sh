#!/bin/sh
# deb-symbols.sh — debian/libdevdrv0.symbols from what libdevdrv.so.0 exports.
#
#   deb-symbols.sh LIBRARY            print the symbols file for LIBRARY
#   deb-symbols.sh --update LIBRARY   rewrite debian/libdevdrv0.symbols
#   deb-symbols.sh --check LIBRARY    fail, with a diff, unless the file lists
#                                     exactly what LIBRARY exports
#
# Every exported symbol (nm -D: the devdrv_* functions and the LIBDEVDRV_0
# version node) is listed with the upstream version that brought it: the one
# the file already gives it, else the version in meson.build (so after an
# intentional addition, --update gives the new symbols the version being
# released). A symbol that is gone is an ABI break: --update refuses unless
# DEVDRV_ABI_BREAK=1 (and the soname must change with it).
# The package build checks the same thing (dh_makeshlibs -- -c4 in
# debian/rules); this script gives the file and the command to mend it.
set -eu
mode=print
case ${1:-} in
--update) mode=update; shift ;;
--check) mode=check; shift ;;
-*) echo "usage: $0 [--update|--check] LIBRARY" >&2; exit 2 ;;
esac
[ $# -eq 1 ] || { echo "usage: $0 [--update|--check] LIBRARY" >&2; exit 2; }
lib=$1
src=$(cd "$(dirname "$0")/.." && pwd)
file=$src/debian/libdevdrv0.symbols
version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$src/meson.build" | head -n 1)
[ -n "$version" ] || { echo "no project version in $src/meson.build" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name@VERSION of every defined dynamic symbol; a version node (type A)
# appears as NODE@NODE, as dpkg-gensymbols writes it
nm -D --defined-only "$lib" | awk '
	$2 == "A" { print $3 "@" $3; next }
	{ s = $3; if (s !~ /@/) s = s "@Base"; sub(/@@/, "@", s); print s }' |
	LC_ALL=C sort -u >"$tmp/exported"
[ -s "$tmp/exported" ] || { echo "$lib exports nothing" >&2; exit 1; }

# the versions the file gives now
: >"$tmp/known"
[ -f "$file" ] && awk '/^ / { print $1, $2 }' "$file" | LC_ALL=C sort >"$tmp/known"

{
	echo "libdevdrv.so.0 libdevdrv0 #MINVER#"
	echo "* Build-Depends-Package: libdevdrv-dev"
	LC_ALL=C join -a 1 "$tmp/exported" "$tmp/known" | awk -v v="$version" '{ print " " $1, (NF > 1 ? $2 : v) }'
} >"$tmp/new"

awk '{ print $1 }' "$tmp/known" >"$tmp/known-names"
LC_ALL=C comm -23 "$tmp/known-names" "$tmp/exported" >"$tmp/gone"

case $mode in
print)
	cat "$tmp/new" ;;
update)
	if [ -s "$tmp/gone" ] && [ "${DEVDRV_ABI_BREAK:-0}" != 1 ]; then
		echo "symbols no longer exported (an ABI break: bump the soname, then run again with DEVDRV_ABI_BREAK=1):" >&2
		cat "$tmp/gone" >&2
		exit 1
	fi
	cp "$tmp/new" "$file"
	echo "wrote $file: $(grep -c '^ ' "$file") symbols" ;;
check)
	[ -f "$file" ] || { echo "$file is missing" >&2; exit 1; }
	# the names must match exactly; the versions are the file's to keep
	if ! awk '/^ / { print $1 }' "$file" | LC_ALL=C sort | diff -u - "$tmp/exported" >"$tmp/diff"; then
		echo "debian/libdevdrv0.symbols (-) differs from what $lib exports (+):"
		tail -n +3 "$tmp/diff" | grep '^[-+]'
		echo "if the change is intended: tests/deb-symbols.sh --update $lib"
		exit 1
	fi
	if [ "$(head -n 2 "$file")" != "$(head -n 2 "$tmp/new")" ]; then
		echo "the first two lines of $file are not what this script writes"; exit 1
	fi
	if grep '^ ' "$file" | grep -vqE '^ [A-Za-z0-9_]+@[A-Za-z0-9_.]+ [0-9][0-9A-Za-z.+~:-]*$'; then
		echo "a line of $file is not ' SYMBOL@VERSION MINVER'"; exit 1
	fi
	echo "ok: $(wc -l <"$tmp/exported") symbols in debian/libdevdrv0.symbols, as $lib exports" ;;
esac
