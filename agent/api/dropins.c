// SPDX-License-Identifier: LGPL-2.1-or-later
/* PUT bodies are checked field by field with json-c and each value with the
 * same validators the config parser uses, so what is written parses; the
 * config loader then judges the whole, as for any edit by hand. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "api/dropins.h"
#include "cleanup.h"
#include "config.h"
#include "log.h"
#include "tenant_json.h"
#include "validate.h"

/* Says what is wrong with the body and yields -EINVAL. */
#define FAIL(error, size, ...) (snprintf(error, size, __VA_ARGS__), -EINVAL)

static int render_list(FILE *out, struct json_object *list, const char *field, const char *key,
		       char *error, size_t size)
{
	char normalized[PATH_MAX];
	const char *reason = NULL;

	if (!json_object_is_type(list, json_type_array))
		return FAIL(error, size, "'%s' must be an array", field);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *item = json_object_array_get_idx(list, i);
		const char *value = json_object_get_string(item);
		struct network network;

		if (!json_object_is_type(item, json_type_string))
			return FAIL(error, size, "'%s' must hold strings", field);
		if (!strcmp(key, "Cgroup") &&
		    cgroup_path_normalize(value, normalized, sizeof(normalized), &reason)) {
			snprintf(error, size, "cgroups: '%.200s' %s", value, reason);
			return -EINVAL;
		}
		/* The INI reader trims blanks and ends a value at '#' or at a
		 * blank-led ';': such a path would not read back as written.
		 * (systemd escapes blanks in unit names, so real paths have none.) */
		if (!strcmp(key, "Cgroup") && strpbrk(normalized, " \t#;"))
			return FAIL(error, size,
				    "cgroups: '%.200s' contains a blank, '#' or ';'", value);
		if (!strcmp(key, "Network") && strcmp(value, "auto") &&
		    network_parse(value, &network, &reason)) {
			snprintf(error, size, "networks: '%.200s': %s", value, reason);
			return -EINVAL;
		}
		fprintf(out, "%s=%s\n", key, !strcmp(key, "Cgroup") ? normalized : value);
	}
	return 0;
}

static int render_exceptions(FILE *out, struct json_object *list, char *error, size_t size)
{
	if (!json_object_is_type(list, json_type_array))
		return FAIL(error, size, "'%s' must be an array", "allow_to");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *item = json_object_array_get_idx(list, i), *field;
		const char *peer, *protocol;
		int port;

		if (!json_object_is_type(item, json_type_object))
			return FAIL(error, size, "'%s' must hold {\"tenant\", \"port\", \"protocol\"} objects",
				    "allow_to");
		json_object_object_foreach(item, key, value) {
			(void)value;
			if (strcmp(key, "tenant") && strcmp(key, "port") && strcmp(key, "protocol"))
				return FAIL(error, size, "allow_to: unknown field '%.64s'", key);
		}
		if (!json_object_object_get_ex(item, "tenant", &field) ||
		    !json_object_is_type(field, json_type_string) ||
		    !tenant_name_valid(peer = json_object_get_string(field)))
			return FAIL(error, size, "allow_to: '%s' must be a tenant name", "tenant");
		if (!json_object_object_get_ex(item, "protocol", &field) ||
		    !json_object_is_type(field, json_type_string) ||
		    (strcmp(protocol = json_object_get_string(field), "tcp") &&
		     strcmp(protocol, "udp") && strcmp(protocol, "unix")))
			return FAIL(error, size, "allow_to: '%s' must be \"tcp\", \"udp\" or \"unix\"",
				    "protocol");
		/* Unix sockets have no port: the other tenant's abstract names. */
		if (!strcmp(protocol, "unix")) {
			if (json_object_object_get_ex(item, "port", NULL))
				return FAIL(error, size, "allow_to: a \"unix\" exception has no '%s'",
					    "port");
			fprintf(out, "AllowTo=%s:unix\n", peer);
			continue;
		}
		if (!json_object_object_get_ex(item, "port", &field) ||
		    !json_object_is_type(field, json_type_int) ||
		    (port = json_object_get_int(field)) < 1 || port > 65535)
			return FAIL(error, size, "allow_to: '%s' must be a number 1..65535", "port");
		fprintf(out, "AllowTo=%s:%d/%s\n", peer, port, protocol);
	}
	return 0;
}

/* One field of a PUT body: checks VALUE and writes its drop-in lines. */
struct body_field {
	const char *name;
	int (*render)(FILE *out, const char *tenant, const char *field, struct json_object *value,
		      char *error, size_t size);
};

static int render_name(FILE *out, const char *tenant, const char *field,
		       struct json_object *value, char *error, size_t size)
{
	/* Name= is written from the path, already. */
	if (!json_object_is_type(value, json_type_string) ||
	    strcmp(json_object_get_string(value), tenant))
		return FAIL(error, size, "'%s' must match the name in the path", field);
	return 0;
}

