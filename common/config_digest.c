// SPDX-License-Identifier: LGPL-2.1-or-later
/* The digest of a configuration: what the policy maps record of the
 * configuration they hold, so that a restart with the same one rewrites
 * nothing. Only what reaches the maps is digested. */
#include <string.h>

#include "config.h"

#define FNV_OFFSET_BASIS 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* FNV-1a taken a word at a time where it can: a million networks are
 * digested at each change, and the digest only has to tell policies apart. */
static uint64_t digest_bytes(uint64_t digest, const void *bytes, size_t size)
{
	const unsigned char *byte = bytes;
	size_t i = 0;

	for (; i + sizeof(uint64_t) <= size; i += sizeof(uint64_t)) {
		uint64_t word;

		memcpy(&word, byte + i, sizeof(word));
		digest = (digest ^ word) * FNV_PRIME;
	}
	for (; i < size; i++)
		digest = (digest ^ byte[i]) * FNV_PRIME;
	return digest;
}

/* Strings with their terminating zero, so "ab" + "c" differs from "a" + "bc". */
static uint64_t digest_string(uint64_t digest, const char *text)
{
	return digest_bytes(digest, text, strlen(text) + 1);
}

#define DIGEST_VALUE(digest, value) digest_bytes(digest, &(value), sizeof(value))

uint64_t config_digest(const struct config *config)
{
	const struct agent_config *agent = &config->agent;
	uint64_t digest = FNV_OFFSET_BASIS;

	digest = DIGEST_VALUE(digest, agent->host_policy);
	digest = DIGEST_VALUE(digest, agent->event_rate);
	digest = DIGEST_VALUE(digest, agent->tenant_mark_mask);
	digest = DIGEST_VALUE(digest, agent->host_port_count);
	for (size_t i = 0; i < agent->host_port_count; i++) {
		digest = DIGEST_VALUE(digest, agent->host_ports[i].port);
		digest = DIGEST_VALUE(digest, agent->host_ports[i].protocol);
	}
	digest = DIGEST_VALUE(digest, config->tenant_count);
	for (size_t i = 0; i < config->tenant_count; i++) {
		const struct tenant_config *tenant = &config->tenants[i];

		digest = digest_string(digest, tenant->name);
		digest = DIGEST_VALUE(digest, tenant->kind);
		digest = DIGEST_VALUE(digest, tenant->mode);
		digest = DIGEST_VALUE(digest, tenant->connect_rate);
		digest = DIGEST_VALUE(digest, tenant->connect_rate_period);
		digest = DIGEST_VALUE(digest, tenant->connect_burst);
		digest = DIGEST_VALUE(digest, tenant->egress_rate);
		digest = DIGEST_VALUE(digest, tenant->quota_loopback);
		digest = DIGEST_VALUE(digest, (enum quota_mode){ tenant_quota_mode(tenant) });
		digest = DIGEST_VALUE(digest, tenant->auto_networks);
		digest = DIGEST_VALUE(digest, (unsigned int){ tenant_max_container_addresses(tenant) });
		digest = DIGEST_VALUE(digest, tenant->cgroup_count);
		for (size_t c = 0; c < tenant->cgroup_count; c++)
			digest = digest_string(digest, tenant->cgroups[c].path);
		digest = DIGEST_VALUE(digest, tenant->network_count);
		for (size_t n = 0; n < tenant->network_count; n++) {
			digest = DIGEST_VALUE(digest, tenant->networks[n].network.addr);
			digest = DIGEST_VALUE(digest, tenant->networks[n].network.prefixlen);
		}
		digest = DIGEST_VALUE(digest, tenant->bind_port_count);
		for (size_t b = 0; b < tenant->bind_port_count; b++) {
			digest = DIGEST_VALUE(digest, tenant->bind_ports[b].port.port);
			digest = DIGEST_VALUE(digest, tenant->bind_ports[b].port.protocol);
		}
		digest = DIGEST_VALUE(digest, tenant->exception_count);
		for (size_t e = 0; e < tenant->exception_count; e++) {
			digest = digest_string(digest, tenant->exceptions[e].peer);
			digest = DIGEST_VALUE(digest, tenant->exceptions[e].target.port);
			digest = DIGEST_VALUE(digest, tenant->exceptions[e].target.protocol);
		}
	}
	return digest ? digest : 1;
}
