// SPDX-License-Identifier: LGPL-2.1-or-later
/* Violation event formatting: one JSON object per line with the design's
 * fields, in both address families. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>

#include "api/events.h"
#include "test_suite.h"

START_TEST(an_ipv4_event_formats_to_one_json_line)
{
	struct violation_event event = {
		.tenant_id = 1, .peer_id = 2, .pid = 4242, .dport = 9101,
		.reason = REASON_LOCAL_SOCKET, .action = ACTION_DENIED, .protocol = 6,
		.family = AF_INET, .addr = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 },
		.comm = "curl",
	};
	char *line = event_format(&event, "acme", "globex", "/tenant-acme.slice",
				  1795425436954389883ULL);

	ck_assert_ptr_nonnull(line);
	ck_assert_str_eq(line,
			 "{\"time\":\"2026-11-23T09:17:16.954389883Z\",\"tenant\":\"acme\","
			 "\"peer\":\"globex\",\"reason\":\"local_socket\",\"action\":\"denied\","
			 "\"pid\":4242,\"comm\":\"curl\",\"cgroup\":\"/tenant-acme.slice\","
			 "\"proto\":\"tcp\",\"family\":\"ipv4\",\"dst\":\"127.0.0.1\","
			 "\"dport\":9101}");
	free(line);
}
END_TEST

START_TEST(an_ipv6_event_shows_the_ipv6_address)
{
	struct violation_event event = {
		.reason = REASON_REMOTE_NETWORK, .action = ACTION_AUDITED, .protocol = 17,
		.family = AF_INET6, .dport = 53,
	};
	char *line;

	inet_pton(AF_INET6, "fd00:201:2::1", event.addr);
	line = event_format(&event, "acme", "globex", "/a", 0);
	ck_assert_ptr_nonnull(strstr(line, "\"family\":\"ipv6\",\"dst\":\"fd00:201:2::1\""));
	ck_assert_ptr_nonnull(strstr(line, "\"reason\":\"remote_network\",\"action\":\"audited\""));
	ck_assert_ptr_nonnull(strstr(line, "\"proto\":\"udp\""));
	free(line);
}
END_TEST

START_TEST(an_ipv4_mapped_destination_shows_as_the_process_wrote_it)
{
	struct violation_event event = {
		.family = AF_INET6, .addr = { [10] = 0xff, [11] = 0xff, 10, 1, 2, 3 },
	};
	char *line = event_format(&event, "acme", "host", "/a", 0);

	ck_assert_ptr_nonnull(strstr(line, "\"dst\":\"::ffff:10.1.2.3\""));
	free(line);
}
END_TEST

START_TEST(a_comm_without_terminator_is_cut_at_sixteen_bytes)
{
	struct violation_event event = { .family = AF_INET };
	char *line;

	memcpy(event.comm, "0123456789abcdef", 16);
	line = event_format(&event, "acme", "host", "/a", 0);
	ck_assert_ptr_nonnull(strstr(line, "\"comm\":\"0123456789abcdef\""));
	free(line);
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("events");
	TCase *format = tcase_create("format");

	tcase_add_test(format, an_ipv4_event_formats_to_one_json_line);
	tcase_add_test(format, an_ipv6_event_shows_the_ipv6_address);
	tcase_add_test(format, an_ipv4_mapped_destination_shows_as_the_process_wrote_it);
	tcase_add_test(format, a_comm_without_terminator_is_cut_at_sixteen_bytes);
	suite_add_tcase(suite, format);
	return suite;
}
