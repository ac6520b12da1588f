// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Isolation of abstract Unix socket names, which carry no permissions and
 * are seen by every process of a network namespace: connect() and sendmsg()
 * to a name another tenant owns are refused like a connection to its IP
 * socket. The kernel offers no lookup of a Unix socket by name, so the
 * owners come from a table that an iterator over the kernel's own sockets
 * fills. */
#include "verdict.bpf.h"
#include "violation.bpf.h"

#define SOCK_ALLOW 1
#define SOCK_REFUSE 0
#define AF_UNIX 1
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define TCP_LISTEN 10
#define ECONNREFUSED 111
/* sun_family before the name in every sockaddr_un. */
#define UNIX_FAMILY_BYTES 2

char LICENSE[] SEC("license") = "Dual BSD/GPL";

extern void *bpf_cast_to_kern_ctx(void *ctx) __ksym;

static __always_inline void request_scan(__u32 tenant)
{
	/* A full ring means a scan is asked for already. */
	bpf_ringbuf_output(&tenantd_unix_scan_requests, &tenant, sizeof(tenant), 0);
}

/* Fails the call with ECONNREFUSED, what the caller sees for a name nobody
 * has bound: a server bound a moment ago is reachable on the retry. */
static __always_inline int refuse_as_unbound(void)
{
	bpf_set_retval(-ECONNREFUSED);
	return SOCK_REFUSE;
}

/* Reads the abstract name of ADDRESS (LENGTH bytes, sun_family included)
 * into KEY. Returns false for what is not judged: unnamed sockets and path
 * names, which file permissions govern. */
static __always_inline bool abstract_name(const void *address, __u32 length,
					  struct unix_name_key *key)
{
	__builtin_memset(key, 0, sizeof(*key));
	if (length <= UNIX_FAMILY_BYTES || length > UNIX_FAMILY_BYTES + UNIX_NAME_BYTES)
		return false;
	length -= UNIX_FAMILY_BYTES;
	/* The explicit bound keeps the read's size provably in range. */
	if (length > UNIX_NAME_BYTES ||
	    bpf_probe_read_kernel(key->name, length, address + UNIX_FAMILY_BYTES))
		return false;
	key->length = length;
	return key->name[0] == 0;
}

/* violation() for a name written: the name goes into the event. */
static __always_inline bool unix_violation(__u32 me, const struct tenant_record *mine, __u32 peer,
					   int reason, const struct flow *flow,
					   const struct unix_name_key *name)
{
	struct violation_key key = {
		.tenant_id = me, .peer_id = peer, .reason = reason,
		.action = violation_action(mine, reason),
	};

	tenantd_report_unix_violation(&key, flow, name);
	return key.action == ACTION_DENIED;
}

