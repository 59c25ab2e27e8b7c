#!/bin/sh
# deb-check.sh SRCDIR [SANITIZE] — the Debian packages, built and used as a
# user would: build them from a copy of SRCDIR (dpkg-buildpackage -us -uc -b),
# run lintian on the .changes (any E: fails), install them with apt-get, run
# /usr/bin/devdrv --virtual list, build a program against libdevdrv-dev with
# pkg-config and run it, import python3-devdrv's module with Debian's
# /usr/bin/python3 and list the virtual bus with it, check
# debian/libdevdrv0.symbols against the installed library, then purge the
# packages (and whatever they pulled in, and the devdrv user they made) so
# that the machine is as it was.
#
# It installs into /usr, so it needs root and a machine that may be changed
# (CI's is thrown away): skipped (77) when not root or not on Debian. Tools
# or build dependencies missing: skipped on a developer's machine, a failure
# under CI=true (scripts/setup.sh must install them there).
# SANITIZE is the build's b_sanitize: the packages do not depend on it, so
# only the build without a sanitizer runs this.
set -eu
src=$(cd "$1" && pwd) sanitize=${2:-none}
[ "$sanitize" = none ] || { echo "skip: the packages are built once, by the build without sanitizer"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "skip: installs packages, needs root"; exit 77; }
if ! command -v dpkg-buildpackage >/dev/null || ! command -v apt-get >/dev/null; then
	echo "skip: not a Debian machine with dpkg-dev"; exit 77
fi
missing() { # tell, then skip, or fail in CI
	echo "$1"
	if [ "${CI:-}" = true ]; then echo "(CI: scripts/setup.sh must install it)"; exit 1; fi
	exit 77
}
command -v lintian >/dev/null || missing "skip: lintian is not installed"
unmet=$(cd "$src" && dpkg-checkbuilddeps 2>&1) || missing "skip: $unmet"

pkgs="libdevdrv0 libdevdrv-dev devdrv python3-devdrv"
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
pydir=/usr/lib/python3/dist-packages/devdrv
tmp=$(mktemp -d)
installed_list() { dpkg-query -W -f='${db:Status-Abbrev} ${binary:Package}\n' | awk '$1 == "ii" { print $2 }' | sort; }
had_user=$(getent passwd devdrv >/dev/null && echo yes || echo no)
had_group=$(getent group devdrv >/dev/null && echo yes || echo no)
installed=no

cleanup() {
	status=$?
	trap - EXIT INT TERM
	if [ "$installed" = yes ]; then
		export DEBIAN_FRONTEND=noninteractive
		# shellcheck disable=SC2086
		apt-get purge -y -q $pkgs >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log"; status=1; }
		# what apt brought in with them (none on a machine set up by setup.sh)
		extra=""
		[ ! -s "$tmp/pulled-in" ] || extra=$(tr '\n' ' ' <"$tmp/pulled-in")
		if [ -n "$extra" ]; then
			echo "purging what the packages pulled in: $extra"
			# shellcheck disable=SC2086
			apt-get purge -y -q $extra >>"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log"; status=1; }
		fi
		# Debian leaves system users behind on purge; this test made it, so it goes
		[ "$had_user" = yes ] || ! getent passwd devdrv >/dev/null || userdel devdrv || status=1
		[ "$had_group" = yes ] || ! getent group devdrv >/dev/null || groupdel devdrv || status=1
		for p in $pkgs; do
			if dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^[a-z]i'; then
				echo "$p is still installed"; status=1
			fi
		done
		# the byte code that python3-devdrv's postinst compiled goes with it
		[ ! -e "$pydir" ] || { echo "$pydir is left after the purge:"; find "$pydir"; status=1; }
	fi
	rm -rf "$tmp"
	exit $status
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A leftover of an interrupted run would make apt-get keep the old packages
# (same version): purge it first. Packages of another source are not ours.
for p in $pkgs; do
	if dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^[a-z]i'; then
		source=$(dpkg-query -W -f='${source:Package}' "$p")
		[ "$source" = libdevdrv ] || { echo "$p is installed from source $source: not touching it"; exit 1; }
		echo "$p is installed (a previous run's?): purged first"
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$p" >/dev/null
	fi
