// SPDX-License-Identifier: LGPL-2.1-or-later
/* tenantctl: the operator's client for tenantd's control socket. It speaks
 * HTTP over the Unix socket through libcurl and prints tables for people or
 * the agent's JSON for scripts (--json). Errors are one line on stderr and
 * an exit status scripts can rely on (see usage()). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "cleanup.h"
#include "config.h"
#include "tenant_json.h"
#include "validate.h"

#define DEFAULT_SOCKET "/run/tenantd/tenantd.sock"

enum exit_status {
	EXIT_OK = 0,
	EXIT_FAILED = 1, /* tenantd unreachable, or its own failure */
	EXIT_USAGE = 2,
	EXIT_REFUSED = 3, /* 400, 409, 413: the request was wrong */
	EXIT_NOT_FOUND = 4,
	EXIT_FORBIDDEN = 5,
};

struct client {
	const char *socket_path;
	bool as_json;
};

struct response {
	char *body;
	size_t length;
	long status;
	bool stream; /* write the body to stdout as it comes */
	bool as_json;
};

static void print_event_line(const char *line, bool as_json);

static size_t receive(char *data, size_t size, size_t count, void *user)
{
	struct response *response = user;
	size_t bytes = size * count;
	char *grown = realloc(response->body, response->length + bytes + 1);

	if (!grown)
		return 0;
	memcpy(grown + response->length, data, bytes);
	response->body = grown;
	response->length += bytes;
	response->body[response->length] = '\0';
	/* Streamed events are printed line by line, as soon as whole. */
	if (response->stream && response->status < 400) {
		char *newline;

		while ((newline = memchr(response->body, '\n', response->length))) {
			*newline = '\0';
			print_event_line(response->body, response->as_json);
			response->length -= (size_t)(newline + 1 - response->body);
			memmove(response->body, newline + 1, response->length + 1);
		}
	}
	return bytes;
}

static size_t receive_header(char *data, size_t size, size_t count, void *user)
{
	struct response *response = user;

	/* "HTTP/1.1 200 OK": the status is known before the body streams. */
	if (size * count > 12 && !strncmp(data, "HTTP/", 5))
		response->status = strtol(strchr(data, ' ') ? strchr(data, ' ') + 1 : "0", NULL, 10);
	return size * count;
}

static int status_exit(long status)
{
	if (status == 404)
		return EXIT_NOT_FOUND;
	if (status == 403)
		return EXIT_FORBIDDEN;
	if (status >= 400 && status < 500)
		return EXIT_REFUSED;
	return EXIT_FAILED;
}

/* Sends the request; on any failure prints one line and returns its exit
 * status, else 0 with the response filled (the caller frees its body). */
static int request(const struct client *client, const char *method, const char *path,
		   const char *body, struct response *response)
{
	char url[2048], curl_error[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	CURL *curl;
	CURLcode result;

	if (access(client->socket_path, F_OK)) {
		fprintf(stderr, "tenantctl: cannot reach tenantd: %s: %s (is tenantd running?)\n",
			client->socket_path, strerror(errno));
		return EXIT_FAILED;
	}
	curl = curl_easy_init();
	if (!curl) {
		fprintf(stderr, "tenantctl: cannot initialize libcurl\n");
		return EXIT_FAILED;
	}
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, client->socket_path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, receive);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, receive_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, response);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
	if (!response->stream)
		curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
	if (body) {
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	}
	result = curl_easy_perform(curl);
	if (result == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	if (result != CURLE_OK) {
		fprintf(stderr, "tenantctl: cannot reach tenantd at %s: %s\n", client->socket_path,
			curl_error[0] ? curl_error : curl_easy_strerror(result));
		free(response->body);
		return EXIT_FAILED;
	}
	if (response->status >= 400) {
		_cleanup_json_ struct json_object *document =
			json_tokener_parse(response->body ? response->body : "");
		struct json_object *message;

		if (document && json_object_object_get_ex(document, "error", &message))
			fprintf(stderr, "tenantctl: %s\n", json_object_get_string(message));
		else
			fprintf(stderr, "tenantctl: tenantd answered HTTP %ld\n", response->status);
		free(response->body);
		return status_exit(response->status);
	}
	return EXIT_OK;
}

