#!/usr/bin/env bash
# tenantd at a fleet node's scale: TENANTS tenants, each with its own cgroup
# (created before the agent starts) and NETWORKS networks in all, half IPv4
# /32s and half IPv6 /64s. Reports start to ready, a reload that changes
# one tenant, GET /metrics and the agent's memory. Runs on a scratch cgroup
# and bpffs dir, removed on exit.
#
#   bench/scale.sh [TENANTS] [NETWORKS]     (defaults: 10000 and 60000)
#
# With PERF=start (or PERF=reload) it records the start-up (or the reload)
# with perf and prints the hottest symbols.
set -euo pipefail
cd "$(dirname "$0")/.."

tenants=${1:-10000}
networks=${2:-60000}
. bench/scratch.sh
bench_scratch scale
# Tenant i owns the IPv4 /32s 10.x.y.z and the IPv6 /64s fd00:i:n::/64.
python3 - "$scratch/conf/tenants.d" "$root" "$tenants" "$networks" <<'EOF'
import sys
directory, root, tenants, networks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
per_tenant, extra = divmod(networks, tenants)
next_v4 = 1 << 24  # 1.0.0.0 onwards, never 0.x.x.x
for t in range(1, tenants + 1):
    count = per_tenant + (1 if t <= extra else 0)
    lines = ["[Tenant]", "Cgroup=%s/t%d" % (root, t)]
    for n in range(count):
        if n % 2 == 0:
            a = next_v4 + 0x0A000000 - (1 << 24)
            next_v4 += 1
            lines.append("Network=%d.%d.%d.%d/32" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255))
        else:
            lines.append("Network=fd00:%x:%x::/64" % (t, n))
    with open("%s/t%d.conf" % (directory, t), "w") as f:
        f.write("\n".join(lines) + "\n")
EOF
for i in $(seq "$tenants"); do echo "$cgroup2$root/t$i"; done | xargs mkdir

profiler=()
[ "${PERF:-}" = start ] && profiler=(perf record -g -o "$scratch/perf.data" --)
start=$(date +%s%N)
bench_start_agent "$root" "${profiler[@]}"
ready=$(date +%s%N)

# A reload that changes one tenant: one more network for t1.
echo "Network=fd01::/64" >>"$scratch/conf/tenants.d/t1.conf"
if [ "${PERF:-}" = reload ]; then
	perf record -g -o "$scratch/perf.data" -p "$agent_pid" 2>/dev/null &
	perf_pid=$!
	sleep 1
fi
reload=$(curl -s -o /dev/null -w '%{time_total}' -X POST --unix-socket "$socket" http://localhost/v1/reload)
# A restart: the pinned maps hold the same policy.
kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true
restart=$(date +%s%N)
bench_start_agent "$root"
restarted=$(date +%s%N)

metrics_times=()
for _ in $(seq 5); do
	metrics_times+=("$(curl -s -o /dev/null -w '%{time_total}' --unix-socket "$socket" http://localhost/metrics)")
done
metrics_median=$(printf '%s\n' "${metrics_times[@]}" | sort -n | sed -n 3p)

echo "tenantd at scale: $tenants tenants with their cgroups, $networks networks ($(nproc) CPUs, $(uname -r))"
awk -v ns=$((ready - start)) 'BEGIN { printf "start-up to ready:        %.3f s\n", ns / 1e9 }'
awk -v s="$reload" 'BEGIN { printf "reload of one tenant:     %.1f ms\n", s * 1000 }'
awk -v ns=$((restarted - restart)) 'BEGIN { printf "restart to ready:         %.3f s\n", ns / 1e9 }'
awk -v s="$metrics_median" 'BEGIN { printf "GET /metrics (median/5):  %.1f ms\n", s * 1000 }'
echo "agent memory:             $(awk '/VmRSS/ { printf "%.1f MiB RSS", $2 / 1024 }' /proc/$agent_pid/status 2>/dev/null), $(awk '/VmHWM/ { printf "%.1f MiB peak", $2 / 1024 }' /proc/$agent_pid/status 2>/dev/null)"
for map in tenantd_network_owner tenantd_cgroup_tenant; do
	bpftool -j map show pinned "$bpffs/$map" | python3 -c '
import json, sys
m = json.load(sys.stdin)
print("kernel memory, %-22s %6.1f MiB (%d entries at most)" % (sys.argv[1] + ":", m["bytes_memlock"] / 2**20, m["max_entries"]))' "$map"
done
grep -m1 -E 'error|refus' "$scratch/agent.log" || true
if [ -n "${PERF:-}" ]; then
	if [ "$PERF" = reload ]; then
		kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
	else
		kill -INT "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; agent_pid=""
	fi
	perf report -i "$scratch/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
		grep -E '^ +[0-9]' | head -25
fi
