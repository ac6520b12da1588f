/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running the BPF iterators the agent reads what the kernel knows through
 * (Unix socket names, the privilege posture, container addresses), and the
 * host network namespace those scans tell apart from containers'. */
#ifndef TENANTD_ITERATORS_H
#define TENANTD_ITERATORS_H

#include <stddef.h>
#include <linux/types.h>

struct bpf_link;

/* Runs the iterator of LINK to its end. With OUTPUT, what its program wrote
 * is returned there, malloc'ed, *SIZE bytes; without, it is discarded. */
int iterator_run(struct bpf_link *link, void **output, size_t *size);

/* The cookie of the agent's network namespace, the host's. */
int host_netns_cookie(__u64 *cookie);

#endif /* TENANTD_ITERATORS_H */
