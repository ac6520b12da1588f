/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who is asking, from the peer credentials of the control socket's
 * connection: an operator (root or AdminGroup=), or the tenant the calling
 * process belongs to. */
#ifndef TENANTD_CALLER_H
#define TENANTD_CALLER_H

#include <microhttpd.h>

struct agent;
struct view;

/* Fills VIEW for the peer of CONNECTION; -EACCES for a caller that is
 * neither an operator nor in a tenant. */
int caller_view(const struct agent *agent, struct MHD_Connection *connection,
		struct view *view);

#endif /* TENANTD_CALLER_H */
