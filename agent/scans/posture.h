/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The privilege posture of tenant processes: which of them hold, over the
 * host, capabilities that void isolation, and which hold packet sockets or
 * NETLINK_USERSOCK sockets outside a network namespace of their own. Found
 * by iterators in the kernel, on a schedule and when tenant cgroups change;
 * reported in /v1/posture, the metrics and the event stream, and with
 * PacketSockets=kill or NetlinkSockets=kill their holders are killed. */
#ifndef TENANTD_POSTURE_H
#define TENANTD_POSTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"

struct agent_config;
struct tenantd_bpf;
struct event_stream;
struct posture;

struct posture_process {
	uint32_t pid;
	uint32_t tenant_id;
	uint32_t uid;
	uint64_t capabilities; /* bit N: capability number N, over the host */
	uint64_t cgroup_id;
	bool packet_socket;
	bool netlink_socket;
	bool killed; /* by PacketSockets= or NetlinkSockets=kill, in the scan that found it */
	char comm[17];
};

/* *OUT stays NULL, and 0 is returned, when the posture programs were left
 * out (--allow-partial). EVENTS is where new findings are reported. */
int posture_open(struct tenantd_bpf *skeleton, struct event_stream *events,
		 const struct agent_config *settings, struct posture **out);
void posture_close(struct posture *posture);
DEFINE_POINTER_CLEANUP(struct posture *, posture_close);
/* PacketSockets=, NetlinkSockets= and PostureScanInterval=, at start and
 * after a reload. */
void posture_configure(struct posture *posture, const struct agent_config *settings);
/* Tenant cgroups changed: scan soon. */
void posture_request(struct posture *posture);
/* Milliseconds until a scan is due, or -1. */
int posture_timeout(const struct posture *posture);
void posture_tick(struct posture *posture);
/* The findings of the last scan, by pid; *COUNT of them. */
const struct posture_process *posture_processes(const struct posture *posture, size_t *count);
/* How many scans ran, and how long the last one took. */
void posture_scans(const struct posture *posture, uint64_t *scans, uint64_t *duration_us);

#endif /* TENANTD_POSTURE_H */
