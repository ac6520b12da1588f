/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the agent reports about itself: the metrics exposition and the
 * status document, assembled from the kernel's counters and the config. */
#ifndef TENANTD_REPORT_H
#define TENANTD_REPORT_H

#include <stddef.h>

struct agent;

int report_metrics(const struct agent *agent, char **text, size_t *length);
/* The status document as a malloc'ed JSON string. */
int report_status(const struct agent *agent, char **text, size_t *length);

#endif /* TENANTD_REPORT_H */
