// SPDX-License-Identifier: LGPL-2.1-or-later
/* A bad configuration changes nothing: refused at start-up before anything
 * is attached, and refused whole on reload, naming its file and line, with
 * the running policy left as it was, for every case of the bad-input
 * corpus. */
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
#include "corpus.h"

START_TEST(a_bad_config_refuses_start_up_and_attaches_nothing)
{
	char command[4200], output[1024] = "";
	FILE *agent;
	int status;

	snprintf(command, sizeof(command),
		 "%s --config-dir tests/corpus/config/network-overlap-ipv4 "
		 "--state-dir /tmp/tenantd-test-%d-bad --runtime-dir /tmp/tenantd-test-%d-bad "
		 "--bpffs-dir /sys/fs/bpf/tenantd-test-%d-bad --cgroup-root %s 2>&1",
		 harness_binary("tenantd"), getpid(), getpid(), getpid(), harness_root());
	agent = popen(command, "r");
	ck_assert_ptr_nonnull(agent);
	ck_assert_ptr_nonnull(fgets(output, sizeof(output), agent));
	status = pclose(agent);
	/* 78, EX_CONFIG: the service manager need not try again. */
	ck_assert_int_eq(WEXITSTATUS(status), 78);
	ck_assert_str_eq(output,
			 "tenantd: error: tests/corpus/config/network-overlap-ipv4/tenants.d/"
			 "globex.conf:3: Network: 10.0.5.0/24 overlaps 10.0.0.0/16 owned by tenant "
			 "'acme' (tests/corpus/config/network-overlap-ipv4/tenants.d/acme.conf:2)\n");
	snprintf(command, sizeof(command), "/sys/fs/bpf/tenantd-test-%d-bad", getpid());
	ck_assert_int_ne(access(command, F_OK), 0);
}
END_TEST

/* An id TenantMarkMask= cannot carry would pass for another tenant's in
 * the mark: a start with one is refused, naming the key, and attaches
 * nothing. */
START_TEST(an_id_the_tenant_mark_cannot_carry_refuses_the_policy)
{
	char scratch[1024], bpffs[256], command[6000], *output;
	int exit_status = 0;

	snprintf(scratch, sizeof(scratch), "%s/narrow-mark", harness_scratch());
	snprintf(bpffs, sizeof(bpffs), "/sys/fs/bpf/tenantd-test-%d-mark", getpid());
	harness_cgroup("narrow/bigco");
	ck_assert(harness_shell(
		"mkdir -p %s/conf/tenants.d %s/state %s/run && "
		"printf '[Agent]\\nTenantMarkMask=0xff000000\\n' > %s/conf/tenantd.conf && "
		"printf '[Tenant]\\nCgroup=%s/narrow/bigco\\n' > %s/conf/tenants.d/bigco.conf && "
		"printf 'bigco 300\\n' > %s/state/tenant-ids",
		scratch, scratch, scratch, scratch, harness_root(), scratch, scratch));
	snprintf(command, sizeof(command),
		 "%s --config-dir %s/conf --state-dir %s/state --runtime-dir %s/run "
		 "--bpffs-dir %s --cgroup-root %s/narrow 2>&1",
		 harness_binary("tenantd"), scratch, scratch, scratch, bpffs, harness_root());
	output = harness_command_output(command, &exit_status);
	harness_shell("%s --detach --bpffs-dir %s >/dev/null 2>&1", harness_binary("tenantd"), bpffs);
	ck_assert_int_ne(exit_status, 0);
	ck_assert_msg(strstr(output, "tenant bigco: id 300 does not fit TenantMarkMask=0xff000000, "
				     "which carries ids up to 254"),
		      "%s", output);
	ck_assert(harness_shell("! bpftool cgroup show %s/narrow | grep -q tenantd",
				harness_cgroup_path("")));
	free(output);
}
END_TEST

START_TEST(a_broken_reload_leaves_the_running_policy_as_it_was)
{
	harness_write_config("tenants.d/zz-broken.conf", "[Tenant]\nNetwork=10.201.2.0/25\n");
	ck_assert(!harness_agent_reload());
	harness_remove_config("tenants.d/zz-broken.conf");
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9102"), 0);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp 10.201.2.1 9701"),
			 EPERM);
}
END_TEST

/* A map keeps the size it was made with: MaxNetworks= changed on reload is
 * refused, named, and the running policy holds. */
