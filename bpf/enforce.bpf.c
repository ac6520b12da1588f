// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Enforcement at the socket layer: refuses raw sockets and every socket of
 * an off-boarded tenant, and decides every connect() and unconnected
 * sendmsg() against the owner of the destination, local socket or network. */
#include "fragments.bpf.h"
#include "namespace.bpf.h"
#include "quota.bpf.h"
#include "verdict.bpf.h"
#include "violation.bpf.h"

#define SOCK_ALLOW 1
#define SOCK_DENY 0 /* the syscall fails with EPERM */
#define EADDRNOTAVAIL 99

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The socket as the kernel's struct, read-only, for its namespace. */
static __always_inline bool raw_socket_in_private_namespace(struct bpf_sock *sk)
{
	struct sock *kernel_socket = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct sock));

	return kernel_socket && in_private_network_namespace(kernel_socket);
}

SEC("cgroup/sock_create")
int tenantd_check_socket(struct bpf_sock *sk)
{
	struct tenant_record *mine;
	struct flow flow = {};
	__u32 me;

	me = tenant_of_current_task();
	if (me == TENANT_ID_HOST)
		return SOCK_ALLOW;
	mine = tenant_record(me);
	if (!mine)
		return SOCK_ALLOW;

	flow.family = sk->family;
	flow.protocol = sk->protocol;
	flow.from_task = true;
	if (mine->flags & TENANT_FLAG_TOMBSTONED)
		return violation(me, mine, TENANT_ID_HOST, REASON_TOMBSTONED, &flow) ?
			SOCK_DENY : SOCK_ALLOW;
	/* Raw sockets see and forge traffic below every hook that follows,
	 * but in a namespace of the tenant's own only its own traffic. */
	if (sk->type == SOCK_RAW && !raw_socket_in_private_namespace(sk))
		return violation(me, mine, TENANT_ID_HOST, REASON_RAW_SOCKET, &flow) ?
			SOCK_DENY : SOCK_ALLOW;
	return SOCK_ALLOW;
}

/* The local socket bound to the destination, to be released, or NULL when
 * nothing local listens there. The lookup runs in the caller's network
 * namespace and matches wildcard binds, so every address that reaches the
 * socket finds it. */
static __always_inline struct bpf_sock *local_peer(struct bpf_sock_addr *ctx,
						   struct bpf_sock_tuple *tuple, __u32 tuple_size)
{
	if (ctx->protocol == IPPROTO_TCP)
		return bpf_sk_lookup_tcp(ctx, tuple, tuple_size, BPF_F_CURRENT_NETNS, 0);
	if (ctx->protocol == IPPROTO_UDP)
		return bpf_sk_lookup_udp(ctx, tuple, tuple_size, BPF_F_CURRENT_NETNS, 0);
	return NULL;
}

/* A wildcard bind (0.0.0.0 or ::) matches every destination with its
 * port, local or not. */
static __always_inline bool bound_to_any_address(struct bpf_sock *sk, bool ipv4_lookup)
{
	if (ipv4_lookup)
		return sk->src_ip4 == 0;
	return !(sk->src_ip6[0] | sk->src_ip6[1] | sk->src_ip6[2] | sk->src_ip6[3]);
}

static __always_inline bool is_loopback(const __u8 addr[16])
{
	if (addr[10] == 0xff && addr[11] == 0xff) /* IPv4, mapped: 127.0.0.0/8 */
		return addr[12] == 127;
	for (int i = 0; i < 15; i++)
		if (addr[i])
			return false;
	return addr[15] == 1;
}

/* Is the destination one of this host's addresses? These hooks have no
 * route lookup, but a bind to the destination address succeeds exactly
 * when it is local (EADDRNOTAVAIL otherwise), and for a local destination
 * it is the source address the kernel would pick anyway. A socket bound
 * already, or anything else that stops the bind, cannot tell: then the
 * destination counts as local, as it always did. Only connect hooks may
 * bind; an unconnected datagram cannot be told. */
static __always_inline bool destination_is_local(struct bpf_sock_addr *ctx,
						 const struct flow *flow)
{
	long r;

	/* Zeroed and filled field by field: an initializer could become a
	 * constant in .rodata, a map of its own that cannot be pinned. */
	if (ctx->user_family == AF_INET) {
		struct sockaddr_in address;

		__builtin_memset(&address, 0, sizeof(address));
		address.sin_family = AF_INET;
		__builtin_memcpy(&address.sin_addr, &flow->addr[12], 4);
		r = bpf_bind(ctx, (struct sockaddr *)&address, sizeof(address));
	} else {
		struct sockaddr_in6 address;

		__builtin_memset(&address, 0, sizeof(address));
		address.sin6_family = AF_INET6;
		__builtin_memcpy(&address.sin6_addr, flow->addr, 16);
		r = bpf_bind(ctx, (struct sockaddr *)&address, sizeof(address));
	}
	return r != -EADDRNOTAVAIL;
}

