// SPDX-License-Identifier: LGPL-2.1-or-later
/* The host's own addresses: a dump of rtnetlink's at start, then each
 * change as the kernel announces it (libmnl, one socket subscribed to the
 * address groups). Every address but loopback's is written to the network
 * tries as the host's, a /32 or /128; the pinned tenantd_host_addresses map
 * records what was written. A lost announcement (ENOBUFS) asks for a dump
 * again, which ends by removing what it did not see. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "config.h"
#include "kernel/network_tries.h"
#include "log.h"
#include "scans/host_addresses.h"
#include "tenantd.skel.h"
#include "tenantd_abi.h"

struct host_addresses {
	struct tenantd_bpf *skeleton;
	struct mnl_socket *socket;
	uint32_t dump_sequence; /* of the dump under way, 0 when none */
	uint32_t dump; /* what tenantd_host_addresses values say of it */
};

static int ask_for_dump(struct host_addresses *addresses)
{
	char buffer[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *header = mnl_nlmsg_put_header(buffer);
	struct ifaddrmsg *message;

	header->nlmsg_type = RTM_GETADDR;
	header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	header->nlmsg_seq = addresses->dump_sequence = (uint32_t)time(NULL) | 1;
	message = mnl_nlmsg_put_extra_header(header, sizeof(*message));
	message->ifa_family = AF_UNSPEC;
	addresses->dump++;
	if (mnl_socket_sendto(addresses->socket, header, header->nlmsg_len) < 0)
		return log_error_errno(errno, "host addresses: cannot ask rtnetlink for them: %m");
	return 0;
}

/* The address a RTM_NEWADDR or RTM_DELADDR announces, as the network map
 * keys it; false for what is not judged: loopback's, other families. */
static bool announced_address(const struct nlmsghdr *header, struct network_key *key)
{
	const struct ifaddrmsg *message = mnl_nlmsg_get_payload(header);
	const struct nlattr *attribute;
	uint16_t wanted = message->ifa_family == AF_INET ? IFA_LOCAL : IFA_ADDRESS;

	if ((message->ifa_family != AF_INET && message->ifa_family != AF_INET6) ||
	    message->ifa_scope == RT_SCOPE_HOST)
		return false;
	memset(key, 0, sizeof(*key));
	key->prefixlen = 128;
	mnl_attr_for_each(attribute, header, sizeof(*message)) {
		if (mnl_attr_get_type(attribute) != wanted)
			continue;
		if (message->ifa_family == AF_INET &&
		    mnl_attr_get_payload_len(attribute) == 4) {
			key->addr[10] = 0xff;
			key->addr[11] = 0xff;
			memcpy(&key->addr[12], mnl_attr_get_payload(attribute), 4);
			return true;
		}
		if (message->ifa_family == AF_INET6 &&
		    mnl_attr_get_payload_len(attribute) == 16) {
			memcpy(key->addr, mnl_attr_get_payload(attribute), 16);
			return true;
		}
	}
	return false;
}

static int trie_fd(const struct host_addresses *addresses, const struct network_key *key)
{
	return bpf_map__fd(network_trie_map(addresses->skeleton,
					    network_trie_of_address(key->addr)));
}

/* A tenant's network of exactly this address stays the tenant's. */
static void add(struct host_addresses *addresses, const struct config *config,
		const struct network_key *key)
{
	int recorded_fd = bpf_map__fd(addresses->skeleton->maps.tenantd_host_addresses);
	__u32 host = TENANT_ID_HOST;

	if (network_configured_exactly(config, key))
		return;
	if (bpf_map_update_elem(recorded_fd, key, &addresses->dump, BPF_ANY) ||
	    bpf_map_update_elem(trie_fd(addresses, key), key, &host, BPF_ANY))
		log_warning("host addresses: cannot write one: %m");
}

/* Removed from the trie only where the host's entry is still there. */
static void remove_address(struct host_addresses *addresses, const struct network_key *key)
{
	int recorded_fd = bpf_map__fd(addresses->skeleton->maps.tenantd_host_addresses);
	__u32 owner;

	if (bpf_map_delete_elem(recorded_fd, key))
		return;
	if (bpf_map_lookup_elem(trie_fd(addresses, key), key, &owner) == 0 &&
	    owner == TENANT_ID_HOST)
		(void)bpf_map_delete_elem(trie_fd(addresses, key), key);
}

/* The dump is done: what it did not see is gone. */
static void sweep(struct host_addresses *addresses)
{
	int recorded_fd = bpf_map__fd(addresses->skeleton->maps.tenantd_host_addresses);
	struct network_key key, next;
	__u32 dump;
	bool more = bpf_map_get_next_key(recorded_fd, NULL, &next) == 0;

	addresses->dump_sequence = 0;
	/* The next key is taken before this one may be deleted. */
	while (more) {
		key = next;
		more = bpf_map_get_next_key(recorded_fd, &key, &next) == 0;
		if (bpf_map_lookup_elem(recorded_fd, &key, &dump) == 0 && dump != addresses->dump)
			remove_address(addresses, &key);
	}
}

/* The newest dump a previous agent recorded, so that this one's count on
 * from it and its first dump sweeps what is gone since. */
static __u32 latest_dump(int recorded_fd)
{
	struct network_key key, *previous = NULL;
	__u32 dump, latest = 0;

	while (bpf_map_get_next_key(recorded_fd, previous, &key) == 0) {
		previous = &key;
		if (bpf_map_lookup_elem(recorded_fd, &key, &dump) == 0 && dump > latest)
			latest = dump;
	}
	return latest;
}

/* Every message in BUFFER: announcements and dump replies alike. */
static void take(struct host_addresses *addresses, const struct config *config,
		 const void *buffer, size_t length)
{
	const struct nlmsghdr *header = buffer;
	int left = (int)length;
	struct network_key key;

	for (; mnl_nlmsg_ok(header, left); header = mnl_nlmsg_next(header, &left)) {
		if (header->nlmsg_type == NLMSG_DONE && header->nlmsg_seq &&
		    header->nlmsg_seq == addresses->dump_sequence)
			sweep(addresses);
		else if (header->nlmsg_type == RTM_NEWADDR && announced_address(header, &key))
			add(addresses, config, &key);
		else if (header->nlmsg_type == RTM_DELADDR && announced_address(header, &key))
			remove_address(addresses, &key);
	}
}

void host_addresses_consume(struct host_addresses *addresses, const struct config *config)
{
	char buffer[MNL_SOCKET_BUFFER_SIZE];
	ssize_t length;

	if (!addresses)
		return;
	while ((length = mnl_socket_recvfrom(addresses->socket, buffer, sizeof(buffer))) > 0)
		take(addresses, config, buffer, (size_t)length);
	/* Announcements were lost: only a new dump tells what is there. */
	if (length < 0 && errno == ENOBUFS)
		(void)ask_for_dump(addresses);
}

int host_addresses_fd(const struct host_addresses *addresses)
{
	return addresses ? mnl_socket_get_fd(addresses->socket) : -1;
}

int host_addresses_open(struct tenantd_bpf *skeleton, const struct config *config,
			struct host_addresses **out)
{
	_cleanup_(host_addresses_closep) struct host_addresses *addresses = NULL;
	int r;

	*out = NULL;
	addresses = calloc(1, sizeof(*addresses));
	if (!addresses)
		return -ENOMEM;
	addresses->skeleton = skeleton;
	addresses->socket = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!addresses->socket ||
	    mnl_socket_bind(addresses->socket, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
			    MNL_SOCKET_AUTOPID))
		return log_error_errno(errno, "host addresses: cannot subscribe to rtnetlink: %m");
	addresses->dump = latest_dump(bpf_map__fd(skeleton->maps.tenantd_host_addresses));
	r = ask_for_dump(addresses);
	if (r)
		return r;
	/* The reply is read now, so that the maps hold the host's addresses
	 * before the agent says it is ready; the kernel answers at once. */
	while (addresses->dump_sequence) {
		struct pollfd reply = { .fd = host_addresses_fd(addresses), .events = POLLIN };

		if (poll(&reply, 1, 5000) <= 0)
			return log_error_errno(errno ? errno : ETIMEDOUT,
					       "host addresses: rtnetlink did not answer: %m");
		host_addresses_consume(addresses, config);
	}
	*out = TAKE_PTR(addresses);
	return 0;
}

void host_addresses_close(struct host_addresses *addresses)
{
	if (!addresses)
		return;
	if (addresses->socket)
		mnl_socket_close(addresses->socket);
	free(addresses);
}
