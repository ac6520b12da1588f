// SPDX-License-Identifier: LGPL-2.1-or-later
/* Validation of operator-written values, kept free of I/O so that unit
 * tests and fuzz targets can drive it directly. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tenantd_abi.h"
#include "validate.h"

bool tenant_name_valid(const char *name)
{
	size_t length = strlen(name);

	if (length == 0 || length > TENANT_NAME_MAX)
		return false;
	for (size_t i = 0; i < length; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || c != '-'))
			return false;
	}
	return true;
}

static int parse_prefix_length(const char *text, int max, int *out)
{
	char *end;
	long value;

	/* Digits only: strtol alone would also take blanks and a sign. */
	if (*text < '0' || *text > '9' || (text[0] == '0' && text[1]))
		return -EINVAL;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno || *end || value < 0 || value > max)
		return -EINVAL;
	*out = (int)value;
	return 0;
}

int network_parse(const char *text, struct network *out, const char **reason)
{
	char address[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	struct in6_addr v6;
	struct in_addr v4;
	int length, host_bits;
	size_t address_length;

	memset(out, 0, sizeof(*out));
	if (!slash) {
		*reason = "expected ADDRESS/PREFIX, e.g. 10.10.0.0/16";
		return -EINVAL;
	}
	address_length = (size_t)(slash - text);
	if (address_length == 0 || address_length >= sizeof(address)) {
		*reason = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	memcpy(address, text, address_length);
	address[address_length] = '\0';

	if (inet_pton(AF_INET, address, &v4) == 1) {
		if (parse_prefix_length(slash + 1, 32, &length)) {
			*reason = "prefix length must be 0..32 for IPv4";
			return -EINVAL;
		}
		out->family = AF_INET;
		out->addr[10] = 0xff;
		out->addr[11] = 0xff;
		memcpy(&out->addr[12], &v4, 4);
		out->prefixlen = (uint8_t)(96 + length);
	} else if (inet_pton(AF_INET6, address, &v6) == 1) {
		if (parse_prefix_length(slash + 1, 128, &length)) {
			*reason = "prefix length must be 0..128 for IPv6";
			return -EINVAL;
		}
		out->family = AF_INET6;
		memcpy(out->addr, &v6, 16);
		out->prefixlen = (uint8_t)length;
		if (IN6_IS_ADDR_V4MAPPED(&v6) && length < 96) {
			*reason = "an IPv4-mapped network needs a prefix of at least 96";
			return -EINVAL;
		}
	} else {
		*reason = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}

	host_bits = 128 - out->prefixlen;
	for (int bit = 0; bit < host_bits; bit++) {
		int index = 127 - bit;

		if (out->addr[index / 8] & (0x80 >> (index % 8))) {
			*reason = "host bits are set after the prefix";
			return -EINVAL;
		}
	}
	return 0;
}

bool networks_overlap(const struct network *a, const struct network *b)
{
	int common = a->prefixlen < b->prefixlen ? a->prefixlen : b->prefixlen;
	int bytes = common / 8, bits = common % 8;

	if (memcmp(a->addr, b->addr, (size_t)bytes))
		return false;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));

		return (a->addr[bytes] & mask) == (b->addr[bytes] & mask);
	}
	return true;
}

int network_format(const struct network *network, char *buffer, size_t size)
{
	char address[INET6_ADDRSTRLEN];
	int length;

	if (network->family == AF_INET) {
		inet_ntop(AF_INET, &network->addr[12], address, sizeof(address));
		length = snprintf(buffer, size, "%s/%d", address, network->prefixlen - 96);
	} else {
		inet_ntop(AF_INET6, network->addr, address, sizeof(address));
		length = snprintf(buffer, size, "%s/%d", address, network->prefixlen);
	}
	return length < 0 || (size_t)length >= size ? -ENOSPC : 0;
}

