#!/usr/bin/env bash
# EgressRate= as the receiver sees it. A tenant limited to RATE sends TCP
# (one stream, then four) and UDP (offered at twice RATE) through a veth
# link to another network namespace for SECONDS; iperf3's receiver reports
# what arrived. Then a neighbour tenant with no quota sends alone, and again
# beside the limited one, to show that it is not slowed.
#
#   bench/quota.sh [SECONDS] [RATES...]     (defaults: 10 s; 10M 100M 1G 5G)
#
# RUNS picks the runs at each rate (default "tcp,1 tcp,4 udp,1": protocol
# and streams).
#
# Writes $BENCH_OUTPUT (default build/bench/quota.tsv): rate, protocol,
# streams, received bits a second, and the ratio to the rate. iperf3
# counts payload; the rate counts IP packets, headers included, so TCP
# over a 1500-byte MTU tops out at 1448/1500 = 0.965 of the rate, and UDP
# datagrams of 1448 bytes at 1448/1476 = 0.981.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
shift || true
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(10M 100M 1G 5G)
output=${BENCH_OUTPUT:-build/bench/quota.tsv}
mkdir -p "$(dirname "$output")"
. bench/scratch.sh
bench_scratch quota

near="tdquota-$$"
far="tdquota-$$-b"

bench_netns_pair "$near" "$far" "tq$$" 10.250.2
mkdir -p "$cgroup2$root/limited" "$cgroup2$root/neighbour"

write_tenants() { # rate
	printf '[Tenant]\nCgroup=%s/limited\nEgressRate=%s\n' "$root" "$1" \
		>"$scratch/conf/tenants.d/limited.conf"
	printf '[Tenant]\nCgroup=%s/neighbour\n' "$root" >"$scratch/conf/tenants.d/neighbour.conf"
}

# One server each: TCP, UDP and the neighbour's, so that no run meets a
# server still closing the last one.
for port in 5201 5202 5203; do
	ip netns exec "$far" iperf3 -s -p "$port" >/dev/null 2>&1 &
	bench_servers+=($!)
done
for port in 5201 5202 5203; do
	for _ in $(seq 100); do
		ip netns exec "$far" ss -Hltn "sport = :$port" | grep -q . && break
		sleep 0.05
	done
done

# iperf3 from CGROUP in the near namespace; prints the bits a second the
# receiver got.
send() { # cgroup port iperf3-arguments...
	local cgroup=$1 port=$2
	shift 2
	# nsenter, not ip netns exec, which mounts a /sys of its own without
	# the cgroup2 mount of a hybrid host.
	nsenter --net="/run/netns/$near" sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ \
		"$cgroup2$root/$cgroup" iperf3 -J -c 10.250.2.2 -p "$port" -t "$seconds" "$@" |
		python3 -c '
import json, sys
result = json.load(sys.stdin)
if "error" in result:
    sys.exit("iperf3: " + result["error"])
end = result["end"]
received = end.get("sum_received") or end["sum"]
bits = received["bits_per_second"]
if "lost_percent" in received and "sum_received" not in end:
    bits *= 1 - received["lost_percent"] / 100
print("%.0f" % bits)'
}

bits_of() { python3 -c "
import sys
text = sys.argv[1]
factor = {'K': 1e3, 'M': 1e6, 'G': 1e9}.get(text[-1], 1)
print('%.0f' % (float(text.rstrip('KMG')) * factor))" "$1"; }

write_tenants "${rates[0]}"
bench_start_agent "$root"

echo "EgressRate= accuracy over a veth link, $seconds s each ($(nproc) CPUs, $(uname -r))"
printf 'rate\tprotocol\tstreams\treceived_bps\tratio\n' >"$output"
for rate in "${rates[@]}"; do
	write_tenants "$rate"
	curl -sf -X POST --unix-socket "$socket" http://localhost/v1/reload >/dev/null
	bits=$(bits_of "$rate")
	for run in ${RUNS:-tcp,1 tcp,4 udp,1}; do
		run=${run/,/ }
		set -- $run
		# What the last run's sockets still hold goes on at the rate after
		# iperf3 ends: let it go and the bucket drain, or iperf3's first
		# datagram, its handshake, is dropped like any other over the rate.
		while nsenter --net="/run/netns/$near" ss -Htn '( dport = :5201 )' |
			grep -qv TIME-WAIT; do
			sleep 0.2
		done
		sleep 1
		if [ "$1" = tcp ]; then
			received=$(send limited 5201 -P "$2") || received=0
		else
			received=$(send limited 5203 -u -b "$((bits * 2))" -l 1448) || received=0
		fi
		ratio=$(awk -v r="$received" -v b="$bits" 'BEGIN { printf "%.3f", r / b }')
		printf '%s\t%s\t%s\t%s\t%s\n' "$rate" "$1" "$2" "$received" "$ratio" >>"$output"
		printf '  %-5s %s x%s  received %8.1f Mbit/s  ratio %s\n' "$rate" "$1" "$2" \
			"$(awk -v r="$received" 'BEGIN { print r / 1e6 }')" "$ratio"
	done
done

# The neighbour: alone, then beside the limited tenant (at the first rate).
write_tenants "${rates[0]}"
curl -sf -X POST --unix-socket "$socket" http://localhost/v1/reload >/dev/null
alone=$(send neighbour 5202)
send limited 5201 -P 4 >/dev/null &
limited=$!
beside=$(send neighbour 5202)
wait "$limited" || true
printf 'neighbour\ttcp\t1\t%s\t%s\n' "$beside" \
	"$(awk -v a="$alone" -v b="$beside" 'BEGIN { printf "%.3f", b / a }')" >>"$output"
printf '  neighbour alone %.1f Mbit/s, beside the limited tenant %.1f Mbit/s\n' \
	"$(awk -v r="$alone" 'BEGIN { print r / 1e6 }')" "$(awk -v r="$beside" 'BEGIN { print r / 1e6 }')"
echo "figures in $output"
