// SPDX-License-Identifier: LGPL-2.1-or-later
/* What the scans share: their iterators opened and run (a new iterator
 * file per run, read to its end: the programs write fixed-size records, or
 * nothing and fill maps), the schedule, and the host's namespace. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cleanup.h"
#include "kernel/network_tries.h"
#include "log.h"
#include "scans/scan.h"

int iterator_run(struct bpf_link *link, void **output, size_t *size)
{
	_cleanup_close_ int fd = bpf_iter_create(bpf_link__fd(link));
	size_t used = 0, capacity = 4096;
	_cleanup_free_ char *buffer = malloc(capacity);
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (!buffer)
		return -ENOMEM;
	for (;;) {
		if (output && capacity - used < 4096) {
			char *grown = realloc(buffer, capacity * 2);

			if (!grown)
				return -ENOMEM;
			buffer = grown;
			capacity *= 2;
		}
		n = read(fd, output ? buffer + used : buffer, output ? capacity - used : capacity);
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		if (output)
			used += (size_t)n;
	}
	if (output) {
		*output = TAKE_PTR(buffer);
		*size = used;
	}
	return 0;
}

uint64_t monotonic_us(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000;
}

void scan_started(struct scan_schedule *schedule)
{
	schedule->started_us = monotonic_us();
	schedule->requested = false;
}

void scan_finished(struct scan_schedule *schedule)
{
	schedule->duration_us = monotonic_us() - schedule->started_us;
}

int scan_timeout(const struct scan_schedule *schedule, uint64_t pause_us, uint64_t interval_us)
{
	uint64_t due = schedule->started_us + (schedule->requested ? pause_us : interval_us);
	uint64_t now = monotonic_us();

	return due <= now ? 0 : (int)((due - now + 999) / 1000);
}

/* The entry is read whole, for the scan number at its offset. */
#define SCAN_STATE_MAX 64

static int pinned_scan_number(struct bpf_map *state, size_t offset, __u32 *scan)
{
	unsigned char value[SCAN_STATE_MAX] = {};
	size_t size = bpf_map__value_size(state);

	if (size > sizeof(value) || offset + sizeof(*scan) > size)
		return -EINVAL;
	if (bpf_map_lookup_elem(bpf_map__fd(state), &(__u32){ 0 }, value) == 0)
		memcpy(scan, value + offset, sizeof(*scan));
	return 0;
}

int scan_iterator_open(const struct scan_start *start, struct bpf_link **link,
		       __u64 *host_netns_cookie, __u32 *scan)
{
	int r;

	if (host_netns_cookie) {
		r = network_namespace_cookie(host_netns_cookie);
		if (r)
			return log_error_errno(r, "cannot read the network namespace's cookie: %m");
	}
	if (start->state) {
		r = pinned_scan_number(start->state, start->scan_offset, scan);
		if (r)
			return log_error_errno(r, "%s: its scan state does not fit: %m", start->what);
	}
	*link = bpf_program__attach_iter(start->program, NULL);
	if (!*link)
		return log_error_errno(-errno, "cannot create %s: %m", start->what);
	return 0;
}
