// SPDX-License-Identifier: LGPL-2.1-or-later
/* Validation of tenant names, networks, PORT/PROTO pairs and cgroup paths:
 * what is accepted, how it is normalized, and what each refusal says. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>

#include "test_suite.h"
#include "validate.h"

START_TEST(tenant_names_follow_the_design_pattern)
{
	static const char *const good[] = { "a", "acme", "0day", "acme-2", "a-", "a--b",
					    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	static const char *const bad[] = { "", "-acme", "Acme", "acme_2", "acme.corp", "ac me",
					   "acmé", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(tenant_name_valid(good[i]), "'%s' refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!tenant_name_valid(bad[i]), "'%s' accepted", bad[i]);
}
END_TEST

START_TEST(ipv4_networks_are_stored_ipv4_mapped)
{
	struct network network;
	const char *reason = NULL;
	static const unsigned char expected[16] = { 0, 0, 0, 0, 0, 0, 0, 0,
						    0, 0, 0xff, 0xff, 10, 10, 0, 0 };

	ck_assert_int_eq(network_parse("10.10.0.0/16", &network, &reason), 0);
	ck_assert_int_eq(network.family, AF_INET);
	ck_assert_int_eq(network.prefixlen, 112);
	ck_assert_mem_eq(network.addr, expected, 16);
}
END_TEST

START_TEST(ipv6_networks_keep_their_prefix)
{
	struct network network;
	const char *reason = NULL;

	ck_assert_int_eq(network_parse("fd00:10::/32", &network, &reason), 0);
	ck_assert_int_eq(network.family, AF_INET6);
	ck_assert_int_eq(network.prefixlen, 32);
	ck_assert_int_eq(network.addr[0], 0xfd);
	ck_assert_int_eq(network_parse("::/0", &network, &reason), 0);
	ck_assert_int_eq(network.prefixlen, 0);
}
END_TEST

START_TEST(host_and_default_routes_are_networks)
{
	struct network network;
	const char *reason = NULL;

	ck_assert_int_eq(network_parse("192.0.2.7/32", &network, &reason), 0);
	ck_assert_int_eq(network.prefixlen, 128);
	ck_assert_int_eq(network_parse("0.0.0.0/0", &network, &reason), 0);
	ck_assert_int_eq(network.prefixlen, 96);
}
END_TEST

static void assert_network_refused(const char *text, const char *expected_reason)
{
	struct network network;
	const char *reason = NULL;

	ck_assert_msg(network_parse(text, &network, &reason) != 0, "'%s' accepted", text);
	ck_assert_str_eq(reason, expected_reason);
}

START_TEST(bad_networks_are_refused_with_a_reason)
{
	assert_network_refused("10.0.0.0", "expected ADDRESS/PREFIX, e.g. 10.10.0.0/16");
	assert_network_refused("/8", "not an IPv4 or IPv6 address");
	assert_network_refused("10.0.0/8", "not an IPv4 or IPv6 address");
	assert_network_refused("example.com/8", "not an IPv4 or IPv6 address");
	assert_network_refused("10.0.0.0/", "prefix length must be 0..32 for IPv4");
	assert_network_refused("10.0.0.0/-1", "prefix length must be 0..32 for IPv4");
	assert_network_refused("10.0.0.0/+8", "prefix length must be 0..32 for IPv4");
	assert_network_refused("10.0.0.0/08", "prefix length must be 0..32 for IPv4");
	assert_network_refused("10.0.0.0/8x", "prefix length must be 0..32 for IPv4");
	assert_network_refused("10.0.0.0/ 8", "prefix length must be 0..32 for IPv4");
	assert_network_refused("10.0.0.0/\t8", "prefix length must be 0..32 for IPv4");
	assert_network_refused("10.0.0.0/33", "prefix length must be 0..32 for IPv4");
	assert_network_refused("fd00::/129", "prefix length must be 0..128 for IPv6");
	assert_network_refused("10.0.0.1/8", "host bits are set after the prefix");
	assert_network_refused("fd00::1/64", "host bits are set after the prefix");
	assert_network_refused("::ffff:10.0.0.0/64",
			       "an IPv4-mapped network needs a prefix of at least 96");
}
END_TEST

static struct network parsed(const char *text)
{
	struct network network;
	const char *reason = NULL;

	ck_assert_int_eq(network_parse(text, &network, &reason), 0);
	return network;
}

START_TEST(networks_overlap_when_one_contains_the_other)
{
	struct network a = parsed("10.0.0.0/16"), b = parsed("10.0.5.0/24");
	struct network c = parsed("10.1.0.0/16"), mapped = parsed("::ffff:10.0.7.0/120");
	struct network v6 = parsed("fd00::/8"), v6_inside = parsed("fd12::/16");

	ck_assert(networks_overlap(&a, &b));
	ck_assert(networks_overlap(&b, &a));
	ck_assert(!networks_overlap(&a, &c));
	ck_assert(networks_overlap(&a, &mapped));
	ck_assert(networks_overlap(&v6, &v6_inside));
	ck_assert(!networks_overlap(&v6, &a));
}
END_TEST

START_TEST(networks_format_as_written)
{
	struct network a = parsed("10.10.0.0/16"), b = parsed("fd00:10::/32");
	char text[64];

	ck_assert_int_eq(network_format(&a, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "10.10.0.0/16");
	ck_assert_int_eq(network_format(&b, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "fd00:10::/32");
}
END_TEST

START_TEST(port_protocol_pairs_parse)
{
	struct port_protocol target;
	const char *reason = NULL;

	ck_assert_int_eq(port_protocol_parse("53/udp", &target, &reason), 0);
	ck_assert_uint_eq(target.port, 53);
	ck_assert_uint_eq(target.protocol, IPPROTO_UDP);
	ck_assert_int_eq(port_protocol_parse("65535/tcp", &target, &reason), 0);
	ck_assert_uint_eq(target.port, 65535);
	ck_assert_uint_eq(target.protocol, IPPROTO_TCP);
}
END_TEST

static void assert_port_refused(const char *text, const char *expected_reason)
{
	struct port_protocol target;
	const char *reason = NULL;

	ck_assert_msg(port_protocol_parse(text, &target, &reason) != 0, "'%s' accepted", text);
	ck_assert_str_eq(reason, expected_reason);
}

START_TEST(bad_port_protocol_pairs_are_refused_with_a_reason)
{
	assert_port_refused("53", "expected PORT/PROTO, e.g. 53/udp");
	assert_port_refused("/udp", "expected PORT/PROTO, e.g. 53/udp");
	assert_port_refused("0/udp", "port must be 1..65535");
	assert_port_refused("65536/tcp", "port must be 1..65535");
	assert_port_refused("-1/tcp", "port must be 1..65535");
	assert_port_refused("53x/tcp", "port must be 1..65535");
	assert_port_refused("53/TCP", "protocol must be tcp or udp");
	assert_port_refused("53/sctp", "protocol must be tcp or udp");
	assert_port_refused("53/", "protocol must be tcp or udp");
}
END_TEST

START_TEST(cgroup_paths_are_normalized)
{
	char path[256];
	const char *reason = NULL;

	ck_assert_int_eq(cgroup_path_normalize("/tenant-acme.slice", path, sizeof(path), &reason), 0);
	ck_assert_str_eq(path, "/tenant-acme.slice");
	ck_assert_int_eq(cgroup_path_normalize("//a///b/", path, sizeof(path), &reason), 0);
	ck_assert_str_eq(path, "/a/b");
	ck_assert_int_eq(cgroup_path_normalize("/a/..b/c.", path, sizeof(path), &reason), 0);
	ck_assert_str_eq(path, "/a/..b/c.");
}
END_TEST

START_TEST(cgroup_paths_that_escape_or_are_relative_are_refused)
{
	char path[256];
	const char *reason = NULL;

	ck_assert_int_ne(cgroup_path_normalize("a/b", path, sizeof(path), &reason), 0);
	ck_assert_str_eq(reason, "must be an absolute path below the cgroup2 mount, e.g. "
				 "/tenant-acme.slice");
	ck_assert_int_ne(cgroup_path_normalize("/a/../..", path, sizeof(path), &reason), 0);
	ck_assert_str_eq(reason, "escapes the cgroup2 mount ('.' and '..' are not allowed)");
	ck_assert_int_ne(cgroup_path_normalize("/a/./b", path, sizeof(path), &reason), 0);
	ck_assert_int_ne(cgroup_path_normalize("/", path, sizeof(path), &reason), 0);
	ck_assert_str_eq(reason, "is the cgroup2 root itself, which holds the host");
	ck_assert_int_ne(cgroup_path_normalize("/a\nb", path, sizeof(path), &reason), 0);
	ck_assert_str_eq(reason, "contains a control character");
	ck_assert_int_ne(cgroup_path_normalize("/abcdefgh", path, 8, &reason), 0);
	ck_assert_str_eq(reason, "path too long");
}
END_TEST

START_TEST(cgroup_ancestry_is_by_whole_components)
{
	ck_assert(cgroup_path_below("/tenants/acme", "/tenants"));
	ck_assert(cgroup_path_below("/tenants", "/tenants"));
	ck_assert(cgroup_path_below("/anything", "/"));
	ck_assert(!cgroup_path_below("/tenants-old/acme", "/tenants"));
	ck_assert(!cgroup_path_below("/other", "/tenants"));
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("validate");
	TCase *names = tcase_create("names"), *networks = tcase_create("networks");
	TCase *ports = tcase_create("ports"), *cgroups = tcase_create("cgroups");

	tcase_add_test(names, tenant_names_follow_the_design_pattern);
	tcase_add_test(networks, ipv4_networks_are_stored_ipv4_mapped);
	tcase_add_test(networks, ipv6_networks_keep_their_prefix);
	tcase_add_test(networks, host_and_default_routes_are_networks);
	tcase_add_test(networks, bad_networks_are_refused_with_a_reason);
	tcase_add_test(networks, networks_overlap_when_one_contains_the_other);
	tcase_add_test(networks, networks_format_as_written);
	tcase_add_test(ports, port_protocol_pairs_parse);
	tcase_add_test(ports, bad_port_protocol_pairs_are_refused_with_a_reason);
	tcase_add_test(cgroups, cgroup_paths_are_normalized);
	tcase_add_test(cgroups, cgroup_paths_that_escape_or_are_relative_are_refused);
	tcase_add_test(cgroups, cgroup_ancestry_is_by_whole_components);
	suite_add_tcase(suite, names);
	suite_add_tcase(suite, networks);
	suite_add_tcase(suite, ports);
	suite_add_tcase(suite, cgroups);
	return suite;
}
