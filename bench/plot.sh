#!/usr/bin/env bash
# Draws the figures of bench/datapath.sh, bench/scale.sh and bench/quota.sh with gnuplot:
# the datapath ratios against tenants, tenantd beside nftables, start-up,
# reload and restart times against the size of the policy, and what a
# receiver got against a tenant's EgressRate=.
#
#   bench/plot.sh [DIRECTORY]     (default build/bench; writes *.svg there)
set -euo pipefail
cd "$(dirname "$0")/.."

directory=${1:-build/bench}
datapath=$directory/datapath.tsv
scale=$directory/scale.tsv
quota=$directory/quota.tsv

if [ -f "$datapath" ]; then
	# One column per series, a row per scale (10000x1000000 drawn at 10^6).
	python3 - "$datapath" >"$directory/datapath-ratios.dat" <<'EOF'
import collections, sys
rows = collections.OrderedDict()
for line in open(sys.argv[1]).read().splitlines()[1:]:
    scale, mode, side, value, ratio = (line.split("\t") + [""])[:5]
    if mode in ("connections", "throughput", "netns") and side in ("agent", "nft"):
        x = 1000000 if "x" in scale else int(scale)
        rows.setdefault(x, {})["%s-%s" % (side, mode)] = ratio
columns = ["agent-connections", "nft-connections", "agent-throughput", "nft-throughput",
           "agent-netns", "nft-netns"]
print("# tenants " + " ".join(columns))
for x, values in rows.items():
    print(x, " ".join(values.get(c, "NaN") or "NaN" for c in columns))
EOF
	gnuplot <<EOF
set terminal svg size 800,480 font "sans,12"
set output "$directory/datapath-ratios.svg"
set title "Work done with the policy enforced, as a share of no policy (1 = free)"
set xlabel "tenants (10^6: 10,000 tenants and 1,000,000 networks; nftables not run there)"
set ylabel "ratio to no policy"
set logscale x
set xrange [0.5:2000000]
set yrange [0.6:1.2]
set key bottom left
set grid
plot "$directory/datapath-ratios.dat" using 1:2 with linespoints title "tenantd, loopback connections", \
     "" using 1:3 with linespoints title "nftables, loopback connections", \
     "" using 1:6 with linespoints title "tenantd, connections over veth", \
     "" using 1:7 with linespoints title "nftables, connections over veth", \
     "" using 1:4 with linespoints title "tenantd, loopback throughput", \
     "" using 1:5 with linespoints title "nftables, loopback throughput"
EOF
	echo "wrote $directory/datapath-ratios.svg"
fi

if [ -f "$scale" ]; then
	gnuplot <<EOF
set terminal svg size 800,480 font "sans,12"
set output "$directory/scale-times.svg"
set title "Policy changes at scale (tenants with their cgroups; x: networks)"
set xlabel "networks (100, 1,000, 10,000, 10,000 tenants)"
set ylabel "milliseconds"
set logscale xy
set key top left
set grid
plot "$scale" using 2:3 every ::1 with linespoints title "start-up to ready (new maps)", \
     "" using 2:5 every ::1 with linespoints title "restart to ready (pinned maps)", \
     "" using 2:4 every ::1 with linespoints title "reload changing one tenant", \
     "" using 2:6 every ::1 with linespoints title "GET /metrics"
EOF
	echo "wrote $directory/scale-times.svg"
fi

if [ -f "$quota" ]; then
	# Configured and received Mbit/s, one block per series.
	python3 - "$quota" >"$directory/quota-rates.dat" <<'EOF'
import sys
factor = {"K": 1e3, "M": 1e6, "G": 1e9}
series = {}
for line in open(sys.argv[1]).read().splitlines()[1:]:
    rate, protocol, streams, received = line.split("\t")[:4]
    if rate == "neighbour":
        continue
    bits = float(rate.rstrip("KMG")) * factor.get(rate[-1], 1)
    series.setdefault("%s x%s" % (protocol, streams), []).append((bits / 1e6, float(received) / 1e6))
for name in ("tcp x1", "tcp x4", "udp x1"):
    print('# %s' % name)
    for configured, received in series.get(name, []):
        print(configured, received)
    print("\n")
EOF
	gnuplot <<EOF
set terminal svg size 800,480 font "sans,12"
set output "$directory/quota-rates.svg"
set title "EgressRate=: what the receiver got, over a veth link"
set xlabel "configured rate (Mbit/s)"
set ylabel "received (Mbit/s)"
set xrange [5:10000]
set logscale xy
set key top left
set grid
plot x title "the rate" with lines dashtype 2, \
     0.965 * x title "the rate less TCP/IP headers" with lines dashtype 3, \
     "$directory/quota-rates.dat" index 0 with linespoints title "TCP, 1 stream", \
     "" index 1 with linespoints title "TCP, 4 streams", \
     "" index 2 with linespoints title "UDP (sender-bound at 5G)"
EOF
	echo "wrote $directory/quota-rates.svg"
fi
