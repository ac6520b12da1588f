#!/usr/bin/env bash
# Installs the Debian packages tenantd needs to build, test and run its demo,
# skipping the ones already present (so a second run is instant and offline).
set -euo pipefail

packages=(
	clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make gcc
	libmicrohttpd-dev libjson-c-dev libinih-dev libcurl4-openssl-dev
	libseccomp-dev libcap-dev libmnl-dev check
	iproute2 curl prometheus libclang-rt-14-dev
)

missing=()
for package in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages: ${missing[*]}; run 'make setup' as root" >&2
	exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
