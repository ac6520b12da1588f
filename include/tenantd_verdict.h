/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The policy decision, written once: who may open a connection to whom.
 * The BPF programs compile it against their maps (bpf/verdict.bpf.h), and
 * the agent against the same maps, pinned, to judge the connections that
 * are older than the programs (agent/verdict.c). Each side defines before
 * including this file:
 *
 *   VERDICT_INLINE                         how its functions are inlined
 *   struct verdict_maps                    what the lookups read
 *   verdict_tenant(maps, id, scratch)      the tenant record of ID or NULL;
 *                                          SCRATCH may hold the copy
 *   verdict_host_policy(maps)              HostPolicy=
 *   verdict_host_port_open(maps, port, protocol)
 *   verdict_exception_allows(maps, me, peer, port, protocol)
 */
#ifndef TENANTD_VERDICT_H
#define TENANTD_VERDICT_H

#include "tenantd_abi.h"

#define VERDICT_ALLOW (-1)

/* May tenant ME (record MINE) open a connection to PEER's PORT/PROTOCOL?
 * Returns VERDICT_ALLOW or the reason it may not; REASON is what a denial
 * between two live tenants is called where the question is asked. The
 * lookups happen in order of need, so a common allow costs one or none. */
static VERDICT_INLINE int initiator_verdict(const struct verdict_maps *maps, __u32 me,
					    const struct tenant_record *mine, __u32 peer,
					    __u16 port, __u8 protocol, int reason)
{
	const struct tenant_record *theirs;
	struct tenant_record scratch;

	/* The host is not a tenant: nothing it opens is judged. */
	if (peer == me || me == TENANT_ID_HOST)
		return VERDICT_ALLOW;
	if (mine->flags & TENANT_FLAG_TOMBSTONED)
		return REASON_TOMBSTONED;
	if (peer == TENANT_ID_HOST) {
		if (verdict_host_policy(maps) != HOST_POLICY_DENY)
			return VERDICT_ALLOW;
		return verdict_host_port_open(maps, port, protocol) ? VERDICT_ALLOW : REASON_HOST;
	}
	theirs = verdict_tenant(maps, peer, &scratch);
	if (theirs && (theirs->flags & TENANT_FLAG_TOMBSTONED))
		return REASON_TOMBSTONED;
	if (mine->kind == TENANT_KIND_PLATFORM)
		return VERDICT_ALLOW;
	if (theirs && (theirs->flags & TENANT_FLAG_PRESENT) && theirs->kind == TENANT_KIND_SHARED)
		return VERDICT_ALLOW;
	if (verdict_exception_allows(maps, me, peer, port, protocol))
		return VERDICT_ALLOW;
	return reason;
}

/* Does a connection between ME (at MY_PORT) and PEER (at PEER_PORT) stand,
 * whoever opened it? It does when either end may initiate to the other:
 * replies to ME's own connections, and connections PEER may open to ME,
 * such as a platform tenant's. Asked where the opener is not known: of a
 * packet arriving from a peer's network, and of an established connection
 * older than the programs. */
static VERDICT_INLINE bool either_may_initiate(const struct verdict_maps *maps, __u32 me,
					       const struct tenant_record *mine, __u32 peer,
					       __u16 my_port, __u16 peer_port, __u8 protocol)
{
	const struct tenant_record *theirs;
	struct tenant_record scratch;

	/* The host is not judged: it may open anything. */
	if (peer == TENANT_ID_HOST)
		return true;
	if (initiator_verdict(maps, me, mine, peer, peer_port, protocol, 0) == VERDICT_ALLOW)
		return true;
	theirs = verdict_tenant(maps, peer, &scratch);
	return theirs &&
	       initiator_verdict(maps, peer, theirs, me, my_port, protocol, 0) == VERDICT_ALLOW;
}

#endif /* TENANTD_VERDICT_H */
