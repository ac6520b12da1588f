// SPDX-License-Identifier: LGPL-2.1-or-later
/* The clients of GET /v1/events. A follower's connection is suspended while
 * there is nothing new for it and resumed when events arrive, so a slow or
 * silent client costs nothing and never holds the event consumer up; one
 * that falls behind the history skips to its oldest event. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "api/events.h"
#include "api/followers.h"
#include "api/responses.h"
#include "kernel/tenant_ids.h"
#include "validate.h"

struct follower {
	struct event_followers *followers;
	struct MHD_Connection *connection;
	struct view view;
	uint32_t tenant_id; /* filter, or TENANT_ID_ANY */
	uint64_t cursor;
	char *pending;
	size_t pending_length, pending_offset;
	bool suspended;
	struct follower *next;
};

struct event_followers {
	struct agent *agent;
	struct follower *list;
	bool stopping; /* streams end instead of waiting */
};

static ssize_t follow_reader(void *context, uint64_t position, char *buffer, size_t size)
{
	struct follower *follower = context;
	struct event_followers *followers = follower->followers;
	size_t count;

	if (follower->pending_offset == follower->pending_length) {
		free(follower->pending);
		follower->pending = NULL;
		follower->pending_length = follower->pending_offset = 0;
		if (event_stream_render(followers->agent->events, &follower->view,
					follower->tenant_id, &follower->cursor, &follower->pending,
					&follower->pending_length))
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (follower->pending_length == 0 && followers->stopping)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (follower->pending_length == 0) {
		follower->suspended = true;
		MHD_suspend_connection(follower->connection);
		return 0;
	}
	count = follower->pending_length - follower->pending_offset;
	if (count > size)
		count = size;
	memcpy(buffer, follower->pending + follower->pending_offset, count);
	follower->pending_offset += count;
	return (ssize_t)count;
}

static void follow_free(void *context)
{
	struct follower *follower = context, **link;

	for (link = &follower->followers->list; *link; link = &(*link)->next) {
		if (*link == follower) {
			*link = follower->next;
			break;
		}
	}
	free(follower->pending);
	free(follower);
}

static void wake_followers(void *context)
{
	struct event_followers *followers = context;

	for (struct follower *follower = followers->list; follower; follower = follower->next) {
		if (!follower->suspended)
			continue;
		follower->suspended = false;
		MHD_resume_connection(follower->connection);
	}
}

static enum MHD_Result follow(const struct request *request, uint32_t tenant_id)
{
	struct event_followers *followers = request->followers;
	struct MHD_Response *response;
	struct follower *follower;
	enum MHD_Result result;

	follower = calloc(1, sizeof(*follower));
	if (!follower)
		return MHD_NO;
	follower->followers = followers;
	follower->connection = request->connection;
	follower->view = *request->view;
	follower->tenant_id = tenant_id;
	follower->cursor = event_stream_next(followers->agent->events);
	response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, follow_reader,
						     follower, follow_free);
	if (!response) {
		free(follower);
		return MHD_NO;
	}
	follower->next = followers->list;
	followers->list = follower;
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_NDJSON);
	result = MHD_queue_response(request->connection, MHD_HTTP_OK, response);
	MHD_destroy_response(response);
	return result;
}

static bool argument_true(const char *value)
{
	return value && strcmp(value, "0") && strcmp(value, "false");
}

enum MHD_Result handle_events(const struct request *request)
{
	struct MHD_Connection *connection = request->connection;
	struct agent *agent = request->agent;
	const char *follow_argument =
		MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "follow");
	const char *name = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "tenant");
	uint32_t tenant_id = TENANT_ID_ANY;
	uint64_t cursor = 0;
	char *body = NULL;
	size_t length = 0;
	int64_t id;

	if (name) {
		/* Another tenant's name answers like one that does not exist. */
		id = tenant_name_valid(name) ? tenant_ids_find(&agent->ids, name) : -ENOENT;
		if (id < 0 || (!request->view->operator && (uint32_t)id != request->view->tenant_id))
			return respond_error(connection, MHD_HTTP_NOT_FOUND, "no such tenant");
		tenant_id = (uint32_t)id;
	}
	if (argument_true(follow_argument))
		return follow(request, tenant_id);
	if (event_stream_render(agent->events, request->view, tenant_id, &cursor, &body, &length))
		return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "internal error, see the agent's log");
	return respond(connection, MHD_HTTP_OK, CONTENT_NDJSON, body, length);
}

int event_followers_new(struct agent *agent, struct event_followers **out)
{
	struct event_followers *followers = calloc(1, sizeof(*followers));

	if (!followers)
		return -ENOMEM;
	followers->agent = agent;
	event_stream_on_new(agent->events, wake_followers, followers);
	*out = followers;
	return 0;
}

/* Called once the HTTP daemons are stopped: their responses, and with them
 * every follower, are freed already. */
void event_followers_free(struct event_followers *followers)
{
	if (!followers)
		return;
	event_stream_on_new(followers->agent->events, NULL, NULL);
	free(followers);
}

void event_followers_end(struct event_followers *followers)
{
	followers->stopping = true;
	wake_followers(followers);
}

bool event_followers_gone(const struct event_followers *followers)
{
	return !followers->list;
}
