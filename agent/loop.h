/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's event loop: from ready to stopped, every source of work
 * (signals, violation events, the API, cgroup changes, the scans, the
 * service manager's watchdog) served from one thread. */
#ifndef TENANTD_LOOP_H
#define TENANTD_LOOP_H

struct agent;

/* Drops the agent's privileges, says it is ready and serves until SIGTERM
 * or SIGINT: 0 then, a negative errno when the loop itself failed. */
int loop_run(struct agent *agent);

#endif /* TENANTD_LOOP_H */
