// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reads one configuration file with libinih, through the table of keys its
 * section takes and each key's value parser. inih does not tell its
 * handler the line number, so the reader it pulls lines through counts
 * them; every value keeps its line for the errors of later checks. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "cleanup.h"
#include "config.h"
#include "config_internal.h"

#define EVENT_RATE_MAX 1000000
#define POSTURE_SCAN_SECONDS_MAX 3600
/* MaxCgroups= and MaxNetworks=: 16,777,216 preallocated cgroup entries
 * would take about a GiB of kernel memory, past any sensible node. */
#define MAP_SIZE_MAX 16777216
/* TenantMarkMask=: 8 bits carry 254 tenants, the host and "not marked". */
#define TENANT_MARK_BITS_MIN 8

struct parse_state {
	FILE *file;
	const char *path;
	int line;
	bool line_too_long;
	char *error; /* first error only; CONFIG_ERROR_MAX bytes */
	struct config *config;
	struct tenant_config *tenant; /* NULL while parsing tenantd.conf */
	bool name_set;
	struct source_line burst_where; /* ConnectBurst='s line, if any */
};

static const char *const kind_names[] = {
	[TENANT_KIND_TENANT] = "tenant",
	[TENANT_KIND_SHARED] = "shared",
	[TENANT_KIND_PLATFORM] = "platform",
};

static const char *const mode_names[] = {
	[TENANT_MODE_ENFORCE] = "enforce",
	[TENANT_MODE_AUDIT] = "audit",
};

static const char *const quota_mode_names[] = {
	[QUOTA_MODE_ENFORCE] = "enforce",
	[QUOTA_MODE_WARN] = "warn",
};

/* ConnectRate='s periods, by the name written after the slash. */
static const struct {
	const char *name;
	unsigned int seconds;
} rate_periods[] = {
	{ "s", 1 },
	{ "min", 60 },
	{ "h", 3600 },
};

#define CONNECT_RATE_MAX 1000000

static const char *const host_policy_names[] = {
	[HOST_POLICY_ALLOW] = "allow",
	[HOST_POLICY_DENY] = "deny",
};

const char *tenant_kind_name(enum tenant_kind kind)
{
	return (size_t)kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : "unknown";
}

const char *tenant_mode_name(enum tenant_mode mode)
{
	return (size_t)mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : "unknown";
}

const char *quota_mode_name(enum quota_mode mode)
{
	return (size_t)mode < ARRAY_SIZE(quota_mode_names) ? quota_mode_names[mode] : "unknown";
}

enum quota_mode tenant_quota_mode(const struct tenant_config *tenant)
{
	if (tenant->quota_mode_set)
		return tenant->quota_mode;
	return tenant->mode == TENANT_MODE_AUDIT ? QUOTA_MODE_WARN : QUOTA_MODE_ENFORCE;
}

unsigned int tenant_connect_burst(const struct tenant_config *tenant)
{
	return tenant->connect_burst ? tenant->connect_burst : tenant->connect_rate;
}

void connect_rate_format(const struct tenant_config *tenant, char *out, size_t size)
{
	const char *period = "s";

	for (size_t i = 0; i < ARRAY_SIZE(rate_periods); i++)
		if (rate_periods[i].seconds == tenant->connect_rate_period)
			period = rate_periods[i].name;
	snprintf(out, size, "%u/%s", tenant->connect_rate, period);
}

static struct source_line here(const struct parse_state *state)
{
	struct source_line where = { .file = state->path, .line = state->line };

	return where;
}

static void check_section_header(struct parse_state *state, const char *line)
{
	const char *expected = state->tenant ? "Tenant" : "Agent";
	const char *close;
	struct source_line where;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != '[' || !(close = strchr(line, ']')))
		return;
	if ((size_t)(close - line - 1) == strlen(expected) &&
	    !strncmp(line + 1, expected, strlen(expected)))
		return;
	where = here(state);
	set_error(state->error, &where, NULL, "[%.*s]: unknown section; expected [%s]",
		  (int)(close - line - 1), line + 1, expected);
}

