/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the running kernel offers tenantd: each program type, map type and
 * helper the programs use, probed at start. A missing one either stops
 * tenantd, naming it, or with --allow-partial turns off just the programs
 * that need it. */
#ifndef TENANTD_KERNEL_FEATURES_H
#define TENANTD_KERNEL_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

enum feature {
	FEATURE_BTF,
	FEATURE_CGROUP_SOCK_ADDR,
	FEATURE_CGROUP_SOCK,
	FEATURE_CGROUP_SKB,
	FEATURE_LPM_TRIE,
	FEATURE_RINGBUF,
	FEATURE_LRU_HASH,
	FEATURE_PERCPU_HASH,
	FEATURE_SK_STORAGE,
	FEATURE_SK_LOOKUP,
	FEATURE_SKC_TO_TCP_SOCK,
	FEATURE_SKB_ANCESTOR_CGROUP_ID,
	FEATURE_CURRENT_ANCESTOR_CGROUP_ID,
	FEATURE_UNIX_SOCKET_HOOKS,
	FEATURE_POSTURE_ITERATORS,
	FEATURE_TASK_ITERATOR,
	FEATURE_COUNT,
};

/* The programs, as bits, in the order of the skeleton's names below. */
enum program_bit {
	PROGRAM_CHECK_SOCKET = 1 << 0,
	PROGRAM_CONNECT = 1 << 1, /* connect4 and connect6 */
	PROGRAM_SENDMSG = 1 << 2, /* sendmsg4 and sendmsg6 */
	PROGRAM_EGRESS = 1 << 3,
	PROGRAM_INGRESS = 1 << 4,
	PROGRAM_UNIX = 1 << 5, /* unix_connect, unix_sendmsg and the name scan */
	PROGRAM_POSTURE = 1 << 6, /* the capability and packet socket scans */
	PROGRAM_CONTAINERS = 1 << 7, /* the container address scan (Network=auto) */
	PROGRAM_BIND = 1 << 8, /* bind4 and bind6 */
	PROGRAM_ALL = (1 << 9) - 1,
};

const char *kernel_features_name(enum feature feature);
/* Which program bits a skeleton program name stands for. */
unsigned int kernel_features_program_bits(const char *program_name);
/* Probes the running kernel. */
void kernel_features_probe(bool found[FEATURE_COUNT]);
/* Decides from FOUND which programs to leave out (*DISABLED). Without
 * ALLOW_PARTIAL any missing feature is refused; a feature every program
 * needs is refused either way. On refusal ERROR says what is missing and
 * what it protects. */
int kernel_features_plan(const bool found[FEATURE_COUNT], bool allow_partial, unsigned int *disabled,
		  char *error, size_t size);

#endif /* TENANTD_KERNEL_FEATURES_H */
