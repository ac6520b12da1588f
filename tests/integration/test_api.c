// SPDX-License-Identifier: LGPL-2.1-or-later
/* The control API: who sees what (operators, a tenant's processes, anyone
 * else), every endpoint, changing tenants with PUT and DELETE, and hostile
 * or heavy clients. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"
#include "tenants.h"

/* METHOD PATH as root with BODY (NULL: none); the answer, STATUS its code. */
static char *operator_request(const char *method, const char *path, const char *body,
			      long *status)
{
	char command[8400], body_path[4200], *output, *last_space;
	int exit_status;
	FILE *file;

	snprintf(body_path, sizeof(body_path), "%s/request.json", harness_scratch());
	file = fopen(body_path, "we");
	ck_assert_ptr_nonnull(file);
	fputs(body ? body : "", file);
	fclose(file);
	snprintf(command, sizeof(command),
		 "curl -s -X %s %s%s -w ' %%{http_code}' --unix-socket %s 'http://localhost%s'", method,
		 body ? "-H 'Content-Type: application/json' --data-binary @" : "",
		 body ? body_path : "", harness_socket(), path);
	output = harness_command_output(command, &exit_status);
	last_space = strrchr(output, ' ');
	ck_assert_ptr_nonnull(last_space);
	*status = atol(last_space + 1);
	*last_space = '\0';
	return output;
}

/* Reads until the peer closes or 5 s pass; the response, malloc'ed. */
static char *read_response(int fd)
{
	struct timeval timeout = { .tv_sec = 5 };
	char *text = calloc(1, 65536);
	size_t used = 0;
	ssize_t got;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	while (used < 65535 && (got = read(fd, text + used, 65535 - used)) > 0)
		used += (size_t)got;
	return text;
}

static bool agent_answers(void)
{
	long status = 0;
	char *body = harness_get("/v1/status", &status);

	free(body);
	return status == 200;
}

START_TEST(the_status_names_the_attached_programs_and_tenant_count)
{
	struct json_object *status_document, *field, *programs;
	long status = 0;
	char *body = harness_get("/v1/status", &status);

	ck_assert_int_eq(status, 200);
	ck_assert_msg(strstr(body, "\"features\":{\"btf\":true,\"cgroup_sock_addr\":true,") != NULL,
		      "%s", body);
	status_document = json_tokener_parse(body);
	free(body);
	ck_assert_ptr_nonnull(status_document);
	ck_assert(json_object_object_get_ex(status_document, "tenants", &field));
	ck_assert_int_eq(json_object_get_int(field), 7);
	ck_assert(json_object_object_get_ex(status_document, "programs", &programs));
	ck_assert(json_object_object_get_ex(programs, "attached", &field));
	ck_assert_int_eq(json_object_get_int(field), 11);
	ck_assert(json_object_object_get_ex(status_document, "version", &field));
	ck_assert(json_object_object_get_ex(status_document, "uptime_seconds", &field));
	ck_assert(json_object_object_get_ex(programs, "partial", &field));
	ck_assert(!json_object_get_boolean(field));
	json_object_put(status_document);
}
END_TEST

START_TEST(an_unknown_endpoint_is_a_json_404)
{
	long status = 0;
	char *body = harness_get("/v2/nothing", &status);

	ck_assert_int_eq(status, 404);
	ck_assert_str_eq(body, "{\"error\":\"no such endpoint\"}");
	free(body);
}
END_TEST

START_TEST(an_operator_sees_every_tenant)
{
	struct json_object *tenants;
	long status = 0;
	char *body = harness_get("/v1/tenants", &status);

	ck_assert_int_eq(status, 200);
	tenants = json_tokener_parse(body);
	ck_assert_ptr_nonnull(tenants);
	ck_assert_int_ge(json_object_array_length(tenants), 7);
	ck_assert_ptr_nonnull(strstr(body, "\"name\":\"globex\""));
	ck_assert_ptr_nonnull(strstr(body, "\"allow_to\":[{\"tenant\":\"globex\",\"port\":9102"));
	json_object_put(tenants);
	free(body);
}
END_TEST

