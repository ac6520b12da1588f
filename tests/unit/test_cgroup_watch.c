// SPDX-License-Identifier: LGPL-2.1-or-later
/* The cgroup watch on its own, on a scratch directory tree standing in for
 * the cgroup2 mount: what it reports when the path to a tenant cgroup is
 * made, made again, or made while its events were lost. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "cgroups/cgroup_watch.h"
#include "config.h"
#include "test_suite.h"

static char mount_point[] = "/tmp/tenantd-unit-watch-XXXXXX";
static char configuration[] = "/tmp/tenantd-unit-watch-config-XXXXXX";
static struct config config;
static struct cgroup_watch *watch;
static int appeared_count;
static char appeared_cgroup[256];

static void on_appeared(void *context, const char *tenant, const char *cgroup)
{
	ck_assert_str_eq(tenant, "acme");
	appeared_count++;
	snprintf(appeared_cgroup, sizeof(appeared_cgroup), "%s", cgroup);
}

static void path_of(const char *relative, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", mount_point, relative);
}

static void make(const char *relative)
{
	char path[512];

	path_of(relative, path, sizeof(path));
	ck_assert_msg(mkdir(path, 0755) == 0, "mkdir %s: %s", path, strerror(errno));
}

static void remove_directory(const char *relative)
{
	char path[512];

	path_of(relative, path, sizeof(path));
	ck_assert_msg(rmdir(path) == 0, "rmdir %s: %s", path, strerror(errno));
}

/* acme owns /slice/app below the scratch "mount". */
static void set_up(void)
{
	char path[512], error[CONFIG_ERROR_MAX];
	FILE *file;

	strcpy(mount_point + strlen(mount_point) - 6, "XXXXXX");
	strcpy(configuration + strlen(configuration) - 6, "XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(mount_point));
	ck_assert_ptr_nonnull(mkdtemp(configuration));
	snprintf(path, sizeof(path), "%s/tenants.d", configuration);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/tenants.d/acme.conf", configuration);
	file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	fputs("[Tenant]\nCgroup=/slice/app\n", file);
	fclose(file);
	ck_assert_msg(config_load(configuration, NULL, &config, error) == 0, "%s", error);
	ck_assert_int_eq(cgroup_watch_open(mount_point, &watch), 0);
	appeared_count = 0;
	appeared_cgroup[0] = '\0';
}

static void tear_down(void)
{
	char command[256];

	cgroup_watch_close(watch);
	config_free(&config);
	snprintf(command, sizeof(command), "rm -rf %s %s", mount_point, configuration);
	ck_assert_int_eq(system(command), 0);
}

START_TEST(a_tenant_cgroup_made_after_the_watch_is_reported_once_made)
{
	ck_assert_int_eq(cgroup_watch_update(watch, &config, on_appeared, NULL, false), 0);
	ck_assert_int_eq(appeared_count, 0);
	make("slice");
	make("slice/app");
	ck_assert(cgroup_watch_drain(watch, on_appeared, NULL));
	ck_assert_int_eq(appeared_count, 1);
	ck_assert_str_eq(appeared_cgroup, "/slice/app");
}
END_TEST

START_TEST(a_tenant_cgroup_that_exists_is_reported_by_the_update)
{
	make("slice");
	make("slice/app");
	ck_assert_int_eq(cgroup_watch_update(watch, &config, on_appeared, NULL, false), 0);
	ck_assert_int_eq(appeared_count, 1);
}
END_TEST

/* systemd removes an empty slice and makes it anew: the watch follows
 * the new directory, not the removed one. */
START_TEST(a_parent_removed_and_made_again_is_followed)
{
	ck_assert_int_eq(cgroup_watch_update(watch, &config, on_appeared, NULL, false), 0);
	make("slice");
	ck_assert(cgroup_watch_drain(watch, on_appeared, NULL));
	remove_directory("slice");
	ck_assert(cgroup_watch_drain(watch, on_appeared, NULL));
	make("slice");
	make("slice/app");
	ck_assert(cgroup_watch_drain(watch, on_appeared, NULL));
	ck_assert_int_eq(appeared_count, 1);
}
END_TEST

START_TEST(cgroups_made_beside_the_path_are_no_change)
{
	ck_assert_int_eq(cgroup_watch_update(watch, &config, on_appeared, NULL, false), 0);
	make("other");
	make("slice");
	ck_assert(cgroup_watch_drain(watch, on_appeared, NULL));
	make("slice/sibling");
	remove_directory("other");
	ck_assert(!cgroup_watch_drain(watch, on_appeared, NULL));
	ck_assert_int_eq(appeared_count, 0);
}
END_TEST

/* inotify keeps 16,384 events and drops the rest, saying so: whatever
 * was dropped counts as a change, so the agent resolves everything. */
START_TEST(events_lost_to_an_overflow_count_as_a_change)
{
	ck_assert_int_eq(cgroup_watch_update(watch, &config, on_appeared, NULL, false), 0);
	for (int i = 0; i < 10000; i++) {
		make("churn");
		remove_directory("churn");
	}
	make("slice");
	make("slice/app");
	ck_assert(cgroup_watch_drain(watch, on_appeared, NULL));
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("cgroup_watch");
	TCase *events = tcase_create("events");

	tcase_add_checked_fixture(events, set_up, tear_down);
	tcase_add_test(events, a_tenant_cgroup_made_after_the_watch_is_reported_once_made);
	tcase_add_test(events, a_tenant_cgroup_that_exists_is_reported_by_the_update);
	tcase_add_test(events, a_parent_removed_and_made_again_is_followed);
	tcase_add_test(events, cgroups_made_beside_the_path_are_no_change);
	tcase_add_test(events, events_lost_to_an_overflow_count_as_a_change);
	suite_add_tcase(suite, events);
	return suite;
}
