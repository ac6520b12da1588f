/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* IP fragments as the wire carries them: the cgroup_skb hooks see a datagram
 * before the kernel fragments it (egress) and after it reassembles it
 * (ingress); this works out how many fragments it is, from the MTU the
 * kernel fragments at and the largest fragment it reassembled. */
#ifndef TENANTD_FRAGMENTS_BPF_H
#define TENANTD_FRAGMENTS_BPF_H

#include "tag.bpf.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define FRAGMENT_HEADER_BYTES 8 /* IPv6's, struct frag_hdr */
#define IPV4_HEADER_BYTES 20
#define IPV6_HEADER_BYTES 40
#define IPV4_MINIMUM_MTU 68
#define IPV6_MINIMUM_MTU 1280
#define IP_MAXIMUM_MTU 0xFFFF
#define PMTUDISC_PROBE 3 /* and above: the socket ignores the path MTU */
#define DST_METRICS_FLAGS 0x3UL

/* Fragments needed for PAYLOAD bytes after the unfragmentable HEADER at
 * MTU: every fragment but the last carries a multiple of 8 bytes (what
 * ip_fragment() and ip6_fragment() do); 0 when it fits. */
static __always_inline __u32 fragments_at(__u32 payload, __u32 header, __u32 mtu)
{
	__u32 chunk;

	if (mtu <= header || payload + header <= mtu)
		return 0;
	chunk = (mtu - header) & ~7U;
	return chunk ? (payload + chunk - 1) / chunk : 0;
}

/* The route's MTU metric (RTAX_MTU), 0 when the route sets none. */
static __always_inline __u32 route_mtu_metric(struct dst_entry *dst)
{
	struct dst_metrics *metrics;
	unsigned long raw = dst->_metrics & ~DST_METRICS_FLAGS;

	metrics = bpf_rdonly_cast((void *)raw, bpf_core_type_id_kernel(struct dst_metrics));
	return metrics ? metrics->metrics[RTAX_MTU - 1] : 0;
}

/* ip_skb_dst_mtu() for a locally sent datagram: the device's MTU for a
 * socket that ignores the path MTU, else a learned path MTU still valid,
 * else the route's metric, else the device's. */
static __always_inline __u32 ipv4_egress_mtu(struct sk_buff *skb, struct dst_entry *dst)
{
	struct inet_sock *inet = bpf_rdonly_cast(skb->sk, bpf_core_type_id_kernel(struct inet_sock));
	struct rtable *route = bpf_rdonly_cast(dst, bpf_core_type_id_kernel(struct rtable));
	__u32 mtu = 0;

	if (inet && inet->pmtudisc >= PMTUDISC_PROBE)
		mtu = dst->dev->mtu;
	if (!mtu && route) {
		mtu = BPF_CORE_READ_BITFIELD(route, rt_pmtu);
		if (mtu && (long)(bpf_jiffies64() - dst->expires) >= 0)
			mtu = 0;
	}
	if (!mtu)
		mtu = route_mtu_metric(dst);
	if (!mtu)
		mtu = dst->dev->mtu;
	return mtu < IP_MAXIMUM_MTU ? mtu : IP_MAXIMUM_MTU;
}

/* ip6_skb_dst_mtu() and the socket's IPV6_MTU: the device's MTU for a
 * socket that ignores the path MTU, else the route's metric (a learned
 * path MTU lives there), else the interface's IPv6 MTU. */
static __always_inline __u32 ipv6_egress_mtu(struct sk_buff *skb, struct dst_entry *dst)
{
	struct inet_sock *inet = bpf_rdonly_cast(skb->sk, bpf_core_type_id_kernel(struct inet_sock));
	struct ipv6_pinfo *ipv6 = inet ? inet->pinet6 : NULL;
	struct inet6_dev *device;
	__u32 mtu = 0;

	if (ipv6 && ipv6->pmtudisc >= PMTUDISC_PROBE)
		mtu = dst->dev->mtu;
	if (!mtu)
		mtu = route_mtu_metric(dst);
	if (!mtu) {
		device = dst->dev->ip6_ptr;
		mtu = device ? device->cnf.mtu6 : IPV6_MINIMUM_MTU;
	}
	if (ipv6 && ipv6->frag_size && ipv6->frag_size < mtu)
		mtu = ipv6->frag_size;
	return mtu;
}

/* How many fragments the kernel sends a leaving datagram as, 0 for none. */
static __always_inline __u32 egress_fragments(struct sk_buff *skb, bool ipv6)
{
	struct dst_entry *dst;

	dst = bpf_rdonly_cast((void *)(skb->_skb_refdst & ~1UL),
			      bpf_core_type_id_kernel(struct dst_entry));
	if (!dst || !dst->dev)
		return 0;
	if (ipv6)
		return fragments_at(skb->len - IPV6_HEADER_BYTES,
				    IPV6_HEADER_BYTES + FRAGMENT_HEADER_BYTES,
				    ipv6_egress_mtu(skb, dst));
	return fragments_at(skb->len - IPV4_HEADER_BYTES, IPV4_HEADER_BYTES,
			    ipv4_egress_mtu(skb, dst));
}

/* How many fragments an arriving datagram was reassembled from, 0 for
 * none: the reassembly leaves the largest fragment's size in the control
 * block (IPv4: its total length; IPv6: its payload, fragment header
 * included), and every fragment but the last was that large. */
static __always_inline __u32 ingress_fragments(struct sk_buff *skb, bool ipv6)
{
	struct inet6_skb_parm *parameters6;
	struct inet_skb_parm *parameters;
	__u32 largest;

	if (ipv6) {
		parameters6 = bpf_rdonly_cast(skb->cb, bpf_core_type_id_kernel(struct inet6_skb_parm));
		largest = parameters6 ? parameters6->frag_max_size : 0;
		if (!largest)
			return 0;
		return fragments_at(skb->len - IPV6_HEADER_BYTES, FRAGMENT_HEADER_BYTES, largest);
	}
	parameters = bpf_rdonly_cast(skb->cb, bpf_core_type_id_kernel(struct inet_skb_parm));
	largest = parameters ? parameters->frag_max_size : 0;
	if (!largest)
		return 0;
	return fragments_at(skb->len - IPV4_HEADER_BYTES, IPV4_HEADER_BYTES, largest);
}

#endif /* TENANTD_FRAGMENTS_BPF_H */
