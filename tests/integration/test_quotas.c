// SPDX-License-Identifier: LGPL-2.1-or-later
/* Per-tenant quotas with the real programs attached: ConnectRate= refuses
 * or warns about TCP connections over the rate, counts each excess and
 * reports it as a violation event; a reload applies a new rate at once and
 * a restart keeps the bucket. EgressRate= drops UDP over the rate and
 * slows TCP without cutting it. The tenant under test, "quotaco", lives in
 * the "newco" cgroup and connects to the host's port 9153, which
 * HostAllowPorts= opens to every tenant. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "harness.h"
#include "tenants.h"

#define TO_HOST "connect tcp ::1 9153"
#define EXCEEDED "tenantd_tenant_quota_exceeded_total"

/* Writes quotaco's drop-in: its cgroup, then LINES, and reloads. */
static void write_quotaco(const char *lines)
{
	ck_assert(harness_write_config("tenants.d/quotaco.conf", "[Tenant]\nCgroup=%s/newco\n%s",
				       harness_root(), lines));
	ck_assert(harness_agent_reload());
}

/* quotaco's tenantd_tenant_quota_exceeded_total for QUOTA and ACTION. */
static long long exceeded_of(const char *quota, const char *action)
{
	char labels[128];

	snprintf(labels, sizeof(labels), "tenant=\"quotaco\",quota=\"%s\",action=\"%s\"", quota,
		 action);
	return harness_metric(EXCEEDED, labels);
}

static long long exceeded(const char *action)
{
	return exceeded_of("connect_rate", action);
}

START_TEST(a_connect_over_the_connect_rate_is_refused_with_eperm_and_counted)
{
	write_quotaco("ConnectRate=2/min\n");
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), 0);
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), 0);
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), EPERM);
	ck_assert_int_eq(exceeded("denied"), 1);
	ck_assert_int_eq(harness_violations("quotaco", "host", "quota_connect_rate", "denied"), 1);
	ck_assert(tenants_event_seen("quotaco", "quota_connect_rate", 9153));
}
END_TEST

START_TEST(connect_burst_sets_how_many_connections_may_be_opened_at_once)
{
	write_quotaco("ConnectRate=1/min\nConnectBurst=3\n");
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), 0);
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), EPERM);
}
END_TEST

START_TEST(under_quota_mode_warn_a_connect_over_the_rate_is_let_through_and_counted)
{
	write_quotaco("ConnectRate=1/min\nQuotaMode=warn\n");
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), 0);
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), 0);
	ck_assert_int_eq(exceeded("warned"), 1);
	ck_assert_int_eq(exceeded("denied"), 0);
	ck_assert(tenants_event_seen("quotaco", "quota_connect_rate", 9153));
}
END_TEST

START_TEST(a_tenant_in_audit_mode_is_only_warned_about_its_quotas)
{
	write_quotaco("Mode=audit\nConnectRate=1/min\n");
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), 0);
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), 0);
	ck_assert_int_eq(exceeded("warned"), 1);
}
END_TEST

START_TEST(udp_does_not_count_against_the_connect_rate)
{
	write_quotaco("ConnectRate=1/min\n");
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(harness_probe("newco", NULL, "connect udp ::1 9153"), 0);
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), 0);
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), EPERM);
}
END_TEST

START_TEST(a_reload_raising_the_connect_rate_takes_effect_at_once)
{
	write_quotaco("ConnectRate=1/min\n");
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), 0);
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), EPERM);
	write_quotaco("ConnectRate=1000/s\n");
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), 0);
}
END_TEST

START_TEST(a_restart_neither_refills_nor_forgets_the_connect_rate_bucket)
{
	write_quotaco("ConnectRate=1/min\n");
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), 0);
	harness_agent_stop();
	harness_agent_start();
	ck_assert_int_eq(harness_probe("newco", NULL, TO_HOST), EPERM);
	ck_assert_int_eq(exceeded("denied"), 1);
}
END_TEST

