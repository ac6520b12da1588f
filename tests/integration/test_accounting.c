// SPDX-License-Identifier: LGPL-2.1-or-later
/* Accounting: exact per-tenant bytes, packets and connections as sender
 * and receiver count them, violation events with every field and their
 * rate limit, and the metrics exposition as Prometheus reads it. */
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

static char *prometheus_value(int port, const char *query)
{
	char command[1024], *output, *value = NULL;
	struct json_object *answer, *data, *result, *sample, *pair;
	int exit_status;

	snprintf(command, sizeof(command),
		 "curl -s -G http://127.0.0.1:%d/api/v1/query --data-urlencode 'query=%s'", port,
		 query);
	output = harness_command_output(command, &exit_status);
	answer = json_tokener_parse(output);
	free(output);
	if (answer && json_object_object_get_ex(answer, "data", &data) &&
	    json_object_object_get_ex(data, "result", &result) &&
	    json_object_array_length(result) > 0 &&
	    (sample = json_object_array_get_idx(result, 0)) &&
	    json_object_object_get_ex(sample, "value", &pair))
		value = strdup(json_object_get_string(json_object_array_get_idx(pair, 1)));
	json_object_put(answer);
	return value;
}

START_TEST(udp_bytes_and_packets_are_counted_exactly_for_sender_and_receiver)
{
	long long tx_bytes = harness_counter("tenantd_tenant_tx_bytes_total", "acme");
	long long tx_packets = harness_counter("tenantd_tenant_tx_packets_total", "acme");
	long long rx_bytes = harness_counter("tenantd_tenant_rx_bytes_total", "dns");
	long long rx_packets = harness_counter("tenantd_tenant_rx_packets_total", "dns");

	/* 10 datagrams of 100 bytes: IPv4 adds 20 + 8, IPv6 40 + 8 bytes. */
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto 127.0.0.1 9201 100 10"), 0);
	ck_assert_int_eq(harness_probe("acme", NULL, "sendto ::1 9201 100 10"), 0);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_packets_total", "acme"), tx_packets + 20);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_bytes_total", "acme"),
			 tx_bytes + 10 * 128 + 10 * 148);
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_packets_total", "dns"), rx_packets + 20);
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_bytes_total", "dns"),
			 rx_bytes + 10 * 128 + 10 * 148);
}
END_TEST

START_TEST(tcp_traffic_is_counted_identically_by_sender_and_receiver)
{
	long long acme_tx = harness_counter("tenantd_tenant_tx_bytes_total", "acme");
	long long acme_rx = harness_counter("tenantd_tenant_rx_bytes_total", "acme");
	long long dns_tx = harness_counter("tenantd_tenant_tx_bytes_total", "dns");
	long long dns_rx = harness_counter("tenantd_tenant_rx_bytes_total", "dns");
	long long connections = harness_counter("tenantd_tenant_connections_total", "acme");

	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp 127.0.0.1 9201 4000000"), 0);
	/* The last FIN/ACK exchange may still be under way when the probe
	 * returns: wait until both directions balance. */
	ck_assert(harness_wait_until(
		harness_counter("tenantd_tenant_tx_bytes_total", "acme") - acme_tx ==
				harness_counter("tenantd_tenant_rx_bytes_total", "dns") - dns_rx &&
			harness_counter("tenantd_tenant_tx_bytes_total", "dns") - dns_tx ==
				harness_counter("tenantd_tenant_rx_bytes_total", "acme") - acme_rx,
		HARNESS_PATIENCE_MS));
	ck_assert_int_ge(harness_counter("tenantd_tenant_tx_bytes_total", "acme") - acme_tx, 4000000);
	ck_assert_int_eq(harness_counter("tenantd_tenant_connections_total", "acme"), connections + 1);
}
END_TEST

/* Netns a and b are joined by a veth link of MTU 1500. 8000 bytes of UDP
 * payload leave as 6 fragments: IPv4 carries 1480 bytes in each and
 * repeats its 20-byte header, 8028 + 5 * 20 = 8128 bytes; IPv6 carries
 * 1448 and repeats its 40-byte header with an 8-byte fragment header in
 * every fragment, 8048 + 5 * 40 + 6 * 8 = 8296 bytes. */
#define FRAGMENTS 6
#define FRAGMENTED_IPV4_BYTES 8128
#define FRAGMENTED_IPV6_BYTES 8296

