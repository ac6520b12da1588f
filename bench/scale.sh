#!/usr/bin/env bash
# tenantd at a fleet node's scale: TENANTS tenants, each with its own cgroup
# (created before the agent starts) and NETWORKS networks in all: a /24
# each, the rest IPv4 /32s and IPv6 /64s (bench/tenants.py). At each scale it reports start to ready (new
# maps), a reload that changes one tenant, a restart (pinned maps holding
# the same policy), GET /metrics, the agent's memory and the kernel's.
# Runs on a scratch cgroup and bpffs dir, removed on exit.
#
#   bench/scale.sh [TENANTSxNETWORKS...]
#        (default: 100x600 1000x6000 10000x60000 10000x1000000)
#
# Writes the figures to $BENCH_OUTPUT (default build/bench/scale.tsv). With
# PERF=start (or PERF=reload) it records the start-up (or the reload) of
# each scale with perf and prints the hottest symbols.
set -euo pipefail
cd "$(dirname "$0")/.."

scales=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(100x600 1000x6000 10000x60000 10000x1000000)
output=${BENCH_OUTPUT:-build/bench/scale.tsv}
mkdir -p "$(dirname "$output")"
. bench/scratch.sh
bench_scratch scale

# The tenants of a scale (bench/tenants.py), with their cgroups.
write_tenants() { # tenants networks
	rm -f "$scratch"/conf/tenants.d/*.conf
	python3 bench/tenants.py "$scratch/conf/tenants.d" "$root" "$1" "$2"
	# Dated a minute back, as drop-ins written long before the agent ran:
	# a file stamped just before it was read is read again at a reload.
	find "$scratch/conf/tenants.d" -name '*.conf' -exec touch -d '1 minute ago' {} +
	for i in $(seq "$1"); do echo "$cgroup2$root/t$i"; done | xargs mkdir -p
}

since_ms() { awk -v start="$1" -v now="$(date +%s%N)" 'BEGIN { printf "%.1f", (now - start) / 1e6 }'; }

profile_report() {
	perf report -i "$scratch/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
		grep -E '^ +[0-9]' | head -25
}

measure_scale() { # tenants networks
	local tenants=$1 networks=$2 start start_ms reload_ms restart_ms metrics_ms rss peak
	local profiler=() perf_pid=""

	write_tenants "$tenants" "$networks"
	[ "${PERF:-}" = start ] && profiler=(perf record -g -o "$scratch/perf.data" --)
	start=$(date +%s%N)
	bench_start_agent "$root" "${profiler[@]}"
	start_ms=$(since_ms "$start")
	if [ "${PERF:-}" = start ]; then
		kill -INT "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
		profile_report
		bench_start_agent "$root"
	fi

	# A reload that changes one tenant: one more network for t1.
	echo "Network=fd01::/64" >>"$scratch/conf/tenants.d/t1.conf"
	if [ "${PERF:-}" = reload ]; then
		perf record -g -o "$scratch/perf.data" -p "$agent_pid" 2>/dev/null &
		perf_pid=$!
		sleep 1
	fi
	reload_ms=$(curl -s -o /dev/null -w '%{time_total}' -X POST --unix-socket "$socket" \
		http://localhost/v1/reload | awk '{ printf "%.1f", $1 * 1000 }')
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
		profile_report
	fi
	metrics_ms=$(for _ in $(seq 5); do
		curl -s -o /dev/null -w '%{time_total}\n' --unix-socket "$socket" http://localhost/metrics
	done | sort -n | sed -n 3p | awk '{ printf "%.1f", $1 * 1000 }')
	rss=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$agent_pid/status")
	peak=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$agent_pid/status")

	# A restart: the pinned maps hold the same policy.
	kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
	start=$(date +%s%N)
	bench_start_agent "$root"
	restart_ms=$(since_ms "$start")

	echo "$tenants tenants with their cgroups, $networks networks:"
	echo "  start-up to ready ${start_ms} ms, reload of one tenant ${reload_ms} ms," \
		"restart to ready ${restart_ms} ms, GET /metrics ${metrics_ms} ms"
	echo "  agent ${rss} MiB RSS (${peak} MiB peak)"
	for map in tenantd_network_owner_ipv4 tenantd_network_owner_ipv6 tenantd_cgroup_tenant; do
		bpftool -j map show pinned "$bpffs/$map" | python3 -c '
import json, sys
m = json.load(sys.stdin)
print("  kernel: %s %.1f MiB (%d entries at most)" % (sys.argv[1], m["bytes_memlock"] / 2**20, m["max_entries"]))' "$map"
	done
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tenants" "$networks" "$start_ms" "$reload_ms" \
		"$restart_ms" "$metrics_ms" "$rss" "$peak" >>"$output"
	kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; agent_pid=""
	build/tenantd --detach --bpffs-dir "$bpffs" >/dev/null 2>&1 || true
}

echo "tenantd at scale ($(nproc) CPUs, $(uname -r))"
printf 'tenants\tnetworks\tstart_ms\treload_ms\trestart_ms\tmetrics_ms\trss_mib\tpeak_mib\n' >"$output"
for scale in "${scales[@]}"; do
	measure_scale "${scale%%x*}" "${scale#*x}"
done
echo "figures in $output"
