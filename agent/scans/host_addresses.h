/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's own addresses, learned from rtnetlink and followed as they
 * change: each is the host's in the network tries, so that HostPolicy=deny
 * covers the host wherever a tenant reaches it from, a container at its
 * bridge's address included. */
#ifndef TENANTD_HOST_ADDRESSES_H
#define TENANTD_HOST_ADDRESSES_H

#include "cleanup.h"

struct config;
struct host_addresses;
struct tenantd_bpf;

/* Subscribes to the address changes of the agent's network namespace and
 * writes the addresses it has now; before the system call filter, which
 * allows no netlink socket to be opened. */
int host_addresses_open(struct tenantd_bpf *skeleton, const struct config *config,
			struct host_addresses **out);
void host_addresses_close(struct host_addresses *addresses);
DEFINE_POINTER_CLEANUP(struct host_addresses *, host_addresses_close);
/* The socket the loop waits on, and what it does when it is readable. */
int host_addresses_fd(const struct host_addresses *addresses);
void host_addresses_consume(struct host_addresses *addresses, const struct config *config);

#endif /* TENANTD_HOST_ADDRESSES_H */
