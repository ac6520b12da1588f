// SPDX-License-Identifier: LGPL-2.1-or-later
/* tenantd's own life cycle: enforcement and counting go on in the kernel
 * while the agent is dead, a restart adopts the pinned programs and maps
 * (counters continue exactly, ids stay), and --detach removes everything.
 * Tests run in order and share one agent, which they stop and start. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"
#include "tenantd_abi.h"


static void suite_setup(void)
{
	const char *root;

	harness_setup();
	root = harness_root();
	harness_cgroup("acme");
	harness_cgroup("globex");
	harness_cgroup("dns");
	harness_write_config("tenants.d/acme.conf", "[Tenant]\nCgroup=%s/acme\n", root);
	harness_write_config("tenants.d/globex.conf", "[Tenant]\nCgroup=%s/globex\n", root);
	harness_write_config("tenants.d/dns.conf", "[Tenant]\nKind=shared\nCgroup=%s/dns\n", root);
	/* A slice systemd has not created yet. */
	harness_write_config("tenants.d/late.conf", "[Tenant]\nCgroup=%s/late.slice/app\n", root);
	harness_agent_start();
	probe_listen("globex", NULL, "listen tcp :: 9801");
	probe_listen("dns", NULL, "listen tcp :: 9802");
	probe_listen("dns", NULL, "listen udp :: 9803");
}

START_TEST(enforcement_holds_while_the_agent_is_killed)
{
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
	harness_agent_signal(SIGKILL);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp 127.0.0.1 9801"), EPERM);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9802"), 0);
	harness_agent_start();
}
END_TEST

START_TEST(counters_count_while_the_agent_is_dead_and_continue_after_restart)
{
	long long packets = harness_counter("tenantd_tenant_tx_packets_total", "acme");
	long long bytes = harness_counter("tenantd_tenant_tx_bytes_total", "acme");
	long long received = harness_counter("tenantd_tenant_rx_bytes_total", "dns");
	long long denied = harness_violations("acme", "globex", "local_socket", "denied");

	harness_agent_signal(SIGKILL);
	/* 10 datagrams of 100 bytes over IPv4: 10 x (100 + 8 + 20) bytes. */
	ck_assert_int_eq(probe("acme", NULL, "sendto 127.0.0.1 9803 100 10"), 0);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
	harness_agent_start();
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_packets_total", "acme"), packets + 10);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_bytes_total", "acme"), bytes + 1280);
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_bytes_total", "dns"), received + 1280);
	ck_assert_int_eq(harness_violations("acme", "globex", "local_socket", "denied"), denied + 1);
}
END_TEST

START_TEST(a_transfer_running_across_a_kill_and_restart_is_counted_exactly)
{
	long long sent = harness_counter("tenantd_tenant_tx_bytes_total", "acme");
	long long received = harness_counter("tenantd_tenant_rx_bytes_total", "dns");
	pid_t transfer = fork();
	int status;

	if (transfer == 0)
		_exit(probe("acme", NULL, "connect tcp 127.0.0.1 9802 400000000"));
	usleep(100 * 1000);
	harness_agent_signal(SIGKILL);
	usleep(100 * 1000);
	harness_agent_start();
	ck_assert_int_eq(waitpid(transfer, &status, 0), transfer);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	usleep(100 * 1000);
	ck_assert_int_ge(harness_counter("tenantd_tenant_tx_bytes_total", "acme") - sent, 400000000);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_bytes_total", "acme") - sent,
			 harness_counter("tenantd_tenant_rx_bytes_total", "dns") - received);
}
END_TEST

START_TEST(a_restart_adopts_the_pinned_links_and_keeps_tenant_ids)
{
	char ids_path[4200], *ids_before, *ids_after, *status;
	long http_status = 0;

	snprintf(ids_path, sizeof(ids_path), "%s/state/tenant-ids", harness_scratch());
	ids_before = harness_read_file(ids_path);
	ck_assert_ptr_nonnull(strstr(ids_before, "acme 1\n"));
	harness_agent_stop();
	harness_agent_start();
	ids_after = harness_read_file(ids_path);
	ck_assert_str_eq(ids_after, ids_before);
	status = harness_get("/v1/status", &http_status);
	ck_assert_int_eq(http_status, 200);
	ck_assert_msg(strstr(status, "\"attached\":7,\"adopted\":7") != NULL, "%s", status);
	free(status);
	free(ids_before);
	free(ids_after);
}
END_TEST

