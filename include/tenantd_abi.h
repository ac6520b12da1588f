/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Everything that crosses the kernel/user boundary: map keys and values,
 * event records and the enums both sides agree on. Fixed-width types only,
 * so the BPF programs and the agent see the same layout. */
#ifndef TENANTD_ABI_H
#define TENANTD_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Bumped whenever a map layout or a map or program name changes; the agent
 * refuses to adopt pinned maps written by a different layout version.
 * 3: every map and program name prefixed "tenantd_".
 * 4: abstract Unix socket names: their maps, and the name in events.
 * 5: the cgroup and network maps sized by MaxCgroups= and MaxNetworks=;
 *    the network map holds 1,048,576 entries by default; the settings
 *    carry the digest of the policy the maps hold.
 * 6: the network trie split in two, tenantd_network_owner_ipv4 and
 *    tenantd_network_owner_ipv6.
 * 7: quotas: the tenant record carries them, tenantd_quota_state their
 *    buckets.
 * 8: EgressRate=: its bucket, and the bytes it throttled among the
 *    counters.
 * 9: the settings carry TenantMarkMask=, the bits of a packet's mark that
 *    name its sending tenant from egress to delivery; tenantd_bind_ports
 *    holds BindPorts=; abstract Unix names are keyed by name and socket
 *    type; the posture settings carry NetlinkSockets=; a container
 *    address record says whether its namespace was made unprivileged;
 *    tenantd_host_addresses records the host's own addresses. */
#define TENANTD_ABI_VERSION 9

#define TENANT_ID_HOST 0
#define TENANT_ID_MAX 65535
#define TENANT_MAX_ENTRIES 65536
/* The defaults of MaxCgroups= and MaxNetworks=: the agent sizes these maps
 * from the configuration when it creates them. The cgroup map is allocated
 * whole; the network trie grows with its entries. */
#define CGROUP_MAX_ENTRIES 65536
#define CGROUP_CACHE_ENTRIES 65536
#define NETWORK_MAX_ENTRIES 1048576
#define EXCEPTION_MAX_ENTRIES 65536
#define VIOLATION_MAX_ENTRIES 65536
#define HOST_PORT_MAX_ENTRIES 1024
#define BIND_PORT_MAX_ENTRIES 65536
#define CONTAINER_ADDRESS_MAX_ENTRIES 65536
#define HOST_ADDRESS_MAX_ENTRIES 16384
/* Deepest cgroup level the kernel walks when tagging a socket; the verifier
 * needs a constant bound, and systemd hierarchies stay well below it. */
#define CGROUP_MAX_DEPTH 32
#define EVENT_RING_BYTES (256 * 1024)
#define TASK_COMM_BYTES 16
/* sun_path: an abstract name is its first byte, 0, and up to 107 more. */
#define UNIX_NAME_BYTES 108
#define UNIX_NAME_MAX_ENTRIES 65536
/* exception_key.protocol of AllowTo=TENANT:unix, with port 0: no IP
 * protocol is 0 in these keys. */
#define EXCEPTION_PROTOCOL_UNIX 0

enum tenant_kind {
	TENANT_KIND_TENANT = 0,
	TENANT_KIND_SHARED = 1,
	TENANT_KIND_PLATFORM = 2,
};

enum tenant_mode {
	TENANT_MODE_ENFORCE = 0,
	TENANT_MODE_AUDIT = 1,
};

enum tenant_flag {
	TENANT_FLAG_PRESENT = 1 << 0,
	TENANT_FLAG_TOMBSTONED = 1 << 1,
	TENANT_FLAG_QUOTA_LOOPBACK = 1 << 2, /* QuotaLoopback=yes */
};

enum violation_reason {
	REASON_LOCAL_SOCKET = 0,
	REASON_REMOTE_NETWORK = 1,
	REASON_INGRESS_NETWORK = 2,
	REASON_RAW_SOCKET = 3,
	REASON_TOMBSTONED = 4,
	REASON_HOST = 5,
	REASON_PREEXISTING = 6,
	/* Reported by the agent's posture scans, not counted as violations. */
	REASON_PRIVILEGED_PROCESS = 7,
	REASON_PACKET_SOCKET = 8,
	/* ConnectRate=: a TCP connect() over the tenant's rate. */
	REASON_QUOTA_CONNECT_RATE = 9,
	/* EgressRate=: a packet over the tenant's rate. */
	REASON_QUOTA_EGRESS = 10,
	/* A bind to a port another tenant's socket holds (joining its
	 * SO_REUSEPORT group) or its BindPorts= owns. */
	REASON_BIND = 11,
	/* Reported by the posture scans: a NETLINK_USERSOCK socket, by which
	 * unprivileged processes message each other. */
	REASON_NETLINK_SOCKET = 12,
	/* A packet leaving with a source address in another tenant's
	 * networks. */
	REASON_SPOOFED_SOURCE = 13,
	REASON_COUNT,
};

