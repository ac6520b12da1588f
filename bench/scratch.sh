# Sourced by the benchmarks: a scratch cgroup, bpffs dir and configuration
# of their own (names carry the benchmark's pid), an agent started on them,
# and everything removed on exit, failure included.
#
#   bench_scratch NAME      sets cgroup2, root, scratch, bpffs and socket
#   bench_start_agent [CGROUP_ROOT] [COMMAND PREFIX...]
#                           starts build/tenantd on them and waits for its API
#   bench_netns_pair NEAR FAR LINK NETWORK
#                           two network namespaces joined by a veth pair
#                           (LINKa, LINKb), NETWORK.1 and NETWORK.2 (/24)
#   bench_servers+=(PID)    a server the benchmark started, stopped on exit
#   bench_stop_servers      stops them now

bench_scratch() {
	cgroup2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	root="/tenantd-$1-$$"
	scratch="/tmp/tenantd-$1-$$"
	bpffs="/sys/fs/bpf/tenantd-$1-$$"
	socket="$scratch/run/tenantd.sock"
	agent_pid=""
	bench_servers=()
	bench_namespaces=()
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$scratch"/{conf/tenants.d,state,run} "$cgroup2$root"
}

bench_stop_servers() {
	local pid
	for pid in "${bench_servers[@]}"; do kill "$pid" 2>/dev/null || true; done
	# The servers only: a bare wait would wait for the agent too.
	for pid in "${bench_servers[@]}"; do wait "$pid" 2>/dev/null || true; done
	bench_servers=()
}

bench_cleanup() {
	local namespace
	bench_stop_servers
	for namespace in "${bench_namespaces[@]}"; do ip netns del "$namespace" 2>/dev/null || true; done
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	build/tenantd --detach --bpffs-dir "$bpffs" >/dev/null 2>&1 || true
	find "$cgroup2$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
	rm -rf "$scratch"
}

bench_start_agent() {
	local cgroup_root=${1:-$root}
	shift || true
	"$@" build/tenantd --config-dir "$scratch/conf" --runtime-dir "$scratch/run" \
		--state-dir "$scratch/state" --bpffs-dir "$bpffs" --cgroup-root "$cgroup_root" \
		2>"$scratch/agent.log" &
	agent_pid=$!
	for _ in $(seq 6000); do
		curl -sf --unix-socket "$socket" http://localhost/v1/status >/dev/null 2>&1 && return 0
		sleep 0.01
	done
	echo "the agent did not start:" >&2
	cat "$scratch/agent.log" >&2
	return 1
}

bench_netns_pair() { # near far link network
	bench_namespaces+=("$1" "$2")
	ip netns add "$1"
	ip netns add "$2"
	ip link add "${3}a" type veth peer name "${3}b"
	ip link set "${3}a" netns "$1"
	ip link set "${3}b" netns "$2"
	ip -n "$1" link set lo up
	ip -n "$2" link set lo up
	ip -n "$1" addr add "$4.1/24" dev "${3}a"
	ip -n "$2" addr add "$4.2/24" dev "${3}b"
	ip -n "$1" link set "${3}a" up
	ip -n "$2" link set "${3}b" up
}
