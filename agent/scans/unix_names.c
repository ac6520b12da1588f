// SPDX-License-Identifier: LGPL-2.1-or-later
/* The owner table of abstract Unix socket names. The kernel has no lookup
 * of a Unix socket by name for the programs, but lists every socket, with
 * its name and its cgroup, to an iterator; this file runs that iterator
 * when the table may be behind, and retires what it no longer finds. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdlib.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cleanup.h"
#include "log.h"
#include "scans/scan.h"
#include "scans/unix_names.h"
#include "tenantd.skel.h"
#include "tenantd_abi.h"

/* Requests during the pause after a scan share the next one. The pause is
 * a multiple of the last scan's duration, so clients retrying in a loop,
 * or a tenant knocking on names, keep the agent busy at most a fifth of
 * the time, while a small host rescans within a millisecond. */
#define SCAN_PAUSE_MIN_MS 1
#define SCAN_PAUSE_PER_SCAN_TIME 4
/* How long a name released by one tenant and bound by another may still be
 * judged as the first one's when nothing asks for a scan sooner. */
#define SCAN_INTERVAL_MS 1000

struct unix_names {
	struct tenantd_bpf *skeleton;
	struct bpf_link *iterator;
	struct ring_buffer *requests;
	struct unix_scan_state state;
	struct scan_schedule schedule;
};

static int scan(struct unix_names *names)
{
	int scan_fd = bpf_map__fd(names->skeleton->maps.tenantd_unix_scan);
	__u32 zero = 0;
	int r;

	scan_started(&names->schedule);
	names->state.scan++;
	if (bpf_map_update_elem(scan_fd, &zero, &names->state, BPF_ANY))
		return log_error_errno(errno, "cannot start a scan of Unix socket names: %m");
	/* The program writes the table as it goes; the text is empty. */
	r = iterator_run(names->iterator, NULL, NULL);
	if (r)
		return log_error_errno(r, "cannot scan the Unix sockets: %m");
	(void)bpf_map_lookup_elem(scan_fd, &zero, &names->state);
	scan_finished(&names->schedule);
	log_debug("Unix socket names: scan %u found %u in %" PRIu64 " us", names->state.scan,
		  names->state.names, names->schedule.duration_us);
	return 0;
}

static int on_request(void *context, void *data, size_t size)
{
	struct unix_names *names = context;

	scan_requested(&names->schedule);
	return 0;
}

int unix_names_open(struct tenantd_bpf *skeleton, struct unix_names **out)
{
	/* The scans cover the agent's network namespace, the host's; the
	 * programs judge only names in it. */
	const struct scan_start start = {
		.program = skeleton->progs.tenantd_unix_scan_names,
		.what = "the Unix socket iterator",
		.state = skeleton->maps.tenantd_unix_scan,
		.scan_offset = offsetof(struct unix_scan_state, scan),
	};
	_cleanup_(unix_names_closep) struct unix_names *names = NULL;
	int r;

	*out = NULL;
	if (bpf_program__fd(start.program) < 0)
		return 0;
	names = calloc(1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	names->skeleton = skeleton;
	r = scan_iterator_open(&start, &names->iterator, &names->state.netns_cookie,
			       &names->state.scan);
	if (r)
		return r;
	names->requests = ring_buffer__new(
		bpf_map__fd(skeleton->maps.tenantd_unix_scan_requests), on_request, names, NULL);
	if (!names->requests)
		return log_error_errno(-errno, "cannot read the Unix scan requests: %m");
	r = scan(names);
	if (r)
		return r;
	*out = TAKE_PTR(names);
	return 0;
}

void unix_names_close(struct unix_names *names)
{
	if (!names)
		return;
	ring_buffer__free(names->requests);
	bpf_link__destroy(names->iterator);
	free(names);
}

int unix_names_fd(const struct unix_names *names)
{
	return names ? ring_buffer__epoll_fd(names->requests) : -1;
}

void unix_names_consume(struct unix_names *names)
{
	if (names)
		(void)ring_buffer__consume(names->requests);
}

void unix_names_request(struct unix_names *names)
{
	if (names)
		scan_requested(&names->schedule);
}

int unix_names_timeout(const struct unix_names *names)
{
	uint64_t pause;

	if (!names)
		return -1;
	pause = SCAN_PAUSE_PER_SCAN_TIME * names->schedule.duration_us;
	if (pause < SCAN_PAUSE_MIN_MS * 1000)
		pause = SCAN_PAUSE_MIN_MS * 1000;
	return scan_timeout(&names->schedule, pause, SCAN_INTERVAL_MS * 1000);
}

void unix_names_tick(struct unix_names *names)
{
	if (unix_names_timeout(names) == 0)
		(void)scan(names);
}