/* GETs PATH and parses it, or prints it as it is with --json. */
static int fetch(const struct client *client, const char *path, struct json_object **document)
{
	struct response response = {};
	int r = request(client, "GET", path, NULL, &response);

	*document = NULL;
	if (r)
		return r;
	if (client->as_json) {
		printf("%s\n", response.body ? response.body : "");
		free(response.body);
		return EXIT_OK;
	}
	*document = json_tokener_parse(response.body ? response.body : "");
	free(response.body);
	if (!*document) {
		fprintf(stderr, "tenantctl: tenantd answered with something that is not JSON\n");
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

static const char *text_at(struct json_object *object, const char *key, const char *inner)
{
	struct json_object *value;

	if (!json_object_object_get_ex(object, key, &value))
		return "-";
	if (inner && !json_object_object_get_ex(value, inner, &value))
		return "-";
	return json_object_get_string(value);
}

/* "Quotas:     egress 100M (loopback too), connections 10/s, burst 10 (enforce)" */
static void print_quotas(struct json_object *tenant)
{
	const char *egress = text_at(tenant, "quotas", "egress_rate");
	const char *connect = text_at(tenant, "quotas", "connect_rate");
	bool has_egress = strcmp(egress, "-"), has_connect = strcmp(connect, "-");

	printf("%-12s", "Quotas:");
	if (!has_egress && !has_connect) {
		printf("none\n");
		return;
	}
	if (has_egress)
		printf("egress %sbit/s%s%s", egress,
		       strcmp(text_at(tenant, "quotas", "loopback"), "true") ? "" :
									" (loopback too)",
		       has_connect ? ", " : "");
	if (has_connect)
		printf("connections %s, burst %s", connect,
		       text_at(tenant, "quotas", "connect_burst"));
	printf(" (%s)\n", text_at(tenant, "quotas", "mode"));
}

static int command_status(const struct client *client)
{
	_cleanup_json_ struct json_object *status = NULL;
	int r = fetch(client, "/v1/status", &status);

	if (r || !status)
		return r;
	printf("Version:   %s\n", text_at(status, "version", NULL));
	if (json_object_object_get_ex(status, "tenant", NULL)) {
		printf("Tenant:    %s\n", text_at(status, "tenant", NULL));
	} else {
		printf("Uptime:    %s s\n", text_at(status, "uptime_seconds", NULL));
		printf("Kernel:    %s (BTF %s)\n", text_at(status, "kernel", "release"),
		       !strcmp(text_at(status, "kernel", "btf"), "true") ? "yes" : "no");
		printf("Programs:  %s attached to %s\n", text_at(status, "programs", "attached"),
		       text_at(status, "programs", "cgroup"));
		printf("Pinned in: %s\n", text_at(status, "programs", "pinned"));
		printf("Tenants:   %s\n", text_at(status, "tenants", NULL));
	}
	return EXIT_OK;
}

/* Tenant processes whose privileges void isolation, from the last scan. */
static int command_posture(const struct client *client)
{
	_cleanup_json_ struct json_object *posture = NULL;
	struct json_object *processes;
	size_t count;
	int r = fetch(client, "/v1/posture", &posture);

	if (r || !posture)
		return r;
	if (!json_object_object_get_ex(posture, "processes", &processes))
		return EXIT_FAILED;
	count = json_object_array_length(processes);
	printf("%-24s %8s %-16s %6s %-6s %-7s %s\n", "TENANT", "PID", "COMM", "UID", "PACKET",
	       "NETLINK", "CAPABILITIES");
	for (size_t i = 0; i < count; i++) {
		struct json_object *process = json_object_array_get_idx(processes, i), *list;
		char held[256] = "-";
		size_t used = 0;

		if (json_object_object_get_ex(process, "capabilities", &list))
			for (size_t c = 0; c < json_object_array_length(list) && used < sizeof(held);
			     c++)
				used += (size_t)snprintf(held + used, sizeof(held) - used, "%s%s",
							 c ? "," : "",
							 json_object_get_string(
								 json_object_array_get_idx(list, c)));
		printf("%-24s %8s %-16s %6s %-6s %-7s %s\n", text_at(process, "tenant", NULL),
		       text_at(process, "pid", NULL), text_at(process, "comm", NULL),
		       text_at(process, "uid", NULL),
		       !strcmp(text_at(process, "packet_socket", NULL), "true") ? "yes" : "no",
		       !strcmp(text_at(process, "netlink_socket", NULL), "true") ? "yes" : "no", held);
	}
	printf("%zu process%s; packet socket holders: %s; netlink socket holders: %s\n", count,
	       count == 1 ? "" : "es", text_at(posture, "packet_sockets", NULL),
	       text_at(posture, "netlink_sockets", NULL));
	return EXIT_OK;
}

static uint64_t violation_total(struct json_object *tenant)
{
	struct json_object *violations, *count;
	uint64_t total = 0;

	if (!json_object_object_get_ex(tenant, "violations", &violations))
		return 0;
	for (size_t i = 0; i < json_object_array_length(violations); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(violations, i), "count",
					      &count))
			total += json_object_get_uint64(count);
	return total;
}

static int command_tenants(const struct client *client)
{
	_cleanup_json_ struct json_object *tenants = NULL;
	int r = fetch(client, "/v1/tenants", &tenants);

	if (r || !tenants)
		return r;
	printf("%-24s %-9s %-8s %-10s %14s %14s %11s %10s\n", "NAME", "KIND", "MODE", "STATE",
	       "TX BYTES", "RX BYTES", "CONNECTIONS", "VIOLATIONS");
	for (size_t i = 0; i < json_object_array_length(tenants); i++) {
		struct json_object *tenant = json_object_array_get_idx(tenants, i);

		printf("%-24s %-9s %-8s %-10s %14s %14s %11s %10" PRIu64 "\n",
		       text_at(tenant, "name", NULL), text_at(tenant, "kind", NULL),
		       text_at(tenant, "mode", NULL), text_at(tenant, "state", NULL),
		       text_at(tenant, "counters", "tx_bytes"), text_at(tenant, "counters", "rx_bytes"),
		       text_at(tenant, "counters", "connections"), violation_total(tenant));
	}
	return EXIT_OK;
}

static void print_list(const char *label, struct json_object *tenant, const char *key)
{
	struct json_object *list;
	size_t count;

	printf("%-12s", label);
	if (!json_object_object_get_ex(tenant, key, &list) ||
	    !(count = json_object_array_length(list))) {
		printf("-\n");
		return;
	}
	for (size_t i = 0; i < count; i++) {
		struct json_object *item = json_object_array_get_idx(list, i);

		if (json_object_is_type(item, json_type_object))
			/* Unix exceptions have no port: "billing:unix". */
			printf("%s%s%s%s%s%s", i ? ", " : "",
			       json_object_object_get_ex(item, "tenant", NULL) ?
				       text_at(item, "tenant", NULL) : "",
			       json_object_object_get_ex(item, "tenant", NULL) ? ":" : "",
			       json_object_object_get_ex(item, "port", NULL) ?
				       text_at(item, "port", NULL) : "",
			       json_object_object_get_ex(item, "port", NULL) ? "/" : "",
			       text_at(item, "protocol", NULL));
		else
			printf("%s%s", i ? ", " : "", json_object_get_string(item));
	}
	printf("\n");
}

static int command_show(const struct client *client, const char *name)
{
	_cleanup_json_ struct json_object *tenant = NULL;
	struct json_object *violations;
	char path[128];
	int r;

	if (!tenant_name_valid(name)) {
		fprintf(stderr, "tenantctl: '%s' is not a tenant name\n", name);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/tenants/%s", name);
	r = fetch(client, path, &tenant);
	if (r || !tenant)
		return r;
	printf("%-12s%s (id %s)\n", "Tenant:", text_at(tenant, "name", NULL), text_at(tenant, "id", NULL));
	printf("%-12s%s\n", "State:", text_at(tenant, "state", NULL));
	printf("%-12s%s\n", "Kind:", text_at(tenant, "kind", NULL));
	printf("%-12s%s\n", "Mode:", text_at(tenant, "mode", NULL));
	print_list("Cgroups:", tenant, "cgroups");
	print_list("Networks:", tenant, "networks");
	if (json_object_object_get_ex(tenant, "container_networks", NULL)) {
		print_list("Containers:", tenant, "container_networks");
		printf("%-12s%s held, %s refused at the last scan\n", "",
		       text_at(tenant, "container_addresses", NULL),
		       text_at(tenant, "container_claims_refused", NULL));
	}
	print_list("AllowTo:", tenant, "allow_to");
	if (json_object_object_get_ex(tenant, "bind_ports", NULL))
		print_list("BindPorts:", tenant, "bind_ports");
	print_quotas(tenant);
	printf("%-12s%s bytes, %s packets sent; %s bytes, %s packets received\n", "Traffic:",
	       text_at(tenant, "counters", "tx_bytes"), text_at(tenant, "counters", "tx_packets"),
	       text_at(tenant, "counters", "rx_bytes"), text_at(tenant, "counters", "rx_packets"));
	printf("%-12s%s allowed\n", "Connections:", text_at(tenant, "counters", "connections"));
	if (json_object_object_get_ex(tenant, "violations", &violations) &&
	    json_object_array_length(violations)) {
		printf("Violations:\n");
		for (size_t i = 0; i < json_object_array_length(violations); i++) {
			struct json_object *v = json_object_array_get_idx(violations, i);

			printf("  %8s  %-8s %-16s peer %s\n", text_at(v, "count", NULL),
			       text_at(v, "action", NULL), text_at(v, "reason", NULL),
			       text_at(v, "peer", NULL));
		}
	} else {
		printf("Violations: none\n");
	}
	return EXIT_OK;
}

/* "2026-11-23T07:46:36.347953516Z acme -> globex local_socket denied
 * tcp [::1]:8080 pid 6890 (curl) in /tenant-acme.slice" */
static void print_event_line(const char *line, bool as_json)
{
	_cleanup_json_ struct json_object *event = NULL;
	char time_text[32];

	if (as_json || !(event = json_tokener_parse(line))) {
		printf("%s\n", line);
		fflush(stdout);
		return;
	}
	snprintf(time_text, sizeof(time_text), "%.19sZ", text_at(event, "time", NULL));
	printf("%s %s -> %s %s %s %s %s%s%s:%s", time_text, text_at(event, "tenant", NULL),
	       text_at(event, "peer", NULL), text_at(event, "reason", NULL),
	       text_at(event, "action", NULL), text_at(event, "proto", NULL),
	       strchr(text_at(event, "dst", NULL), ':') ? "[" : "", text_at(event, "dst", NULL),
	       strchr(text_at(event, "dst", NULL), ':') ? "]" : "", text_at(event, "dport", NULL));
	if (strcmp(text_at(event, "pid", NULL), "0"))
		printf(" pid %s (%s) in %s", text_at(event, "pid", NULL), text_at(event, "comm", NULL),
		       text_at(event, "cgroup", NULL));
	printf("\n");
	fflush(stdout);
}

static int command_events(const struct client *client, bool follow, const char *tenant)
{
	struct response response = { .stream = true, .as_json = client->as_json };
	char path[128];
	int r;

	if (tenant && !tenant_name_valid(tenant)) {
		fprintf(stderr, "tenantctl: '%s' is not a tenant name\n", tenant);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/events?follow=%d%s%s", follow ? 1 : 0,
		 tenant ? "&tenant=" : "", tenant ? tenant : "");
	r = request(client, "GET", path, NULL, &response);
	if (r)
		return r;
	if (response.length)
		print_event_line(response.body, client->as_json);
	free(response.body);
	return EXIT_OK;
}

static int command_who(const struct client *client, const char *pid_text)
{
	_cleanup_json_ struct json_object *answer = NULL;
	char path[128], *end;
	long pid;
	int r;

	errno = 0;
	pid = strtol(pid_text, &end, 10);
	if (!*pid_text || *end || errno || pid <= 0) {
		fprintf(stderr, "tenantctl: '%s' is not a process id\n", pid_text);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/who?pid=%ld", pid);
	r = fetch(client, path, &answer);
	if (r || !answer)
		return r;
	printf("%s %s %s\n", text_at(answer, "pid", NULL), text_at(answer, "tenant", NULL),
	       text_at(answer, "cgroup", NULL));
	return EXIT_OK;
}

static int command_change(const struct client *client, const char *method, const char *path,
			  const char *body, const char *done)
{
	struct response response = {};
	int r = request(client, method, path, body, &response);

	if (r)
		return r;
	if (client->as_json)
		printf("%s\n", response.body ? response.body : "");
	else
		printf("%s\n", done);
	free(response.body);
	return EXIT_OK;
}

/* A drop-in (INI, parsed as tenantd parses it) or a JSON body with "name". */
static int command_apply(const struct client *client, const char *file)
{
	char error[CONFIG_ERROR_MAX], path[128], done[160];
	_cleanup_json_ struct json_object *body = NULL;
	_cleanup_(config_free) struct config config = {};
	struct json_object *name_field;
	const char *name;

	body = json_object_from_file(file);
	if (!body) {
		if (access(file, R_OK)) {
			fprintf(stderr, "tenantctl: %s: %s\n", file, strerror(errno));
			return EXIT_USAGE;
		}
		if (config_load_tenant_file(file, &config, error)) {
			fprintf(stderr, "tenantctl: %s\n", error);
			return EXIT_USAGE;
		}
		body = json_object_new_object();
		if (!body)
			return EXIT_FAILED;
		tenant_settings_to_json(body, &config.tenants[0], true);
		json_object_object_add(body, "name", json_object_new_string(config.tenants[0].name));
	}
	if (!json_object_object_get_ex(body, "name", &name_field) ||
	    !tenant_name_valid(name = json_object_get_string(name_field))) {
		fprintf(stderr, "tenantctl: %s: a JSON tenant needs a valid \"name\"\n", file);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/tenants/%s", name);
	snprintf(done, sizeof(done), "applied: tenant %s", name);
	return command_change(client, "PUT", path,
			      json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), done);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: tenantctl [--socket PATH] [--json] COMMAND\n\n"
		"Commands:\n"
		"  status                      the agent's version, uptime and programs\n"
		"  tenants                     every tenant with its counters\n"
		"  show NAME                   one tenant in full\n"
		"  events [--follow] [--tenant NAME]\n"
		"                              recent violations; --follow keeps watching\n"
		"  who PID                     the tenant of a process\n"
		"  posture                     tenant processes whose capabilities or packet\n"
		"                              sockets void isolation\n"
		"  reload                      re-read the configuration, all or nothing\n"
		"  apply FILE                  create or replace a tenant from a drop-in (INI)\n"
		"                              or a JSON file with a \"name\"\n"
		"  remove NAME [--purge]       off-board a tenant; --purge drops its counters\n\n"
		"Options:\n"
		"  --socket PATH  tenantd's control socket (default " DEFAULT_SOCKET ")\n"
		"  --json         print the agent's JSON instead of tables\n\n"
		"Exit status: 0 done, 1 failed (tenantd unreachable or failing), 2 bad usage,\n"
		"3 refused (bad request or conflict), 4 not found, 5 not allowed.\n");
}

/* What the options gave the verbs. */
struct flags {
	bool follow;
	bool purge;
	const char *tenant;
};

static int verb_status(const struct client *client, char **arguments, const struct flags *flags)
{
	return command_status(client);
}

static int verb_tenants(const struct client *client, char **arguments, const struct flags *flags)
{
	return command_tenants(client);
}

static int verb_show(const struct client *client, char **arguments, const struct flags *flags)
{
	return command_show(client, arguments[0]);
}

static int verb_events(const struct client *client, char **arguments, const struct flags *flags)
{
	return command_events(client, flags->follow, flags->tenant);
}

static int verb_who(const struct client *client, char **arguments, const struct flags *flags)
{
	return command_who(client, arguments[0]);
}

static int verb_posture(const struct client *client, char **arguments, const struct flags *flags)
{
	return command_posture(client);
}

static int verb_reload(const struct client *client, char **arguments, const struct flags *flags)
{
	return command_change(client, "POST", "/v1/reload", NULL, "reloaded");
}

static int verb_apply(const struct client *client, char **arguments, const struct flags *flags)
{
	return command_apply(client, arguments[0]);
}

static int verb_remove(const struct client *client, char **arguments, const struct flags *flags)
{
	const char *name = arguments[0];
	char path[128], done[128];

	if (!tenant_name_valid(name)) {
		fprintf(stderr, "tenantctl: '%s' is not a tenant name\n", name);
		return EXIT_USAGE;
	}
	snprintf(path, sizeof(path), "/v1/tenants/%s%s", name, flags->purge ? "?purge=1" : "");
	snprintf(done, sizeof(done), "%s: tenant %s", flags->purge ? "purged" : "off-boarded", name);
	return command_change(client, "DELETE", path, NULL, done);
}

/* Every command with the number of arguments it takes; adding one is a
 * line here, its function above and its line in usage(). */
struct verb {
	const char *name;
	int arguments;
	int (*run)(const struct client *client, char **arguments, const struct flags *flags);
};

static const struct verb verbs[] = {
	{ "status", 0, verb_status },
	{ "tenants", 0, verb_tenants },
	{ "show", 1, verb_show },
	{ "events", 0, verb_events },
	{ "who", 1, verb_who },
	{ "posture", 0, verb_posture },
	{ "reload", 0, verb_reload },
	{ "apply", 1, verb_apply },
	{ "remove", 1, verb_remove },
};

static const struct verb *verb_find(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ "tenant", required_argument, NULL, 't' },
		{ "purge", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct client client = { .socket_path = DEFAULT_SOCKET };
	struct flags flags = {};
	const struct verb *verb;
	int option, r;

	while ((option = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (option) {
		case 's':
			client.socket_path = optarg;
			break;
		case 'j':
			client.as_json = true;
			break;
		case 'f':
			flags.follow = true;
			break;
		case 't':
			flags.tenant = optarg;
			break;
		case 'p':
			flags.purge = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tenantctl: missing command; see tenantctl --help\n");
		return EXIT_USAGE;
	}
	verb = verb_find(argv[optind]);
	if (!verb || argc - optind - 1 != verb->arguments) {
		fprintf(stderr, "tenantctl: unknown command or wrong arguments: '%s'; see "
				"tenantctl --help\n", argv[optind]);
		return EXIT_USAGE;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r = verb->run(&client, argv + optind + 1, &flags);
	curl_global_cleanup();
	return r;
}
