/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel's policy decision asked from userspace: the same code
 * (include/tenantd_verdict.h) reading the same maps, so the agent and the
 * programs cannot disagree about a connection. */
#ifndef TENANTD_AGENT_VERDICT_H
#define TENANTD_AGENT_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

struct tenantd_bpf;

/* The file descriptors of the maps the decision reads. */
struct verdict_maps {
	int tenants;
	int settings;
	int host_ports;
	int exceptions;
	int network_owner_ipv4;
	int network_owner_ipv6;
};

void verdict_maps_of(struct tenantd_bpf *skeleton, struct verdict_maps *maps);
/* Does an established PROTOCOL connection between tenant ME at MY_PORT and
 * PEER at PEER_PORT stand, whichever end opened it? (either_may_initiate) */
bool verdict_connection_stands(const struct verdict_maps *maps, uint32_t me, uint32_t peer,
			       uint16_t my_port, uint16_t peer_port, uint8_t protocol);
/* The tenant owning the network ADDRESS (IPv4 mapped) lies in, by the
 * kernel's own longest-prefix match; -ENOENT when no tenant owns it. */
int64_t verdict_network_owner(const struct verdict_maps *maps, const uint8_t address[16]);

#endif /* TENANTD_AGENT_VERDICT_H */