static char *read_counted_line(char *buffer, int size, void *stream)
{
	struct parse_state *state = stream;
	char *line = fgets(buffer, size, state->file);
	size_t length;

	if (!line)
		return NULL;
	state->line++;
	length = strlen(line);
	if (length == (size_t)size - 1 && line[length - 1] != '\n' && !feof(state->file))
		state->line_too_long = true;
	check_section_header(state, line);
	return line;
}

/* The design's examples annotate values with trailing "# ..." comments,
 * which inih only strips after ';'. No value contains '#', so cut there. */
static void strip_trailing_comment(char *value)
{
	char *hash = strchr(value, '#');
	size_t length;

	if (hash)
		*hash = '\0';
	length = strlen(value);
	while (length && (value[length - 1] == ' ' || value[length - 1] == '\t'))
		value[--length] = '\0';
}

static int parse_unsigned(const char *text, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long value;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || *end || value > max)
		return -EINVAL;
	*out = value;
	return 0;
}

/* The index of VALUE in NAMES, or -EINVAL: Kind=, Mode= and HostPolicy=
 * are their enum's names in enum order. */
static int enum_from_name(const char *const *names, size_t count, const char *value)
{
	for (size_t i = 0; i < count; i++)
		if (names[i] && !strcmp(value, names[i]))
			return (int)i;
	return -EINVAL;
}

int tenant_kind_from_name(const char *name)
{
	return enum_from_name(kind_names, ARRAY_SIZE(kind_names), name);
}

int tenant_mode_from_name(const char *name)
{
	return enum_from_name(mode_names, ARRAY_SIZE(mode_names), name);
}

int quota_mode_from_name(const char *name)
{
	return enum_from_name(quota_mode_names, ARRAY_SIZE(quota_mode_names), name);
}

static const struct {
	char suffix;
	uint64_t factor;
} rate_units[] = {
	{ 'G', 1000000000 },
	{ 'M', 1000000 },
	{ 'K', 1000 },
};

#define EGRESS_RATE_MIN 1000ULL
#define EGRESS_RATE_MAX 400000000000ULL

void egress_rate_format(uint64_t bits_per_second, char *out, size_t size)
{
	for (size_t i = 0; i < ARRAY_SIZE(rate_units); i++)
		if (bits_per_second % rate_units[i].factor == 0) {
			snprintf(out, size, "%" PRIu64 "%c", bits_per_second / rate_units[i].factor,
				 rate_units[i].suffix);
			return;
		}
	snprintf(out, size, "%" PRIu64, bits_per_second);
}

int egress_rate_parse(const char *text, uint64_t *bits_per_second, const char **reason)
{
	char number[24];
	size_t length = strlen(text);
	uint64_t factor = 1;
	unsigned long value;

	for (size_t i = 0; length && factor == 1 && i < ARRAY_SIZE(rate_units); i++)
		if (text[length - 1] == rate_units[i].suffix) {
			factor = rate_units[i].factor;
			length--;
		}
	*reason = "must be bits a second, 1K..400G, with an optional K, M or G";
	if (!length || length >= sizeof(number))
		return -EINVAL;
	memcpy(number, text, length);
	number[length] = '\0';
	if (parse_unsigned(number, EGRESS_RATE_MAX / factor, &value) ||
	    value * factor < EGRESS_RATE_MIN)
		return -EINVAL;
	*bits_per_second = value * factor;
	return 0;
}

int connect_rate_parse(const char *text, unsigned int *count, unsigned int *period,
		       const char **reason)
{
	char number[16];
	const char *slash = strchr(text, '/');
	size_t length = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long value;

	*period = slash ? 0 : 1;
	for (size_t i = 0; slash && i < ARRAY_SIZE(rate_periods); i++)
		if (!strcmp(slash + 1, rate_periods[i].name))
			*period = rate_periods[i].seconds;
	if (!*period) {
		*reason = "the period after '/' must be s, min or h";
		return -EINVAL;
	}
	*reason = "must be a count of connections, 1..1000000, then /s, /min or /h";
	if (length >= sizeof(number) || !length)
		return -EINVAL;
	memcpy(number, text, length);
	number[length] = '\0';
	if (parse_unsigned(number, CONNECT_RATE_MAX, &value) || value == 0)
		return -EINVAL;
	*count = (unsigned int)value;
	return 0;
}

