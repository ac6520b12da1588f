// SPDX-License-Identifier: LGPL-2.1-or-later
/* tenantd's own life cycle: enforcement and counting go on in the kernel
 * while the agent is dead, a restart adopts the pinned programs and maps
 * (counters continue exactly, ids stay), and --detach removes everything.
 * The tests share one agent, which they stop and start; a checked fixture
 * puts the agent and its configuration back before each, so that each
 * stands alone. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"
#include "tenantd_abi.h"

/* acme, globex (listening on tcp 9801), dns, shared (listening on tcp 9802
 * and udp 9803), and late, whose slice systemd has not created yet. */
static void write_config(void)
{
	const char *root = harness_root();

	harness_remove_config("tenantd.conf");
	harness_remove_config("tenants.d/zz-extra.conf");
	harness_write_config("tenants.d/acme.conf", "[Tenant]\nCgroup=%s/acme\n", root);
	harness_write_config("tenants.d/globex.conf", "[Tenant]\nCgroup=%s/globex\n", root);
	harness_write_config("tenants.d/dns.conf", "[Tenant]\nKind=shared\nCgroup=%s/dns\n", root);
	harness_write_config("tenants.d/late.conf", "[Tenant]\nCgroup=%s/late.slice/app\n", root);
}

void test_setup(void)
{
	harness_cgroup("acme");
	harness_cgroup("globex");
	harness_cgroup("dns");
	write_config();
	harness_agent_start();
	harness_probe_listen("globex", NULL, "listen tcp :: 9801");
	harness_probe_listen("dns", NULL, "listen tcp :: 9802");
	harness_probe_listen("dns", NULL, "listen udp :: 9803");
}

/* The checked fixture: the configuration as test_setup wrote it, applied by
 * a running agent. */
static void reset(void)
{
	write_config();
	if (harness_agent_running())
		ck_assert(harness_agent_reload());
	else
		harness_agent_start();
}

static const char *transfer_gate(void)
{
	static char path[4200];

	snprintf(path, sizeof(path), "%s/transfer-gate", harness_scratch());
	return path;
}

/* Starts an acme -> dns transfer of BYTES in the background, which sends
 * its first megabyte and then holds the rest until transfer_release():
 * whatever the machine's speed, the transfer is under way across what the
 * test does meanwhile. Returns its pid once the first bytes are counted. */
static pid_t transfer_to_dns(long long bytes)
{
	long long sent = harness_counter("tenantd_tenant_tx_bytes_total", "acme");
	char arguments[4400];
	pid_t transfer;

	unlink(transfer_gate());
	snprintf(arguments, sizeof(arguments),
		 "--send-when %s --send-first 1000000 connect tcp 127.0.0.1 9802 %lld",
		 transfer_gate(), bytes);
	transfer = fork();
	if (transfer == 0)
		_exit(harness_probe("acme", NULL, arguments));
	ck_assert(harness_wait_until(harness_counter("tenantd_tenant_tx_bytes_total", "acme") > sent,
				     HARNESS_PATIENCE_MS));
	return transfer;
}

/* Lets the transfer send the rest of its bytes. */
static void transfer_release(void)
{
	ck_assert(harness_shell("touch %s", transfer_gate()));
}

/* Whether acme's bytes sent since SENT equal dns's received since RECEIVED,
 * the last FIN/ACK exchange included. */
static bool transfer_balanced(long long sent, long long received)
{
	return harness_counter("tenantd_tenant_tx_bytes_total", "acme") - sent ==
	       harness_counter("tenantd_tenant_rx_bytes_total", "dns") - received;
}

START_TEST(enforcement_holds_while_the_agent_is_killed)
{
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
	harness_agent_signal(SIGKILL);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp 127.0.0.1 9801"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9802"), 0);
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
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto 127.0.0.1 9803 100 10"), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
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
	pid_t transfer = transfer_to_dns(400000000);
	int status;

	harness_agent_signal(SIGKILL);
	harness_agent_start();
	transfer_release();
	ck_assert_int_eq(waitpid(transfer, &status, 0), transfer);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert(harness_wait_until(transfer_balanced(sent, received), HARNESS_PATIENCE_MS));
	ck_assert_int_ge(harness_counter("tenantd_tenant_tx_bytes_total", "acme") - sent, 400000000);
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
	ck_assert_msg(strstr(status, "\"attached\":11,\"adopted\":11") != NULL, "%s", status);
	free(status);
	free(ids_before);
	free(ids_after);
}
END_TEST