START_TEST(a_normal_stop_leaves_enforcement_in_place)
{
	harness_agent_stop();
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
	harness_agent_start();
}
END_TEST

static int probe_until(const char *cgroup, const char *arguments, int expected)
{
	int outcome = -1;

	/* The agent reacts to inotify, not instantly: up to 5 s. */
	for (int i = 0; i < 100 && (outcome = probe(cgroup, NULL, arguments)) != expected; i++)
		usleep(50 * 1000);
	return outcome;
}

static bool cgroup_mapped(const char *name)
{
	char command[8400];
	struct stat status;

	if (stat(harness_cgroup_path(name), &status))
		return false;
	snprintf(command, sizeof(command),
		 "bpftool -j map dump pinned %s/cgroup_tenant | grep -q '\"key\":%llu,'",
		 harness_bpffs(), (unsigned long long)status.st_ino);
	return WEXITSTATUS(system(command)) == 0;
}

START_TEST(policy_changes_do_not_disturb_established_connections)
{
	long long sent = harness_counter("tenantd_tenant_tx_bytes_total", "acme");
	long long received = harness_counter("tenantd_tenant_rx_bytes_total", "dns");
	const char *root = harness_root();
	pid_t transfer = fork();
	int status;

	if (transfer == 0)
		_exit(probe("acme", NULL, "connect tcp 127.0.0.1 9802 600000000"));
	usleep(100 * 1000);
	/* Add a tenant, give acme a network, then take it away again. */
	harness_write_config("tenants.d/zz-extra.conf", "[Tenant]\nNetwork=10.250.0.0/16\n");
	ck_assert(harness_agent_reload());
	harness_write_config("tenants.d/acme.conf", "[Tenant]\nCgroup=%s/acme\nNetwork=10.251.0.0/16\n",
			     root);
	ck_assert(harness_agent_reload());
	harness_remove_config("tenants.d/zz-extra.conf");
	harness_write_config("tenants.d/acme.conf", "[Tenant]\nCgroup=%s/acme\n", root);
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(waitpid(transfer, &status, 0), transfer);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	usleep(100 * 1000);
	ck_assert_int_ge(harness_counter("tenantd_tenant_tx_bytes_total", "acme") - sent, 600000000);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_bytes_total", "acme") - sent,
			 harness_counter("tenantd_tenant_rx_bytes_total", "dns") - received);
}
END_TEST

static int log_lines(const char *needle)
{
	char command[8400];
	int status;

	snprintf(command, sizeof(command), "exit $(grep -c -- '%s' %s)", needle, harness_log());
	status = system(command);
	return WEXITSTATUS(status);
}

START_TEST(a_tenant_cgroup_created_after_start_is_tagged_without_a_reload)
{
	int warnings = log_lines("late.slice/app does not exist yet");
	int refreshes = log_lines("cgroups changed");

	ck_assert(!cgroup_mapped("late.slice/app"));
	ck_assert_int_gt(warnings, 0);
	/* Its parent first: a refresh, which must not repeat the warning. */
	harness_cgroup("late.slice");
	for (int i = 0; i < 100 && log_lines("cgroups changed") == refreshes; i++)
		usleep(50 * 1000);
	ck_assert_int_gt(log_lines("cgroups changed"), refreshes);
	ck_assert_int_eq(log_lines("late.slice/app does not exist yet"), warnings);
	harness_cgroup("late.slice/app");
	ck_assert_int_eq(probe_until("late.slice/app", "connect tcp ::1 9801", EPERM), EPERM);
	ck_assert(cgroup_mapped("late.slice/app"));
}
END_TEST

START_TEST(a_deleted_tenant_cgroup_leaves_the_map_and_a_recreated_one_is_tagged)
{
	char path[4200], command[8400];
	struct stat status;

	harness_cgroup("late.slice/app");
	ck_assert_int_eq(probe_until("late.slice/app", "connect tcp ::1 9801", EPERM), EPERM);
	snprintf(path, sizeof(path), "%s", harness_cgroup_path("late.slice/app"));
	ck_assert_int_eq(stat(path, &status), 0);
	ck_assert_int_eq(rmdir(path), 0);
	snprintf(command, sizeof(command),
		 "for i in $(seq 100); do bpftool -j map dump pinned %s/cgroup_tenant | "
		 "grep -q '\"key\":%llu,' || exit 0; sleep 0.05; done; exit 1",
		 harness_bpffs(), (unsigned long long)status.st_ino);
	ck_assert_int_eq(WEXITSTATUS(system(command)), 0);
	harness_cgroup("late.slice/app");
	ck_assert_int_eq(probe_until("late.slice/app", "connect tcp ::1 9801", EPERM), EPERM);
}
END_TEST

