#!/usr/bin/env bash
# Installs the Debian packages tenantd needs to build, test and run its demo,
# skipping the ones already present (so a second run is instant and offline),
# and says which it installs and what each is for before it does.
set -euo pipefail

# package, then what it is for
packages=(
	clang "compiles the BPF programs"
	llvm "llvm-strip and friends for the BPF objects"
	libbpf-dev "loads, pins and attaches the BPF programs"
	bpftool "generates vmlinux.h and the BPF skeleton"
	libelf-dev "libbpf's ELF reader"
	zlib1g-dev "libbpf's dependency"
	pkg-config "finds the libraries' flags"
	make "runs the build"
	gcc "compiles the agent, tenantctl and the tests"
	libmicrohttpd-dev "serves the control API and /metrics"
	libjson-c-dev "reads and writes the API's JSON"
	libinih-dev "parses the INI configuration"
	libcurl4-openssl-dev "tenantctl's HTTP client over the control socket"
	libseccomp-dev "the agent's system call filter"
	libcap-dev "the agent's capability handling"
	libmnl-dev "lists and destroys preexisting connections (sock_diag); follows the host's addresses (rtnetlink)"
	libsystemd-dev "tells systemd when the agent is ready, reloading or stopping (sd_notify)"
	check "the unit and integration test framework"
	iproute2 "network namespaces for the multi-host tests"
	nftables "address translation (DNAT) inside the tests' network namespaces"
	curl "the tests' and the demo's HTTP client"
	prometheus "the tests scrape the agent with a real Prometheus"
	libclang-rt-14-dev "the sanitizers and libFuzzer of the test build"
	mmdebstrap "builds the Debian root file system the units are tested in"
	systemd-container "boots that root file system with systemd-nspawn, to test the units"
	gnuplot-nox "draws the plots of make bench"
	iperf3 "measures EgressRate= as a receiver sees it, in make bench"
	scdoc "renders the man pages from their sources (man/*.scd)"
	man-db "the man page test renders each page with warnings on"
	bash-completion "the completion test loads tenantctl's as an interactive bash does"
	debhelper "builds the Debian package (make deb) with dpkg-buildpackage"
	python3 "the fleet test reads Prometheus' answers and the dashboard's queries"
	stress-ng "the CPU hog of make check-soak, which runs the tests beside it"
)

missing=()
reasons=()
for ((i = 0; i < ${#packages[@]}; i += 2)); do
	package=${packages[i]}
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" && continue
	missing+=("$package")
	reasons+=("  $package: ${packages[i + 1]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages; run 'make setup' as root to install them:" >&2
	printf '%s\n' "${reasons[@]}" >&2
	exit 1
fi
echo "setup: installing ${#missing[@]} Debian package(s) tenantd needs:"
printf '%s\n' "${reasons[@]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
