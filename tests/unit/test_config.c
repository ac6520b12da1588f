// SPDX-License-Identifier: LGPL-2.1-or-later
/* Configuration parsing: the design's example parses to the values it says,
 * defaults hold when keys are absent, and every file of the bad-input corpus
 * (tests/corpus/config/CASE/, with CASE/expected) is refused with exactly
 * the error it expects, naming file, line and key. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "config.h"
#include "corpus.h"
#include "test_suite.h"

#define VALID "tests/corpus/config-valid/full"

START_TEST(the_design_example_parses_to_its_values)
{
	char error[CONFIG_ERROR_MAX];
	struct config config;
	const struct tenant_config *acme, *billing, *dns;

	ck_assert_msg(config_load(VALID, NULL, &config, error) == 0, "%s", error);
	ck_assert_str_eq(config.agent.cgroup_root, "/");
	ck_assert_str_eq(config.agent.metrics_listen, "127.0.0.1:9810");
	ck_assert_int_eq(config.agent.host_policy, HOST_POLICY_DENY);
	ck_assert_uint_eq(config.agent.host_port_count, 2);
	ck_assert_uint_eq(config.agent.host_ports[0].port, 53);
	ck_assert_uint_eq(config.agent.host_ports[0].protocol, IPPROTO_UDP);
	ck_assert_uint_eq(config.agent.host_ports[1].protocol, IPPROTO_TCP);
	ck_assert_uint_eq(config.agent.event_rate, 250);
	ck_assert_uint_eq(config.agent.tenant_mark_mask, 0x0fff0000);
	ck_assert(config.agent.kill_packet_sockets);
	ck_assert_uint_eq(config.agent.posture_scan_seconds, 10);
	ck_assert(config.agent.container_ranges_set);
	ck_assert_uint_eq(config.agent.container_range_count, 2);
	ck_assert_str_eq(config.agent.admin_group, "tenantd");
	ck_assert_uint_eq(config.tenant_count, 3);

	acme = config_find_tenant(&config, "acme");
	ck_assert_ptr_nonnull(acme);
	ck_assert_int_eq(acme->kind, TENANT_KIND_TENANT);
	ck_assert_int_eq(acme->mode, TENANT_MODE_ENFORCE);
	ck_assert_uint_eq(acme->cgroup_count, 2);
	ck_assert_str_eq(acme->cgroups[0].path, "/tenant-acme.slice");
	ck_assert_str_eq(acme->cgroups[1].path, "/tenant-acme-batch.slice");
	ck_assert_int_eq(acme->cgroups[1].where.line, 6);
	ck_assert_uint_eq(acme->network_count, 2);
	ck_assert_uint_eq(acme->networks[0].network.prefixlen, 96 + 16);
	ck_assert_uint_eq(acme->networks[1].network.prefixlen, 32);
	ck_assert(acme->auto_networks);
	ck_assert_uint_eq(tenant_max_container_addresses(acme), 64);
	ck_assert_uint_eq(acme->exception_count, 2);
	ck_assert_str_eq(acme->exceptions[0].peer, "billing");
	ck_assert_uint_eq(acme->exceptions[0].target.port, 8443);
	ck_assert_uint_eq(acme->exceptions[0].target.protocol, IPPROTO_TCP);
	ck_assert_str_eq(acme->exceptions[1].peer, "billing");
	ck_assert_uint_eq(acme->exceptions[1].target.port, 0);
	ck_assert_uint_eq(acme->exceptions[1].target.protocol, EXCEPTION_PROTOCOL_UNIX);

	ck_assert_uint_eq(acme->bind_port_count, 2);
	ck_assert_uint_eq(acme->bind_ports[0].port.port, 8443);
	ck_assert_uint_eq(acme->bind_ports[0].port.protocol, IPPROTO_TCP);
	ck_assert_uint_eq(acme->bind_ports[1].port.protocol, IPPROTO_UDP);
	ck_assert_int_eq(acme->bind_ports[1].where.line, 13);

	ck_assert_uint_eq(acme->egress_rate, 100000000);
	ck_assert(acme->quota_loopback);
	ck_assert_uint_eq(acme->connect_rate, 100);
	ck_assert_uint_eq(acme->connect_rate_period, 1);
	ck_assert_uint_eq(tenant_connect_burst(acme), 200);
	ck_assert_int_eq(tenant_quota_mode(acme), QUOTA_MODE_WARN);

	billing = config_find_tenant(&config, "billing");
	ck_assert_ptr_nonnull(billing);
	ck_assert_int_eq(billing->mode, TENANT_MODE_AUDIT);
	ck_assert_uint_eq(billing->connect_rate, 10);
	ck_assert_uint_eq(billing->connect_rate_period, 60);
	ck_assert_uint_eq(tenant_connect_burst(billing), 10);
	/* No QuotaMode=: the quotas follow Mode=audit. */
	ck_assert_int_eq(tenant_quota_mode(billing), QUOTA_MODE_WARN);
	dns = config_find_tenant(&config, "dns");
	ck_assert_ptr_nonnull(dns);
	ck_assert_int_eq(dns->kind, TENANT_KIND_SHARED);
	ck_assert_uint_eq(dns->connect_rate, 0);
	ck_assert_uint_eq(dns->egress_rate, 0);
	ck_assert(!dns->quota_loopback);
	ck_assert_int_eq(tenant_quota_mode(dns), QUOTA_MODE_ENFORCE);
	ck_assert_uint_eq(tenant_max_container_addresses(dns), 256);
	config_free(&config);
}
END_TEST

