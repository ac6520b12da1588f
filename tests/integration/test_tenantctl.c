// SPDX-License-Identifier: LGPL-2.1-or-later
/* tenantctl, every command as people and scripts use it: tables, --json,
 * one-line errors and exit statuses, as an operator and as a tenant. */
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
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"
#include "tenants.h"

/* Runs "tenantctl --socket SOCKET ARGUMENTS" (stderr too); EXIT its status. */
static char *tenantctl(const char *arguments, int *exit_status)
{
	char command[8400];

	snprintf(command, sizeof(command), "%s --socket %s %s 2>&1", harness_binary("tenantctl"),
		 harness_socket(), arguments);
	return harness_command_output(command, exit_status);
}

START_TEST(tenantctl_status_prints_a_table_and_json)
{
	struct json_object *document;
	char command[4200];
	char *output;
	int exit_status;

	snprintf(command, sizeof(command), "%s --socket %s status", harness_binary("tenantctl"),
		 harness_socket());
	output = harness_command_output(command, &exit_status);
	ck_assert_int_eq(exit_status, 0);
	ck_assert_msg(strstr(output, "Programs:  11 attached to ") != NULL, "%s", output);
	ck_assert_msg(strstr(output, "Tenants:   7\n") != NULL, "%s", output);
	free(output);

	snprintf(command, sizeof(command), "%s --json --socket %s status",
		 harness_binary("tenantctl"), harness_socket());
	output = harness_command_output(command, &exit_status);
	ck_assert_int_eq(exit_status, 0);
	document = json_tokener_parse(output);
	ck_assert_ptr_nonnull(document);
	json_object_put(document);
	free(output);
}
END_TEST

START_TEST(tenantctl_without_an_agent_fails_with_one_line)
{
	char command[4200], *output;
	int exit_status;

	snprintf(command, sizeof(command), "%s --socket /nonexistent/tenantd.sock status 2>&1",
		 harness_binary("tenantctl"));
	output = harness_command_output(command, &exit_status);
	ck_assert_int_eq(exit_status, 1);
	ck_assert_str_eq(output, "tenantctl: cannot reach tenantd: /nonexistent/tenantd.sock: No "
				 "such file or directory (is tenantd running?)\n");
	free(output);
	snprintf(command, sizeof(command), "%s frobnicate 2>&1", harness_binary("tenantctl"));
	output = harness_command_output(command, &exit_status);
	ck_assert_int_eq(exit_status, 2);
	ck_assert_str_eq(output, "tenantctl: unknown command or wrong arguments: 'frobnicate'; see "
				 "tenantctl --help\n");
	free(output);
}
END_TEST

START_TEST(tenantctl_tenants_prints_a_table_and_json)
{
	struct json_object *document;
	int exit_status;
	char *output = tenantctl("tenants", &exit_status);

	ck_assert_int_eq(exit_status, 0);
	ck_assert_msg(!strncmp(output, "NAME                     KIND      MODE     STATE     "
				       "       TX BYTES       RX BYTES CONNECTIONS VIOLATIONS\n", 95),
		      "%s", output);
	ck_assert_msg(strstr(output, "\nacme                     tenant    enforce  active    ") != NULL,
		      "%s", output);
	ck_assert_ptr_nonnull(strstr(output, "\ndns                      shared    enforce  active"));
	free(output);
	output = tenantctl("--json tenants", &exit_status);
	ck_assert_int_eq(exit_status, 0);
	document = json_tokener_parse(output);
	ck_assert(json_object_is_type(document, json_type_array));
	json_object_put(document);
	free(output);
}
END_TEST

START_TEST(tenantctl_show_prints_one_tenant_and_exits_4_when_missing)
{
	int exit_status;
	char *output;

	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	output = tenantctl("show acme", &exit_status);

	ck_assert_int_eq(exit_status, 0);
	ck_assert_msg(strstr(output, "Tenant:     acme (id ") != NULL, "%s", output);
	ck_assert_ptr_nonnull(strstr(output, "\nMode:       enforce\n"));
	ck_assert_ptr_nonnull(strstr(output, "\nAllowTo:    globex:9102/tcp, globex:9103/udp\n"));
	ck_assert_ptr_nonnull(strstr(output, "local_socket     peer globex\n"));
	free(output);
	output = tenantctl("show no-such-one", &exit_status);
	ck_assert_int_eq(exit_status, 4);
	ck_assert_str_eq(output, "tenantctl: no such tenant\n");
	free(output);
	output = tenantctl("show Bad_Name", &exit_status);
	ck_assert_int_eq(exit_status, 2);
	free(output);
}
END_TEST

