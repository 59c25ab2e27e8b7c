#!/bin/sh
# man-check.sh DEVDRV MANPAGE — devdrv(1) against the program: groff renders
# it without a warning, every command of `devdrv --help` has its entry, and
# every global option and every long option of each command's --help is in
# the page.
set -u
devdrv=$1 page=$2
fail=0
warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
if [ -n "$warnings" ]; then
	echo "not ok - groff warns: $warnings"
	fail=1
else
	echo "ok - groff renders it without warnings"
fi
# plain ASCII, without overstrike, in lines long enough never to break an option
text=$(groff -man -Tascii -rLL=1000n -P-cbou "$page")
# the global options: the option lines of the main --help
for o in $("$devdrv" --help | sed -n '/^commands:/,/^$/!p' | grep -o -- '--[a-z][-a-z]*' | sort -u); do
	[ "$o" = --help ] && continue
	if printf '%s\n' "$text" | grep -q -- "$o"; then
		echo "ok - global $o"
	else
		echo "not ok - global option $o is not in $page"
		fail=1
	fi
done
commands=$("$devdrv" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }')
for c in $commands; do
	if printf '%s\n' "$text" | grep -q "^       $c\( \|$\)"; then
		echo "ok - command $c has an entry"
	else
		echo "not ok - command $c has no entry in $page"
		fail=1
	fi
	for o in $("$devdrv" "$c" --help 2>&1 | grep -o -- '--[a-z][-a-z]*' | sort -u); do
		[ "$o" = --help ] && continue
		if printf '%s\n' "$text" | grep -q -- "$o"; then
			echo "ok - $c $o"
		else
			echo "not ok - $c: option $o is not in $page"
			fail=1
		fi
	done
done
exit $fail