START_TEST(a_missing_config_directory_means_defaults_and_no_tenants)
{
	char error[CONFIG_ERROR_MAX];
	struct config config;

	ck_assert_int_eq(config_load("/nonexistent/tenantd", NULL, &config, error), 0);
	ck_assert_str_eq(config.agent.cgroup_root, "/");
	ck_assert_int_eq(config.agent.host_policy, HOST_POLICY_ALLOW);
	ck_assert_uint_eq(config.agent.event_rate, 100);
	ck_assert_uint_eq(config.agent.tenant_mark_mask, 0xffff0000);
	ck_assert(!config.agent.kill_packet_sockets);
	ck_assert_uint_eq(config.agent.posture_scan_seconds, 5);
	ck_assert(!config.agent.container_ranges_set);
	ck_assert_str_eq(config.agent.admin_group, "tenantd");
	ck_assert_str_eq(config.agent.metrics_listen, "");
	ck_assert_uint_eq(config.tenant_count, 0);
	config_free(&config);
}
END_TEST

START_TEST(the_cgroup_root_flag_overrides_the_config)
{
	char error[CONFIG_ERROR_MAX];
	struct config config;

	ck_assert_int_eq(config_load(VALID, "/", &config, error), 0);
	ck_assert_str_eq(config.agent.cgroup_root, "/");
	config_free(&config);
	ck_assert_int_ne(config_load(VALID, "/tenants.slice", &config, error), 0);
	ck_assert_str_eq(error, VALID "/tenants.d/acme.conf:5: Cgroup: '/tenant-acme.slice' is not "
				"below CgroupRoot '/tenants.slice', where tenantd attaches");
}
END_TEST

START_TEST(a_bad_cgroup_root_flag_is_refused)
{
	char error[CONFIG_ERROR_MAX];
	struct config config;

	ck_assert_int_ne(config_load(VALID, "relative", &config, error), 0);
	ck_assert_str_eq(error, "--cgroup-root: 'relative' must be an absolute path below the "
				"cgroup2 mount, e.g. /tenant-acme.slice");
}
END_TEST

START_TEST(each_bad_config_is_refused_with_its_exact_error)
{
	char directory[1024], expected_path[1100], expected[CONFIG_ERROR_MAX] = "";
	char error[CONFIG_ERROR_MAX];
	struct config config;
	FILE *file;

	snprintf(directory, sizeof(directory), CONFIG_CORPUS "/%s", corpus_case_name(_i));
	snprintf(expected_path, sizeof(expected_path), "%s/expected", directory);
	file = fopen(expected_path, "re");
	ck_assert_msg(file != NULL, "%s is missing", expected_path);
	ck_assert_ptr_nonnull(fgets(expected, sizeof(expected), file));
	fclose(file);
	expected[strcspn(expected, "\n")] = '\0';

	ck_assert_msg(config_load(directory, NULL, &config, error) != 0, "%s was accepted",
		      directory);
	ck_assert_str_eq(error, expected);
}
END_TEST

/* Writes DIRECTORY/tenants.d/NAME.conf with TEXT; AGED files are dated a
 * minute back, as drop-ins written long before a reload are. */
static void write_drop_in(const char *directory, const char *name, const char *text, bool aged)
{
	char path[256];
	FILE *file;

	snprintf(path, sizeof(path), "%s/tenants.d/%s.conf", directory, name);
	file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	fputs(text, file);
	fclose(file);
	if (aged) {
		struct timespec times[2] = { { time(NULL) - 60, 0 }, { time(NULL) - 60, 0 } };

		ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
	}
}

static const struct tenant_config *tenant_named(const struct config *config, const char *name)
{
	const struct tenant_config *tenant = config_find_tenant(config, name);

	ck_assert_msg(tenant != NULL, "no tenant %s", name);
	return tenant;
}

/* A reload takes unchanged drop-ins from the configuration it replaces,
 * reads the changed, new and freshly written ones, drops the removed, and
 * owns everything it returns. */
