#!/usr/bin/env bash
# tenantd's units under a real systemd: a Debian 12 root file system booted
# with systemd-nspawn -b, tenantd installed into it with make install, and
# each behaviour an operator relies on checked from outside, as an operator
# would check it. The container runs from a scratch cgroup of its own, so
# tenantd attaches only inside it; everything is removed on exit, failure
# included. Prints Check's summary line, which tests/run.sh counts.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

build=${TENANTD_BUILD:-build}
scratch=/tmp/tenantd-test-$$-systemd
cgroup2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
cgroup=$cgroup2/tenantd-test-$$-systemd
netprobe=/usr/local/libexec/tenantd-test/netprobe
nspawn_pid=
leader=
. tests/support/check.sh

stop_container() {
	if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
		[ -n "$leader" ] && nsenter -t "$leader" -a systemctl poweroff >/dev/null 2>&1
		for _ in $(seq 100); do
			kill -0 "$nspawn_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$nspawn_pid" 2>/dev/null
		wait "$nspawn_pid" 2>/dev/null
	fi
	nspawn_pid=
	leader=
	# Unmounting the container's bpffs drops its pins: its links detach.
	umount "$scratch/merged" "$scratch/bpffs" 2>/dev/null
	if [ -d "$cgroup" ]; then
		find "$cgroup" -name cgroup.kill -exec sh -c 'echo 1 > "$1"' _ {} \; 2>/dev/null
		find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null
	fi
	rm -rf "$scratch/upper" "$scratch/work"
}

