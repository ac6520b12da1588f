// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel feature probing through libbpf's probes, and the plan of which
 * programs can run. The table says, for each feature, which programs need
 * it and what an operator loses without them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "kernel/kernel_features.h"

struct feature_need {
	const char *name;
	unsigned int programs;
	const char *protects;
};

static const struct feature_need needs[FEATURE_COUNT] = {
	[FEATURE_BTF] = { "btf", PROGRAM_ALL, "everything (the programs are CO-RE)" },
	[FEATURE_CGROUP_SOCK_ADDR] = { "cgroup_sock_addr",
				       PROGRAM_CONNECT | PROGRAM_SENDMSG | PROGRAM_BIND,
				       "refusing cross-tenant connect(), sendmsg() and bind()" },
	[FEATURE_CGROUP_SOCK] = { "cgroup_sock", PROGRAM_CHECK_SOCKET,
				  "refusing raw sockets and off-boarded tenants' sockets" },
	[FEATURE_CGROUP_SKB] = { "cgroup_skb", PROGRAM_EGRESS | PROGRAM_INGRESS,
				 "traffic accounting and ingress filtering" },
	[FEATURE_LPM_TRIE] = { "lpm_trie", PROGRAM_ALL, "everything (network ownership)" },
	[FEATURE_RINGBUF] = { "ringbuf", PROGRAM_ALL, "everything (violation events)" },
	[FEATURE_LRU_HASH] = { "lru_hash", PROGRAM_ALL, "everything (the cgroup cache)" },
	[FEATURE_PERCPU_HASH] = { "percpu_hash", PROGRAM_ALL, "everything (the counters)" },
	[FEATURE_SK_STORAGE] = { "sk_storage", PROGRAM_ALL, "everything (the peers a socket asked, and was judged against)" },
	[FEATURE_SK_LOOKUP] = { "sk_lookup", PROGRAM_CONNECT | PROGRAM_SENDMSG | PROGRAM_BIND,
				"finding the owner of a local socket" },
	[FEATURE_SKC_TO_TCP_SOCK] = { "skc_to_tcp_sock", PROGRAM_CONNECT | PROGRAM_SENDMSG,
				      "tracing a TCP socket to its cgroup" },
	[FEATURE_SKB_ANCESTOR_CGROUP_ID] = { "skb_ancestor_cgroup_id",
					     PROGRAM_EGRESS | PROGRAM_INGRESS,
					     "tagging packets with their tenant" },
	[FEATURE_CURRENT_ANCESTOR_CGROUP_ID] = { "current_ancestor_cgroup_id",
						 PROGRAM_CHECK_SOCKET,
						 "tagging new sockets with their tenant" },
	[FEATURE_UNIX_SOCKET_HOOKS] = { "cgroup_unix_socket_hooks", PROGRAM_UNIX,
					"refusing connections to other tenants' abstract Unix "
					"sockets (Linux 6.7)" },
	[FEATURE_POSTURE_ITERATORS] = { "posture_iterators", PROGRAM_POSTURE,
					"finding privileged tenant processes and packet sockets, "
					"and PacketSockets=kill (Linux 6.13)" },
	[FEATURE_TASK_ITERATOR] = { "task_iterator", PROGRAM_CONTAINERS,
				    "claiming containers' addresses for Network=auto" },
};

const char *kernel_features_name(enum feature feature)
{
	return feature < FEATURE_COUNT ? needs[feature].name : "unknown";
}

/* Skeleton program names, without the "tenantd_" every one carries, and
 * the bit of each. */
static const struct {
	const char *name;
	unsigned int bit;
} program_bits[] = {
	{ "check_socket", PROGRAM_CHECK_SOCKET },
	{ "connect4", PROGRAM_CONNECT },
	{ "connect6", PROGRAM_CONNECT },
	{ "sendmsg4", PROGRAM_SENDMSG },
	{ "sendmsg6", PROGRAM_SENDMSG },
	{ "bind4", PROGRAM_BIND },
	{ "bind6", PROGRAM_BIND },
	{ "count_egress", PROGRAM_EGRESS },
	{ "filter_ingress", PROGRAM_INGRESS },
	{ "unix_connect", PROGRAM_UNIX },
	{ "unix_sendmsg", PROGRAM_UNIX },
	{ "unix_scan_names", PROGRAM_UNIX },
	{ "scan_capabilities", PROGRAM_POSTURE },
	{ "scan_packet_sockets", PROGRAM_POSTURE },
	{ "scan_container_addresses", PROGRAM_CONTAINERS },
};

