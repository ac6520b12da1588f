/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Violation events: consumed from the kernel's ring buffer, turned into
 * JSON lines and logged on stderr, where the journal keeps them. */
#ifndef TENANTD_EVENTS_H
#define TENANTD_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "tenantd_abi.h"

struct agent;
struct event_stream;

/* Names a tenant id for events and metrics: the tenant's name, "host" for
 * id 0 and "unknown" for an id no tenant holds any more. */
const char *tenant_label(const struct agent *agent, uint32_t id);

int event_stream_open(struct agent *agent, struct event_stream **out);
void event_stream_close(struct event_stream *stream);
/* The fd to poll; call event_stream_consume when it is readable. */
int event_stream_fd(const struct event_stream *stream);
int event_stream_consume(struct event_stream *stream);

/* Formats one event as a JSON object on one line (no newline), into a
 * malloc'ed string. WALL_NS is the event's time since the epoch. */
char *event_format(const struct violation_event *event, const char *tenant,
		   const char *peer, const char *cgroup, uint64_t wall_ns);

#endif /* TENANTD_EVENTS_H */
