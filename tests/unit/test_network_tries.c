// SPDX-License-Identifier: LGPL-2.1-or-later
/* Which network trie a network is written to and an address looked up in:
 * IPv4 networks to the IPv4 trie, the rest to the IPv6 one, and an IPv6
 * network that covers the IPv4-mapped range to both, so that one lookup in
 * an address's own trie gives what one trie for all gave. */
#include <string.h>

#include <check.h>

#include "kernel/network_tries.h"
#include "test_suite.h"
#include "validate.h"

static unsigned tries_of(const char *text)
{
	struct network network;
	struct network_key key;
	const char *reason = NULL;

	ck_assert_msg(network_parse(text, &network, &reason) == 0, "%s: %s", text, reason);
	key.prefixlen = network.prefixlen;
	memcpy(key.addr, network.addr, sizeof(key.addr));
	return network_tries_of(&key);
}

static enum network_trie trie_of_address(const char *text)
{
	struct network network;
	const char *reason = NULL;

	ck_assert_msg(network_parse(text, &network, &reason) == 0, "%s: %s", text, reason);
	return network_trie_of_address(network.addr);
}

START_TEST(ipv4_networks_go_to_the_ipv4_trie)
{
	ck_assert_uint_eq(tries_of("10.0.0.0/8"), NETWORK_TRIE_IPV4);
	ck_assert_uint_eq(tries_of("192.0.2.7/32"), NETWORK_TRIE_IPV4);
	ck_assert_uint_eq(tries_of("0.0.0.0/0"), NETWORK_TRIE_IPV4);
	ck_assert_uint_eq(tries_of("::ffff:10.0.0.0/104"), NETWORK_TRIE_IPV4);
}
END_TEST

START_TEST(ipv6_networks_go_to_the_ipv6_trie)
{
	ck_assert_uint_eq(tries_of("2001:db8::/32"), NETWORK_TRIE_IPV6);
	ck_assert_uint_eq(tries_of("fd00:1::/64"), NETWORK_TRIE_IPV6);
	ck_assert_uint_eq(tries_of("::1/128"), NETWORK_TRIE_IPV6);
	ck_assert_uint_eq(tries_of("::fffe:0:0/96"), NETWORK_TRIE_IPV6);
}
END_TEST

START_TEST(ipv6_networks_covering_the_ipv4_mapped_range_go_to_both)
{
	ck_assert_uint_eq(tries_of("::/0"), NETWORK_TRIE_IPV4 | NETWORK_TRIE_IPV6);
	ck_assert_uint_eq(tries_of("::/80"), NETWORK_TRIE_IPV4 | NETWORK_TRIE_IPV6);
	ck_assert_uint_eq(tries_of("::/64"), NETWORK_TRIE_IPV4 | NETWORK_TRIE_IPV6);
}
END_TEST

START_TEST(addresses_are_looked_up_in_their_familys_trie)
{
	ck_assert_int_eq(trie_of_address("10.1.2.3/32"), NETWORK_TRIE_IPV4);
	ck_assert_int_eq(trie_of_address("::ffff:10.1.2.3/128"), NETWORK_TRIE_IPV4);
	ck_assert_int_eq(trie_of_address("::1/128"), NETWORK_TRIE_IPV6);
	ck_assert_int_eq(trie_of_address("2001:db8::1/128"), NETWORK_TRIE_IPV6);
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("network_tries");
	TCase *placement = tcase_create("placement");

	tcase_add_test(placement, ipv4_networks_go_to_the_ipv4_trie);
	tcase_add_test(placement, ipv6_networks_go_to_the_ipv6_trie);
	tcase_add_test(placement, ipv6_networks_covering_the_ipv4_mapped_range_go_to_both);
	tcase_add_test(placement, addresses_are_looked_up_in_their_familys_trie);
	suite_add_tcase(suite, placement);
	return suite;
}