START_TEST(a_tenant_sees_only_its_own_record)
{
	struct json_object *tenants, *first, *field;
	long status = 0;
	char *body = harness_request_as_nobody("acme", "GET", "/v1/tenants", &status);

	ck_assert_int_eq(status, 200);
	tenants = json_tokener_parse(body);
	ck_assert_ptr_nonnull(tenants);
	ck_assert_int_eq(json_object_array_length(tenants), 1);
	first = json_object_array_get_idx(tenants, 0);
	ck_assert(json_object_object_get_ex(first, "name", &field));
	ck_assert_str_eq(json_object_get_string(field), "acme");
	/* Its AllowTo=globex:9102/tcp shows the port, not the other's name. */
	ck_assert_ptr_null(strstr(body, "globex"));
	ck_assert_ptr_nonnull(strstr(body, "\"allow_to\":[{\"port\":9102,\"protocol\":\"tcp\"}"));
	json_object_put(tenants);
	free(body);
	body = harness_request_as_nobody("acme", "GET", "/v1/tenants/acme", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"name\":\"acme\""));
	free(body);
}
END_TEST

START_TEST(another_tenants_name_looks_exactly_like_a_missing_one)
{
	long other_status = 0, missing_status = 0;
	char *other = harness_request_as_nobody("acme", "GET", "/v1/tenants/globex", &other_status);
	char *missing = harness_request_as_nobody("acme", "GET", "/v1/tenants/no-such-one", &missing_status);

	ck_assert_int_eq(other_status, 404);
	ck_assert_int_eq(missing_status, 404);
	ck_assert_str_eq(other, missing);
	ck_assert_str_eq(other, "{\"error\":\"no such tenant\"}");
	free(other);
	free(missing);
}
END_TEST

START_TEST(a_tenant_sees_only_its_own_metric_series_with_peers_masked)
{
	long status = 0;
	char *body;

	/* acme has local_socket violations against globex by now. */
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	body = harness_request_as_nobody("acme", "GET", "/metrics", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "tenantd_tenant_tx_bytes_total{tenant=\"acme\"}"));
	ck_assert_ptr_nonnull(strstr(body, "tenantd_violations_total{tenant=\"acme\",peer=\"other\","
					   "reason=\"local_socket\",action=\"denied\"}"));
	ck_assert_ptr_null(strstr(body, "globex"));
	ck_assert_ptr_null(strstr(body, "initech"));
	ck_assert_ptr_null(strstr(body, "tenant=\"dns\""));
	free(body);
}
END_TEST

START_TEST(a_tenant_status_shows_the_version_and_its_own_name_only)
{
	long status = 0;
	char *body = harness_request_as_nobody("acme", "GET", "/v1/status", &status);

	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"tenant\":\"acme\""));
	ck_assert_ptr_null(strstr(body, "\"tenants\""));
	ck_assert_ptr_null(strstr(body, "programs"));
	free(body);
}
END_TEST

START_TEST(a_caller_in_no_tenant_is_refused_everything)
{
	static const char *const paths[] = { "/metrics", "/v1/status", "/v1/tenants",
					     "/v1/tenants/acme", "/v1/who?pid=1" };
	long status = 0;
	char *body;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		body = harness_request_as_nobody("host", "GET", paths[i], &status);
		ck_assert_int_eq(status, 403);
		ck_assert_str_eq(body, "{\"error\":\"only operators and processes of a tenant may use "
				       "this API\"}");
		free(body);
	}
	body = harness_request_as_nobody("", "GET", "/metrics", &status);
	ck_assert_int_eq(status, 403);
	free(body);
}
END_TEST

