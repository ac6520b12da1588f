/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the scans share (Unix socket names, the privilege posture,
 * container addresses): opening and running their BPF iterators, when a
 * scan is due, and the host network namespace they tell apart from
 * containers'. */
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

struct bpf_map;
struct bpf_program;

/* Where a scanner starts from. */
struct scan_start {
	struct bpf_program *program; /* the iterator's */
	const char *what; /* "the Unix socket iterator", for its errors */
	/* The pinned state map, NULL for none: the scan number of its entry 0,
	 * at SCAN_OFFSET, is carried on, so that what the previous agent's
	 * scans recorded stays distinguishable from this one's. */
	struct bpf_map *state;
	size_t scan_offset;
};

/* Attaches START's iterator into *LINK, and when asked for reads the host
 * network namespace's cookie into *HOST_NETNS_COOKIE and the pinned scan
 * number into *SCAN. Logs what failed. */
int scan_iterator_open(const struct scan_start *start, struct bpf_link **link,
		       __u64 *host_netns_cookie, __u32 *scan);

#endif /* TENANTD_SCAN_H */
