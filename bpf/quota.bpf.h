/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Per-tenant quotas, judged on the hooks that already run: the connection
 * rate at connect(). A tenant's bucket is shared by every CPU and kept in a
 * pinned map, so a restart neither refills nor forgets it. */
#ifndef TENANTD_QUOTA_BPF_H
#define TENANTD_QUOTA_BPF_H

#include "verdict.bpf.h"

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

/* A connect() over the rate: counted and sampled into events as a
 * violation; refused (EPERM) under QuotaMode=enforce, else let through. */
static __always_inline bool connect_refused_by_quota(__u32 me, const struct tenant_record *mine,
						     const struct flow *flow)
{
	int action;

	if (connect_within_rate(me, mine))
		return false;
	action = mine->quota_mode == QUOTA_MODE_ENFORCE ? ACTION_DENIED : ACTION_WARNED;
	count_violation(me, TENANT_ID_HOST, REASON_QUOTA_CONNECT_RATE, action);
	emit_event(me, TENANT_ID_HOST, REASON_QUOTA_CONNECT_RATE, action, flow);
	return action == ACTION_DENIED;
}

#endif /* TENANTD_QUOTA_BPF_H */
