// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Packet-level accounting and filtering: every packet of a tagged socket is
 * counted for its tenant as the wire sees it; packets from another tenant's
 * networks are dropped before the socket sees them, and packets of other
 * protocols than TCP and UDP (judged at connect and sendmsg) are judged on
 * their way out. */
#include "fragments.bpf.h"
#include "quota.bpf.h"
#include "verdict.bpf.h"

#define SKB_PASS 1
#define SKB_DROP 0

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline __u32 tenant_of_skb(struct __sk_buff *skb)
{
	return skb->sk ? tenant_of_packet_socket(skb) : TENANT_ID_HOST;
}

/* skb->data or skb->data_end, loaded straight from the context: inlined
 * into many places, a plain field read lets clang compute the field's
 * address once and load through it later, which the verifier refuses
 * ("dereference of modified ctx ptr"). */
#define packet_pointer(skb, field)                                                       \
	({                                                                               \
		void *pointer;                                                           \
		asm volatile("%0 = *(u32 *)(%1 + %2)"                                    \
			     : "=r"(pointer)                                             \
			     : "r"(skb), "i"(__builtin_offsetof(struct __sk_buff, field))); \
		pointer;                                                                 \
	})

/* The IP protocol of the packet and where its transport header starts;
 * false for a packet neither IPv4 nor IPv6. IPv6 extension headers are
 * not followed. The IP header is read in place when the packet's linear
 * part holds it, as it nearly always does: no helper call on the hot
 * path. */
static __always_inline bool transport_header(struct __sk_buff *skb, __u8 *protocol, __u32 *offset)
{
	void *data = packet_pointer(skb, data), *end = packet_pointer(skb, data_end);
	__u8 byte = 0;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) <= end) {
			*protocol = ip->protocol;
			*offset = ip->ihl * 4;
			return true;
		}
		if (bpf_skb_load_bytes(skb, 0, &byte, 1) || bpf_skb_load_bytes(skb, 9, protocol, 1))
			return false;
		*offset = (byte & 0x0f) * 4;
		return true;
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data;

		*offset = 40;
		if ((void *)(ip6 + 1) <= end) {
			*protocol = ip6->nexthdr;
			return true;
		}
		return !bpf_skb_load_bytes(skb, 6, protocol, 1);
	}
	return false;
}

/* Reads SIZE bytes at OFFSET of the packet (its IP header at 0), in place
 * when the linear part holds them, as it nearly always does, else through
 * the helper. Offsets stay below 128: headers only. The mask keeps the
 * offset provably bounded for the verifier. */
static __always_inline int read_packet(struct __sk_buff *skb, __u32 offset, void *to, __u32 size)
{
	void *data = packet_pointer(skb, data), *end = packet_pointer(skb, data_end);
	void *from;

	offset &= 0x7f;
	from = data + offset;
	if (from + size <= end) {
		__builtin_memcpy(to, from, size);
		return 0;
	}
	return bpf_skb_load_bytes(skb, offset, to, size);
}

/* Length of the IP and transport headers of the first segment, needed only
 * for GSO/GRO super-packets, whose skb carries the headers once. */
static __always_inline __u32 header_bytes(struct __sk_buff *skb)
{
	__u32 l3 = 0, l4 = 0;
	__u8 byte = 0, protocol = 0;

	if (!transport_header(skb, &protocol, &l3))
		return 0;
	if (protocol == IPPROTO_TCP) {
		if (read_packet(skb, l3 + 12, &byte, 1))
			return l3;
		l4 = (byte >> 4) * 4;
	} else if (protocol == IPPROTO_UDP) {
		l4 = 8;
	}
	return l3 + l4;
}

/* Defined in enforce.bpf.c, the object that may read kernel structures. */
extern __u32 tenantd_skb_fragments(struct __sk_buff *skb, bool ingress);

/* A datagram the kernel sends or received as IP fragments counts as those
 * fragments: each repeats the IP header, and in IPv6 carries a fragment
 * header. Only a packet longer than the smallest MTU its family allows can
 * be one; the IPv4 header is read only then. */
static __always_inline void count_fragments(struct __sk_buff *skb, bool ingress, __u64 *segments,
					    __u64 *bytes)
{
	bool ipv6 = skb->protocol == bpf_htons(ETH_P_IPV6);
	__u32 header = IPV6_HEADER_BYTES, fragments;
	__u8 protocol = 0;

	if (skb->len <= (ipv6 ? IPV6_MINIMUM_MTU : IPV4_MINIMUM_MTU))
		return;
	fragments = tenantd_skb_fragments(skb, ingress);
	if (fragments < 2 || (!ipv6 && !transport_header(skb, &protocol, &header)))
		return;
	*segments = fragments;
	*bytes += (fragments - 1) * header;
	if (ipv6)
		*bytes += fragments * FRAGMENT_HEADER_BYTES;
}

