// SPDX-License-Identifier: LGPL-2.1-or-later
/* The caller's view, established before any request is routed: SO_PEERCRED
 * for the uid, SO_PEERGROUPS for AdminGroup=, the process's cgroup for its
 * tenant. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include "agent.h"
#include "api/caller.h"
#include "cgroups/tenant_of.h"

#define PEER_GROUPS_MAX 256

static bool peer_in_group(int fd, const struct ucred *credentials, const char *group_name)
{
	gid_t groups[PEER_GROUPS_MAX];
	socklen_t length = sizeof(groups);
	struct group *group;

	if (!group_name[0] || !(group = getgrnam(group_name)))
		return false;
	if (credentials->gid == group->gr_gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &length))
		return false;
	for (size_t i = 0; i < length / sizeof(gid_t); i++)
		if (groups[i] == group->gr_gid)
			return true;
	return false;
}

int caller_view(const struct agent *agent, struct MHD_Connection *connection,
		struct view *view)
{
	const union MHD_ConnectionInfo *info;
	struct ucred credentials;
	socklen_t length = sizeof(credentials);
	char cgroup[PATH_MAX];

	memset(view, 0, sizeof(*view));
	info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!info || getsockopt(info->connect_fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length))
		return -EACCES;
	if (credentials.uid == 0 ||
	    peer_in_group(info->connect_fd, &credentials, agent->config.agent.admin_group)) {
		view->operator = true;
		return 0;
	}
	if (tenant_of_process(agent, credentials.pid, &view->tenant_id, cgroup, sizeof(cgroup)) ||
	    view->tenant_id == TENANT_ID_HOST)
		return -EACCES;
	return 0;
}