/* Each key's parser gets the value with any trailing comment cut, and
 * reports an error with set_error at WHERE. */
typedef int (*key_parser)(struct parse_state *state, const char *key, char *value,
			  const struct source_line *where);

struct config_key {
	const char *name;
	key_parser parse;
};

static int parse_cgroup_root(struct parse_state *state, const char *key, char *value,
			     const struct source_line *where)
{
	struct agent_config *agent = &state->config->agent;
	const char *reason = NULL;

	if (!*value || !strcmp(value, "/")) {
		strcpy(agent->cgroup_root, "/");
		return 0;
	}
	if (cgroup_path_normalize(value, agent->cgroup_root, sizeof(agent->cgroup_root), &reason)) {
		set_error(state->error, where, key, "'%s' %s", value, reason);
		return -EINVAL;
	}
	return 0;
}

static int parse_metrics_listen(struct parse_state *state, const char *key, char *value,
				const struct source_line *where)
{
	struct agent_config *agent = &state->config->agent;
	struct sockaddr_storage address;
	const char *reason = NULL;
	socklen_t length;

	if (*value && (strlen(value) >= sizeof(agent->metrics_listen) ||
		       listen_address_parse(value, &address, &length, &reason))) {
		set_error(state->error, where, key, "'%s' %s", value, reason ? reason : "is too long");
		return -EINVAL;
	}
	strcpy(agent->metrics_listen, value);
	return 0;
}

static int parse_host_policy(struct parse_state *state, const char *key, char *value,
			     const struct source_line *where)
{
	int policy = enum_from_name(host_policy_names, ARRAY_SIZE(host_policy_names), value);

	if (policy < 0) {
		set_error(state->error, where, key, "'%s' is not allow or deny", value);
		return -EINVAL;
	}
	state->config->agent.host_policy = (enum host_policy)policy;
	return 0;
}