START_TEST(who_names_a_process_tenant_for_operators_and_its_own_for_tenants)
{
	char path[64], *body;
	long status = 0;
	pid_t globex = harness_probe_listen("globex", NULL, "listen tcp :: 9109");
	pid_t acme = harness_probe_listen("acme", NULL, "listen tcp :: 9110");

	snprintf(path, sizeof(path), "/v1/who?pid=%d", globex);
	body = harness_get(path, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"tenant\":\"globex\""));
	free(body);
	/* A tenant asking about another tenant's process: as if it did not exist. */
	body = harness_request_as_nobody("acme", "GET", path, &status);
	ck_assert_int_eq(status, 404);
	ck_assert_str_eq(body, "{\"error\":\"no such process\"}");
	free(body);
	body = harness_request_as_nobody("acme", "GET", "/v1/who?pid=999999999", &status);
	ck_assert_int_eq(status, 404);
	ck_assert_str_eq(body, "{\"error\":\"no such process\"}");
	free(body);
	snprintf(path, sizeof(path), "/v1/who?pid=%d", acme);
	body = harness_request_as_nobody("acme", "GET", path, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"tenant\":\"acme\""));
	free(body);
	body = harness_get("/v1/who?pid=abc", &status);
	ck_assert_int_eq(status, 400);
	free(body);
	kill(globex, SIGKILL);
	kill(acme, SIGKILL);
}
END_TEST

START_TEST(events_lists_recent_violations_as_json_lines_and_filters_by_tenant)
{
	long status = 0;
	char *body, *line, *save = NULL;
	int lines = 0;

	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(harness_probe("initech", NULL, "connect tcp ::1 9101"), 0);
	ck_assert(tenants_event_seen("acme", "local_socket", 9101));
	ck_assert(tenants_event_seen("initech", "local_socket", 9101));
	body = harness_get("/v1/events", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"tenant\":\"acme\",\"peer\":\"globex\""));
	free(body);
	body = harness_get("/v1/events?tenant=initech", &status);
	ck_assert_int_eq(status, 200);
	for (line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save), lines++)
		ck_assert_msg(strstr(line, "\"tenant\":\"initech\"") != NULL, "%s", line);
	ck_assert_int_ge(lines, 1);
	free(body);
	body = harness_get("/v1/events?tenant=no-such-one", &status);
	ck_assert_int_eq(status, 404);
	free(body);
}
END_TEST

START_TEST(a_tenant_reads_only_its_own_events_with_peers_masked)
{
	long status = 0, other_status = 0, missing_status = 0;
	char *body, *line, *save = NULL, *other, *missing;

	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert(tenants_event_seen("acme", "local_socket", 9101));
	body = harness_request_as_nobody("acme", "GET", "/v1/events", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"peer\":\"other\""));
	ck_assert_ptr_null(strstr(body, "globex"));
	for (line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		ck_assert_msg(strstr(line, "\"tenant\":\"acme\"") != NULL, "%s", line);
	free(body);
	other = harness_request_as_nobody("acme", "GET", "/v1/events?tenant=globex", &other_status);
	missing = harness_request_as_nobody("acme", "GET", "/v1/events?tenant=no-such-one", &missing_status);
	ck_assert_int_eq(other_status, 404);
	ck_assert_int_eq(missing_status, 404);
	ck_assert_str_eq(other, missing);
	free(other);
	free(missing);
}
END_TEST

START_TEST(following_events_streams_each_new_one_as_it_happens)
{
	char command[4400], output[4300], *text = NULL;
	pid_t follower;
	bool seen;

	snprintf(output, sizeof(output), "%s/follow.out", harness_scratch());
	snprintf(command, sizeof(command),
		 "exec curl -sN --unix-socket %s 'http://localhost/v1/events?follow=1&tenant=hooli' "
		 "> %s", harness_socket(), output);
	follower = tenants_follow_refusals(command, "tcp ::1 9101", output, "\"dport\":9101", &seen);
	ck_assert(seen);
	text = harness_read_file(output);
	ck_assert_msg(text && strstr(text, "\"tenant\":\"hooli\",\"peer\":\"globex\","
					  "\"reason\":\"local_socket\"") != NULL,
		      "streamed: %s", text ? text : "(nothing)");
	free(text);
	kill(follower, SIGTERM);
	waitpid(follower, NULL, 0);
	/* The agent goes on serving after the client went away. */
	ck_assert_int_eq(harness_probe("hooli", NULL, "connect tcp ::1 9101"), EPERM);
	text = harness_get("/v1/status", &(long){ 0 });
	ck_assert_ptr_nonnull(text);
	free(text);
}
END_TEST