/* Sends 8000 bytes of UDP payload from acme in netns a to 10.201.9.1 and
 * fd00:201:9::1, hosts of no tenant's in netns b where nothing listens,
 * and expects acme's counters to grow by PACKETS and BYTES. */
static void expect_sent_as(long long packets, long long bytes)
{
	long long tx_bytes = harness_counter("tenantd_tenant_tx_bytes_total", "acme");
	long long tx_packets = harness_counter("tenantd_tenant_tx_packets_total", "acme");

	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "sendto 10.201.9.1 9799 8000"),
			 0);
	ck_assert_int_eq(harness_probe("acme", tenants_netns_a(), "sendto fd00:201:9::1 9799 8000"),
			 0);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_packets_total", "acme"),
			 tx_packets + packets);
	ck_assert_int_eq(harness_counter("tenantd_tenant_tx_bytes_total", "acme"), tx_bytes + bytes);
}

START_TEST(a_datagram_sent_as_fragments_counts_as_the_fragments_on_the_wire)
{
	expect_sent_as(2 * FRAGMENTS, FRAGMENTED_IPV4_BYTES + FRAGMENTED_IPV6_BYTES);
}
END_TEST

/* A route's own MTU (1000 for IPv4, 1280 for IPv6) decides the fragments:
 * IPv4 carries 976 bytes in each of 9, 8028 + 8 * 20 = 8188 bytes; IPv6
 * 1232 in each of 7, 8048 + 6 * 40 + 7 * 8 = 8344 bytes. */
START_TEST(fragments_are_counted_at_the_routes_mtu)
{
	ck_assert(harness_shell(
		"dev=$(ip -n '%s' -o link show type veth | awk -F': ' '{ print $2 }' | cut -d@ -f1)"
		" && ip -n '%s' route add 10.201.9.1/32 dev \"$dev\" mtu 1000"
		" && ip -n '%s' route add fd00:201:9::1/128 dev \"$dev\" mtu 1280",
		tenants_netns_a(), tenants_netns_a(), tenants_netns_a()));
	expect_sent_as(9 + 7, 8188 + 8344);
	ck_assert(harness_shell("ip -n '%s' route del 10.201.9.1/32 && ip -n '%s' route del fd00:201:9::1/128",
				tenants_netns_a(), tenants_netns_a()));
}
END_TEST

/* Gives netns a the extra addresses 10.201.1.77 and fd00:201:1::77, which
 * netns b reaches from its addresses of no tenant's (10.201.9.1 and
 * fd00:201:9::1), or takes them away. */
static bool extra_addresses(bool add)
{
	const char *action = add ? "add" : "del";

	return harness_shell(
		"a=$(ip -n '%s' -o link show type veth | awk -F': ' '{ print $2 }' | cut -d@ -f1)"
		" && b=$(ip -n '%s' -o link show type veth | awk -F': ' '{ print $2 }' | cut -d@ -f1)"
		" && ip -n '%s' addr %s 10.201.1.77/32 dev \"$a\""
		" && ip -n '%s' addr %s fd00:201:1::77/128 dev \"$a\" nodad"
		" && ip -n '%s' route %s 10.201.1.77/32 dev \"$b\" src 10.201.9.1"
		" && ip -n '%s' route %s fd00:201:1::77/128 dev \"$b\" src fd00:201:9::1",
		tenants_netns_a(), tenants_netns_b(), tenants_netns_a(), action, tenants_netns_a(),
		action, tenants_netns_b(), action, tenants_netns_b(), action);
}

START_TEST(a_datagram_received_as_fragments_counts_as_the_fragments_on_the_wire)
{
	long long rx_bytes = harness_counter("tenantd_tenant_rx_bytes_total", "acme");
	long long rx_packets = harness_counter("tenantd_tenant_rx_packets_total", "acme");

	ck_assert(extra_addresses(true));
	/* acme listens on [::]:9702/udp in netns a. */
	ck_assert_int_eq(harness_probe("", tenants_netns_b(), "sendto 10.201.1.77 9702 8000"), 0);
	ck_assert_int_eq(harness_probe("", tenants_netns_b(), "sendto fd00:201:1::77 9702 8000"),
			 0);
	harness_wait_until(harness_counter("tenantd_tenant_rx_packets_total", "acme") >=
				   rx_packets + 2 * FRAGMENTS,
			   HARNESS_PATIENCE_MS);
	ck_assert(extra_addresses(false));
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_packets_total", "acme"),
			 rx_packets + 2 * FRAGMENTS);
	ck_assert_int_eq(harness_counter("tenantd_tenant_rx_bytes_total", "acme"),
			 rx_bytes + FRAGMENTED_IPV4_BYTES + FRAGMENTED_IPV6_BYTES);
}
END_TEST

