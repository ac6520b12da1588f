// SPDX-License-Identifier: LGPL-2.1-or-later
/* Tenant id allocation and persistence: ids are the lowest free ones, stable
 * once given, survive a save and load, and a damaged file is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "kernel/tenant_ids.h"
#include "test_suite.h"

static char directory[64];

static void make_directory(void)
{
	snprintf(directory, sizeof(directory), "/tmp/tenantd-unit-state-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(directory));
}

static void remove_directory(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/tenant-ids", directory);
	unlink(path);
	rmdir(directory);
}

static void write_ids_file(const char *content)
{
	char path[128];
	FILE *file;

	snprintf(path, sizeof(path), "%s/tenant-ids", directory);
	file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	fputs(content, file);
	fclose(file);
}

START_TEST(ids_are_assigned_lowest_first_and_are_stable)
{
	struct tenant_ids ids = {};

	ck_assert_int_eq(tenant_ids_assign(&ids, "acme"), 1);
	ck_assert_int_eq(tenant_ids_assign(&ids, "globex"), 2);
	ck_assert_int_eq(tenant_ids_assign(&ids, "acme"), 1);
	ck_assert_int_eq(tenant_ids_find(&ids, "globex"), 2);
	ck_assert_str_eq(tenant_ids_name(&ids, 2), "globex");
	ck_assert_int_lt(tenant_ids_find(&ids, "initech"), 0);
	ck_assert_ptr_null(tenant_ids_name(&ids, 3));
	tenant_ids_free(&ids);
}
END_TEST

START_TEST(a_released_id_is_reused_only_after_release)
{
	struct tenant_ids ids = {};

	tenant_ids_assign(&ids, "acme");
	tenant_ids_assign(&ids, "globex");
	tenant_ids_assign(&ids, "initech");
	tenant_ids_release(&ids, "globex");
	ck_assert_int_eq(tenant_ids_assign(&ids, "umbrella"), 2);
	ck_assert_int_eq(tenant_ids_assign(&ids, "hooli"), 4);
	tenant_ids_free(&ids);
}
END_TEST

START_TEST(ids_survive_a_save_and_a_load)
{
	struct tenant_ids ids = {}, loaded;

	tenant_ids_assign(&ids, "acme");
	tenant_ids_assign(&ids, "globex");
	tenant_ids_release(&ids, "acme");
	ck_assert_int_eq(tenant_ids_save(directory, &ids), 0);
	ck_assert_int_eq(tenant_ids_load(directory, &loaded), 0);
	ck_assert_uint_eq(loaded.count, 1);
	ck_assert_int_eq(tenant_ids_find(&loaded, "globex"), 2);
	ck_assert_int_lt(tenant_ids_find(&loaded, "acme"), 0);
	tenant_ids_free(&ids);
	tenant_ids_free(&loaded);
}
END_TEST

START_TEST(a_missing_ids_file_is_an_empty_table)
{
	struct tenant_ids ids;

	ck_assert_int_eq(tenant_ids_load(directory, &ids), 0);
	ck_assert_uint_eq(ids.count, 0);
}
END_TEST

START_TEST(all_65535_ids_can_be_taken_and_then_none_is_left)
{
	struct tenant_ids ids = {};
	char name[16];

	for (int i = 1; i <= 65535; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		ck_assert_int_eq(tenant_ids_assign(&ids, name), i);
	}
	ck_assert_int_lt(tenant_ids_assign(&ids, "one-more"), 0);
	tenant_ids_free(&ids);
}
END_TEST

START_TEST(a_damaged_ids_file_is_refused)
{
	static const char *const damaged[] = {
		"acme\n", "acme 0\n", "acme 65536\n", "Acme 1\n", "acme 1 extra\n",
		"acme 1\nglobex 1\n", "acme 1\nacme 2\n", "acme one\n",
	};
	struct tenant_ids ids;

	for (size_t i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
		write_ids_file(damaged[i]);
		ck_assert_msg(tenant_ids_load(directory, &ids) != 0, "accepted: %s", damaged[i]);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("tenant_ids");
	TCase *ids = tcase_create("tenant_ids");

	tcase_add_checked_fixture(ids, make_directory, remove_directory);
	tcase_set_timeout(ids, 60); /* filling all 65535 ids, under sanitizers too */
	tcase_add_test(ids, ids_are_assigned_lowest_first_and_are_stable);
	tcase_add_test(ids, a_released_id_is_reused_only_after_release);
	tcase_add_test(ids, ids_survive_a_save_and_a_load);
	tcase_add_test(ids, a_missing_ids_file_is_an_empty_table);
	tcase_add_test(ids, all_65535_ids_can_be_taken_and_then_none_is_left);
	tcase_add_test(ids, a_damaged_ids_file_is_refused);
	suite_add_tcase(suite, ids);
	return suite;
}
