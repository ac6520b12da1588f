// SPDX-License-Identifier: LGPL-2.1-or-later
/* The consumer side of the event ring buffer. The kernel already rate
 * limits per tenant and counts what it drops, so every record read here is
 * logged. Cgroup ids are resolved to paths through the cgroup2 mount. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "agent.h"
#include "api/events.h"
#include "cgroups/cgroup_paths.h"
#include "cgroups/tenant_of.h"
#include "cleanup.h"
#include "kernel/abi_names.h"
#include "log.h"
#include "tenant_json.h"
#include "tenantd.skel.h"
#include "validate.h"

/* An event as it came from the kernel, named only when shown, since who
 * may read a peer's name depends on who asks. */
struct recorded_event {
	struct violation_event raw;
	uint64_t wall_ns;
	char *cgroup;
};

struct event_stream {
	struct agent *agent;
	struct ring_buffer *ring;
	struct recorded_event history[EVENT_HISTORY];
	uint64_t next_sequence; /* event N is history[N % EVENT_HISTORY] */
	void (*on_new)(void *context);
	void *on_new_context;
};

const char *peer_label_for(const struct agent *agent, const struct view *view, uint32_t id)
{
	if (view->operator || id == view->tenant_id || id == TENANT_ID_HOST ||
	    !tenant_ids_name(&agent->ids, id))
		return tenant_label(agent, id);
	return "other";
}

const char *tenant_label(const struct agent *agent, uint32_t id)
{
	const char *name;

	if (id == TENANT_ID_HOST)
		return "host";
	name = id <= TENANT_ID_MAX ? tenant_ids_name(&agent->ids, id) : NULL;
	return name ? name : "unknown";
}

/* The cgroup is most likely below the event's tenant's first cgroup. */
static void cgroup_path_of(struct event_stream *stream, const struct violation_event *event,
			   char *out, size_t size)
{
	const struct agent *agent = stream->agent;
	const char *name = tenant_ids_name(&agent->ids, event->tenant_id);
	const struct tenant_config *tenant = name ? config_find_tenant(&agent->config, name) : NULL;
	const char *hint = tenant && tenant->cgroup_count ? tenant->cgroups[0].path : NULL;

	if (cgroup_paths_find(agent->cgroup_paths, event->cgroup_id, hint, out, size))
		snprintf(out, size, "cgroup-id:%" PRIu64, (uint64_t)event->cgroup_id);
}

static void format_time(uint64_t wall_ns, char *out, size_t size)
{
	time_t seconds = (time_t)(wall_ns / 1000000000ULL);
	struct tm utc;
	char date[32];

	gmtime_r(&seconds, &utc);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &utc);
	snprintf(out, size, "%s.%09" PRIu64 "Z", date, (uint64_t)(wall_ns % 1000000000U));
}

/* As ss(8) shows Unix names: '@' for the 0 that opens an abstract name
 * and for any other 0 in it, '?' for what cannot be printed. */
