/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's side of the service manager's protocol (sd_notify(3)):
 * ready once enforcing, reloading and ready again around a reload, a status
 * line for `systemctl status`, watchdog pings from the event loop, and
 * stopping. Without a service manager every call does nothing. */
#ifndef TENANTD_SD_NOTIFY_H
#define TENANTD_SD_NOTIFY_H

#include <stdbool.h>

struct agent;

/* READY=1 with the first status line: the programs are attached, the policy
 * is applied and the control socket listens. */
void service_ready(struct agent *agent);
/* RELOADING=1 with MONOTONIC_USEC, before a reload is tried. */
void service_reloading(void);
/* READY=1 after a reload, with a status line that says whether it was
 * applied and, if refused, why. */
void service_reloaded(struct agent *agent, int result, const char *reason);
/* STOPPING=1 before the agent stops; enforcement stays. */
void service_stopping(void);
/* STATUS= and ERRNO= for a start-up that failed. */
void service_failed(int error, const char *reason);
/* Milliseconds until service_tick is due, for the event loop's timeout. */
int service_timeout(const struct agent *agent);
/* Pings the watchdog and refreshes the status line when due. */
void service_tick(struct agent *agent);

#endif /* TENANTD_SD_NOTIFY_H */
