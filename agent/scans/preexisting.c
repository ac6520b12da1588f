// SPDX-License-Identifier: LGPL-2.1-or-later
/* Lists established TCP sockets through sock_diag (libmnl), which reports
 * each socket's cgroup id; resolves both ends to tenants as the kernel does,
 * pairs local ends, judges each connection by the configured policy and,
 * with KillPreexisting=yes, destroys the offending sockets (SOCK_DESTROY).
 * The judgement is the kernel's own (verdict.h): a connection stands when
 * either end may initiate to the other, as the ingress filter has it, and
 * a remote end's owner is found in the kernel's network map. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "agent.h"
#include "api/events.h"
#include "cgroups/cgroup_paths.h"
#include "cgroups/tenant_of.h"
#include "cleanup.h"
#include "kernel/verdict.h"
#include "log.h"
#include "scans/preexisting.h"
#include "tenantd.skel.h"

struct connection {
	struct inet_diag_sockid id;
	uint8_t family;
	uint64_t cgroup_id;
	uint32_t tenant_id;
};

struct scan {
	struct agent *agent;
	struct connection *connections;
	size_t count;
};

DEFINE_POINTER_CLEANUP(struct mnl_socket *, mnl_socket_close);

static void scan_free(struct scan *scan)
{
	free(scan->connections);
}

static int attribute_callback(const struct nlattr *attribute, void *data)
{
	const struct nlattr **table = data;

	if (mnl_attr_type_valid(attribute, INET_DIAG_MAX) > 0)
		table[mnl_attr_get_type(attribute)] = attribute;
	return MNL_CB_OK;
}

static int socket_callback(const struct nlmsghdr *header, void *data)
{
	struct scan *scan = data;
	const struct inet_diag_msg *message = mnl_nlmsg_get_payload(header);
	const struct nlattr *table[INET_DIAG_MAX + 1] = {};
	struct connection *grown;
	char path[PATH_MAX];

	mnl_attr_parse(header, sizeof(*message), attribute_callback, table);
	grown = realloc(scan->connections, (scan->count + 1) * sizeof(*grown));
	if (!grown)
		return MNL_CB_ERROR;
	scan->connections = grown;
	grown[scan->count] = (struct connection){
		.id = message->id,
		.family = message->idiag_family,
		.cgroup_id = table[INET_DIAG_CGROUP_ID] ? mnl_attr_get_u64(table[INET_DIAG_CGROUP_ID]) : 0,
	};
	if (cgroup_paths_find(scan->agent->cgroup_paths, grown[scan->count].cgroup_id, NULL, path,
			      sizeof(path)) == 0)
		grown[scan->count].tenant_id = tenant_of_cgroup_path(scan->agent, path);
	scan->count++;
	return MNL_CB_OK;
}

static int dump_family(struct mnl_socket *netlink, uint8_t family, struct scan *scan)
{
	char buffer[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *header = mnl_nlmsg_put_header(buffer);
	struct inet_diag_req_v2 *request;
	unsigned int sequence = (unsigned int)time(NULL), port = mnl_socket_get_portid(netlink);
	ssize_t length;
	int r = MNL_CB_OK;

	header->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	header->nlmsg_seq = sequence;
	request = mnl_nlmsg_put_extra_header(header, sizeof(*request));
	request->sdiag_family = family;
	request->sdiag_protocol = IPPROTO_TCP;
	request->idiag_states = 1 << TCP_ESTABLISHED;
	if (mnl_socket_sendto(netlink, header, header->nlmsg_len) < 0)
		return -errno;
	while ((length = mnl_socket_recvfrom(netlink, buffer, sizeof(buffer))) > 0) {
		r = mnl_cb_run(buffer, (size_t)length, sequence, port, socket_callback, scan);
		if (r <= MNL_CB_STOP)
			break;
	}
	return r < 0 ? -errno : 0;
}

static int destroy(struct mnl_socket *netlink, const struct connection *connection)
{
	char buffer[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *header = mnl_nlmsg_put_header(buffer);
	struct inet_diag_req_v2 *request;
	unsigned int sequence = (unsigned int)time(NULL) + 1, port = mnl_socket_get_portid(netlink);
	ssize_t length;

	header->nlmsg_type = SOCK_DESTROY;
	header->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	header->nlmsg_seq = sequence;
	request = mnl_nlmsg_put_extra_header(header, sizeof(*request));
	request->sdiag_family = connection->family;
	request->sdiag_protocol = IPPROTO_TCP;
	request->idiag_states = 1 << TCP_ESTABLISHED;
	request->id = connection->id;
	if (mnl_socket_sendto(netlink, header, header->nlmsg_len) < 0)
		return -errno;
	length = mnl_socket_recvfrom(netlink, buffer, sizeof(buffer));
	if (length < 0 || mnl_cb_run(buffer, (size_t)length, sequence, port, NULL, NULL) < 0)
		return -errno;
	return 0;
}

/* 128-bit address of one end, IPv4 mapped, as the network map has them. */
static void end_address(const struct connection *connection, bool remote, uint8_t out[16])
{
	const __be32 *words = remote ? connection->id.idiag_dst : connection->id.idiag_src;

	memset(out, 0, 16);
	if (connection->family == AF_INET) {
		out[10] = out[11] = 0xff;
		memcpy(&out[12], &words[0], 4);
	} else {
		memcpy(out, words, 16);
	}
}

