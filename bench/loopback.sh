#!/usr/bin/env bash
# Loopback overhead of tenantd, measured against the same cgroup layout with
# nothing attached, in one run: rounds alternate between a tenant cgroup under
# tenantd's CgroupRoot and a twin cgroup with no programs, and the report
# gives each side's median and their ratio. Everything is removed on exit.
#
#   bench/loopback.sh [ROUNDS] [SECONDS]     (defaults: 7 rounds of 2 s)
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-7}
seconds=${2:-2}
. bench/scratch.sh
bench_scratch bench
mkdir -p "$cgroup2$root"/{agent/acme,agent/globex,bare/acme}
printf '[Tenant]\nCgroup=%s/agent/acme\nNetwork=10.10.0.0/16\n' "$root" >"$scratch/conf/tenants.d/acme.conf"
printf '[Tenant]\nCgroup=%s/agent/globex\nNetwork=fd00:10::/32\n' "$root" >"$scratch/conf/tenants.d/globex.conf"
bench_start_agent "$root/agent"

# Runs bench/loopback in CGROUP (a fresh shell moves itself there first).
measure() { # cgroup mode
	sh -c 'echo $$ > "$1/cgroup.procs" && exec build/bench/loopback "$2" "$3"' _ \
		"$cgroup2$root/$1" "$2" "$seconds"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

report() { # mode unit
	local mode=$1 unit=$2 with=() without=()
	# Alternate which side goes first, so neither always runs on a
	# warmer machine.
	for round in $(seq "$rounds"); do
		if [ $((round % 2)) -eq 1 ]; then
			without+=("$(measure bare/acme "$mode")")
			with+=("$(measure agent/acme "$mode")")
		else
			with+=("$(measure agent/acme "$mode")")
			without+=("$(measure bare/acme "$mode")")
		fi
	done
	local a b
	a=$(printf '%s\n' "${with[@]}" | median)
	b=$(printf '%s\n' "${without[@]}" | median)
	printf '%-12s no agent %14s %s   agent %14s %s   ratio %s\n' "$mode" "$b" "$unit" "$a" "$unit" \
		"$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')"
}

echo "tenantd loopback overhead: $rounds alternating rounds of ${seconds}s, medians ($(nproc) CPUs, $(uname -r))"
report connections "conn/s"
report throughput "B/s"
report datagrams "dgram/s"
# Proof that the agent's side went through the programs.
curl -s --unix-socket "$scratch/run/tenantd.sock" http://localhost/metrics |
	grep -E '^tenantd_tenant_(connections|tx_bytes)_total\{tenant="acme"\}' | sed 's/^/counted: /'
