#!/usr/bin/env bash
# Runs each test binary, prints its Check summary, and ends with one line
# "N passed, N failed" summed over every Check test. Leftovers of a crashed run (scratch cgroups, bpffs
# dirs, netns of a test whose process is gone) are removed afterwards.
set -uo pipefail

passed=0
failed=0
failed_binaries=()
for test in "$@"; do
	# build/tests/test_x runs against build/, build/sanitize/tests/test_x
	# against build/sanitize/; a script in the source tree against build/,
	# or against BUILD when given as SCRIPT@BUILD.
	case "$test" in
	*@*) build=${test#*@} test=${test%@*} against=" against $build" ;;
	*/tests/*) build=${test%/tests/*} ;;
	*) build=build ;;
	esac
	echo "== $test${against:-}"
	against=
	case "${test##*/}" in
	fuzz_*)
		# A fuzz target replays its seed corpus once: one check.
		corpus=tests/fuzz/corpus/${test##*/fuzz_}
		output=$("$test" -runs=0 "$corpus" 2>&1)
		status=$?
		echo "$output" | tail -2
		if [ "$status" -eq 0 ]; then
			output="100%: Checks: 1, Failures: 0, Errors: 0"
		else
			echo "$output"
			output="0%: Checks: 1, Failures: 1, Errors: 0"
		fi ;;
	*)
		output=$(TENANTD_BUILD="$build" "$test" 2>&1)
		status=$? ;;
	esac
	echo "$output"
	# Check's summary: "100%: Checks: 29, Failures: 0, Errors: 0"
	summary=$(echo "$output" | sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' | tail -1)
	if [ -n "$summary" ]; then
		read -r checks failures errors <<<"$summary"
		passed=$((passed + checks - failures - errors))
		failed=$((failed + failures + errors))
	fi
	if [ "$status" -ne 0 ]; then
		failed_binaries+=("$test")
		[ -z "$summary" ] && failed=$((failed + 1))
	fi
done

# A test process that was killed outright cannot clean up after itself:
# stop the agents and netns listeners it started, then remove its files.
cgroup2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
for agent in $(pgrep -f -- '--bpffs-dir /sys/fs/bpf/tenantd-test-[0-9]+' || true); do
	pid=$(tr '\0' ' ' </proc/"$agent"/cmdline 2>/dev/null | sed -n 's/.*tenantd-test-\([0-9]*\).*/\1/p')
	[ -n "$pid" ] && [ ! -d "/proc/$pid" ] && kill "$agent" 2>/dev/null
done
# A real-systemd suite killed outright leaves its container and mounts.
for container in $(pgrep -f -- '--machine=tenantd-test-[0-9]+' || true); do
	pid=$(tr '\0' ' ' </proc/"$container"/cmdline 2>/dev/null | sed -n 's/.*--machine=tenantd-test-\([0-9]*\).*/\1/p')
	[ -n "$pid" ] && [ ! -d "/proc/$pid" ] && kill -9 "$container" 2>/dev/null
done
for mount in $(findmnt -rn -o TARGET | grep '^/tmp/tenantd-test-[0-9]*-systemd/' | sort -r); do
	pid=${mount#/tmp/tenantd-test-}
	pid=${pid%%-*}
	[ -d "/proc/$pid" ] || umount -l "$mount" 2>/dev/null
done
for probe in $(pgrep -f -- '--netns tenantd-test-[0-9]+-' || true); do
	pid=$(tr '\0' ' ' </proc/"$probe"/cmdline 2>/dev/null | sed -n 's/.*tenantd-test-\([0-9]*\)-.*/\1/p')
	[ -n "$pid" ] && [ ! -d "/proc/$pid" ] && kill -9 "$probe" 2>/dev/null
done
sleep 0.2
for leftover in "$cgroup2"/tenantd-test-* /sys/fs/bpf/tenantd-test-* /tmp/tenantd-test-*; do
	[ -e "$leftover" ] || continue
	pid=${leftover##*tenantd-test-}
	pid=${pid%%-*}
	[ -d "/proc/$pid" ] && continue
	case "$leftover" in
	"$cgroup2"/*)
		find "$leftover" -name cgroup.kill -exec sh -c 'echo 1 > "$1"' _ {} \; 2>/dev/null
		sleep 0.1
		find "$leftover" -depth -type d -exec rmdir {} + 2>/dev/null ;;
	*) rm -rf "$leftover" ;;
	esac
done
# Unit tests and fuzz targets clean up after themselves, except when Check
# kills one at its timeout; none of them is running any more.
rm -rf /tmp/tenantd-unit-* /tmp/tenantd-fuzz-*
for netns in $(ip netns list 2>/dev/null | awk '/^tenantd-test-/ { print $1 }'); do
	pid=${netns#tenantd-test-}
	pid=${pid%%-*}
	[ -d "/proc/$pid" ] || ip netns del "$netns"
done

[ ${#failed_binaries[@]} -gt 0 ] && echo "failing: ${failed_binaries[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#failed_binaries[@]} -eq 0 ]
