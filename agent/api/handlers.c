// SPDX-License-Identifier: LGPL-2.1-or-later
/* The control API's handlers that take arguments or change things: one
 * tenant, who, reload, and PUT and DELETE of a tenant, written to its
 * drop-in and applied by a reload, or restored when the reload refuses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"
#include "api/dropins.h"
#include "api/handlers.h"
#include "api/report.h"
#include "api/responses.h"
#include "cleanup.h"
#include "kernel/policy.h"
#include "log.h"
#include "reload.h"
#include "validate.h"

enum MHD_Result handle_tenant(const struct request *request)
{
	char *body = NULL;
	size_t length = 0;
	int r;

	/* Another tenant's name and a name that does not exist answer alike. */
	if (!tenant_name_valid(request->name))
		return respond_error(request->connection, MHD_HTTP_NOT_FOUND, "no such tenant");
	r = report_tenants(request->agent, request->view, request->name, &body, &length);
	return respond_built(request->connection, r, body, length, CONTENT_JSON, "no such tenant");
}

enum MHD_Result handle_who(const struct request *request)
{
	const char *text = MHD_lookup_connection_value(request->connection, MHD_GET_ARGUMENT_KIND,
						       "pid");
	char *body = NULL, *end;
	size_t length = 0;
	long pid;
	int r;

	errno = 0;
	pid = text ? strtol(text, &end, 10) : 0;
	if (!text || !*text || *end || errno || pid <= 0 || pid > INT32_MAX)
		return respond_error(request->connection, MHD_HTTP_BAD_REQUEST,
				     "pid must be a process id, e.g. /v1/who?pid=1234");
	r = report_who(request->agent, request->view, (pid_t)pid, &body, &length);
	return respond_built(request->connection, r, body, length, CONTENT_JSON, "no such process");
}

/* A refused configuration: one that contradicts another tenant's (claims
 * its network, cgroup or name, or leaves an exception naming a tenant that
 * no longer exists) is a conflict; anything else wrong with it is a bad
 * request. */
static unsigned int refusal_status(int r)
{
	return r == -EEXIST || r == -ENOENT ? MHD_HTTP_CONFLICT : MHD_HTTP_BAD_REQUEST;
}

enum MHD_Result handle_reload(const struct request *request)
{
	struct agent *agent = request->agent;
	char error[CONFIG_ERROR_MAX], *body;
	int r = agent_reload(agent, error, sizeof(error));

	if (r)
		return respond_error(request->connection, refusal_status(r), error);
	if (asprintf(&body, "{\"reloaded\":true,\"tenants\":%zu}", agent->config.tenant_count) < 0)
		return MHD_NO;
	return respond(request->connection, MHD_HTTP_OK, CONTENT_JSON, body, strlen(body));
}

/* PUT and DELETE name the tenant they change: a bad name is a bad request. */
static enum MHD_Result refuse_bad_name(const struct request *request)
{
	return respond_error(request->connection, MHD_HTTP_BAD_REQUEST,
			     "a tenant name matches ^[a-z0-9][a-z0-9-]{0,38}$");
}

/* Where tenant NAME's drop-in is: the file it was read from, or a new one
 * in tenants.d, which is made if need be. */
static int dropin_path(const struct agent *agent, const struct tenant_config *existing,
		       const char *name, char *path, size_t size)
{
	if (existing) {
		snprintf(path, size, "%s", existing->where.file);
		return 0;
	}
	snprintf(path, size, "%s/tenants.d", agent->options.config_directory);
	if (mkdir(path, 0755) && errno != EEXIST)
		return log_error_errno(errno, "%s: cannot create: %m", path);
	snprintf(path, size, "%s/tenants.d/%s.conf", agent->options.config_directory, name);
	return 0;
}

enum MHD_Result handle_put(const struct request *request)
{
	static const struct view operator_view = { .operator = true };
	struct MHD_Connection *connection = request->connection;
	struct agent *agent = request->agent;
	const struct request_body *upload = request->body;
	const char *name = request->name;
	const struct tenant_config *existing;
	char error[CONFIG_ERROR_MAX], path[PATH_MAX];
	_cleanup_free_ char *text = NULL, *previous = NULL;
	char *body = NULL;
	size_t length = 0;
	int r;

	if (!tenant_name_valid(name))
		return refuse_bad_name(request);
	if (upload->too_large)
		return respond_error(connection, MHD_HTTP_CONTENT_TOO_LARGE,
				     "the body is larger than 64 KiB");
	r = dropin_render(name, upload->data ? upload->data : "", upload->length, &text, error,
			  sizeof(error));
	if (r == -EINVAL)
		return respond_error(connection, MHD_HTTP_BAD_REQUEST, error);
	if (r)
		return MHD_NO;
	existing = config_find_tenant(&agent->config, name);
	if (dropin_path(agent, existing, name, path, sizeof(path)) ||
	    dropin_replace(path, text, &previous))
		return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "cannot write the tenant's file, see the agent's log");
	r = agent_reload(agent, error, sizeof(error));
	if (r) {
		(void)dropin_restore(path, previous);
		return respond_error(connection, refusal_status(r), error);
	}
	r = report_tenants(agent, &operator_view, name, &body, &length);
	if (r)
		return respond_built(connection, r, body, length, CONTENT_JSON, "no such tenant");
	return respond(connection, existing ? MHD_HTTP_OK : MHD_HTTP_CREATED, CONTENT_JSON, body,
		       length);
}

enum MHD_Result handle_delete(const struct request *request)
{
	struct MHD_Connection *connection = request->connection;
	struct agent *agent = request->agent;
	const char *name = request->name;
	const char *purge = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "purge");
	bool purging = purge && strcmp(purge, "0") && strcmp(purge, "false");
	const struct tenant_config *tenant;
	char error[CONFIG_ERROR_MAX], path[PATH_MAX], *body;
	_cleanup_free_ char *previous = NULL;
	int r;

	if (!tenant_name_valid(name))
		return refuse_bad_name(request);
	tenant = config_find_tenant(&agent->config, name);
	if (!tenant && tenant_ids_find(&agent->ids, name) < 0)
		return respond_error(connection, MHD_HTTP_NOT_FOUND, "no such tenant");
	if (tenant) {
		snprintf(path, sizeof(path), "%s", tenant->where.file);
		if (dropin_remove(path, &previous))
			return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
					     "cannot remove the tenant's file, see the agent's log");
		r = agent_reload(agent, error, sizeof(error));
		if (r) {
			(void)dropin_restore(path, previous);
			return respond_error(connection, refusal_status(r), error);
		}
	}
	if (purging && policy_purge(agent->programs.skeleton, &agent->ids, name,
				    agent->options.state_directory))
		return respond_error(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
				     "the tenant is off-boarded but its purge failed, see the agent's log");
	if (asprintf(&body, "{\"tenant\":\"%s\",\"state\":\"%s\"}", name,
		     purging ? "purged" : "tombstoned") < 0)
		return MHD_NO;
	return respond(connection, MHD_HTTP_OK, CONTENT_JSON, body, strlen(body));
}
