/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bringing the agent up: configuration, programs, policy, then the parts
 * that serve; and down again, enforcement left in place. */
#ifndef TENANTD_START_H
#define TENANTD_START_H

#include <stdbool.h>

struct agent;

/* Starts the agent of AGENT's options, or with CHECK_ONLY only validates
 * its configuration. *CONFIG_REFUSED tells a configuration error (which a
 * restart will not mend) from the other failures. */
int agent_start(struct agent *agent, bool check_only, bool *config_refused);
/* Closes what agent_start() opened, however far it got; the programs stay
 * attached and pinned. */
void agent_close(struct agent *agent);

#endif /* TENANTD_START_H */
