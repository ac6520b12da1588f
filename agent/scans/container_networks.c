// SPDX-License-Identifier: LGPL-2.1-or-later
/* Network=auto. An iterator in the kernel lists the addresses of every
 * network namespace, other than the host's, that a tenant process lives
 * in; this file turns them into /32 and /128 networks of the tenants that
 * asked for them, settles addresses two tenants claim, and writes the
 * difference to the network map, new owners before removals. The pinned
 * tenantd_container_addresses map records what it wrote. */
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cleanup.h"
#include "config.h"
#include "kernel/network_tries.h"
#include "kernel/tenant_ids.h"
#include "log.h"
#include "scans/container_networks.h"
#include "scans/scan.h"
#include "tenantd.skel.h"
#include "tenantd_abi.h"
#include "validate.h"

/* Containers that start in a new cgroup are found at once (a cgroup
 * change asks for a scan); an address changed inside a running one is
 * found within this. */
#define SCAN_INTERVAL_MS 1000
#define SCAN_PAUSE_MS 50

struct claim {
	struct network_key key;
	uint32_t tenant_id;
	uint64_t netns_cookie; /* older namespaces have smaller cookies */
	bool unprivileged; /* its namespace made without privilege */
};

/* A tenant's claims at the last scan: the addresses it holds, and those it
 * was refused. */
struct tenant_claims {
	uint32_t tenant_id;
	uint64_t held, refused;
};

struct container_networks {
	struct tenantd_bpf *skeleton;
	struct bpf_link *iterator;
	struct container_scan_state state;
	struct claim *refused; /* of the last scan, to log each refusal once */
	size_t refused_count;
	struct tenant_claims *tenants; /* by tenant id */
	size_t tenant_count;
	struct scan_schedule schedule;
};

static int compare_claims(const void *a, const void *b)
{
	const struct claim *left = a, *right = b;
	int by_key = memcmp(&left->key, &right->key, sizeof(left->key));

	if (by_key)
		return by_key;
	return (left->netns_cookie > right->netns_cookie) - (left->netns_cookie < right->netns_cookie);
}

static int compare_keys(const void *a, const void *b)
{
	const struct claim *left = a, *right = b;

	return memcmp(&left->key, &right->key, sizeof(left->key));
}

static void format_key(const struct network_key *key, char *out, size_t size)
{
	struct network network = { .prefixlen = (uint8_t)key->prefixlen };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	memcpy(network.addr, key->addr, sizeof(network.addr));
	network.family = memcmp(key->addr, mapped, sizeof(mapped)) ? AF_INET6 : AF_INET;
	if (network_format(&network, out, size))
		snprintf(out, size, "?");
}

static const char *name_of(const struct tenant_ids *ids, uint32_t id)
{
	const char *name = tenant_ids_name(ids, id);

	return name ? name : "unknown";
}

/* The records of one scan, as claims of tenants that asked for them. */
static int read_claims(struct container_networks *networks, const struct config *config,
		       const struct tenant_ids *ids, struct claim **out, size_t *count)
{
	_cleanup_free_ struct container_address_record *records = NULL;
	size_t size = 0;
	int r;

	*out = NULL;
	*count = 0;
	r = iterator_run(networks->iterator, (void **)&records, &size);
	if (r)
		return r;
	*out = calloc(size / sizeof(*records) + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < size / sizeof(*records); i++) {
		const struct container_address_record *record = &records[i];
		const char *name = tenant_ids_name(ids, record->tenant_id);
		const struct tenant_config *tenant = name ? config_find_tenant(config, name) : NULL;
		struct claim *claim = &(*out)[*count];

		if (!tenant || !tenant->auto_networks)
			continue;
		*claim = (struct claim){
			.key = { .prefixlen = 128 },
			.tenant_id = record->tenant_id,
			.netns_cookie = record->netns_cookie,
			.unprivileged = record->unprivileged,
		};
		memcpy(claim->key.addr, record->addr, sizeof(record->addr));
		(*count)++;
	}
	return 0;
}

