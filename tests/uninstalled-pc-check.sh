#!/bin/sh
# uninstalled-pc-check.sh BUILD_ROOT SOURCE_ROOT CC [SANITIZE] — an
# application builds against the build tree, before anything is installed,
# through the pkg-config file meson writes for that
# (meson-uninstalled/libdevdrv-uninstalled.pc): the headers are found, it
# links, and it lists the virtual bus with the build tree's library.
set -eu
build=$1 src=$2 cc=$3 sanitize=${4:-none}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PKG_CONFIG_PATH="$build/meson-uninstalled"
flags=""
[ "$sanitize" = none ] || flags="-fsanitize=$sanitize"
# shellcheck disable=SC2046 # pkg-config's words are separate arguments
"$cc" -std=c11 -Wall -Wextra -Werror $flags -o "$tmp/list" "$src/examples/list.c" \
	$(pkg-config --cflags --libs libdevdrv)
out=$(LD_LIBRARY_PATH="$build/lib" "$tmp/list" --virtual)
echo "$out" | grep -q '^1-1 *1209:0001 generic' ||
	{ echo "examples/list.c built from the uninstalled .pc printed:"; echo "$out"; exit 1; }
echo "ok: examples/list.c built with libdevdrv-uninstalled.pc and listed the virtual bus"
