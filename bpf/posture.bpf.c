// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The privilege posture of tenant processes, read by two iterators the
 * agent runs: which threads hold, over the host, capabilities that void
 * isolation, and which processes hold packet sockets or NETLINK_USERSOCK
 * sockets, which no cgroup hook covers. The kernel sees every process's
 * credentials and files, which an agent without capabilities may not read
 * in /proc. */
#include "namespace.bpf.h"
#include "tag.bpf.h"

#define AF_NETLINK 16
#define AF_PACKET 17
/* The netlink protocol that lets unprivileged processes message each other
 * by port id and join its multicast groups: no cgroup hook sees it. */
#define NETLINK_USERSOCK 2
#define SIGKILL 9

char LICENSE[] SEC("license") = "Dual BSD/GPL";

extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type,
				__u64 value) __ksym;
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *task) __ksym;

/* The task_file iterator's task is not a trusted pointer, which the signal
 * needs: the process is looked up again by its id, with a reference. */
static __always_inline bool kill_process(__u32 pid)
{
	struct task_struct *process = bpf_task_from_pid(pid);
	bool killed;

	if (!process)
		return false;
	killed = bpf_send_signal_task(process, SIGKILL, PIDTYPE_TGID, 0) == 0;
	bpf_task_release(process);
	return killed;
}

static __always_inline struct posture_settings *posture_settings(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&tenantd_posture_settings, &zero);
}

static __always_inline void fill_record(struct posture_record *record, struct task_struct *task,
					__u32 tenant)
{
	record->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	record->pid = task->tgid;
	record->tenant_id = tenant;
	record->uid = task->cred->uid.val;
	bpf_probe_read_kernel_str(record->comm, sizeof(record->comm), task->group_leader->comm);
}

/* Every thread: capabilities are a thread's, and the agent merges them per
 * process. Only the permitted set counts: a thread raises any of it into
 * its effective set at will. A user namespace other than the host's
 * (level 0) grants nothing over the host. */
SEC("iter/task")
int tenantd_scan_capabilities(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct posture_settings *settings;
	struct posture_record record = {};
	const struct cred *credentials;
	__u64 held;
	__u32 tenant;

	settings = posture_settings();
	if (!task || !settings)
		return 0;
	credentials = task->cred;
	if (credentials->user_ns->level != 0)
		return 0;
	held = credentials->cap_permitted.val & settings->capabilities;
	if (!held)
		return 0;
	tenant = tenant_of_task(task);
	if (tenant == TENANT_ID_HOST)
		return 0;
	fill_record(&record, task, tenant);
	record.finding = POSTURE_CAPABILITIES;
	record.capabilities = held;
	bpf_seq_write(ctx->meta->seq, &record, sizeof(record));
	return 0;
}

/* The finding a socket is, or -1: a packet socket, or a netlink socket of
 * the protocol unprivileged processes message each other by; either only
 * in a network namespace shared with others (see namespace.bpf.h). */
static __always_inline int socket_finding(const struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;

	if (family != AF_PACKET && (family != AF_NETLINK || sk->sk_protocol != NETLINK_USERSOCK))
		return -1;
	if (in_private_network_namespace(sk))
		return -1;
	return family == AF_PACKET ? POSTURE_PACKET_SOCKET : POSTURE_NETLINK_SOCKET;
}

/* Every open file of every process (threads sharing a file table are
 * walked once). With PacketSockets=kill or NetlinkSockets=kill the holder
 * is killed here, by the kernel: the agent runs without the capability to
 * signal other users. */
SEC("iter/task_file")
int tenantd_scan_packet_sockets(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct posture_settings *settings;
	struct posture_record record = {};
	struct file *file = ctx->file;
	struct socket *socket;
	int finding;
	__u32 tenant;
	bool kill;

	/* The helper wants the pointer checked, not a fresh load of it. */
	settings = posture_settings();
	if (!task || !file || !settings)
		return 0;
	socket = bpf_sock_from_file(file);
	if (!socket || !socket->sk)
		return 0;
	finding = socket_finding(socket->sk);
	if (finding < 0)
		return 0;
	tenant = tenant_of_task(task);
	if (tenant == TENANT_ID_HOST)
		return 0;
	fill_record(&record, task, tenant);
	record.finding = finding;
	kill = finding == POSTURE_PACKET_SOCKET ? settings->kill_packet_sockets :
						  settings->kill_netlink_sockets;
	if (kill && kill_process(record.pid))
		record.killed = 1;
	bpf_seq_write(ctx->meta->seq, &record, sizeof(record));
	return 0;
}
