/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Violation events: consumed from the kernel's ring buffer, turned into
 * JSON lines and logged on stderr, where the journal keeps them. */
#ifndef TENANTD_EVENTS_H
#define TENANTD_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"
#include "tenantd_abi.h"

#include "agent.h"

/* How many recent events the agent keeps for GET /v1/events. */
#define EVENT_HISTORY 4096

/* Names a tenant id for events and metrics: the tenant's name, "host" for
 * id 0 and "unknown" for an id no tenant holds any more. */
const char *tenant_label(const struct agent *agent, uint32_t id);
/* The same, as VIEW may see it: another tenant's name reads "other". */
const char *peer_label_for(const struct agent *agent, const struct view *view, uint32_t id);

/* Called after new events were recorded, e.g. to wake streaming clients. */
void event_stream_on_new(struct event_stream *stream, void (*callback)(void *context),
			 void *context);
/* Appends to a malloc'ed buffer the recorded events from sequence number
 * *CURSOR on that VIEW may see, of tenant TENANT_ID only unless it is
 * TENANT_ID_ANY, one JSON line each; advances *CURSOR past them. A cursor
 * older than the history skips to its oldest event. */
#define TENANT_ID_ANY UINT32_MAX
int event_stream_render(struct event_stream *stream, const struct view *view,
			uint32_t tenant_id, uint64_t *cursor, char **text, size_t *length);
/* Records an event found by the agent itself (not through the ring
 * buffer): logged, kept in the history, streamed like any other. */
void event_stream_record(struct event_stream *stream, const struct violation_event *event);
/* The sequence number the next event will get. */
uint64_t event_stream_next(const struct event_stream *stream);

int event_stream_open(struct agent *agent, struct event_stream **out);
void event_stream_close(struct event_stream *stream);
DEFINE_POINTER_CLEANUP(struct event_stream *, event_stream_close);
/* The fd to poll; call event_stream_consume when it is readable. */
int event_stream_fd(const struct event_stream *stream);
int event_stream_consume(struct event_stream *stream);

/* Formats one event as a JSON object on one line (no newline), into a
 * malloc'ed string. WALL_NS is the event's time since the epoch. */
char *event_format(const struct violation_event *event, const char *tenant,
		   const char *peer, const char *cgroup, uint64_t wall_ns);

#endif /* TENANTD_EVENTS_H */
