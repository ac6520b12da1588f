#!/usr/bin/env bash
# The control API at scale: 10,000 tenants (each with a network), then the
# time of GET /metrics, request latency with 50 concurrent clients and the
# agent's memory. Runs on a scratch cgroup and bpffs dir, removed on exit.
#
#   bench/api.sh [TENANTS]       (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."

tenants=${1:-10000}
. bench/scratch.sh
bench_scratch api
for i in $(seq "$tenants"); do
	printf '[Tenant]\nNetwork=10.%d.%d.0/24\n' $((i / 256)) $((i % 256)) \
		>"$scratch/conf/tenants.d/t$i.conf"
done
start=$(date +%s%N)
bench_start_agent
ready=$(date +%s%N)

metrics_times=()
for _ in $(seq 11); do
	metrics_times+=("$(curl -s -o /dev/null -w '%{time_total}' --unix-socket "$socket" http://localhost/metrics)")
done
metrics_median=$(printf '%s\n' "${metrics_times[@]}" | sort -n | sed -n 6p)
series=$(curl -s --unix-socket "$socket" http://localhost/metrics | grep -vc '^#')

echo "tenantd control API with $tenants tenants ($(nproc) CPUs, $(uname -r))"
awk -v ns=$((ready - start)) 'BEGIN { printf "start-up to ready:        %.2f s\n", ns / 1e9 }'
awk -v s="$metrics_median" -v n="$series" \
	'BEGIN { printf "GET /metrics (median/11): %.1f ms, %d series\n", s * 1000, n }'
build/bench/api_load "$socket" 50 200 /v1/status /v1/tenants/t1 /v1/tenants/t5000 "/v1/who?pid=1"
echo "agent memory:             $(awk '/VmRSS/ { printf "%.1f MiB RSS", $2 / 1024 }' /proc/$agent_pid/status), $(awk '/VmHWM/ { printf "%.1f MiB peak", $2 / 1024 }' /proc/$agent_pid/status)"
