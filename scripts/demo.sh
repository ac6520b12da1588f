#!/usr/bin/env bash
# make demo: runs tenantd on a scratch cgroup tree with three example
# tenants, shows what it allows, refuses and counts, then removes everything
# it created (cgroups, pinned BPF objects, files), on failure too.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: tenantd loads BPF programs and creates cgroups: run as root" >&2
	exit 1
fi

cgroup2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$cgroup2" ] || { echo "demo: no cgroup2 mount found" >&2; exit 1; }
id=$$
root="/tenantd-demo-$id"
scratch="/tmp/tenantd-demo-$id"
bpffs="/sys/fs/bpf/tenantd-demo-$id"
socket="$scratch/run/tenantd.sock"
agent_pid=""
listeners=()

cleanup() {
	for pid in "${listeners[@]}"; do kill "$pid" 2>/dev/null || true; done
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	build/tenantd --detach --bpffs-dir "$bpffs" >/dev/null 2>&1 || true
	if [ -d "$cgroup2$root" ]; then
		find "$cgroup2$root" -name cgroup.kill -exec sh -c 'echo 1 > "$1"' _ {} \; 2>/dev/null
		sleep 0.1
		find "$cgroup2$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
	fi
	rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bold="" plain=""
if [ -t 1 ]; then
	bold=$(tput bold 2>/dev/null || true)
	plain=$(tput sgr0 2>/dev/null || true)
fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

mkdir -p "$scratch"/{conf/tenants.d,state,run}
mkdir -p "$cgroup2$root"/{acme,globex,dns}
cat >"$scratch/conf/tenantd.conf" <<CONF
[Agent]
HostPolicy=allow
EventRate=100
CONF
cat >"$scratch/conf/tenants.d/acme.conf" <<CONF
[Tenant]
Cgroup=$root/acme
AllowTo=globex:8443/tcp
CONF
cat >"$scratch/conf/tenants.d/globex.conf" <<CONF
[Tenant]
Cgroup=$root/globex
CONF
cat >"$scratch/conf/tenants.d/dns.conf" <<CONF
[Tenant]
Kind=shared
Cgroup=$root/dns
CONF

say "Three tenants under $cgroup2$root"
for f in "$scratch"/conf/tenants.d/*.conf; do
	echo "--- tenants.d/${f##*/}"
	cat "$f"
done

say "Starting tenantd"
build/tenantd --config-dir "$scratch/conf" --runtime-dir "$scratch/run" \
	--state-dir "$scratch/state" --bpffs-dir "$bpffs" --cgroup-root "$root" \
	2>"$scratch/agent.log" &
agent_pid=$!
for _ in $(seq 100); do
	curl -sf --unix-socket "$socket" http://localhost/v1/status >/dev/null 2>&1 && break
	kill -0 "$agent_pid" 2>/dev/null || { cat "$scratch/agent.log"; exit 1; }
	sleep 0.1
done
sed 's/^/  /' "$scratch/agent.log"

listen() { # tenant protocol port
	build/tests/netprobe --cgroup "$cgroup2$root/$1" listen "$2" :: "$3" | {
		read -r _ready
		cat >/dev/null
	} &
	listeners+=($!)
	sleep 0.2
}
listen globex tcp 8080
listen globex tcp 8443
listen globex udp 8125
listen dns udp 5353
listen dns tcp 5353

attempt() { # tenant description netprobe-arguments...
	local tenant=$1 description=$2 outcome
	shift 2
	if outcome=$(build/tests/netprobe --cgroup "$cgroup2$root/$tenant" "$@" 2>&1); then
		printf '  %-7s %-44s allowed\n' "$tenant" "$description"
	else
		printf '  %-7s %-44s %sREFUSED%s  %s\n' "$tenant" "$description" "$bold" "$plain" "$outcome"
	fi
}

say "What tenants may do (globex serves tcp :8080 :8443 and udp :8125; dns is shared, :5353)"
attempt globex "connects to its own service ::1:8080" connect tcp ::1 8080 1000
attempt acme "connects to globex at 127.0.0.1:8080" connect tcp 127.0.0.1 8080
attempt acme "connects to globex at ::ffff:127.0.0.1:8080" connect tcp ::ffff:127.0.0.1 8080
attempt acme "connects to globex at 127.0.0.2:8080" connect tcp 127.0.0.2 8080
attempt acme "sends a datagram to globex at ::1:8125" sendto ::1 8125 64
attempt acme "connects to globex:8443 (AllowTo exception)" connect tcp ::1 8443 1000
attempt acme "asks the shared dns over UDP" sendto 127.0.0.1 5353 64 10
attempt globex "asks the shared dns over TCP" connect tcp ::1 5353 5000
attempt dns "(shared) initiates to globex:8080" connect tcp ::1 8080
attempt acme "opens a raw socket" raw

sleep 0.3
say "Violation events, as tenantd logs them (JSON lines on stderr)"
grep '^{' "$scratch/agent.log" | sed 's/^/  /' || true

say "Counters: curl --unix-socket $socket http://localhost/metrics"
curl -s --unix-socket "$socket" http://localhost/metrics | grep -v '^#' | grep -v ' 0$' | sed 's/^/  /'

say "Status: curl --unix-socket $socket http://localhost/v1/status"
curl -s --unix-socket "$socket" http://localhost/v1/status | sed 's/^/  /'
echo

say "Cleaning up: programs detached, cgroups and files removed"
