// SPDX-License-Identifier: LGPL-2.1-or-later
/* Answers to the control API's requests: documents, and errors as JSON
 * with a status that fits, logged once where they are internal. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "api/responses.h"
#include "cleanup.h"
#include "log.h"
#include "tenant_json.h"

enum MHD_Result respond(struct MHD_Connection *connection, unsigned int status,
			const char *content_type, char *body, size_t length)
{
	struct MHD_Response *response;
	enum MHD_Result result;

	response = MHD_create_response_from_buffer(length, body, MHD_RESPMEM_MUST_FREE);
	if (!response) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	result = MHD_queue_response(connection, status, response);
	MHD_destroy_response(response);
	return result;
}

enum MHD_Result respond_error(struct MHD_Connection *connection, unsigned int status,
			      const char *message)
{
	_cleanup_json_ struct json_object *object = json_object_new_object();
	char *body;

	if (!object)
		return MHD_NO;
	json_object_object_add(object, "error", json_object_new_string(message));
	body = strdup(json_object_to_json_string_ext(object, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!body)
		return MHD_NO;
	return respond(connection, status, CONTENT_JSON, body, strlen(body));
}

enum MHD_Result respond_built(struct MHD_Connection *connection, int r, char *body,
			      size_t length, const char *content_type, const char *not_found)
{
	if (r == 0)
		return respond(connection, MHD_HTTP_OK, content_type, body, length);
	free(body);
	if (r == -ENOENT)
		return respond_error(connection, MHD_HTTP_NOT_FOUND, not_found);
	(void)log_error_errno(r, "cannot build a response: %m");
	return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "internal error, see the agent's log");
}
