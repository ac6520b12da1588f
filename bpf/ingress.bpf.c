// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Every packet arriving at a tenant's socket: counted as the wire sees it;
 * dropped when it comes from another tenant's network, or when it was sent
 * on this host by a tenant that may not reach the socket's tenant (or,
 * under HostPolicy=deny, the host's socket). */
#include "packet.bpf.h"
#include "sender.bpf.h"
#include "verdict.bpf.h"
#include "violation.bpf.h"

#define IPPROTO_UDPLITE_NUMBER 136
#define IPPROTO_SCTP_NUMBER 132
#define IPPROTO_DCCP_NUMBER 33

/* Protocols whose header opens with the source and destination ports. */
static __always_inline bool has_ports(__u8 protocol)
{
	return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP ||
	       protocol == IPPROTO_UDPLITE_NUMBER || protocol == IPPROTO_SCTP_NUMBER ||
	       protocol == IPPROTO_DCCP_NUMBER;
}

/* The flow a delivered packet opens, as its sender's violation tells it:
 * the address and port it reached. *OPENS is false for a TCP segment other
 * than a first SYN: it belongs to a connection judged at its SYN. A packet
 * whose headers cannot be read is judged as one of an unknown protocol. */
static __always_inline void delivered_flow(struct __sk_buff *skb, struct flow *flow,
					   __be16 ports[2], bool *opens)
{
	__u32 l4_offset = 0;
	__u8 flags;

	*opens = true;
	if (!transport_header(skb, &flow->protocol, &l4_offset))
		flow->protocol = 0;
	if (flow->protocol == IPPROTO_TCP) {
		flags = tcp_flags(skb, l4_offset);
		*opens = (flags & TCP_FLAG_SYN) && !(flags & TCP_FLAG_ACK);
	}
	if (has_ports(flow->protocol) && !read_packet(skb, l4_offset, ports, 2 * sizeof(ports[0])))
		flow->port = bpf_ntohs(ports[1]);
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		__u32 destination = 0;

		flow->family = AF_INET;
		read_packet(skb, 16, &destination, 4);
		v4_mapped(flow->addr, destination);
	} else {
		flow->family = AF_INET6;
		read_packet(skb, 24, flow->addr, 16);
	}
}

/* The sender's socket, found by a lookup for a packet going the other way
 * (local end the packet's source, remote end its destination). Asked only
 * where the verdict is not an allow, or where the mark does not name the
 * sender: for the event's cgroup, for whether an audited sender's
 * connect() or sendmsg() counted this flow already against ME (*JUDGED),
 * and for the sender of an unmarked packet (*THEM), which a miss leaves
 * the host's. Only TCP and UDP have lookups. */
static __always_inline void find_sender(struct __sk_buff *skb, struct flow *flow,
					const __be16 ports[2], __u32 me, __u32 *them,
					bool *judged)
{
	struct bpf_sock_tuple tuple = {};
	struct bpf_sock *sender;
	__u32 tuple_size;

	*judged = false;
	if (*them == SENDER_UNMARKED)
		*them = TENANT_ID_HOST;
	if (flow->protocol != IPPROTO_TCP && flow->protocol != IPPROTO_UDP)
		return;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (read_packet(skb, 12, &tuple.ipv4.daddr, 4))
			return;
		__builtin_memcpy(&tuple.ipv4.saddr, &flow->addr[12], 4);
		tuple.ipv4.dport = ports[0];
		tuple.ipv4.sport = ports[1];
		tuple_size = sizeof(tuple.ipv4);
	} else {
		if (read_packet(skb, 8, tuple.ipv6.daddr, 16))
			return;
		__builtin_memcpy(tuple.ipv6.saddr, flow->addr, 16);
		tuple.ipv6.dport = ports[0];
		tuple.ipv6.sport = ports[1];
		tuple_size = sizeof(tuple.ipv6);
	}
	if (flow->protocol == IPPROTO_TCP)
		sender = bpf_sk_lookup_tcp(skb, &tuple, tuple_size, BPF_F_CURRENT_NETNS, 0);
	else
		sender = bpf_sk_lookup_udp(skb, &tuple, tuple_size, BPF_F_CURRENT_NETNS, 0);
	if (!sender)
		return;
	flow->cgroup_id = bpf_sk_cgroup_id(sender);
	*judged = socket_knows(&tenantd_judged_peers, sender, me);
	/* A TCP sender is in SYN-SENT; any other socket found is not one. */
	if (*them == TENANT_ID_HOST && (flow->protocol != IPPROTO_TCP ||
					 sender->state == TCP_SYN_SENT))
		*them = tenant_of_found_socket(sender);
	bpf_sk_release(sender);
}

/* A packet sent on this host by tenant THEM (or by a sender the mark does
 * not name), delivered to a socket of ME (a tenant, or the host under
 * HostPolicy=deny): judged where the kernel delivers it, whatever address,
 * device, protocol or multicast group took it there, as THEM's attempt to
 * reach ME. TCP pays at the first SYN only, every other segment reads its
 * flags; every other packet is judged. */
