# bash completion for tenantctl: its commands, their options, drop-in files
# for apply, and tenant names asked of the running agent (through the
# socket given with --socket, if any).

_tenantctl_tenants()
{
	local socket=$1

	tenantctl ${socket:+--socket "$socket"} tenants 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_tenantctl()
{
	local cur prev words cword
	_init_completion || return

	local commands="status tenants show events who posture reload apply remove"
	local options="--socket --json --help"
	local socket="" command="" i

	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--socket)
			socket=${words[i + 1]}
			((i++))
			;;
		--socket=*)
			socket=${words[i]#--socket=}
			;;
		-*) ;;
		*)
			[[ -z $command ]] && command=${words[i]}
			;;
		esac
	done

	case $prev in
	--socket)
		_filedir
		return
		;;
	--tenant)
		COMPREPLY=($(compgen -W "$(_tenantctl_tenants "$socket")" -- "$cur"))
		return
		;;
	esac

	if [[ -z $command ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$options" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	case $command in
	show | remove)
		if [[ $cur == -* ]]; then
			[[ $command == remove ]] && COMPREPLY=($(compgen -W "--purge" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_tenantctl_tenants "$socket")" -- "$cur"))
		fi
		;;
	events)
		COMPREPLY=($(compgen -W "--follow --tenant" -- "$cur"))
		;;
	apply)
		_filedir '@(conf|json)'
		;;
	who)
		COMPREPLY=($(compgen -W "$(command ls /proc 2>/dev/null | grep -E '^[0-9]+$')" -- "$cur"))
		;;
	esac
} && complete -F _tenantctl tenantctl