cleanup() {
	stop_container
	rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Runs a command in the container, in all its namespaces.
inside() {
	nsenter -t "$leader" -a "$@"
}

# Polls COMMAND... until it succeeds, its output unshown: for up to 60 s,
# which a loaded machine may need, and which costs nothing when it comes.
eventually() {
	within 60 "$@" >/dev/null 2>&1
}

# Whether the container's systemd runs; sets LEADER to its pid.
container_leader_found() {
	leader=$(pgrep -P "$nspawn_pid" | head -1)
	[ -n "$leader" ] && [ "$(cat "/proc/$leader/comm" 2>/dev/null)" = systemd ] && return 0
	leader=
	return 1
}

# Boots a fresh container with tenantd installed (PREFIX=/usr/local, the
# default) and the example tenants and slices in place. BPFFS says what is
# on the container's /sys/fs/bpf: "private", a bpffs of its own; "missing",
# no /sys/fs/bpf at all (nspawn's /sys has none), as on a kernel without
# bpffs. INSTALL "none" leaves tenantd and its tenants out, for a package
# to bring (tests/systemd/test_package.sh).
boot() {
	local bpffs=$1 install=${2:-make} rootfs state

	rootfs=$(tests/systemd/rootfs.sh "$build/tenantd" "$build/tenantctl" \
		"$build/tests/netprobe") || return 1
	mkdir -p "$scratch"/{upper,work,merged,bpffs}
	mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$scratch/upper,workdir=$scratch/work" \
		"$scratch/merged" || return 1
	if [ "$install" = make ]; then
		make --no-print-directory -s install BUILD="$build" DESTDIR="$scratch/merged" \
			>/dev/null || return 1
		cp systemd/examples/tenants.d/*.conf "$scratch/merged/etc/tenantd/tenants.d/"
		systemctl --root="$scratch/merged" enable tenantd.service tenantd.socket >/dev/null 2>&1 ||
			return 1
	fi
	install -D -m 0755 "$build/tests/netprobe" "$scratch/merged$netprobe"
	cp systemd/examples/*.slice "$scratch/merged/etc/systemd/system/"
	local binds=()
	case "$bpffs" in
	private)
		# As systemd mounts it at boot: root's, mode 0700.
		mount -t bpf -o mode=0700 bpf "$scratch/bpffs" || return 1
		binds=(--bind="$scratch/bpffs:/sys/fs/bpf") ;;
	esac
	mkdir -p "$cgroup"
	# nspawn's own seccomp filter refuses bpf() unless allowed by name.
	(
		echo "$BASHPID" > "$cgroup/cgroup.procs"
		SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 exec systemd-nspawn --quiet --boot \
			--directory="$scratch/merged" --machine="tenantd-test-$$" --register=no \
			--keep-unit --capability=all --system-call-filter=bpf --private-network \
			"${binds[@]}" >"$scratch/console.log" 2>&1 </dev/null
	) &
	nspawn_pid=$!
	within 60 container_leader_found ||
		{ log "the container did not start"; cat "$scratch/console.log" >&2; return 1; }
	# systemctl cannot wait for a manager that does not listen yet.
	eventually test -S "/proc/$leader/root/run/systemd/private" ||
		{ log "the container's systemd did not come up"; return 1; }
	state=$(inside timeout 120 systemctl is-system-running --wait 2>/dev/null)
	case "$state" in
	running | degraded) return 0 ;;
	esac
	log "the container's system is '$state'"
	return 1
}

# Runs NETPROBE ARGUMENTS... as a transient service in SLICE and returns its
# exit status (0, or the errno it failed with).
run_in_slice() {
	local slice=$1
	shift
	inside systemd-run --quiet --wait --pipe --collect --slice="$slice" "$netprobe" "$@" \
		>/dev/null 2>&1
}

# Starts a netprobe listener as service UNIT in SLICE; returns once it listens.
listen_in_slice() {
	local unit=$1 slice=$2 protocol=$3 port=$4
	inside systemd-run --quiet --unit="$unit" --slice="$slice" "$netprobe" listen "$protocol" :: \
		"$port" >/dev/null 2>&1 || return 1
	eventually inside sh -c "ss -Hltn 'sport = :$port' | grep -q ." 
}

on_check_failure() {
	inside journalctl -b --no-pager -n 40 -u tenantd.service -u tenantd-bpffs.service >&2 2>/dev/null
}

# Runs COMMAND...; says WHAT was expected when it fails. Its output is not
# the test's.
expect() {
	local what=$1
	shift
	"$@" >/dev/null && return 0
	log "  expected: $what"
	return 1
}

status_text() {
	inside systemctl show -P StatusText tenantd.service
}

# --- the tests -------------------------------------------------------------

the_examples_pass_check_config_as_shipped() {
	expect "the installed examples to be valid" \
		inside /usr/local/sbin/tenantd --check-config --config-dir /etc/tenantd
}

the_units_have_no_ordering_cycle() {
	local output
	output=$(inside systemd-analyze verify default.target tenantd.service tenantd.socket \
		tenantd-bpffs.service 2>&1)
	expect "no cycle in systemd-analyze verify: $output" \
		eval '! grep -qi cycle <<<"$output"' &&
	expect "no cycle at boot" \
		eval '! inside journalctl -b --no-pager | grep -i "ordering cycle" >/dev/null'
}

the_service_is_ready_once_enforcing_and_says_so() {
	local text
	text=$(status_text)
	expect "tenantd active" inside systemctl is-active --quiet tenantd.service &&
	expect "a status line of what is enforced, not '$text'" \
		eval '[[ "$text" == "enforcing: 2 tenants, 11 programs, "*" violations/min" ]]'
}

# The tenant of the main process of UNIT, as tenantctl tells it.
tenant_of_unit() {
	local pid
	pid=$(inside systemctl show -P MainPID "$1")
	inside /usr/local/bin/tenantctl who "$pid" | awk '{ print $2 }'
}

workloads_in_tenant_slices_are_tagged_and_isolated() {
	local tenant
	listen_in_slice acme-api tenant-acme.slice tcp 9100 || { log "  no acme listener"; return 1; }
	# A slice systemd creates now (acme's too: nothing ran in it before) is
	# tagged once tenantd has seen it appear; its workloads are judged from
	# then on.
	eventually eval '[ "$(tenant_of_unit acme-api.service)" = acme ]'
	tenant=$(tenant_of_unit acme-api.service)
	expect "the acme listener tagged acme, not '$tenant'" [ "$tenant" = acme ] &&
	listen_in_slice billing-probe tenant-billing.slice tcp 9110 &&
	expect "the billing slice tagged" \
		eventually eval '[ "$(tenant_of_unit billing-probe.service)" = billing ]' &&
	expect "billing refused acme's port (EPERM)" \
		eval 'run_in_slice tenant-billing.slice connect tcp ::1 9100; [ $? -eq 1 ]' &&
	expect "acme allowed in its own slice" run_in_slice tenant-acme.slice connect tcp ::1 9100
	local verdict=$?
	inside systemctl stop billing-probe.service
	return $verdict
}

a_refused_reload_fails_systemctl_reload() {
	local text
	printf '[Tenant]\nKind=premium\n' > "$scratch/merged/etc/tenantd/tenants.d/broken.conf"
	expect "systemctl reload to fail" eval '! inside systemctl reload tenantd.service 2>/dev/null'
	text=$(status_text)
	rm -f "$scratch/merged/etc/tenantd/tenants.d/broken.conf"
	expect "tenantd still active" inside systemctl is-active --quiet tenantd.service &&
	expect "the reason in the journal, at priority err" \
		eval 'inside journalctl -b --no-pager -p err -u tenantd.service |
			grep "broken.conf:2: Kind: .premium. is not tenant, shared or platform"' &&
	expect "the status to say the reload was refused, not '$text'" \
		eval '[[ "$text" == "reload refused, the running policy is unchanged: "* ]]' &&
	expect "a good reload to succeed" inside systemctl reload tenantd.service
}

a_bad_config_fails_the_start_and_the_socket_survives() {
	local result
	printf '[Tenant]\nNetwork=10.10.5.0/24\n' > "$scratch/merged/etc/tenantd/tenants.d/overlap.conf"
	expect "systemctl restart to fail" \
		eval '! inside systemctl restart tenantd.service 2>/dev/null'
	result=$(inside systemctl show -P ExecMainStatus tenantd.service)
	expect "exit status 78 (EX_CONFIG), not '$result'" [ "$result" = 78 ] &&
	expect "no restart attempt" [ "$(inside systemctl show -P NRestarts tenantd.service)" = 0 ] &&
	expect "the socket still listening" inside systemctl is-active --quiet tenantd.socket &&
	expect "file:line: key: reason in the journal" \
		eval 'inside journalctl -b --no-pager -u tenantd.service |
			grep "overlap.conf:2: Network: 10.10.5.0/24 overlaps 10.10.0.0/16"'
	local verdict=$?
	rm -f "$scratch/merged/etc/tenantd/tenants.d/overlap.conf"
	inside systemctl reset-failed tenantd.service
	[ $verdict -eq 0 ] &&
	expect "tenantctl to activate the service through its socket" \
		inside /usr/local/bin/tenantctl status &&
	expect "tenantd active again" inside systemctl is-active --quiet tenantd.service
}

the_socket_activates_a_stopped_service() {
	inside systemctl stop tenantd.service 2>/dev/null
	expect "tenantd stopped" eval '! inside systemctl is-active --quiet tenantd.service' &&
	expect "tenantctl status answered" inside /usr/local/bin/tenantctl status &&
	expect "tenantd started by its socket" inside systemctl is-active --quiet tenantd.service
}

# Whether billing is refused acme's port 9100 (run_in_slice's status 1).
billing_refused() {
	run_in_slice tenant-billing.slice connect tcp ::1 9100
	[ $? -eq 1 ]
}

# acme's bytes sent so far, as tenantd reports them.
acme_tx_bytes() {
	inside /usr/local/bin/tenantctl --json show acme | grep -o '"tx_bytes":[0-9]*' | cut -d: -f2
}

# Sends a megabyte from acme to billing's API (AllowTo=billing:8443/tcp).
acme_calls_billing() {
	run_in_slice tenant-acme.slice connect tcp ::1 8443 1000000
}

restarts_and_kills_leave_no_gap_and_counters_continue() {
	local before after adopted
	listen_in_slice acme-api tenant-acme.slice tcp 9100 2>/dev/null
	listen_in_slice billing-api tenant-billing.slice tcp 8443 2>/dev/null
	inside systemctl is-active --quiet acme-api.service billing-api.service ||
		{ log "  no listeners"; return 1; }
	before=$(acme_tx_bytes)
	inside systemctl stop tenantd.service tenantd.socket
	expect "billing refused while tenantd is stopped" billing_refused &&
	expect "acme's call to billing while tenantd is stopped" acme_calls_billing || return 1
	inside systemctl start tenantd.socket tenantd.service
	adopted=$(inside /usr/local/bin/tenantctl --json status | grep -o '"adopted":[0-9]*')
	expect "the restart to adopt all 11 links, not '$adopted'" [ "$adopted" = '"adopted":11' ] ||
		return 1
	after=$(acme_tx_bytes)
	expect "the megabyte sent while stopped counted ($before -> $after)" \
		[ "$((after - before))" -ge 1000000 ] || return 1
	inside systemctl kill --signal=SIGKILL tenantd.service
	expect "billing refused after tenantd was killed" billing_refused &&
	expect "acme's call to billing after tenantd was killed" acme_calls_billing || return 1
	eventually inside systemctl is-active --quiet tenantd.service
	expect "systemd to restart the killed agent" inside systemctl is-active --quiet tenantd.service ||
		return 1
	before=$after
	after=$(acme_tx_bytes)
	expect "the megabyte sent while killed counted ($before -> $after)" \
		[ "$((after - before))" -ge 1000000 ]
}

sysusers_and_tmpfiles_apply_cleanly() {
	expect "systemd-sysusers to apply" inside systemd-sysusers &&
	expect "group tenantd" inside getent group tenantd &&
	expect "user tenantd" inside getent passwd tenantd &&
	expect "systemd-tmpfiles --create to apply" \
		inside systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/tenantd.conf
}

make_install_honours_prefix() {
	local root=$scratch/prefix
	make --no-print-directory -s install BUILD="$build" DESTDIR="$root" PREFIX=/usr >/dev/null &&
	expect "the binaries under /usr" [ -x "$root/usr/sbin/tenantd" ] &&
	expect "the unit under /usr/lib/systemd/system to run /usr/sbin/tenantd" \
		grep -q '^ExecStart=/usr/sbin/tenantd ' "$root/usr/lib/systemd/system/tenantd.service" &&
	expect "nothing under /usr/local" [ ! -e "$root/usr/local" ]
}

# A kernel with bpffs that nothing mounted: the container's /sys gets the
# empty directory a host's sysfs has, and tenantd, started again, finds
# bpffs mounted by tenantd-bpffs.service in the container's (the host's)
# namespace; a restart adopts the pins.
pins_outlive_the_service_where_nothing_mounted_bpffs() {
	local adopted
	inside mount -o remount,rw /sys && inside mkdir /sys/fs/bpf && inside mount -o remount,ro /sys ||
		{ log "  cannot make /sys/fs/bpf"; return 1; }
	inside systemctl reset-failed tenantd.service tenantd-bpffs.service
	inside systemctl start tenantd.socket tenantd.service
	expect "bpffs mounted by tenantd-bpffs.service" \
		eval '[ "$(inside stat -f -c %T /sys/fs/bpf)" = bpf_fs ]' || return 1
	expect "tenantd active" inside systemctl is-active --quiet tenantd.service || return 1
	listen_in_slice acme-api tenant-acme.slice tcp 9100 || return 1
	inside systemctl stop tenantd.service tenantd.socket
	expect "billing refused while tenantd is stopped" billing_refused || return 1
	inside systemctl start tenantd.socket tenantd.service
	adopted=$(inside /usr/local/bin/tenantctl --json status | grep -o '"adopted":[0-9]*')
	expect "the restart to adopt all 11 links, not '$adopted'" [ "$adopted" = '"adopted":11' ]
}

# No /sys/fs/bpf at all: the mount fails saying so, and tenantd is not
# started, rather than failing in a loop in the set-up of its sandbox.
a_missing_bpffs_is_reported_and_not_retried() {
	expect "tenantd-bpffs.service failed" \
		eval '[ "$(inside systemctl is-failed tenantd-bpffs.service)" = failed ]' &&
	expect "the reason in the journal" \
		eval 'inside journalctl -b --no-pager -u tenantd-bpffs.service |
			grep "/sys/fs/bpf: mount point does not exist"' &&
	expect "tenantd not running" eval '! inside systemctl is-active --quiet tenantd.service' &&
	expect "no restart loop" [ "$(inside systemctl show -P NRestarts tenantd.service)" = 0 ]
}

# As an operator installs it on a running host: enable --now starts the
# socket and the service, and the service reports ready.
enable_now_starts_the_installed_service() {
	inside systemctl stop tenantd.service tenantd.socket
	inside systemctl disable --quiet tenantd.service tenantd.socket
	expect "tenantd disabled and stopped" eval '! inside systemctl is-active --quiet tenantd.service' &&
	expect "enable --now to succeed" \
		inside systemctl enable --quiet --now tenantd.socket tenantd.service &&
	expect "both enabled" inside systemctl is-enabled --quiet tenantd.socket tenantd.service &&
	expect "both active" inside systemctl is-active --quiet tenantd.socket tenantd.service &&
	expect "ready, with its status line" eval '[[ "$(status_text)" == "enforcing: "* ]]'
}

# The exposure systemd-analyze security gives the unit file and the running
# service: at most 2.0 (its --threshold is in tenths).
exposure_of() {
	inside systemd-analyze security "$@" 2>&1 |
		sed -n 's/.*Overall exposure level for tenantd.service: \([0-9.]*\).*/\1/p'
}

the_sandbox_exposure_is_at_most_2_0_offline_and_live() {
	local unit=/usr/local/lib/systemd/system/tenantd.service offline live
	offline=$(exposure_of --offline=yes "$unit")
	live=$(exposure_of tenantd.service)
	log "  exposure: $offline offline, $live live"
	expect "an offline exposure of at most 2.0, not '$offline'" \
		eval 'inside systemd-analyze security --offline=yes --threshold=20 "$unit" >/dev/null 2>&1' &&
	expect "a live exposure of at most 2.0, not '$live'" \
		eval 'inside systemd-analyze security --threshold=20 tenantd.service >/dev/null 2>&1'
}

# A field of /proc/PID/status of the running agent.
agent_status_field() {
	local pid
	pid=$(inside systemctl show -P MainPID tenantd.service)
	inside awk -v field="$1:" '$1 == field { print $2 }' "/proc/$pid/status"
}

the_running_agent_is_user_tenantd_without_capabilities_under_a_filter() {
	local field value
	for field in CapInh CapPrm CapEff CapBnd CapAmb; do
		value=$(agent_status_field "$field")
		expect "$field empty, not '$value'" [ "$value" = 0000000000000000 ] || return 1
	done
	expect "uid tenantd" [ "$(agent_status_field Uid)" = "$(inside id -u tenantd)" ] &&
	expect "NoNewPrivs: 1" [ "$(agent_status_field NoNewPrivs)" = 1 ] &&
	expect "Seccomp: 2 (a filter)" [ "$(agent_status_field Seccomp)" = 2 ] &&
	expect "its own filter installed, in the journal" \
		eval 'inside journalctl -b --no-pager -u tenantd.service |
			grep "running with no capabilities and [0-9]* system calls allowed"'
}

# Other software's pins on the host's bpffs are out of the agent's reach:
# it sees its own directory, and cannot pass through /sys/fs/bpf.
the_agent_reaches_only_its_own_pins() {
	local pid
	inside mkdir -p /sys/fs/bpf/other-software
	pid=$(inside systemctl show -P MainPID tenantd.service)
	expect "its pins in its own view" inside nsenter -t "$pid" -m test -e /tmp/bpffs/layout &&
	expect "the same pins on the host" inside test -e /sys/fs/bpf/tenantd/layout &&
	expect "/sys/fs/bpf closed to the agent's user" \
		eval '! inside nsenter -t "$pid" -m setpriv --reuid=tenantd --regid=tenantd \
			--clear-groups ls /sys/fs/bpf/other-software 2>/dev/null'
	local verdict=$?
	inside rmdir /sys/fs/bpf/other-software
	return $verdict
}

# Runs tenantctl ARGUMENTS... as user nobody in SLICE; returns its status.
tenantctl_as_nobody_in() {
	local slice=$1
	shift
	inside systemd-run --quiet --wait --pipe --collect --slice="$slice" -p User=nobody \
		/usr/local/bin/tenantctl "$@" >/dev/null 2>&1
}

# tenantd reads /proc/PID/cgroup of callers that are not its user: a
# tenant's process run by any user gets its tenant's view.
a_tenant_process_of_another_user_gets_its_own_view() {
	expect "nobody in acme's slice to see acme" tenantctl_as_nobody_in tenant-acme.slice show acme &&
	expect "nobody in billing's slice not to see acme (4, not found)" \
		eval 'tenantctl_as_nobody_in tenant-billing.slice show acme; [ $? -eq 4 ]'
}

# The control API writes tenants' files into tenants.d, which the sandbox
# leaves writable, and nothing else of /etc.
the_api_writes_tenant_files_in_the_sandbox() {
	local file=/etc/tenantd/tenants.d/globex.conf
	inside sh -c 'printf "[Tenant]\nCgroup=/tenant.slice/tenant-globex.slice\n" > /tmp/globex.conf'
	expect "tenantctl apply to create globex" \
		eval 'inside /usr/local/bin/tenantctl apply /tmp/globex.conf >/dev/null' &&
	expect "$file written, owned by tenantd" \
		eval '[ "$(inside stat -c %U "$file")" = tenantd ]' &&
	expect "globex shown" eval 'inside /usr/local/bin/tenantctl show globex >/dev/null' &&
	expect "tenantctl remove to remove globex" \
		eval 'inside /usr/local/bin/tenantctl remove globex --purge >/dev/null' &&
	expect "$file gone" eval '! inside test -e "$file"'
}

# The time of the agent's last watchdog ping, as systemd saw it.
last_watchdog_ping() {
	inside systemctl show -P WatchdogTimestampMonotonic tenantd.service
}

# With the watchdog at 5 s, a running agent pings it from its loop, and one
# whose loop no longer runs (stopped by SIGSTOP) is killed and started
# again, while enforcement goes on.
a_wedged_agent_is_restarted_by_the_watchdog() {
	local dropin=/etc/systemd/system/tenantd.service.d/watchdog.conf before ping verdict
	inside mkdir -p "${dropin%/*}"
	inside sh -c "printf '[Service]\nWatchdogSec=5s\nTimeoutAbortSec=1s\n' > $dropin"
	inside systemctl daemon-reload
	inside systemctl restart tenantd.service
	listen_in_slice acme-api tenant-acme.slice tcp 9100 2>/dev/null
	before=$(inside systemctl show -P NRestarts tenantd.service)
	ping=$(last_watchdog_ping)
	# A ping, not a restart (which also moves the time).
	expect "the running agent to ping the watchdog" \
		eventually eval '[ "$(last_watchdog_ping)" -gt "$ping" ]' &&
	expect "no restart meanwhile" [ "$(inside systemctl show -P NRestarts tenantd.service)" = "$before" ] &&
	inside systemctl kill --signal=SIGSTOP tenantd.service &&
	expect "billing refused while the agent is wedged" billing_refused &&
	expect "a restart by the watchdog" \
		eventually eval '[ "$(inside systemctl show -P NRestarts tenantd.service)" -gt "$before" ]' &&
	expect "the watchdog named in the journal" \
		eval 'inside journalctl -b --no-pager -u tenantd.service | grep "Watchdog timeout"' &&
	expect "tenantd active again" eventually inside systemctl is-active --quiet tenantd.service
	verdict=$?
	inside rm -f "$dropin"
	inside systemctl daemon-reload
	return $verdict
}

# Whether the cgroup of SLICE (a path below the container's cgroup2 mount)
# exists.
slice_cgroup_exists() {
	inside test -d "/sys/fs/cgroup/$1"
}

# How often tenantd has re-resolved tenant cgroups after a change.
cgroup_changes() {
	inside journalctl -b --no-pager -u tenantd.service | grep -c "cgroups changed"
}

# As at boot: tenantd runs, then systemd makes a chain of slices for the
# first unit that starts in them, back to back, and removes them when they
# are stopped. Each time anew, the tenant's slice is tagged.
a_chain_of_slices_made_again_and_again_is_tagged_every_time() {
	local round tenant changes verdict=0
	inside sh -c 'printf "[Tenant]\nCgroup=/batch.slice/batch-jobs.slice\n" \
		> /etc/tenantd/tenants.d/batch.conf'
	expect "a reload to take batch" inside systemctl reload tenantd.service || return 1
	for round in $(seq 20); do
		inside systemd-run --quiet --unit=batch-job --slice=batch-jobs.slice \
			"$netprobe" pause >/dev/null 2>&1 || { verdict=1; break; }
		if ! eventually eval '[ "$(tenant_of_unit batch-job.service)" = batch ]'; then
			tenant=$(tenant_of_unit batch-job.service)
			log "  round $round: the job's tenant is '$tenant', not batch"
			verdict=1
			break
		fi
		# The inner slice first, and the outer one once tenantd has seen
		# it go: the directory it watched then is removed under it.
		changes=$(cgroup_changes)
		inside systemctl stop batch-job.service batch-jobs.slice
		eventually eval '[ "$(cgroup_changes)" -gt "$changes" ]' ||
			{ log "  round $round: the slice's removal went unseen"; verdict=1; break; }
		inside systemctl stop batch.slice
		eventually eval '! slice_cgroup_exists batch.slice' ||
			{ log "  round $round: batch.slice stayed"; verdict=1; break; }
	done
	inside systemctl stop batch-job.service 2>/dev/null
	inside rm -f /etc/tenantd/tenants.d/batch.conf
	inside systemctl reload tenantd.service
	return $verdict
}

# Starts tenantctl events --follow as transient service UNIT, with
# systemd-run's OPTIONS...; it stays listed once it exits, with its status.
start_follower() {
	local unit=$1
	shift
	inside systemctl stop "$unit" 2>/dev/null
	inside systemctl reset-failed "$unit" 2>/dev/null
	inside systemd-run --quiet --unit="$unit" -p RemainAfterExit=yes "$@" \
		/usr/local/bin/tenantctl events --follow >/dev/null 2>&1
}

# Whether follower UNIT has printed billing's refusal of acme's port (to
# billing itself, the peer is masked as "other").
follower_saw_billings_refusal() {
	billing_refused
	inside journalctl --no-pager -u "$1" | grep -qE "billing -> (acme|other) local_socket denied"
}

# An operator's follower and billing's own (as user nobody, in its slice),
# both streaming billing's refusals. A listener keeps each slice, tagged,
# for the test's length: systemd removes a slice with no unit in it.
start_followers() {
	listen_in_slice acme-api tenant-acme.slice tcp 9100 2>/dev/null
	listen_in_slice billing-probe tenant-billing.slice tcp 9110 2>/dev/null
	expect "the billing slice tagged" \
		eventually eval '[ "$(tenant_of_unit billing-probe.service)" = billing ]' &&
	start_follower events-operator.service &&
	start_follower events-billing.service --slice=tenant-billing.slice -p User=nobody &&
	expect "the operator's follower to stream events" \
		eventually follower_saw_billings_refusal events-operator.service &&
	expect "billing's own follower to stream its events" \
		eventually follower_saw_billings_refusal events-billing.service
}

# A follower whose stream ended cleanly: tenantctl exited 0.
follower_ended_cleanly() {
	local unit=$1 state status
	eventually eval '[ "$(inside systemctl show -P SubState "$unit")" != running ]'
	state=$(inside systemctl show -P SubState "$unit")
	status=$(inside systemctl show -P ExecMainStatus "$unit")
	expect "$unit to end with status 0, not '$state', status $status" \
		eval '[ "$state" = exited ] && [ "$status" = 0 ]'
}

# Lines of tenantd.service's journal that tell of a failed stop.
failed_stops() {
	inside journalctl -b --no-pager -u tenantd.service |
		grep -c -e "Failed with result" -e "code=dumped" -e "Fatal error"
}

a_stop_with_event_followers_open_leaves_the_unit_inactive_not_failed() {
	local failures result state
	failures=$(failed_stops)
	start_followers || return 1
	inside systemctl stop tenantd.service
	state=$(inside systemctl is-active tenantd.service)
	result=$(inside systemctl show -P Result tenantd.service)
	expect "tenantd inactive, not '$state'" [ "$state" = inactive ] &&
	expect "the stop's result success, not '$result'" [ "$result" = success ] &&
	expect "no failure in the journal" [ "$(failed_stops)" = "$failures" ] &&
	follower_ended_cleanly events-operator.service &&
	follower_ended_cleanly events-billing.service
	local verdict=$?
	inside systemctl start tenantd.service
	inside systemctl stop billing-probe.service
	return $verdict
}

a_restart_with_event_followers_open_succeeds() {
	local failures before
	failures=$(failed_stops)
	before=$(inside systemctl show -P MainPID tenantd.service)
	start_followers || return 1
	expect "systemctl restart to succeed" inside systemctl restart tenantd.service &&
	expect "tenantd active again" inside systemctl is-active --quiet tenantd.service &&
	expect "a new agent" [ "$(inside systemctl show -P MainPID tenantd.service)" != "$before" ] &&
	expect "no failure in the journal" [ "$(failed_stops)" = "$failures" ] &&
	follower_ended_cleanly events-operator.service &&
	follower_ended_cleanly events-billing.service
	local verdict=$?
	inside systemctl stop billing-probe.service
	return $verdict
}

main() {
	local tests=(
		the_examples_pass_check_config_as_shipped
		the_units_have_no_ordering_cycle
		the_service_is_ready_once_enforcing_and_says_so
		workloads_in_tenant_slices_are_tagged_and_isolated
		a_refused_reload_fails_systemctl_reload
		a_bad_config_fails_the_start_and_the_socket_survives
		the_socket_activates_a_stopped_service
		restarts_and_kills_leave_no_gap_and_counters_continue
		sysusers_and_tmpfiles_apply_cleanly
		make_install_honours_prefix
		enable_now_starts_the_installed_service
		the_sandbox_exposure_is_at_most_2_0_offline_and_live
		the_running_agent_is_user_tenantd_without_capabilities_under_a_filter
		the_agent_reaches_only_its_own_pins
		a_tenant_process_of_another_user_gets_its_own_view
		the_api_writes_tenant_files_in_the_sandbox
		a_chain_of_slices_made_again_and_again_is_tagged_every_time
		a_stop_with_event_followers_open_leaves_the_unit_inactive_not_failed
		a_restart_with_event_followers_open_succeeds
		a_wedged_agent_is_restarted_by_the_watchdog
	)
	echo "Running suite(s): systemd"
	if boot private; then
		for test in "${tests[@]}"; do
			check "$test"
		done
	else
		checks_not_run ${#tests[@]} "the container with a private bpffs did not boot"
	fi
	stop_container
	if boot missing; then
		check a_missing_bpffs_is_reported_and_not_retried
		check pins_outlive_the_service_where_nothing_mounted_bpffs
	else
		checks_not_run 2 "the container without /sys/fs/bpf did not boot"
	fi
	summary
}

# Sourced (to try things by hand), it only defines its functions.
[ "${BASH_SOURCE[0]}" = "$0" ] && main
