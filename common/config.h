/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The operator's configuration: tenantd.conf's [Agent] section and one
 * [Tenant] drop-in per tenant under tenants.d/. Loading validates all of it
 * before anything is applied, and an error names file, line and key. */
#ifndef TENANTD_CONFIG_H
#define TENANTD_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "tenantd_abi.h"
#include "validate.h"

#define CONFIG_ERROR_MAX 1024
#define GROUP_NAME_MAX 64
#define LISTEN_ADDRESS_MAX 64

/* FILE points into the config's own strings: one copy per file, not per
 * value, so 10,000 tenants cost kilobytes, not a path buffer each. */
struct source_line {
	const char *file;
	int line;
};

struct tenant_cgroup {
	const char *path; /* normalized, relative to the cgroup2 mount */
	struct source_line where;
};

/* A million of these fit a fleet node's policy: the file is the tenant's
 * (tenant_config.where.file), so only the line is kept. */
struct tenant_network {
	struct network network;
	int line;
};

struct tenant_exception {
	char peer[TENANT_NAME_MAX + 1];
	struct port_protocol target;
	struct source_line where;
};

/* MaxContainerAddresses= when not set. */
#define DEFAULT_MAX_CONTAINER_ADDRESSES 256

/* BindPorts=: a port only this tenant may bind. */
struct tenant_bind_port {
	struct port_protocol port;
	struct source_line where;
};

/* A drop-in as it was read: a reload copies the tenant of a file whose
 * identity has not changed instead of parsing it again. */
struct file_identity {
	uint64_t device, inode, size;
	int64_t modified_seconds, modified_nanoseconds;
	int64_t read_seconds; /* when it was read (CLOCK_REALTIME) */
};

struct tenant_config {
	char name[TENANT_NAME_MAX + 1];
	struct file_identity file;
	enum tenant_kind kind;
	enum tenant_mode mode;
	struct source_line where; /* the drop-in, at its Name= line (or 1) */
	struct tenant_cgroup *cgroups;
	size_t cgroup_count;
	struct tenant_network *networks;
	size_t network_count;
	bool auto_networks; /* Network=auto: its containers' addresses too */
	/* MaxContainerAddresses=: how many Network=auto may hold at once. */
	unsigned int max_container_addresses;
	bool max_container_addresses_set;
	struct tenant_exception *exceptions;
	size_t exception_count;
	struct tenant_bind_port *bind_ports;
	size_t bind_port_count;
	/* ConnectRate=COUNT[/s|/min|/h]: COUNT new TCP connections in PERIOD
	 * seconds, COUNT 0 when not set; ConnectBurst=, 0 for COUNT. */
	unsigned int connect_rate;
	unsigned int connect_rate_period;
	unsigned int connect_burst;
	/* EgressRate=: bits a second the tenant's sockets may send, 0 when not
	 * set; QuotaLoopback=: whether loopback traffic counts. */
	uint64_t egress_rate;
	bool quota_loopback;
	/* QuotaMode=, when set; else the quotas follow Mode=. */
	bool quota_mode_set;
	enum quota_mode quota_mode;
	/* 1 + its index in the configuration a reload copied it from
	 * (config_load_since()); 0 when read from its file. */
	uint32_t copied_from;
};

/* MaxContainerAddresses=, or its default. */
static inline unsigned int tenant_max_container_addresses(const struct tenant_config *tenant)
{
	return tenant->max_container_addresses_set ? tenant->max_container_addresses :
						     DEFAULT_MAX_CONTAINER_ADDRESSES;
}

/* A network of the configuration: config->tenants[tenant].networks[index]. */
struct network_reference {
	uint32_t tenant;
	uint32_t index;
};

struct agent_config {
	char cgroup_root[PATH_MAX]; /* normalized relative path; "/" is the mount */
	char metrics_listen[LISTEN_ADDRESS_MAX]; /* empty: no TCP listener */
	enum host_policy host_policy;
	struct port_protocol *host_ports;
	size_t host_port_count;
	unsigned int event_rate;
	uint32_t tenant_mark_mask; /* TenantMarkMask= */
	char admin_group[GROUP_NAME_MAX];
	bool kill_preexisting;
	bool kill_packet_sockets; /* PacketSockets=kill */
	bool kill_netlink_sockets; /* NetlinkSockets=kill */
	unsigned int posture_scan_seconds; /* PostureScanInterval= */
	unsigned int max_cgroups; /* MaxCgroups=: the cgroup map's size */
	unsigned int max_networks; /* MaxNetworks=: the network map's size */
	/* ContainerNetworks=: where Network=auto may claim container addresses */
	struct network *container_ranges;
	size_t container_range_count;
	bool container_ranges_set; /* else the private ranges */
};