static bool was_refused(const struct container_networks *networks, const struct claim *claim)
{
	for (size_t i = 0; i < networks->refused_count; i++)
		if (networks->refused[i].tenant_id == claim->tenant_id &&
		    !memcmp(&networks->refused[i].key, &claim->key, sizeof(claim->key)))
			return true;
	return false;
}

/* Where a container may have addresses its tenant claims: ContainerNetworks=,
 * or by default the private ranges. A container root chooses its own
 * addresses; without a bound it could claim a public service's address and
 * have every other tenant refused it. */
static bool claimable(const struct config *config, const struct network_key *key)
{
	static const char *const private_ranges[] = {
		"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7",
	};
	static struct network defaults[sizeof(private_ranges) / sizeof(private_ranges[0])];
	static size_t default_count;
	const struct network *ranges = config->agent.container_ranges;
	size_t range_count = config->agent.container_range_count;
	struct network address = { .prefixlen = 128 };
	const char *reason;

	/* Parsed once, the first time they are needed. */
	if (!config->agent.container_ranges_set) {
		for (size_t i = default_count; i < sizeof(defaults) / sizeof(defaults[0]); i++)
			if (network_parse(private_ranges[i], &defaults[default_count], &reason) == 0)
				default_count++;
		ranges = defaults;
		range_count = default_count;
	}
	memcpy(address.addr, key->addr, sizeof(address.addr));
	/* On one link only: no remote host's to squat, and each container's
	 * own (the host's stay the host's, scans/host_addresses.c). */
	if (key->addr[0] == 0xfe && (key->addr[1] & 0xc0) == 0x80)
		return true;
	for (size_t i = 0; i < range_count; i++)
		if (networks_overlap(&ranges[i], &address))
			return true;
	return false;
}

/* Records CLAIM as refused, and logs why (REASON) the first scan it is. */
static void refuse(struct container_networks *networks, const struct tenant_ids *ids,
		   struct claim *refused, size_t *refused_count, const struct claim *claim,
		   const char *reason)
{
	char address[64];

	refused[(*refused_count)++] = *claim;
	if (was_refused(networks, claim))
		return;
	format_key(&claim->key, address, sizeof(address));
	log_warning("tenant %s: container address %s %s; not added", name_of(ids, claim->tenant_id),
		    address, reason);
}

/* The network trie a container address (a /128) is owned in. */
static int owners_fd(const struct container_networks *networks, const struct network_key *key)
{
	return bpf_map__fd(network_trie_map(networks->skeleton,
					    network_trie_of_address(key->addr)));
}

/* Claims from namespaces made without privilege are refused: whoever made
 * one sets any address in it, another tenant's container's or a remote
 * host's, and a claim would take that address from them. A runtime with
 * privilege (Docker, Podman as root, systemd-nspawn) assigns addresses its
 * containers cannot change without a capability the posture reports.
 * Returns how many claims are left, in order. */
static size_t refuse_unprivileged(struct container_networks *networks,
				  const struct tenant_ids *ids, struct claim *claims, size_t count,
				  struct claim *refused, size_t *refused_count)
{
	size_t kept = 0;

	for (size_t i = 0; i < count; i++) {
		if (claims[i].unprivileged)
			refuse(networks, ids, refused, refused_count, &claims[i],
			       "is set in a network namespace made without privilege, where any "
			       "address can be chosen");
		else
			claims[kept++] = claims[i];
	}
	return kept;
}

/* Settles the claims (sorted by address, then oldest namespace first) into
 * the owners to write. An address keeps the owner the last scan gave it
 * while that tenant still claims it; else the oldest namespace's tenant
 * gets it. An address inside another tenant's configured networks is
 * refused, as a container root can choose its addresses. */
static int settle(struct container_networks *networks, const struct config *config,
		  const struct tenant_ids *ids, struct claim *claims, size_t count,
		  struct claim **refused, size_t *refused_count)
{
	int recorded_fd = bpf_map__fd(networks->skeleton->maps.tenantd_container_addresses);
	size_t kept = 0;