/* A packet's size on the wire: its segments and their bytes, IP headers
 * included, as counted and as EgressRate= charges it. */
static __always_inline void packet_size(struct __sk_buff *skb, bool ingress, __u64 *segments,
					__u64 *bytes)
{
	*segments = skb->gso_segs > 1 ? skb->gso_segs : 1;
	*bytes = skb->len;
	if (*segments > 1)
		*bytes += (*segments - 1) * header_bytes(skb);
	else
		count_fragments(skb, ingress, segments, bytes);
}

static __always_inline void count_packet(__u32 me, bool ingress, __u64 segments, __u64 bytes)
{
	struct tenant_counters *counters = tenant_counters(me);

	if (!counters)
		return;
	if (ingress) {
		counters->rx_bytes += bytes;
		counters->rx_packets += segments;
	} else {
		counters->tx_bytes += bytes;
		counters->tx_packets += segments;
	}
}

/* Fills the remote end of an arriving packet: its source address and port. */
static __always_inline bool flow_from_packet(struct __sk_buff *skb, struct flow *flow)
{
	__u32 l4_offset = 0, source = 0;
	__be16 ports[2] = {};

	if (!transport_header(skb, &flow->protocol, &l4_offset))
		return false;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		flow->family = AF_INET;
		if (read_packet(skb, 12, &source, 4))
			return false;
		v4_mapped(flow->addr, source);
	} else {
		flow->family = AF_INET6;
		if (read_packet(skb, 8, flow->addr, 16))
			return false;
	}
	if ((flow->protocol == IPPROTO_TCP || flow->protocol == IPPROTO_UDP) &&
	    !read_packet(skb, l4_offset, ports, sizeof(ports))) {
		flow->port = bpf_ntohs(ports[0]);
		flow->local_port = bpf_ntohs(ports[1]);
	}
	flow->cgroup_id = bpf_skb_cgroup_id(skb);
	return true;
}

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2

/* Fills the destination of a leaving packet: its address and protocol,
 * and for TCP and UDP its port. */
static __always_inline bool flow_to_destination(struct __sk_buff *skb, struct flow *flow)
{
	union {
		struct iphdr ip;
		struct ipv6hdr ip6;
	} header;
	__be16 ports[2];
	__u32 l4_offset;

	flow->from_task = false;
	flow->cgroup_id = bpf_skb_cgroup_id(skb);
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (read_packet(skb, 0, &header, sizeof(header.ip)))
			return false;
		flow->family = AF_INET;
		flow->protocol = header.ip.protocol;
		v4_mapped(flow->addr, header.ip.daddr);
		l4_offset = header.ip.ihl * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (read_packet(skb, 0, &header, sizeof(header.ip6)))
			return false;
		flow->family = AF_INET6;
		flow->protocol = header.ip6.nexthdr;
		__builtin_memcpy(flow->addr, &header.ip6.daddr, 16);
		l4_offset = sizeof(header.ip6);
	} else {
		return false;
	}
	flow->port = 0;
	if ((flow->protocol == IPPROTO_TCP || flow->protocol == IPPROTO_UDP) &&
	    !read_packet(skb, l4_offset, ports, sizeof(ports)))
		flow->port = bpf_ntohs(ports[1]);
	return true;
}


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
	*owner = network_of(flow->translated_addr);
	if (*owner < 0)
		return VERDICT_ALLOW;
	return initiator_verdict(NULL, me, mine, *owner, flow->translated_port, protocol,
				 REASON_REMOTE_NETWORK);
}

/* Other packets than a TCP connection's first and UDP datagrams pay a
 * load or two. */
static __always_inline int judge_translated(struct __sk_buff *skb, struct bpf_sock *sk, __u32 me,
					    const struct tenant_record *mine, struct flow *flow,
					    __s64 *owner)
{
	__u8 protocol = sk->protocol;

	if (!(protocol == IPPROTO_TCP && sk->state == TCP_SYN_SENT) && protocol != IPPROTO_UDP)
		return VERDICT_ALLOW;
	return tenantd_judge_translated(skb, me, mine, flow, owner);
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
	/* TCP and UDP are judged at connect() and sendmsg(); sockets of any
	 * other protocol (ICMP echo sockets, UDP-Lite, SCTP...) have no such
	 * hook, so their packets are judged here, by the network they go to. */
	if (mine && socket && socket->protocol != IPPROTO_TCP &&
	    socket->protocol != IPPROTO_UDP && flow_to_destination(skb, &flow)) {
		int verdict = VERDICT_ALLOW;

		owner = network_of(flow.addr);
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