START_TEST(reload_over_the_api_is_for_operators_and_reports_errors)
{
	long status = 0;
	char command[4200], *body;
	int exit_status;

	body = harness_request_as_nobody("acme", "POST", "/v1/reload", &status);
	ck_assert_int_eq(status, 403);
	free(body);
	snprintf(command, sizeof(command),
		 "curl -s -X POST -w ' %%{http_code}' --unix-socket %s http://localhost/v1/reload",
		 harness_socket());
	body = harness_command_output(command, &exit_status);
	ck_assert_str_eq(body, "{\"reloaded\":true,\"tenants\":7} 200");
	free(body);
	harness_write_config("tenants.d/zz-broken.conf", "[Tenant]\nKind=premium\n");
	body = harness_command_output(command, &exit_status);
	ck_assert_msg(strstr(body, "tenants.d/zz-broken.conf:2: Kind: 'premium' is not tenant, "
				   "shared or platform\"} 400") != NULL, "%s", body);
	free(body);
	harness_remove_config("tenants.d/zz-broken.conf");
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
}
END_TEST

/* Creates tenant newco in cgroup newco, enforcing, with nothing else. */
static void create_newco(void)
{
	char body[512], *answer;
	long status = 0;

	snprintf(body, sizeof(body), "{\"cgroups\":[\"%s/newco\"]}", harness_root());
	answer = operator_request("PUT", "/v1/tenants/newco", body, &status);
	ck_assert_msg(status == 201, "%ld %s", status, answer);
	free(answer);
}

START_TEST(put_creates_a_tenant_writes_its_drop_in_and_enforces_it)
{
	char body[512], path[4200], *answer, *written;
	long status = 0;

	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9101"), 0);
	snprintf(body, sizeof(body),
		 "{\"kind\":\"tenant\",\"mode\":\"enforce\",\"cgroups\":[\"%s/newco\"],"
		 "\"networks\":[\"10.201.9.0/24\"],\"allow_to\":[{\"tenant\":\"globex\","
		 "\"port\":9102,\"protocol\":\"tcp\"}]}", harness_root());
	answer = operator_request("PUT", "/v1/tenants/newco", body, &status);
	ck_assert_msg(status == 201, "%ld %s", status, answer);
	ck_assert_ptr_nonnull(strstr(answer, "\"name\":\"newco\""));
	free(answer);
	snprintf(path, sizeof(path), "%s/conf/tenants.d/newco.conf", harness_scratch());
	written = harness_read_file(path);
	ck_assert_ptr_nonnull(written);
	ck_assert_ptr_nonnull(strstr(written, "[Tenant]\nName=newco\nKind=tenant\nMode=enforce\n"));
	ck_assert_ptr_nonnull(strstr(written, "\nAllowTo=globex:9102/tcp\n"));
	free(written);
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9102"), 0);
}
END_TEST

START_TEST(put_replaces_an_existing_tenant)
{
	char body[512], *answer;
	long status = 0;

	create_newco();
	snprintf(body, sizeof(body), "{\"mode\":\"audit\",\"cgroups\":[\"%s/newco\"]}",
		 harness_root());
	answer = operator_request("PUT", "/v1/tenants/newco", body, &status);
	ck_assert_msg(status == 200, "%ld %s", status, answer);
	ck_assert_ptr_nonnull(strstr(answer, "\"mode\":\"audit\""));
	free(answer);
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9101"), 0);
	snprintf(body, sizeof(body), "{\"cgroups\":[\"%s/newco\"]}", harness_root());
	answer = operator_request("PUT", "/v1/tenants/newco", body, &status);
	ck_assert_int_eq(status, 200);
	free(answer);
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9101"), EPERM);
}
END_TEST

/* The JSON forms of AllowTo=TENANT:unix and Network=auto: written to the
 * drop-in, read back the same way. */
