/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A tenant's own network namespace: one a user namespace other than the
 * host's owns, which an unprivileged process made for itself (a rootless
 * container, a sandbox). A raw or packet socket there sees and forges only
 * that namespace's traffic, which leaves it through the cgroup hooks like
 * any container's; a netlink socket there reaches only that namespace.
 * Entering another's such namespace takes its owner's user id, so tenants
 * run as users of their own (docs/threat-model.md). */
#ifndef TENANTD_NAMESPACE_BPF_H
#define TENANTD_NAMESPACE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

static __always_inline bool in_private_network_namespace(const struct sock *sk)
{
	return sk->__sk_common.skc_net.net->user_ns->level != 0;
}

#endif /* TENANTD_NAMESPACE_BPF_H */
