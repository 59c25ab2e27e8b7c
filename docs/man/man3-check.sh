#!/bin/sh
# man3-check.sh MANPAGE SRCDIR — libdevdrv(3) against the headers and the
# library, as TAP: groff renders it without a warning; every public header
# is named in it; every error code of devdrv.h is listed with its value and
# a meaning, and it lists no other; every function or macro it names exists
# in a header (a renamed or removed one is caught); every DEVDRV_* variable
# the library reads is in ENVIRONMENT; its EXAMPLE compiles against the
# headers ($CC, default cc). A new function need not be in the page: the
# API reference documents each one; the page is the overview.
set -u
page=$1 src=$2
headers="$src/include/devdrv"
fail=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; fail=1; }

warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
if [ -n "$warnings" ]; then not_ok "groff warns: $warnings"; else ok "groff renders it without warnings"; fi
# plain ASCII, without overstrike, in lines long enough never to break a name
text=$(groff -man -Tascii -rLL=1000n -P-cbou "$page")
# one section of the rendered page, headings excluded
section() { printf '%s\n' "$text" | awk -v s="$1" '/^[A-Z]/ { on = ($0 == s); next } on'; }

for h in "$headers"/*.h; do
	name="devdrv/$(basename "$h")"
	if printf '%s\n' "$text" | grep -qF "$name"; then ok "$name is named"; else not_ok "$name is not named in $page"; fi
done

# The codes and values of enum devdrv_error, "DEVDRV_E_INVALID -1".
codes=$(sed -n 's/^[[:space:]]*\(DEVDRV_E_[A-Z_]*\)[[:space:]]*=[[:space:]]*\(-[0-9]*\),.*/\1 \2/p' "$headers/devdrv.h")
[ -n "$codes" ] || not_ok "no DEVDRV_E_ code found in devdrv.h"
errors=$(section ERRORS)
while read -r code value; do
	# the entry's tag line, then its meaning on the next line
	meaning=$(printf '%s\n' "$errors" | awk -v tag="       $code ($value)" 'found { print; exit } $0 == tag { found = 1 }')
	if [ -n "$(printf '%s' "$meaning" | tr -d ' ')" ]; then
		ok "$code ($value) is listed with its meaning"
	else
		not_ok "$code ($value) has no entry with a meaning in ERRORS"
	fi
done <<EOF
$codes
EOF
for listed in $(printf '%s\n' "$errors" | grep -o '^       DEVDRV_E_[A-Z_]*' | tr -d ' '); do
	printf '%s\n' "$codes" | grep -q "^$listed " || not_ok "ERRORS lists $listed, which devdrv.h does not define"
done

# Names the page gives as "name()": functions declared in a header (a line
# that starts with their type, not a comment), or function-like macros.
for fn in $(printf '%s\n' "$text" | grep -o '\(devdrv\|DEVDRV\)_[A-Za-z0-9_]*()' | tr -d '()' | sort -u); do
	if grep -Eq "^[A-Za-z].*[ *]$fn\(" "$headers"/*.h || grep -q "^#define $fn(" "$headers"/*.h; then
		ok "$fn() exists"
	else
		not_ok "$fn() is named in $page but declared in no header"
	fi
done

environment=$(section ENVIRONMENT)
for var in $(grep -rho 'getenv("DEVDRV_[A-Z_]*")' "$src/lib" | sed 's/getenv("\(.*\)")/\1/' | sort -u); do
	if printf '%s\n' "$environment" | grep -q "^       $var\$"; then
		ok "$var is in ENVIRONMENT"
	else
		not_ok "the library reads $var, which ENVIRONMENT does not list"
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
section EXAMPLE | sed -n '/^       #include/,$p' | sed 's/^       //' >"$tmp/example.c"
if [ ! -s "$tmp/example.c" ]; then
	not_ok "no program in EXAMPLE"
elif ${CC:-cc} -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$src/include" "$tmp/example.c" 2>"$tmp/cc.log"; then
	ok "the EXAMPLE compiles"
else
	not_ok "the EXAMPLE does not compile: $(cat "$tmp/cc.log")"
fi
exit $fail
