// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The addresses of the network namespaces tenant processes live in, for
 * tenants whose Network= is auto: containers of any runtime, found by what
 * the kernel knows of each process rather than by asking the runtimes. An
 * iterator the agent runs; it walks each namespace's devices and their
 * IPv4 and IPv6 addresses. */
#include "verdict.bpf.h"

#define IFF_LOOPBACK 0x8
/* Bounds the verifier needs; a container has a handful of interfaces, and
 * addresses beyond these are not claimed (docs/threat-model.md). */
#define DEVICES_MAX 16
#define ADDRESSES_MAX 8

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Namespaces already walked in the scan under way: many processes share
 * one. An evicted entry only costs walking its namespace again; the size
 * is what start-up pays to allocate. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64); /* network namespace cookie */
	__type(value, __u32); /* scan */
} tenantd_container_namespaces_seen SEC(".maps");

static __always_inline void emit(struct bpf_iter__task *ctx, struct container_address_record *record)
{
	bpf_seq_write(ctx->meta->seq, record, sizeof(*record));
}

static __always_inline void emit_ipv4(struct bpf_iter__task *ctx,
				      struct container_address_record *record,
				      struct net_device *device)
{
	struct in_device *in_device = BPF_CORE_READ(device, ip_ptr);
	struct in_ifaddr *address = in_device ? BPF_CORE_READ(in_device, ifa_list) : NULL;

	for (int i = 0; i < ADDRESSES_MAX && address; i++) {
		__u32 local = BPF_CORE_READ(address, ifa_local);

		v4_mapped(record->addr, local);
		emit(ctx, record);
		address = BPF_CORE_READ(address, ifa_next);
	}
}

/* The device's IPv6 addresses are a list through inet6_ifaddr.if_list;
 * the pointers are plain numbers to the verifier, read field by field. */
static __always_inline void emit_ipv6(struct bpf_iter__task *ctx,
				      struct container_address_record *record,
				      struct net_device *device)
{
	struct inet6_dev *in6_device = BPF_CORE_READ(device, ip6_ptr);
	unsigned long offset = bpf_core_field_offset(struct inet6_ifaddr, if_list);
	struct list_head *head, *position;

	if (!in6_device)
		return;
	head = (struct list_head *)((void *)in6_device +
				     bpf_core_field_offset(struct inet6_dev, addr_list));
	position = BPF_CORE_READ(head, next);
	for (int i = 0; i < ADDRESSES_MAX && position && position != head; i++) {
		struct inet6_ifaddr *address = (void *)position - offset;

		/* Link-local ones too: a container's is its tenant's, or another
		 * tenant's container would reach it by its scope unjudged. */
		bpf_core_read(record->addr, sizeof(record->addr), &address->addr);
		emit(ctx, record);
		position = BPF_CORE_READ(position, next);
	}
}

SEC("iter/task")
int tenantd_scan_container_addresses(struct bpf_iter__task *ctx)
{
	struct container_address_record record = {};
	struct task_struct *task = ctx->task;
	struct container_scan_state *scan;
	struct list_head *head, *position;
	unsigned long device_offset;
	__u32 zero = 0, *seen;
	struct net *net;
	__u64 cookie;

	scan = bpf_map_lookup_elem(&tenantd_container_scan, &zero);
	if (!task || !scan || task->pid != task->tgid)
		return 0;
	net = BPF_CORE_READ(task, nsproxy, net_ns);
	if (!net)
		return 0;
	cookie = BPF_CORE_READ(net, net_cookie);
	if (cookie == scan->host_netns_cookie)
		return 0;
	seen = bpf_map_lookup_elem(&tenantd_container_namespaces_seen, &cookie);
	if (seen && *seen == scan->scan)
		return 0;
	record.tenant_id = tenant_of_task(task);
	if (record.tenant_id == TENANT_ID_HOST)
		return 0;
	bpf_map_update_elem(&tenantd_container_namespaces_seen, &cookie, &scan->scan, BPF_ANY);
	record.netns_cookie = cookie;
	record.pid = task->tgid;
	record.unprivileged = BPF_CORE_READ(net, user_ns, level) != 0;

	device_offset = bpf_core_field_offset(struct net_device, dev_list);
	head = (struct list_head *)((void *)net + bpf_core_field_offset(struct net, dev_base_head));
	position = BPF_CORE_READ(head, next);
	for (int i = 0; i < DEVICES_MAX && position && position != head; i++) {
		struct net_device *device = (void *)position - device_offset;

		if (!(BPF_CORE_READ(device, flags) & IFF_LOOPBACK)) {
			emit_ipv4(ctx, &record, device);
			emit_ipv6(ctx, &record, device);
		}
		position = BPF_CORE_READ(position, next);
	}
	return 0;
}
