// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Every packet arriving at a tenant's socket: counted as the wire sees it;
 * dropped when it comes from another tenant's network, or when the socket
 * the kernel delivered it to belongs to a tenant its sender may not
 * reach. */
#include "packet.bpf.h"
#include "verdict.bpf.h"
#include "violation.bpf.h"

#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10

/* What the kernel delivers on this host, judged at the socket it chose:
 * a listener bound to a device or a link-local address, a member of a
 * SO_REUSEPORT group, a socket that took the port after connect() or
 * sendmsg() was judged, the other end of a simultaneous open, a socket
 * bound after a UDP socket connected to its port. The sender is the
 * socket a reversed lookup finds; unless its connect() or sendmsg() was
 * judged against this socket's tenant already, the flow is judged here, as
 * the sender's. TCP pays at the first packet (SYN) only, and every other
 * TCP packet reads its flags; UDP pays a lookup a datagram. */
static __always_inline int judge_delivered(struct __sk_buff *skb, __u32 me)
{
	struct bpf_sock_tuple tuple = {};
	struct flow flow = {};
	struct tenant_record *theirs;
	struct bpf_sock *sender, *receiver;
	__u32 l4_offset = 0, tuple_size, them;
	__be16 ports[2] = {};
	__u8 flags = 0;
	int verdict;

	if (!transport_header(skb, &flow.protocol, &l4_offset))
		return SKB_PASS;
	if (flow.protocol == IPPROTO_TCP) {
		if (read_packet(skb, l4_offset + 13, &flags, 1) || !(flags & TCP_FLAG_SYN) ||
		    (flags & TCP_FLAG_ACK))
			return SKB_PASS;
	} else if (flow.protocol != IPPROTO_UDP) {
		return SKB_PASS;
	}
	if (read_packet(skb, l4_offset, ports, sizeof(ports)))
		return SKB_PASS;
	/* The sender's socket: local end the packet's source, remote end its
	 * destination, as a lookup for a packet going the other way sees it. */
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (read_packet(skb, 12, &tuple.ipv4.daddr, 4) ||
		    read_packet(skb, 16, &tuple.ipv4.saddr, 4))
			return SKB_PASS;
		tuple.ipv4.dport = ports[0];
		tuple.ipv4.sport = ports[1];
		tuple_size = sizeof(tuple.ipv4);
		flow.family = AF_INET;
		v4_mapped(flow.addr, tuple.ipv4.saddr);
	} else {
		if (read_packet(skb, 8, tuple.ipv6.daddr, 16) ||
		    read_packet(skb, 24, tuple.ipv6.saddr, 16))
			return SKB_PASS;
		tuple.ipv6.dport = ports[0];
		tuple.ipv6.sport = ports[1];
		tuple_size = sizeof(tuple.ipv6);
		flow.family = AF_INET6;
		__builtin_memcpy(flow.addr, tuple.ipv6.saddr, 16);
	}
	flow.port = bpf_ntohs(ports[1]);
	if (flow.protocol == IPPROTO_TCP)
		sender = bpf_sk_lookup_tcp(skb, &tuple, tuple_size, BPF_F_CURRENT_NETNS, 0);
	else
		sender = bpf_sk_lookup_udp(skb, &tuple, tuple_size, BPF_F_CURRENT_NETNS, 0);
	if (!sender)
		return SKB_PASS;
	/* A TCP sender is in SYN-SENT; any other socket found is not one. */
	if (flow.protocol == IPPROTO_TCP && sender->state != TCP_SYN_SENT)
		them = me;
	else
		them = tenant_of_found_socket(sender);
	if (them == me || them == TENANT_ID_HOST ||
	    socket_knows(&tenantd_judged_peers, sender, me)) {
		bpf_sk_release(sender);
		return SKB_PASS;
	}
	flow.cgroup_id = bpf_sk_cgroup_id(sender);
	bpf_sk_release(sender);
	theirs = tenant_record(them);
	if (!theirs)
		return SKB_PASS;
	verdict = initiator_verdict(NULL, them, theirs, me, flow.port, flow.protocol,
				    REASON_LOCAL_SOCKET);
	/* A datagram to a socket that asked the sender's tenant is its answer. */
	receiver = skb->sk;
	if (receiver)
		receiver = bpf_sk_fullsock(receiver);
	if (verdict != VERDICT_ALLOW && flow.protocol == IPPROTO_UDP && receiver &&
	    socket_asked(receiver, them))
		verdict = VERDICT_ALLOW;
	if (verdict != VERDICT_ALLOW && violation(them, theirs, me, verdict, &flow))
		return SKB_DROP;
	return SKB_PASS;
}

/* A packet from a peer's network passes when the connection it belongs to
 * would stand (either_may_initiate): the packet alone does not say which
 * end opened it. */
SEC("cgroup_skb/ingress")
int tenantd_filter_ingress(struct __sk_buff *skb)
{
	struct tenant_record *mine;
	struct flow flow = {};
	__u64 segments, bytes;
	__u32 me = tenant_of_skb(skb);
	__s64 owner;

	if (me == TENANT_ID_HOST)
		return SKB_PASS;
	mine = tenant_record(me);
	if (!mine)
		return SKB_PASS;
	if (mine->flags & TENANT_FLAG_TOMBSTONED) {
		flow_from_packet(skb, &flow);
		violation(me, mine, TENANT_ID_HOST, REASON_TOMBSTONED, &flow);
		return SKB_DROP;
	}
	/* Loopback packets come from local sockets, whose connect() or
	 * sendmsg() was judged already, by the socket a lookup found then;
	 * a connection the kernel delivers to another is judged again.
	 * Only packets from outside can come from another tenant's network. */
	if (skb->ingress_ifindex == LOOPBACK_IFINDEX) {
		if (judge_delivered(skb, me) == SKB_DROP)
			return SKB_DROP;
	} else if (flow_from_packet(skb, &flow)) {
		owner = network_of(flow.addr);
		if (owner >= 0 && owner != me &&
		    !either_may_initiate(NULL, me, mine, owner, flow.local_port, flow.port,
					 flow.protocol) &&
		    violation(me, mine, owner, REASON_INGRESS_NETWORK, &flow))
			return SKB_DROP;
	}
	packet_size(skb, true, &segments, &bytes);
	count_packet(me, true, segments, bytes);
	return SKB_PASS;
}