static __always_inline bool in_host_namespace(struct bpf_sock_addr *ctx)
{
	struct agent_settings *settings = current_settings();

	return settings && bpf_get_netns_cookie(ctx) == settings->host_netns_cookie;
}

/* Adds TENANT to the tenants LIST keeps for SK, the newest replacing the
 * oldest. */
static __always_inline void remember(void *list, struct bpf_sock *sk, __u32 tenant)
{
	struct asked_peers *known;

	known = bpf_sk_storage_get(list, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!known || socket_knows(list, sk, tenant))
		return;
	/* The mask keeps the index provably in bounds for the verifier. */
	known->tenant_ids[known->next & (ASKED_PEERS_MAX - 1)] = tenant;
	known->next++;
}

/* Whom the destination belongs to, in *OWNER, and whether ME may reach it:
 * the local socket a lookup finds, else the network's owner. *FOUND_LOCAL
 * says which. */
/* The owner of the network ADDR lies in, or -1; the host's own addresses
 * count as no one's from the host's namespace, where the socket they reach
 * judges them by the sender in the mark. From another namespace nothing
 * marks what crosses: there the host is judged at connect(). */
static __always_inline __s64 network_owner(struct bpf_sock_addr *ctx, const __u8 addr[16])
{
	__s64 owner = network_of(addr);

	return owner == TENANT_ID_HOST && in_host_namespace(ctx) ? -1 : owner;
}

static __always_inline int judge_destination(struct bpf_sock_addr *ctx, struct flow *flow,
					     struct bpf_sock_tuple *tuple, __u32 tuple_size,
					     bool is_connect, __u32 me,
					     const struct tenant_record *mine, __s64 *owner,
					     bool *found_local)
{
	int verdict = VERDICT_ALLOW;
	bool wildcard = false;
	struct bpf_sock *peer;
	__s64 network;

	peer = local_peer(ctx, tuple, tuple_size);
	/* A wildcard listener found for a remote destination is not where the
	 * flow goes: the network decides. connect() tells a local destination
	 * by binding to it. An unconnected datagram cannot be told, and is let
	 * through to the network's judgement: if it stays on this host after
	 * all, the socket the kernel delivers it to judges it on arrival. */
	if (peer && !is_loopback(flow->addr) &&
	    bound_to_any_address(peer, tuple_size == sizeof(tuple->ipv4))) {
		wildcard = true;
		if (!is_connect || !destination_is_local(ctx, flow)) {
			bpf_sk_release(peer);
			peer = NULL;
		}
	}
	*found_local = peer != NULL;
	if (!peer) {
		*owner = network_owner(ctx, flow->addr);
		if (*owner >= 0)
			verdict = initiator_verdict(NULL, me, mine, *owner, flow->port,
						    flow->protocol, REASON_REMOTE_NETWORK);
		return verdict;
	}
	*owner = tenant_of_socket(peer, false);
	verdict = initiator_verdict(NULL, me, mine, *owner, flow->port, flow->protocol,
				    REASON_LOCAL_SOCKET);
	/* A datagram to a socket that asked this tenant is its answer: the
	 * replies of shared, platform and AllowTo services. */
	if (verdict != VERDICT_ALLOW && flow->protocol == IPPROTO_UDP && socket_asked(peer, me))
		verdict = VERDICT_ALLOW;
	bpf_sk_release(peer);
	/* A wildcard socket kept because the bind could not tell (the caller
	 * bound already; a link-local address, which needs a scope the hook
	 * does not see) may not be where the flow goes: the network the
	 * destination lies in must let it through as well. */
	if (verdict != VERDICT_ALLOW || !wildcard)
		return verdict;
	network = network_owner(ctx, flow->addr);
	if (network >= 0 && network != *owner) {
		verdict = initiator_verdict(NULL, me, mine, network, flow->port, flow->protocol,
					    REASON_REMOTE_NETWORK);
		if (verdict != VERDICT_ALLOW) {
			*owner = network;
			*found_local = false;
		}
	}
	return verdict;
}

/* What a flow let through leaves on its socket for the judgements after
 * it, and the connection it counts. */
