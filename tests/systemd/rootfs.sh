#!/usr/bin/env bash
# Prints the path of a Debian 12 root file system with systemd and every
# package the given binaries link against, for booting with systemd-nspawn.
# It is built once with mmdebstrap from this machine's apt sources and kept
# in $TENANTD_ROOTFS_CACHE (default /var/cache/tenantd-test), one per
# package set, so a build that links a new library gets a new root file
# system and an unchanged build reuses the old one.
set -euo pipefail

cache=${TENANTD_ROOTFS_CACHE:-/var/cache/tenantd-test}
# What the suite itself uses inside the container.
packages=(systemd systemd-sysv dbus iproute2 procps)

for binary in "$@"; do
	[ -x "$binary" ] || { echo "rootfs.sh: $binary: no such program; build it first" >&2; exit 1; }
done
for library in $(ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u); do
	owner=$(dpkg -S "$library" 2>/dev/null || dpkg -S "$(readlink -f "$library")" 2>/dev/null ||
		dpkg -S "/usr$library" 2>/dev/null) || {
		echo "rootfs.sh: no Debian package owns $library" >&2
		exit 1
	}
	packages+=("${owner%%:*}")
done
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
key=$(printf '%s\n' "${packages[@]}" | sha256sum | cut -c1-16)
rootfs=$cache/rootfs-$key
if [ ! -e "$rootfs/.complete" ]; then
	echo "rootfs.sh: building a Debian 12 root file system with ${packages[*]}" >&2
	rm -rf "$rootfs"
	mkdir -p "$cache"
	mmdebstrap --quiet --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" \
		bookworm "$rootfs" >&2
	touch "$rootfs/.complete"
	# Older package sets are not needed any more.
	for old in "$cache"/rootfs-*; do
		[ "$old" = "$rootfs" ] || rm -rf "$old"
	done
fi
echo "$rootfs"
