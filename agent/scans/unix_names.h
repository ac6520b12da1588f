/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The owner table of abstract Unix socket names, kept from the kernel's own
 * record: an iterator over the host namespace's Unix sockets fills it at
 * start, whenever a program meets a name it cannot judge, after every
 * policy change, and on a schedule that retires names no longer bound. */
#ifndef TENANTD_UNIX_NAMES_H
#define TENANTD_UNIX_NAMES_H

#include "cleanup.h"

struct tenantd_bpf;
struct unix_names;

/* Sets the table up and fills it once. *OUT stays NULL, and 0 is returned,
 * when the Unix programs were left out (--allow-partial). */
int unix_names_open(struct tenantd_bpf *skeleton, struct unix_names **out);
void unix_names_close(struct unix_names *names);
DEFINE_POINTER_CLEANUP(struct unix_names *, unix_names_close);
/* Readable when programs ask for a scan; -1 without a table. */
int unix_names_fd(const struct unix_names *names);
/* Takes the programs' requests; the scan runs from unix_names_tick. */
void unix_names_consume(struct unix_names *names);
/* The policy changed: the owners are the tenants of the sockets' cgroups. */
void unix_names_request(struct unix_names *names);
/* Milliseconds until a scan is due, or -1. */
int unix_names_timeout(const struct unix_names *names);
void unix_names_tick(struct unix_names *names);

#endif /* TENANTD_UNIX_NAMES_H */