START_TEST(the_quotas_show_in_metrics_and_in_the_tenants_own_view)
{
	const char *labels = "tenant=\"quotaco\",quota=\"connect_rate\"";
	long status = 0;
	char *body;

	write_quotaco("ConnectRate=5/s\nConnectBurst=7\n");
	ck_assert_int_eq(harness_metric("tenantd_tenant_quota", labels), 5);
	ck_assert_int_eq(harness_metric("tenantd_tenant_quota",
					"tenant=\"quotaco\",quota=\"connect_burst\""), 7);
	body = harness_request_as_nobody("newco", "GET", "/v1/tenants/quotaco", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_msg(strstr(body, "\"quotas\":{\"mode\":\"enforce\",\"connect_rate\":\"5/s\","
				   "\"connect_burst\":7}"),
		      "%s", body);
	free(body);
}
END_TEST

START_TEST(put_takes_the_quota_settings_and_get_gives_them_back)
{
	char request[512];
	long status = 0;
	char *body;

	snprintf(request, sizeof(request),
		 "{\"cgroups\": [\"%s/newco\"], \"egress_rate\": \"250M\", "
		 "\"quota_loopback\": true, \"connect_rate\": \"30/min\", "
		 "\"connect_burst\": 4, \"quota_mode\": \"warn\"}",
		 harness_root());
	free(harness_request("PUT", "/v1/tenants/quotaco", request, &status));
	ck_assert_int_eq(status, 201);
	body = harness_get("/v1/tenants/quotaco", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_msg(strstr(body, "\"egress_rate\":\"250M\",\"quota_loopback\":true,"
				   "\"connect_rate\":\"30/min\",\"connect_burst\":4,"
				   "\"quota_mode\":\"warn\""),
		      "%s", body);
	free(body);
}
END_TEST

START_TEST(put_refuses_a_bad_quota_setting_naming_it)
{
	static const char *const bad[][2] = {
		{ "\"connect_rate\": \"fast\"", "'connect_rate' must be a count of connections" },
		{ "\"connect_rate\": 5", "'connect_rate' must be a string" },
		{ "\"connect_burst\": 0", "'connect_burst' must be a number 1..1000000" },
		{ "\"quota_mode\": \"audit\"", "'quota_mode' must be \\\"warn\\\" or \\\"enforce\\\"" },
		{ "\"egress_rate\": \"fast\"", "'egress_rate' must be bits a second, 1K..400G" },
		{ "\"egress_rate\": 1000000", "'egress_rate' must be a string" },
		{ "\"quota_loopback\": \"yes\"", "'quota_loopback' must be true or false" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char request[512];
		long status = 0;
		char *body;

		snprintf(request, sizeof(request), "{\"cgroups\": [\"%s/newco\"], %s}",
			 harness_root(), bad[i][0]);
		body = harness_request("PUT", "/v1/tenants/quotaco", request, &status);
		ck_assert_int_eq(status, 400);
		ck_assert_msg(strstr(body, bad[i][1]), "%s: %s", bad[i][0], body);
		free(body);
	}
}
END_TEST

/* 400 datagrams of 1000 bytes to the host, 1,048 bytes each on the wire
 * over IPv6: 419,200 bytes, as fast as the machine sends them. */
#define DATAGRAMS "sendto ::1 9153 1000 400"
#define DATAGRAM_WIRE_BYTES 1048
/* The same, paced: 1 ms between two, 8.4 Mbit/s at the most. */
#define PACED_DATAGRAMS "--pace-us 1000 sendto ::1 9153 1000 400"

/* At EgressRate=250K a datagram costs 33.536 ms, and UDP is dropped past
 * 128 KiB of backlog (4.194 s): 125 go at once, then one more for each
 * 33.536 ms the send took. That bound holds whatever the machine's speed;
 * the tests measure how long the send took instead of assuming it. */
#define SLOW_RATE "EgressRate=250K\nQuotaLoopback=yes\n"
#define DATAGRAM_COST_US 33536
#define BURST_DATAGRAMS 125

static long long monotonic_us(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000000LL + now.tv_nsec / 1000;
}

/* The most datagrams EgressRate=250K lets go in ELAPSED_US, starting full. */
static long long slow_rate_allows(long long elapsed_us)
{
	return BURST_DATAGRAMS + elapsed_us / DATAGRAM_COST_US + 1;
}

/* Runs netprobe ARGUMENTS in quotaco's cgroup; returns how long it took. */
static long long timed_send(const char *arguments)
{
	long long started = monotonic_us();

	ck_assert_int_eq(harness_probe("newco", NULL, arguments), 0);
	return monotonic_us() - started;
}

static long long throttled_bytes(void)
{
	return harness_counter("tenantd_tenant_egress_throttled_bytes_total", "quotaco");
}

static long long egress_exceeded(const char *action)
{
	return exceeded_of("egress", action);
}

START_TEST(udp_over_the_egress_rate_is_dropped_and_counted)
{
	long long elapsed, throttled, dropped;

	write_quotaco(SLOW_RATE);
	elapsed = timed_send(DATAGRAMS);
	throttled = throttled_bytes();
	dropped = throttled / DATAGRAM_WIRE_BYTES;
	ck_assert_int_eq(throttled % DATAGRAM_WIRE_BYTES, 0);
	ck_assert_msg(400 - dropped <= slow_rate_allows(elapsed),
		      "%lld of 400 went in %lld us, more than the rate allows", 400 - dropped,
		      elapsed);
	ck_assert_int_gt(dropped, 0);
	ck_assert_int_eq(egress_exceeded("denied"), dropped);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_packets_total", "quotaco"),
			 400 - dropped);
	ck_assert(tenants_event_seen("quotaco", "quota_egress", 9153));
}
END_TEST

START_TEST(under_quota_mode_warn_udp_over_the_egress_rate_goes_and_is_counted)
{
	long long elapsed, warned;

	write_quotaco(SLOW_RATE "QuotaMode=warn\n");
	elapsed = timed_send(DATAGRAMS);
	warned = throttled_bytes() / DATAGRAM_WIRE_BYTES;
	ck_assert_int_eq(throttled_bytes() % DATAGRAM_WIRE_BYTES, 0);
	ck_assert_msg(400 - warned <= slow_rate_allows(elapsed), "%lld warned in %lld us", warned,
		      elapsed);
	ck_assert_int_eq(egress_exceeded("warned"), warned);
	ck_assert_int_eq(egress_exceeded("denied"), 0);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_packets_total", "quotaco"), 400);
}
END_TEST

START_TEST(loopback_traffic_is_outside_the_egress_rate_unless_quota_loopback_says)
{
	write_quotaco("EgressRate=250K\n");
	ck_assert_int_eq(harness_probe("newco", NULL, DATAGRAMS), 0);
	ck_assert_int_eq(throttled_bytes(), 0);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_packets_total", "quotaco"), 400);
}
END_TEST

START_TEST(a_tenant_without_a_quota_is_not_throttled_beside_one_over_its_rate)
{
	long long acme_sent = harness_counter("tenantd_tenant_tx_packets_total", "acme");

	write_quotaco(SLOW_RATE);
	ck_assert_int_eq(harness_probe("newco", NULL, DATAGRAMS), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, DATAGRAMS), 0);
	ck_assert_int_gt(throttled_bytes(), 0);
	ck_assert_int_eq(harness_counter("tenantd_tenant_egress_throttled_bytes_total", "acme"), 0);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_packets_total", "acme"), acme_sent + 400);
}
END_TEST

/* The same paced send, over 250 kbit/s and far below 1 Gbit/s, is
 * throttled before the reload and not after it. */
START_TEST(a_reload_raising_the_egress_rate_takes_effect_at_once)
{
	long long throttled;

	write_quotaco(SLOW_RATE);
	ck_assert_int_eq(harness_probe("newco", NULL, PACED_DATAGRAMS), 0);
	throttled = throttled_bytes();
	ck_assert_int_gt(throttled, 0);
	write_quotaco("EgressRate=1G\nQuotaLoopback=yes\n");
	ck_assert_int_eq(harness_probe("newco", NULL, PACED_DATAGRAMS), 0);
	ck_assert_int_eq(throttled_bytes(), throttled);
}
END_TEST

/* The bucket filled to its mark before the restart (a datagram was
 * dropped): after it, only what the time since drained may go. A bucket
 * refilled or forgotten across the restart would let the 125 of a full one
 * go at once. */
START_TEST(a_restart_neither_refills_nor_forgets_the_egress_bucket)
{
	long long filled, sent_before, elapsed, went;

	write_quotaco(SLOW_RATE);
	filled = monotonic_us();
	ck_assert_int_eq(harness_probe("newco", NULL, "sendto ::1 9153 1000 130"), 0);
	ck_assert_int_gt(throttled_bytes(), 0);
	sent_before = harness_counter("tenantd_tenant_tx_packets_total", "quotaco");
	harness_agent_stop();
	harness_agent_start();
	ck_assert_int_eq(harness_probe("newco", NULL, "sendto ::1 9153 1000 200"), 0);
	elapsed = monotonic_us() - filled;
	went = harness_counter("tenantd_tenant_tx_packets_total", "quotaco") - sent_before;
	ck_assert_msg(went <= elapsed / DATAGRAM_COST_US + 1,
		      "%lld datagrams went %lld us after the bucket was full", went, elapsed);
}
END_TEST

/* 2 MB at 16 Mbit/s: TCP is told of congestion and slows down; the
 * transfer completes, every byte counted, none lost for good. */
START_TEST(tcp_over_the_egress_rate_is_slowed_not_cut)
{
	write_quotaco("EgressRate=16M\nQuotaLoopback=yes\n");
	ck_assert_int_eq(harness_probe("newco", NULL, "connect tcp ::1 9153 2000000"), 0);
	ck_assert_int_gt(harness_counter("tenantd_tenant_egress_throttled_bytes_total", "quotaco"),
			 0);
	ck_assert_int_ge(harness_counter("tenantd_tenant_tx_bytes_total", "quotaco"), 2000000);
}
END_TEST

void test_setup(void)
{
	tenants_setup(false);
}

Suite *test_suite(void)
{
	Suite *suite = suite_create("quotas");
	TCase *connect_rate = tcase_create("connect_rate"), *settings = tcase_create("settings");
	TCase *egress = tcase_create("egress");

	tcase_add_checked_fixture(connect_rate, tenants_reset, NULL);
	tcase_set_timeout(connect_rate, 60);
	tcase_add_test(connect_rate, a_connect_over_the_connect_rate_is_refused_with_eperm_and_counted);
	tcase_add_test(connect_rate, connect_burst_sets_how_many_connections_may_be_opened_at_once);
	tcase_add_test(connect_rate,
		       under_quota_mode_warn_a_connect_over_the_rate_is_let_through_and_counted);
	tcase_add_test(connect_rate, a_tenant_in_audit_mode_is_only_warned_about_its_quotas);
	tcase_add_test(connect_rate, udp_does_not_count_against_the_connect_rate);
	tcase_add_test(connect_rate, a_reload_raising_the_connect_rate_takes_effect_at_once);
	tcase_add_test(connect_rate, a_restart_neither_refills_nor_forgets_the_connect_rate_bucket);
	suite_add_tcase(suite, connect_rate);

	tcase_add_checked_fixture(egress, tenants_reset, NULL);
	tcase_set_timeout(egress, 60);
	tcase_add_test(egress, udp_over_the_egress_rate_is_dropped_and_counted);
	tcase_add_test(egress, under_quota_mode_warn_udp_over_the_egress_rate_goes_and_is_counted);
	tcase_add_test(egress, loopback_traffic_is_outside_the_egress_rate_unless_quota_loopback_says);
	tcase_add_test(egress, tcp_over_the_egress_rate_is_slowed_not_cut);
	tcase_add_test(egress, a_tenant_without_a_quota_is_not_throttled_beside_one_over_its_rate);
	tcase_add_test(egress, a_reload_raising_the_egress_rate_takes_effect_at_once);
	tcase_add_test(egress, a_restart_neither_refills_nor_forgets_the_egress_bucket);
	suite_add_tcase(suite, egress);

	tcase_add_checked_fixture(settings, tenants_reset, NULL);
	tcase_set_timeout(settings, 60);
	tcase_add_test(settings, the_quotas_show_in_metrics_and_in_the_tenants_own_view);
	tcase_add_test(settings, put_takes_the_quota_settings_and_get_gives_them_back);
	tcase_add_test(settings, put_refuses_a_bad_quota_setting_naming_it);
	suite_add_tcase(suite, settings);
	return suite;
}
