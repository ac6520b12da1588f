#!/usr/bin/env bash
# A fleet on one machine: three nodes, each a network namespace with its own
# cgroup subtree, its own tenantd (bpffs dir, control socket, MetricsListen
# on the node's address), joined by a bridge like hosts on a LAN. acme has
# workloads on nodes 1 and 2, globex on node 3; each tenant's Network= is
# its workloads' addresses. A node-level Prometheus scrapes the three
# agents and a global one federates it, as a fleet's monitoring does. The
# drop-ins are the same on every node but for the cgroup paths, which here
# share one host's hierarchy. Everything is removed on exit, failure
# included. Prints Check's summary line, which tests/run.sh counts.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tests/support/check.sh

build=${TENANTD_BUILD:-build}
# A source tree's build/sanitize/... runs the sanitized agent; netprobe is
# the plain build's either way.
netprobe=build/tests/netprobe
id=tenantd-test-$$-fleet
scratch=/tmp/$id
cgroup2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
monitor=$id-lan # the LAN's bridge, and the monitoring host on it
nodes=(1 2 3)
declare -A agent_pids=() tenant_of_node=([1]=acme [2]=acme [3]=globex)
prometheus_pids=()
listener_pids=()
node_prometheus=10.70.0.254:19090
global_prometheus=127.0.0.1:19091

node_netns() { echo "$id-n$1"; }
node_address() { echo "10.70.0.$1"; }
node_cgroup_root() { echo "/$id/n$1"; }
node_socket() { echo "$scratch/n$1/run/tenantd.sock"; }