int port_protocol_parse(const char *text, struct port_protocol *out, const char **reason)
{
	const char *slash = strchr(text, '/');
	char *end;
	long port;

	if (!slash || slash == text) {
		*reason = "expected PORT/PROTO, e.g. 53/udp";
		return -EINVAL;
	}
	if (text[0] < '1' || text[0] > '9') {
		*reason = "port must be 1..65535";
		return -EINVAL;
	}
	errno = 0;
	port = strtol(text, &end, 10);
	if (errno || end != slash || port < 1 || port > 65535) {
		*reason = "port must be 1..65535";
		return -EINVAL;
	}
	if (!strcmp(slash + 1, "tcp")) {
		out->protocol = IPPROTO_TCP;
	} else if (!strcmp(slash + 1, "udp")) {
		out->protocol = IPPROTO_UDP;
	} else {
		*reason = "protocol must be tcp or udp";
		return -EINVAL;
	}
	out->port = (uint16_t)port;
	return 0;
}

const char *protocol_name(uint8_t protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		return "other";
	}
}

/* Cgroup paths are absolute within the cgroup2 mount. Normalizing collapses
 * repeated and trailing slashes; "." and ".." are refused rather than
 * resolved, so no path can escape the mount. */
int cgroup_path_normalize(const char *text, char *out, size_t size, const char **reason)
{
	size_t used = 0, levels = 0;
	const char *p = text;

	if (text[0] != '/') {
		*reason = "must be an absolute path below the cgroup2 mount, e.g. /tenant-acme.slice";
		return -EINVAL;
	}
	while (*p) {
		const char *start, *end;
		size_t length;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		start = p;
		end = strchrnul(start, '/');
		length = (size_t)(end - start);
		if ((length == 1 && start[0] == '.') ||
		    (length == 2 && start[0] == '.' && start[1] == '.')) {
			*reason = "escapes the cgroup2 mount ('.' and '..' are not allowed)";
			return -EINVAL;
		}
		for (const char *c = start; c < end; c++) {
			if ((unsigned char)*c < 0x20 || *c == 0x7f) {
				*reason = "contains a control character";
				return -EINVAL;
			}
		}
		if (used + 1 + length + 1 > size) {
			*reason = "path too long";
			return -EINVAL;
		}
		/* The programs find a socket's tenant by walking its cgroup's
		 * ancestors root-down, that many levels and no more. */
		if (++levels > CGROUP_MAX_DEPTH - 1) {
			*reason = "is deeper than 31 levels, which is as deep as tenantd looks "
				  "for a tenant cgroup";
			return -EINVAL;
		}
		out[used++] = '/';
		memcpy(out + used, start, length);
		used += length;
		p = end;
	}
	if (used == 0) {
		*reason = "is the cgroup2 root itself, which holds the host";
		return -EINVAL;
	}
	out[used] = '\0';
	return 0;
}

/* True when `path` is `ancestor` or below it; both normalized, "/" is the
 * mount itself. */
bool cgroup_path_below(const char *path, const char *ancestor)
{
	size_t length = strlen(ancestor);

	if (!strcmp(ancestor, "/"))
		return true;
	return !strncmp(path, ancestor, length) && (path[length] == '\0' || path[length] == '/');
}

int listen_address_parse(const char *text, struct sockaddr_storage *out, socklen_t *length,
			 const char **reason)
{
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
	struct sockaddr_in *v4 = (struct sockaddr_in *)out;
	const char *colon = strrchr(text, ':');
	char address[INET6_ADDRSTRLEN + 2];
	size_t address_length;
	char *end;
	long port;

	memset(out, 0, sizeof(*out));
	if (!colon || colon == text) {
		*reason = "is not ADDRESS:PORT, e.g. 127.0.0.1:9810 or [::1]:9810";
		return -EINVAL;
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || colon[1] < '1' || colon[1] > '9' || port > 65535) {
		*reason = "has no port 1..65535 after its last colon";
		return -EINVAL;
	}
	address_length = (size_t)(colon - text);
	if (address_length >= sizeof(address)) {
		*reason = "is not an IPv4 address or a bracketed IPv6 address";
		return -EINVAL;
	}
	memcpy(address, text, address_length);
	address[address_length] = '\0';
	if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*length = sizeof(*v4);
		return 0;
	}
	if (address_length > 2 && address[0] == '[' && address[address_length - 1] == ']') {
		address[address_length - 1] = '\0';
		if (inet_pton(AF_INET6, address + 1, &v6->sin6_addr) == 1) {
			v6->sin6_family = AF_INET6;
			v6->sin6_port = htons((uint16_t)port);
			*length = sizeof(*v6);
			return 0;
		}
	}
	*reason = "is not an IPv4 address or a bracketed IPv6 address";
	return -EINVAL;
}
