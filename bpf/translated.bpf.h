/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Destinations translated after connect() or sendmsg() judged them: DNAT,
 * REDIRECT, published ports and service addresses, judged again at the
 * first packet that goes elsewhere. */
#ifndef TENANTD_TRANSLATED_BPF_H
#define TENANTD_TRANSLATED_BPF_H

#include "packet.bpf.h"
#include "verdict.bpf.h"

/* Judges a flow whose destination address translation changed after
 * connect() or sendmsg() (translated.bpf.c); *OWNER is the tenant it now
 * reaches. */
extern int tenantd_judge_translated(struct __sk_buff *skb, __u32 me,
				    const struct tenant_record *mine, struct flow *flow,
				    __s64 *owner);

/* Other packets than a TCP connection's first and UDP datagrams pay a
 * load or two. */
static __always_inline int judge_translated(struct __sk_buff *skb, struct bpf_sock *sk, __u32 me,
					    const struct tenant_record *mine, struct flow *flow,
					    __s64 *owner)
{
	__u8 protocol = sk->protocol;

	if (!(protocol == IPPROTO_TCP && sk->state == TCP_SYN_SENT) && protocol != IPPROTO_UDP)
		return VERDICT_ALLOW;
	return tenantd_judge_translated(skb, me, mine, flow, owner);
}

#endif /* TENANTD_TRANSLATED_BPF_H */
