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

# The toaster: its plugins built out of tree against the installed library
# (as a vendor would), beside two broken plugins that must be skipped.
pcdir=$(dirname "$pc")
meson setup "$tmp/toaster" "$src/examples/toaster" --prefix "$tmp/toaster-prefix" \
	-Ddriverdir="$tmp/drivers" -Db_sanitize="$sanitize" >/dev/null
ninja -C "$tmp/toaster" install >/dev/null
printf 'int not_a_plugin;\n' >"$tmp/nodecl.c"
cc -shared -fPIC "$tmp/nodecl.c" -o "$tmp/drivers/bad-nodecl.so"
printf '#include <devdrv/plugin.h>\nconst struct devdrv_plugin devdrv_plugin = { .api_version = 99, .name = "bad" };\n' >"$tmp/badver.c"
cc -shared -fPIC $(pkg-config --cflags libdevdrv) "$tmp/badver.c" -o "$tmp/drivers/bad-version.so"
cc -std=c11 -Wall -Wextra -Werror $san_flags $(pkg-config --cflags libdevdrv) -I"$src/examples/toaster" \
	"$src/tests/plugin-check.c" -o "$tmp/plugin-check" $(pkg-config --libs libdevdrv)
export LD_LIBRARY_PATH="$libdir" DEVDRV_DRIVER_PATH="$tmp/drivers" DEVDRV_PLUGIN_INDEX="$tmp/plugin-index"
"$tmp/plugin-check"
"$tmp/plugin-check" >/dev/null # again, from the index this time
grep -q '^model toaster$' "$tmp/plugin-index"
out=$("$tmp/toaster-prefix/bin/toast" --virtual --darkness 2)
echo "$out" | tail -n 3
echo "$out" | grep -q '^done, darkness 2, 170 C' && echo "$out" | grep -q '^done at 170 C$'
devdrv=$(find "$tmp" -path '*/bin/devdrv' | head -n 1)
"$devdrv" drivers | grep -A1 '^toaster ' | grep -q 'plugin .*/toaster.so (not loaded)'
"$devdrv" --virtual --plug toaster@1-3 list | grep -q '^1-3 .*1209:70a5 .*toaster'
echo "ok: toaster plugin built out of tree, loaded on open, unloaded on close"
# a plugin's match table reaches the udev rules without loading it
"$devdrv" udev-rules | grep -q '^ATTR{idVendor}=="1209", ATTR{idProduct}=="70a5", .*ID_DEVDRV_DRIVER}="toaster"'
# its second driver, toaster-input, matches the same device and loses the
# tie: no rule of its own would override the one of the driver that binds
"$devdrv" udev-rules | grep -q '^# (the same match as toaster, which binds first'
if "$devdrv" udev-rules | grep -q 'ID_DEVDRV_DRIVER}="toaster-input"'; then
	echo "FAILED: a udev rule names toaster-input, which never binds by default" >&2
	exit 1
fi

# udev and systemd: the rules and the unit where udev and systemd look, and
# the unit clean for systemd-analyze (its ExecStart pointed at the installed
# program, which lives under the scratch root here)
rules=$(find "$tmp" -path '*/rules.d/70-devdrv.rules' | head -n 1)
unit=$(find "$tmp" -path '*/systemd/system/devdrv@.service' | head -n 1)
[ -n "$rules" ] || { echo "70-devdrv.rules was not installed"; exit 1; }
[ -n "$unit" ] || { echo "devdrv@.service was not installed"; exit 1; }
[ -n "$(find "$tmp" -path '*/sysusers.d/devdrv.conf')" ] || { echo "sysusers.d/devdrv.conf was not installed"; exit 1; }
[ -n "$(find "$tmp" -path '*/bash-completion/completions/devdrv')" ] || { echo "the bash completion was not installed"; exit 1; }
[ -n "$(find "$tmp" -path '*/doc/libdevdrv/LICENSE')" ] || { echo "LICENSE was not installed"; exit 1; }
[ -n "$(find "$tmp" -path '*/doc/libdevdrv/json.md')" ] || { echo "the JSON schema (json.md) was not installed"; exit 1; }
[ -n "$(find "$tmp" -path '*/man1/devdrv.1')" ] || { echo "devdrv(1) was not installed"; exit 1; }
[ -n "$(find "$tmp" -path '*/man3/libdevdrv.3')" ] || { echo "libdevdrv(3) was not installed"; exit 1; }
# the API reference is installed only where Doxygen was found (the docs
# option): ask the build's install plan whether it is
if grep -q '/docs/html"' "$build/meson-info/intro-installed.json"; then
	[ -n "$(find "$tmp" -path '*/doc/libdevdrv/html/index.html')" ] || { echo "the API reference was not installed"; exit 1; }
fi
grep -q 'TAG+="uaccess"' "$rules"
if grep -q '0666' "$rules"; then echo "a world-writable rule"; exit 1; fi
grep -q '^BindsTo=%i.device$' "$unit"
if command -v systemd-analyze >/dev/null; then
	mkdir "$tmp/unit"
	sed "s|^ExecStart=[^ ]*/devdrv |ExecStart=$devdrv |" "$unit" >"$tmp/unit/devdrv@.service"
	systemd-analyze verify "$tmp/unit/devdrv@.service"
	systemd-analyze security --offline=yes "$tmp/unit/devdrv@.service" 2>/dev/null | tail -n 1
	echo "ok: devdrv@.service verified"
fi