static __always_inline void remember_let_through(struct bpf_sock_addr *ctx,
						 const struct flow *flow, bool is_connect,
						 __u32 me, __s64 owner, bool found_local,
						 int verdict)
{
	/* Let through to another tenant's socket: where the kernel delivers
	 * it, that tenant's socket need not judge it again. */
	if (found_local && owner != me && owner != TENANT_ID_HOST)
		remember(&tenantd_judged_peers, ctx->sk, owner);
	/* An unconnected datagram may be translated after this judgement; its
	 * egress compares where it goes with what was written here. */
	if (!is_connect && flow->protocol == IPPROTO_UDP) {
		struct written_destination *written;

		written = bpf_sk_storage_get(&tenantd_written_destinations, ctx->sk, 0,
					     BPF_SK_STORAGE_GET_F_CREATE);
		if (written) {
			__builtin_memcpy(written->addr, flow->addr, 16);
			written->port = flow->port;
		}
	}
	/* Only what the policy allows makes later answers welcome: an audited
	 * datagram does not. Within a tenant and to the host nothing is judged. */
	if (verdict == VERDICT_ALLOW && flow->protocol == IPPROTO_UDP && owner >= 0 &&
	    owner != me && owner != TENANT_ID_HOST)
		remember(&tenantd_asked_peers, ctx->sk, owner);
	if (is_connect) {
		struct tenant_counters *counters = tenant_counters(me);

		if (counters)
			counters->connections++;
	}
}

/* Shared by all four hooks once the destination is known in both forms:
 * the lookup tuple for local sockets and the 128-bit address for networks. */
static __always_inline int decide(struct bpf_sock_addr *ctx, struct flow *flow,
				  struct bpf_sock_tuple *tuple, __u32 tuple_size,
				  bool is_connect)
{
	struct tenant_record *mine;
	bool found_local;
	__s64 owner;
	int verdict;
	__u32 me;

	me = tenant_of_socket(ctx->sk, true);
	if (me == TENANT_ID_HOST)
		return SOCK_ALLOW;
	mine = tenant_record(me);
	if (!mine)
		return SOCK_ALLOW;
	if (mine->flags & TENANT_FLAG_TOMBSTONED)
		return violation(me, mine, TENANT_ID_HOST, REASON_TOMBSTONED, flow) ?
			SOCK_DENY : SOCK_ALLOW;
	verdict = judge_destination(ctx, flow, tuple, tuple_size, is_connect, me, mine, &owner,
				    &found_local);
	if (verdict != VERDICT_ALLOW && violation(me, mine, owner, verdict, flow))
		return SOCK_DENY;
	/* What isolation lets through may still be over the tenant's rate. */
	if (is_connect && flow->protocol == IPPROTO_TCP && connect_refused_by_quota(me, mine, flow))
		return SOCK_DENY;
	remember_let_through(ctx, flow, is_connect, me, owner, found_local, verdict);
	return SOCK_ALLOW;
}

/* decide() for connect() and for sendmsg(): global functions, which the
 * verifier checks once per program where inlined decide() was checked at
 * each of the IPv6 hooks' two call sites. Two, because only a connect hook
 * may call bpf_bind(). The pointers are never NULL, but the verifier takes
 * a global function's for possibly NULL, and a size passed to a helper
 * must be bounded. */
__noinline int tenantd_decide_connect(struct bpf_sock_addr *ctx, struct flow *flow,
				      struct bpf_sock_tuple *tuple, __u32 tuple_size)
{
	if (!flow || !tuple || tuple_size > sizeof(*tuple))
		return SOCK_ALLOW;
	return decide(ctx, flow, tuple, tuple_size, true);
}

__noinline int tenantd_decide_sendmsg(struct bpf_sock_addr *ctx, struct flow *flow,
				      struct bpf_sock_tuple *tuple, __u32 tuple_size)
{
	if (!flow || !tuple || tuple_size > sizeof(*tuple))
		return SOCK_ALLOW;
	return decide(ctx, flow, tuple, tuple_size, false);
}

/* A program must return 0 or 1 provably, which a global function's return
 * value is not. */
static __always_inline int decide_destination(struct bpf_sock_addr *ctx, struct flow *flow,
					      struct bpf_sock_tuple *tuple, __u32 tuple_size,
					      bool is_connect)
{
	int verdict = is_connect ? tenantd_decide_connect(ctx, flow, tuple, tuple_size) :
				   tenantd_decide_sendmsg(ctx, flow, tuple, tuple_size);

	return verdict == SOCK_ALLOW ? SOCK_ALLOW : SOCK_DENY;
}

/* For bind.bpf.c, which may not reference the socket cast itself (see
 * tenantd_skb_fragments below): the tenant of the socket being bound, and
 * that of the socket holding TUPLE's address and port, the host's for
 * none. The lookup, like connect()'s, finds no socket bound to a device. */