	*refused = calloc(count + 1, sizeof(**refused));
	*refused_count = 0;
	if (!*refused)
		return -ENOMEM;
	count = refuse_unprivileged(networks, ids, claims, count, *refused, refused_count);
	for (size_t start = 0, end; start < count; start = end) {
		struct claim winner = claims[start];
		__u32 recorded, owner;
		char reason[128];
		bool has_record;

		for (end = start; end < count && !memcmp(&claims[end].key, &winner.key,
							  sizeof(winner.key));
		     end++)
			;
		has_record = bpf_map_lookup_elem(recorded_fd, &winner.key, &recorded) == 0;
		for (size_t i = start; has_record && i < end; i++)
			if (claims[i].tenant_id == recorded)
				winner = claims[i];
		if (!claimable(config, &winner.key)) {
			for (size_t i = start; i < end; i++)
				refuse(networks, ids, *refused, refused_count, &claims[i],
				       "is outside ContainerNetworks=");
			continue;
		}
		if (bpf_map_lookup_elem(owners_fd(networks, &winner.key), &winner.key, &owner) == 0 &&
		    owner != winner.tenant_id && !has_record) {
			if (owner == TENANT_ID_HOST)
				snprintf(reason, sizeof(reason), "is one of the host's addresses");
			else
				snprintf(reason, sizeof(reason), "lies in tenant %s's networks",
					 name_of(ids, owner));
			refuse(networks, ids, *refused, refused_count, &winner, reason);
			continue;
		}
		snprintf(reason, sizeof(reason), "is tenant %s's already",
			 name_of(ids, winner.tenant_id));
		for (size_t i = start; i < end; i++)
			if (claims[i].tenant_id != winner.tenant_id)
				refuse(networks, ids, *refused, refused_count, &claims[i], reason);
		claims[kept++] = winner;
	}
	return (int)kept;
}

static unsigned int limit_of(const struct config *config, const struct tenant_ids *ids,
			     uint32_t tenant_id)
{
	const char *name = tenant_ids_name(ids, tenant_id);
	const struct tenant_config *tenant = name ? config_find_tenant(config, name) : NULL;

	return tenant ? tenant_max_container_addresses(tenant) : 0;
}

/* MaxContainerAddresses=: the addresses a tenant holds already stay, then
 * new ones join in address order, while it is under its limit; the rest
 * are refused. Returns how many owners are left, in order. */
static int enforce_limits(struct container_networks *networks, const struct config *config,
			  const struct tenant_ids *ids, struct claim *owners, size_t count,
			  struct claim *refused, size_t *refused_count)
{
	int recorded_fd = bpf_map__fd(networks->skeleton->maps.tenantd_container_addresses);
	_cleanup_free_ uint32_t *held = NULL;
	_cleanup_free_ bool *keep = NULL;
	size_t kept = 0;
	__u32 recorded;

	if (!count)
		return 0;
	held = calloc(TENANT_MAX_ENTRIES, sizeof(*held));
	keep = calloc(count, sizeof(*keep));
	if (!held || !keep)
		return -ENOMEM;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < count; i++) {
			uint32_t tenant = owners[i].tenant_id;
			bool holds = bpf_map_lookup_elem(recorded_fd, &owners[i].key, &recorded) == 0 &&
				     recorded == tenant;

			/* Pass 0: the addresses held; pass 1: the new ones. */
			if (keep[i] || holds != (pass == 0))
				continue;
			if (held[tenant] < limit_of(config, ids, tenant)) {
				keep[i] = true;
				held[tenant]++;
			}
		}
	for (size_t i = 0; i < count; i++) {
		char reason[96];

		if (keep[i]) {
			owners[kept++] = owners[i];
			continue;
		}
		snprintf(reason, sizeof(reason), "would pass its MaxContainerAddresses=%u",
			 limit_of(config, ids, owners[i].tenant_id));
		refuse(networks, ids, refused, refused_count, &owners[i], reason);
	}
	return (int)kept;
}

static int compare_tenant_claims(const void *a, const void *b)
{
	const struct tenant_claims *left = a, *right = b;

	return (left->tenant_id > right->tenant_id) - (left->tenant_id < right->tenant_id);
}

/* Adds one to the count of TENANT in CLAIMS (COUNT of them, unsorted). */
static void count_claim(struct tenant_claims *claims, size_t *count, uint32_t tenant, bool held)
{
	size_t i;

	for (i = 0; i < *count && claims[i].tenant_id != tenant; i++)
		;
	if (i == *count)
		claims[(*count)++] = (struct tenant_claims){ .tenant_id = tenant };
	if (held)
		claims[i].held++;
	else
		claims[i].refused++;
}

