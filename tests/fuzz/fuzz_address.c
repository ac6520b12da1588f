// SPDX-License-Identifier: LGPL-2.1-or-later
/* libFuzzer target for the value parsers: tenant names, networks, PORT/PROTO,
 * listen addresses and cgroup paths. Beyond not crashing, each accepted
 * value must survive its round trip: a network formats and parses back to
 * itself, and a normalized cgroup path normalizes to itself and never holds
 * a "." or ".." component. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_network(const char *text)
{
	struct network network, again;
	const char *reason = NULL;
	char formatted[128];

	if (network_parse(text, &network, &reason)) {
		if (!reason)
			abort();
		return;
	}
	if (network_format(&network, formatted, sizeof(formatted)) ||
	    network_parse(formatted, &again, &reason) || memcmp(&network, &again, sizeof(again)) ||
	    !networks_overlap(&network, &again))
		abort();
}

static void check_cgroup_path(const char *text)
{
	char normalized[4096], again[4096];
	const char *reason = NULL;

	if (cgroup_path_normalize(text, normalized, sizeof(normalized), &reason))
		return;
	if (cgroup_path_normalize(normalized, again, sizeof(again), &reason) ||
	    strcmp(normalized, again) || strstr(normalized, "/../") ||
	    strstr(normalized, "/./") || normalized[0] != '/' ||
	    !cgroup_path_below(normalized, "/"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage address;
	struct port_protocol target;
	const char *reason = NULL;
	socklen_t length;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	tenant_name_valid(text);
	check_network(text);
	if (port_protocol_parse(text, &target, &reason) == 0 && target.port == 0)
		abort();
	listen_address_parse(text, &address, &length, &reason);
	check_cgroup_path(text);
	free(text);
	return 0;
}
