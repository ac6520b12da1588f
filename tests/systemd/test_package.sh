#!/usr/bin/env bash
# The Debian package's life cycle under a real systemd: the container of
# tests/systemd/test_service.sh booted without tenantd, the package built
# by make deb installed with apt, upgraded, removed and purged, each step
# checked as an operator would. Prints Check's summary line, which
# tests/run.sh counts. TENANTD_DEB names the package (default: the one
# make deb left in build/deb/).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. tests/systemd/test_service.sh

package=${TENANTD_DEB:-$(ls build/deb/tenantd_*_*.deb 2>/dev/null | grep -v dbgsym | head -1)}

# The tenant of the main process of UNIT, from the packaged tenantctl.
tenant_of_unit() {
	inside /usr/bin/tenantctl who "$(inside systemctl show -P MainPID "$1")" | awk '{ print $2 }'
}

apt_inside() {
	inside env DEBIAN_FRONTEND=noninteractive apt-get -y -q "$@" >"$scratch/apt.log" 2>&1 ||
		{ cat "$scratch/apt.log" >&2; return 1; }
}

# Is acme's listener refused to billing? The example tenants' workloads,
# in their slices.
billing_is_refused_acme() {
	run_in_slice tenant-billing.slice connect tcp ::1 9100
	[ $? -eq 1 ]
}

the_package_installs_with_apt_and_enforces() {
	cp "$package" "$scratch/merged/root/tenantd.deb" &&
	expect "apt to install the package" apt_inside install /root/tenantd.deb &&
	expect "tenantd.service enabled" inside systemctl is-enabled --quiet tenantd.service &&
	expect "tenantd.socket enabled" inside systemctl is-enabled --quiet tenantd.socket &&
	expect "tenantd.service started" eventually inside systemctl is-active tenantd.service &&
	expect "the user tenantd" inside id tenantd &&
	expect "/etc/tenantd/tenantd.conf a conffile" \
		eval 'inside dpkg-query -W -f="\${Conffiles}" tenantd | grep -q /etc/tenantd/tenantd.conf' &&
	expect "the man page installed" inside test -s /usr/share/man/man8/tenantd.8.gz &&
	cp systemd/examples/tenants.d/*.conf "$scratch/merged/etc/tenantd/tenants.d/" &&
	expect "a reload to take the tenants" inside systemctl reload tenantd.service &&
	workloads_in_tenant_slices_are_tagged_and_isolated
}

# The same package with a higher version, as the next release would be.
next_version_package() {
	local tree=$scratch/next
	rm -rf "$tree" && dpkg-deb -R "$package" "$tree" &&
		sed -i 's/^Version: .*/&+next1/' "$tree/DEBIAN/control" &&
		dpkg-deb -b "$tree" "$scratch/merged/root/tenantd-next.deb" >/dev/null
}

an_upgrade_restarts_the_agent_after_unpacking_and_it_adopts_the_pins() {
	local before after adopted
	before=$(inside systemctl show -P MainPID tenantd.service)
	listen_in_slice acme-api tenant-acme.slice tcp 9100 2>/dev/null
	next_version_package &&
	expect "apt to upgrade the package" apt_inside install /root/tenantd-next.deb &&
	expect "the new version installed" \
		eval 'inside dpkg-query -W -f="\${Version}" tenantd | grep -q "+next1$"' &&
	expect "tenantd active" eventually inside systemctl is-active tenantd.service || return 1
	after=$(inside systemctl show -P MainPID tenantd.service)
	adopted=$(inside /usr/bin/tenantctl --json status | grep -o '"adopted":[0-9]*')
	expect "a new agent ($before, then $after)" [ "$after" != "$before" ] &&
	expect "the pinned links adopted, not '$adopted'" [ "$adopted" = '"adopted":11' ] &&
	expect "billing still refused acme's port" billing_is_refused_acme
}

removing_the_package_leaves_enforcement_in_place() {
	expect "apt to remove the package" apt_inside remove tenantd &&
	expect "the agent gone" eval '! inside test -e /usr/sbin/tenantd' &&
	expect "tenantd stopped" eval '! inside systemctl is-active --quiet tenantd.service' &&
	expect "the pins kept" inside test -e /sys/fs/bpf/tenantd/layout &&
	expect "billing still refused acme's port" billing_is_refused_acme
}

purging_the_package_ends_enforcement_and_removes_the_state() {
	expect "apt to purge the package" apt_inside purge tenantd &&
	expect "the pins gone" eval '! inside test -e /sys/fs/bpf/tenantd' &&
	expect "the state gone" eval '! inside test -e /var/lib/tenantd' &&
	expect "the configuration gone" eval '! inside test -e /etc/tenantd/tenantd.conf' &&
	expect "billing free to reach acme's port" \
		run_in_slice tenant-billing.slice connect tcp ::1 9100
}

main() {
	local tests=(
		the_package_installs_with_apt_and_enforces
		an_upgrade_restarts_the_agent_after_unpacking_and_it_adopts_the_pins
		removing_the_package_leaves_enforcement_in_place
		purging_the_package_ends_enforcement_and_removes_the_state
	)
	echo "Running suite(s): package"
	if [ -z "$package" ]; then
		checks_not_run ${#tests[@]} "no package: run make deb first"
	elif boot private none; then
		for test in "${tests[@]}"; do
			check "$test"
		done
	else
		checks_not_run ${#tests[@]} "the container did not boot"
	fi
	stop_container
	summary
}

main
