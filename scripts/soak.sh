#!/usr/bin/env bash
# make check-soak: the whole of make check, each time from a fresh clone of
# the committed HEAD, as CI runs it, three times over: on an idle machine,
# beside a CPU hog on one core (stress-ng --cpu 1), and pinned to one CPU
# (taskset -c 0). A test that passes only at this machine's speed fails one
# of them. Prints each run's counts and time; fails when any run failed.
# SOAK_DIR says where the clones go (default a scratch directory, removed
# afterwards); their logs are kept in build/soak/.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

source_tree=$PWD
work=${SOAK_DIR:-$(mktemp -d /tmp/tenantd-soak-XXXXXX)}
logs=$source_tree/build/soak
hog=

cleanup() {
	[ -n "$hog" ] && kill "$hog" 2>/dev/null && wait "$hog" 2>/dev/null
	[ -z "${SOAK_DIR:-}" ] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v stress-ng >/dev/null && command -v taskset >/dev/null ||
	{ echo "soak: stress-ng and taskset are needed; run make setup" >&2; exit 1; }
mkdir -p "$logs"

# Runs make check in a fresh clone named NAME, with PREFIX... before it
# (taskset -c 0, or nothing); prints "NAME: N passed, N failed in S s".
run() {
	local name=$1 clone started status summary
	clone=$work/$name
	shift
	rm -rf "$clone" && mkdir -p "$clone" &&
		git clone -q "$source_tree" "$clone/main" || return 1
	# CI has the design contract beside the clone; so do these runs.
	[ -e "$source_tree/../shared" ] && ln -s "$(realpath "$source_tree/../shared")" "$clone/shared"
	started=$SECONDS
	(cd "$clone/main" && "$@" make check) >"$logs/$name.log" 2>&1
	status=$?
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logs/$name.log" | tail -1)
	echo "$name: ${summary:-no summary} in $((SECONDS - started)) s (exit $status)"
	grep '^failing:' "$logs/$name.log"
	return "$status"
}

result=0
echo "soak: three runs of make check from fresh clones of $(git rev-parse --short HEAD)"
run idle || result=1
stress-ng --cpu 1 --quiet &
hog=$!
run cpu-hog || result=1
kill "$hog" && wait "$hog" 2>/dev/null
hog=
run one-cpu taskset -c 0 || result=1
echo "soak: logs in $logs"
exit "$result"