/* Checked here, not left to the loader: a free string would be written
 * into the file, newlines and all. */
static int render_kind(FILE *out, const char *tenant, const char *field,
		       struct json_object *value, char *error, size_t size)
{
	const char *text = json_object_get_string(value);

	if (!json_object_is_type(value, json_type_string) || tenant_kind_from_name(text) < 0)
		return FAIL(error, size, "'%s' must be \"tenant\", \"shared\" or \"platform\"", field);
	fprintf(out, "Kind=%s\n", text);
	return 0;
}

static int render_mode(FILE *out, const char *tenant, const char *field,
		       struct json_object *value, char *error, size_t size)
{
	const char *text = json_object_get_string(value);

	if (!json_object_is_type(value, json_type_string) || tenant_mode_from_name(text) < 0)
		return FAIL(error, size, "'%s' must be \"enforce\" or \"audit\"", field);
	fprintf(out, "Mode=%s\n", text);
	return 0;
}

static int render_cgroups(FILE *out, const char *tenant, const char *field,
			  struct json_object *value, char *error, size_t size)
{
	return render_list(out, value, field, "Cgroup", error, size);
}

static int render_networks(FILE *out, const char *tenant, const char *field,
			   struct json_object *value, char *error, size_t size)
{
	return render_list(out, value, field, "Network", error, size);
}

static int render_allow_to(FILE *out, const char *tenant, const char *field,
			   struct json_object *value, char *error, size_t size)
{
	return render_exceptions(out, value, error, size);
}

static int render_bind_ports(FILE *out, const char *tenant, const char *field,
			     struct json_object *value, char *error, size_t size)
{
	const char *reason = NULL;

	if (!json_object_is_type(value, json_type_array))
		return FAIL(error, size, "'%s' must be an array of \"PORT/PROTO\"", field);
	for (size_t i = 0; i < json_object_array_length(value); i++) {
		struct json_object *item = json_object_array_get_idx(value, i);
		const char *text = json_object_get_string(item);
		struct port_protocol port;

		if (!json_object_is_type(item, json_type_string))
			return FAIL(error, size, "'%s' must hold strings such as \"8443/tcp\"", field);
		if (port_protocol_parse(text, &port, &reason)) {
			snprintf(error, size, "%s: '%.64s': %s", field, text, reason);
			return -EINVAL;
		}
		fprintf(out, "BindPorts=%s\n", text);
	}
	return 0;
}

static int render_connect_rate(FILE *out, const char *tenant, const char *field,
			       struct json_object *value, char *error, size_t size)
{
	const char *text = json_object_get_string(value), *reason = NULL;
	unsigned int count, period;

	if (!json_object_is_type(value, json_type_string))
		return FAIL(error, size, "'%s' must be a string such as \"100/s\"", field);
	if (connect_rate_parse(text, &count, &period, &reason))
		return FAIL(error, size, "'%s' %s", field, reason);
	fprintf(out, "ConnectRate=%s\n", text);
	return 0;
}

static int render_egress_rate(FILE *out, const char *tenant, const char *field,
			      struct json_object *value, char *error, size_t size)
{
	const char *text = json_object_get_string(value), *reason = NULL;
	uint64_t rate;

	if (!json_object_is_type(value, json_type_string))
		return FAIL(error, size, "'%s' must be a string such as \"100M\"", field);
	if (egress_rate_parse(text, &rate, &reason))
		return FAIL(error, size, "'%s' %s", field, reason);
	fprintf(out, "EgressRate=%s\n", text);
	return 0;
}

static int render_quota_loopback(FILE *out, const char *tenant, const char *field,
				 struct json_object *value, char *error, size_t size)
{
	if (!json_object_is_type(value, json_type_boolean))
		return FAIL(error, size, "'%s' must be true or false", field);
	fprintf(out, "QuotaLoopback=%s\n", json_object_get_boolean(value) ? "yes" : "no");
	return 0;
}

static int render_connect_burst(FILE *out, const char *tenant, const char *field,
				struct json_object *value, char *error, size_t size)
{
	int64_t burst = json_object_get_int64(value);

	if (!json_object_is_type(value, json_type_int) || burst < 1 || burst > 1000000)
		return FAIL(error, size, "'%s' must be a number 1..1000000", field);
	fprintf(out, "ConnectBurst=%lld\n", (long long)burst);
	return 0;
}

static int render_max_container_addresses(FILE *out, const char *tenant, const char *field,
					  struct json_object *value, char *error, size_t size)
{
	int64_t count = json_object_get_int64(value);

