// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Every packet leaving a socket: marked with its sender's tenant for the
 * socket it is delivered to on this host; and a tenant's counted as the
 * wire sees it, judged by the network it goes to when its protocol has no
 * connect() or sendmsg() hook, judged again when its destination was
 * translated, and held to the tenant's EgressRate=. */
#include "packet.bpf.h"
#include "quota.bpf.h"
#include "sender.bpf.h"
#include "translated.bpf.h"
#include "verdict.bpf.h"
#include "violation.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The tenant whose network holds the source address of a packet ME sends,
 * when it is another's, else -1: IPV6_FREEBIND with IPV6_PKTINFO needs no
 * privilege, and a raw socket in the tenant's own namespace or a container
 * given CAP_NET_ADMIN sets any source. Read on every packet that opens or
 * answers an opening (a TCP segment with SYN, any other protocol's), as a
 * connection's later segments carry its SYN's source. */
static __always_inline __s64 foreign_source(struct __sk_buff *skb, __u32 me)
{
	__u32 l4_offset = 0;
	__u8 protocol = 0, addr[16];
	__s64 owner;

	if (transport_header(skb, &protocol, &l4_offset) && protocol == IPPROTO_TCP &&
	    !(tcp_flags(skb, l4_offset) & TCP_FLAG_SYN))
		return -1;
	if (!packet_source(skb, addr))
		return -1;
	owner = network_of(addr);
	return owner > TENANT_ID_HOST && owner != me ? owner : -1;
}

SEC("cgroup_skb/egress")
int tenantd_count_egress(struct __sk_buff *skb)
{
	struct bpf_sock *socket;
	struct tenant_record *mine;
	struct flow flow = {};
	__u32 me = tenant_of_skb(skb);
	__u64 segments, bytes;
	int verdict = EGRESS_PASS;
	__s64 owner;

	mark_sender(skb, current_settings(), me);
	if (me == TENANT_ID_HOST)
		return SKB_PASS;
	mine = tenant_record(me);
	if (mine && (mine->flags & TENANT_FLAG_TOMBSTONED)) {
		flow_from_packet(skb, &flow);
		violation(me, mine, TENANT_ID_HOST, REASON_TOMBSTONED, &flow);
		return SKB_DROP;
	}
	/* Checked as loaded: the helper refuses a fresh load of skb->sk. */
	socket = skb->sk;
	if (socket)
		socket = bpf_sk_fullsock(socket);
	/* An established connection's source was checked at its SYN. */
	owner = -1;
	if (mine && !(socket && socket->protocol == IPPROTO_TCP && socket->state == TCP_ESTABLISHED))
		owner = foreign_source(skb, me);
	if (mine && owner >= 0) {
		flow_to_destination(skb, &flow);
		if (violation(me, mine, owner, REASON_SPOOFED_SOURCE, &flow))
			return SKB_DROP;
	}
	/* TCP and UDP are judged at connect() and sendmsg(); sockets of any
	 * other protocol (ICMP echo sockets, UDP-Lite, SCTP...) have no such
	 * hook, so their packets are judged here, by the network they go to. */
	if (mine && socket && socket->protocol != IPPROTO_TCP &&
	    socket->protocol != IPPROTO_UDP && flow_to_destination(skb, &flow)) {
		int verdict = VERDICT_ALLOW;

		owner = destination_owner(skb, flow.addr);
		if (owner >= 0)
			verdict = initiator_verdict(NULL, me, mine, owner, 0, flow.protocol,
						    REASON_REMOTE_NETWORK);
		if (verdict != VERDICT_ALLOW && violation(me, mine, owner, verdict, &flow))
			return SKB_DROP;
	}
	if (mine && socket) {
		int verdict = judge_translated(skb, socket, me, mine, &flow, &owner);

		if (verdict != VERDICT_ALLOW && violation(me, mine, owner, verdict, &flow))
			return SKB_DROP;
	}
	packet_size(skb, false, &segments, &bytes);
	if (mine) {
		verdict = egress_verdict(skb, me, mine, socket && socket->protocol == IPPROTO_TCP,
					 bytes);
		if (verdict != EGRESS_PASS) {
			flow_to_destination(skb, &flow);
			verdict = egress_throttled(me, mine, bytes, verdict, &flow);
		}
	}
	if (verdict & EGRESS_PASS)
		count_packet(me, false, segments, bytes);
	return verdict;
}
