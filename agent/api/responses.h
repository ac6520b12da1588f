/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Answers to the control API's requests: a document with its status and
 * content type, or a JSON error {"error": "..."}. */
#ifndef TENANTD_RESPONSES_H
#define TENANTD_RESPONSES_H

#include <stddef.h>

#include <microhttpd.h>

#define CONTENT_JSON "application/json"
#define CONTENT_EXPOSITION "text/plain; version=0.0.4; charset=utf-8"
#define CONTENT_NDJSON "application/x-ndjson"

/* Queues BODY (malloc'ed, LENGTH bytes, taken over whatever happens). */
enum MHD_Result respond(struct MHD_Connection *connection, unsigned int status,
			const char *content_type, char *body, size_t length);
enum MHD_Result respond_error(struct MHD_Connection *connection, unsigned int status,
			      const char *message);
/* R from a report_* call: its document, the 404 NOT_FOUND, or a 500. */
enum MHD_Result respond_built(struct MHD_Connection *connection, int r, char *body,
			      size_t length, const char *content_type, const char *not_found);

#endif /* TENANTD_RESPONSES_H */
