#!/usr/bin/env bash
# Loopback overhead of tenantd, measured against the same cgroup layout with
# nothing attached, in one run: rounds alternate between a tenant cgroup under
# tenantd's CgroupRoot and a twin cgroup with no programs, and the report
# gives each side's median and their ratio. A last round of each mode with
# kernel.bpf_stats_enabled gives what each of this agent's programs costs
# per run, free of the noise the rates carry: the figure to compare across
# builds. Everything is removed on exit.
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
trap 'sysctl -qw kernel.bpf_stats_enabled=0; bench_cleanup' EXIT

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

# This agent's datapath programs, by their pinned links: "name ns runs".
program_stats() {
	local name id
	for name in count_egress filter_ingress connect4 connect6 sendmsg4 sendmsg6; do
		id=$(bpftool -j link show pinned "$bpffs/link-tenantd_$name" |
			python3 -c 'import json, sys; print(json.load(sys.stdin)["prog_id"])')
		bpftool -j prog show id "$id" | python3 -c 'import json, sys
p = json.load(sys.stdin)
print(sys.argv[1], p.get("run_time_ns", 0), p.get("run_cnt", 0))' "$name"
	done
}

for mode in connections datagrams; do
	before=$(program_stats)
	sysctl -qw kernel.bpf_stats_enabled=1
	measure agent/acme "$mode" >/dev/null
	sysctl -qw kernel.bpf_stats_enabled=0
	after=$(program_stats)
	python3 - "$mode" "$before" "$after" <<'EOF'
import sys
mode, before, after = sys.argv[1], sys.argv[2], sys.argv[3]
start = {l.split()[0]: l.split()[1:] for l in before.splitlines()}
for line in after.splitlines():
    name, ns, runs = line.split()
    ns, runs = int(ns) - int(start[name][0]), int(runs) - int(start[name][1])
    if runs:
        print("%-12s %-16s %8.1f ns per run  (%d runs)" % (mode, name, ns / runs, runs))
EOF
done