unsigned int kernel_features_program_bits(const char *program_name)
{
	static const char prefix[] = "tenantd_";

	if (strncmp(program_name, prefix, sizeof(prefix) - 1))
		return 0;
	program_name += sizeof(prefix) - 1;
	for (size_t i = 0; i < sizeof(program_bits) / sizeof(program_bits[0]); i++)
		if (!strcmp(program_name, program_bits[i].name))
			return program_bits[i].bit;
	return 0;
}

static bool helper(enum bpf_prog_type type, enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(type, id, NULL) == 1;
}

/* The Unix socket-address hooks and the Unix socket iterator, as the
 * kernel's BTF names them: no program needs loading to tell. */
static bool unix_socket_hooks(const struct btf *btf)
{
	const struct btf_type *type;
	bool sendmsg_hook = false;
	__s32 id;

	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, "bpf_attach_type", BTF_KIND_ENUM);
	type = id > 0 ? btf__type_by_id(btf, id) : NULL;
	for (__u16 i = 0; type && i < btf_vlen(type); i++)
		if (!strcmp(btf__name_by_offset(btf, btf_enum(type)[i].name_off),
			    "BPF_CGROUP_UNIX_SENDMSG"))
			sendmsg_hook = true;
	id = btf__find_by_name_kind(btf, "bpf_iter__unix", BTF_KIND_STRUCT);
	return sendmsg_hook && id > 0;
}

/* The task and task_file iterators, and the kfunc that signals another
 * task (Linux 6.13), as the kernel's BTF names them. */
static bool posture_iterators(const struct btf *btf)
{
	return btf && btf__find_by_name_kind(btf, "bpf_iter__task", BTF_KIND_STRUCT) > 0 &&
	       btf__find_by_name_kind(btf, "bpf_iter__task_file", BTF_KIND_STRUCT) > 0 &&
	       btf__find_by_name_kind(btf, "bpf_send_signal_task", BTF_KIND_FUNC) > 0;
}

void kernel_features_probe(bool found[FEATURE_COUNT])
{
	struct btf *btf;

	found[FEATURE_BTF] = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	found[FEATURE_CGROUP_SOCK_ADDR] =
		libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, NULL) == 1;
	found[FEATURE_CGROUP_SOCK] = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SOCK, NULL) == 1;
	found[FEATURE_CGROUP_SKB] = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_CGROUP_SKB, NULL) == 1;
	found[FEATURE_LPM_TRIE] = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_LPM_TRIE, NULL) == 1;
	found[FEATURE_RINGBUF] = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	found[FEATURE_LRU_HASH] = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_LRU_HASH, NULL) == 1;
	found[FEATURE_PERCPU_HASH] = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_PERCPU_HASH, NULL) == 1;
	found[FEATURE_SK_STORAGE] = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_SK_STORAGE, NULL) == 1;
	found[FEATURE_SK_LOOKUP] =
		helper(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_sk_lookup_tcp);
	found[FEATURE_SKC_TO_TCP_SOCK] =
		helper(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_skc_to_tcp_sock);
	found[FEATURE_SKB_ANCESTOR_CGROUP_ID] =
		helper(BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_skb_ancestor_cgroup_id);
	found[FEATURE_CURRENT_ANCESTOR_CGROUP_ID] =
		helper(BPF_PROG_TYPE_CGROUP_SOCK, BPF_FUNC_get_current_ancestor_cgroup_id);
	/* Parsed once: the kernel's BTF is a few megabytes. */
	btf = btf__load_vmlinux_btf();
	found[FEATURE_UNIX_SOCKET_HOOKS] = unix_socket_hooks(btf);
	found[FEATURE_POSTURE_ITERATORS] = posture_iterators(btf);
	found[FEATURE_TASK_ITERATOR] =
		btf && btf__find_by_name_kind(btf, "bpf_iter__task", BTF_KIND_STRUCT) > 0;
	btf__free(btf);
}

int kernel_features_plan(const bool found[FEATURE_COUNT], bool allow_partial, unsigned int *disabled,
		  char *error, size_t size)
{
	size_t used = 0;

	*disabled = 0;
	error[0] = '\0';
	for (int f = 0; f < FEATURE_COUNT; f++) {
		if (found[f])
			continue;
		*disabled |= needs[f].programs;
		used += (size_t)snprintf(error + used, used < size ? size - used : 0,
					 "%sthe kernel lacks %s, needed for %s", used ? "; " : "",
					 needs[f].name, needs[f].protects);
	}
	if (!*disabled)
		return 0;
	if (*disabled == PROGRAM_ALL) {
		if (used < size)
			snprintf(error + used, size - used, "; tenantd cannot run on this kernel");
		return -EOPNOTSUPP;
	}
	if (!allow_partial) {
		if (used < size)
			snprintf(error + used, size - used,
				 "; refusing to run half-protected (start with --allow-partial to "
				 "run without those protections)");
		return -EOPNOTSUPP;
	}
	return 0;
}