START_TEST(a_denied_connect_emits_an_event_with_every_field)
{
	struct json_object *event, *field;
	char cgroup[512];
	pid_t pid;

	ck_assert_int_eq(harness_probe_pid("acme", NULL, "connect tcp ::1 9101", &pid), EPERM);
	event = harness_wait_event("acme", "local_socket", 9101, pid);
	ck_assert_ptr_nonnull(event);
	snprintf(cgroup, sizeof(cgroup), "%s/acme", harness_root());
#define FIELD_IS(name, expected)                                                 \
	do {                                                                     \
		ck_assert(json_object_object_get_ex(event, name, &field));      \
		ck_assert_str_eq(json_object_get_string(field), expected);      \
	} while (0)
	FIELD_IS("tenant", "acme");
	FIELD_IS("peer", "globex");
	FIELD_IS("reason", "local_socket");
	FIELD_IS("action", "denied");
	FIELD_IS("comm", "netprobe");
	FIELD_IS("cgroup", cgroup);
	FIELD_IS("proto", "tcp");
	FIELD_IS("family", "ipv6");
	FIELD_IS("dst", "::1");
	ck_assert(json_object_object_get_ex(event, "dport", &field));
	ck_assert_int_eq(json_object_get_int(field), 9101);
	ck_assert(json_object_object_get_ex(event, "pid", &field));
	ck_assert_int_eq(json_object_get_int(field), pid);
	ck_assert(json_object_object_get_ex(event, "time", &field));
	/* RFC 3339 with nanoseconds: 2026-11-23T07:37:16.954389883Z */
	ck_assert_int_eq(strlen(json_object_get_string(field)), 30);
	ck_assert_int_eq(json_object_get_string(field)[10], 'T');
	ck_assert_int_eq(json_object_get_string(field)[29], 'Z');
	json_object_put(event);
}
END_TEST

START_TEST(events_beyond_the_event_rate_are_counted_as_sampled_out)
{
	long long sampled = harness_counter("tenantd_events_sampled_out_total", "hooli");
	long long denied = harness_violations("hooli", "globex", "local_socket", "denied");
	int events = tenants_count_events("hooli");

	tenants_write_agent_config("deny", 2);
	ck_assert(harness_agent_reload());
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(harness_probe("hooli", NULL, "connect tcp ::1 9101"), EPERM);
	ck_assert_int_eq(harness_violations("hooli", "globex", "local_socket", "denied"), denied + 10);
	/* Every violation is either an event or counted as sampled out (the
	 * last events may still be on their way through the ring buffer); at
	 * 2 per second, most of ten quick ones are sampled out. */
	ck_assert(harness_wait_until(
		tenants_count_events("hooli") - events +
				harness_counter("tenantd_events_sampled_out_total", "hooli") - sampled ==
			10,
		HARNESS_PATIENCE_MS));
	ck_assert_int_ge(harness_counter("tenantd_events_sampled_out_total", "hooli") - sampled, 4);
}
END_TEST

START_TEST(the_metrics_exposition_passes_promtool_check)
{
	long status = 0;
	char *body;
	FILE *promtool;

	/* Violations too, whose labels are the ones most worth checking. */
	ck_assert_int_eq(harness_probe("acme", NULL, "connect tcp ::1 9101"), EPERM);
	body = harness_get("/metrics", &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body, "tenantd_violations_total{tenant=\"acme\""));
	promtool = popen("promtool check metrics", "w");
	ck_assert_ptr_nonnull(promtool);
	fputs(body, promtool);
	free(body);
	ck_assert_int_eq(pclose(promtool), 0);
}
END_TEST

