// SPDX-License-Identifier: LGPL-2.1-or-later
/* Running the BPF iterators: a new iterator file per run, read to its end
 * (the programs write fixed-size records, or nothing and fill maps), and
 * the schedule the scans share. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cleanup.h"
#include "scans/scan.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

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

int host_netns_cookie(__u64 *cookie)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t length = sizeof(*cookie);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &length))
		return -errno;
	return 0;
}
