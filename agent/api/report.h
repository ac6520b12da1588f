/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the agent reports about itself: the metrics exposition and the
 * status document, assembled from the kernel's counters and the config. */
#ifndef TENANTD_REPORT_H
#define TENANTD_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent.h"

/* Each builds a malloc'ed document for VIEW; -ENOENT when what is asked for
 * does not exist or is not visible, which callers must not tell apart. */
int report_metrics(const struct agent *agent, const struct view *view, char **text,
		   size_t *length);
int report_status(const struct agent *agent, const struct view *view, char **text,
		  size_t *length);
/* NAME NULL: every visible tenant, as a JSON array. */
int report_tenants(const struct agent *agent, const struct view *view, const char *name,
		   char **text, size_t *length);
int report_all_tenants(const struct agent *agent, const struct view *view, char **text,
		       size_t *length);
/* The last posture scan: the caller's view of the privileged tenant
 * processes and packet socket holders. */
int report_posture(const struct agent *agent, const struct view *view, char **text,
		   size_t *length);
int report_who(const struct agent *agent, const struct view *view, pid_t pid, char **text,
	       size_t *length);

#endif /* TENANTD_REPORT_H */
