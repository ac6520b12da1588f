// SPDX-License-Identifier: LGPL-2.1-or-later
/* The privilege posture of tenant processes. Two iterators in the kernel
 * list the tenant threads holding capabilities of the mask below and the
 * tenant processes holding packet or NETLINK_USERSOCK sockets; this file
 * runs them, merges threads into processes, and reports what was not
 * there the scan before. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "api/events.h"
#include "cleanup.h"
#include "config.h"
#include "kernel/abi_names.h"
#include "log.h"
#include "scans/posture.h"
#include "scans/scan.h"
#include "tenantd.skel.h"
#include "tenantd_abi.h"

/* Cgroup changes come in bursts; one scan serves a burst. */
#define SCAN_PAUSE_MS 200
/* A host where thousands of tenant processes run as root would flood the
 * event stream on the first scan; past this, findings are only counted. */
#define EVENTS_PER_SCAN 100

struct posture {
	struct tenantd_bpf *skeleton;
	struct event_stream *events;
	struct bpf_link *capability_iterator;
	struct bpf_link *packet_socket_iterator;
	struct posture_settings settings;
	struct posture_process *processes; /* sorted by pid */
	size_t count;
	/* Processes start and stop in tenant cgroups without telling anyone;
	 * the interval bounds how long a new holder goes unreported. */
	unsigned int interval_ms;
	struct scan_schedule schedule;
	uint64_t scans;
};

static int compare_pid(const void *a, const void *b)
{
	const struct posture_process *left = a, *right = b;

	return (left->pid > right->pid) - (left->pid < right->pid);
}

static struct posture_process *find(struct posture_process *processes, size_t count, uint32_t pid)
{
	struct posture_process key = { .pid = pid };

	if (!count)
		return NULL;
	return bsearch(&key, processes, count, sizeof(*processes), compare_pid);
}

static void process_from_record(struct posture_process *process,
				const struct posture_record *record)
{
	memset(process, 0, sizeof(*process));
	process->pid = record->pid;
	process->tenant_id = record->tenant_id;
	process->uid = record->uid;
	process->cgroup_id = record->cgroup_id;
	process->capabilities = record->capabilities;
	process->packet_socket = record->finding == POSTURE_PACKET_SOCKET;
	process->netlink_socket = record->finding == POSTURE_NETLINK_SOCKET;
	process->killed = record->killed;
	memcpy(process->comm, record->comm, TASK_COMM_BYTES);
}

/* A record per thread and per packet socket: sorted by process and merged,
 * so each process is one entry. Returns the number of entries kept. */
static size_t merge_by_process(struct posture_process *processes, size_t count)
{
	size_t kept = 0;

	qsort(processes, count, sizeof(*processes), compare_pid);
	for (size_t i = 0; i < count; i++) {
		struct posture_process *last = kept ? &processes[kept - 1] : NULL;

		if (last && last->pid == processes[i].pid) {
			last->capabilities |= processes[i].capabilities;
			last->packet_socket |= processes[i].packet_socket;
			last->netlink_socket |= processes[i].netlink_socket;
			last->killed |= processes[i].killed;
		} else {
			processes[kept++] = processes[i];
		}
	}
	return kept;
}

static void report(struct posture *posture, const struct posture_process *process, int reason,
		   int action)
{
	struct violation_event event = {
		.cgroup_id = process->cgroup_id,
		.tenant_id = process->tenant_id,
		.peer_id = TENANT_ID_HOST,
		.pid = process->pid,
		.reason = (__u8)reason,
		.action = (__u8)action,
		.capabilities = reason == REASON_PRIVILEGED_PROCESS ? process->capabilities : 0,
	};
	struct timespec boot;

	clock_gettime(CLOCK_BOOTTIME, &boot);
	event.boot_ns = (uint64_t)boot.tv_sec * 1000000000ULL + (uint64_t)boot.tv_nsec;
	memcpy(event.comm, process->comm, TASK_COMM_BYTES);
	event_stream_record(posture->events, &event);
}

/* Is a socket finding new since BEFORE (or killed, which is news)? */
static bool socket_news(bool now, bool before_had, const struct posture_process *process,
			const struct posture_process *before)
{
	return now && (process->killed || !before || !before_had);
}

/* What the previous scan did not have is reported: a new process, a
 * capability gained, a packet or netlink socket opened. */
static void report_new(struct posture *posture, const struct posture_process *processes,
		       size_t count)
{
	size_t events = 0, unsent = 0;

	for (size_t i = 0; i < count; i++) {
		const struct posture_process *now = &processes[i];
		const struct posture_process *before = find(posture->processes, posture->count,
							    now->pid);
		uint64_t gained = now->capabilities & ~(before ? before->capabilities : 0);
		bool packet = socket_news(now->packet_socket, before && before->packet_socket, now,
					  before);
		bool netlink = socket_news(now->netlink_socket, before && before->netlink_socket,
					   now, before);
		int action = now->killed ? ACTION_KILLED : ACTION_REPORTED;

		if ((gained || packet || netlink) && events >= EVENTS_PER_SCAN) {
			unsent++;
			continue;
		}
		if (gained)
			report(posture, now, REASON_PRIVILEGED_PROCESS, ACTION_REPORTED);
		if (packet)
			report(posture, now, REASON_PACKET_SOCKET, action);
		if (netlink)
			report(posture, now, REASON_NETLINK_SOCKET, action);
		events += !!gained + packet + netlink;
	}
	if (unsent)
		log_warning("posture: %zu more tenant processes found privileged than sent as events; "
			    "GET /v1/posture lists them all", unsent);
}