/* An operator's alert on an enforcement gap needs to tell a restart that
 * adopted the pinned programs from one that attached them anew. */
START_TEST(the_metrics_tell_a_first_start_from_a_restart_that_adopted_the_pins)
{
	double started;

	ck_assert_int_eq(harness_agent_detach(), 0);
	harness_agent_start();
	ck_assert_double_eq(harness_gauge("tenantd_programs_attached"), 11);
	ck_assert_double_eq(harness_gauge("tenantd_programs_adopted"), 0);
	started = harness_gauge("tenantd_agent_start_time_seconds");
	harness_agent_stop();
	harness_agent_start();
	ck_assert_double_eq(harness_gauge("tenantd_programs_attached"), 11);
	ck_assert_double_eq(harness_gauge("tenantd_programs_adopted"), 11);
	ck_assert_double_gt(harness_gauge("tenantd_agent_start_time_seconds"), started);
}
END_TEST

/* The pinned maps record which configuration they hold: a restart with
 * the same one rewrites no tenant, one with a changed drop-in rewrites. */
START_TEST(a_restart_with_the_same_configuration_rewrites_nothing)
{
	const char *nothing = "policy: 0 of 4 tenants written (0 networks); the pinned maps "
			      "held the rest";
	const char *everything = "policy: 5 of 5 tenants written (1 networks)";
	int before = harness_log_lines(nothing), before_change = harness_log_lines(everything);

	harness_agent_stop();
	harness_agent_start();
	ck_assert_int_eq(harness_log_lines(nothing), before + 1);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
	harness_agent_stop();
	harness_write_config("tenants.d/zz-extra.conf", "[Tenant]\nNetwork=10.99.0.0/16\n");
	harness_agent_start();
	ck_assert_int_eq(harness_log_lines(everything), before_change + 1);
}
END_TEST

START_TEST(a_normal_stop_leaves_enforcement_in_place)
{
	harness_agent_stop();
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
	harness_agent_start();
}
END_TEST

static int probe_until(const char *cgroup, const char *arguments, int expected)
{
	int outcome = -1;

	/* The agent reacts to inotify, not instantly: up to 5 s. */
	harness_wait_until((outcome = harness_probe(cgroup, NULL, arguments)) == expected,
		HARNESS_PATIENCE_MS);
	return outcome;
}

/* Whether the pinned cgroup map holds cgroup ID. */
static bool cgroup_id_mapped(ino_t id)
{
	char command[8400];

	snprintf(command, sizeof(command),
		 "bpftool -j map dump pinned %s/tenantd_cgroup_tenant | grep -q '\"key\":%llu,'",
		 harness_bpffs(), (unsigned long long)id);
	return WEXITSTATUS(system(command)) == 0;
}

static bool cgroup_mapped(const char *name)
{
	struct stat status;

	return stat(harness_cgroup_path(name), &status) == 0 && cgroup_id_mapped(status.st_ino);
}

START_TEST(policy_changes_do_not_disturb_established_connections)
{
	long long sent = harness_counter("tenantd_tenant_tx_bytes_total", "acme");
	long long received = harness_counter("tenantd_tenant_rx_bytes_total", "dns");
	const char *root = harness_root();
	pid_t transfer = transfer_to_dns(600000000);
	int status;

	/* Add a tenant, give acme a network, then take it away again. */
	harness_write_config("tenants.d/zz-extra.conf", "[Tenant]\nNetwork=10.250.0.0/16\n");
	ck_assert(harness_agent_reload());
	harness_write_config("tenants.d/acme.conf", "[Tenant]\nCgroup=%s/acme\nNetwork=10.251.0.0/16\n",
			     root);
	ck_assert(harness_agent_reload());
	harness_remove_config("tenants.d/zz-extra.conf");
	harness_write_config("tenants.d/acme.conf", "[Tenant]\nCgroup=%s/acme\n", root);
	ck_assert(harness_agent_reload());
	transfer_release();
	ck_assert_int_eq(waitpid(transfer, &status, 0), transfer);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert(harness_wait_until(transfer_balanced(sent, received), HARNESS_PATIENCE_MS));
	ck_assert_int_ge(harness_counter("tenantd_tenant_tx_bytes_total", "acme") - sent, 600000000);
}
END_TEST