done

# 1. the source tree, without build directories or anything git ignores
version=$(cd "$src" && dpkg-parsechangelog -S Version)
mkdir "$tmp/pkg"
tree=$tmp/pkg/libdevdrv-$version
mkdir "$tree"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# tracked and new files as they are in the work tree (what is being tested)
	git -C "$src" ls-files -z --cached --others --exclude-standard |
		(cd "$src" && xargs -0 ls -d --zero 2>/dev/null) |
		tar -C "$src" --null -T - -cf - | tar -C "$tree" -xf -
else
	tar -C "$src" --exclude='./build*' --exclude=./.git --exclude=./debian/.debhelper -cf - . | tar -C "$tree" -xf -
fi
[ -f "$tree/debian/control" ] || { echo "no debian/ in the copy of $src"; exit 1; }

# 2. build the binary packages
start=$(date +%s)
if ! (cd "$tree" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	tail -n 60 "$tmp/build.log"
	if grep -q 'dpkg-gensymbols' "$tmp/build.log"; then
		echo "the exported symbols differ from debian/libdevdrv0.symbols; if that is intended:"
		echo "  tests/deb-symbols.sh --update BUILDDIR/lib/libdevdrv.so.0"
	fi
	echo "dpkg-buildpackage failed"; exit 1
fi
echo "ok: dpkg-buildpackage -us -uc -b in $(($(date +%s) - start)) s"
changes=$tmp/pkg/libdevdrv_${version}_$arch.changes
[ -f "$changes" ] || { echo "no $changes"; ls "$tmp/pkg"; exit 1; }
deb() { # the .deb of package $1: Architecture: all (python3-devdrv) or this one
	for a in "$arch" all; do
		[ ! -f "$tmp/pkg/${1}_${version}_$a.deb" ] || { echo "$tmp/pkg/${1}_${version}_$a.deb"; return 0; }
	done
	return 1
}
for p in $pkgs; do
	deb "$p" >/dev/null || { echo "$p was not built"; ls "$tmp/pkg"; exit 1; }
done

# 3. lintian: errors fail, the rest is shown
start=$(date +%s)
lintian --allow-root --no-cfg "$changes" >"$tmp/lintian.log" 2>&1 || true
cat "$tmp/lintian.log"
if grep -q '^E: ' "$tmp/lintian.log"; then echo "lintian found errors"; exit 1; fi
echo "ok: lintian, no error ($(grep -c '^W: ' "$tmp/lintian.log" || true) warnings) in $(($(date +%s) - start)) s"

# 4. install them as a user would; what else apt installs with them is noted
# (the lists just around the install: others may install things meanwhile)
installed_list >"$tmp/before-install"
installed=yes
debs=$(for p in $pkgs; do deb "$p"; done)
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $debs >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; echo "apt-get install failed"; exit 1; }
for p in $pkgs; do echo "$p\(:.*\)\?"; done >"$tmp/ours"
installed_list | comm -13 "$tmp/before-install" - | grep -v -x -f "$tmp/ours" >"$tmp/pulled-in" || true
for p in $pkgs; do
	v=$(dpkg-query -W -f='${Version}' "$p")
	[ "$v" = "$version" ] || { echo "$p $v installed, not $version"; exit 1; }
done
echo "ok: installed $pkgs $version"

# 5. the program from /usr/bin, on the virtual bus, with its own plugin index
export DEVDRV_PLUGIN_INDEX="$tmp/plugin-index"
out=$(/usr/bin/devdrv --virtual list)
echo "$out"
echo "$out" | grep -q '^1-1 .* 1209:0001 .*Virtual Loopback' || { echo "no virtual loopback listed"; exit 1; }
# (through /lib, a link to /usr/lib, on a merged-/usr system)
used=$(ldd /usr/bin/devdrv | awk '$1 == "libdevdrv.so.0" { print $3 }')
if [ -z "$used" ] || [ "$(readlink -f "$used")" != "$(readlink -f "/usr/lib/$multiarch/libdevdrv.so.0")" ]; then
	echo "/usr/bin/devdrv does not use the packaged library"; ldd /usr/bin/devdrv; exit 1