START_TEST(metrics_listen_serves_the_exposition_over_tcp_and_nothing_else)
{
	char command[256], *output;
	int exit_status;

	snprintf(command, sizeof(command),
		 "curl -s -o /dev/null -w '%%{http_code}' http://127.0.0.1:%d/metrics",
		 tenants_metrics_port());
	output = harness_command_output(command, &exit_status);
	ck_assert_str_eq(output, "200");
	free(output);
	snprintf(command, sizeof(command), "curl -s http://127.0.0.1:%d/metrics", tenants_metrics_port());
	output = harness_command_output(command, &exit_status);
	ck_assert_ptr_nonnull(strstr(output, "\ntenantd_tenant_info{tenant=\"acme\",kind=\"tenant\","
					     "mode=\"enforce\"} 1\n"));
	free(output);
	snprintf(command, sizeof(command),
		 "curl -s -w ' %%{http_code}' http://127.0.0.1:%d/v1/status", tenants_metrics_port());
	output = harness_command_output(command, &exit_status);
	ck_assert_str_eq(output, "{\"error\":\"only /metrics is served here\"} 404");
	free(output);
}
END_TEST

START_TEST(a_real_prometheus_scrapes_the_counters_with_their_values)
{
	const int port = tenants_metrics_port() + 1;
	char configuration[4200], storage[4200], listen[64], *value = NULL;
	long long expected;
	FILE *file;
	pid_t prometheus;

	/* A series that nothing else in this suite changes: a shared tenant's
	 * refused initiation to a tenant. */
	ck_assert_int_eq(harness_probe("dns", NULL, "connect tcp ::1 9301"), EPERM);
	expected = harness_violations("dns", "acme", "local_socket", "denied");
	ck_assert_int_gt(expected, 0);
	snprintf(configuration, sizeof(configuration), "%s/prometheus.yml", harness_scratch());
	snprintf(storage, sizeof(storage), "%s/prometheus", harness_scratch());
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	file = fopen(configuration, "we");
	ck_assert_ptr_nonnull(file);
	fprintf(file, "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tenantd\n"
		      "    static_configs:\n      - targets: ['127.0.0.1:%d']\n", tenants_metrics_port());
	fclose(file);
	prometheus = fork();
	if (prometheus == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execlp("prometheus", "prometheus", "--config.file", configuration,
		       "--storage.tsdb.path", storage, "--web.listen-address", listen,
		       (char *)NULL);
		_exit(127);
	}
	harness_wait_until((value = prometheus_value(port, "tenantd_violations_total{tenant=\"dns\","
							  "peer=\"acme\",reason=\"local_socket\","
							  "action=\"denied\"}")) != NULL,
			   HARNESS_PATIENCE_MS);
	kill(prometheus, SIGTERM);
	waitpid(prometheus, NULL, 0);
	ck_assert_msg(value != NULL, "Prometheus never had tenantd's series");
	ck_assert_int_eq(atoll(value), expected);
	free(value);
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("accounting");

	TCase *counters = tcase_create("counters");
	TCase *events = tcase_create("events");
	TCase *metrics = tcase_create("metrics");

	tcase_add_checked_fixture(counters, tenants_reset, NULL);
	tcase_set_timeout(counters, 60);
	tcase_add_test(counters, udp_bytes_and_packets_are_counted_exactly_for_sender_and_receiver);
	tcase_add_test(counters, tcp_traffic_is_counted_identically_by_sender_and_receiver);
	tcase_add_test(counters, a_datagram_sent_as_fragments_counts_as_the_fragments_on_the_wire);
	tcase_add_test(counters, a_datagram_received_as_fragments_counts_as_the_fragments_on_the_wire);
	tcase_add_test(counters, fragments_are_counted_at_the_routes_mtu);
	suite_add_tcase(suite, counters);

	tcase_add_checked_fixture(events, tenants_reset, NULL);
	tcase_set_timeout(events, 60);
	tcase_add_test(events, a_denied_connect_emits_an_event_with_every_field);
	tcase_add_test(events, events_beyond_the_event_rate_are_counted_as_sampled_out);
	suite_add_tcase(suite, events);

	tcase_add_checked_fixture(metrics, tenants_reset, NULL);
	tcase_set_timeout(metrics, 60);
	tcase_add_test(metrics, the_metrics_exposition_passes_promtool_check);
	tcase_add_test(metrics, metrics_listen_serves_the_exposition_over_tcp_and_nothing_else);
	tcase_add_test(metrics, a_real_prometheus_scrapes_the_counters_with_their_values);
	suite_add_tcase(suite, metrics);
	return suite;
}

void test_setup(void)
{
	tenants_setup(true);
}
