/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The two network tries, IPv4 and IPv6: which one a network or an address
 * belongs in (see tenantd_abi.h), and writing many networks to both at
 * once. */
#ifndef TENANTD_NETWORK_TRIES_H
#define TENANTD_NETWORK_TRIES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "tenantd_abi.h"

struct bpf_map;
struct config;
struct tenantd_bpf;

enum network_trie {
	NETWORK_TRIE_IPV4 = 1 << 0,
	NETWORK_TRIE_IPV6 = 1 << 1,
};
#define NETWORK_TRIES 2

/* The tries KEY goes to: one, or both for an IPv6 network that covers the
 * IPv4-mapped range. */
unsigned network_tries_of(const struct network_key *key);
/* The trie ADDRESS (128-bit, IPv4-mapped for IPv4) is looked up in. */
enum network_trie network_trie_of_address(const __u8 address[16]);
struct bpf_map *network_trie_map(struct tenantd_bpf *skeleton, enum network_trie trie);
/* The cookie of the agent's network namespace, the host's. */
int network_namespace_cookie(__u64 *cookie);
/* Is KEY, a /32 or /128, exactly one of the networks the configuration
 * gives a tenant? Then it is that tenant's, whatever else writes it. */
bool network_configured_exactly(const struct config *config, const struct network_key *key);

/* Networks and their owners gathered for writing, per trie. */
struct network_writes {
	struct {
		struct network_key *keys;
		__u32 *owners;
		size_t count, capacity;
	} tries[NETWORK_TRIES];
};

int network_writes_add(struct network_writes *writes, const struct network_key *key,
		       __u32 owner);
/* Writes what was gathered, the two tries in parallel, and empties WRITES. */
int network_writes_flush(struct tenantd_bpf *skeleton, struct network_writes *writes);
void network_writes_free(struct network_writes *writes);

#endif /* TENANTD_NETWORK_TRIES_H */