static __always_inline int decide_unix(struct bpf_sock_addr *ctx)
{
	struct bpf_sock_addr_kern *kernel_ctx = bpf_cast_to_kern_ctx(ctx);
	struct flow flow = { .family = AF_UNIX, .from_task = true };
	struct unix_name_owner *owner;
	struct unix_scan_state *scan;
	struct tenant_record *mine;
	struct unix_name_key key;
	__u32 zero = 0, me;
	int verdict;

	me = tenant_of_cgroup(kernel_ctx->sk->sk_cgrp_data.cgroup);
	if (me == TENANT_ID_HOST)
		return SOCK_ALLOW;
	mine = tenant_record(me);
	if (!mine)
		return SOCK_ALLOW;
	if (!abstract_name(kernel_ctx->uaddr, kernel_ctx->uaddrlen, &key))
		return SOCK_ALLOW;
	/* Only a socket of the caller's type can be reached by the name. */
	key.type = ctx->type;
	flow.protocol = ctx->type;
	if (mine->flags & TENANT_FLAG_TOMBSTONED)
		return unix_violation(me, mine, TENANT_ID_HOST, REASON_TOMBSTONED, &flow, &key) ?
			SOCK_REFUSE : SOCK_ALLOW;
	/* Abstract names are per network namespace; the scans cover the
	 * agent's, and the others are left alone. */
	scan = bpf_map_lookup_elem(&tenantd_unix_scan, &zero);
	if (!scan || bpf_get_netns_cookie(ctx) != scan->netns_cookie)
		return SOCK_ALLOW;

	owner = bpf_map_lookup_elem(&tenantd_unix_names, &key);
	if (!owner) {
		request_scan(me);
		return mine->mode == TENANT_MODE_AUDIT ? SOCK_ALLOW : refuse_as_unbound();
	}
	/* A datagram carries no connection to tell an answer from a request:
	 * an exchange either end may open stands in both directions. */
	if (ctx->type == SOCK_DGRAM)
		verdict = either_may_initiate(NULL, me, mine, owner->tenant_id, 0, 0,
					      EXCEPTION_PROTOCOL_UNIX) ?
				  VERDICT_ALLOW : REASON_LOCAL_SOCKET;
	else
		verdict = initiator_verdict(NULL, me, mine, owner->tenant_id, 0,
					    EXCEPTION_PROTOCOL_UNIX, REASON_LOCAL_SOCKET);
	if (verdict == VERDICT_ALLOW)
		return SOCK_ALLOW;
	/* The table may be behind a name that changed hands: the agent
	 * rescans, and a refused caller that retries is judged afresh. */
	request_scan(me);
	return unix_violation(me, mine, owner->tenant_id, verdict, &flow, &key) ? SOCK_REFUSE :
										  SOCK_ALLOW;
}

/* libbpf 1.1 knows no section for the Unix hooks: the agent sets their
 * attach types (BPF_CGROUP_UNIX_CONNECT, BPF_CGROUP_UNIX_SENDMSG) before
 * loading, and the section only makes them socket-address programs. */
SEC("cgroup/connect4")
int tenantd_unix_connect(struct bpf_sock_addr *ctx)
{
	return decide_unix(ctx);
}

SEC("cgroup/sendmsg4")
int tenantd_unix_sendmsg(struct bpf_sock_addr *ctx)
{
	return decide_unix(ctx);
}

struct retire_context {
	__u32 scan;
	__u32 kept;
};

static long retire_if_unseen(struct bpf_map *map, struct unix_name_key *key,
			     struct unix_name_owner *owner, struct retire_context *context)
{
	if (owner->scan == context->scan)
		context->kept++;
	else
		bpf_map_delete_elem(map, key);
	return 0;
}

/* One pass over the Unix sockets of the agent's network namespace: every
 * socket a name leads to records the name's owner, the tenant of the
 * socket's cgroup. An accepted socket shares its listener's name but was
 * made in the connecting process's cgroup: only listeners and datagram
 * sockets are where a name leads. The pass ends with a call without a
 * socket, which retires the names no socket has any more: here rather than
 * in the agent, where it would cost two system calls a name. */
SEC("iter/unix")
int tenantd_unix_scan_names(struct bpf_iter__unix *ctx)
{
	struct unix_sock *socket = ctx->unix_sk;
	struct unix_name_owner owner = {};
	struct retire_context retire = {};
	struct unix_scan_state *scan;
	struct unix_address *address;
	struct unix_name_key key;
	__u32 zero = 0;

	scan = bpf_map_lookup_elem(&tenantd_unix_scan, &zero);
	if (!scan)
		return 0;
	if (!socket) {
		retire.scan = scan->scan;
		bpf_for_each_map_elem(&tenantd_unix_names, retire_if_unseen, &retire, 0);
		scan->names = retire.kept;
		return 0;
	}
	address = socket->addr;
	if (!address)
		return 0;
	if (socket->sk.sk_type != SOCK_DGRAM && socket->sk.__sk_common.skc_state != TCP_LISTEN)
		return 0;
	if (!abstract_name(&address->name[0], address->len, &key))
		return 0;
	key.type = socket->sk.sk_type;
	owner.tenant_id = tenant_of_cgroup(socket->sk.sk_cgrp_data.cgroup);
	owner.scan = scan->scan;
	bpf_map_update_elem(&tenantd_unix_names, &key, &owner, BPF_ANY);
	return 0;
}