/* Removes late.slice (empty) and reloads, so the agent warns again that
 * late.slice/app does not exist; returns how often it has warned so far. */
static int without_late_slice(void)
{
	(void)rmdir(harness_cgroup_path("late.slice/app"));
	(void)rmdir(harness_cgroup_path("late.slice"));
	ck_assert_int_ne(access(harness_cgroup_path("late.slice"), F_OK), 0);
	ck_assert(harness_agent_reload());
	return harness_log_lines("late.slice/app does not exist yet");
}

START_TEST(a_tenant_cgroup_created_after_start_is_tagged_without_a_reload)
{
	int warnings = without_late_slice();
	int refreshes = harness_log_lines("cgroups changed");

	ck_assert(!cgroup_mapped("late.slice/app"));
	ck_assert_int_gt(warnings, 0);
	/* Its parent first: a refresh, which must not repeat the warning. */
	harness_cgroup("late.slice");
	ck_assert(harness_wait_until(harness_log_lines("cgroups changed") > refreshes,
		HARNESS_PATIENCE_MS));
	ck_assert_int_eq(harness_log_lines("late.slice/app does not exist yet"), warnings);
	harness_cgroup("late.slice/app");
	ck_assert_int_eq(probe_until("late.slice/app", "connect tcp ::1 9801", EPERM), EPERM);
	ck_assert(cgroup_mapped("late.slice/app"));
}
END_TEST

static long long monotonic_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

/* Other cgroups coming and going beside a tenant cgroup are none of the
 * agent's business: only the tenant cgroup's own creation re-resolves. */
START_TEST(cgroups_churning_beside_a_tenant_cgroup_cause_no_refresh)
{
	char path[4200];
	int refreshes;

	(void)without_late_slice();
	refreshes = harness_log_lines("cgroups changed");
	harness_cgroup("late.slice");
	ck_assert(harness_wait_until(harness_log_lines("cgroups changed") > refreshes,
		HARNESS_PATIENCE_MS));
	refreshes = harness_log_lines("cgroups changed");
	for (int i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "%s/other-%d", harness_cgroup_path("late.slice"), i);
		ck_assert_int_eq(mkdir(path, 0755), 0);
		ck_assert_int_eq(rmdir(path), 0);
	}
	harness_cgroup("late.slice/app");
	ck_assert(harness_wait_until(harness_log_lines("cgroups changed") > refreshes,
		HARNESS_PATIENCE_MS));
	ck_assert(harness_wait_until(cgroup_mapped("late.slice/app"), HARNESS_PATIENCE_MS));
	ck_assert_int_eq(harness_log_lines("cgroups changed"), refreshes + 1);
}
END_TEST

/* A tenant cgroup created and removed in a burst is re-resolved at most
 * once per 100 ms pause (plus the first), not once per change, and the
 * final state is applied. */
START_TEST(a_burst_of_tenant_cgroup_changes_is_re_resolved_once_per_pause)
{
	struct timespec gap = { .tv_nsec = 2000000 };
	long long started, elapsed;
	int refreshes, allowed;

	harness_cgroup("late.slice");
	(void)rmdir(harness_cgroup_path("late.slice/app"));
	refreshes = harness_log_lines("cgroups changed");
	started = monotonic_ms();
	for (int i = 0; i < 200; i++) {
		ck_assert_int_eq(mkdir(harness_cgroup_path("late.slice/app"), 0755), 0);
		ck_assert_int_eq(rmdir(harness_cgroup_path("late.slice/app")), 0);
		nanosleep(&gap, NULL);
	}
	harness_cgroup("late.slice/app");
	elapsed = monotonic_ms() - started;
	ck_assert(harness_wait_until(cgroup_mapped("late.slice/app"), HARNESS_PATIENCE_MS));
	allowed = (int)(elapsed / 100) + 3;
	ck_assert_msg(harness_log_lines("cgroups changed") - refreshes <= allowed,
		      "%d refreshes for 401 changes in %lld ms (at most %d)",
		      harness_log_lines("cgroups changed") - refreshes, elapsed, allowed);
}
END_TEST

