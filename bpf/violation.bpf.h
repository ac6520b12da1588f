/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A violation, whichever hook finds it: the action the tenant's mode gives
 * it, and its bookkeeping (its counter and its rate-limited event), done
 * once for every program by the global functions of violation.bpf.c. */
#ifndef TENANTD_VIOLATION_BPF_H
#define TENANTD_VIOLATION_BPF_H

#include "flow.bpf.h"

/* Count the violation and sample it into the event stream
 * (bpf/violation.bpf.c). Global functions: the verifier checks each once
 * per program, not again at every call site with each path that leads
 * there, which had made the egress program a tenth of a second to load.
 * The AF_UNIX one takes the name written as well: a global function may
 * neither follow a pointer read out of FLOW nor be passed NULL. */
extern int tenantd_report_violation(const struct violation_key *violation,
				    const struct flow *flow);
extern int tenantd_report_unix_violation(const struct violation_key *violation,
					 const struct flow *flow,
					 const struct unix_name_key *unix_name);

/* The action a violation of REASON by MINE gets: audited under Mode=audit,
 * except that a tombstoned tenant's traffic is always denied. */
static __always_inline int violation_action(const struct tenant_record *mine, int reason)
{
	return mine->mode == TENANT_MODE_AUDIT && reason != REASON_TOMBSTONED ? ACTION_AUDITED :
										ACTION_DENIED;
}

/* Counts the violation and emits its event; returns true when the traffic
 * must be refused (enforce mode, or any traffic of a tombstoned tenant). */
static __always_inline bool violation(__u32 me, const struct tenant_record *mine,
				      __u32 peer, int reason, const struct flow *flow)
{
	struct violation_key key = {
		.tenant_id = me, .peer_id = peer, .reason = reason,
		.action = violation_action(mine, reason),
	};

	tenantd_report_violation(&key, flow);
	return key.action == ACTION_DENIED;
}

#endif /* TENANTD_VIOLATION_BPF_H */
