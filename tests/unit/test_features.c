// SPDX-License-Identifier: LGPL-2.1-or-later
/* The plan for a kernel that lacks features: refuse, naming what is
 * missing and what it protects, or with --allow-partial leave out exactly
 * the programs that need it; some features nothing can run without. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "kernel/kernel_features.h"
#include "test_suite.h"

static void all_found(bool found[FEATURE_COUNT])
{
	for (int f = 0; f < FEATURE_COUNT; f++)
		found[f] = true;
}

START_TEST(a_complete_kernel_runs_every_program)
{
	bool found[FEATURE_COUNT];
	unsigned int disabled = 99;
	char error[512];

	all_found(found);
	ck_assert_int_eq(kernel_features_plan(found, false, &disabled, error, sizeof(error)), 0);
	ck_assert_uint_eq(disabled, 0);
}
END_TEST

START_TEST(a_missing_feature_is_refused_naming_it_and_what_it_protects)
{
	bool found[FEATURE_COUNT];
	unsigned int disabled;
	char error[512];

	all_found(found);
	found[FEATURE_CGROUP_SKB] = false;
	ck_assert_int_ne(kernel_features_plan(found, false, &disabled, error, sizeof(error)), 0);
	ck_assert_str_eq(error, "the kernel lacks cgroup_skb, needed for traffic accounting and "
				"ingress filtering; refusing to run half-protected (start with "
				"--allow-partial to run without those protections)");
}
END_TEST

START_TEST(allow_partial_leaves_out_only_the_programs_that_need_it)
{
	bool found[FEATURE_COUNT];
	unsigned int disabled;
	char error[512];

	all_found(found);
	found[FEATURE_CGROUP_SKB] = false;
	ck_assert_int_eq(kernel_features_plan(found, true, &disabled, error, sizeof(error)), 0);
	ck_assert_uint_eq(disabled, PROGRAM_EGRESS | PROGRAM_INGRESS);
	found[FEATURE_CGROUP_SOCK] = false;
	ck_assert_int_eq(kernel_features_plan(found, true, &disabled, error, sizeof(error)), 0);
	ck_assert_uint_eq(disabled, PROGRAM_EGRESS | PROGRAM_INGRESS | PROGRAM_CHECK_SOCKET);
}
END_TEST

/* Linux 6.1 to 6.6, say: everything but the Unix socket hooks. */
START_TEST(a_kernel_without_the_unix_socket_hooks_loses_only_the_unix_programs)
{
	bool found[FEATURE_COUNT];
	unsigned int disabled;
	char error[512];

	all_found(found);
	found[FEATURE_UNIX_SOCKET_HOOKS] = false;
	ck_assert_int_ne(kernel_features_plan(found, false, &disabled, error, sizeof(error)), 0);
	ck_assert_ptr_nonnull(strstr(error, "the kernel lacks cgroup_unix_socket_hooks, needed for "
					    "refusing connections to other tenants' abstract Unix "
					    "sockets (Linux 6.7)"));
	ck_assert_int_eq(kernel_features_plan(found, true, &disabled, error, sizeof(error)), 0);
	ck_assert_uint_eq(disabled, PROGRAM_UNIX);
}
END_TEST

/* Before Linux 6.13 no iterator may signal a task: the posture scans go,
 * the container scan stays. */
START_TEST(a_kernel_without_bpf_send_signal_task_loses_only_the_posture_scans)
{
	bool found[FEATURE_COUNT];
	unsigned int disabled;
	char error[512];

	all_found(found);
	found[FEATURE_POSTURE_ITERATORS] = false;
	ck_assert_int_eq(kernel_features_plan(found, true, &disabled, error, sizeof(error)), 0);
	ck_assert_uint_eq(disabled, PROGRAM_POSTURE);
}
END_TEST

START_TEST(a_feature_every_program_needs_is_refused_even_with_allow_partial)
{
	bool found[FEATURE_COUNT];
	unsigned int disabled;
	char error[512];

	all_found(found);
	found[FEATURE_RINGBUF] = false;
	ck_assert_int_ne(kernel_features_plan(found, true, &disabled, error, sizeof(error)), 0);
	ck_assert_str_eq(error, "the kernel lacks ringbuf, needed for everything (violation events); "
				"tenantd cannot run on this kernel");
}
END_TEST

START_TEST(program_names_map_to_their_bits)
{
	ck_assert_uint_eq(kernel_features_program_bits("tenantd_check_socket"), PROGRAM_CHECK_SOCKET);
	ck_assert_uint_eq(kernel_features_program_bits("tenantd_connect4"), PROGRAM_CONNECT);
	ck_assert_uint_eq(kernel_features_program_bits("tenantd_connect6"), PROGRAM_CONNECT);
	ck_assert_uint_eq(kernel_features_program_bits("tenantd_sendmsg6"), PROGRAM_SENDMSG);
	ck_assert_uint_eq(kernel_features_program_bits("tenantd_count_egress"), PROGRAM_EGRESS);
	ck_assert_uint_eq(kernel_features_program_bits("tenantd_filter_ingress"), PROGRAM_INGRESS);
	ck_assert_uint_eq(kernel_features_program_bits("tenantd_unix_connect"), PROGRAM_UNIX);
	ck_assert_uint_eq(kernel_features_program_bits("tenantd_unix_scan_names"), PROGRAM_UNIX);
	ck_assert_uint_eq(kernel_features_program_bits("tenantd_scan_packet_sockets"),
			  PROGRAM_POSTURE);
	ck_assert_uint_eq(kernel_features_program_bits("tenantd_scan_container_addresses"),
			  PROGRAM_CONTAINERS);
	ck_assert_uint_eq(kernel_features_program_bits("tenantd_something_else"), 0);
	/* Another agent's program of the same name is not tenantd's. */
	ck_assert_uint_eq(kernel_features_program_bits("connect4"), 0);
}
END_TEST

START_TEST(this_kernel_has_every_feature)
{
	bool found[FEATURE_COUNT];

	kernel_features_probe(found);
	for (int f = 0; f < FEATURE_COUNT; f++)
		ck_assert_msg(found[f], "%s not found", kernel_features_name(f));
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("features");
	TCase *plan = tcase_create("plan"), *probe = tcase_create("probe");

	tcase_add_test(plan, a_complete_kernel_runs_every_program);
	tcase_add_test(plan, a_missing_feature_is_refused_naming_it_and_what_it_protects);
	tcase_add_test(plan, allow_partial_leaves_out_only_the_programs_that_need_it);
	tcase_add_test(plan, a_kernel_without_the_unix_socket_hooks_loses_only_the_unix_programs);
	tcase_add_test(plan, a_kernel_without_bpf_send_signal_task_loses_only_the_posture_scans);
	tcase_add_test(plan, a_feature_every_program_needs_is_refused_even_with_allow_partial);
	tcase_add_test(plan, program_names_map_to_their_bits);
	tcase_add_test(probe, this_kernel_has_every_feature);
	suite_add_tcase(suite, plan);
	suite_add_tcase(suite, probe);
	return suite;
}
