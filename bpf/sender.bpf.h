/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The sending tenant, carried in the packet's mark from the egress hook to
 * the socket the kernel delivers the packet to on this host: no lookup at
 * delivery that a device binding, a link-local scope, a multicast loop or
 * a protocol without one could make miss. TenantMarkMask= says which bits
 * of the mark are tenantd's; the rest stay the operator's. */
#ifndef TENANTD_SENDER_BPF_H
#define TENANTD_SENDER_BPF_H

#include "flow.bpf.h"

/* skb->pkt_type of a multicast or broadcast copy looped back to this host
 * (dev_loopback_xmit()). */
#define PACKET_LOOPBACK 5

/* What the mark's field holds: 0 where no egress hook wrote it, all ones
 * for the host, else the sending tenant's id (the agent refuses ids the
 * field cannot hold below all ones). */
#define SENDER_UNMARKED 0xffffffffu

/* Every packet through the egress hook leaves with its tenant in the mark,
 * the host's included, whatever an SO_MARK put in those bits: only the hook
 * writes them. Written only when it changes. */
static __always_inline void mark_sender(struct __sk_buff *skb,
					const struct agent_settings *settings, __u32 tenant)
{
	__u32 mark, field;

	if (!settings || !settings->mark_mask)
		return;
	field = tenant == TENANT_ID_HOST ? settings->mark_mask :
					   (tenant << settings->mark_shift) & settings->mark_mask;
	mark = (skb->mark & ~settings->mark_mask) | field;
	if (mark != skb->mark)
		skb->mark = mark;
}

/* Did the packet come by a way only this namespace's own packets take?
 * Unicast to a local address goes through the loopback device, and a
 * multicast or broadcast datagram comes back as a looped copy; both keep
 * the mark the egress hook wrote. A packet from another namespace crosses
 * a veth or a bridge, which clears the mark (skb_scrub_packet()), and one
 * from the wire never had one: those are judged by the network they come
 * from. */
static __always_inline bool sent_on_this_host(struct __sk_buff *skb)
{
	return skb->ingress_ifindex == LOOPBACK_IFINDEX || skb->pkt_type == PACKET_LOOPBACK;
}

/* The tenant the egress hook wrote into a packet sent on this host, or
 * SENDER_UNMARKED: a packet that did not pass the hook (a socket outside
 * CgroupRoot=, a reply the kernel makes without one) or whose mark a rule
 * rewrote on the way. */
static __always_inline __u32 sender_of(struct __sk_buff *skb,
				       const struct agent_settings *settings)
{
	__u32 field;

	if (!settings || !settings->mark_mask)
		return SENDER_UNMARKED;
	field = skb->mark & settings->mark_mask;
	if (!field)
		return SENDER_UNMARKED;
	if (field == settings->mark_mask)
		return TENANT_ID_HOST;
	return field >> settings->mark_shift;
}

#endif /* TENANTD_SENDER_BPF_H */