static __always_inline int judge_delivered(struct __sk_buff *skb, __u32 me, __u32 them)
{
	struct tenant_record *theirs, unknown = {};
	struct bpf_sock *receiver;
	struct flow flow = {};
	__be16 ports[2] = {};
	bool opens, judged = false, looked = false;
	int verdict;

	if (them == me || them == TENANT_ID_HOST)
		return SKB_PASS;
	delivered_flow(skb, &flow, ports, &opens);
	if (!opens)
		return SKB_PASS;
	/* Unmarked: the sender is told by its socket, as far as a lookup can. */
	if (them == SENDER_UNMARKED) {
		find_sender(skb, &flow, ports, me, &them, &judged);
		looked = true;
		if (them == me || them == TENANT_ID_HOST)
			return SKB_PASS;
	}
	/* An id past the tenant table, which no egress hook writes: judged
	 * and counted as an unknown enforced tenant's. */
	theirs = tenant_record(them);
	if (!theirs)
		theirs = &unknown;
	verdict = initiator_verdict(NULL, them, theirs, me, flow.port, flow.protocol,
				    REASON_LOCAL_SOCKET);
	if (verdict == VERDICT_ALLOW)
		return SKB_PASS;
	/* A datagram to a socket that asked the sender's tenant is its answer. */
	receiver = skb->sk;
	if (receiver)
		receiver = bpf_sk_fullsock(receiver);
	if (flow.protocol != IPPROTO_TCP && receiver && socket_asked(receiver, them))
		return SKB_PASS;
	if (!looked)
		find_sender(skb, &flow, ports, me, &(__u32){ them }, &judged);
	/* Audited where it was sent: counted once. In enforce mode a flow let
	 * through there was allowed for the port written, which may not be
	 * this one, so it is judged again. */
	if (judged && theirs->mode == TENANT_MODE_AUDIT)
		return SKB_PASS;
	return violation(them, theirs, me, verdict, &flow) ? SKB_DROP : SKB_PASS;
}

/* Who sent a packet delivered here, when this host did: the tenant in its
 * mark, or for an unmarked packet that came through the loopback device or
 * a multicast loop, SENDER_UNMARKED. A marked packet is this host's
 * whichever device it came in by (a veth pair within the namespace keeps
 * the mark); a namespace crossing clears it. Else FROM_OUTSIDE. */
#define FROM_OUTSIDE 0xfffffffeu
static __always_inline __u32 local_sender(struct __sk_buff *skb,
					  const struct agent_settings *settings)
{
	__u32 sender = sender_of(skb, settings);

	if (sender == SENDER_UNMARKED && !sent_on_this_host(skb))
		return FROM_OUTSIDE;
	return sender;
}

/* A host socket judges only what tenants send it under HostPolicy=deny. */
static __always_inline int judge_delivered_to_host(struct __sk_buff *skb)
{
	struct agent_settings *settings = current_settings();
	__u32 sender;

	if (!settings || settings->host_policy != HOST_POLICY_DENY)
		return SKB_PASS;
	sender = local_sender(skb, settings);
	if (sender == FROM_OUTSIDE)
		return SKB_PASS;
	return judge_delivered(skb, TENANT_ID_HOST, sender);
}

/* A packet from another tenant's network, from outside this namespace:
 * no mark names its sender, its source address does (a tenant's egress
 * refuses sources in another's networks). It passes when it is no flow's
 * first packet, or its sender may open that flow: a TCP segment other than
 * a SYN belongs to a connection judged at its SYN, and a datagram is an
 * answer only to a socket that sent to its sender's tenant first. Other
 * protocols, whose packets carry no opening, pass when either end may open
 * the exchange (either_may_initiate). */
static __always_inline bool welcome_from_network(struct __sk_buff *skb, __u32 me,
						 const struct tenant_record *mine, __u32 owner,
						 const struct flow *flow)
{
	struct tenant_record *theirs = tenant_record(owner);
	struct bpf_sock *receiver;

	if (flow->protocol != IPPROTO_TCP && flow->protocol != IPPROTO_UDP)
		return either_may_initiate(NULL, me, mine, owner, flow->local_port, flow->port,
					   flow->protocol);
	if (flow->protocol == IPPROTO_TCP && !opens_flow(skb))
		return true;
	if (theirs && initiator_verdict(NULL, owner, theirs, me, flow->local_port, flow->protocol,
					REASON_INGRESS_NETWORK) == VERDICT_ALLOW)
		return true;
	receiver = skb->sk;
	if (receiver)
		receiver = bpf_sk_fullsock(receiver);
	return flow->protocol == IPPROTO_UDP && receiver && socket_asked(receiver, owner);
}

SEC("cgroup_skb/ingress")
int tenantd_filter_ingress(struct __sk_buff *skb)
{
	struct tenant_record *mine;
	struct flow flow = {};
	__u64 segments, bytes;
	__u32 me = tenant_of_skb(skb), sender;
	__s64 owner;

	if (me == TENANT_ID_HOST)
		return judge_delivered_to_host(skb);
	mine = tenant_record(me);
	if (!mine)
		return SKB_PASS;
	if (mine->flags & TENANT_FLAG_TOMBSTONED) {
		flow_from_packet(skb, &flow);
		violation(me, mine, TENANT_ID_HOST, REASON_TOMBSTONED, &flow);
		return SKB_DROP;
	}
	/* Sent on this host: the sender's tenant is in the mark. Only packets
	 * from outside can come from another tenant's network. */
	sender = local_sender(skb, current_settings());
	if (sender != FROM_OUTSIDE) {
		if (judge_delivered(skb, me, sender) == SKB_DROP)
			return SKB_DROP;
	} else if (flow_from_packet(skb, &flow)) {
		owner = network_of(flow.addr);
		if (owner >= 0 && owner != me && !welcome_from_network(skb, me, mine, owner, &flow) &&
		    violation(me, mine, owner, REASON_INGRESS_NETWORK, &flow))
			return SKB_DROP;
	}
	packet_size(skb, true, &segments, &bytes);
	count_packet(me, true, segments, bytes);
	return SKB_PASS;
}
