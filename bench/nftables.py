#!/usr/bin/env python3
"""The strongest nftables rule set we know for tenantd's policy, for the
same tenants bench/datapath.sh gives tenantd: tenant tK is the cgroup
ROOT/tK and owns 10.(K >> 8).(K & 255).0/24; t1 also owns 10.250.1.0/24.

- Per-tenant byte and packet counters: named counters, selected through a
  map keyed on the socket's cgroup (`socket cgroupv2`), one rule each way.
- Cross-tenant denial on loopback: the sender's tenant becomes the packet's
  mark at output; at input, a packet whose mark and receiving socket's
  cgroup are not one tenant's (a concatenated set) is dropped.
- Tenant networks: interval sets. Leaving for another tenant's network is
  rejected; arriving from one at a tenant's socket is dropped.

  bench/nftables.py ROOT TENANTS CGROUP2_MOUNT | nft -f -

nft resolves cgroup paths below /sys/fs/cgroup when it loads the rules, and
matches the socket cgroup's ancestor at the tenant cgroups' level."""
import os
import sys

root, tenants, mount = sys.argv[1], int(sys.argv[2]), sys.argv[3]
relative = os.path.relpath(mount + root, "/sys/fs/cgroup")
level = len([part for part in root.split("/") if part]) + 1


def cgroup(t):
    return '"%s/t%d"' % (relative, t)


def networks(t):
    owned = ["10.%d.%d.0/24" % (t >> 8, t & 255)]
    if t == 1:
        owned.append("10.250.1.0/24")
    return owned


key = "socket cgroupv2 level %d" % level
ids = range(1, tenants + 1)
lines = ["table inet tenantd_bench {"]
for t in ids:
    lines.append("\tcounter t%d_tx { }" % t)
    lines.append("\tcounter t%d_rx { }" % t)


def block(declaration, elements):
    lines.append("\t%s {" % declaration[0])
    lines.extend("\t\t" + line for line in declaration[1:])
    lines.append("\t\telements = {")
    lines.extend("\t\t\t%s," % element for element in elements)
    lines.append("\t\t}")
    lines.append("\t}")


block(["map tenant_mark", "typeof %s : meta mark" % key], ("%s : %d" % (cgroup(t), t) for t in ids))
block(["map tx_counter", "type cgroupsv2 : counter"], ('%s : "t%d_tx"' % (cgroup(t), t) for t in ids))
block(["map rx_counter", "type cgroupsv2 : counter"], ('%s : "t%d_rx"' % (cgroup(t), t) for t in ids))
block(["set tenant_sockets", "typeof %s" % key], (cgroup(t) for t in ids))
block(["set same_tenant", "typeof meta mark . %s" % key], ("%d . %s" % (t, cgroup(t)) for t in ids))
block(["set tenant_networks", "typeof ip daddr", "flags interval"],
      (network for t in ids for network in networks(t)))
block(["set own_networks", "typeof meta mark . ip daddr", "flags interval"],
      ("%d . %s" % (t, network) for t in ids for network in networks(t)))
block(["set own_sources", "typeof ip saddr . %s" % key, "flags interval"],
      ("%s . %s" % (network, cgroup(t)) for t in ids for network in networks(t)))
lines += [
    "\tchain output {",
    "\t\ttype filter hook output priority 0; policy accept;",
    "\t\tmeta mark set %s map @tenant_mark" % key,
    "\t\tcounter name %s map @tx_counter" % key,
    "\t\tmeta mark != 0 ip daddr @tenant_networks meta mark . ip daddr != @own_networks "
    "reject with icmpx admin-prohibited",
    "\t}",
    "\tchain input {",
    "\t\ttype filter hook input priority 0; policy accept;",
    "\t\tcounter name %s map @rx_counter" % key,
    "\t\tiif lo meta mark != 0 %s @tenant_sockets meta mark . %s != @same_tenant drop" % (key, key),
    "\t\tiif != lo ip saddr @tenant_networks %s @tenant_sockets ip saddr . %s != @own_sources drop"
    % (key, key),
    "\t}",
    "}",
]
print("\n".join(lines))
