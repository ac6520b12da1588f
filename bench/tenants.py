#!/usr/bin/env python3
"""Writes the tenants of the benchmarks: tenant tK, cgroup ROOT/tK, owns
10.(K >> 8).(K & 255).0/24, and t1 also 10.250.1.0/24 (the benchmarks'
second network namespace). The NETWORKS beyond one per tenant are spread
over the tenants, alternately IPv4 /32s from 11.0.0.0 on and IPv6 /64s.

  bench/tenants.py DIRECTORY ROOT TENANTS NETWORKS"""
import sys

directory, root, tenants, networks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
per_tenant, rest = divmod(max(0, networks - tenants), tenants)
address = 0
for t in range(1, tenants + 1):
    lines = ["[Tenant]", "Cgroup=%s/t%d" % (root, t), "Network=10.%d.%d.0/24" % (t >> 8, t & 255)]
    if t == 1:
        lines.append("Network=10.250.1.0/24")
    for n in range(per_tenant + (1 if t <= rest else 0)):
        if n % 2 == 0:
            a = 0x0B000000 + address
            address += 1
            lines.append("Network=%d.%d.%d.%d/32" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255))
        else:
            lines.append("Network=fd00:%x:%x::/64" % (t, n))
    with open("%s/t%d.conf" % (directory, t), "w") as f:
        f.write("\n".join(lines) + "\n")
