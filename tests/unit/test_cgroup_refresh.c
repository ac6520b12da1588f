// SPDX-License-Identifier: LGPL-2.1-or-later
/* When the agent resolves every tenant cgroup again: at the end of the
 * pause after a change, and, whatever the events said, 30 s after the last
 * resolution, the safety net under the cgroup watch. */
#include <stdint.h>
#include <time.h>

#include <check.h>

#include "agent.h"
#include "reload.h"
#include "test_suite.h"

static uint64_t now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

START_TEST(a_resolution_is_due_30_s_after_the_last_even_without_a_change)
{
	struct agent agent = { .cgroups_refreshed_ms = now_ms() };
	int timeout = agent_cgroups_timeout(&agent);

	ck_assert_msg(timeout > 0 && timeout <= 30000, "%d ms", timeout);
	agent.cgroups_refreshed_ms -= 30000;
	ck_assert_int_eq(agent_cgroups_timeout(&agent), 0);
}
END_TEST

START_TEST(a_change_is_resolved_at_the_end_of_the_100_ms_pause)
{
	struct agent agent = { .cgroups_refreshed_ms = now_ms(), .cgroups_refresh_pending = true };
	int timeout = agent_cgroups_timeout(&agent);

	ck_assert_msg(timeout >= 0 && timeout <= 100, "%d ms", timeout);
	agent.cgroups_refreshed_ms -= 100;
	ck_assert_int_eq(agent_cgroups_timeout(&agent), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("cgroup_refresh");
	TCase *schedule = tcase_create("schedule");

	tcase_add_test(schedule, a_resolution_is_due_30_s_after_the_last_even_without_a_change);
	tcase_add_test(schedule, a_change_is_resolved_at_the_end_of_the_100_ms_pause);
	suite_add_tcase(suite, schedule);
	return suite;
}