static int scan(struct posture *posture)
{
	_cleanup_free_ struct posture_record *threads = NULL, *sockets = NULL;
	size_t thread_count = 0, socket_count = 0, count;
	size_t thread_bytes = 0, socket_bytes = 0;
	struct posture_process *processes;
	__u32 zero = 0;
	int r;

	scan_started(&posture->schedule);
	if (bpf_map_update_elem(bpf_map__fd(posture->skeleton->maps.tenantd_posture_settings), &zero,
				&posture->settings, BPF_ANY))
		return log_error_errno(errno, "cannot set up the posture scan: %m");
	r = iterator_run(posture->capability_iterator, (void **)&threads, &thread_bytes);
	if (r == 0)
		r = iterator_run(posture->packet_socket_iterator, (void **)&sockets, &socket_bytes);
	thread_count = thread_bytes / sizeof(*threads);
	socket_count = socket_bytes / sizeof(*sockets);
	if (r)
		return log_error_errno(r, "cannot scan the tenant processes' privileges: %m");
	processes = calloc(thread_count + socket_count + 1, sizeof(*processes));
	if (!processes)
		return log_error_errno(-ENOMEM, "cannot scan the tenant processes' privileges: %m");
	for (size_t i = 0; i < thread_count; i++)
		process_from_record(&processes[i], &threads[i]);
	for (size_t i = 0; i < socket_count; i++)
		process_from_record(&processes[thread_count + i], &sockets[i]);
	count = merge_by_process(processes, thread_count + socket_count);
	report_new(posture, processes, count);
	free(posture->processes);
	posture->processes = processes;
	posture->count = count;
	posture->scans++;
	scan_finished(&posture->schedule);
	log_debug("posture: %zu tenant processes found privileged in %llu us", count,
		  (unsigned long long)posture->schedule.duration_us);
	return 0;
}

static void apply_settings(struct posture *posture, const struct agent_config *settings)
{
	posture->settings.kill_packet_sockets = settings->kill_packet_sockets;
	posture->settings.kill_netlink_sockets = settings->kill_netlink_sockets;
	posture->interval_ms = settings->posture_scan_seconds * 1000;
}

int posture_open(struct tenantd_bpf *skeleton, struct event_stream *events,
		 const struct agent_config *settings, struct posture **out)
{
	const struct scan_start capabilities = {
		.program = skeleton->progs.tenantd_scan_capabilities,
		.what = "the capability iterator",
	};
	const struct scan_start packet_sockets = {
		.program = skeleton->progs.tenantd_scan_packet_sockets,
		.what = "the packet socket iterator",
	};
	_cleanup_(posture_closep) struct posture *posture = NULL;
	int r;

	*out = NULL;
	if (bpf_program__fd(capabilities.program) < 0)
		return 0;
	posture = calloc(1, sizeof(*posture));
	if (!posture)
		return -ENOMEM;
	posture->skeleton = skeleton;
	posture->events = events;
	posture->settings.capabilities = reported_capabilities();
	apply_settings(posture, settings);
	r = scan_iterator_open(&capabilities, &posture->capability_iterator, NULL, NULL);
	if (r == 0)
		r = scan_iterator_open(&packet_sockets, &posture->packet_socket_iterator, NULL,
				       NULL);
	if (r == 0)
		r = scan(posture);
	if (r)
		return r;
	*out = TAKE_PTR(posture);
	return 0;
}

void posture_close(struct posture *posture)
{
	if (!posture)
		return;
	bpf_link__destroy(posture->capability_iterator);
	bpf_link__destroy(posture->packet_socket_iterator);
	free(posture->processes);
	free(posture);
}

void posture_configure(struct posture *posture, const struct agent_config *settings)
{
	if (!posture)
		return;
	apply_settings(posture, settings);
	scan_requested(&posture->schedule);
}

void posture_request(struct posture *posture)
{
	if (posture)
		scan_requested(&posture->schedule);
}

int posture_timeout(const struct posture *posture)
{
	if (!posture)
		return -1;
	return scan_timeout(&posture->schedule, SCAN_PAUSE_MS * 1000ULL,
			    posture->interval_ms * 1000ULL);
}

void posture_tick(struct posture *posture)
{
	if (posture_timeout(posture) == 0)
		(void)scan(posture);
}

const struct posture_process *posture_processes(const struct posture *posture, size_t *count)
{
	*count = posture ? posture->count : 0;
	return posture ? posture->processes : NULL;
}

void posture_scans(const struct posture *posture, uint64_t *scans, uint64_t *duration_us)
{
	*scans = posture ? posture->scans : 0;
	*duration_us = posture ? posture->schedule.duration_us : 0;
}