/* Each tenant's claims at this scan, for its record and the metrics. */
static int tally(struct container_networks *networks, const struct claim *owners,
		 size_t owner_count)
{
	struct tenant_claims *tenants = calloc(owner_count + networks->refused_count + 1,
					       sizeof(*tenants));
	size_t count = 0;

	if (!tenants)
		return -ENOMEM;
	for (size_t i = 0; i < owner_count; i++)
		count_claim(tenants, &count, owners[i].tenant_id, true);
	for (size_t i = 0; i < networks->refused_count; i++)
		count_claim(tenants, &count, networks->refused[i].tenant_id, false);
	qsort(tenants, count, sizeof(*tenants), compare_tenant_claims);
	free(networks->tenants);
	networks->tenants = tenants;
	networks->tenant_count = count;
	return 0;
}

void container_networks_claims(const struct container_networks *networks, uint32_t tenant_id,
			       uint64_t *held, uint64_t *refused)
{
	struct tenant_claims key = { .tenant_id = tenant_id }, *found = NULL;

	if (networks && networks->tenant_count)
		found = bsearch(&key, networks->tenants, networks->tenant_count,
				sizeof(*networks->tenants), compare_tenant_claims);
	*held = found ? found->held : 0;
	*refused = found ? found->refused : 0;
}

/* New owners first, then the addresses no container holds any more. */
static int write_owners(struct container_networks *networks, const struct config *config,
			const struct tenant_ids *ids, const struct claim *owners, size_t count)
{
	int recorded_fd = bpf_map__fd(networks->skeleton->maps.tenantd_container_addresses);
	struct network_key key, *previous = NULL;
	_cleanup_free_ struct network_key *gone = NULL;
	size_t gone_count = 0, gone_capacity = 0;
	char address[64];
	__u32 recorded;

	for (size_t i = 0; i < count; i++) {
		__u32 tenant = owners[i].tenant_id;

		if (bpf_map_lookup_elem(recorded_fd, &owners[i].key, &recorded) == 0 &&
		    recorded == tenant)
			continue;
		if (bpf_map_update_elem(recorded_fd, &owners[i].key, &tenant, BPF_ANY) ||
		    bpf_map_update_elem(owners_fd(networks, &owners[i].key), &owners[i].key, &tenant,
					BPF_ANY))
			return log_error_errno(errno, "tenant %s: cannot add a container address: %m",
					       name_of(ids, tenant));
		format_key(&owners[i].key, address, sizeof(address));
		log_info("tenant %s: container address %s joins its networks", name_of(ids, tenant),
			 address);
	}
	while (bpf_map_get_next_key(recorded_fd, previous, &key) == 0) {
		struct claim probe = { .key = key };

		previous = &key;
		/* OWNERS hold one claim per address, in address order. */
		if (count && bsearch(&probe, owners, count, sizeof(*owners), compare_keys))
			continue;
		if (gone_count == gone_capacity) {
			size_t grown_capacity = gone_capacity ? gone_capacity * 2 : 16;
			struct network_key *grown = realloc(gone, grown_capacity * sizeof(*gone));

			if (!grown)
				return -ENOMEM;
			gone = grown;
			gone_capacity = grown_capacity;
		}
		gone[gone_count++] = key;
	}
	for (size_t i = 0; i < gone_count; i++) {
		if (bpf_map_lookup_elem(recorded_fd, &gone[i], &recorded))
			continue;
		if (!network_configured_exactly(config, &gone[i]))
			(void)bpf_map_delete_elem(owners_fd(networks, &gone[i]), &gone[i]);
		(void)bpf_map_delete_elem(recorded_fd, &gone[i]);
		format_key(&gone[i], address, sizeof(address));
		log_info("tenant %s: container address %s leaves its networks",
			 name_of(ids, recorded), address);
	}
	return 0;
}