__noinline __u32 tenantd_binding_tenant(struct bpf_sock_addr *ctx)
{
	return tenant_of_socket(ctx->sk, true);
}

__noinline __u32 tenantd_holding_tenant(struct bpf_sock_addr *ctx, struct bpf_sock_tuple *tuple,
					__u32 tuple_size)
{
	struct bpf_sock *holder;
	__u32 tenant;

	if (!tuple)
		return TENANT_ID_HOST;
	/* One of two constants: the verifier takes the size passed to the
	 * lookup for signed, whatever bound a comparison puts on it. */
	tuple_size = tuple_size == sizeof(tuple->ipv4) ? sizeof(tuple->ipv4) : sizeof(tuple->ipv6);
	holder = local_peer(ctx, tuple, tuple_size);
	if (!holder)
		return TENANT_ID_HOST;
	tenant = tenant_of_socket(holder, false);
	bpf_sk_release(holder);
	return tenant;
}

/* connect(0.0.0.0) reaches 127.0.0.1, and connect(::) reaches ::1. */
#define LOOPBACK4 bpf_htonl(0x7f000001)

static __always_inline int decide4(struct bpf_sock_addr *ctx, bool is_connect)
{
	struct bpf_sock_tuple tuple = {};
	struct flow flow = { .family = AF_INET, .from_task = true };
	__u32 ip4 = ctx->user_ip4;

	if (!ip4)
		ip4 = LOOPBACK4;
	flow.protocol = ctx->protocol;
	flow.port = bpf_ntohs(ctx->user_port);
	v4_mapped(flow.addr, ip4);
	tuple.ipv4.daddr = ip4;
	tuple.ipv4.dport = ctx->user_port;
	return decide_destination(ctx, &flow, &tuple, sizeof(tuple.ipv4), is_connect);
}

static __always_inline int decide6(struct bpf_sock_addr *ctx, bool is_connect)
{
	struct bpf_sock_tuple tuple = {};
	struct flow flow = { .family = AF_INET6, .from_task = true };
	__u32 w0 = ctx->user_ip6[0], w1 = ctx->user_ip6[1];
	__u32 w2 = ctx->user_ip6[2], w3 = ctx->user_ip6[3];

	flow.protocol = ctx->protocol;
	flow.port = bpf_ntohs(ctx->user_port);
	if (!w0 && !w1 && w2 == bpf_htonl(0xffff)) {
		/* An IPv4-mapped destination reaches IPv4 sockets: look there. */
		if (!w3)
			w3 = LOOPBACK4;
		v4_mapped(flow.addr, w3);
		tuple.ipv4.daddr = w3;
		tuple.ipv4.dport = ctx->user_port;
		return decide_destination(ctx, &flow, &tuple, sizeof(tuple.ipv4), is_connect);
	}
	if (!w0 && !w1 && !w2 && !w3)
		w3 = bpf_htonl(1);
	ipv6_destination(&flow, &tuple, w0, w1, w2, w3, ctx->user_port);
	return decide_destination(ctx, &flow, &tuple, sizeof(tuple.ipv6), is_connect);
}

SEC("cgroup/connect4")
int tenantd_connect4(struct bpf_sock_addr *ctx)
{
	return decide4(ctx, true);
}

SEC("cgroup/connect6")
int tenantd_connect6(struct bpf_sock_addr *ctx)
{
	return decide6(ctx, true);
}

SEC("cgroup/sendmsg4")
int tenantd_sendmsg4(struct bpf_sock_addr *ctx)
{
	return decide4(ctx, false);
}

SEC("cgroup/sendmsg6")
int tenantd_sendmsg6(struct bpf_sock_addr *ctx)
{
	return decide6(ctx, false);
}

/* How many IP fragments the datagram in SKB is on the wire, 0 for none;
 * account.bpf.c counts them. It lives here because it reads kernel
 * structures through bpf_rdonly_cast(), and libbpf 1.1's linker rejects a
 * kfunc referenced from two objects: a global function is linked by name
 * and verified on its own, with the caller's __sk_buff as its context. */
__noinline __u32 tenantd_skb_fragments(struct __sk_buff *context, bool ingress)
{
	struct sk_buff *skb = bpf_rdonly_cast(context, bpf_core_type_id_kernel(struct sk_buff));
	bool ipv6 = context->protocol == bpf_htons(ETH_P_IPV6);

	/* TCP segments carry DF and are never fragments; and TCP moves the
	 * control block the reassembly fills before the ingress hook runs. */
	if (!skb || !skb->sk || skb->sk->sk_protocol == IPPROTO_TCP)
		return 0;
	return ingress ? ingress_fragments(skb, ipv6) : egress_fragments(skb, ipv6);
}
