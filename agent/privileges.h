/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the agent may do once it runs: after start-up it gives up every
 * capability (the bounding set too, where it may) and locks itself into an
 * allow-list of system calls. Loading, attaching and pinning need
 * capabilities; what the running agent does with its open map fds, its
 * sockets and its files needs none. docs/security.md has the evidence. */
#ifndef TENANTD_PRIVILEGES_H
#define TENANTD_PRIVILEGES_H

#include <stdbool.h>

/* Whether the capabilities that loading and attaching need are effective;
 * -EPERM, naming the missing ones, when not. Without this the kernel's
 * refusals would read as features the kernel lacks. */
int privileges_check_start(void);

/* Drops every capability, then installs the system call filter: any call
 * outside the list kills the agent. Returns 0 or a negative errno. */
int privileges_drop(void);

/* Whether privileges_drop() has locked the agent in: it may start no
 * thread from then on, as the filter allows no clone(). */
bool privileges_sandboxed(void);

#endif /* TENANTD_PRIVILEGES_H */