START_TEST(put_takes_unix_exceptions_and_automatic_networks)
{
	char body[512], path[4200], *answer, *written;
	long status = 0;

	create_newco();
	snprintf(body, sizeof(body),
		 "{\"cgroups\":[\"%s/newco\"],\"networks\":[\"auto\"],"
		 "\"allow_to\":[{\"tenant\":\"globex\",\"protocol\":\"unix\"}]}",
		 harness_root());
	answer = operator_request("PUT", "/v1/tenants/newco", body, &status);
	ck_assert_msg(status == 200, "%ld %s", status, answer);
	ck_assert_ptr_nonnull(strstr(answer, "\"networks\":[\"auto\"]"));
	ck_assert_ptr_nonnull(strstr(answer, "\"allow_to\":[{\"tenant\":\"globex\",\"protocol\":\"unix\"}]"));
	ck_assert_ptr_nonnull(strstr(answer, "\"container_networks\":[]"));
	free(answer);
	snprintf(path, sizeof(path), "%s/conf/tenants.d/newco.conf", harness_scratch());
	written = harness_read_file(path);
	ck_assert_ptr_nonnull(strstr(written, "Network=auto\n"));
	ck_assert_ptr_nonnull(strstr(written, "AllowTo=globex:unix\n"));
	free(written);
}
END_TEST

START_TEST(put_of_a_network_another_tenant_owns_is_a_conflict_and_changes_nothing)
{
	char body[512], path[4200], *before, *after, *answer;
	long status = 0;

	create_newco();
	snprintf(path, sizeof(path), "%s/conf/tenants.d/newco.conf", harness_scratch());
	before = harness_read_file(path);
	snprintf(body, sizeof(body),
		 "{\"cgroups\":[\"%s/newco\"],\"networks\":[\"10.201.2.128/25\"]}", harness_root());
	answer = operator_request("PUT", "/v1/tenants/newco", body, &status);
	ck_assert_int_eq(status, 409);
	ck_assert_msg(strstr(answer, "overlaps 10.201.2.0/24 owned by tenant 'globex'") != NULL, "%s",
		      answer);
	free(answer);
	after = harness_read_file(path);
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9101"), EPERM);
}
END_TEST

START_TEST(bad_put_requests_are_refused_with_a_clear_error)
{
	static const struct {
		const char *path, *body;
		long status;
		const char *error;
	} cases[] = {
		{ "/v1/tenants/newco", "{\"kind\":", 400, "{\"error\":\"the body is not JSON: " },
		{ "/v1/tenants/newco", "[1,2]", 400, "{\"error\":\"the body must be a JSON object\"}" },
		{ "/v1/tenants/newco", "{\"colour\":\"red\"}", 400,
		  "{\"error\":\"unknown field 'colour'\"}" },
		{ "/v1/tenants/newco", "{\"cgroups\":\"/x\"}", 400,
		  "{\"error\":\"'cgroups' must be an array\"}" },
		{ "/v1/tenants/newco", "{\"networks\":[\"10.0.0.1/8\"]}", 400,
		  "{\"error\":\"networks: '10.0.0.1/8': host bits are set after the prefix\"}" },
		{ "/v1/tenants/newco", "{\"kind\":\"premium\"}", 400,
		  "{\"error\":\"'kind' must be \\\"tenant\\\", \\\"shared\\\" or \\\"platform\\\"\"}" },
		{ "/v1/tenants/newco", "{\"mode\":\"enforce\\nCgroup=/stolen\"}", 400,
		  "{\"error\":\"'mode' must be \\\"enforce\\\" or \\\"audit\\\"\"}" },
		{ "/v1/tenants/newco", "{\"allow_to\":[{\"tenant\":\"globex\",\"port\":\"80\","
				       "\"protocol\":\"tcp\"}]}", 400,
		  "{\"error\":\"allow_to: 'port' must be a number 1..65535\"}" },
		{ "/v1/tenants/newco", "{\"allow_to\":[{\"tenant\":\"globex\",\"port\":80,"
				       "\"protocol\":\"unix\"}]}", 400,
		  "{\"error\":\"allow_to: a \\\"unix\\\" exception has no 'port'\"}" },
		{ "/v1/tenants/newco", "{\"allow_to\":[{\"tenant\":\"globex\",\"port\":80,"
				       "\"protocol\":\"icmp\"}]}", 400,
		  "{\"error\":\"allow_to: 'protocol' must be \\\"tcp\\\", \\\"udp\\\" or \\\"unix\\\"\"}" },
		{ "/v1/tenants/newco", "{\"bind_ports\":\"8443/tcp\"}", 400,
		  "{\"error\":\"'bind_ports' must be an array of \\\"PORT/PROTO\\\"\"}" },
		{ "/v1/tenants/newco", "{\"bind_ports\":[8443]}", 400,
		  "{\"error\":\"'bind_ports' must hold strings such as \\\"8443/tcp\\\"\"}" },
		{ "/v1/tenants/newco", "{\"bind_ports\":[\"70000/tcp\"]}", 400,
		  "{\"error\":\"bind_ports: '70000/tcp': port must be 1..65535\"}" },
		{ "/v1/tenants/newco", "{\"max_container_addresses\":-1}", 400,
		  "{\"error\":\"'max_container_addresses' must be a number 0..65536\"}" },
		{ "/v1/tenants/newco", "{\"name\":\"other\"}", 400,
		  "{\"error\":\"'name' must match the name in the path\"}" },
		{ "/v1/tenants/New_Co", "{}", 400, "{\"error\":\"a tenant name matches " },
		{ "/v1/tenants/newco", "\x01\xff garbage", 400, "{\"error\":\"the body is not JSON" },
	};
	long status = 0;
	char *answer;

	create_newco();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		answer = operator_request("PUT", cases[i].path, cases[i].body, &status);
		ck_assert_msg(status == cases[i].status, "case %zu: %ld %s", i, status, answer);
		ck_assert_msg(strstr(answer, cases[i].error) != NULL, "case %zu: %s", i, answer);
		free(answer);
	}
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9101"), EPERM);
}
END_TEST

