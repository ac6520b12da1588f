/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A flow as the programs describe it, for their decisions and for the
 * events they report: family, protocol, the remote end, and where address
 * translation sent it. */
#ifndef TENANTD_FLOW_BPF_H
#define TENANTD_FLOW_BPF_H

#include "maps.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define SOCK_RAW 3
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define NSEC_PER_SEC 1000000000ULL
/* The loopback device is the first of every network namespace. */
#define LOOPBACK_IFINDEX 1

/* Where a violation happened, for its event. */
struct flow {
	__u8 family;
	__u8 protocol;
	__u16 port; /* host byte order: the remote end's */
	__u16 local_port; /* ingress only: the receiving socket's port */
	__u8 addr[16];
	__u64 cgroup_id; /* ingress: the receiving socket's; else the task's */
	bool from_task; /* a syscall, not softirq: pid, comm and cgroup are the caller's */
	/* Translated after connect(): addr and port are the destination the
	 * process wrote, these where the packet goes. */
	bool translated;
	__u16 translated_port;
	__u8 translated_addr[16];
};

/* ADDR as the network map keys it: an IPv4 address IPv4-mapped. */
static __always_inline void v4_mapped(__u8 addr[16], __u32 ip4)
{
	__builtin_memset(addr, 0, 10);
	addr[10] = 0xff;
	addr[11] = 0xff;
	__builtin_memcpy(&addr[12], &ip4, 4);
}

/* An IPv6 address from a socket-address hook's four words, in both forms
 * the decisions take: FLOW's address and the lookup TUPLE, with PORT. The
 * words are passed one by one: the hooks read each at its own offset. */
static __always_inline void ipv6_destination(struct flow *flow, struct bpf_sock_tuple *tuple,
					     __u32 w0, __u32 w1, __u32 w2, __u32 w3, __u32 port)
{
	tuple->ipv6.daddr[0] = w0;
	tuple->ipv6.daddr[1] = w1;
	tuple->ipv6.daddr[2] = w2;
	tuple->ipv6.daddr[3] = w3;
	tuple->ipv6.dport = port;
	__builtin_memcpy(&flow->addr[0], &w0, 4);
	__builtin_memcpy(&flow->addr[4], &w1, 4);
	__builtin_memcpy(&flow->addr[8], &w2, 4);
	__builtin_memcpy(&flow->addr[12], &w3, 4);
}

#endif /* TENANTD_FLOW_BPF_H */
