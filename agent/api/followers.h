/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The clients of GET /v1/events: the recent history at once, or, with
 * ?follow=1, a stream that grows as violations happen, until the client
 * leaves or the agent stops. */
#ifndef TENANTD_FOLLOWERS_H
#define TENANTD_FOLLOWERS_H

#include <stdbool.h>

#include "api/request.h"
#include "cleanup.h"

struct agent;
struct event_followers;

int event_followers_new(struct agent *agent, struct event_followers **out);
void event_followers_free(struct event_followers *followers);
DEFINE_POINTER_CLEANUP(struct event_followers *, event_followers_free);

/* GET /v1/events[?follow=1][&tenant=NAME]. */
enum MHD_Result handle_events(const struct request *request);

/* The agent is stopping: each follower gets what it has not read, then the
 * end of its stream, instead of waiting for more. Resumes the suspended
 * ones; the HTTP daemon must run for them to be served. */
void event_followers_end(struct event_followers *followers);
/* Whether every follower's response has completed. */
bool event_followers_gone(const struct event_followers *followers);

#endif /* TENANTD_FOLLOWERS_H */
