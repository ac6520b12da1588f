/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The policy decision shared by every hook (who may reach whom) and the
 * bookkeeping of a violation: its counter, its rate-limited event, and
 * whether the tenant's mode turns the denial into an audit. */
#ifndef TENANTD_VERDICT_BPF_H
#define TENANTD_VERDICT_BPF_H

#include <bpf/bpf_endian.h>
#include "tag.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define SOCK_RAW 3
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define NSEC_PER_SEC 1000000000ULL

#define VERDICT_ALLOW (-1)

/* Where a violation happened, for its event. */
struct flow {
	__u8 family;
	__u8 protocol;
	__u16 port; /* host byte order: the remote end's */
	__u16 local_port; /* ingress only: the receiving socket's port */
	__u8 addr[16];
	__u64 cgroup_id; /* ingress: the receiving socket's; else the task's */
	bool from_task; /* a syscall, not softirq: pid, comm and cgroup are the caller's */
};

/* ADDR as the network map keys it: an IPv4 address IPv4-mapped. */
static __always_inline void v4_mapped(__u8 addr[16], __u32 ip4)
{
	__builtin_memset(addr, 0, 10);
	addr[10] = 0xff;
	addr[11] = 0xff;
	__builtin_memcpy(&addr[12], &ip4, 4);
}

/* The tenant owning the network ADDR lies in, or -1: one LPM lookup. */
static __always_inline __s64 network_of(const __u8 addr[16])
{
	struct network_key key = { .prefixlen = 128 };
	__u32 *owner;

	__builtin_memcpy(key.addr, addr, sizeof(key.addr));
	owner = bpf_map_lookup_elem(&network_owner, &key);
	return owner ? (__s64)*owner : -1;
}

static __always_inline struct tenant_record *tenant_record(__u32 id)
{
	return bpf_map_lookup_elem(&tenants, &id);
}

static __always_inline bool host_port_open(__u16 port, __u8 protocol)
{
	struct host_port_key key = { .port = port, .protocol = protocol };

	return bpf_map_lookup_elem(&host_ports, &key) != NULL;
}

static __always_inline bool exception_allows(__u32 me, __u32 peer, __u16 port,
					     __u8 protocol)
{
	struct exception_key key = {
		.tenant_id = me, .peer_id = peer, .port = port, .protocol = protocol,
	};

	return bpf_map_lookup_elem(&exceptions, &key) != NULL;
}

/* Returns VERDICT_ALLOW or the reason the initiator may not reach the peer.
 * `reason` is what a denial between two live tenants is called at this hook. */
static __always_inline int initiator_verdict(__u32 me, const struct tenant_record *mine,
					     __u32 peer, __u16 port, __u8 protocol,
					     int reason)
{
	struct tenant_record *theirs;
	struct agent_settings *cfg;

	if (peer == me)
		return VERDICT_ALLOW;
	if (peer == TENANT_ID_HOST) {
		cfg = current_settings();
		if (!cfg || cfg->host_policy != HOST_POLICY_DENY)
			return VERDICT_ALLOW;
		return host_port_open(port, protocol) ? VERDICT_ALLOW : REASON_HOST;
	}
	theirs = tenant_record(peer);
	if (theirs && (theirs->flags & TENANT_FLAG_TOMBSTONED))
		return REASON_TOMBSTONED;
	if (mine->kind == TENANT_KIND_PLATFORM)
		return VERDICT_ALLOW;
	if (theirs && (theirs->flags & TENANT_FLAG_PRESENT) &&
	    theirs->kind == TENANT_KIND_SHARED)
		return VERDICT_ALLOW;
	if (exception_allows(me, peer, port, protocol))
		return VERDICT_ALLOW;
	return reason;
}

static __always_inline void count_violation(__u32 me, __u32 peer, int reason, int action)
{
	struct violation_key key = {
		.tenant_id = me, .peer_id = peer, .reason = reason, .action = action,
	};
	__u64 one = 1, *count;

	count = bpf_map_lookup_elem(&violations, &key);
	if (count) {
		*count += 1; /* per-CPU value: no atomics needed */
		return;
	}
	/* First violation of this kind on this CPU; losing a racing insert on
	 * another CPU only means this CPU's slot starts at one, not zero. */
	if (bpf_map_update_elem(&violations, &key, &one, BPF_NOEXIST))
		bpf_map_update_elem(&violations, &key, &one, BPF_ANY);
}

/* Token window of one second per tenant. The window reset races between
 * CPUs, which may let a few extra events through at a window's edge; every
 * event that is not emitted is still counted in events_sampled_out. */
static __always_inline bool event_allowed(__u32 me)
{
	struct agent_settings *cfg = current_settings();
	struct event_budget *budget;
	__u64 now;

	budget = bpf_map_lookup_elem(&event_budget, &me);
	if (!budget || !cfg)
		return false;
	now = bpf_ktime_get_ns();
	if (now - budget->window_start_ns >= NSEC_PER_SEC) {
		budget->window_start_ns = now;
		budget->used = 0;
	}
	return __sync_fetch_and_add(&budget->used, 1) < cfg->event_rate;
}

static __always_inline void emit_event(__u32 me, __u32 peer, int reason, int action,
				       const struct flow *flow)
{
	struct tenant_counters *counters;
	struct violation_event *event;

	if (event_allowed(me)) {
		event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
		if (event) {
			event->boot_ns = bpf_ktime_get_boot_ns();
			event->tenant_id = me;
			event->peer_id = peer;
			event->dport = flow->port;
			event->reason = reason;
			event->action = action;
			event->protocol = flow->protocol;
			event->family = flow->family;
			__builtin_memcpy(event->addr, flow->addr, sizeof(event->addr));
			/* Only now, on the rare violation path, is the caller looked at. */
			if (flow->from_task) {
				event->pid = bpf_get_current_pid_tgid() >> 32;
				event->cgroup_id = bpf_get_current_cgroup_id();
				bpf_get_current_comm(event->comm, sizeof(event->comm));
			} else {
				event->pid = 0;
				event->cgroup_id = flow->cgroup_id;
				__builtin_memset(event->comm, 0, sizeof(event->comm));
			}
			bpf_ringbuf_submit(event, 0);
			return;
		}
	}
	counters = bpf_map_lookup_elem(&tenant_counters, &me);
	if (counters)
		counters->events_sampled_out++;
}

/* Counts the violation and emits its event; returns true when the traffic
 * must be refused (enforce mode, or any traffic of a tombstoned tenant). */
static __always_inline bool violation(__u32 me, const struct tenant_record *mine,
				      __u32 peer, int reason, const struct flow *flow)
{
	int action = ACTION_DENIED;

	if (mine->mode == TENANT_MODE_AUDIT && reason != REASON_TOMBSTONED)
		action = ACTION_AUDITED;
	count_violation(me, peer, reason, action);
	emit_event(me, peer, reason, action, flow);
	return action == ACTION_DENIED;
}

#endif /* TENANTD_VERDICT_BPF_H */
