/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The networks live in two LPM tries, IPv4 and IPv6, so that a start with a
 * million of them fills both at once: the kernel inserts into one trie
 * under one lock, at about a microsecond per network at that size. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cleanup.h"
#include "config.h"
#include "kernel/network_tries.h"
#include "log.h"
#include "privileges.h"
#include "tenantd.skel.h"

/* ::ffff:0:0/96, the IPv4-mapped range the IPv4 trie holds. */
static const __u8 ipv4_mapped_prefix[12] = { [10] = 0xff, [11] = 0xff };

/* Below this many networks in each trie a second thread gains nothing. */
#define PARALLEL_WRITE_MIN 4096
/* One system call writes at most this many: each keeps a reload's or a
 * signal's wait short, and a million single updates would cost a fifth of
 * a second more. */
#define WRITE_BATCH 65536

static bool prefix_matches(const __u8 *address, const __u8 *prefix, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;

	if (memcmp(address, prefix, bytes))
		return false;
	return !rest || !((address[bytes] ^ prefix[bytes]) & (0xff00 >> rest));
}

unsigned network_tries_of(const struct network_key *key)
{
	unsigned bits = key->prefixlen < 96 ? key->prefixlen : 96;

	if (!prefix_matches(key->addr, ipv4_mapped_prefix, bits))
		return NETWORK_TRIE_IPV6;
	return key->prefixlen >= 96 ? NETWORK_TRIE_IPV4 : NETWORK_TRIE_IPV4 | NETWORK_TRIE_IPV6;
}

enum network_trie network_trie_of_address(const __u8 address[16])
{
	return memcmp(address, ipv4_mapped_prefix, sizeof(ipv4_mapped_prefix)) ?
		       NETWORK_TRIE_IPV6 :
		       NETWORK_TRIE_IPV4;
}

struct bpf_map *network_trie_map(struct tenantd_bpf *skeleton, enum network_trie trie)
{
	return trie == NETWORK_TRIE_IPV4 ? skeleton->maps.tenantd_network_owner_ipv4 :
					   skeleton->maps.tenantd_network_owner_ipv6;
}

int network_writes_add(struct network_writes *writes, const struct network_key *key,
		       __u32 owner)
{
	unsigned tries = network_tries_of(key);

	for (int i = 0; i < NETWORK_TRIES; i++) {
		typeof(writes->tries[0]) *pending = &writes->tries[i];

		if (!(tries & (1u << i)))
			continue;
		if (pending->count == pending->capacity) {
			size_t capacity = pending->capacity ? pending->capacity * 2 : 1024;
			struct network_key *keys =
				realloc(pending->keys, capacity * sizeof(*pending->keys));
			__u32 *owners;

			if (!keys)
				return -ENOMEM;
			pending->keys = keys;
			owners = realloc(pending->owners, capacity * sizeof(*pending->owners));
			if (!owners)
				return -ENOMEM;
			pending->owners = owners;
			pending->capacity = capacity;
		}
		pending->keys[pending->count] = *key;
		pending->owners[pending->count++] = owner;
	}
	return 0;
}

struct trie_write {
	int fd;
	const struct network_key *keys;
	const __u32 *owners;
	size_t count;
	int error; /* a negative errno */
};

static void *write_trie(void *argument)
{
	struct trie_write *write = argument;
	LIBBPF_OPTS(bpf_map_batch_opts, options, .elem_flags = BPF_ANY);

	for (size_t done = 0; done < write->count;) {
		__u32 count = write->count - done < WRITE_BATCH ? (__u32)(write->count - done) :
								  WRITE_BATCH;

		if (bpf_map_update_batch(write->fd, write->keys + done, write->owners + done,
					 &count, &options)) {
			write->error = -errno;
			break;
		}
		done += count;
	}
	return NULL;
}

int network_writes_flush(struct tenantd_bpf *skeleton, struct network_writes *writes)
{
	struct trie_write trie_writes[NETWORK_TRIES];
	bool parallel = !privileges_sandboxed();
	pthread_t helper;
	int r = 0;

	for (int i = 0; i < NETWORK_TRIES; i++) {
		trie_writes[i] = (struct trie_write){
			.fd = bpf_map__fd(network_trie_map(skeleton, 1u << i)),
			.keys = writes->tries[i].keys,
			.owners = writes->tries[i].owners,
			.count = writes->tries[i].count,
		};
		parallel = parallel && trie_writes[i].count >= PARALLEL_WRITE_MIN;
	}
	/* The running agent's system call filter allows no new thread; by then
	 * reloads write what changed, a few networks. */
	if (parallel && pthread_create(&helper, NULL, write_trie, &trie_writes[0]))
		parallel = false;
	if (!parallel)
		write_trie(&trie_writes[0]);
	write_trie(&trie_writes[1]);
	if (parallel)
		pthread_join(helper, NULL);
	for (int i = 0; r == 0 && i < NETWORK_TRIES; i++) {
		if (!trie_writes[i].error)
			continue;
		r = log_error_errno(trie_writes[i].error, "map %s: cannot write %zu networks: %m%s",
				    bpf_map__name(network_trie_map(skeleton, 1u << i)),
				    trie_writes[i].count,
				    trie_writes[i].error == -E2BIG ? " (the map is full)" : "");
	}
	for (int i = 0; i < NETWORK_TRIES; i++)
		writes->tries[i].count = 0;
	return r;
}

void network_writes_free(struct network_writes *writes)
{
	for (int i = 0; i < NETWORK_TRIES; i++) {
		free(writes->tries[i].keys);
		free(writes->tries[i].owners);
	}
	*writes = (struct network_writes){};
}

bool network_configured_exactly(const struct config *config, const struct network_key *key)
{
	for (size_t t = 0; t < config->tenant_count; t++)
		for (size_t i = 0; i < config->tenants[t].network_count; i++) {
			const struct network *network = &config->tenants[t].networks[i].network;

			if (network->prefixlen == key->prefixlen &&
			    !memcmp(network->addr, key->addr, sizeof(key->addr)))
				return true;
		}
	return false;
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71 /* Linux 5.14; newer than the libc headers */
#endif

int network_namespace_cookie(__u64 *cookie)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t length = sizeof(*cookie);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &length))
		return -errno;
	return 0;
}