START_TEST(a_reload_reads_only_the_drop_ins_that_changed)
{
	char directory[] = "/tmp/tenantd-unit-since-XXXXXX", path[256], error[CONFIG_ERROR_MAX];
	struct config first, second, third;

	ck_assert_ptr_nonnull(mkdtemp(directory));
	snprintf(path, sizeof(path), "%s/tenants.d", directory);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	write_drop_in(directory, "acme", "[Tenant]\nNetwork=10.0.1.0/24\nCgroup=/acme\n", true);
	write_drop_in(directory, "globex", "[Tenant]\nNetwork=10.0.2.0/24\n", true);
	ck_assert_msg(config_load(directory, NULL, &first, error) == 0, "%s", error);

	write_drop_in(directory, "globex", "[Tenant]\nNetwork=10.0.3.0/24\nNetwork=10.0.4.0/24\n",
		      false);
	write_drop_in(directory, "initech", "[Tenant]\nMode=audit\n", false);
	ck_assert_msg(config_load_since(directory, NULL, &first, &second, error) == 0, "%s", error);
	config_free(&first);
	ck_assert_int_eq(second.tenant_count, 3);
	ck_assert_int_eq(tenant_named(&second, "acme")->network_count, 1);
	ck_assert_str_eq(tenant_named(&second, "acme")->cgroups[0].path, "/acme");
	ck_assert_ptr_nonnull(strstr(tenant_named(&second, "acme")->where.file, "acme.conf"));
	ck_assert_int_eq(tenant_named(&second, "globex")->network_count, 2);
	ck_assert_int_eq(tenant_named(&second, "initech")->mode, TENANT_MODE_AUDIT);

	snprintf(path, sizeof(path), "%s/tenants.d/acme.conf", directory);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_msg(config_load_since(directory, NULL, &second, &third, error) == 0, "%s", error);
	config_free(&second);
	ck_assert_int_eq(third.tenant_count, 2);
	ck_assert_ptr_null(config_find_tenant(&third, "acme"));
	config_free(&third);

	ck_assert_int_eq(system((snprintf(path, sizeof(path), "rm -rf %s", directory), path)), 0);
}
END_TEST

/* The networks of unchanged drop-ins keep their checked order from the
 * last load; a changed drop-in's networks are checked against them, both
 * ways: inside one, or containing one. */
START_TEST(a_reload_refuses_a_changed_drop_in_overlapping_an_unchanged_one)
{
	char directory[] = "/tmp/tenantd-unit-since-XXXXXX", path[256], error[CONFIG_ERROR_MAX];
	char expected[512];
	struct config first, second;

	ck_assert_ptr_nonnull(mkdtemp(directory));
	snprintf(path, sizeof(path), "%s/tenants.d", directory);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	write_drop_in(directory, "acme", "[Tenant]\nNetwork=10.0.1.0/24\nNetwork=fd00:1::/48\n",
		      true);
	write_drop_in(directory, "globex", "[Tenant]\nNetwork=10.0.2.0/24\n", true);
	ck_assert_msg(config_load(directory, NULL, &first, error) == 0, "%s", error);

	write_drop_in(directory, "globex", "[Tenant]\nNetwork=10.0.2.0/24\nNetwork=10.0.1.128/25\n",
		      false);
	ck_assert_int_eq(config_load_since(directory, NULL, &first, &second, error), -EEXIST);
	snprintf(expected, sizeof(expected),
		 "%s/tenants.d/globex.conf:3: Network: 10.0.1.128/25 overlaps 10.0.1.0/24 owned by "
		 "tenant 'acme' (%s/tenants.d/acme.conf:2)", directory, directory);
	ck_assert_str_eq(error, expected);

	write_drop_in(directory, "globex", "[Tenant]\nNetwork=fd00::/16\n", false);
	ck_assert_int_eq(config_load_since(directory, NULL, &first, &second, error), -EEXIST);
	snprintf(expected, sizeof(expected),
		 "%s/tenants.d/globex.conf:2: Network: fd00::/16 overlaps fd00:1::/48 owned by "
		 "tenant 'acme' (%s/tenants.d/acme.conf:3)", directory, directory);
	ck_assert_str_eq(error, expected);
	config_free(&first);

	ck_assert_int_eq(system((snprintf(path, sizeof(path), "rm -rf %s", directory), path)), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("config");
	TCase *valid = tcase_create("valid"), *invalid = tcase_create("bad_input_corpus");

	tcase_add_test(valid, the_design_example_parses_to_its_values);
	tcase_add_test(valid, a_missing_config_directory_means_defaults_and_no_tenants);
	tcase_add_test(valid, the_cgroup_root_flag_overrides_the_config);
	tcase_add_test(valid, a_bad_cgroup_root_flag_is_refused);
	tcase_add_test(valid, a_reload_reads_only_the_drop_ins_that_changed);
	tcase_add_test(valid, a_reload_refuses_a_changed_drop_in_overlapping_an_unchanged_one);
	tcase_set_timeout(valid, 60);
	tcase_add_loop_test(invalid, each_bad_config_is_refused_with_its_exact_error, 0,
			    corpus_case_count());
	suite_add_tcase(suite, valid);
	suite_add_tcase(suite, invalid);
	return suite;
}
