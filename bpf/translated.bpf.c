// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The judgement of translated destinations: where a leaving packet goes
 * against where its socket was told to send it, and, when they differ, the
 * destination judged as connect() would have judged it. One global
 * function, which the egress program calls and the verifier checks once. */
#include "packet.bpf.h"
#include "translated.bpf.h"
#include "verdict.bpf.h"

/* FLOW holds the packet's destination; when it differs from WRITTEN (the
 * address, as four words, and port the process gave), FLOW is turned
 * around: its address and port become the ones written, and the packet's
 * go to translated_*. */
static __always_inline bool turned_around(struct flow *flow, const __u32 written[4],
					  __u16 written_port)
{
	__u32 sent[4];

	/* No memcmp in BPF: compare word by word. */
	__builtin_memcpy(sent, flow->addr, 16);
	if (written_port == flow->port && sent[3] == written[3] &&
	    (flow->family == AF_INET ||
	     (sent[0] == written[0] && sent[1] == written[1] && sent[2] == written[2])))
		return false;
	flow->translated = true;
	flow->translated_port = flow->port;
	__builtin_memcpy(flow->translated_addr, flow->addr, 16);
	flow->port = written_port;
	__builtin_memcpy(flow->addr, written, 16);
	return true;
}

/* Is FLOW's destination (from the packet) another than SK's own, the one
 * connect() was given and judged? */
static __always_inline bool translated(struct bpf_sock *sk, struct flow *flow)
{
	/* Each field loaded at its constant offset, before any branch: the
	 * verifier refuses pointer arithmetic on a sock_common, which a load
	 * chosen by the family would make of them. */
	__u32 port = sk->dst_port, ip4 = sk->dst_ip4;
	__u32 written[4] = { sk->dst_ip6[0], sk->dst_ip6[1], sk->dst_ip6[2], sk->dst_ip6[3] };

	barrier_var(ip4);
	if (flow->family == AF_INET) {
		/* As v4_mapped() lays it out: ::ffff:a.b.c.d */
		written[0] = 0;
		written[1] = 0;
		written[2] = bpf_htonl(0xffff);
		written[3] = ip4;
	}
	return turned_around(flow, written, bpf_ntohs((__u16)port));
}

/* Is an unconnected datagram leaving for another destination than its
 * sendmsg() wrote? Without a record, sendmsg() was not judged here. */
static __always_inline bool translated_unconnected(struct bpf_sock *sk, struct flow *flow)
{
	struct written_destination *written;
	__u32 words[4];

	written = bpf_sk_storage_get(&tenantd_written_destinations, sk, 0, 0);
	if (!written)
		return false;
	__builtin_memcpy(words, written->addr, 16);
	return turned_around(flow, words, written->port);
}

/* The local socket a translated flow now reaches, or NULL: looked up only
 * for packets that stay on this host. */
static __always_inline struct bpf_sock *translated_peer(struct __sk_buff *skb,
							const struct flow *flow)
{
	struct bpf_sock_tuple tuple = {};
	__u32 tuple_size;

	if (skb->ifindex != LOOPBACK_IFINDEX)
		return NULL;
	if (flow->family == AF_INET) {
		__builtin_memcpy(&tuple.ipv4.daddr, &flow->translated_addr[12], 4);
		tuple.ipv4.dport = bpf_htons(flow->translated_port);
		tuple_size = sizeof(tuple.ipv4);
	} else {
		__builtin_memcpy(tuple.ipv6.daddr, flow->translated_addr, 16);
		tuple.ipv6.dport = bpf_htons(flow->translated_port);
		tuple_size = sizeof(tuple.ipv6);
	}
	if (flow->protocol == IPPROTO_TCP)
		return bpf_sk_lookup_tcp(skb, &tuple, tuple_size, BPF_F_CURRENT_NETNS, 0);
	return bpf_sk_lookup_udp(skb, &tuple, tuple_size, BPF_F_CURRENT_NETNS, 0);
}

/* Flows whose destination address translation changed after connect():
 * netfilter's nat OUTPUT chain (published ports, service addresses, any
 * DNAT or REDIRECT) runs before this hook, so a translated destination
 * shows here as another than the socket's own. A TCP connection is judged
 * at its first packet (the socket is in SYN-SENT), a connected UDP socket
 * at each datagram that goes elsewhere than it connected to; both as
 * connect() would have judged them, by the local socket they reach when
 * they stay on this host, else by the network.
 *
 * A global function, called only for those packets: the verifier checks
 * it once, where inlined it multiplied the paths of the egress program
 * six times over. Its pointers are never NULL, but the verifier takes a
 * global function's for possibly NULL; the socket is found again from
 * SKB, as a global function may not be passed one. */
__noinline int tenantd_judge_translated(struct __sk_buff *skb, __u32 me,
					const struct tenant_record *mine, struct flow *flow,
					__s64 *owner)
{
	struct bpf_sock *sk = skb->sk, *peer;
	__u8 protocol;
	int verdict;

	if (!sk || !mine || !flow || !owner)
		return VERDICT_ALLOW;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return VERDICT_ALLOW;
	protocol = sk->protocol;
	if (!flow_to_destination(skb, flow) || flow->protocol != protocol)
		return VERDICT_ALLOW;
	if (protocol == IPPROTO_UDP && sk->state != TCP_ESTABLISHED ?
		    !translated_unconnected(sk, flow) :
		    !translated(sk, flow))
		return VERDICT_ALLOW;
	peer = translated_peer(skb, flow);
	/* An audited sender's flow to a local socket is let through either
	 * way: the socket it is delivered to counts it, once. */
	if (peer && mine->mode == TENANT_MODE_AUDIT) {
		bpf_sk_release(peer);
		return VERDICT_ALLOW;
	}
	if (peer) {
		*owner = tenant_of_found_socket(peer);
		verdict = initiator_verdict(NULL, me, mine, *owner, flow->translated_port, protocol,
					    REASON_LOCAL_SOCKET);
		/* A datagram to a socket that asked this tenant is its answer. */
		if (verdict != VERDICT_ALLOW && protocol == IPPROTO_UDP && socket_asked(peer, me))
			verdict = VERDICT_ALLOW;
		bpf_sk_release(peer);
		return verdict;
	}
	*owner = destination_owner(skb, flow->translated_addr);
	if (*owner < 0)
		return VERDICT_ALLOW;
	return initiator_verdict(NULL, me, mine, *owner, flow->translated_port, protocol,
				 REASON_REMOTE_NETWORK);
}