START_TEST(a_process_moved_to_another_tenant_opens_sockets_as_that_tenant)
{
	char arguments[4200];

	/* acme is refused globex's port; moved into globex, it is globex. */
	snprintf(arguments, sizeof(arguments), "--cgroup %s connect tcp ::1 9801",
		 harness_cgroup_path("globex"));
	ck_assert_int_eq(probe("acme", NULL, arguments), 0);
	snprintf(arguments, sizeof(arguments), "--cgroup %s connect tcp ::1 9801",
		 harness_cgroup_path("acme"));
	ck_assert_int_eq(probe("globex", NULL, arguments), EPERM);
}
END_TEST

START_TEST(an_inherited_listening_socket_is_served_instead_of_a_new_one)
{
	char socket_path[4200], own_socket[4200], command[8600], *answer;
	FILE *curl;
	size_t size = 0;

	snprintf(socket_path, sizeof(socket_path), "%s/activated.sock", harness_scratch());
	snprintf(own_socket, sizeof(own_socket), "%s/run/tenantd.sock", harness_scratch());
	harness_agent_stop();
	ck_assert_int_ne(access(own_socket, F_OK), 0);
	harness_agent_start_activated(socket_path);
	snprintf(command, sizeof(command),
		 "curl -s -w ' %%{http_code}' --unix-socket %s http://localhost/v1/status", socket_path);
	curl = popen(command, "r");
	answer = NULL;
	ck_assert_int_gt(getdelim(&answer, &size, '\0', curl), 0);
	pclose(curl);
	ck_assert_msg(strstr(answer, "\"attached\":7") && strstr(answer, " 200"), "%s", answer);
	free(answer);
	/* It made no socket of its own. */
	ck_assert_int_ne(access(own_socket, F_OK), 0);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
	harness_agent_stop();
	harness_agent_start();
}
END_TEST

/* Detaches everything, then starts an endless acme -> globex transfer that
 * nothing refuses; returns its pid. */
static pid_t cross_tenant_transfer_before_tenantd(void)
{
	char command[4300];
	pid_t transfer;

	harness_agent_stop();
	snprintf(command, sizeof(command), "%s --detach --bpffs-dir %s 2>/dev/null",
		 harness_binary("tenantd"), harness_bpffs());
	ck_assert_int_eq(WEXITSTATUS(system(command)), 0);
	transfer = fork();
	if (transfer == 0)
		_exit(probe("acme", NULL, "connect tcp ::1 9801 100000000000000"));
	usleep(300 * 1000);
	ck_assert_int_eq(waitpid(transfer, NULL, WNOHANG), 0);
	return transfer;
}

static const char *event_field(struct json_object *event, const char *name)
{
	struct json_object *field;

	return json_object_object_get_ex(event, name, &field) ? json_object_get_string(field) : "";
}

START_TEST(a_cross_tenant_connection_older_than_tenantd_is_listed)
{
	pid_t transfer = cross_tenant_transfer_before_tenantd();
	struct json_object *event;

	harness_agent_start();
	event = harness_wait_event("acme", "preexisting", 9801, 0);
	ck_assert_ptr_nonnull(event);
	ck_assert_str_eq(event_field(event, "peer"), "globex");
	ck_assert_str_eq(event_field(event, "action"), "audited");
	ck_assert_str_eq(event_field(event, "dst"), "::1");
	json_object_put(event);
	/* Listed, not touched: the transfer goes on. */
	usleep(200 * 1000);
	ck_assert_int_eq(waitpid(transfer, NULL, WNOHANG), 0);
	kill(transfer, SIGKILL);
	waitpid(transfer, NULL, 0);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
}
END_TEST

START_TEST(kill_preexisting_destroys_such_connections)
{
	char command[4400];
	pid_t transfer;
	int status = 0;

	harness_write_config("tenantd.conf", "[Agent]\nKillPreexisting=yes\n");
	transfer = cross_tenant_transfer_before_tenantd();
	harness_agent_start();
	snprintf(command, sizeof(command),
		 "for i in $(seq 100); do grep -q '\"tenant\":\"acme\",\"peer\":\"globex\","
		 "\"reason\":\"preexisting\",\"action\":\"denied\"' %s && exit 0; sleep 0.05; "
		 "done; exit 1", harness_log());
	ck_assert_int_eq(WEXITSTATUS(system(command)), 0);
	for (int i = 0; i < 100 && waitpid(transfer, &status, WNOHANG) == 0; i++)
		usleep(50 * 1000);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0,
		      "the transfer was not cut: status %d", status);
	harness_remove_config("tenantd.conf");
}
END_TEST