enum violation_action {
	ACTION_DENIED = 0,
	ACTION_AUDITED = 1,
	ACTION_REPORTED = 2, /* posture findings */
	ACTION_KILLED = 3, /* PacketSockets=kill */
	ACTION_WARNED = 4, /* a quota exceeded under QuotaMode=warn: let through */
	ACTION_COUNT,
};

enum host_policy {
	HOST_POLICY_ALLOW = 0,
	HOST_POLICY_DENY = 1,
};

enum quota_mode {
	QUOTA_MODE_ENFORCE = 0,
	QUOTA_MODE_WARN = 1,
};

/* tenantd_tenants: array indexed by tenant id. The quotas ride along, so
 * that the connect() that looks the tenant up has them with no second
 * lookup. */
struct tenant_record {
	__u8 kind;
	__u8 mode;
	__u8 flags;
	__u8 quota_mode; /* enum quota_mode */
	/* ConnectRate=: the time one connection's token takes to come back,
	 * and how many may be taken at once; 0: no connection rate. */
	__u32 connect_burst;
	__u64 connect_interval_ns;
	/* EgressRate=: what a byte costs at the rate, in picoseconds (0: no
	 * egress rate), and the backlog, in ns at the rate, above which
	 * packets are throttled: TCP told of congestion past the first, and
	 * dropped past the second; other packets dropped past the first. */
	__u64 egress_ps_per_byte;
	__u32 egress_mark_ns;
	__u32 egress_drop_ns;
};

/* tenantd_quota_state: array indexed by tenant id, pinned so that a
 * restart neither refills a bucket nor forgets it. The connection rate is
 * a generic cell rate algorithm: CONNECT_DUE_NS is when the bucket will be
 * full again; a connect() may take a token while that lies less than
 * burst x interval ahead of now. */
struct quota_state {
	__u64 connect_due_ns;
	/* EgressRate=, alike: when the bytes sent so far will have left at
	 * the rate. */
	__u64 egress_due_ns;
};

/* tenantd_cgroup_cache: which tenant a cgroup resolves to, found by walking its
 * ancestors once; valid while `generation` equals the settings' one. */
struct cgroup_resolution {
	__u32 tenant_id;
	__u32 generation;
};

/* tenantd_tenant_counters: per-CPU hash keyed by tenant id, created by the agent
 * when the tenant is, so the hot path only ever looks up. */
struct tenant_counters {
	__u64 tx_bytes;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 rx_packets;
	__u64 connections;
	__u64 events_sampled_out;
	__u64 egress_throttled_bytes; /* told of congestion or dropped by EgressRate= */
};

/* tenantd_network_owner_ipv4 and tenantd_network_owner_ipv6: LPM tries over
 * 128-bit addresses, IPv4 networks stored IPv4-mapped (::ffff:0:0/96) in the
 * first, the rest in the second. Two tries, not one, because the kernel
 * inserts into a trie under one lock: the agent fills both at once, one
 * thread each, which halves a cold start with a million networks. An IPv6
 * network wider than /96 that covers the IPv4-mapped range is in both. */