START_TEST(a_deleted_tenant_cgroup_leaves_the_map_and_a_recreated_one_is_tagged)
{
	char path[4200];
	struct stat status;

	harness_cgroup("late.slice/app");
	ck_assert_int_eq(probe_until("late.slice/app", "connect tcp ::1 9801", EPERM), EPERM);
	snprintf(path, sizeof(path), "%s", harness_cgroup_path("late.slice/app"));
	ck_assert_int_eq(stat(path, &status), 0);
	ck_assert_int_eq(rmdir(path), 0);
	ck_assert(harness_wait_until(!cgroup_id_mapped(status.st_ino), HARNESS_PATIENCE_MS));
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
	ck_assert_int_eq(harness_probe("acme", NULL, arguments), 0);
	snprintf(arguments, sizeof(arguments), "--cgroup %s connect tcp ::1 9801",
		 harness_cgroup_path("acme"));
	ck_assert_int_eq(harness_probe("globex", NULL, arguments), EPERM);
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
	ck_assert_msg(strstr(answer, "\"attached\":11") && strstr(answer, " 200"), "%s", answer);
	free(answer);
	/* It made no socket of its own. */
	ck_assert_int_ne(access(own_socket, F_OK), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
	harness_agent_stop();
	harness_agent_start();
}
END_TEST

/* Whether an established TCP connection to local port 9801 exists. */
static bool connection_to_globex_established(void)
{
	int exit_status;
	char *output = harness_command_output(
		"ss -Htn state established '( dport = :9801 )'", &exit_status);
	bool established = exit_status == 0 && output && output[0];

	free(output);
	return established;
}

/* Detaches everything, then starts an endless acme -> globex transfer that
 * nothing refuses; returns its pid once the connection is established. */
static pid_t cross_tenant_transfer_before_tenantd(void)
{
	pid_t transfer;

	ck_assert_int_eq(harness_agent_detach(), 0);
	transfer = fork();
	if (transfer == 0)
		_exit(harness_probe("acme", NULL, "connect tcp ::1 9801 100000000000000"));
	ck_assert(harness_wait_until(connection_to_globex_established(), HARNESS_PATIENCE_MS));
	ck_assert_int_eq(waitpid(transfer, NULL, WNOHANG), 0);
	return transfer;
}

START_TEST(a_cross_tenant_connection_older_than_tenantd_is_listed)
{
	static const char listed[] = "\"tenant\":\"acme\",\"peer\":\"globex\","
				     "\"reason\":\"preexisting\",\"action\":\"audited\"";
	static const char to_globex[] = "\"dst\":\"::1\",\"dport\":9801}";
	int before = harness_log_lines(listed), before_to_globex = harness_log_lines(to_globex);
	pid_t transfer = cross_tenant_transfer_before_tenantd();

	/* The scan is over once the agent answers. */
	harness_agent_start();
	ck_assert_int_eq(harness_log_lines(listed), before + 1);
	ck_assert_int_gt(harness_log_lines(to_globex), before_to_globex);
	/* Listed, not touched: the transfer goes on. */
	ck_assert(connection_to_globex_established());
	ck_assert_int_eq(waitpid(transfer, NULL, WNOHANG), 0);
	kill(transfer, SIGKILL);
	waitpid(transfer, NULL, 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
}
END_TEST

START_TEST(kill_preexisting_destroys_such_connections)
{
	pid_t transfer;
	int status = 0;

	harness_write_config("tenantd.conf", "[Agent]\nKillPreexisting=yes\n");
	transfer = cross_tenant_transfer_before_tenantd();
	harness_agent_start();
	ck_assert_int_ge(harness_log_lines("\"tenant\":\"acme\",\"peer\":\"globex\","
					   "\"reason\":\"preexisting\",\"action\":\"denied\""), 1);
	ck_assert(harness_wait_until(waitpid(transfer, &status, WNOHANG) == transfer,
		HARNESS_PATIENCE_MS));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0,
		      "the transfer was not cut: status %d", status);
}
END_TEST

/* Starts an agent on the test's directories and pins, expecting it to
 * refuse: returns its exit status, with OUTPUT holding its first line that
 * contains WANTED (or its last line). */
static int refused_start(const char *wanted, char *output, size_t size)
{
	char command[8400];
	FILE *agent;

	snprintf(command, sizeof(command),
		 "%s --config-dir %s/conf --state-dir %s/state --runtime-dir %s/run "
		 "--bpffs-dir %s --cgroup-root %s 2>&1",
		 harness_binary("tenantd"), harness_scratch(), harness_scratch(), harness_scratch(),
		 harness_bpffs(), harness_root());
	agent = popen(command, "r");
	ck_assert_ptr_nonnull(agent);
	while (fgets(output, (int)size, agent) && !strstr(output, wanted))
		;
	return WEXITSTATUS(pclose(agent));
}

START_TEST(pinned_maps_of_another_layout_are_refused_and_keep_enforcing)
{
	char command[8400], output[2048] = "";

	harness_agent_stop();
	snprintf(command, sizeof(command),
		 "bpftool map update pinned %s/layout key 0 0 0 0 value 0xe7 0x03 0 0",
		 harness_bpffs());
	ck_assert_int_eq(system(command), 0);
	ck_assert_int_eq(refused_start("layout version", output, sizeof(output)), 1);
	ck_assert_msg(strstr(output, "holds maps of layout version 999; this tenantd uses "
				     "version") != NULL, "%s", output);
	ck_assert_msg(strstr(output, "'tenantd --detach --bpffs-dir ") != NULL, "%s", output);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
	/* Put the version back for the tests that follow. */
	snprintf(command, sizeof(command),
		 "bpftool map update pinned %s/layout key 0 0 0 0 value %d 0 0 0", harness_bpffs(),
		 TENANTD_ABI_VERSION);
	ck_assert_int_eq(system(command), 0);
	harness_agent_start();
}
END_TEST

/* The maps pinned by the running configuration hold 1,048,576 networks;
 * an agent configured for another size refuses to start, names the
 * setting and both sizes, and the pinned programs keep enforcing. */
START_TEST(a_map_size_other_than_the_pinned_one_is_refused_and_keeps_enforcing)
{
	char output[2048] = "";

	harness_agent_stop();
	harness_write_config("tenantd.conf", "[Agent]\nMaxNetworks=4096\n");
	ck_assert_int_ne(refused_start("MaxNetworks", output, sizeof(output)), 0);
	ck_assert_msg(strstr(output, "MaxNetworks=4096, but the map pinned at ") &&
			      strstr(output, "/tenantd_network_owner_ipv4 holds 1048576 entries") &&
			      strstr(output, "set MaxNetworks=1048576, or run 'tenantd --detach"),
		      "%s", output);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
	harness_remove_config("tenantd.conf");
	harness_agent_start();
}
END_TEST

/* The first start reads the drop-ins while it loads the programs and
 * makes the maps; a configuration it then refuses leaves no pinned map
 * behind, so a corrected one may choose other map sizes. */
START_TEST(a_configuration_refused_at_the_first_start_leaves_nothing_pinned)
{
	char output[2048] = "";

	ck_assert_int_eq(harness_agent_detach(), 0);
	ck_assert(harness_write_config("tenants.d/broken.conf", "[Tenant]\nNetwork=10.0.0.0/33\n"));
	ck_assert_int_eq(refused_start("prefix length", output, sizeof(output)), 78);
	ck_assert_msg(strstr(output, "broken.conf:2: Network: '10.0.0.0/33'"), "%s", output);
	ck_assert_int_ne(access(harness_bpffs(), F_OK), 0);
	harness_remove_config("tenants.d/broken.conf");
	harness_agent_start();
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
}
END_TEST

START_TEST(detach_removes_every_program_link_and_map)
{
	ck_assert_int_eq(access(harness_bpffs(), F_OK), 0);
	ck_assert_int_eq(harness_agent_detach(), 0);
	ck_assert_int_ne(access(harness_bpffs(), F_OK), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9801"), 0);
}
END_TEST

/* The value of FIELD ("CapEff:") in /proc/PID/status, as text. */
static char *status_field(pid_t pid, const char *field)
{
	char path[64], *status, *line, *value;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	status = harness_read_file(path);
	ck_assert_ptr_nonnull(status);
	line = strstr(status, field);
	ck_assert_msg(line != NULL, "no %s in %s", field, path);
	line += strlen(field);
	line += strspn(line, " \t");
	value = strndup(line, strcspn(line, "\n"));
	free(status);
	return value;
}

START_TEST(the_running_agent_has_no_capabilities_and_a_system_call_filter)
{
	static const char *const expected[][2] = {
		{ "CapInh:", "0000000000000000" }, { "CapPrm:", "0000000000000000" },
		{ "CapEff:", "0000000000000000" }, { "CapBnd:", "0000000000000000" },
		{ "CapAmb:", "0000000000000000" }, { "NoNewPrivs:", "1" }, { "Seccomp:", "2" },
	};
	pid_t agent = harness_agent_pid();

	ck_assert_int_gt(agent, 0);
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		char *value = status_field(agent, expected[i][0]);

		ck_assert_msg(!strcmp(value, expected[i][1]), "%s %s, expected %s", expected[i][0],
			      value, expected[i][1]);
		free(value);
	}
	/* And it still does its work: a reload writes the maps. */
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9801"), EPERM);
}
END_TEST

/* Without CAP_PERFMON the kernel refuses the programs as if it lacked a
 * feature; the agent says which capability is missing instead, and stops
 * before it touches anything. */
START_TEST(an_agent_without_a_capability_it_needs_refuses_to_start_naming_it)
{
	char command[1024], *output;
	int exit_status;

	snprintf(command, sizeof(command),
		 "setpriv --inh-caps=-all --bounding-set=-perfmon %s --config-dir %s/conf "
		 "--state-dir %s/no-state --runtime-dir %s/no-run --bpffs-dir %s-no-pins 2>&1",
		 harness_binary("tenantd"), harness_scratch(), harness_scratch(),
		 harness_scratch(), harness_bpffs());
	output = harness_command_output(command, &exit_status);
	ck_assert_int_eq(exit_status, 1);
	ck_assert_msg(strstr(output, "tenantd needs CAP_BPF CAP_PERFMON CAP_NET_ADMIN to load "
				     "and attach its programs (missing: CAP_PERFMON)"),
		      "%s", output);
	free(output);
	snprintf(command, sizeof(command), "%s-no-pins", harness_bpffs());
	ck_assert_int_ne(access(command, F_OK), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("lifecycle");
	TCase *restart = tcase_create("restart"), *cgroups = tcase_create("cgroups");
	TCase *adoption = tcase_create("adoption_and_removal");

	tcase_add_checked_fixture(restart, reset, NULL);
	tcase_set_timeout(restart, 60);
	tcase_add_test(restart, the_running_agent_has_no_capabilities_and_a_system_call_filter);
	tcase_add_test(restart, an_agent_without_a_capability_it_needs_refuses_to_start_naming_it);
	tcase_add_test(restart, enforcement_holds_while_the_agent_is_killed);
	tcase_add_test(restart, counters_count_while_the_agent_is_dead_and_continue_after_restart);
	tcase_add_test(restart, a_transfer_running_across_a_kill_and_restart_is_counted_exactly);
	tcase_add_test(restart, a_restart_adopts_the_pinned_links_and_keeps_tenant_ids);
	tcase_add_test(restart, the_metrics_tell_a_first_start_from_a_restart_that_adopted_the_pins);
	tcase_add_test(restart, a_restart_with_the_same_configuration_rewrites_nothing);
	tcase_add_test(restart, a_normal_stop_leaves_enforcement_in_place);
	tcase_add_test(restart, policy_changes_do_not_disturb_established_connections);
	tcase_add_test(restart, an_inherited_listening_socket_is_served_instead_of_a_new_one);
	suite_add_tcase(suite, restart);

	tcase_add_checked_fixture(cgroups, reset, NULL);
	tcase_set_timeout(cgroups, 60);
	tcase_add_test(cgroups, a_tenant_cgroup_created_after_start_is_tagged_without_a_reload);
	tcase_add_test(cgroups, a_deleted_tenant_cgroup_leaves_the_map_and_a_recreated_one_is_tagged);
	tcase_add_test(cgroups, cgroups_churning_beside_a_tenant_cgroup_cause_no_refresh);
	tcase_add_test(cgroups, a_burst_of_tenant_cgroup_changes_is_re_resolved_once_per_pause);
	tcase_add_test(cgroups, a_process_moved_to_another_tenant_opens_sockets_as_that_tenant);
	suite_add_tcase(suite, cgroups);

	tcase_add_checked_fixture(adoption, reset, NULL);
	tcase_set_timeout(adoption, 60);
	tcase_add_test(adoption, a_cross_tenant_connection_older_than_tenantd_is_listed);
	tcase_add_test(adoption, kill_preexisting_destroys_such_connections);
	tcase_add_test(adoption, pinned_maps_of_another_layout_are_refused_and_keep_enforcing);
	tcase_add_test(adoption, a_map_size_other_than_the_pinned_one_is_refused_and_keeps_enforcing);
	tcase_add_test(adoption, a_configuration_refused_at_the_first_start_leaves_nothing_pinned);
	tcase_add_test(adoption, detach_removes_every_program_link_and_map);
	suite_add_tcase(suite, adoption);
	return suite;
}
