// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reads and validates tenantd.conf and tenants.d/ with libinih. inih does
 * not tell its handler the line number, so the reader it pulls lines through
 * counts them; cross-file checks reuse the lines recorded per value. */
#include <errno.h>
#include <inttypes.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ini.h>

#include "cleanup.h"
#include "config.h"

#define DEFAULT_EVENT_RATE 100
#define EVENT_RATE_MAX 1000000
#define DEFAULT_POSTURE_SCAN_SECONDS 5
#define POSTURE_SCAN_SECONDS_MAX 3600
/* MaxCgroups= and MaxNetworks=: 16,777,216 preallocated cgroup entries
 * would take about a GiB of kernel memory, past any sensible node. */
#define MAP_SIZE_MAX 16777216

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

static void set_error(char *error, const struct source_line *where, const char *key,
		      const char *format, ...) __attribute__((format(printf, 4, 5)));

static void set_error(char *error, const struct source_line *where, const char *key,
		      const char *format, ...)
{
	va_list args;
	int used;

	if (error[0])
		return;
	if (key)
		used = snprintf(error, CONFIG_ERROR_MAX, "%s:%d: %s: ", where->file, where->line, key);
	else
		used = snprintf(error, CONFIG_ERROR_MAX, "%s:%d: ", where->file, where->line);
	if (used < 0 || used >= CONFIG_ERROR_MAX)
		return;
	va_start(args, format);
	vsnprintf(error + used, CONFIG_ERROR_MAX - (size_t)used, format, args);
	va_end(args);
}

static struct source_line here(const struct parse_state *state)
{
	struct source_line where = { .file = state->path, .line = state->line };

	return where;
}

/* Grows `*array` by one zeroed element and returns it, or NULL. The
 * capacity is the next power of two at or above the count, so appending n
 * values costs O(n) copies, not O(n^2). */
static void *append(void *array_pointer, size_t *count, size_t element_size)
{
	void **array = array_pointer;
	char *grown = *array;

	if (*count == 0 || (*count >= 4 && !(*count & (*count - 1)))) {
		grown = realloc(*array, (*count ? 2 * *count : 4) * element_size);
		if (!grown)
			return NULL;
		*array = grown;
	}
	memset(grown + *count * element_size, 0, element_size);
	return grown + (*count)++ * element_size;
}

/* A copy of TEXT that lives as long as CONFIG. */
static const char *config_string(struct config *config, const char *text)
{
	char **grown = realloc(config->strings, (config->string_count + 1) * sizeof(*grown));
	char *copy = strdup(text);

	if (!grown || !copy) {
		free(copy);
		if (grown)
			config->strings = grown;
		return NULL;
	}
	config->strings = grown;
	config->strings[config->string_count++] = copy;
	return copy;
}

