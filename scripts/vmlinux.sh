#!/usr/bin/env bash
# Writes vmlinux.h (the kernel's types, for the CO-RE programs) from the BTF
# file given, default the running kernel's, after checking that the kernel
# it describes has what the programs read: Linux 5.15 or later, where a
# socket records its cgroup as sock_cgroup_data.cgroup (the socket's tag),
# and 64-bit kernfs node ids (a cgroup's id); Linux 6.7 or later for the
# Unix socket hooks' context. An older kernel is refused here, by name,
# rather than by a compile or relocation error. The programs built run on
# older kernels too, without the Unix ones (tenantd --allow-partial).
set -euo pipefail

btf=${1:-/sys/kernel/btf/vmlinux}
bpftool=${BPFTOOL:-bpftool}

if [ ! -r "$btf" ]; then
	echo "vmlinux.sh: $btf: no kernel BTF to build against (CONFIG_DEBUG_INFO_BTF=y," \
		"Linux 5.15 or later; or set VMLINUX_BTF=FILE)" >&2
	exit 1
fi
header=$("$bpftool" btf dump file "$btf" format c)
require() {
	# $1: a struct, $2: a member line it must hold, $3: what needs it,
	# $4: the first Linux version with it
	if ! awk -v head="struct $1 {" -v member="$2" '
		$0 == head { inside = 1; next }
		inside && $0 == "};" { exit 1 }
		inside && index($0, member) { found = 1; exit 0 }
		END { exit found ? 0 : 1 }' <<<"$header"; then
		echo "vmlinux.sh: $btf lacks 'struct $1 { ... $2 ... }', needed for $3;" \
			"build against the BTF of Linux ${4:-5.15} or later (VMLINUX_BTF=FILE)" >&2
		exit 1
	fi
}
require sock_cgroup_data "struct cgroup *cgroup;" "tagging sockets by their cgroup"
require kernfs_node "u64 id;" "cgroup ids"
require udp6_sock "struct udp_sock udp;" "tagging UDP-over-IPv6 sockets"
require bpf_sock_addr_kern "u32 uaddrlen;" "reading the Unix socket name a process connects to" 6.7
printf '%s\n' "$header"