START_TEST(a_reload_changing_a_map_size_is_refused_and_the_policy_holds)
{
	char command[4200];

	ck_assert(harness_shell("printf 'MaxNetworks=4096\\n' >> %s/conf/tenantd.conf",
				harness_scratch()));
	ck_assert(!harness_agent_reload());
	snprintf(command, sizeof(command),
		 "grep 'reload refused' %s | tail -1 | grep -q 'MaxCgroups=/MaxNetworks= changed "
		 "from 65536/1048576 to 65536/4096; a map keeps its size'", harness_log());
	ck_assert_int_eq(WEXITSTATUS(system(command)), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	tenants_write_config("deny");
	ck_assert(harness_agent_reload());
}
END_TEST

START_TEST(each_broken_config_is_refused_on_reload_and_the_policy_holds)
{
	const char *name = corpus_case_name(_i);
	char command[8400], refusal[512];
	int status;

	snprintf(command, sizeof(command),
		 "cp -r %s/%s/. %s/conf/ && rm -f %s/conf/expected", CONFIG_CORPUS, name,
		 harness_scratch(), harness_scratch());
	status = system(command);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_msg(!harness_agent_reload(), "%s was applied", name);
	/* The refusal names a file of the case, with its line. */
	snprintf(command, sizeof(command),
		 "grep 'reload refused' %s | tail -1 | grep -qE '%s/conf/(tenantd.conf|tenants.d/[^:]+"
		 ".conf):[0-9]+: '", harness_log(), harness_scratch());
	status = system(command);
	snprintf(refusal, sizeof(refusal), "case %s: refusal does not name file:line", name);
	ck_assert_msg(WEXITSTATUS(status) == 0, "%s", refusal);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9201"), 0);

	snprintf(command, sizeof(command), "cd %s/%s && for f in $(find . -name '*.conf'); do "
		 "rm -f %s/conf/$f; done", CONFIG_CORPUS, name, harness_scratch());
	ck_assert_int_eq(WEXITSTATUS(system(command)), 0);
	tenants_write_config("deny");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
}
END_TEST

/* Appends LINE to tenant NAME's drop-in. */
static void append_to_tenant(const char *name, const char *line)
{
	ck_assert(harness_shell("printf '%%s\\n' '%s' >> %s/conf/tenants.d/%s.conf", line,
				harness_scratch(), name));
}

/* A reload writes only the tenant whose drop-in changed; the others' map
 * entries stay as they were, and so do their counters. */
START_TEST(a_reload_changing_one_tenant_writes_only_that_tenant)
{
	long long globex_rx = harness_counter("tenantd_tenant_rx_bytes_total", "globex");
	long long refused = harness_violations("acme", "globex", "remote_network", "denied");
	const char *added = "reloaded: 7 tenants, 1 written (3 networks), 0 networks and 0 "
			    "exceptions removed";
	const char *removed = "reloaded: 7 tenants, 1 written (2 networks), 1 networks and 0 "
			      "exceptions removed";
	int added_before = harness_log_lines(added), removed_before = harness_log_lines(removed);

	append_to_tenant("acme", "Network=10.201.77.0/24");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_log_lines(added), added_before + 1);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp 10.201.2.1 9701"),
			 EPERM);
	ck_assert_int_eq(harness_violations("acme", "globex", "remote_network", "denied"),
			 refused + 1);
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_bytes_total", "globex"), globex_rx);
	tenants_write_config("deny");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_log_lines(removed), removed_before + 1);
}
END_TEST

/* A network a tenant no longer lists is no longer its own after the
 * reload: deleted, though the reload did not walk the network map. */
START_TEST(a_network_dropped_on_reload_is_owned_no_more)
{
	/* 10.201.9.1 is a host of no tenant's in netns b, listening on 9711. */
	append_to_tenant("globex", "Network=10.201.9.0/24");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp 10.201.9.1 9711"),
			 EPERM);
	tenants_write_config("deny");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "connect tcp 10.201.9.1 9711"),
			 0);
}
END_TEST

/* A reload resolves the cgroups of the tenants whose Cgroup= lines
 * changed: a cgroup handed from one tenant to another is its new owner's,
 * and a cgroup no tenant lists any more is the host's. */
START_TEST(a_cgroup_handed_to_another_tenant_on_reload_is_its_new_owners)
{
	char line[512];

	snprintf(line, sizeof(line), "Cgroup=%s/newco", harness_root());
	append_to_tenant("acme", line);
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9301"), 0);
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9101"), EPERM);

	tenants_write_config("deny");
	append_to_tenant("globex", line);
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9101"), 0);
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9301"), EPERM);

	tenants_write_config("deny");
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9301"), 0);
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9101"), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("configuration");

	TCase *refusals = tcase_create("refusals");

	tcase_add_checked_fixture(refusals, tenants_reset, NULL);
	tcase_set_timeout(refusals, 60);
	tcase_add_test(refusals, a_bad_config_refuses_start_up_and_attaches_nothing);
	tcase_add_test(refusals, an_id_the_tenant_mark_cannot_carry_refuses_the_policy);
	tcase_add_test(refusals, a_broken_reload_leaves_the_running_policy_as_it_was);
	tcase_add_test(refusals, a_reload_changing_a_map_size_is_refused_and_the_policy_holds);
	tcase_add_loop_test(refusals, each_broken_config_is_refused_on_reload_and_the_policy_holds, 0,
			    corpus_case_count());
	suite_add_tcase(suite, refusals);

	TCase *incremental = tcase_create("incremental");

	tcase_add_checked_fixture(incremental, tenants_reset, NULL);
	tcase_set_timeout(incremental, 60);
	tcase_add_test(incremental, a_reload_changing_one_tenant_writes_only_that_tenant);
	tcase_add_test(incremental, a_network_dropped_on_reload_is_owned_no_more);
	tcase_add_test(incremental, a_cgroup_handed_to_another_tenant_on_reload_is_its_new_owners);
	suite_add_tcase(suite, incremental);
	return suite;
}

void test_setup(void)
{
	tenants_setup(true);
}
