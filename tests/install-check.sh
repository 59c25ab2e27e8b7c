#!/bin/sh
# install-check.sh BUILDDIR SRCDIR [SANITIZE] — install into a scratch
# prefix, build the example outside the tree against the installed
# libdevdrv.pc, run it. SANITIZE is the build's b_sanitize value: a program
# linking a sanitized library must be built with the same runtime.
set -eu
build=$1 src=$2 sanitize=${3:-none}
san_flags=""
[ "$sanitize" = none ] || san_flags="-fsanitize=$sanitize"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
meson install -C "$build" --destdir "$tmp" --no-rebuild --quiet >/dev/null
pc=$(find "$tmp" -name libdevdrv.pc | head -n 1)
[ -n "$pc" ] || { echo "libdevdrv.pc was not installed"; exit 1; }
export PKG_CONFIG_SYSROOT_DIR="$tmp" PKG_CONFIG_PATH="$(dirname "$pc")"
cp "$src/examples/loopback.c" "$tmp/app.c"
cc -std=c11 -Wall -Wextra -Werror -pedantic $san_flags $(pkg-config --cflags libdevdrv) "$tmp/app.c" \
	-o "$tmp/app" $(pkg-config --libs libdevdrv)
libdir=$(dirname "$(find "$tmp" -name 'libdevdrv.so.0' | head -n 1)")
out=$(LD_LIBRARY_PATH="$libdir" DEVDRV_TRANSPORT=virtual "$tmp/app")
echo "$out"
[ "$out" = "1209:0001: wrote 14 bytes, read back 14: hello, devdrv!" ]
# the README's C example must build and work the same way
sed -n '/^## C API in 20 lines/,/^## /p' "$src/README.md" | sed -n '/^```c$/,/^```$/p' | sed '1d;$d' >"$tmp/readme.c"
[ "$(wc -l <"$tmp/readme.c")" -le 20 ] || { echo "README example is over 20 lines"; exit 1; }
cc -std=c11 -Wall -Wextra -Werror -pedantic $san_flags $(pkg-config --cflags libdevdrv) "$tmp/readme.c" \
	-o "$tmp/readme" $(pkg-config --libs libdevdrv)
[ "$(LD_LIBRARY_PATH="$libdir" DEVDRV_TRANSPORT=virtual "$tmp/readme")" = "read back: ping" ]
# the installed program must use the installed library, not the build tree's
LD_LIBRARY_PATH="$libdir" ldd "$tmp/app" | grep -q "$libdir/libdevdrv.so.0"
