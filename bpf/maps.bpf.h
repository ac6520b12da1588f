/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The maps every tenantd program shares. Declared __weak so that the
 * enforcement and accounting objects, linked into one by bpftool, refer to
 * one map each; the agent pins them so counters outlive the agent. */
#ifndef TENANTD_MAPS_BPF_H
#define TENANTD_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tenantd_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CGROUP_MAX_ENTRIES);
	__type(key, __u64); /* cgroup id */
	__type(value, __u32); /* tenant id */
} tenantd_cgroup_tenant __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TENANT_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct tenant_record);
} tenantd_tenants __weak SEC(".maps");

/* The tenants a socket has sent datagrams to, or connected to, across
 * tenants: a datagram carries no connection, so this is how the answers of
 * a shared, platform or AllowTo service are told from unasked datagrams.
 * The newest ASKED_PEERS_MAX are kept; the agent never reads it. */
#define ASKED_PEERS_MAX 4 /* a power of two: the slot index is masked */
struct asked_peers {
	__u32 tenant_ids[ASKED_PEERS_MAX];
	__u32 next;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct asked_peers);
} tenantd_asked_peers __weak SEC(".maps");

/* The tenants other than its own that a socket's connect() or sendmsg()
 * was judged against, by the local socket found, and let through (allowed
 * or audited). A connection the kernel delivers to a socket of one of them
 * was judged already; one it delivers elsewhere is judged on arrival. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct asked_peers);
} tenantd_judged_peers __weak SEC(".maps");

/* The destination an unconnected UDP socket's last sendmsg() wrote, and
 * was judged for. A datagram leaving for another one was translated (DNAT)
 * after that judgement, and is judged again as it leaves. */
struct written_destination {
	__u8 addr[16]; /* IPv4 IPv4-mapped */
	__u16 port; /* host byte order */
};
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct written_destination);
} tenantd_written_destinations __weak SEC(".maps");
/* Eviction only costs a walk of the cgroup's ancestors. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CGROUP_CACHE_ENTRIES);
	__type(key, __u64); /* cgroup id */
	__type(value, struct cgroup_resolution);
} tenantd_cgroup_cache __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, TENANT_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct tenant_counters);
} tenantd_tenant_counters __weak SEC(".maps");

/* The two network tries, alike but for their names (see tenantd_abi.h). */
#define NETWORK_TRIE(name)                                         \
	struct {                                                   \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);               \
		__uint(map_flags, BPF_F_NO_PREALLOC);              \
		__uint(max_entries, NETWORK_MAX_ENTRIES);          \
		__type(key, struct network_key);                   \
		__type(value, __u32);                              \
	} name __weak SEC(".maps")

NETWORK_TRIE(tenantd_network_owner_ipv4);
NETWORK_TRIE(tenantd_network_owner_ipv6);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EXCEPTION_MAX_ENTRIES);
	__type(key, struct exception_key);
	__type(value, __u8);
} tenantd_exceptions __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HOST_PORT_MAX_ENTRIES);
	__type(key, struct host_port_key);
	__type(value, __u8);
} tenantd_host_ports __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, BIND_PORT_MAX_ENTRIES);
	__type(key, struct bind_port_key);
	__type(value, __u32); /* tenant id */
} tenantd_bind_ports __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VIOLATION_MAX_ENTRIES);
	__type(key, struct violation_key);
	__type(value, __u64);
} tenantd_violations __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct agent_settings);
} tenantd_settings __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TENANT_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct event_budget);
} tenantd_event_budget __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TENANT_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct quota_state);
} tenantd_quota_state __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EVENT_RING_BYTES);
} tenantd_events __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, UNIX_NAME_MAX_ENTRIES);
	__type(key, struct unix_name_key);
	__type(value, struct unix_name_owner);
} tenantd_unix_names __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unix_scan_state);
} tenantd_unix_scan __weak SEC(".maps");

/* A name the table does not know, or one it says another tenant owns, asks
 * the agent for a scan; the record is the asking tenant's id. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} tenantd_unix_scan_requests __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct posture_settings);
} tenantd_posture_settings __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct container_scan_state);
} tenantd_container_scan __weak SEC(".maps");

/* The container addresses the agent added to the network tries, each a
 * /128, and their tenants: the agent's record, pinned so that a restart
 * keeps them owned while it scans again. The programs never read it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, CONTAINER_ADDRESS_MAX_ENTRIES);
	__type(key, struct network_key);
	__type(value, __u32);
} tenantd_container_addresses __weak SEC(".maps");

/* The host's own addresses the agent wrote to the network tries, each a
 * /32 or /128 owned by the host (id 0), from rtnetlink: the agent's record
 * of them, pinned so that a restart keeps them while it dumps them again;
 * the value is the dump that last saw the address. The programs never read
 * it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, HOST_ADDRESS_MAX_ENTRIES);
	__type(key, struct network_key);
	__type(value, __u32);
} tenantd_host_addresses __weak SEC(".maps");

#endif /* TENANTD_MAPS_BPF_H */
