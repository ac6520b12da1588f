/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Network=auto: the addresses of the network namespaces a tenant's
 * processes live in (its containers, whatever runs them) become the
 * tenant's networks while they exist. Scanned in the kernel on cgroup
 * changes and on a schedule; an address two tenants claim stays with the
 * first. */
#ifndef TENANTD_CONTAINER_NETWORKS_H
#define TENANTD_CONTAINER_NETWORKS_H

#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"

struct tenantd_bpf;
struct config;
struct tenant_ids;
struct container_networks;

/* *OUT stays NULL, and 0 is returned, when the program was left out. */
int container_networks_open(struct tenantd_bpf *skeleton, struct container_networks **out);
void container_networks_close(struct container_networks *networks);
DEFINE_POINTER_CLEANUP(struct container_networks *, container_networks_close);
/* Scans now, against the configuration held: only tenants with
 * Network=auto get their containers' addresses. */
int container_networks_scan(struct container_networks *networks, const struct config *config,
			    const struct tenant_ids *ids);
/* Tenant cgroups changed, or the configuration did: scan soon. */
void container_networks_request(struct container_networks *networks);
/* Milliseconds until a scan is due, or -1. */
int container_networks_timeout(const struct container_networks *networks);
void container_networks_tick(struct container_networks *networks, const struct config *config,
			     const struct tenant_ids *ids);

/* How many addresses TENANT_ID's containers hold through Network=auto, and
 * how many of its claims were refused, at the last scan. */
void container_networks_claims(const struct container_networks *networks, uint32_t tenant_id,
			       uint64_t *held, uint64_t *refused);
/* The addresses a tenant holds through Network=auto, "10.0.0.2/32" style,
 * for its record; *COUNT of them, malloc'ed. */
char **container_networks_of(const struct container_networks *networks, uint32_t tenant_id,
			     size_t *count);

#endif /* TENANTD_CONTAINER_NETWORKS_H */
