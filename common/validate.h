/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing and validation of the small values operators write: tenant names,
 * networks in CIDR form, PORT/PROTO pairs and cgroup paths. Each returns 0
 * or -EINVAL and, on error, a short reason for the operator. */
#ifndef TENANTD_VALIDATE_H
#define TENANTD_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define TENANT_NAME_MAX 39

/* A network in the 128-bit space the kernel's trie uses: IPv4 networks are
 * IPv4-mapped, so 10.0.0.0/8 is ::ffff:10.0.0.0/104. */
struct network {
	uint8_t addr[16];
	uint8_t prefixlen; /* 0..128, in the 128-bit space */
	uint8_t family; /* AF_INET or AF_INET6, as written */
};

struct port_protocol {
	uint16_t port;
	uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
};

bool tenant_name_valid(const char *name);
int network_parse(const char *text, struct network *out, const char **reason);
bool networks_overlap(const struct network *a, const struct network *b);
int network_format(const struct network *network, char *buffer, size_t size);
int port_protocol_parse(const char *text, struct port_protocol *out, const char **reason);
const char *protocol_name(uint8_t protocol);
int cgroup_path_normalize(const char *text, char *out, size_t size, const char **reason);
bool cgroup_path_below(const char *path, const char *ancestor);
/* ADDRESS:PORT with an IPv4 address or a bracketed IPv6 one, e.g.
 * 127.0.0.1:9810 or [::1]:9810. */
int listen_address_parse(const char *text, struct sockaddr_storage *out, socklen_t *length,
			 const char **reason);

#endif /* TENANTD_VALIDATE_H */