/* The local socket at the other end of CONNECTION, if any. */
static const struct connection *local_peer(const struct scan *scan,
					   const struct connection *connection)
{
	for (size_t i = 0; i < scan->count; i++) {
		const struct connection *other = &scan->connections[i];

		if (other->family == connection->family &&
		    other->id.idiag_sport == connection->id.idiag_dport &&
		    other->id.idiag_dport == connection->id.idiag_sport &&
		    !memcmp(other->id.idiag_src, connection->id.idiag_dst, 16) &&
		    !memcmp(other->id.idiag_dst, connection->id.idiag_src, 16))
			return other;
	}
	return NULL;
}

static void count_violation(struct agent *agent, const struct violation_key *key)
{
	int fd = bpf_map__fd(agent->programs.skeleton->maps.tenantd_violations);
	int cpus = libbpf_num_possible_cpus();
	_cleanup_free_ uint64_t *values = NULL;

	if (cpus <= 0 || !(values = calloc((size_t)cpus, sizeof(*values))))
		return;
	bpf_map_lookup_elem(fd, key, values);
	values[0]++;
	bpf_map_update_elem(fd, key, values, BPF_ANY);
}

static void report(struct agent *agent, const struct connection *connection, uint32_t peer,
		   bool destroyed)
{
	struct violation_event event = {
		.cgroup_id = connection->cgroup_id,
		.tenant_id = connection->tenant_id,
		.peer_id = peer,
		.dport = ntohs(connection->id.idiag_dport),
		.reason = REASON_PREEXISTING,
		.action = destroyed ? ACTION_DENIED : ACTION_AUDITED,
		.protocol = IPPROTO_TCP,
		.family = connection->family,
	};
	struct violation_key key = {
		.tenant_id = connection->tenant_id, .peer_id = peer,
		.reason = REASON_PREEXISTING, .action = event.action,
	};
	struct timespec now;

	clock_gettime(CLOCK_BOOTTIME, &now);
	event.boot_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
	end_address(connection, true, event.addr);
	count_violation(agent, &key);
	event_stream_record(agent->events, &event);
}

/* Judges CONNECTION, one end of an established connection; on a violation
 * reports it and, with KillPreexisting=yes, destroys it. Returns whether
 * it violates the policy. */
static bool judge(struct agent *agent, const struct scan *scan, const struct verdict_maps *maps,
		  struct mnl_socket *netlink, const struct connection *connection)
{
	const struct connection *peer_end = local_peer(scan, connection);
	uint16_t local_port = ntohs(connection->id.idiag_sport);
	uint16_t remote_port = ntohs(connection->id.idiag_dport);
	bool destroyed = false;
	uint8_t address[16];
	int64_t owner;
	uint32_t peer;
	int r;

	if (peer_end) {
		peer = peer_end->tenant_id;
	} else {
		end_address(connection, true, address);
		owner = verdict_network_owner(maps, address);
		if (owner < 0)
			return false; /* the outside world */
		peer = (uint32_t)owner;
	}
	if (verdict_connection_stands(maps, connection->tenant_id, peer, local_port, remote_port,
				      IPPROTO_TCP))
		return false;
	if (agent->config.agent.kill_preexisting) {
		r = destroy(netlink, connection);
		/* Gone already: destroying its other end reset it. */
		destroyed = r == 0 || r == -ENOENT;
		if (!destroyed)
			(void)log_error_errno(r, "tenant %s: cannot destroy a preexisting connection "
					      "to port %u: %m",
					      tenant_label(agent, connection->tenant_id), remote_port);
	}
	report(agent, connection, peer, destroyed);
	return true;
}

int preexisting_scan(struct agent *agent)
{
	_cleanup_(scan_free) struct scan scan = { .agent = agent };
	_cleanup_(mnl_socket_closep) struct mnl_socket *netlink = NULL;
	struct verdict_maps maps;
	int r, offending = 0;

	netlink = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!netlink || mnl_socket_bind(netlink, 0, MNL_SOCKET_AUTOPID) < 0)
		return log_error_errno(errno, "cannot list established connections (sock_diag): %m");
	verdict_maps_of(agent->programs.skeleton, &maps);
	r = dump_family(netlink, AF_INET, &scan);
	if (r == 0)
		r = dump_family(netlink, AF_INET6, &scan);
	if (r)
		return log_error_errno(r, "cannot list established connections (sock_diag): %m");
	for (size_t i = 0; i < scan.count; i++)
		if (scan.connections[i].tenant_id != TENANT_ID_HOST &&
		    judge(agent, &scan, &maps, netlink, &scan.connections[i]))
			offending++;
	if (offending)
		log_warning("%d established socket%s predate%s tenantd and violate%s the "
			    "policy%s", offending, offending == 1 ? "" : "s", offending == 1 ? "s" : "",
			    offending == 1 ? "s" : "",
			    agent->config.agent.kill_preexisting ? "; destroyed (KillPreexisting=yes)"
								 : "; listed as events");
	return offending;
}
