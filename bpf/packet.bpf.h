/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading a packet in the cgroup_skb programs: its headers, its size on
 * the wire (segments, fragments), the flow it belongs to, and its count
 * for the tenant that sends or receives it. */
#ifndef TENANTD_PACKET_BPF_H
#define TENANTD_PACKET_BPF_H

#include <bpf/bpf_endian.h>
#include "flow.bpf.h"
#include "fragments.bpf.h"
#include "tag.bpf.h"
#include "tenants.bpf.h"

#define SKB_PASS 1
#define SKB_DROP 0

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
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10

/* The TCP flags of a segment whose transport header is at L4_OFFSET; a
 * segment too short to tell reads as a SYN, the one that is judged. */
static __always_inline __u8 tcp_flags(struct __sk_buff *skb, __u32 l4_offset)
{
	__u8 flags = 0;

	if (read_packet(skb, l4_offset + 13, &flags, 1))
		return TCP_FLAG_SYN;
	return flags;
}

/* Does the packet open a flow: a TCP SYN without ACK, or any packet of
 * another protocol? */
static __always_inline bool opens_flow(struct __sk_buff *skb)
{
	__u32 l4_offset = 0;
	__u8 protocol = 0, flags;

	if (!transport_header(skb, &protocol, &l4_offset) || protocol != IPPROTO_TCP)
		return true;
	flags = tcp_flags(skb, l4_offset);
	return (flags & TCP_FLAG_SYN) && !(flags & TCP_FLAG_ACK);
}

/* The source address of a leaving packet, as the network map keys it. */
static __always_inline bool packet_source(struct __sk_buff *skb, __u8 addr[16])
{
	__u32 source = 0;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (read_packet(skb, 12, &source, 4))
			return false;
		v4_mapped(addr, source);
		return true;
	}
	return skb->protocol == bpf_htons(ETH_P_IPV6) && !read_packet(skb, 8, addr, 16);
}

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

#endif /* TENANTD_PACKET_BPF_H */
