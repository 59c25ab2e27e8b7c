# bash completion for devdrv. What it offers comes from devdrv itself, so it
# follows the installed version: the commands from `devdrv --help`, each
# command's options from `devdrv COMMAND --help`, the models from `devdrv
# models`, and the selectors of the devices present now from `devdrv list`
# (with --virtual, --plug or --replay when the line has them).

# The global options on the line so far, to ask devdrv about the same bus.
_devdrv_bus_options()
{
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case "${COMP_WORDS[i]}" in
		--virtual) printf '%s\n' --virtual ;;
		--plug | --replay) printf '%s\n' "${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}" ;;
		--plug=* | --replay=*) printf '%s\n' "${COMP_WORDS[i]}" ;;
		esac
	done
}

_devdrv_commands()
{
	"$1" --help 2>/dev/null | awk '/^commands:/ { on = 1; next } on && /^$/ { exit }
		on && /^  [a-z]/ { print $1 }'
}

_devdrv_selectors()
{
	local -a bus
	mapfile -t bus < <(_devdrv_bus_options)
	# port paths and VID:PID of the devices there, and a vendor's "VVVV:"
	"$1" "${bus[@]}" list 2>/dev/null | awk 'NR > 1 { print $1; print $3; print substr($3, 1, 5) }' | sort -u
}

_devdrv()
{
	local cur prev prog cmd="" i
	cur="${COMP_WORDS[COMP_CWORD]}"
	prev="${COMP_WORDS[COMP_CWORD - 1]}"
	prog="${COMP_WORDS[0]}"

	case "$prev" in
	--plug)
		COMPREPLY=($(compgen -W "$("$prog" models 2>/dev/null | sed 's/$/@/')" -- "$cur"))
		compopt -o nospace 2>/dev/null
		return
		;;
	--replay | --record | -o | --output | --autostart | --config | -i)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--filter)
		COMPREPLY=($(compgen -W "$("$prog" filters --json 2>/dev/null | grep -o '"name":"[^"]*"' | cut -d'"' -f4)" -- "$cur"))
		return
		;;
	# serial's values (run takes --flow too); a map list completes its last name
	--flow)
		COMPREPLY=($(compgen -W "none rtscts xonxoff" -- "$cur"))
		return
		;;
	--parity)
		COMPREPLY=($(compgen -W "none odd even mark space" -- "$cur"))
		return
		;;
	--imap | --omap)
		COMPREPLY=($(compgen -P "${cur%"${cur##*,}"}" -W "crlf crcrlf igncr lfcr lfcrlf ignlf" -- "${cur##*,}"))
		return
		;;
	--log)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	esac
	# the command: the first word that is neither an option nor an option's value
	for ((i = 1; i < COMP_CWORD; i++)); do
		case "${COMP_WORDS[i]}" in
		--plug | --filter | --record | --replay) ((i++)) ;;
		-*) ;;
		*) cmd="${COMP_WORDS[i]}"; break ;;
		esac
	done
	if [[ -z "$cmd" ]]; then
		if [[ "$cur" == -* ]]; then
			COMPREPLY=($(compgen -W "--virtual --plug --filter --stats --record --replay --debug --version --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_devdrv_commands "$prog") help" -- "$cur"))
		fi
		return
	fi
	if [[ "$cmd" == help ]]; then
		COMPREPLY=($(compgen -W "$(_devdrv_commands "$prog")" -- "$cur"))
	elif [[ "$cur" == -* ]]; then
		COMPREPLY=($(compgen -W "$("$prog" "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][-a-z]*' | sort -u)" -- "$cur"))
	else
		case "$cmd" in
		list | info | read | write | ctrl | serial | hid | storage | watch | run | usbip-export)
			COMPREPLY=($(compgen -W "$(_devdrv_selectors "$prog")" -- "$cur"))
			;;
		*) COMPREPLY=($(compgen -f -- "$cur")) ;;
		esac
	fi
}
complete -F _devdrv devdrv