cleanup() {
	local pid node
	for pid in "${listener_pids[@]}" "${prometheus_pids[@]}" "${agent_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${listener_pids[@]}" "${prometheus_pids[@]}" "${agent_pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for node in "${nodes[@]}"; do
		"$build/tenantd" --detach --bpffs-dir "/sys/fs/bpf/$id-n$node" >/dev/null 2>&1
		ip netns del "$(node_netns "$node")" 2>/dev/null
	done
	ip netns del "$monitor" 2>/dev/null
	find "$cgroup2/$id" -depth -type d -exec rmdir {} + 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

on_check_failure() {
	local node
	for node in "${nodes[@]}"; do
		[ -f "$scratch/n$node/agent.log" ] && tail -5 "$scratch/n$node/agent.log" >&2
	done
}

in_monitor() { nsenter --net="/run/netns/$monitor" "$@"; }

build_lan() {
	local node
	ip netns add "$monitor" || return 1
	in_monitor ip link add br0 type bridge &&
		in_monitor ip address add 10.70.0.254/24 dev br0 &&
		in_monitor ip link set br0 up && in_monitor ip link set lo up || return 1
	for node in "${nodes[@]}"; do
		ip netns add "$(node_netns "$node")" &&
			ip link add "td$$n$node" netns "$(node_netns "$node")" type veth \
				peer name "n$node" netns "$monitor" &&
			in_monitor ip link set "n$node" master br0 up &&
			nsenter --net="/run/netns/$(node_netns "$node")" sh -c "
				ip link set lo up &&
				ip link set td$$n$node name eth0 &&
				ip address add $(node_address "$node")/24 dev eth0 &&
				ip link set eth0 up" || return 1
	done
}

# The fleet's drop-ins, as configuration management would hand them to
# NODE: the same tenants everywhere, with NODE's cgroup paths.
write_node_config() {
	local node=$1 root
	root=$(node_cgroup_root "$node")
	mkdir -p "$scratch/n$node"/{conf/tenants.d,state,run} "$cgroup2$root"/{acme,globex}
	printf '[Agent]\nMetricsListen=%s:9810\n' "$(node_address "$node")" \
		>"$scratch/n$node/conf/tenantd.conf"
	printf '[Tenant]\nCgroup=%s/acme\nNetwork=10.70.0.1/32\nNetwork=10.70.0.2/32\n' "$root" \
		>"$scratch/n$node/conf/tenants.d/acme.conf"
	printf '[Tenant]\nCgroup=%s/globex\nNetwork=10.70.0.3/32\n' "$root" \
		>"$scratch/n$node/conf/tenants.d/globex.conf"
}

agent_answers() { curl -sf --unix-socket "$(node_socket "$1")" http://localhost/v1/status >/dev/null; }

start_agent() {
	local node=$1
	nsenter --net="/run/netns/$(node_netns "$node")" "$build/tenantd" \
		--config-dir "$scratch/n$node/conf" --runtime-dir "$scratch/n$node/run" \
		--state-dir "$scratch/n$node/state" --bpffs-dir "/sys/fs/bpf/$id-n$node" \
		--cgroup-root "$(node_cgroup_root "$node")" 2>>"$scratch/n$node/agent.log" &
	agent_pids[$node]=$!
	within 30 agent_answers "$node" || { log "  node $node's agent did not start"; return 1; }
}

# netprobe's arguments that make it a workload of TENANT on NODE: in the
# tenant's cgroup there, in the node's network namespace.
workload_of() {
	echo "--cgroup $cgroup2$(node_cgroup_root "$1")/$2 --netns $(node_netns "$1")"
}

workload() {
	local node=$1 tenant=$2
	shift 2
	# shellcheck disable=SC2046 # the words of workload_of, on purpose
	"$netprobe" $(workload_of "$node" "$tenant") "$@"
}

start_listener() {
	local node=$1 port=$2 ready=$scratch/listener-$1-$2
	# netprobe itself in the background, not a function's subshell, so
	# that its pid is the one cleanup kills.
	# shellcheck disable=SC2046
	"$netprobe" $(workload_of "$node" "${tenant_of_node[$node]}") listen tcp 0.0.0.0 "$port" \
		>"$ready" 2>&1 &
	listener_pids+=($!)
	within 60 grep -q ready "$ready"
}

start_prometheus() {
	local name=$1 listen=$2
	in_monitor prometheus --config.file "$scratch/$name.yml" \
		--storage.tsdb.path "$scratch/$name" --web.listen-address "$listen" \
		>"$scratch/$name.log" 2>&1 &
	prometheus_pids+=($!)
}

build_fleet() {
	local node
	build_lan || { log "  the LAN could not be built"; return 1; }
	for node in "${nodes[@]}"; do
		write_node_config "$node"
		start_agent "$node" || return 1
	done
	start_listener 2 9000 && start_listener 3 9000 || return 1
	cat >"$scratch/node.yml" <<-CONFIG
	global:
	  scrape_interval: 1s
	scrape_configs:
	  - job_name: tenantd
	    static_configs:
	      - targets: ['10.70.0.1:9810', '10.70.0.2:9810', '10.70.0.3:9810']
	CONFIG
	cat >"$scratch/global.yml" <<-CONFIG
	global:
	  scrape_interval: 1s
	  evaluation_interval: 1s
	rule_files:
	  - $PWD/contrib/prometheus/tenantd-rules.yml
	scrape_configs:
	  - job_name: federate
	    honor_labels: true
	    metrics_path: /federate
	    params:
	      'match[]': ['{job="tenantd"}']
	    static_configs:
	      - targets: ['$node_prometheus']
	CONFIG
	start_prometheus node "$node_prometheus"
	start_prometheus global "$global_prometheus"
}

# The value of a PromQL QUERY on the Prometheus at ADDRESS, by its labels:
# one "LABELS VALUE" line per series, sorted.
promql() {
	local address=$1 query=$2
	in_monitor curl -s -G "http://$address/api/v1/query" --data-urlencode "query=$query" |
		python3 -c '
import json, sys
answer = json.load(sys.stdin)
for sample in answer.get("data", {}).get("result", []):
    labels = ",".join("%s=%s" % item for item in sorted(sample["metric"].items()))
    print(labels, sample["value"][1])' | sort
}

# What the nodes' agents say themselves, summed as the global query sums:
# "tenant=NAME VALUE" lines for METRIC, from each agent's control socket.
nodes_sum() {
	nodes_sum_of "${nodes[@]}" "$1"
}

# The same, over the nodes NODE... given before METRIC.
nodes_sum_of() {
	local metric=${*: -1} node
	for node in "${@:1:$#-1}"; do
		curl -sf --unix-socket "$(node_socket "$node")" http://localhost/metrics
	done | awk -v metric="$metric" '
		index($0, metric "{") == 1 {
			match($0, /tenant="[^"]*"/)
			tenant = substr($0, RSTART + 8, RLENGTH - 9)
			sum[tenant] += $NF
		}
		END { for (t in sum) printf "tenant=%s %d\n", t, sum[t] }' | sort
}

global_sum() {
	promql "$global_prometheus" "sum by (tenant) ($1)"
}

# The global view of METRIC equals the nodes' own counters, once
# federation has caught up.
global_equals_nodes() {
	local metric=$1
	[ -n "$(nodes_sum "$metric")" ] && [ "$(global_sum "$metric")" = "$(nodes_sum "$metric")" ]
}

node_violations() { # NODE TENANT PEER REASON
	curl -sf --unix-socket "$(node_socket "$1")" http://localhost/metrics |
		awk -v series="tenantd_violations_total{tenant=\"$2\",peer=\"$3\",reason=\"$4\",action=\"denied\"}" \
			'$1 == series { print $2; found = 1 } END { if (!found) print 0 }'
}

node_counter() { # NODE METRIC TENANT
	curl -sf --unix-socket "$(node_socket "$1")" http://localhost/metrics |
		awk -v series="$2{tenant=\"$3\"}" '$1 == series { print $2; found = 1 } END { if (!found) print 0 }'
}

acme_to_globex_across_nodes_is_refused_at_connect() {
	local before status
	before=$(node_violations 1 acme globex remote_network)
	workload 1 acme connect tcp 10.70.0.3 9000 >/dev/null
	status=$?
	[ "$status" -eq 1 ] || { log "  expected EPERM (1) from connect(), got $status"; return 1; }
	[ "$(node_violations 1 acme globex remote_network)" -eq $((before + 1)) ] ||
		{ log "  expected node 1 to count the refusal"; return 1; }
}

packets_from_acme_are_dropped_on_ingress_at_globex_node() {
	local before sender verdict=0
	before=$(node_violations 3 globex acme ingress_network)
	# A host process of node 1, which no connect() hook judges, sends from
	# acme's address: node 3 drops its SYN, and each retry, on arrival.
	nsenter --net="/run/netns/$(node_netns 1)" "$netprobe" connect tcp 10.70.0.3 9000 \
		>/dev/null &
	sender=$!
	within 60 eval '[ "$(node_violations 3 globex acme ingress_network)" -gt "$before" ]' ||
		{ log "  expected node 3 to count ingress_network drops"; verdict=1; }
	kill "$sender" 2>/dev/null
	wait "$sender" 2>/dev/null
	return "$verdict"
}

acme_to_acme_across_nodes_is_allowed_and_counted_at_both_ends() {
	local sent_before received_before bytes=1000000
	sent_before=$(node_counter 1 tenantd_tenant_tx_bytes_total acme)
	received_before=$(node_counter 2 tenantd_tenant_rx_bytes_total acme)
	workload 1 acme connect tcp 10.70.0.2 9000 "$bytes" >/dev/null ||
		{ log "  expected acme's connection from node 1 to node 2 to succeed"; return 1; }
	within 60 eval '[ $(($(node_counter 2 tenantd_tenant_rx_bytes_total acme) - received_before)) -ge $bytes ]' ||
		{ log "  expected node 2 to count $bytes bytes received"; return 1; }
	[ $(($(node_counter 1 tenantd_tenant_tx_bytes_total acme) - sent_before)) -ge "$bytes" ] ||
		{ log "  expected node 1 to count $bytes bytes sent"; return 1; }
}

report_sums() {
	local metric node
	for node in "${nodes[@]}"; do
		log "  node $node: acme sent $(node_counter "$node" tenantd_tenant_tx_bytes_total acme)," \
			"received $(node_counter "$node" tenantd_tenant_rx_bytes_total acme);" \
			"globex received $(node_counter "$node" tenantd_tenant_rx_bytes_total globex);" \
			"violations $(nodes_sum_of "$node" tenantd_violations_total | tr '\n' ' ')"
	done
	for metric in tenantd_tenant_tx_bytes_total tenantd_tenant_rx_bytes_total \
		tenantd_violations_total; do
		log "  $metric: nodes $(nodes_sum "$metric" | tr '\n' ' ')"
		log "  $metric: global $(global_sum "$metric" | tr '\n' ' ')"
	done
}

the_global_view_sums_the_nodes_counters_exactly() {
	local metric
	for metric in tenantd_tenant_tx_bytes_total tenantd_tenant_rx_bytes_total \
		tenantd_violations_total; do
		within 60 global_equals_nodes "$metric" || {
			log "  expected the global sum of $metric to equal the nodes':"
			report_sums
			return 1
		}
	done
	report_sums
}

a_node_agent_killed_and_restarted_changes_none_of_it() {
	local metric before_tx before_violations started
	before_tx=$(nodes_sum tenantd_tenant_tx_bytes_total)
	before_violations=$(nodes_sum tenantd_violations_total)
	started=$(promql "$global_prometheus" 'tenantd_agent_start_time_seconds{instance="10.70.0.2:9810"}')
	kill -KILL "${agent_pids[2]}"
	wait "${agent_pids[2]}" 2>/dev/null
	start_agent 2 || return 1
	# The global view has seen the new agent.
	within 60 eval '[ -n "$(promql "$global_prometheus" "tenantd_agent_start_time_seconds{instance=\"10.70.0.2:9810\"}")" ] &&
		[ "$(promql "$global_prometheus" "tenantd_agent_start_time_seconds{instance=\"10.70.0.2:9810\"}")" != "$started" ]' ||
		{ log "  expected the global Prometheus to see node 2's new agent"; return 1; }
	[ "$(nodes_sum tenantd_tenant_tx_bytes_total)" = "$before_tx" ] &&
		[ "$(nodes_sum tenantd_violations_total)" = "$before_violations" ] ||
		{ log "  expected the restart to keep every node's counters"; return 1; }
	for metric in tenantd_tenant_tx_bytes_total tenantd_violations_total; do
		within 60 global_equals_nodes "$metric" ||
			{ log "  expected the global sum of $metric to equal the nodes' after the restart"; return 1; }
	done
	acme_to_globex_across_nodes_is_refused_at_connect
}

# The dashboard's queries, one a line, with Grafana's variables given
# values: every panel's, and the tenant variable's series.
dashboard_queries() {
	python3 - contrib/grafana/tenantd-fleet.json <<-'PYTHON'
	import json, re, sys
	dashboard = json.load(open(sys.argv[1]))
	def panels(items):
	    for panel in items:
	        yield panel
	        yield from panels(panel.get("panels", []))
	queries = [target["expr"] for panel in panels(dashboard["panels"])
	           for target in panel.get("targets", [])]
	for variable in dashboard["templating"]["list"]:
	    match = re.fullmatch(r"label_values\((.*), *\w+\)", variable.get("definition", ""))
	    if match:
	        queries.append(match.group(1))
	values = {"$tenant": ".+", "$__rate_interval": "1m", "$__range": "1h"}
	for query in queries:
	    for name, value in values.items():
	        query = query.replace(name, value)
	    print(query)
	PYTHON
}

every_dashboard_query_has_data_in_the_global_prometheus() {
	local query empty="" count=0
	while IFS= read -r query; do
		count=$((count + 1))
		within 30 eval '[ -n "$(promql "$global_prometheus" "$query")" ]' ||
			empty="$empty"$'\n'"    $query"
	done < <(dashboard_queries)
	[ "$count" -gt 0 ] || { log "  expected queries in contrib/grafana/tenantd-fleet.json"; return 1; }
	[ -z "$empty" ] && return 0
	log "  queries with no data:$empty"
	return 1
}

# The agents stop on SIGTERM with status 0: under the sanitizers, a
# memory error or a leak would make it another.
every_agent_stops_cleanly() {
	local node status result=0
	for node in "${nodes[@]}"; do
		kill -TERM "${agent_pids[$node]}"
		wait "${agent_pids[$node]}"
		status=$?
		unset "agent_pids[$node]"
		if [ "$status" -ne 0 ] || grep -q Sanitizer "$scratch/n$node/agent.log"; then
			log "  node $node's agent exited with $status:"
			grep -A20 Sanitizer "$scratch/n$node/agent.log" >&2
			result=1
		fi
	done
	return "$result"
}

main() {
	echo "Running suite(s): fleet"
	if build_fleet; then
		check acme_to_globex_across_nodes_is_refused_at_connect
		check packets_from_acme_are_dropped_on_ingress_at_globex_node
		check acme_to_acme_across_nodes_is_allowed_and_counted_at_both_ends
		check the_global_view_sums_the_nodes_counters_exactly
		check a_node_agent_killed_and_restarted_changes_none_of_it
		check every_dashboard_query_has_data_in_the_global_prometheus
		check every_agent_stops_cleanly
	else
		checks_not_run 7 "the fleet could not be built"
		on_check_failure
	fi
	summary
}

main