/* inih calls its handler for keys only, so section headers are checked
 * here, as lines go by: an unknown section is refused even when empty. */
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
		slot = append(&agent->host_ports, &agent->host_port_count, sizeof(*slot));
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
		slot = append(&agent->container_ranges, &agent->container_range_count,
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

static int parse_packet_sockets(struct parse_state *state, const char *key, char *value,
				const struct source_line *where)
{
	static const char *const actions[] = { "report", "kill" };
	int action = enum_from_name(actions, ARRAY_SIZE(actions), value);

	if (action < 0) {
		set_error(state->error, where, key, "'%s' is not report or kill", value);
		return -EINVAL;
	}
	state->config->agent.kill_packet_sockets = action == 1;
	return 0;
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
	cgroup = append(&tenant->cgroups, &tenant->cgroup_count, sizeof(*cgroup));
	if (!cgroup)
		return -ENOMEM;
	cgroup->path = config_string(state->config, path);
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
	network = append(&tenant->networks, &tenant->network_count, sizeof(*network));
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
	exception = append(&tenant->exceptions, &tenant->exception_count, sizeof(*exception));
	if (!exception)
		return -ENOMEM;
	strcpy(exception->peer, value);
	exception->target = target;
	exception->where = *where;
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
	{ "KillPreexisting", parse_kill_preexisting },
	{ "PacketSockets", parse_packet_sockets },
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
	{ "AllowTo", parse_allow_to },
	{ "EgressRate", parse_egress_rate },
	{ "QuotaLoopback", parse_quota_loopback },
	{ "ConnectRate", parse_connect_rate },
	{ "ConnectBurst", parse_connect_burst },
	{ "QuotaMode", parse_quota_mode },
};

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

static int load_agent_file(const char *path, struct config *config, char *error)
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

static void file_identity_from(const struct stat *status_pointer, struct file_identity *identity)
{
	const struct stat status = *status_pointer;

	*identity = (struct file_identity){
		.device = status.st_dev,
		.inode = status.st_ino,
		.size = (uint64_t)status.st_size,
		.modified_seconds = status.st_mtim.tv_sec,
		.modified_nanoseconds = status.st_mtim.tv_nsec,
		.read_seconds = time(NULL),
	};
}

static int file_identity_of(int fd, struct file_identity *identity)
{
	struct stat status;

	if (fstat(fd, &status))
		return -errno;
	file_identity_from(&status, identity);
	return 0;
}

/* File systems stamp modifications with a coarse clock: a file written
 * again within the same tick as the stamp read keeps its stamp. A file
 * stamped less than RACY_SECONDS before it was read is therefore read
 * again, as git does with its index. */
#define RACY_SECONDS 2

static bool same_file(const struct file_identity *now, const struct file_identity *then)
{
	return now->device == then->device && now->inode == then->inode &&
	       now->size == then->size && now->modified_seconds == then->modified_seconds &&
	       now->modified_nanoseconds == then->modified_nanoseconds &&
	       then->modified_seconds + RACY_SECONDS <= then->read_seconds;
}

/* Appends a copy of FROM, a tenant of another configuration, with its
 * strings copied into CONFIG. */
static int copy_tenant(struct config *config, const struct config *previous,
		       const struct tenant_config *from)
{
	struct tenant_config *tenant;
	const char *file = config_string(config, from->where.file);

	tenant = file ? append(&config->tenants, &config->tenant_count, sizeof(*tenant)) : NULL;
	if (!tenant)
		return -ENOMEM;
	*tenant = *from;
	tenant->copied_from = (uint32_t)(from - previous->tenants) + 1;
	tenant->where.file = file;
	tenant->cgroups = NULL;
	tenant->networks = NULL;
	tenant->exceptions = NULL;
	tenant->cgroups = calloc(from->cgroup_count + 1, sizeof(*tenant->cgroups));
	tenant->networks = malloc((from->network_count + 1) * sizeof(*tenant->networks));
	tenant->exceptions = malloc((from->exception_count + 1) * sizeof(*tenant->exceptions));
	if (!tenant->cgroups || !tenant->networks || !tenant->exceptions)
		return -ENOMEM;
	if (from->network_count)
		memcpy(tenant->networks, from->networks,
		       from->network_count * sizeof(*from->networks));
	if (from->exception_count)
		memcpy(tenant->exceptions, from->exceptions,
		       from->exception_count * sizeof(*from->exceptions));
	for (size_t i = 0; i < from->exception_count; i++)
		tenant->exceptions[i].where.file = file;
	for (size_t i = 0; i < from->cgroup_count; i++) {
		tenant->cgroups[i].where = (struct source_line){ file, from->cgroups[i].where.line };
		tenant->cgroups[i].path = config_string(config, from->cgroups[i].path);
		if (!tenant->cgroups[i].path)
			return -ENOMEM;
	}
	return 0;
}

static int compare_tenant_files(const void *a, const void *b)
{
	return strcmp((*(const struct tenant_config *const *)a)->where.file,
		      (*(const struct tenant_config *const *)b)->where.file);
}

static int compare_path_to_tenant_file(const void *path, const void *tenant)
{
	return strcmp(path, (*(const struct tenant_config *const *)tenant)->where.file);
}

/* PREVIOUS's tenants by drop-in path, for a reload's lookups. */
struct previous_files {
	const struct tenant_config **by_file;
	size_t count;
};

static void previous_files_free(struct previous_files *files)
{
	free(files->by_file);
}

static int previous_files_index(const struct config *previous, struct previous_files *files)
{
	*files = (struct previous_files){};
	if (!previous || !previous->tenant_count)
		return 0;
	files->by_file = calloc(previous->tenant_count, sizeof(*files->by_file));
	if (!files->by_file)
		return -ENOMEM;
	for (size_t i = 0; i < previous->tenant_count; i++)
		files->by_file[i] = &previous->tenants[i];
	files->count = previous->tenant_count;
	qsort(files->by_file, files->count, sizeof(*files->by_file), compare_tenant_files);
	return 0;
}

/* The tenant PREVIOUS read from PATH, if the file is still the same. */
static const struct tenant_config *unchanged_tenant(const struct previous_files *files,
						   const char *path)
{
	const struct tenant_config *const *found;
	struct file_identity now;
	struct stat status;

	if (!files->count)
		return NULL;
	found = bsearch(path, files->by_file, files->count, sizeof(*files->by_file),
			compare_path_to_tenant_file);
	if (!found || stat(path, &status))
		return NULL;
	file_identity_from(&status, &now);
	return same_file(&now, &(*found)->file) ? *found : NULL;
}

static int load_tenant_file(const char *path, const char *stem, struct config *config,
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
	state.path = where.file = config_string(config, path);
	if (!where.file)
		return -ENOMEM;
	if (open_error) {
		set_error(error, &where, NULL, "cannot open: %s", strerror(-open_error));
		return open_error;
	}
	tenant = append(&config->tenants, &config->tenant_count, sizeof(*tenant));
	if (!tenant)
		return -ENOMEM;
	where.line = 1; /* until a Name= line says otherwise */
	tenant->where = where;
	r = file_identity_of(fileno(file), &tenant->file);
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

static int conf_file_filter(const struct dirent *entry)
{
	size_t length = strlen(entry->d_name);

	return entry->d_name[0] != '.' && length > 5 &&
	       !strcmp(entry->d_name + length - 5, ".conf");
}

static int load_tenant_directory(const char *directory, const struct config *previous,
				 struct config *config, char *error)
{
	_cleanup_(previous_files_free) struct previous_files files = {};
	struct dirent **entries = NULL;
	int count, r;

	r = previous_files_index(previous, &files);
	if (r)
		return r;

	count = scandir(directory, &entries, conf_file_filter, alphasort);
	if (count < 0) {
		struct source_line where = { .file = directory, .line = 0 };

		r = -errno;
		if (r == -ENOENT)
			return 0;
		set_error(error, &where, NULL, "cannot read directory: %s", strerror(-r));
		return r;
	}
	for (int i = 0; i < count; i++) {
		char path[PATH_MAX], stem[NAME_MAX + 1];

		if (r == 0) {
			snprintf(path, sizeof(path), "%s/%s", directory, entries[i]->d_name);
			snprintf(stem, sizeof(stem), "%.*s", (int)strlen(entries[i]->d_name) - 5,
				 entries[i]->d_name);
			const struct tenant_config *unchanged = unchanged_tenant(&files, path);

			r = unchanged ? copy_tenant(config, previous, unchanged) :
					load_tenant_file(path, stem, config, error);
		}
		free(entries[i]);
	}
	free(entries);
	return r;
}

/* By name, then by file order, so a duplicate follows its original. */
static int compare_tenants_by_name(const void *a, const void *b)
{
	const struct tenant_config *x = *(const struct tenant_config *const *)a;
	const struct tenant_config *y = *(const struct tenant_config *const *)b;
	int order = strcmp(x->name, y->name);

	return order ? order : (x > y) - (x < y);
}

/* Sorts the name index and refuses duplicate names: O(n log n). */
static int index_tenants(struct config *config, char *error)
{
	free(config->by_name);
	config->by_name = calloc(config->tenant_count + 1, sizeof(*config->by_name));
	if (!config->by_name)
		return -ENOMEM;
	for (size_t i = 0; i < config->tenant_count; i++)
		config->by_name[i] = &config->tenants[i];
	qsort(config->by_name, config->tenant_count, sizeof(*config->by_name),
	      compare_tenants_by_name);
	for (size_t i = 1; i < config->tenant_count; i++) {
		const struct tenant_config *first = config->by_name[i - 1];
		const struct tenant_config *again = config->by_name[i];

		if (strcmp(first->name, again->name))
			continue;
		set_error(error, &again->where, "Name", "tenant '%s' is already defined in %s",
			  again->name, first->where.file);
		return -EEXIST;
	}
	return 0;
}

/* The kernel's maps have fixed sizes; a policy that would not fit is
 * refused here, at the value that overflows, before any map is written. */
static int check_capacity(struct config *config, char *error)
{
	size_t cgroups = 0, networks = 0, exceptions = 0;
	size_t max_cgroups = config->agent.max_cgroups, max_networks = config->agent.max_networks;

	if (config->tenant_count > TENANT_ID_MAX) {
		set_error(error, &config->tenants[TENANT_ID_MAX].where, "Name",
			  "%zu tenants configured; tenantd holds at most %d", config->tenant_count,
			  TENANT_ID_MAX);
		return -E2BIG;
	}
	for (size_t i = 0; i < config->tenant_count; i++) {
		const struct tenant_config *tenant = &config->tenants[i];

		if (cgroups + tenant->cgroup_count > max_cgroups) {
			set_error(error, &tenant->cgroups[max_cgroups - cgroups].where, "Cgroup",
				  "more than %zu cgroups configured; MaxCgroups=%zu in tenantd.conf "
				  "is the limit, raise it there",
				  max_cgroups, max_cgroups);
			return -E2BIG;
		}
		if (networks + tenant->network_count > max_networks) {
			set_error(error,
				  &(struct source_line){ tenant->where.file,
							 tenant->networks[max_networks - networks].line },
				  "Network",
				  "more than %zu networks configured; MaxNetworks=%zu in tenantd.conf "
				  "is the limit, raise it there",
				  max_networks, max_networks);
			return -E2BIG;
		}
		if (exceptions + tenant->exception_count > EXCEPTION_MAX_ENTRIES) {
			set_error(error, &tenant->exceptions[EXCEPTION_MAX_ENTRIES - exceptions].where,
				  "AllowTo",
				  "more than %d exceptions configured; tenantd holds at most %d",
				  EXCEPTION_MAX_ENTRIES, EXCEPTION_MAX_ENTRIES);
			return -E2BIG;
		}
		cgroups += tenant->cgroup_count;
		networks += tenant->network_count;
		exceptions += tenant->exception_count;
	}
	return 0;
}

/* One cgroup or network of one tenant, for the checks across tenants: they
 * sort every entry once, so 10,000 tenants with a million networks are
 * checked in O(n log n), not pair by pair. */
struct owned_entry {
	const void *item; /* a struct tenant_cgroup or struct tenant_network */
	uint32_t tenant; /* index in config->tenants */
	uint32_t index; /* in the tenant's list, in file order */
};

/* File order: by tenant, then by position in its file. */
static int compare_file_order(const struct owned_entry *a, const struct owned_entry *b)
{
	if (a->tenant != b->tenant)
		return a->tenant < b->tenant ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static int compare_cgroup_entries(const void *a, const void *b)
{
	const struct owned_entry *x = a, *y = b;
	int order = strcmp(((const struct tenant_cgroup *)x->item)->path,
			   ((const struct tenant_cgroup *)y->item)->path);

	return order ? order : compare_file_order(x, y);
}

/* Address, then the shorter prefix first: a network sorts right before
 * the networks it contains (host bits are zero). */
static int compare_network_entries(const void *a, const void *b)
{
	const struct owned_entry *x = a, *y = b;
	const struct network *m = &((const struct tenant_network *)x->item)->network;
	const struct network *n = &((const struct tenant_network *)y->item)->network;
	int order = memcmp(m->addr, n->addr, sizeof(m->addr));

	if (order)
		return order;
	if (m->prefixlen != n->prefixlen)
		return m->prefixlen < n->prefixlen ? -1 : 1;
	return compare_file_order(x, y);
}

/* Every tenant's cgroups (NETWORKS false) or networks, in one array. */
static struct owned_entry *collect_owned(const struct config *config, bool networks, size_t *count)
{
	struct owned_entry *entries;
	size_t total = 0, n = 0;

	for (size_t i = 0; i < config->tenant_count; i++)
		total += networks ? config->tenants[i].network_count : config->tenants[i].cgroup_count;
	entries = calloc(total ? total : 1, sizeof(*entries));
	if (!entries)
		return NULL;
	for (size_t i = 0; i < config->tenant_count; i++) {
		const struct tenant_config *tenant = &config->tenants[i];
		size_t items = networks ? tenant->network_count : tenant->cgroup_count;

		for (size_t k = 0; k < items; k++)
			entries[n++] = (struct owned_entry){
				.item = networks ? (const void *)&tenant->networks[k] :
						   (const void *)&tenant->cgroups[k],
				.tenant = (uint32_t)i,
				.index = (uint32_t)k,
			};
	}
	*count = total;
	return entries;
}

/* Of two entries in conflict, the one later in file order is reported, as
 * the one that came second. */
static void order_conflict(const struct owned_entry **first, const struct owned_entry **second)
{
	if (compare_file_order(*first, *second) > 0) {
		const struct owned_entry *swap = *first;

		*first = *second;
		*second = swap;
	}
}

/* Keeps the conflict whose second entry comes first in file order, so the
 * error names the same line whatever the sort did. */
static void keep_earliest_conflict(const struct owned_entry *first, const struct owned_entry *second,
				   const struct owned_entry **kept_first,
				   const struct owned_entry **kept_second)
{
	order_conflict(&first, &second);
	if (!*kept_second || compare_file_order(second, *kept_second) < 0) {
		*kept_first = first;
		*kept_second = second;
	}
}

static int check_cgroups_owned_once(struct config *config, char *error)
{
	const struct owned_entry *owner = NULL, *duplicate = NULL;
	_cleanup_free_ struct owned_entry *entries = NULL;
	const struct tenant_cgroup *cgroup, *first;
	size_t count = 0;

	entries = collect_owned(config, false, &count);
	if (!entries)
		return -ENOMEM;
	qsort(entries, count, sizeof(*entries), compare_cgroup_entries);
	for (size_t i = 1; i < count; i++) {
		if (strcmp(((const struct tenant_cgroup *)entries[i - 1].item)->path,
			   ((const struct tenant_cgroup *)entries[i].item)->path))
			continue;
		/* Within a run of one path, the first in file order owns it. */
		if (i >= 2 && !strcmp(((const struct tenant_cgroup *)entries[i - 2].item)->path,
				      ((const struct tenant_cgroup *)entries[i].item)->path))
			continue;
		keep_earliest_conflict(&entries[i - 1], &entries[i], &owner, &duplicate);
	}
	if (!duplicate)
		return 0;
	cgroup = duplicate->item;
	first = owner->item;
	set_error(error, &cgroup->where, "Cgroup", "'%s' is already owned by tenant '%s' (%s:%d)",
		  cgroup->path, config->tenants[owner->tenant].name, first->where.file,
		  first->where.line);
	return -EEXIST;
}

/* Every network in address order, for the check. With PREVIOUS, the
 * networks of tenants copied from it come in its kept order, and only the
 * others are sorted and merged in. */
static struct owned_entry *networks_in_order(const struct config *config,
					     const struct config *previous, size_t *count)
{
	_cleanup_free_ struct owned_entry *read = NULL;
	_cleanup_free_ uint32_t *new_index = NULL;
	struct owned_entry *entries = NULL, *kept;
	size_t total = 0, kept_count = 0, read_count = 0, k = 0, f = 0, n = 0;

	if (!previous || !previous->network_order_count) {
		entries = collect_owned(config, true, count);
		if (entries)
			qsort(entries, *count, sizeof(*entries), compare_network_entries);
		return entries;
	}
	for (size_t i = 0; i < config->tenant_count; i++)
		total += config->tenants[i].network_count;
	entries = calloc(2 * total + 1, sizeof(*entries));
	read = calloc(total + 1, sizeof(*read));
	new_index = malloc((previous->tenant_count + 1) * sizeof(*new_index));
	if (!entries || !read || !new_index) {
		free(entries);
		return NULL;
	}
	for (size_t i = 0; i < previous->tenant_count; i++)
		new_index[i] = UINT32_MAX;
	for (size_t i = 0; i < config->tenant_count; i++) {
		const struct tenant_config *tenant = &config->tenants[i];

		if (tenant->copied_from) {
			new_index[tenant->copied_from - 1] = (uint32_t)i;
			continue;
		}
		for (size_t j = 0; j < tenant->network_count; j++)
			read[read_count++] = (struct owned_entry){
				.item = &tenant->networks[j], .tenant = (uint32_t)i,
				.index = (uint32_t)j,
			};
	}
	/* The kept order, renumbered: copied tenants keep their file order. */
	kept = entries + total;
	for (size_t i = 0; i < previous->network_order_count; i++) {
		struct network_reference reference = previous->network_order[i];
		uint32_t tenant = new_index[reference.tenant];

		if (tenant == UINT32_MAX)
			continue;
		kept[kept_count++] = (struct owned_entry){
			.item = &config->tenants[tenant].networks[reference.index],
			.tenant = tenant, .index = reference.index,
		};
	}
	qsort(read, read_count, sizeof(*read), compare_network_entries);
	while (k < kept_count || f < read_count)
		entries[n++] = f == read_count || (k < kept_count &&
						   compare_network_entries(&kept[k], &read[f]) <= 0) ?
				       kept[k++] : read[f++];
	*count = n;
	return entries;
}

/* Networks are prefixes, so two overlap only when one contains the other.
 * In address order, the networks still open (containing the current one)
 * form a stack; without a conflict they are all one tenant's, and it is at
 * most 129 deep once repeats of the top are skipped. The order is kept in
 * CONFIG for the next reload. */
#define NETWORK_NESTING_MAX 129

static int check_networks_owned_once(struct config *config, const struct config *previous,
				     char *error)
{
	const struct owned_entry *theirs = NULL, *mine = NULL;
	const struct owned_entry *open[NETWORK_NESTING_MAX];
	_cleanup_free_ struct owned_entry *entries = NULL;
	size_t count = 0, depth = 0;
	char mine_text[64], theirs_text[64];
	const struct tenant_network *network, *other;

	entries = networks_in_order(config, previous, &count);
	if (!entries)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		const struct network *current = &((const struct tenant_network *)entries[i].item)->network;

		while (depth && !networks_overlap(
					&((const struct tenant_network *)open[depth - 1]->item)->network,
					current))
			depth--;
		if (depth && open[depth - 1]->tenant != entries[i].tenant) {
			keep_earliest_conflict(open[depth - 1], &entries[i], &theirs, &mine);
			continue;
		}
		/* The same network again, or one of the same tenant inside it
		 * at the same length, adds nothing to the stack. */
		if (depth && ((const struct tenant_network *)open[depth - 1]->item)->network.prefixlen ==
				     current->prefixlen)
			continue;
		if (depth < NETWORK_NESTING_MAX)
			open[depth++] = &entries[i];
	}
	if (mine) {
		network = mine->item;
		other = theirs->item;
		network_format(&network->network, mine_text, sizeof(mine_text));
		network_format(&other->network, theirs_text, sizeof(theirs_text));
		set_error(error,
			  &(struct source_line){ config->tenants[mine->tenant].where.file,
						 network->line },
			  "Network", "%s overlaps %s owned by tenant '%s' (%s:%d)", mine_text,
			  theirs_text, config->tenants[theirs->tenant].name,
			  config->tenants[theirs->tenant].where.file, other->line);
		return -EEXIST;
	}
	free(config->network_order);
	config->network_order = malloc((count + 1) * sizeof(*config->network_order));
	if (!config->network_order)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++)
		config->network_order[i] = (struct network_reference){ entries[i].tenant,
									entries[i].index };
	config->network_order_count = count;
	return 0;
}

/* Checks that need every file: cgroups and networks owned by one tenant
 * each, exceptions naming tenants that exist, cgroups inside the subtree
 * the programs are attached to. (Unique names: index_tenants.) */
static int validate_across_files(struct config *config, const struct config *previous,
				 char *error)
{
	int r;

	for (size_t i = 0; i < config->tenant_count; i++) {
		struct tenant_config *tenant = &config->tenants[i];

		for (size_t c = 0; c < tenant->cgroup_count; c++) {
			struct tenant_cgroup *cgroup = &tenant->cgroups[c];

			if (!cgroup_path_below(cgroup->path, config->agent.cgroup_root) ||
			    !strcmp(cgroup->path, config->agent.cgroup_root)) {
				set_error(error, &cgroup->where, "Cgroup",
					  "'%s' is not below CgroupRoot '%s', where tenantd attaches",
					  cgroup->path, config->agent.cgroup_root);
				return -EINVAL;
			}
		}
	}
	r = check_cgroups_owned_once(config, error);
	if (r == 0)
		r = check_networks_owned_once(config, previous, error);
	if (r)
		return r;
	for (size_t i = 0; i < config->tenant_count; i++) {
		struct tenant_config *tenant = &config->tenants[i];

		for (size_t e = 0; e < tenant->exception_count; e++) {
			struct tenant_exception *exception = &tenant->exceptions[e];

			if (!strcmp(exception->peer, tenant->name)) {
				set_error(error, &exception->where, "AllowTo",
					  "'%s' names the tenant itself, which needs no exception",
					  exception->peer);
				return -EINVAL;
			}
			if (!config_find_tenant(config, exception->peer)) {
				set_error(error, &exception->where, "AllowTo",
					  "tenant '%s' does not exist", exception->peer);
				return -EEXIST;
			}
		}
	}
	return 0;
}

int config_load(const char *directory, const char *cgroup_root_override,
		struct config *out, char error[CONFIG_ERROR_MAX])
{
	return config_load_since(directory, cgroup_root_override, NULL, out, error);
}

int config_load_since(const char *directory, const char *cgroup_root_override,
		      const struct config *previous, struct config *out,
		      char error[CONFIG_ERROR_MAX])
{
	struct config config = {
		.agent = {
			.cgroup_root = "/",
			.host_policy = HOST_POLICY_ALLOW,
			.event_rate = DEFAULT_EVENT_RATE,
			.posture_scan_seconds = DEFAULT_POSTURE_SCAN_SECONDS,
			.max_cgroups = CGROUP_MAX_ENTRIES,
			.max_networks = NETWORK_MAX_ENTRIES,
			.admin_group = "tenantd",
		},
	};
	char path[PATH_MAX];
	const char *reason = NULL;
	int r;

	error[0] = '\0';
	snprintf(path, sizeof(path), "%s/tenantd.conf", directory);
	r = load_agent_file(path, &config, error);
	if (r == 0 && cgroup_root_override && strcmp(cgroup_root_override, "/") &&
	    cgroup_path_normalize(cgroup_root_override, config.agent.cgroup_root,
				  sizeof(config.agent.cgroup_root), &reason)) {
		snprintf(error, CONFIG_ERROR_MAX, "--cgroup-root: '%s' %s", cgroup_root_override,
			 reason);
		r = -EINVAL;
	} else if (r == 0 && cgroup_root_override && !strcmp(cgroup_root_override, "/")) {
		strcpy(config.agent.cgroup_root, "/");
	}
	if (r == 0) {
		snprintf(path, sizeof(path), "%s/tenants.d", directory);
		r = load_tenant_directory(path, previous, &config, error);
	}
	if (r == 0)
		r = index_tenants(&config, error);
	if (r == 0)
		r = check_capacity(&config, error);
	if (r == 0)
		r = validate_across_files(&config, previous, error);
	if (r) {
		config_free(&config);
		return r;
	}
	*out = config;
	return 0;
}

int config_load_map_sizes(const char *directory, unsigned int *max_cgroups,
			  unsigned int *max_networks, char error[CONFIG_ERROR_MAX])
{
	struct config config = {
		.agent = { .max_cgroups = CGROUP_MAX_ENTRIES, .max_networks = NETWORK_MAX_ENTRIES },
	};
	char path[PATH_MAX];
	int r;

	error[0] = '\0';
	snprintf(path, sizeof(path), "%s/tenantd.conf", directory);
	r = load_agent_file(path, &config, error);
	*max_cgroups = config.agent.max_cgroups;
	*max_networks = config.agent.max_networks;
	config_free(&config);
	return r;
}

int config_load_tenant_file(const char *path, struct config *out,
			    char error[CONFIG_ERROR_MAX])
{
	struct config config = {};
	const char *base = strrchr(path, '/');
	char stem[NAME_MAX + 1];
	size_t length;
	int r;

	error[0] = '\0';
	base = base ? base + 1 : path;
	length = strlen(base);
	if (length > 5 && !strcmp(base + length - 5, ".conf"))
		length -= 5;
	snprintf(stem, sizeof(stem), "%.*s", (int)length, base);
	r = load_tenant_file(path, stem, &config, error);
	if (r == 0)
		r = index_tenants(&config, error);
	if (r) {
		config_free(&config);
		return r;
	}
	*out = config;
	return 0;
}

void config_free(struct config *config)
{
	for (size_t i = 0; i < config->tenant_count; i++) {
		free(config->tenants[i].cgroups);
		free(config->tenants[i].networks);
		free(config->tenants[i].exceptions);
	}
	free(config->tenants);
	free(config->agent.host_ports);
	free(config->agent.container_ranges);
	free(config->by_name);
	free(config->network_order);
	for (size_t i = 0; i < config->string_count; i++)
		free(config->strings[i]);
	free(config->strings);
	memset(config, 0, sizeof(*config));
}

static int compare_name_to_tenant(const void *name, const void *entry)
{
	return strcmp(name, (*(const struct tenant_config *const *)entry)->name);
}

const struct tenant_config *config_find_tenant(const struct config *config, const char *name)
{
	const struct tenant_config *const *found;

	/* Only a config that was never loaded lacks the index. */
	if (!config->by_name) {
		for (size_t i = 0; i < config->tenant_count; i++)
			if (!strcmp(config->tenants[i].name, name))
				return &config->tenants[i];
		return NULL;
	}
	found = bsearch(name, config->by_name, config->tenant_count, sizeof(*config->by_name),
			compare_name_to_tenant);
	return found ? *found : NULL;
}

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
		digest = DIGEST_VALUE(digest, tenant->cgroup_count);
		for (size_t c = 0; c < tenant->cgroup_count; c++)
			digest = digest_string(digest, tenant->cgroups[c].path);
		digest = DIGEST_VALUE(digest, tenant->network_count);
		for (size_t n = 0; n < tenant->network_count; n++) {
			digest = DIGEST_VALUE(digest, tenant->networks[n].network.addr);
			digest = DIGEST_VALUE(digest, tenant->networks[n].network.prefixlen);
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
