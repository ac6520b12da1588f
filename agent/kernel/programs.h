/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading, pinning and attaching tenantd's BPF programs. Maps and links are
 * pinned under the bpffs directory, so enforcement and counters outlive the
 * agent; a new agent adopts them instead of re-attaching. */
#ifndef TENANTD_PROGRAMS_H
#define TENANTD_PROGRAMS_H

#include <limits.h>
#include <stdbool.h>

struct tenantd_bpf;

struct programs {
	struct tenantd_bpf *skeleton;
	char pin_directory[PATH_MAX];
	unsigned int attached; /* programs attached at the cgroup root */
	unsigned int adopted; /* of those, links found pinned and updated in place */
	bool maps_reused; /* the maps were pinned already; else made empty */
};

/* The sizes of the maps the configuration chooses (MaxCgroups=,
 * MaxNetworks=). */
struct map_sizes {
	unsigned int cgroups;
	unsigned int networks;
};

/* Loads the programs, reusing the maps pinned under PIN_DIRECTORY, so that
 * the policy can be written before anything is attached. The programs in
 * DISABLED_PROGRAMS (features.h bits) are neither loaded nor attached. New
 * maps get SIZES; pinned ones of another size are refused (-EBUSY), since
 * a map keeps its size. */
int programs_load(struct programs *programs, const char *pin_directory,
		  unsigned int disabled_programs, const struct map_sizes *sizes);
/* Attaches to the cgroup at CGROUP_PATH (a full path). Pinned links are
 * adopted by swapping their program atomically: no window without
 * enforcement. */
int programs_attach(struct programs *programs, const char *cgroup_path);
/* Closes the agent's handles; pinned objects stay and keep enforcing. */
void programs_close(struct programs *programs);
/* Removes every pin under PIN_DIRECTORY: links detach, maps are freed. */
int programs_detach(const char *pin_directory);

#endif /* TENANTD_PROGRAMS_H */
