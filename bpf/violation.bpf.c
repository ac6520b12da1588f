// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A violation's bookkeeping, whichever hook found it: its per-CPU counter
 * and its event, sampled against the tenant's budget. One global function,
 * which every program calls and the verifier checks once per program. */
#include "tag.bpf.h"
#include "tenants.bpf.h"
#include "violation.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline void count_violation(const struct violation_key *violation)
{
	__u64 one = 1, *count;

	count = bpf_map_lookup_elem(&tenantd_violations, violation);
	if (count) {
		*count += 1; /* per-CPU value: no atomics needed */
		return;
	}
	/* First violation of this kind on this CPU; losing a racing insert on
	 * another CPU only means this CPU's slot starts at one, not zero. */
	if (bpf_map_update_elem(&tenantd_violations, violation, &one, BPF_NOEXIST))
		bpf_map_update_elem(&tenantd_violations, violation, &one, BPF_ANY);
}

/* Token window of one second per tenant. The window reset races between
 * CPUs, which may let a few extra events through at a window's edge; every
 * event that is not emitted is still counted in events_sampled_out. */
static __always_inline bool event_allowed(__u32 me)
{
	struct agent_settings *cfg = current_settings();
	struct event_budget *budget;
	__u64 now;

	budget = bpf_map_lookup_elem(&tenantd_event_budget, &me);
	if (!budget || !cfg)
		return false;
	now = bpf_ktime_get_ns();
	if (now - budget->window_start_ns >= NSEC_PER_SEC) {
		budget->window_start_ns = now;
		budget->used = 0;
	}
	return __sync_fetch_and_add(&budget->used, 1) < cfg->event_rate;
}

/* Whether the event found room in the ring buffer. */
static __always_inline bool emit_event(const struct violation_key *violation,
				       const struct flow *flow,
				       const struct unix_name_key *unix_name)
{
	struct violation_event *event;

	event = bpf_ringbuf_reserve(&tenantd_events, sizeof(*event), 0);
	if (!event)
		return false;
	event->boot_ns = bpf_ktime_get_boot_ns();
	event->tenant_id = violation->tenant_id;
	event->peer_id = violation->peer_id;
	event->dport = flow->port;
	event->reason = violation->reason;
	event->action = violation->action;
	event->protocol = flow->protocol;
	event->family = flow->family;
	__builtin_memcpy(event->addr, flow->addr, sizeof(event->addr));
	event->translated = flow->translated;
	event->translated_port = flow->translated_port;
	__builtin_memcpy(event->translated_addr, flow->translated_addr,
			 sizeof(event->translated_addr));
	if (unix_name) {
		event->unix_name_length = unix_name->length;
		__builtin_memcpy(event->unix_name, unix_name->name, sizeof(event->unix_name));
	} else {
		event->unix_name_length = 0;
	}
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
	return true;
}

static __always_inline void report(const struct violation_key *violation,
				   const struct flow *flow,
				   const struct unix_name_key *unix_name)
{
	struct tenant_counters *counters;

	count_violation(violation);
	if (event_allowed(violation->tenant_id) && emit_event(violation, flow, unix_name))
		return;
	counters = tenant_counters(violation->tenant_id);
	if (counters)
		counters->events_sampled_out++;
}

/* The pointers are never NULL, as every caller passes its own, but the
 * verifier takes a global function's for possibly NULL. Each returns 0:
 * a global function returns a scalar. */
__noinline int tenantd_report_violation(const struct violation_key *violation,
					const struct flow *flow)
{
	if (violation && flow)
		report(violation, flow, NULL);
	return 0;
}

__noinline int tenantd_report_unix_violation(const struct violation_key *violation,
					     const struct flow *flow,
					     const struct unix_name_key *unix_name)
{
	if (violation && flow && unix_name)
		report(violation, flow, unix_name);
	return 0;
}
