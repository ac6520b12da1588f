// SPDX-License-Identifier: LGPL-2.1-or-later
/* Running the BPF iterators: a new iterator file per run, read to its end.
 * The programs write fixed-size records, or nothing and fill maps. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cleanup.h"
#include "iterators.h"

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

int host_netns_cookie(__u64 *cookie)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t length = sizeof(*cookie);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &length))
		return -errno;
	return 0;
}