START_TEST(pinned_maps_of_another_layout_are_refused_and_keep_enforcing)
{
	char command[8400], output[2048] = "";
	FILE *agent;
	int status;

	harness_agent_stop();
	snprintf(command, sizeof(command),
		 "bpftool map update pinned %s/layout key 0 0 0 0 value 0xe7 0x03 0 0",
		 harness_bpffs());
	ck_assert_int_eq(system(command), 0);
	snprintf(command, sizeof(command),
		 "%s --config-dir %s/conf --state-dir %s/state --runtime-dir %s/run "
		 "--bpffs-dir %s --cgroup-root %s 2>&1",
		 harness_binary("tenantd"), harness_scratch(), harness_scratch(), harness_scratch(),
		 harness_bpffs(), harness_root());
	agent = popen(command, "r");
	ck_assert_ptr_nonnull(agent);
	ck_assert_ptr_nonnull(fgets(output, sizeof(output), agent));
	status = pclose(agent);
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	ck_assert_msg(strstr(output, "holds maps of layout version 999; this tenantd uses "
				     "version") != NULL, "%s", output);
	ck_assert_msg(strstr(output, "'tenantd --detach --bpffs-dir ") != NULL, "%s", output);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
	/* Put the version back for the tests that follow. */
	snprintf(command, sizeof(command),
		 "bpftool map update pinned %s/layout key 0 0 0 0 value %d 0 0 0", harness_bpffs(),
		 TENANTD_ABI_VERSION);
	ck_assert_int_eq(system(command), 0);
	harness_agent_start();
}
END_TEST

START_TEST(detach_removes_every_program_link_and_map)
{
	char command[4300];
	int status;

	harness_agent_stop();
	ck_assert_int_eq(access(harness_bpffs(), F_OK), 0);
	snprintf(command, sizeof(command), "%s --detach --bpffs-dir %s 2>/dev/null",
		 harness_binary("tenantd"), harness_bpffs());
	status = system(command);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_ne(access(harness_bpffs(), F_OK), 0);
	ck_assert_int_eq(probe("acme", NULL, "connect tcp ::1 9801"), 0);
}
END_TEST

static Suite *lifecycle_suite(void)
{
	Suite *suite = suite_create("lifecycle");
	TCase *restart = tcase_create("restart");

	tcase_set_timeout(restart, 60);
	tcase_add_test(restart, enforcement_holds_while_the_agent_is_killed);
	tcase_add_test(restart, counters_count_while_the_agent_is_dead_and_continue_after_restart);
	tcase_add_test(restart, a_transfer_running_across_a_kill_and_restart_is_counted_exactly);
	tcase_add_test(restart, a_restart_adopts_the_pinned_links_and_keeps_tenant_ids);
	tcase_add_test(restart, a_normal_stop_leaves_enforcement_in_place);
	tcase_add_test(restart, policy_changes_do_not_disturb_established_connections);
	tcase_add_test(restart, a_tenant_cgroup_created_after_start_is_tagged_without_a_reload);
	tcase_add_test(restart, a_deleted_tenant_cgroup_leaves_the_map_and_a_recreated_one_is_tagged);
	tcase_add_test(restart, a_process_moved_to_another_tenant_opens_sockets_as_that_tenant);
	tcase_add_test(restart, an_inherited_listening_socket_is_served_instead_of_a_new_one);
	tcase_add_test(restart, a_cross_tenant_connection_older_than_tenantd_is_listed);
	tcase_add_test(restart, kill_preexisting_destroys_such_connections);
	tcase_add_test(restart, pinned_maps_of_another_layout_are_refused_and_keep_enforcing);
	tcase_add_test(restart, detach_removes_every_program_link_and_map);
	suite_add_tcase(suite, restart);
	return suite;
}

int main(void)
{
	SRunner *runner = srunner_create(lifecycle_suite());
	int failed;

	suite_setup();
	failed = harness_run(runner);
	srunner_free(runner);
	failed += harness_agent_sanitizer_reports();
	harness_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