fi
for f in /usr/share/man/man1/devdrv.1.gz /usr/share/man/man3/libdevdrv.3.gz /usr/share/bash-completion/completions/devdrv \
	/lib/udev/rules.d/70-devdrv.rules /lib/systemd/system/devdrv@.service; do
	[ -f "$f" ] || { echo "$f was not installed"; exit 1; }
done
getent passwd devdrv >/dev/null || { echo "the devdrv user was not made"; exit 1; }

# 6. a program against libdevdrv-dev, found by pkg-config alone
cat >"$tmp/app.c" <<'EOF'
#include <devdrv/devdrv.h>
#include <stdio.h>
int main(void)
{
	struct devdrv_context *ctx = NULL; struct devdrv_handle *h = NULL; char buf[8] = { 0 };
	if (devdrv_context_new(NULL, &ctx) < 0 || devdrv_open(ctx, "1209:0001", &h) < 0) return 1;
	if (devdrv_write(h, "ping", 4, 1000) != 4 || devdrv_read(h, buf, sizeof(buf) - 1, 1000) != 4) return 2;
	printf("read back: %s\n", buf);
	return devdrv_close(h), devdrv_context_free(ctx), 0;
}
EOF
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags libdevdrv) "$tmp/app.c" -o "$tmp/app" $(pkg-config --libs libdevdrv)
out=$(DEVDRV_TRANSPORT=virtual "$tmp/app")
echo "$out"
[ "$out" = "read back: ping" ] || { echo "the program against the installed library failed"; exit 1; }
[ "$(pkg-config --variable driverdir libdevdrv)" = "/usr/lib/$multiarch/devdrv/drivers" ] ||
	{ echo "driverdir is $(pkg-config --variable driverdir libdevdrv)"; exit 1; }
echo "ok: a program built with pkg-config --cflags --libs libdevdrv runs"

# 7. the Python module, with Debian's python3 as a user runs it: -I so that
# neither PYTHONPATH nor the user's site-packages nor the current directory
# can give another devdrv, and no $DEVDRV_LIBRARY or LD_LIBRARY_PATH another
# library (ctypes must find libdevdrv.so.0 by its soname, as installed)
py() { env -u DEVDRV_LIBRARY -u LD_LIBRARY_PATH -u LD_PRELOAD /usr/bin/python3 -I "$@"; }
upstream=${version#*:}
upstream=${upstream%-*}
out=$(py -c 'import devdrv, sys; print(devdrv.version())')
[ "$out" = "$upstream" ] || { echo "python3: devdrv.version() is '$out', not $upstream"; exit 1; }
file=$(py -c 'import devdrv; print(devdrv.__file__)')
[ "$file" = "$pydir/__init__.py" ] || { echo "python3 imported devdrv from $file, not $pydir"; exit 1; }
lib=$(py -c 'import devdrv; print(next(l.split()[-1] for l in open("/proc/self/maps") if "/libdevdrv.so" in l))')
[ "$(readlink -f "$lib")" = "$(readlink -f "/usr/lib/$multiarch/libdevdrv.so.0")" ] ||
	{ echo "python3's devdrv loaded $lib, not the packaged library"; exit 1; }
[ -d "$pydir/__pycache__" ] || { echo "python3-devdrv was not byte-compiled at installation"; exit 1; }
cat >"$tmp/list.py" <<'EOF'
import devdrv
with devdrv.Context() as ctx:  # the transport that $DEVDRV_TRANSPORT names
    print('\n'.join(str(d) for d in ctx.devices()))
EOF
out=$(DEVDRV_TRANSPORT=virtual py "$tmp/list.py")
echo "$out"
echo "$out" | grep -q '^1-1 1209:0001 .*Virtual Loopback' || { echo "python3: no virtual loopback listed"; exit 1; }
echo "ok: /usr/bin/python3: import devdrv (version $upstream, from $pydir, $lib), the virtual bus listed"

# 8. the symbols file is what the installed library exports
"$src/tests/deb-symbols.sh" --check "/usr/lib/$multiarch/libdevdrv.so.0"
