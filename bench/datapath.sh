#!/usr/bin/env bash
# The datapath at scale, against nothing and against nftables, in one run.
# At 1, 100 and 10,000 tenants (and 10,000 with 1,000,000 networks), a
# client and its server of one tenant run in three twin cgroups: one under
# tenantd's CgroupRoot, one that an expert nftables rule set keys on
# (bench/nftables.py writes it for the same tenants), and a bare one.
# Rounds alternate between the three, rotating which goes first. Measured:
# loopback connections and throughput, connections through a veth link to a
# host in the tenant's own network, and (tenantd only) connect attempts to
# another tenant's socket, refused with EPERM. A last round with
# kernel.bpf_stats_enabled gives each program's ns per run.
#
# Everything runs in network namespaces of its own, so the nftables table
# never touches the host's firewall; all is removed on exit.
#
#   bench/datapath.sh [ROUNDS] [SECONDS] [SCALES...]
#        (defaults: 5 rounds of 1 s; scales 1 100 10000 10000x1000000)
# Writes the figures to $BENCH_OUTPUT (default build/bench/datapath.tsv).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-5}
seconds=${2:-1}
shift $(($# > 2 ? 2 : $#))
scales=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(1 100 10000 10000x1000000)
output=${BENCH_OUTPUT:-build/bench/datapath.tsv}
. bench/scratch.sh
bench_scratch datapath
near="tdbench-$$"
far="tdbench-$$-b"

datapath_cleanup() {
	sysctl -qw kernel.bpf_stats_enabled=0
	bench_cleanup
}
trap datapath_cleanup EXIT

bench_netns_pair "$near" "$far" "td$$" 10.250.1

# Runs COMMAND in cgroup CGROUP (below the scratch root) of namespace NETNS.
in_cgroup() { # netns cgroup command...
	local netns=$1 cgroup=$2
	shift 2
	nsenter --net="/run/netns/$netns" sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ \
		"$cgroup2$root/$cgroup" "$@"
}

start_server() { # netns cgroup address port
	# Not through in_cgroup: a function run in the background is a subshell
	# of its own, and $! would be that shell rather than the server.
	nsenter --net="/run/netns/$1" sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ \
		"$cgroup2$root/$2" build/bench/loopback serve "$3" "$4" >/dev/null &
	bench_servers+=($!)
	for _ in $(seq 100); do
		nsenter --net="/run/netns/$1" ss -Hltn "sport = :$4" | grep -q . && return 0
		sleep 0.05
	done
	echo "no server on $3:$4" >&2
	return 1
}

measure() { # side mode
	case $2 in
	connections | throughput) in_cgroup "$near" "$1/t1" build/bench/loopback "$2" "$seconds" ;;
	netns) in_cgroup "$near" "$1/t1" build/bench/loopback connections "$seconds" 10.250.1.2 9001 ;;
	refused) in_cgroup "$near" "$1/t1" build/bench/loopback refused "$seconds" 127.0.0.1 9002 ;;
	esac
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# The tenants of a scale (bench/tenants.py).
write_tenants() { # tenants networks
	rm -f "$scratch"/conf/tenants.d/*.conf
	python3 bench/tenants.py "$scratch/conf/tenants.d" "$root/agent" "$1" "$2"
}

make_cgroups() { # tenants
	for side in agent nft bare; do
		for i in $(seq "$1"); do echo "$cgroup2$root/$side/t$i"; done
	done | xargs mkdir -p
}

# Each program's ns per run over one round of each mode, bpf_stats on.
program_costs() { # label
	local before after
	before=$(bpftool -j prog show | python3 -c 'import json,sys; print(json.dumps({p["name"]: [p.get("run_time_ns", 0), p.get("run_cnt", 0)] for p in json.load(sys.stdin) if p["name"].startswith("tenantd_")}))')
	sysctl -qw kernel.bpf_stats_enabled=1
	for mode in connections throughput netns; do measure agent "$mode" >/dev/null; done
	sysctl -qw kernel.bpf_stats_enabled=0
	after=$(bpftool -j prog show | python3 -c 'import json,sys; print(json.dumps({p["name"]: [p.get("run_time_ns", 0), p.get("run_cnt", 0)] for p in json.load(sys.stdin) if p["name"].startswith("tenantd_")}))')
	python3 - "$1" "$before" "$after" <<'EOF'
import json, sys
label, before, after = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
for name in sorted(n for n in after if "scan" not in n):
    ns, runs = (after[name][i] - before.get(name, [0, 0])[i] for i in (0, 1))
    if runs:
        print("%s\tns\t%s\t%.1f\t%d" % (label, name, ns / runs, runs))
EOF
}

echo "tenantd datapath at scale: $rounds alternating rounds of ${seconds}s, medians ($(nproc) CPUs, $(uname -r))"
printf 'scale\tmode\tside\tvalue\tratio\n' >"$output"
for scale in "${scales[@]}"; do
	tenants=${scale%%x*}
	networks=$tenants
	[ "$scale" != "$tenants" ] && networks=${scale#*x}
	write_tenants "$tenants" "$networks"
	make_cgroups "$tenants"
	mkdir -p "$cgroup2$root/bare/server"
	bench_start_agent "$root/agent"
	# nftables gets the tenants' own networks only: a million elements in
	# its interval sets are out of this benchmark's reach.
	sides=(bare agent)
	if [ "$networks" = "$tenants" ]; then
		sides+=(nft)
		python3 bench/nftables.py "$root/nft" "$tenants" "$cgroup2" |
			nsenter --net="/run/netns/$near" nft -f -
	fi
	start_server "$far" bare/server 10.250.1.2 9001
	[ "$tenants" -ge 2 ] && start_server "$near" agent/t2 127.0.0.1 9002
	for mode in connections throughput netns; do
		declare -A values=([bare]="" [agent]="" [nft]="")
		for round in $(seq "$rounds"); do
			shift_by=$((round % ${#sides[@]}))
			order=("${sides[@]:$shift_by}" "${sides[@]:0:$shift_by}")
			for side in "${order[@]}"; do
				values[$side]+="$(measure "$side" "$mode") "
			done
		done
		bare=$(printf '%s\n' ${values[bare]} | median)
		for side in "${sides[@]}"; do
			value=$(printf '%s\n' ${values[$side]} | median)
			ratio=$(awk -v a="$value" -v b="$bare" 'BEGIN { printf "%.3f", a / b }')
			printf '%s\t%s\t%s\t%s\t%s\n' "$scale" "$mode" "$side" "$value" "$ratio" >>"$output"
		done
		unset values
	done
	if [ "$tenants" -ge 2 ]; then
		refused=$(for round in $(seq "$rounds"); do measure agent refused; done | median)
		printf '%s\trefused\tagent\t%s\t\n' "$scale" "$refused" >>"$output"
	fi
	program_costs "$scale" >>"$output"
	awk -F'\t' -v s="$scale" '$1 == s && $2 != "ns" && $3 != "bare" {
		printf "%-16s %-12s %-6s %14s  ratio %s\n", s, $2, $3, $4, $5 }' "$output"
	awk -F'\t' -v s="$scale" '$1 == s && $2 == "ns" && $3 !~ /scan/ {
		printf "%-16s %-28s %8s ns per run\n", s, $3, $4 }' "$output"
	bench_stop_servers
	kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; agent_pid=""
	build/tenantd --detach --bpffs-dir "$bpffs" >/dev/null 2>&1 || true
	nsenter --net="/run/netns/$near" nft delete table inet tenantd_bench 2>/dev/null || true
done
echo "figures in $output"
