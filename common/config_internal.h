/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the four parts of the configuration reader share, private to them:
 * config_parse.c reads one file, config_load.c reads a directory (again,
 * for a reload, only what changed), config_check.c checks across files,
 * config_digest.c tells policies apart. */
#ifndef TENANTD_CONFIG_INTERNAL_H
#define TENANTD_CONFIG_INTERNAL_H

#include <stddef.h>
#include <sys/stat.h>

#include "config.h"

#define DEFAULT_EVENT_RATE 100
/* The upper half of the mark: kube-proxy (0x4000, 0x8000), Docker (its
 * firewall marks count up from 0x100) and Istio (0x539) use the lower. */
#define DEFAULT_TENANT_MARK_MASK 0xffff0000u
#define DEFAULT_POSTURE_SCAN_SECONDS 5

/* Sets ERROR to "file:line: key: reason" (no key: "file:line: reason"),
 * unless an error is set already: the first one is kept. */
void set_error(char *error, const struct source_line *where, const char *key,
		     const char *format, ...) __attribute__((format(printf, 4, 5)));
/* Grows `*array` by one zeroed element and returns it, or NULL. */
void *config_append(void *array_pointer, size_t *count, size_t element_size);
/* A copy of TEXT that lives as long as CONFIG. */
const char *config_keep_string(struct config *config, const char *text);

/* A drop-in's identity, recorded when it is read: a reload reads again only
 * the files whose identity changed. */
void config_file_identity_from(const struct stat *status, struct file_identity *identity);
int config_file_identity_of(int fd, struct file_identity *identity);

/* Reads tenantd.conf at PATH into CONFIG's agent settings; a missing file
 * leaves every default. */
int config_parse_agent_file(const char *path, struct config *config, char *error);
/* Reads the drop-in at PATH as a new tenant of CONFIG, named STEM unless
 * its Name= says otherwise. */
int config_parse_tenant_file(const char *path, const char *stem, struct config *config,
			     char *error);

/* Sorts CONFIG's index by name and refuses a name defined twice. */
int config_index_tenants(struct config *config, char *error);
/* Everything that needs all the files: names, the maps' capacity, cgroups
 * and networks owned once, AllowTo naming tenants that exist. PREVIOUS,
 * when given, spares sorting the networks of unchanged drop-ins. */
int config_check(struct config *config, const struct config *previous, char *error);

#endif /* TENANTD_CONFIG_INTERNAL_H */