	if (!json_object_is_type(value, json_type_int) || count < 0 ||
	    count > CONTAINER_ADDRESS_MAX_ENTRIES)
		return FAIL(error, size, "'%s' must be a number 0..65536", field);
	fprintf(out, "MaxContainerAddresses=%lld\n", (long long)count);
	return 0;
}

static int render_quota_mode(FILE *out, const char *tenant, const char *field,
			     struct json_object *value, char *error, size_t size)
{
	const char *text = json_object_get_string(value);

	if (!json_object_is_type(value, json_type_string) || quota_mode_from_name(text) < 0)
		return FAIL(error, size, "'%s' must be \"warn\" or \"enforce\"", field);
	fprintf(out, "QuotaMode=%s\n", text);
	return 0;
}

static const struct body_field body_fields[] = {
	{ "name", render_name },
	{ "kind", render_kind },
	{ "mode", render_mode },
	{ "cgroups", render_cgroups },
	{ "networks", render_networks },
	{ "max_container_addresses", render_max_container_addresses },
	{ "allow_to", render_allow_to },
	{ "bind_ports", render_bind_ports },
	{ "egress_rate", render_egress_rate },
	{ "quota_loopback", render_quota_loopback },
	{ "connect_rate", render_connect_rate },
	{ "connect_burst", render_connect_burst },
	{ "quota_mode", render_quota_mode },
};

const char *dropin_field_name(size_t index)
{
	return index < ARRAY_SIZE(body_fields) ? body_fields[index].name : NULL;
}

static int render_fields(FILE *out, const char *name, struct json_object *body, char *error,
			 size_t size)
{
	if (!json_object_is_type(body, json_type_object))
		return FAIL(error, size, "the body must be a JSON object%s", "");
	fprintf(out, "# Written by tenantd for PUT /v1/tenants/%s.\n[Tenant]\nName=%s\n", name,
		name);
	json_object_object_foreach(body, key, value) {
		const struct body_field *field = NULL;
		int r;

		for (size_t i = 0; i < ARRAY_SIZE(body_fields) && !field; i++)
			if (!strcmp(key, body_fields[i].name))
				field = &body_fields[i];
		if (!field)
			return FAIL(error, size, "unknown field '%.64s'", key);
		r = field->render(out, name, key, value, error, size);
		if (r)
			return r;
	}
	return 0;
}

DEFINE_POINTER_CLEANUP(struct json_tokener *, json_tokener_free);

int dropin_render(const char *name, const char *body, size_t length, char **text, char *error,
		  size_t error_size)
{
	_cleanup_(json_tokener_freep) struct json_tokener *tokener = json_tokener_new();
	_cleanup_json_ struct json_object *document = NULL;
	size_t text_length = 0;
	FILE *out;
	int r;

	if (!tokener)
		return -ENOMEM;
	document = json_tokener_parse_ex(tokener, body, (int)length);
	if (!document || json_tokener_get_error(tokener) != json_tokener_success ||
	    json_tokener_get_parse_end(tokener) != length) {
		snprintf(error, error_size, "the body is not JSON: %s",
			 json_tokener_error_desc(json_tokener_get_error(tokener)));
		return -EINVAL;
	}
	out = open_memstream(text, &text_length);
	if (!out)
		return -ENOMEM;
	r = render_fields(out, name, document, error, error_size);
	if (fclose(out) && r == 0)
		r = -ENOMEM;
	if (r) {
		free(*text);
		*text = NULL;
	}
	return r;
}

static char *read_all(const char *path)
{
	_cleanup_fclose_ FILE *file = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;

	if (!file)
		return NULL;
	if (getdelim(&text, &size, '\0', file) < 0) {
		free(text);
		return strdup("");
	}
	return text;
}

static int write_atomically(const char *path, const char *text)
{
	char temporary[PATH_MAX];
	_cleanup_close_ int fd = -1;
	size_t length = strlen(text);
	int r = 0;

	snprintf(temporary, sizeof(temporary), "%s.XXXXXX", path);
	fd = mkostemp(temporary, O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(errno, "%s: cannot create: %m", temporary);
	errno = 0;
	if (fchmod(fd, 0644) || write(fd, text, length) != (ssize_t)length || fsync(fd) ||
	    rename(temporary, path)) {
		/* A short write leaves errno unset: say so rather than "Success". */
		r = log_error_errno(errno ? errno : EIO, "%s: cannot write: %m", path);
		(void)unlink(temporary);
	}
	return r;
}

int dropin_replace(const char *path, const char *text, char **previous)
{
	*previous = read_all(path);
	return write_atomically(path, text);
}

int dropin_remove(const char *path, char **previous)
{
	*previous = read_all(path);
	if (unlink(path) && errno != ENOENT)
		return log_error_errno(errno, "%s: cannot remove: %m", path);
	return 0;
}

int dropin_restore(const char *path, const char *previous)
{
	if (!previous)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	return write_atomically(path, previous);
}