struct config {
	struct agent_config agent;
	struct tenant_config *tenants;
	size_t tenant_count;
	const struct tenant_config **by_name; /* sorted, for config_find_tenant */
	char **strings; /* owned by the config: file names, cgroup paths */
	size_t string_count;
	/* Every network, in address order (a network right before those it
	 * contains): the ownership check's sort, kept so that a reload sorts
	 * only the networks of the drop-ins it read. */
	struct network_reference *network_order;
	size_t network_order_count;
};

/* The keys [Tenant] (TENANT) or [Agent] takes, in the parser's table:
 * INDEX from 0 until NULL. */
const char *config_key_name(bool tenant, size_t index);

/* Reads DIR/tenantd.conf (optional) and every DIR/tenants.d/NAME.conf, sorted.
 * `cgroup_root_override`, when not NULL, replaces CgroupRoot=. On error
 * returns a negative errno with `error` set to "file:line: key: reason":
 * -EEXIST when the files are each valid but claim the same thing (a name
 * defined twice, a cgroup or network two tenants claim), -ENOENT when an
 * AllowTo names a tenant no file defines, -E2BIG for a policy larger than
 * the kernel's maps, -EINVAL for a value wrong in itself, or the errno of a
 * file that cannot be read. */
int config_load(const char *directory, const char *cgroup_root_override,
		struct config *out, char error[CONFIG_ERROR_MAX]);
/* config_load(), taking from PREVIOUS (a configuration loaded from the same
 * directory) each tenant whose drop-in is unchanged, by device, inode,
 * size and modification time: a reload reads only what an operator wrote.
 * Every check across files runs on the whole result. */
int config_load_since(const char *directory, const char *cgroup_root_override,
		      const struct config *previous, struct config *out,
		      char error[CONFIG_ERROR_MAX]);
/* Reads DIR/tenantd.conf alone for MaxCgroups= and MaxNetworks=, which
 * the maps need when they are made: the agent loads its programs while it
 * reads the drop-ins. config_load() gives the same values, or an error. */
int config_load_map_sizes(const char *directory, unsigned int *max_cgroups,
			  unsigned int *max_networks, char error[CONFIG_ERROR_MAX]);
/* Parses one tenant drop-in on its own (tenantctl apply): checks every
 * value, not what needs the other files (overlaps, AllowTo targets). */
int config_load_tenant_file(const char *path, struct config *out,
			    char error[CONFIG_ERROR_MAX]);
void config_free(struct config *config);
const struct tenant_config *config_find_tenant(const struct config *config, const char *name);
/* A 64-bit digest (FNV-1a) of what the configuration writes into the
 * kernel's maps: tenants, their kinds, modes, cgroups, networks and
 * exceptions, and the host's ports and policy. Never 0. */
uint64_t config_digest(const struct config *config);

/* What the quotas do when exceeded: QuotaMode=, or warn for a tenant in
 * audit mode and enforce for one in enforce mode. */
enum quota_mode tenant_quota_mode(const struct tenant_config *tenant);
/* ConnectBurst=, or the count of ConnectRate= when not set. */
unsigned int tenant_connect_burst(const struct tenant_config *tenant);
/* ConnectRate= as written back: "100/s", "10/min". */
void connect_rate_format(const struct tenant_config *tenant, char *out, size_t size);
/* EgressRate= as written back: "100M", "2500K", "1G". */
void egress_rate_format(uint64_t bits_per_second, char *out, size_t size);
/* Parses an EgressRate= value, bits a second with an optional K, M or G
 * (powers of 1000), 1K..400G; -EINVAL with REASON set when it is not one. */
int egress_rate_parse(const char *text, uint64_t *bits_per_second, const char **reason);
/* Parses a ConnectRate= value into COUNT and PERIOD (seconds); -EINVAL
 * with REASON set when it is not one. */
int connect_rate_parse(const char *text, unsigned int *count, unsigned int *period,
		       const char **reason);

const char *tenant_kind_name(enum tenant_kind kind);
const char *quota_mode_name(enum quota_mode mode);
int quota_mode_from_name(const char *name);
const char *tenant_mode_name(enum tenant_mode mode);
/* The enum value NAME names, or -EINVAL. */
int tenant_kind_from_name(const char *name);
int tenant_mode_from_name(const char *name);

#endif /* TENANTD_CONFIG_H */
