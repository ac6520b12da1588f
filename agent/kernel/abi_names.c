// SPDX-License-Identifier: LGPL-2.1-or-later
/* The names of the kernel's numbers, one table each; see abi_names.h. */
#include <linux/capability.h>

#include <json-c/json.h>

#include "cleanup.h"
#include "kernel/abi_names.h"
#include "tenantd_abi.h"

static const char *const reason_names[REASON_COUNT] = {
	[REASON_LOCAL_SOCKET] = "local_socket",
	[REASON_REMOTE_NETWORK] = "remote_network",
	[REASON_INGRESS_NETWORK] = "ingress_network",
	[REASON_RAW_SOCKET] = "raw_socket",
	[REASON_TOMBSTONED] = "tombstoned",
	[REASON_HOST] = "host",
	[REASON_PREEXISTING] = "preexisting",
	[REASON_PRIVILEGED_PROCESS] = "privileged_process",
	[REASON_PACKET_SOCKET] = "packet_socket",
	[REASON_QUOTA_CONNECT_RATE] = "quota_connect_rate",
	[REASON_QUOTA_EGRESS] = "quota_egress",
	[REASON_BIND] = "bind",
	[REASON_NETLINK_SOCKET] = "netlink_socket",
	[REASON_SPOOFED_SOURCE] = "spoofed_source",
};

/* The reasons that are quotas exceeded, and each one's quota label. */
static const char *const quota_names[REASON_COUNT] = {
	[REASON_QUOTA_CONNECT_RATE] = "connect_rate",
	[REASON_QUOTA_EGRESS] = "egress",
};

static const char *const action_names[ACTION_COUNT] = {
	[ACTION_DENIED] = "denied",
	[ACTION_AUDITED] = "audited",
	[ACTION_REPORTED] = "reported",
	[ACTION_KILLED] = "killed",
	[ACTION_WARNED] = "warned",
};

/* docs/threat-model.md says why each one voids isolation. */
static const struct {
	unsigned int number;
	const char *name;
} capabilities[REPORTED_CAPABILITY_COUNT] = {
	{ CAP_NET_RAW, "net_raw" }, /* packet sockets: sniff and forge frames */
	{ CAP_NET_ADMIN, "net_admin" }, /* addresses, routes, NAT, cgroup programs */
	{ CAP_SYS_ADMIN, "sys_admin" }, /* everything, namespaces and BPF included */
	{ CAP_BPF, "bpf" }, /* programs and maps of its own beside tenantd's */
	{ CAP_SYS_PTRACE, "sys_ptrace" }, /* another process's sockets (pidfd_getfd) */
	{ CAP_SYS_MODULE, "sys_module" }, /* kernel code */
	{ CAP_SYS_RAWIO, "sys_rawio" }, /* kernel memory through devices */
	{ CAP_DAC_OVERRIDE, "dac_override" }, /* tenantd's pins, others' socket files */
	{ CAP_DAC_READ_SEARCH, "dac_read_search" }, /* files by handle, past permissions */
	{ CAP_SETUID, "setuid" }, /* becomes tenantd's user, or another tenant's */
};

const char *violation_reason_name(unsigned int reason)
{
	return reason < REASON_COUNT ? reason_names[reason] : "unknown";
}

const char *violation_quota_name(unsigned int reason)
{
	return reason < REASON_COUNT ? quota_names[reason] : NULL;
}

const char *violation_action_name(unsigned int action)
{
	return action < ACTION_COUNT ? action_names[action] : "unknown";
}

const char *capability_name(size_t index)
{
	return index < REPORTED_CAPABILITY_COUNT ? capabilities[index].name : "unknown";
}

bool capability_held(uint64_t held, size_t index)
{
	return index < REPORTED_CAPABILITY_COUNT && (held & (1ULL << capabilities[index].number));
}

uint64_t reported_capabilities(void)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < REPORTED_CAPABILITY_COUNT; i++)
		mask |= 1ULL << capabilities[i].number;
	return mask;
}

struct json_object *capability_names_json(uint64_t held)
{
	struct json_object *list = json_object_new_array();

	for (size_t i = 0; list && i < REPORTED_CAPABILITY_COUNT; i++)
		if (capability_held(held, i))
			json_object_array_add(list, json_object_new_string(capabilities[i].name));
	return list;
}
