/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Per-tenant quotas, judged on the hooks that already run: the connection
 * rate at connect(), the egress rate on each packet leaving a tenant's
 * socket. A tenant's buckets are shared by every CPU and kept in a pinned
 * map, so a restart neither refills nor forgets them. */
#ifndef TENANTD_QUOTA_BPF_H
#define TENANTD_QUOTA_BPF_H

#include "tenants.bpf.h"
#include "violation.bpf.h"

/* One load and one store each, which the compiler may neither merge nor
 * split: the timestamp is shared with the other CPUs. */
#define QUOTA_READ(x) (*(volatile __u64 *)&(x))
#define QUOTA_WRITE(x, value) (*(volatile __u64 *)&(x) = (value))

/* Whether ME may open one more TCP connection under ConnectRate=, taking
 * its token if so. A generic cell rate algorithm: one timestamp, when the
 * bucket is full again, moved on by one interval per connection, with no
 * lock. Racing CPUs both add their interval (an atomic add), so none is
 * lost; only the refill after an idle spell is a plain store, which may let
 * one connection per racing CPU through beyond the burst. */
static __always_inline bool connect_within_rate(__u32 me, const struct tenant_record *mine)
{
	__u64 interval = mine->connect_interval_ns, now, due;
	struct quota_state *state;

	if (!interval)
		return true;
	state = bpf_map_lookup_elem(&tenantd_quota_state, &me);
	if (!state)
		return true;
	now = bpf_ktime_get_ns();
	due = QUOTA_READ(state->connect_due_ns);
	if (due <= now) {
		QUOTA_WRITE(state->connect_due_ns, now + interval);
		return true;
	}
	if (due + interval - now > interval * mine->connect_burst)
		return false;
	__sync_fetch_and_add(&state->connect_due_ns, interval);
	return true;
}

/* A quota exceeded: counted and sampled into events as a violation
 * REASON, denied under QuotaMode=enforce and warned under warn. Returns
 * whether it is enforced. */
static __always_inline bool quota_exceeded(__u32 me, const struct tenant_record *mine, int reason,
					   const struct flow *flow)
{
	struct violation_key key = {
		.tenant_id = me, .peer_id = TENANT_ID_HOST, .reason = reason,
		.action = mine->quota_mode == QUOTA_MODE_WARN ? ACTION_WARNED : ACTION_DENIED,
	};

	tenantd_report_violation(&key, flow);
	return key.action == ACTION_DENIED;
}

/* A connect() over the rate: refused (EPERM) under QuotaMode=enforce. */
static __always_inline bool connect_refused_by_quota(__u32 me, const struct tenant_record *mine,
						     const struct flow *flow)
{
	return !connect_within_rate(me, mine) &&
	       quota_exceeded(me, mine, REASON_QUOTA_CONNECT_RATE, flow);
}

/* cgroup_skb/egress verdicts: bit 0 lets the packet go, bit 1 reports
 * congestion (since Linux 5.3). A packet let go with it tells its TCP
 * socket (NET_XMIT_CN), which enters CWR and sends slower instead of
 * losing packets. A packet dropped with it is dropped as a full queue
 * drops: the sender sees ENOBUFS, which UDP does not report unless asked
 * (IP_RECVERR), where a plain drop would fail send() with EPERM. */
#define EGRESS_DROP 0
#define EGRESS_PASS 1
#define EGRESS_CONGESTION 2

/* EgressRate=: whether the packet of BYTES that ME sends now is within
 * its rate, in the manner of the kernel's Host Bandwidth Manager
 * (samples/bpf/hbm_out_kern.c), with the bucket kept as a time like the
 * connection rate's: EGRESS_DUE_NS is when what was sent will have left at
 * the rate, and the backlog is how far that lies ahead. Past the mark,
 * TCP is told of congestion and other packets are dropped; past the drop
 * mark TCP is dropped too. A packet let through moves the time on by its
 * cost with an atomic add; one dropped costs nothing, so under
 * QuotaMode=warn, where it goes anyway, the bytes counted over the rate
 * are those enforcing would have dropped or slowed. Returns the verdict
 * QuotaMode=enforce gives. */
static __always_inline int egress_verdict(struct __sk_buff *skb, __u32 me,
					  const struct tenant_record *mine, bool tcp, __u64 bytes)
{
	__u64 cost, now, due, backlog;
	struct quota_state *state;
	int verdict = EGRESS_PASS;

	if (!mine->egress_ps_per_byte ||
	    (skb->ifindex == LOOPBACK_IFINDEX && !(mine->flags & TENANT_FLAG_QUOTA_LOOPBACK)))
		return EGRESS_PASS;
	state = bpf_map_lookup_elem(&tenantd_quota_state, &me);
	if (!state)
		return EGRESS_PASS;
	cost = bytes * mine->egress_ps_per_byte / 1000;
	now = bpf_ktime_get_ns();
	due = QUOTA_READ(state->egress_due_ns);
	backlog = (due > now ? due - now : 0) + cost;
	if (tcp && backlog > mine->egress_drop_ns)
		return EGRESS_DROP | EGRESS_CONGESTION;
	if (!tcp && backlog > mine->egress_mark_ns)
		return EGRESS_DROP | EGRESS_CONGESTION;
	/* Between the marks, TCP is told with a probability growing from 0 to
	 * 1, as HBM does: telling every packet would halve the window once a
	 * round trip for as long as the backlog lasts, and the flow would
	 * collapse far below the rate. The span is below 2^32 ns, so the
	 * product fits. */
	if (tcp && backlog > mine->egress_mark_ns &&
	    (((__u64)bpf_get_prandom_u32() * (mine->egress_drop_ns - mine->egress_mark_ns)) >> 32) <
		    backlog - mine->egress_mark_ns)
		verdict = EGRESS_PASS | EGRESS_CONGESTION;
	if (due <= now)
		QUOTA_WRITE(state->egress_due_ns, now + cost);
	else
		__sync_fetch_and_add(&state->egress_due_ns, cost);
	return verdict;
}

/* A packet over the egress rate (VERDICT from egress_verdict()): its bytes
 * counted as throttled, a violation quota_egress sampled into events, and
 * the verdict to return: VERDICT, or the packet let go under warn. */
static __always_inline int egress_throttled(__u32 me, const struct tenant_record *mine,
					    __u64 bytes, int verdict, const struct flow *flow)
{
	struct tenant_counters *counters = tenant_counters(me);

	if (counters)
		counters->egress_throttled_bytes += bytes;
	return quota_exceeded(me, mine, REASON_QUOTA_EGRESS, flow) ? verdict : EGRESS_PASS;
}

#endif /* TENANTD_QUOTA_BPF_H */
