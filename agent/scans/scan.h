/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running the BPF iterators the agent reads what the kernel knows through
 * (Unix socket names, the privilege posture, container addresses): when a
 * scan is due, running it, and the host network namespace the scans tell
 * apart from containers'. */
#ifndef TENANTD_SCAN_H
#define TENANTD_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

struct bpf_link;

/* Runs the iterator of LINK to its end. With OUTPUT, what its program wrote
 * is returned there, malloc'ed, *SIZE bytes; without, it is discarded. */
int iterator_run(struct bpf_link *link, void **output, size_t *size);

/* When a scan is due: an interval after the last one, or a shorter pause
 * when something asked for one sooner. Requests during the pause share the
 * next scan. */
struct scan_schedule {
	uint64_t started_us; /* CLOCK_MONOTONIC, of the last scan */
	uint64_t duration_us; /* how long it took */
	bool requested;
};

uint64_t monotonic_us(void);
static inline void scan_requested(struct scan_schedule *schedule)
{
	schedule->requested = true;
}
/* Around a scan: the request it serves is done, its duration kept. */
void scan_started(struct scan_schedule *schedule);
void scan_finished(struct scan_schedule *schedule);
/* Milliseconds until the next scan is due (0: now), PAUSE_US after the last
 * when requested, else INTERVAL_US after it. */
int scan_timeout(const struct scan_schedule *schedule, uint64_t pause_us, uint64_t interval_us);

/* The cookie of the agent's network namespace, the host's. */
int host_netns_cookie(__u64 *cookie);

#endif /* TENANTD_SCAN_H */