START_TEST(tenantctl_events_prints_readable_lines_and_follows)
{
	char command[8400], path[4200];
	int exit_status;
	char *output;
	pid_t watcher;
	bool seen;

	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert(tenants_event_seen("acme", "local_socket", 9101));
	output = tenantctl("events --tenant acme", &exit_status);
	ck_assert_int_eq(exit_status, 0);
	ck_assert_msg(strstr(output, " acme -> globex local_socket denied tcp [::1]:9101 pid ") != NULL,
		      "%s", output);
	free(output);
	output = tenantctl("--json events --tenant acme", &exit_status);
	ck_assert_ptr_nonnull(strstr(output, "{\"time\":"));
	free(output);

	snprintf(path, sizeof(path), "%s/tenantctl-follow.out", harness_scratch());
	snprintf(command, sizeof(command), "exec %s --socket %s events --follow --tenant hooli > %s",
		 harness_binary("tenantctl"), harness_socket(), path);
	watcher = tenants_follow_refusals(command, "tcp 127.0.0.1 9101", path, "hooli -> globex",
					  &seen);
	ck_assert(seen);
	output = harness_read_file(path);
	ck_assert_msg(output && strstr(output, " hooli -> globex local_socket denied tcp "
					       "127.0.0.1:9101 pid ") != NULL,
		      "watched: %s", output ? output : "(nothing)");
	free(output);
	kill(watcher, SIGTERM);
	waitpid(watcher, NULL, 0);
}
END_TEST

START_TEST(tenantctl_who_reload_apply_and_remove)
{
	char arguments[4300], file[4200];
	int exit_status;
	pid_t listener = harness_probe_listen("globex", NULL, "listen tcp :: 9111");
	char *output;
	FILE *dropin;

	snprintf(arguments, sizeof(arguments), "who %d", listener);
	output = tenantctl(arguments, &exit_status);
	ck_assert_int_eq(exit_status, 0);
	snprintf(arguments, sizeof(arguments), "%d globex %s/globex\n", listener, harness_root());
	ck_assert_str_eq(output, arguments);
	free(output);
	kill(listener, SIGKILL);

	output = tenantctl("reload", &exit_status);
	ck_assert_int_eq(exit_status, 0);
	ck_assert_str_eq(output, "reloaded\n");
	free(output);

	snprintf(file, sizeof(file), "%s/apco.conf", harness_scratch());
	dropin = fopen(file, "we");
	fprintf(dropin, "[Tenant]\nMode=audit\nCgroup=%s/newco\nAllowTo=dns:53/udp\n", harness_root());
	fclose(dropin);
	snprintf(arguments, sizeof(arguments), "apply %s", file);
	output = tenantctl(arguments, &exit_status);
	ck_assert_int_eq(exit_status, 0);
	ck_assert_str_eq(output, "applied: tenant apco\n");
	free(output);
	output = tenantctl("show apco", &exit_status);
	ck_assert_ptr_nonnull(strstr(output, "\nMode:       audit\n"));
	ck_assert_ptr_nonnull(strstr(output, "\nAllowTo:    dns:53/udp\n"));
	free(output);

	output = tenantctl("remove apco --purge", &exit_status);
	ck_assert_int_eq(exit_status, 0);
	ck_assert_str_eq(output, "purged: tenant apco\n");
	free(output);
	output = tenantctl("remove apco", &exit_status);
	ck_assert_int_eq(exit_status, 4);
	free(output);

	dropin = fopen(file, "we");
	fprintf(dropin, "[Tenant]\nNetwork=10.0.0.1/8\n");
	fclose(dropin);
	output = tenantctl(arguments, &exit_status);
	ck_assert_int_eq(exit_status, 2);
	snprintf(arguments, sizeof(arguments),
		 "tenantctl: %s:2: Network: '10.0.0.1/8': host bits are set after the prefix\n", file);
	ck_assert_str_eq(output, arguments);
	free(output);
}
END_TEST

START_TEST(tenantctl_as_a_tenant_may_read_but_not_change)
{
	char command[8400], *output;
	int exit_status;

	snprintf(command, sizeof(command),
		 "sh -c 'echo $$ > %s/cgroup.procs && exec setpriv --reuid=65534 --regid=65534 "
		 "--clear-groups %s --socket %s remove acme' 2>&1",
		 harness_cgroup_path("acme"), harness_binary("tenantctl"), harness_socket());
	output = harness_command_output(command, &exit_status);
	ck_assert_int_eq(exit_status, 5);
	ck_assert_str_eq(output, "tenantctl: only operators may change the configuration\n");
	free(output);
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("tenantctl");

	TCase *commands = tcase_create("commands");

	tcase_add_checked_fixture(commands, tenants_reset, NULL);
	tcase_set_timeout(commands, 60);
	tcase_add_test(commands, tenantctl_status_prints_a_table_and_json);
	tcase_add_test(commands, tenantctl_without_an_agent_fails_with_one_line);
	tcase_add_test(commands, tenantctl_tenants_prints_a_table_and_json);
	tcase_add_test(commands, tenantctl_show_prints_one_tenant_and_exits_4_when_missing);
	tcase_add_test(commands, tenantctl_events_prints_readable_lines_and_follows);
	tcase_add_test(commands, tenantctl_who_reload_apply_and_remove);
	tcase_add_test(commands, tenantctl_as_a_tenant_may_read_but_not_change);
	suite_add_tcase(suite, commands);
	return suite;
}

void test_setup(void)
{
	tenants_setup(false);
}