START_TEST(an_oversized_body_is_refused_with_413)
{
	char *body = malloc(70 * 1024 + 1), *answer;
	long status = 0;

	memset(body, ' ', 70 * 1024);
	body[70 * 1024] = '\0';
	body[0] = '{';
	body[70 * 1024 - 1] = '}';
	answer = operator_request("PUT", "/v1/tenants/newco", body, &status);
	ck_assert_int_eq(status, 413);
	ck_assert_str_eq(answer, "{\"error\":\"the body is larger than 64 KiB\"}");
	free(answer);
	free(body);
}
END_TEST

START_TEST(only_operators_may_change_tenants)
{
	long status = 0;
	char *answer = harness_request_as_nobody("acme", "DELETE", "/v1/tenants/acme", &status);

	ck_assert_int_eq(status, 403);
	ck_assert_str_eq(answer, "{\"error\":\"only operators may change the configuration\"}");
	free(answer);
	answer = harness_request_as_nobody("acme", "PUT", "/v1/tenants/acme", &status);
	ck_assert_int_eq(status, 403);
	free(answer);
}
END_TEST

START_TEST(delete_tombstones_and_purge_frees_the_counters_and_the_id)
{
	char ids_path[4200], *answer, *ids;
	long status = 0;

	answer = operator_request("DELETE", "/v1/tenants/no-such-one", NULL, &status);
	ck_assert_int_eq(status, 404);
	free(answer);
	/* acme's AllowTo names globex: deleting globex would break it. */
	answer = operator_request("DELETE", "/v1/tenants/globex", NULL, &status);
	ck_assert_int_eq(status, 409);
	ck_assert_ptr_nonnull(strstr(answer, "AllowTo: tenant 'globex' does not exist"));
	free(answer);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9102"), 0);

	create_newco();
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9201"), 0);
	answer = operator_request("DELETE", "/v1/tenants/newco", NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(answer, "{\"tenant\":\"newco\",\"state\":\"tombstoned\"}");
	free(answer);
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9201"), EPERM);
	ck_assert_int_gt(harness_counter("tenantd_tenant_tx_packets_total", "newco"), 0);

	answer = operator_request("DELETE", "/v1/tenants/newco?purge=1", NULL, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(answer, "{\"tenant\":\"newco\",\"state\":\"purged\"}");
	free(answer);
	answer = harness_get("/metrics", &status);
	ck_assert_ptr_null(strstr(answer, "newco"));
	free(answer);
	snprintf(ids_path, sizeof(ids_path), "%s/state/tenant-ids", harness_scratch());
	ids = harness_read_file(ids_path);
	ck_assert_ptr_null(strstr(ids, "newco"));
	free(ids);
	/* Purged, its cgroup is nobody's: the host's. */
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9101"), 0);
}
END_TEST

START_TEST(garbage_bytes_get_a_400_and_the_agent_goes_on)
{
	static const char *const garbage[] = {
		"\x00\xff\xfe\x01 nonsense\r\n\r\n",
		"GET /v1/status HTTP/9.9\r\n\r\n",
		"GET\r\n\r\n",
		"PUT /v1/tenants/acme HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
		"GET /v1/status HTTP/1.1\r\nHost: a\r\nX: \x01\x02\x03\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		int fd = harness_connect_control_socket();
		char *response;

		ck_assert_int_gt(write(fd, garbage[i], strlen(garbage[i]) + (i == 0 ? 12 : 0)), 0);
		shutdown(fd, SHUT_WR);
		response = read_response(fd);
		close(fd);
		ck_assert_msg(!response[0] || !strncmp(response, "HTTP/1.1 4", 10) ||
				      !strncmp(response, "HTTP/1.0 4", 10) ||
				      !strncmp(response, "HTTP/1.1 505", 12) ||
				      !strncmp(response, "HTTP/1.1 200", 12),
			      "case %zu: %.80s", i, response);
		free(response);
		ck_assert_msg(agent_answers(), "case %zu killed the agent", i);
	}
}
END_TEST

START_TEST(idle_and_half_open_connections_do_not_stall_other_clients)
{
	static const char partial[] = "GET /v1/status HTTP/1.1\r\nHost: x\r\n";
	int idle[100];

	for (size_t i = 0; i < 100; i++) {
		idle[i] = harness_connect_control_socket();
		if (i % 2)
			ck_assert_int_eq(write(idle[i], partial, sizeof(partial) - 1),
					 (ssize_t)sizeof(partial) - 1);
	}
	/* A stalled server would answer only once the idle clients time out
	 * (30 s), after the harness's request gave up (20 s): any answer
	 * proves it was not stalled. */
	ck_assert(agent_answers());
	for (size_t i = 0; i < 100; i++)
		close(idle[i]);
	ck_assert(agent_answers());
}
END_TEST

START_TEST(two_hundred_concurrent_clients_are_all_answered)
{
	static const char request[] = "GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	int clients[200];
	size_t answered = 0;

	for (size_t i = 0; i < 200; i++) {
		clients[i] = harness_connect_control_socket();
		ck_assert_int_eq(write(clients[i], request, sizeof(request) - 1),
				 (ssize_t)sizeof(request) - 1);
	}
	for (size_t i = 0; i < 200; i++) {
		char *response = read_response(clients[i]);

		if (!strncmp(response, "HTTP/1.1 200", 12) && strstr(response, "\"attached\":11"))
			answered++;
		free(response);
		close(clients[i]);
	}
	ck_assert_uint_eq(answered, 200);
}
END_TEST

/* Whether FD has bytes to read, without reading them. */
static bool has_data(int fd)
{
	struct pollfd poller = { .fd = fd, .events = POLLIN };
	char byte;

	return poll(&poller, 1, 0) == 1 && recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
}

START_TEST(a_stuck_event_follower_stalls_neither_the_events_nor_other_clients)
{
	static const char follow[] = "GET /v1/events?follow=1 HTTP/1.1\r\nHost: x\r\n\r\n";
	int stuck = harness_connect_control_socket();
	int before = tenants_count_events("hooli");
	long status = 0;
	char *body;

	/* It asks to follow, and once its answer has begun (peeked at, never
	 * read), it reads no byte more. */
	ck_assert_int_eq(write(stuck, follow, sizeof(follow) - 1), (ssize_t)sizeof(follow) - 1);
	ck_assert(harness_wait_until(has_data(stuck), HARNESS_PATIENCE_MS));
	/* Three floods of refused connects under an EventRate that lets them
	 * all through: some 9000 events, megabytes, far more than the stuck
	 * client's socket holds. */
	tenants_write_agent_config("deny", 100000);
	ck_assert(harness_agent_reload());
	for (int flood = 0; flood < 3; flood++)
		ck_assert_int_eq(harness_probe("hooli", NULL, "repeat 3000 connect tcp ::1 9101"),
				 EPERM);
	ck_assert(agent_answers());
	ck_assert(harness_wait_until(tenants_count_events("hooli") - before >= 2000,
		HARNESS_PATIENCE_MS));
	body = harness_get("/v1/events?tenant=hooli", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "\"tenant\":\"hooli\""));
	free(body);
	close(stuck);
	ck_assert(agent_answers());
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("api");

	TCase *endpoints = tcase_create("endpoints");
	TCase *views = tcase_create("views");
	TCase *events = tcase_create("events");
	TCase *changes = tcase_create("changes");
	TCase *hostile_clients = tcase_create("hostile_clients");

	tcase_add_checked_fixture(endpoints, tenants_reset, NULL);
	tcase_set_timeout(endpoints, 60);
	tcase_add_test(endpoints, the_status_names_the_attached_programs_and_tenant_count);
	tcase_add_test(endpoints, an_unknown_endpoint_is_a_json_404);
	suite_add_tcase(suite, endpoints);

	tcase_add_checked_fixture(views, tenants_reset, NULL);
	tcase_set_timeout(views, 60);
	tcase_add_test(views, an_operator_sees_every_tenant);
	tcase_add_test(views, a_tenant_sees_only_its_own_record);
	tcase_add_test(views, another_tenants_name_looks_exactly_like_a_missing_one);
	tcase_add_test(views, a_tenant_sees_only_its_own_metric_series_with_peers_masked);
	tcase_add_test(views, a_tenant_status_shows_the_version_and_its_own_name_only);
	tcase_add_test(views, a_caller_in_no_tenant_is_refused_everything);
	tcase_add_test(views, who_names_a_process_tenant_for_operators_and_its_own_for_tenants);
	suite_add_tcase(suite, views);

	tcase_add_checked_fixture(events, tenants_reset, NULL);
	tcase_set_timeout(events, 60);
	tcase_add_test(events, events_lists_recent_violations_as_json_lines_and_filters_by_tenant);
	tcase_add_test(events, a_tenant_reads_only_its_own_events_with_peers_masked);
	tcase_add_test(events, following_events_streams_each_new_one_as_it_happens);
	suite_add_tcase(suite, events);

	tcase_add_checked_fixture(changes, tenants_reset, NULL);
	tcase_set_timeout(changes, 60);
	tcase_add_test(changes, reload_over_the_api_is_for_operators_and_reports_errors);
	tcase_add_test(changes, put_creates_a_tenant_writes_its_drop_in_and_enforces_it);
	tcase_add_test(changes, put_replaces_an_existing_tenant);
	tcase_add_test(changes, put_takes_unix_exceptions_and_automatic_networks);
	tcase_add_test(changes, put_of_a_network_another_tenant_owns_is_a_conflict_and_changes_nothing);
	tcase_add_test(changes, bad_put_requests_are_refused_with_a_clear_error);
	tcase_add_test(changes, an_oversized_body_is_refused_with_413);
	tcase_add_test(changes, only_operators_may_change_tenants);
	tcase_add_test(changes, delete_tombstones_and_purge_frees_the_counters_and_the_id);
	suite_add_tcase(suite, changes);

	tcase_add_checked_fixture(hostile_clients, tenants_reset, NULL);
	tcase_set_timeout(hostile_clients, 60);
	tcase_add_test(hostile_clients, garbage_bytes_get_a_400_and_the_agent_goes_on);
	tcase_add_test(hostile_clients, idle_and_half_open_connections_do_not_stall_other_clients);
	tcase_add_test(hostile_clients, two_hundred_concurrent_clients_are_all_answered);
	tcase_add_test(hostile_clients, a_stuck_event_follower_stalls_neither_the_events_nor_other_clients);
	suite_add_tcase(suite, hostile_clients);
	return suite;
}

void test_setup(void)
{
	tenants_setup(false);
}