static void unix_name_format(const struct violation_event *event, char *out, size_t size)
{
	uint32_t length = event->unix_name_length;
	size_t used = 0;

	if (length > UNIX_NAME_BYTES)
		length = UNIX_NAME_BYTES;
	for (uint32_t i = 0; i < length && used + 1 < size; i++) {
		unsigned char c = event->unix_name[i];

		out[used++] = c == 0 ? '@' : (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	out[used] = '\0';
}

static const char *socket_type_name(uint8_t type)
{
	switch (type) {
	case 1:
		return "stream";
	case 2:
		return "dgram";
	case 5:
		return "seqpacket";
	default:
		return "other";
	}
}

char *event_format(const struct violation_event *event, const char *tenant,
		   const char *peer, const char *cgroup, uint64_t wall_ns)
{
	char time_text[64], address[INET6_ADDRSTRLEN], comm[TASK_COMM_BYTES + 1];
	_cleanup_json_ struct json_object *object = json_object_new_object();

	if (!object)
		return NULL;
	format_time(wall_ns, time_text, sizeof(time_text));
	/* As the process wrote it: an IPv6 socket's IPv4-mapped destination
	 * stays ::ffff:a.b.c.d. */
	if (event->family == AF_INET6)
		inet_ntop(AF_INET6, event->addr, address, sizeof(address));
	else
		inet_ntop(AF_INET, &event->addr[12], address, sizeof(address));
	memcpy(comm, event->comm, TASK_COMM_BYTES);
	comm[TASK_COMM_BYTES] = '\0';

	json_object_object_add(object, "time", json_object_new_string(time_text));
	json_object_object_add(object, "tenant", json_object_new_string(tenant));
	json_object_object_add(object, "peer", json_object_new_string(peer));
	json_object_object_add(object, "reason",
			       json_object_new_string(violation_reason_name(event->reason)));
	json_object_object_add(object, "action",
			       json_object_new_string(violation_action_name(event->action)));
	json_object_object_add(object, "pid", json_object_new_int64(event->pid));
	json_object_object_add(object, "comm", json_object_new_string(comm));
	json_object_object_add(object, "cgroup", json_object_new_string(cgroup));
	if (event->reason == REASON_PRIVILEGED_PROCESS) {
		json_object_object_add(object, "capabilities",
				       capability_names_json(event->capabilities));
	} else if (event->reason == REASON_PACKET_SOCKET ||
		   event->reason == REASON_NETLINK_SOCKET) {
		/* Nothing more: the process holds one, whatever it is bound to. */
	} else if (event->family == AF_UNIX) {
		char name[UNIX_NAME_BYTES + 1];

		unix_name_format(event, name, sizeof(name));
		json_object_object_add(object, "proto",
				       json_object_new_string(socket_type_name(event->protocol)));
		json_object_object_add(object, "family", json_object_new_string("unix"));
		json_object_object_add(object, "dst", json_object_new_string(name));
	} else {
		json_object_object_add(object, "proto",
				       json_object_new_string(protocol_name(event->protocol)));
		json_object_object_add(object, "family",
				       json_object_new_string(event->family == AF_INET6 ? "ipv6" :
											  "ipv4"));
		json_object_object_add(object, "dst", json_object_new_string(address));
		json_object_object_add(object, "dport", json_object_new_int(event->dport));
		/* Where address translation sent it: dst is what was written. */
		if (event->translated) {
			char translated[INET6_ADDRSTRLEN];

			if (event->family == AF_INET6)
				inet_ntop(AF_INET6, event->translated_addr, translated,
					  sizeof(translated));
			else
				inet_ntop(AF_INET, &event->translated_addr[12], translated,
					  sizeof(translated));
			json_object_object_add(object, "translated_dst",
					       json_object_new_string(translated));
			json_object_object_add(object, "translated_dport",
					       json_object_new_int(event->translated_port));
		}
	}
	return strdup(json_object_to_json_string_ext(object, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* Boot time to wall time: the offset is taken per event, so it follows any
 * clock step since the agent started. */
static uint64_t wall_time_of(uint64_t boot_ns)
{
	struct timespec real, boot;
	uint64_t real_ns, boot_now_ns;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	real_ns = (uint64_t)real.tv_sec * 1000000000ULL + (uint64_t)real.tv_nsec;
	boot_now_ns = (uint64_t)boot.tv_sec * 1000000000ULL + (uint64_t)boot.tv_nsec;
	return real_ns - (boot_now_ns - boot_ns);
}

void event_stream_record(struct event_stream *stream, const struct violation_event *event)
{
	char cgroup[PATH_MAX];
	_cleanup_free_ char *line = NULL;
	struct recorded_event *slot;
	uint64_t wall_ns;

	cgroup_path_of(stream, event, cgroup, sizeof(cgroup));
	wall_ns = wall_time_of(event->boot_ns);
	line = event_format(event, tenant_label(stream->agent, event->tenant_id),
			    tenant_label(stream->agent, event->peer_id), cgroup, wall_ns);
	if (line) {
		fprintf(stderr, "%s\n", line);
		fflush(stderr);
	}
	slot = &stream->history[stream->next_sequence % EVENT_HISTORY];
	free(slot->cgroup);
	slot->raw = *event;
	slot->wall_ns = wall_ns;
	slot->cgroup = strdup(cgroup);
	stream->next_sequence++;
}

static int handle_event(void *context, void *data, size_t size)
{
	if (size >= sizeof(struct violation_event))
		event_stream_record(context, data);
	return 0;
}

void event_stream_on_new(struct event_stream *stream, void (*callback)(void *context),
			 void *context)
{
	stream->on_new = callback;
	stream->on_new_context = context;
}

uint64_t event_stream_next(const struct event_stream *stream)
{
	return stream->next_sequence;
}

int event_stream_render(struct event_stream *stream, const struct view *view,
			uint32_t tenant_id, uint64_t *cursor, char **text, size_t *length)
{
	uint64_t oldest = stream->next_sequence > EVENT_HISTORY ?
				  stream->next_sequence - EVENT_HISTORY : 0;
	FILE *out = open_memstream(text, length);

	if (!out)
		return -ENOMEM;
	if (*cursor < oldest)
		*cursor = oldest;
	for (; *cursor < stream->next_sequence; (*cursor)++) {
		const struct recorded_event *recorded = &stream->history[*cursor % EVENT_HISTORY];
		uint32_t owner = recorded->raw.tenant_id;
		struct violation_event shown = recorded->raw;
		const char *cgroup = recorded->cgroup ? recorded->cgroup : "";
		char *line;

		if ((!view->operator && owner != view->tenant_id) ||
		    (tenant_id != TENANT_ID_ANY && owner != tenant_id))
			continue;
		/* A tenant's socket used by a process in another tenant's cgroup
		 * (passed, or the process moved): that process is not the
		 * viewer's to see. */
		if (!view->operator && cgroup[0] &&
		    tenant_of_cgroup_path(stream->agent, cgroup) != view->tenant_id) {
			shown.pid = 0;
			memset(shown.comm, 0, sizeof(shown.comm));
			cgroup = "";
		}
		line = event_format(&shown, tenant_label(stream->agent, owner),
				    peer_label_for(stream->agent, view, recorded->raw.peer_id), cgroup,
				    recorded->wall_ns);
		if (line)
			fprintf(out, "%s\n", line);
		free(line);
	}
	return fclose(out) ? -ENOMEM : 0;
}

int event_stream_open(struct agent *agent, struct event_stream **out)
{
	_cleanup_(event_stream_closep) struct event_stream *stream = calloc(1, sizeof(*stream));
	int events_fd = bpf_map__fd(agent->programs.skeleton->maps.tenantd_events);

	if (!stream)
		return -ENOMEM;
	stream->agent = agent;
	stream->ring = ring_buffer__new(events_fd, handle_event, stream, NULL);
	if (!stream->ring)
		return log_error_errno(errno, "cannot open the event ring buffer: %m");
	*out = TAKE_PTR(stream);
	return 0;
}

void event_stream_close(struct event_stream *stream)
{
	if (!stream)
		return;
	ring_buffer__free(stream->ring);
	for (size_t i = 0; i < EVENT_HISTORY; i++)
		free(stream->history[i].cgroup);
	free(stream);
}

int event_stream_fd(const struct event_stream *stream)
{
	return ring_buffer__epoll_fd(stream->ring);
}

int event_stream_consume(struct event_stream *stream)
{
	uint64_t before = stream->next_sequence;
	int r = ring_buffer__consume(stream->ring);

	if (stream->next_sequence != before && stream->on_new)
		stream->on_new(stream->on_new_context);
	return r < 0 ? r : 0;
}
