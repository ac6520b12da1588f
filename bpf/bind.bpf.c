// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* bind() judged: a tenant may not take a port another tenant holds, by
 * joining its SO_REUSEPORT group or sharing its UDP port with SO_REUSEADDR
 * (either would steer to it what was meant for the other), nor a port
 * another tenant owns by BindPorts=. A refused bind fails with EPERM. */
#include <bpf/bpf_endian.h>
#include "verdict.bpf.h"
#include "violation.bpf.h"

#define BIND_ALLOW 1
#define BIND_DENY 0 /* EPERM */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* In enforce.bpf.c, the object that may cast sockets: the tenant of the
 * socket being bound, and that of the socket holding TUPLE's address and
 * port (a lookup that finds no socket bound to a device; BindPorts= covers
 * those), the host's for none. */
extern __u32 tenantd_binding_tenant(struct bpf_sock_addr *ctx);
extern __u32 tenantd_holding_tenant(struct bpf_sock_addr *ctx, struct bpf_sock_tuple *tuple,
				    __u32 tuple_size);

/* Whose is the port: BindPorts= first, then a socket on it. A wildcard
 * bind of an IPv6 socket that takes IPv4 too meets IPv4 holders as well. */
static __always_inline __u32 port_holder(struct bpf_sock_addr *ctx, struct flow *flow,
					 struct bpf_sock_tuple *tuple, __u32 tuple_size,
					 bool dual_stack_wildcard)
{
	struct bind_port_key key = { .port = flow->port, .protocol = flow->protocol };
	struct bpf_sock_tuple ipv4 = {};
	__u32 *owner = bpf_map_lookup_elem(&tenantd_bind_ports, &key);
	__u32 tenant;

	if (owner)
		return *owner;
	tenant = tenantd_holding_tenant(ctx, tuple, tuple_size);
	if (tenant != TENANT_ID_HOST || !dual_stack_wildcard)
		return tenant;
	ipv4.ipv4.dport = tuple->ipv6.dport;
	return tenantd_holding_tenant(ctx, &ipv4, sizeof(ipv4.ipv4));
}

static __always_inline int judge_bind(struct bpf_sock_addr *ctx, struct flow *flow,
				      struct bpf_sock_tuple *tuple, __u32 tuple_size,
				      bool dual_stack_wildcard)
{
	struct tenant_record *mine;
	__u32 me, holder;

	/* Port 0 asks the kernel for a free one: nobody's. */
	if (!flow->port)
		return BIND_ALLOW;
	me = tenantd_binding_tenant(ctx);
	if (me == TENANT_ID_HOST)
		return BIND_ALLOW;
	mine = tenant_record(me);
	if (!mine)
		return BIND_ALLOW;
	flow->protocol = ctx->protocol;
	holder = port_holder(ctx, flow, tuple, tuple_size, dual_stack_wildcard);
	if (holder == me || holder == TENANT_ID_HOST)
		return BIND_ALLOW;
	return violation(me, mine, holder, REASON_BIND, flow) ? BIND_DENY : BIND_ALLOW;
}

SEC("cgroup/bind4")
int tenantd_bind4(struct bpf_sock_addr *ctx)
{
	struct flow flow = { .family = AF_INET, .from_task = true };
	struct bpf_sock_tuple tuple = {};

	flow.port = bpf_ntohs(ctx->user_port);
	tuple.ipv4.daddr = ctx->user_ip4;
	tuple.ipv4.dport = ctx->user_port;
	v4_mapped(flow.addr, tuple.ipv4.daddr);
	return judge_bind(ctx, &flow, &tuple, sizeof(tuple.ipv4), false);
}

SEC("cgroup/bind6")
int tenantd_bind6(struct bpf_sock_addr *ctx)
{
	struct flow flow = { .family = AF_INET6, .from_task = true };
	struct bpf_sock_tuple tuple = {};
	__u32 w0 = ctx->user_ip6[0], w1 = ctx->user_ip6[1];
	__u32 w2 = ctx->user_ip6[2], w3 = ctx->user_ip6[3];

	flow.port = bpf_ntohs(ctx->user_port);
	if (!w0 && !w1 && w2 == bpf_htonl(0xffff)) {
		/* IPv4-mapped: the IPv4 sockets on that address. */
		tuple.ipv4.daddr = w3;
		tuple.ipv4.dport = ctx->user_port;
		v4_mapped(flow.addr, w3);
		return judge_bind(ctx, &flow, &tuple, sizeof(tuple.ipv4), false);
	}
	ipv6_destination(&flow, &tuple, w0, w1, w2, w3, ctx->user_port);
	return judge_bind(ctx, &flow, &tuple, sizeof(tuple.ipv6), !(w0 | w1 | w2 | w3));
}
