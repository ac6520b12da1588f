// SPDX-License-Identifier: LGPL-2.1-or-later
/* Tenant cgroups are tagged as soon as they are created, whatever order
 * and speed they come in: a parent and its child back to back, a path made
 * at once with mkdir -p, a chain of slices as systemd makes them. Each is
 * tried a thousand times, since a race shows only now and then. Cgroups a
 * configuration names but that do not exist are counted. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <check.h>

#include "harness.h"

#define ROUNDS 1000

static int cgroup_map_fd = -1;

static void write_config(void)
{
	const char *root = harness_root();

	harness_write_config("tenantd.conf", "[Agent]\n");
	harness_write_config("tenants.d/racer.conf",
			     "[Tenant]\nCgroup=%s/race.slice/race-app.slice\n"
			     "Cgroup=%s/deep/a/b/c\n"
			     "Cgroup=%s/tenant.slice/tenant-racer.slice\n",
			     root, root, root);
}

/* The tenant id the kernel's map gives the cgroup at PATH, below the
 * suite's root; 0 when it has none or does not exist. */
static uint32_t mapped_tenant(const char *path)
{
	struct stat status;
	uint64_t id;
	uint32_t tenant = 0;

	if (cgroup_map_fd < 0) {
		char pin[4200];

		snprintf(pin, sizeof(pin), "%s/tenantd_cgroup_tenant", harness_bpffs());
		cgroup_map_fd = bpf_obj_get(pin);
		ck_assert_int_ge(cgroup_map_fd, 0);
	}
	if (stat(harness_cgroup_path(path), &status))
		return 0;
	id = status.st_ino;
	if (bpf_map_lookup_elem(cgroup_map_fd, &id, &tenant))
		return 0;
	return tenant;
}

static void make(const char *path)
{
	ck_assert_msg(mkdir(harness_cgroup_path(path), 0755) == 0, "mkdir %s: %s", path,
		      strerror(errno));
}

static void remove_cgroup(const char *path)
{
	ck_assert_msg(rmdir(harness_cgroup_path(path)) == 0, "rmdir %s: %s", path,
		      strerror(errno));
}

/* Makes each of PATHS in order, back to back, waits until TAGGED (one of
 * them, a tenant cgroup) is tagged, and removes them again; ROUNDS
 * times. */
static void tagged_every_round(const char *const *paths, size_t count, const char *tagged)
{
	for (int round = 0; round < ROUNDS; round++) {
		for (size_t i = 0; i < count; i++)
			make(paths[i]);
		ck_assert_msg(harness_wait_until(mapped_tenant(tagged) != 0, HARNESS_PATIENCE_MS),
			      "round %d: %s was never tagged", round, tagged);
		for (size_t i = count; i > 0; i--)
			remove_cgroup(paths[i - 1]);
	}
}

START_TEST(a_parent_and_its_child_created_back_to_back_are_tagged_every_time)
{
	static const char *const paths[] = { "race.slice", "race.slice/race-app.slice" };

	tagged_every_round(paths, 2, paths[1]);
}
END_TEST

START_TEST(a_path_made_at_once_with_mkdir_p_is_tagged_every_time)
{
	static const char *const paths[] = { "deep", "deep/a", "deep/a/b", "deep/a/b/c" };

	tagged_every_round(paths, 4, paths[3]);
}
END_TEST

/* As systemd starts a unit in a slice no unit ran in before: the parent
 * slice, the tenant's slice, the unit's cgroup, back to back. */
START_TEST(a_chain_of_slices_made_as_systemd_makes_it_is_tagged_every_time)
{
	static const char *const paths[] = {
		"tenant.slice", "tenant.slice/tenant-racer.slice",
		"tenant.slice/tenant-racer.slice/app.service",
	};

	tagged_every_round(paths, 3, paths[1]);
}
END_TEST

/* systemd removes a slice once empty, and makes it again for the next
 * unit: the directory the agent watched is gone, and the one made in its
 * place is new. */
START_TEST(a_slice_removed_when_empty_and_made_again_with_its_child_is_tagged)
{
	int changes = harness_log_lines("cgroups changed");

	make("race.slice");
	ck_assert(harness_wait_until(harness_log_lines("cgroups changed") > changes,
				     HARNESS_PATIENCE_MS));
	changes = harness_log_lines("cgroups changed");
	remove_cgroup("race.slice");
	ck_assert_msg(harness_wait_until(harness_log_lines("cgroups changed") > changes,
					 HARNESS_PATIENCE_MS),
		      "the removal of the watched slice went unseen");
	make("race.slice");
	make("race.slice/race-app.slice");
	ck_assert(harness_wait_until(mapped_tenant("race.slice/race-app.slice") != 0,
				     HARNESS_PATIENCE_MS));
	remove_cgroup("race.slice/race-app.slice");
	remove_cgroup("race.slice");
}
END_TEST

static long long status_cgroups_missing(void)
{
	long status = 0;
	char *body = harness_get("/v1/status", &status), *field;
	long long missing = -1;

	ck_assert_int_eq(status, 200);
	field = strstr(body, "\"cgroups_missing\":");
	if (field)
		missing = atoll(field + strlen("\"cgroups_missing\":"));
	free(body);
	return missing;
}

/* racer names three cgroups, none made when the suite starts. */
START_TEST(the_cgroups_configured_but_not_found_are_counted_in_metrics_and_status)
{
	ck_assert_int_eq(harness_counter("tenantd_tenant_cgroups_missing", "racer"), 3);
	ck_assert_int_eq(status_cgroups_missing(), 3);
	make("race.slice");
	make("race.slice/race-app.slice");
	ck_assert_int_eq(harness_counter("tenantd_tenant_cgroups_missing", "racer"), 2);
	ck_assert_int_eq(status_cgroups_missing(), 2);
	remove_cgroup("race.slice/race-app.slice");
	remove_cgroup("race.slice");
	ck_assert_int_eq(harness_counter("tenantd_tenant_cgroups_missing", "racer"), 3);
}
END_TEST

void test_setup(void)
{
	write_config();
	harness_agent_start();
}

Suite *test_suite(void)
{
	Suite *suite = suite_create("cgroup_tagging");
	TCase *creation = tcase_create("creation"), *missing = tcase_create("missing");

	tcase_set_timeout(creation, 600);
	tcase_add_test(creation, a_parent_and_its_child_created_back_to_back_are_tagged_every_time);
	tcase_add_test(creation, a_path_made_at_once_with_mkdir_p_is_tagged_every_time);
	tcase_add_test(creation, a_chain_of_slices_made_as_systemd_makes_it_is_tagged_every_time);
	tcase_add_test(creation, a_slice_removed_when_empty_and_made_again_with_its_child_is_tagged);
	suite_add_tcase(suite, creation);
	tcase_add_test(missing,
		       the_cgroups_configured_but_not_found_are_counted_in_metrics_and_status);
	suite_add_tcase(suite, missing);
	return suite;
}
