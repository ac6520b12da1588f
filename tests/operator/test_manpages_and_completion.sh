#!/usr/bin/env bash
# What an operator gets beside the binaries: the man pages, rendered
# without a warning and installed where man looks, and tenantctl's bash
# completion, installed where bash-completion looks and offering commands,
# options and the running agent's tenant names. The agent runs on a
# scratch cgroup and bpffs dir of its own, removed on exit, failure
# included. Prints Check's summary line, which tests/run.sh counts.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

build=${TENANTD_BUILD:-build}
scratch=/tmp/tenantd-test-$$-operator
bpffs=/sys/fs/bpf/tenantd-test-$$-operator
cgroup2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
cgroup_root=/tenantd-test-$$-operator
socket=$scratch/run/tenantd.sock
agent_pid=
. tests/support/check.sh

cleanup() {
	if [ -n "$agent_pid" ]; then
		kill "$agent_pid" 2>/dev/null
		wait "$agent_pid" 2>/dev/null
	fi
	"$build/tenantd" --detach --bpffs-dir "$bpffs" >/dev/null 2>&1
	rmdir "$cgroup2$cgroup_root/acme" "$cgroup2$cgroup_root/globex" "$cgroup2$cgroup_root" \
		2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Says WHAT was expected when the comparison fails.
expect_equal() {
	local what=$1 expected=$2 actual=$3
	[ "$expected" = "$actual" ] && return 0
	log "  expected $what: '$expected'"
	log "  got: '$actual'"
	return 1
}

# Debian's own lint of a man page (lintian's): groff's warnings on stderr.
man_warnings() {
	LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$1" 2>&1 \
		>/dev/null
}

the_tenantd_8_page_renders_without_warnings() {
	expect_equal "no warnings from $build/man/tenantd.8" "" "$(man_warnings "$build/man/tenantd.8")"
}

the_tenantctl_8_page_renders_without_warnings() {
	expect_equal "no warnings from $build/man/tenantctl.8" "" \
		"$(man_warnings "$build/man/tenantctl.8")"
}

the_tenantd_conf_5_page_renders_without_warnings() {
	expect_equal "no warnings from $build/man/tenantd.conf.5" "" \
		"$(man_warnings "$build/man/tenantd.conf.5")"
}

# Every key the configuration accepts is in tenantd.conf(5): the keys are
# taken from the configuration's own tables.
the_tenantd_conf_5_page_names_every_configuration_key() {
	local key missing=""
	for key in $(grep -ohE '\{ *"[A-Z][A-Za-z]+", *parse_' common/config_parse.c | cut -d'"' -f2); do
		grep -q "^\*$key=\*" man/tenantd.conf.5.scd || missing="$missing $key"
	done
	expect_equal "every key of common/config_parse.c in man/tenantd.conf.5.scd" "" "$missing"
}

make_install_puts_the_pages_completion_rules_and_dashboard_where_they_are_looked_for() {
	local root=$scratch/install file missing=""
	make --no-print-directory -s install BUILD="$build" DESTDIR="$root" PREFIX=/usr \
		>/dev/null 2>&1 || { log "  expected make install to succeed"; return 1; }
	for file in /usr/share/man/man8/tenantd.8 /usr/share/man/man8/tenantctl.8 \
		/usr/share/man/man5/tenantd.conf.5 /usr/share/bash-completion/completions/tenantctl \
		/usr/share/tenantd/prometheus/tenantd-rules.yml \
		/usr/share/tenantd/grafana/tenantd-fleet.json; do
		[ -s "$root$file" ] || missing="$missing $file"
	done
	expect_equal "nothing missing under DESTDIR" "" "$missing"
}

# What bash offers for the words of a command line (the last one being
# completed), with tenantctl taken from the build.
complete_words() {
	env PATH="$PWD/$build:$PATH" bash -c '
		. /usr/share/bash-completion/bash_completion
		. contrib/completion/tenantctl.bash
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_tenantctl
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		bash "$@"
}

the_completion_offers_the_commands() {
	expect_equal "the commands" \
		"apply events posture reload remove show status tenants who " \
		"$(complete_words tenantctl '')"
}

the_completion_offers_the_global_options() {
	expect_equal "the global options" "--help --json --socket " "$(complete_words tenantctl -)"
}

the_completion_offers_the_options_of_events() {
	expect_equal "the options of events" "--follow --tenant " \
		"$(complete_words tenantctl events -)"
}

agent_answers() {
	"$build/tenantctl" --socket "$socket" status >/dev/null 2>&1
}

# Answering, or gone: either way there is nothing more to wait for.
agent_settled() {
	agent_answers || ! kill -0 "$agent_pid" 2>/dev/null
}

start_agent() {
	mkdir -p "$scratch"/{conf/tenants.d,state,run} "$cgroup2$cgroup_root"/{acme,globex}
	printf '[Tenant]\nCgroup=%s/acme\nNetwork=10.61.0.0/16\n' "$cgroup_root" \
		>"$scratch/conf/tenants.d/acme.conf"
	printf '[Tenant]\nCgroup=%s/globex\nNetwork=10.62.0.0/16\n' "$cgroup_root" \
		>"$scratch/conf/tenants.d/globex.conf"
	"$build/tenantd" --config-dir "$scratch/conf" --runtime-dir "$scratch/run" \
		--state-dir "$scratch/state" --bpffs-dir "$bpffs" --cgroup-root "$cgroup_root" \
		2>"$scratch/agent.log" &
	agent_pid=$!
	within 30 agent_settled && agent_answers && return 0
	log "  the agent did not start:"
	cat "$scratch/agent.log" >&2
	return 1
}

the_completion_offers_the_running_agents_tenant_names() {
	expect_equal "the tenants of the agent behind --socket" "acme globex " \
		"$(complete_words tenantctl --socket "$socket" show '')"
}

the_completion_offers_tenant_names_after_tenant() {
	expect_equal "the tenants matching 'gl'" "globex " \
		"$(complete_words tenantctl --socket "$socket" events --tenant gl)"
}

the_completion_offers_no_names_and_prints_nothing_when_no_agent_answers() {
	local output
	output=$(complete_words tenantctl --socket "$scratch/nothing-here.sock" show '' 2>&1)
	expect_equal "no names and no message" "" "$output"
}

main() {
	check the_tenantd_8_page_renders_without_warnings
	check the_tenantctl_8_page_renders_without_warnings
	check the_tenantd_conf_5_page_renders_without_warnings
	check the_tenantd_conf_5_page_names_every_configuration_key
	check make_install_puts_the_pages_completion_rules_and_dashboard_where_they_are_looked_for
	check the_completion_offers_the_commands
	check the_completion_offers_the_global_options
	check the_completion_offers_the_options_of_events
	check the_completion_offers_no_names_and_prints_nothing_when_no_agent_answers
	if start_agent; then
		check the_completion_offers_the_running_agents_tenant_names
		check the_completion_offers_tenant_names_after_tenant
	else
		checks_not_run 2 "the agent did not start"
	fi
	summary
}

main
