/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Connections older than the programs: established TCP connections that
 * the policy would have refused are reported as "preexisting" violations
 * at start, and destroyed when KillPreexisting=yes. */
#ifndef TENANTD_PREEXISTING_H
#define TENANTD_PREEXISTING_H

struct agent;

/* Scans the established TCP sockets of tenantd's network namespace; returns
 * how many connections violate the policy, or a negative errno. */
int preexisting_scan(struct agent *agent);

#endif /* TENANTD_PREEXISTING_H */