int container_networks_scan(struct container_networks *networks, const struct config *config,
			    const struct tenant_ids *ids)
{
	_cleanup_free_ struct claim *claims = NULL;
	struct claim *refused = NULL;
	size_t count = 0, refused_count = 0;
	__u32 zero = 0;
	int r;

	scan_started(&networks->schedule);
	networks->state.scan++;
	if (bpf_map_update_elem(bpf_map__fd(networks->skeleton->maps.tenantd_container_scan), &zero,
				&networks->state, BPF_ANY))
		return log_error_errno(errno, "cannot start a scan of container addresses: %m");
	r = read_claims(networks, config, ids, &claims, &count);
	if (r)
		return log_error_errno(r, "cannot scan the tenants' container addresses: %m");
	if (count)
		qsort(claims, count, sizeof(*claims), compare_claims);
	r = settle(networks, config, ids, claims, count, &refused, &refused_count);
	if (r >= 0)
		r = enforce_limits(networks, config, ids, claims, (size_t)r, refused, &refused_count);
	if (r < 0) {
		free(refused);
		return log_error_errno(r, "cannot settle the container addresses: %m");
	}
	count = (size_t)r;
	free(networks->refused);
	networks->refused = refused;
	networks->refused_count = refused_count;
	r = tally(networks, claims, count);
	if (r)
		return log_error_errno(r, "cannot count the container addresses: %m");
	return write_owners(networks, config, ids, claims, count);
}

int container_networks_open(struct tenantd_bpf *skeleton, struct container_networks **out)
{
	/* Carried on, so the namespaces the last agent walked are walked again. */
	const struct scan_start start = {
		.program = skeleton->progs.tenantd_scan_container_addresses,
		.what = "the container address iterator",
		.state = skeleton->maps.tenantd_container_scan,
		.scan_offset = offsetof(struct container_scan_state, scan),
	};
	_cleanup_(container_networks_closep) struct container_networks *networks = NULL;
	int r;

	*out = NULL;
	if (bpf_program__fd(start.program) < 0)
		return 0;
	networks = calloc(1, sizeof(*networks));
	if (!networks)
		return -ENOMEM;
	networks->skeleton = skeleton;
	r = scan_iterator_open(&start, &networks->iterator, &networks->state.host_netns_cookie,
			       &networks->state.scan);
	if (r)
		return r;
	*out = TAKE_PTR(networks);
	return 0;
}

void container_networks_close(struct container_networks *networks)
{
	if (!networks)
		return;
	bpf_link__destroy(networks->iterator);
	free(networks->refused);
	free(networks->tenants);
	free(networks);
}

void container_networks_request(struct container_networks *networks)
{
	if (networks)
		scan_requested(&networks->schedule);
}

int container_networks_timeout(const struct container_networks *networks)
{
	if (!networks)
		return -1;
	return scan_timeout(&networks->schedule, SCAN_PAUSE_MS * 1000ULL,
			    SCAN_INTERVAL_MS * 1000ULL);
}

void container_networks_tick(struct container_networks *networks, const struct config *config,
			     const struct tenant_ids *ids)
{
	if (container_networks_timeout(networks) == 0)
		(void)container_networks_scan(networks, config, ids);
}

char **container_networks_of(const struct container_networks *networks, uint32_t tenant_id,
			     size_t *count)
{
	int recorded_fd;
	struct network_key key, *previous = NULL;
	char **list = NULL, address[64];
	size_t capacity = 0;
	__u32 owner;

	*count = 0;
	if (!networks)
		return NULL;
	recorded_fd = bpf_map__fd(networks->skeleton->maps.tenantd_container_addresses);
	while (bpf_map_get_next_key(recorded_fd, previous, &key) == 0) {
		previous = &key;
		if (bpf_map_lookup_elem(recorded_fd, &key, &owner) || owner != tenant_id)
			continue;
		if (*count == capacity) {
			size_t grown_capacity = capacity ? capacity * 2 : 8;
			char **grown = realloc(list, grown_capacity * sizeof(*list));

			if (!grown)
				break;
			list = grown;
			capacity = grown_capacity;
		}
		format_key(&key, address, sizeof(address));
		list[*count] = strdup(address);
		if (list[*count])
			(*count)++;
	}
	return list;
}