static int parse_host_allow_ports(struct parse_state *state, const char *key, char *value,
				  const struct source_line *where)
{
	struct agent_config *agent = &state->config->agent;
	const char *reason = NULL;
	char *save = NULL;

	/* An empty assignment resets the list, as in systemd units. */
	if (!*value)
		agent->host_port_count = 0;
	for (char *word = strtok_r(value, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		struct port_protocol *slot;
		struct port_protocol parsed;

		if (agent->host_port_count == HOST_PORT_MAX_ENTRIES) {
			set_error(state->error, where, key, "more than %d ports; tenantd holds at most %d",
				  HOST_PORT_MAX_ENTRIES, HOST_PORT_MAX_ENTRIES);
			return -E2BIG;
		}
		if (port_protocol_parse(word, &parsed, &reason)) {
			set_error(state->error, where, key, "'%s': %s", word, reason);
			return -EINVAL;
		}
		slot = config_append(&agent->host_ports, &agent->host_port_count, sizeof(*slot));
		if (!slot)
			return -ENOMEM;
		*slot = parsed;
	}
	return 0;
}

static int parse_container_networks(struct parse_state *state, const char *key, char *value,
				    const struct source_line *where)
{
	struct agent_config *agent = &state->config->agent;
	const char *reason = NULL;
	char *save = NULL;

	/* An empty assignment resets the list: Network=auto claims nothing. */
	agent->container_ranges_set = true;
	if (!*value)
		agent->container_range_count = 0;
	for (char *word = strtok_r(value, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		struct network *slot;
		struct network parsed;

		if (network_parse(word, &parsed, &reason)) {
			set_error(state->error, where, key, "'%s': %s", word, reason);
			return -EINVAL;
		}
		slot = config_append(&agent->container_ranges, &agent->container_range_count,
				     sizeof(*slot));
		if (!slot)
			return -ENOMEM;
		*slot = parsed;
	}
	return 0;
}

static int parse_event_rate(struct parse_state *state, const char *key, char *value,
			    const struct source_line *where)
{
	unsigned long number;

	if (parse_unsigned(value, EVENT_RATE_MAX, &number)) {
		set_error(state->error, where, key, "'%s' is not a number of events 0..%d", value,
			  EVENT_RATE_MAX);
		return -EINVAL;
	}
	state->config->agent.event_rate = (unsigned int)number;
	return 0;
}

static int parse_posture_scan_interval(struct parse_state *state, const char *key, char *value,
				       const struct source_line *where)
{
	unsigned long seconds;

	if (parse_unsigned(value, POSTURE_SCAN_SECONDS_MAX, &seconds) || seconds == 0) {
		set_error(state->error, where, key, "'%s' is not a number of seconds 1..%d", value,
			  POSTURE_SCAN_SECONDS_MAX);
		return -EINVAL;
	}
	state->config->agent.posture_scan_seconds = (unsigned int)seconds;
	return 0;
}

/* TenantMarkMask=: the bits of a packet's mark that carry its sender's
 * tenant id to delivery. Contiguous, so that an id is a shift away; wide
 * enough for the ids in use is checked where ids are assigned. */
static int parse_tenant_mark_mask(struct parse_state *state, const char *key, char *value,
				  const struct source_line *where)
{
	unsigned long long mask;
	char *end = NULL;

	errno = 0;
	mask = strtoull(value, &end, 16);
	if (errno || end == value || *end || mask == 0 || mask > UINT32_MAX ||
	    strncasecmp(value, "0x", 2)) {
		set_error(state->error, where, key, "'%s' is not a mark mask 0x1..0xffffffff", value);
		return -EINVAL;
	}
	/* Contiguous: the mask plus its lowest bit carries into one bit. */
	if (((mask + (mask & -mask)) & mask) != 0) {
		set_error(state->error, where, key,
			  "'%s' is not one run of bits (such as 0xffff0000)", value);
		return -EINVAL;
	}
	if (__builtin_popcountll(mask) < TENANT_MARK_BITS_MIN) {
		set_error(state->error, where, key, "'%s' has %d bits; tenantd needs at least %d",
			  value, __builtin_popcountll(mask), TENANT_MARK_BITS_MIN);
		return -EINVAL;
	}
	state->config->agent.tenant_mark_mask = (uint32_t)mask;
	return 0;
}

/* MaxCgroups= and MaxNetworks=: map sizes, read when the maps are made. */
static int parse_map_size(const char *key, const char *value, const struct source_line *where,
			  char *error, unsigned int *out)
{
	unsigned long number;

	if (parse_unsigned(value, MAP_SIZE_MAX, &number) || number == 0) {
		set_error(error, where, key, "'%s' is not a number of entries 1..%d", value,
			  MAP_SIZE_MAX);
		return -EINVAL;
	}
	*out = (unsigned int)number;
	return 0;
}

static int parse_max_cgroups(struct parse_state *state, const char *key, char *value,
			     const struct source_line *where)
{
	return parse_map_size(key, value, where, state->error, &state->config->agent.max_cgroups);
}

static int parse_max_networks(struct parse_state *state, const char *key, char *value,
			      const struct source_line *where)
{
	return parse_map_size(key, value, where, state->error, &state->config->agent.max_networks);
}

/* 1 for yes, 0 for no, or -EINVAL: the booleans' spellings. */
static int yes_or_no(const char *value)
{
	static const char *const yes[] = { "yes", "true", "1" }, *const no[] = { "no", "false", "0" };

	if (enum_from_name(yes, ARRAY_SIZE(yes), value) >= 0)
		return 1;
	if (enum_from_name(no, ARRAY_SIZE(no), value) >= 0)
		return 0;
	return -EINVAL;
}

static int parse_kill_preexisting(struct parse_state *state, const char *key, char *value,
				  const struct source_line *where)
{
	int yes = yes_or_no(value);

	if (yes < 0) {
		set_error(state->error, where, key, "'%s' is not yes or no", value);
		return -EINVAL;
	}
	state->config->agent.kill_preexisting = yes;
	return 0;
}

/* report|kill, for PacketSockets= and NetlinkSockets=: *KILL is set. */
static int parse_report_or_kill(struct parse_state *state, const char *key, const char *value,
				const struct source_line *where, bool *kill)
{
	static const char *const actions[] = { "report", "kill" };
	int action = enum_from_name(actions, ARRAY_SIZE(actions), value);

	if (action < 0) {
		set_error(state->error, where, key, "'%s' is not report or kill", value);
		return -EINVAL;
	}
	*kill = action == 1;
	return 0;
}

static int parse_packet_sockets(struct parse_state *state, const char *key, char *value,
				const struct source_line *where)
{
	return parse_report_or_kill(state, key, value, where,
				    &state->config->agent.kill_packet_sockets);
}

static int parse_netlink_sockets(struct parse_state *state, const char *key, char *value,
				 const struct source_line *where)
{
	return parse_report_or_kill(state, key, value, where,
				    &state->config->agent.kill_netlink_sockets);
}

static int parse_admin_group(struct parse_state *state, const char *key, char *value,
			     const struct source_line *where)
{
	struct agent_config *agent = &state->config->agent;

	if (strlen(value) >= sizeof(agent->admin_group)) {
		set_error(state->error, where, key, "group name too long");
		return -EINVAL;
	}
	strcpy(agent->admin_group, value);
	return 0;
}

static int parse_name(struct parse_state *state, const char *key, char *value,
		      const struct source_line *where)
{
	if (!tenant_name_valid(value)) {
		set_error(state->error, where, key,
			  "'%s' is not a tenant name (^[a-z0-9][a-z0-9-]{0,38}$)", value);
		return -EINVAL;
	}
	strcpy(state->tenant->name, value);
	state->tenant->where.line = where->line;
	state->name_set = true;
	return 0;
}

static int parse_kind(struct parse_state *state, const char *key, char *value,
		      const struct source_line *where)
{
	int kind = tenant_kind_from_name(value);

	if (kind < 0) {
		set_error(state->error, where, key, "'%s' is not tenant, shared or platform", value);
		return -EINVAL;
	}
	state->tenant->kind = (enum tenant_kind)kind;
	return 0;
}

static int parse_mode(struct parse_state *state, const char *key, char *value,
		      const struct source_line *where)
{
	int mode = tenant_mode_from_name(value);

	if (mode < 0) {
		set_error(state->error, where, key, "'%s' is not enforce or audit", value);
		return -EINVAL;
	}
	state->tenant->mode = (enum tenant_mode)mode;
	return 0;
}

static int parse_connect_rate(struct parse_state *state, const char *key, char *value,
			      const struct source_line *where)
{
	const char *reason = NULL;

	if (connect_rate_parse(value, &state->tenant->connect_rate,
			       &state->tenant->connect_rate_period, &reason)) {
		set_error(state->error, where, key, "'%s' %s", value, reason);
		return -EINVAL;
	}
	return 0;
}

static int parse_egress_rate(struct parse_state *state, const char *key, char *value,
			     const struct source_line *where)
{
	const char *reason = NULL;

	if (egress_rate_parse(value, &state->tenant->egress_rate, &reason)) {
		set_error(state->error, where, key, "'%s' %s", value, reason);
		return -EINVAL;
	}
	return 0;
}

static int parse_quota_loopback(struct parse_state *state, const char *key, char *value,
				const struct source_line *where)
{
	int yes = yes_or_no(value);

	if (yes < 0) {
		set_error(state->error, where, key, "'%s' is not yes or no", value);
		return -EINVAL;
	}
	state->tenant->quota_loopback = yes;
	return 0;
}

static int parse_connect_burst(struct parse_state *state, const char *key, char *value,
			       const struct source_line *where)
{
	unsigned long burst;

	if (parse_unsigned(value, CONNECT_RATE_MAX, &burst) || burst == 0) {
		set_error(state->error, where, key, "'%s' must be a count of connections, "
			  "1..1000000", value);
		return -EINVAL;
	}
	state->tenant->connect_burst = (unsigned int)burst;
	state->burst_where = *where;
	return 0;
}

static int parse_max_container_addresses(struct parse_state *state, const char *key,
					 char *value, const struct source_line *where)
{
	unsigned long count;

	if (parse_unsigned(value, CONTAINER_ADDRESS_MAX_ENTRIES, &count)) {
		set_error(state->error, where, key, "'%s' is not a number of addresses 0..%d", value,
			  CONTAINER_ADDRESS_MAX_ENTRIES);
		return -EINVAL;
	}
	state->tenant->max_container_addresses = (unsigned int)count;
	state->tenant->max_container_addresses_set = true;
	return 0;
}

static int parse_quota_mode(struct parse_state *state, const char *key, char *value,
			    const struct source_line *where)
{
	int mode = quota_mode_from_name(value);

	if (mode < 0) {
		set_error(state->error, where, key, "'%s' is not warn or enforce", value);
		return -EINVAL;
	}
	state->tenant->quota_mode = (enum quota_mode)mode;
	state->tenant->quota_mode_set = true;
	return 0;
}

static int parse_cgroup(struct parse_state *state, const char *key, char *value,
			const struct source_line *where)
{
	struct tenant_config *tenant = state->tenant;
	struct tenant_cgroup *cgroup;
	const char *reason = NULL;
	char path[PATH_MAX];

	if (cgroup_path_normalize(value, path, sizeof(path), &reason)) {
		set_error(state->error, where, key, "'%s' %s", value, reason);
		return -EINVAL;
	}
	cgroup = config_append(&tenant->cgroups, &tenant->cgroup_count, sizeof(*cgroup));
	if (!cgroup)
		return -ENOMEM;
	cgroup->path = config_keep_string(state->config, path);
	if (!cgroup->path)
		return -ENOMEM;
	cgroup->where = *where;
	return 0;
}

static int parse_network(struct parse_state *state, const char *key, char *value,
			 const struct source_line *where)
{
	struct tenant_config *tenant = state->tenant;
	struct tenant_network *network;
	const char *reason = NULL;
	struct network parsed;

	if (!strcmp(value, "auto")) {
		tenant->auto_networks = true;
		return 0;
	}
	if (network_parse(value, &parsed, &reason)) {
		set_error(state->error, where, key, "'%s': %s", value, reason);
		return -EINVAL;
	}
	network = config_append(&tenant->networks, &tenant->network_count, sizeof(*network));
	if (!network)
		return -ENOMEM;
	network->network = parsed;
	network->line = where->line;
	return 0;
}

static int parse_allow_to(struct parse_state *state, const char *key, char *value,
			  const struct source_line *where)
{
	struct tenant_config *tenant = state->tenant;
	struct tenant_exception *exception;
	struct port_protocol target;
	const char *reason = NULL;
	char *colon = strchr(value, ':');

	if (!colon) {
		set_error(state->error, where, key,
			  "'%s' is not TENANT:PORT/PROTO or TENANT:unix, e.g. billing:8443/tcp",
			  value);
		return -EINVAL;
	}
	*colon = '\0';
	if (!tenant_name_valid(value)) {
		set_error(state->error, where, key, "'%s' is not a tenant name", value);
		return -EINVAL;
	}
	/* The tenant's abstract Unix socket names, which have no port. */
	size_t length = strlen(colon + 1);

	if (!strcmp(colon + 1, "unix")) {
		target = (struct port_protocol){ .port = 0, .protocol = EXCEPTION_PROTOCOL_UNIX };
	} else if (length >= 5 && !strcmp(colon + 1 + length - 5, "/unix")) {
		set_error(state->error, where, key,
			  "'%s': Unix sockets are opened per tenant, as %s:unix", colon + 1, value);
		return -EINVAL;
	} else if (port_protocol_parse(colon + 1, &target, &reason)) {
		if (!strchr(colon + 1, '/'))
			reason = "expected PORT/PROTO, e.g. 8443/tcp, or unix";
		set_error(state->error, where, key, "'%s': %s", colon + 1, reason);
		return -EINVAL;
	}
	exception = config_append(&tenant->exceptions, &tenant->exception_count, sizeof(*exception));
	if (!exception)
		return -ENOMEM;
	strcpy(exception->peer, value);
	exception->target = target;
	exception->where = *where;
	return 0;
}

static int parse_bind_ports(struct parse_state *state, const char *key, char *value,
			    const struct source_line *where)
{
	struct tenant_config *tenant = state->tenant;
	const char *reason = NULL;
	char *save = NULL;

	/* An empty assignment resets the list, as in systemd units. */
	if (!*value)
		tenant->bind_port_count = 0;
	for (char *word = strtok_r(value, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		struct tenant_bind_port *slot;
		struct port_protocol parsed;

		if (port_protocol_parse(word, &parsed, &reason)) {
			set_error(state->error, where, key, "'%s': %s", word, reason);
			return -EINVAL;
		}
		slot = config_append(&tenant->bind_ports, &tenant->bind_port_count, sizeof(*slot));
		if (!slot)
			return -ENOMEM;
		*slot = (struct tenant_bind_port){ .port = parsed, .where = *where };
	}
	return 0;
}

/* Adding a setting is one line here and its parser above. */
static const struct config_key agent_keys[] = {
	{ "CgroupRoot", parse_cgroup_root },
	{ "MetricsListen", parse_metrics_listen },
	{ "HostPolicy", parse_host_policy },
	{ "HostAllowPorts", parse_host_allow_ports },
	{ "ContainerNetworks", parse_container_networks },
	{ "EventRate", parse_event_rate },
	{ "TenantMarkMask", parse_tenant_mark_mask },
	{ "KillPreexisting", parse_kill_preexisting },
	{ "PacketSockets", parse_packet_sockets },
	{ "NetlinkSockets", parse_netlink_sockets },
	{ "PostureScanInterval", parse_posture_scan_interval },
	{ "MaxCgroups", parse_max_cgroups },
	{ "MaxNetworks", parse_max_networks },
	{ "AdminGroup", parse_admin_group },
};

static const struct config_key tenant_keys[] = {
	{ "Name", parse_name },
	{ "Kind", parse_kind },
	{ "Mode", parse_mode },
	{ "Cgroup", parse_cgroup },
	{ "Network", parse_network },
	{ "MaxContainerAddresses", parse_max_container_addresses },
	{ "AllowTo", parse_allow_to },
	{ "BindPorts", parse_bind_ports },
	{ "EgressRate", parse_egress_rate },
	{ "QuotaLoopback", parse_quota_loopback },
	{ "ConnectRate", parse_connect_rate },
	{ "ConnectBurst", parse_connect_burst },
	{ "QuotaMode", parse_quota_mode },
};

const char *config_key_name(bool tenant, size_t index)
{
	if (tenant)
		return index < ARRAY_SIZE(tenant_keys) ? tenant_keys[index].name : NULL;
	return index < ARRAY_SIZE(agent_keys) ? agent_keys[index].name : NULL;
}

static int parse_key(struct parse_state *state, const char *key, char *value)
{
	const struct config_key *keys = state->tenant ? tenant_keys : agent_keys;
	size_t count = state->tenant ? ARRAY_SIZE(tenant_keys) : ARRAY_SIZE(agent_keys);
	struct source_line where = here(state);

	for (size_t i = 0; i < count; i++)
		if (!strcmp(key, keys[i].name))
			return keys[i].parse(state, key, value, &where);
	set_error(state->error, &where, key, "unknown key in [%s]",
		  state->tenant ? "Tenant" : "Agent");
	return -EINVAL;
}

/* inih handler: returns nonzero to continue; the first error is kept. */
static int handle_key(void *user, const char *section, const char *key, const char *raw)
{
	struct parse_state *state = user;
	struct source_line where = here(state);
	const char *expected = state->tenant ? "Tenant" : "Agent";
	char value[INI_MAX_LINE];
	size_t length;

	if (state->error[0])
		return 1;
	if (state->line_too_long) {
		set_error(state->error, &where, key, "line longer than %d characters",
			  INI_MAX_LINE - 2);
		return 0;
	}
	if (!section[0]) {
		set_error(state->error, &where, key, "key outside any section; expected [%s]",
			  expected);
		return 0;
	}
	/* Not snprintf: this runs for each of a million networks. inih's
	 * lines, and so RAW, are shorter than VALUE. */
	length = strnlen(raw, sizeof(value) - 1);
	memcpy(value, raw, length);
	value[length] = '\0';
	strip_trailing_comment(value);
	return parse_key(state, key, value) == 0;
}

static int parse_file(struct parse_state *state)
{
	struct source_line where;
	int line;

	line = ini_parse_stream(read_counted_line, state, handle_key, state);
	if (line == 0 && !state->error[0])
		return 0;
	if (!state->error[0]) {
		where = here(state);
		where.line = line > 0 ? line : state->line;
		if (state->line_too_long)
			set_error(state->error, &where, NULL, "line longer than %d characters",
				  INI_MAX_LINE - 2);
		else
			set_error(state->error, &where, NULL,
				  "syntax error: expected [Section] or Key=Value");
	}
	return -EINVAL;
}

int config_parse_agent_file(const char *path, struct config *config, char *error)
{
	_cleanup_fclose_ FILE *file = fopen(path, "re");
	struct parse_state state = {
		.file = file, .path = path, .error = error, .config = config,
	};
	struct source_line where = { .file = path, .line = 0 };

	if (!file) {
		if (errno == ENOENT)
			return 0; /* every setting has a default */
		int r = -errno;

		set_error(error, &where, NULL, "cannot open: %s", strerror(-r));
		return r;
	}
	return parse_file(&state);
}

int config_parse_tenant_file(const char *path, const char *stem, struct config *config,
			     char *error)
{
	_cleanup_fclose_ FILE *file = fopen(path, "re");
	struct tenant_config *tenant;
	struct parse_state state = {
		.file = file, .error = error, .config = config,
	};
	struct source_line where = { .line = 0 };
	int open_error = file ? 0 : -errno, r;

	/* Values keep pointers to the file name: one copy for the file. */
	state.path = where.file = config_keep_string(config, path);
	if (!where.file)
		return -ENOMEM;
	if (open_error) {
		set_error(error, &where, NULL, "cannot open: %s", strerror(-open_error));
		return open_error;
	}
	tenant = config_append(&config->tenants, &config->tenant_count, sizeof(*tenant));
	if (!tenant)
		return -ENOMEM;
	where.line = 1; /* until a Name= line says otherwise */
	tenant->where = where;
	r = config_file_identity_of(fileno(file), &tenant->file);
	if (r) {
		set_error(error, &where, NULL, "cannot stat: %s", strerror(-r));
		return r;
	}
	state.tenant = tenant;
	r = parse_file(&state);
	if (r)
		return r;
	if (tenant->connect_burst && !tenant->connect_rate) {
		set_error(error, &state.burst_where, "ConnectBurst",
			  "needs ConnectRate= in the same file");
		return -EINVAL;
	}
	if (!state.name_set) {
		if (!tenant_name_valid(stem)) {
			where.line = 1;
			set_error(error, &where, "Name",
				  "not set, and the file name '%s' is not a tenant name", stem);
			return -EINVAL;
		}
		strcpy(tenant->name, stem);
	}
	return 0;
}