struct network_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* tenantd_exceptions: AllowTo=OTHER:PORT/PROTO, one hash lookup per decision. */
struct exception_key {
	__u32 tenant_id;
	__u32 peer_id;
	__u16 port; /* host byte order */
	__u8 protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

/* tenantd_host_ports: HostAllowPorts=, consulted only under HostPolicy=deny. */
struct host_port_key {
	__u16 port; /* host byte order */
	__u8 protocol;
	__u8 pad;
};

/* tenantd_bind_ports: BindPorts=, the tenant owning each port; a bind to
 * it by any other tenant is refused. */
struct bind_port_key {
	__u16 port; /* host byte order */
	__u8 protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

/* tenantd_violations: per-CPU hash of counts. */
struct violation_key {
	__u32 tenant_id;
	__u32 peer_id;
	__u8 reason;
	__u8 action;
	__u16 pad;
};

/* tenantd_settings: single-entry array the agent rewrites on every policy change. */
struct agent_settings {
	__u32 host_policy;
	__u32 event_rate; /* events per tenant per second */
	__u32 generation; /* bumped after every policy change */
	/* TenantMarkMask=: contiguous bits of skb->mark that carry the
	 * sending tenant's id, shifted left by mark_shift, from the egress
	 * hook to the socket the packet is delivered to on this host. */
	__u32 mark_mask;
	/* The digest of the configuration the maps hold (config_digest()), 0
	 * while a change is being written: a restart with the same digest has
	 * nothing to rewrite. The programs never read it. */
	__u64 policy_digest;
	__u32 mark_shift;
	__u32 pad;
	/* The agent's network namespace, the host's: the host's own addresses
	 * are judged as the host at connect() only from other namespaces; in
	 * this one the socket they reach judges them. */
	__u64 host_netns_cookie;
};

/* tenantd_event_budget: per-tenant rate limiter for the event ring. */
struct event_budget {
	__u64 window_start_ns;
	__u64 used;
};

/* tenantd_unix_names: who owns each abstract Unix socket name bound in the
 * host's network namespace, as the last scan of the kernel's sockets found
 * it. The kernel keeps a name apart per socket type (one tenant's stream
 * name and another's datagram name may be the same string), and so does
 * the key. Unused bytes of the name are zero, so equal names are equal
 * keys. */
struct unix_name_key {
	__u32 length; /* of name, leading 0 included */
	__u8 name[UNIX_NAME_BYTES];
	__u32 type; /* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
};

struct unix_name_owner {
	__u32 tenant_id;
	__u32 scan; /* the scan that last saw the name bound */
};

/* tenantd_unix_scan: single entry the agent writes before every scan. */
struct unix_scan_state {
	__u64 netns_cookie; /* the namespace the scans cover; only it is judged */
	__u32 scan; /* number of the scan under way or last done */
	__u32 names; /* the names the last scan found bound */
};

struct violation_event {
	__u64 boot_ns; /* bpf_ktime_get_boot_ns(); the agent converts to wall time */
	__u64 cgroup_id;
	__u32 tenant_id;
	__u32 peer_id;
	__u32 pid;
	__u16 dport; /* host byte order */
	__u8 reason;
	__u8 action;
	__u8 protocol;
	__u8 family; /* AF_INET, AF_INET6 or AF_UNIX */
	__u8 pad[2];
	__u8 addr[16]; /* IPv4 in the first four bytes */
	char comm[TASK_COMM_BYTES];
	/* AF_UNIX: the name written, and protocol holds the socket type. */
	__u32 unix_name_length;
	__u8 unix_name[UNIX_NAME_BYTES];
	__u64 capabilities; /* REASON_PRIVILEGED_PROCESS: the ones found */
	/* Where address translation sent the flow, when it did: addr and
	 * dport above are the destination the process wrote. */
	__u8 translated_addr[16];
	__u16 translated_port;
	__u8 translated;
	__u8 pad2[5];
};

/* tenantd_posture_settings: single entry the agent writes before a scan. */
struct posture_settings {
	__u64 capabilities; /* the capabilities that void isolation, as a mask */
	__u32 kill_packet_sockets; /* PacketSockets=kill */
	__u32 kill_netlink_sockets; /* NetlinkSockets=kill */
};

enum posture_finding {
	POSTURE_CAPABILITIES = 0,
	POSTURE_PACKET_SOCKET = 1,
	POSTURE_NETLINK_SOCKET = 2,
};

/* What the posture iterators write for the agent to read, one record per
 * finding: a tenant thread holding capabilities of the mask over the
 * host, or a tenant process holding a packet socket or a netlink socket
 * other processes may message, in a network namespace not its own. */
struct posture_record {
	__u64 cgroup_id;
	__u64 capabilities; /* permitted, in the host's user namespace */
	__u32 pid; /* the process (thread group) id */
	__u32 tenant_id;
	__u32 uid;
	__u8 finding; /* enum posture_finding */
	__u8 killed;
	__u8 pad[2];
	char comm[TASK_COMM_BYTES];
};

/* tenantd_container_scan: single entry the agent writes before a scan of
 * the tenants' container addresses (Network=auto). */
struct container_scan_state {
	__u64 host_netns_cookie; /* not a container's: never scanned */
	__u32 scan;
	__u32 pad;
};

/* What the container address iterator writes, one record per address of
 * a network namespace, other than the host's, that tenant processes live
 * in; each namespace once per scan, for the first tenant process found in
 * it. Loopback and IPv6 link-local addresses are left out. */
struct container_address_record {
	__u64 netns_cookie;
	__u32 tenant_id;
	__u32 pid;
	__u8 addr[16]; /* IPv4 IPv4-mapped, as network keys are */
	/* The namespace is owned by a user namespace other than the host's:
	 * made without privilege, where its maker sets any address it likes. */
	__u8 unprivileged;
	__u8 pad[7];
};

#endif /* TENANTD_ABI_H */
