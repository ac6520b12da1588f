// SPDX-License-Identifier: LGPL-2.1-or-later
/* Capabilities through libcap, the system call filter through libseccomp.
 * The order matters: the bounding set can only shrink while CAP_SETPCAP is
 * still effective, so it goes first; the filter goes last, since dropping
 * capabilities makes calls the running agent never makes again.
 *
 * A call outside the allow-list kills the process (SCMP_ACT_KILL_PROCESS),
 * not fails with EPERM: such a call is a bug or an intruder, a failing one
 * lets an intruder probe what is allowed, and a killed agent costs nothing
 * in isolation (the pinned programs enforce on; systemd restarts it and the
 * journal records the signal, SIGSYS). */
#include <errno.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <seccomp.h>
#include <sys/capability.h>

#include "cleanup.h"
#include "log.h"
#include "privileges.h"

/* What the running agent calls: the event loop (epoll, signalfd reads),
 * libmicrohttpd (accept4 to shutdown), libbpf on open map fds (bpf),
 * inotify on the cgroup file system, config and drop-in files, the state
 * file, sd_notify (a datagram socket), the cgroup walk (getdents64,
 * newfstatat) and glibc's memory and time. */
static const char *const allowed_calls[] = {
	"accept", "accept4", "access", "bpf", "brk", "clock_getres", "clock_gettime",
	"clock_nanosleep", "close", "connect", "dup", "dup2", "dup3", "epoll_create1",
	"epoll_ctl", "epoll_pwait", "epoll_wait", "eventfd2", "exit", "exit_group",
	"faccessat", "faccessat2", "fchmod", "fcntl", "fdatasync", "fstat", "fstatfs",
	"fsync", "ftruncate", "futex", "getdents64", "getegid", "geteuid", "getgid",
	"getpeername", "getpid", "getrandom", "getsockname", "getsockopt", "gettid",
	"gettimeofday", "getuid", "inotify_add_watch", "inotify_rm_watch", "lseek", "madvise",
	"mkdir", "mkdirat", "mmap", "mprotect", "mremap", "munmap", "nanosleep", "newfstatat",
	"open", "openat", "pipe2", "poll", "ppoll", "pread64", "pwrite64", "read", "readlink",
	"readlinkat", "readv", "recvfrom", "recvmsg", "rename", "renameat", "renameat2",
	"restart_syscall", "rt_sigprocmask", "rt_sigreturn", "sched_yield", "sendmsg",
	"sendto", "setsockopt", "shutdown", "stat", "statfs", "statx", "tgkill", "uname",
	"unlink", "unlinkat", "write", "writev",
#if defined(__SANITIZE_ADDRESS__)
	/* The sanitizers' runtime: LeakSanitizer stops the world with a traced
	 * clone at exit, and reports need their own stack and signals. */
	"clone", "clone3", "getppid", "prctl", "ptrace", "rt_sigaction", "sched_getaffinity",
	"sigaltstack", "wait4", "waitid", "mincore", "kill", "getdents",
#endif
};

DEFINE_POINTER_CLEANUP(scmp_filter_ctx, seccomp_release);
DEFINE_POINTER_CLEANUP(cap_t, cap_free);

/* Measured on this kernel (docs/security.md): loading needs CAP_BPF, and
 * CAP_PERFMON for the programs' reads of kernel memory through BTF (the
 * socket's cgroup); attaching to cgroups and destroying sockets through
 * sock_diag need CAP_NET_ADMIN. */
static const struct {
	cap_value_t value;
	const char *name;
} start_capabilities[] = {
	{ CAP_BPF, "CAP_BPF" },
	{ CAP_PERFMON, "CAP_PERFMON" },
	{ CAP_NET_ADMIN, "CAP_NET_ADMIN" },
};

int privileges_check_start(void)
{
	_cleanup_(cap_freep) cap_t current = cap_get_proc();
	char missing[64] = "";
	size_t length = 0;

	if (!current)
		return log_error_errno(errno, "cannot read the capabilities: %m");
	for (size_t i = 0; i < ARRAY_SIZE(start_capabilities); i++) {
		cap_flag_value_t effective = CAP_CLEAR;

		if (cap_get_flag(current, start_capabilities[i].value, CAP_EFFECTIVE, &effective) ||
		    effective != CAP_SET)
			length += snprintf(missing + length, sizeof(missing) - length, "%s%s",
					   length ? " " : "", start_capabilities[i].name);
	}
	if (length)
		return log_error_errno(EPERM, "tenantd needs %s to load and attach its programs "
				       "(missing: %s); run it as root, or as the shipped unit does",
				       "CAP_BPF CAP_PERFMON CAP_NET_ADMIN", missing);
	return 0;
}

static int drop_capabilities(void)
{
	_cleanup_(cap_freep) cap_t none = cap_init();
	int bound_left = 0;

	if (!none)
		return log_error_errno(errno, "cannot drop capabilities: %m");
	/* The bounding set first, while CAP_SETPCAP is effective. Without it
	 * (a unit that withholds it), the set stays as the unit made it. */
	for (cap_value_t capability = 0; capability <= CAP_LAST_CAP; capability++) {
		if (cap_get_bound(capability) != 1)
			continue;
		if (cap_drop_bound(capability))
			bound_left++;
	}
	if (bound_left)
		log_warning("%d capabilities stay in the bounding set: CAP_SETPCAP is not "
			    "available to drop them", bound_left);
	if (cap_reset_ambient() && errno != EINVAL)
		return log_error_errno(errno, "cannot clear the ambient capabilities: %m");
	if (cap_set_proc(none))
		return log_error_errno(errno, "cannot drop capabilities: %m");
	return 0;
}

static int install_filter(void)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx filter = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r;

	if (!filter)
		return log_error_errno(ENOMEM, "cannot build the system call filter: %m");
	for (size_t i = 0; i < ARRAY_SIZE(allowed_calls); i++) {
		int number = seccomp_syscall_resolve_name(allowed_calls[i]);

		/* Some names do not exist on every architecture (open, stat). */
		if (number == __NR_SCMP_ERROR)
			continue;
		r = seccomp_rule_add(filter, SCMP_ACT_ALLOW, number, 0);
		if (r)
			return log_error_errno(r, "system call filter: %s: %m", allowed_calls[i]);
	}
	/* ioctl only to ask whether a stream is a terminal (stdio). */
	r = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
			     SCMP_A1(SCMP_CMP_EQ, TCGETS));
	/* Sockets of the Unix family only: sd_notify and NSS lookups. */
	if (r == 0)
		r = seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (r == 0)
		r = seccomp_load(filter);
	if (r)
		return log_error_errno(r, "cannot install the system call filter: %m");
	return 0;
}

static bool sandboxed;

bool privileges_sandboxed(void)
{
	return sandboxed;
}

int privileges_drop(void)
{
	int r;

	/* No privilege may come back through exec, and the filter needs it. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return log_error_errno(errno, "cannot set no_new_privs: %m");
	r = drop_capabilities();
	if (r == 0)
		r = install_filter();
	sandboxed = r == 0;
	if (r == 0)
		log_info("running with no capabilities and %zu system calls allowed",
			 ARRAY_SIZE(allowed_calls) + 2);
	return r;
}
