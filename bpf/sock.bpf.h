/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A socket's owner, peer and TCP counters, read from the socket itself.
 *
 * ACKs, resets and retransmits run in softirq or timer context, where the
 * current task is whoever was interrupted: the cgroup must come from the
 * socket. sk_cgrp_data holds the cgroup v2 cgroup of the task that created
 * the socket (accepted sockets inherit the listener's). The struct layout
 * used here is the one since v5.15 (commit 8520e224f547, "bpf, cgroups:
 * Fix cgroup v2 fallback on v1/v2 mixed mode"); bpf_rdonly_cast() already
 * needs v6.2, so the older union never applies.
 *
 * All pointers are BTF pointers (see fd.bpf.h): each field read is one
 * fault-safe load.
 */
#ifndef BW_SOCK_BPF_H
#define BW_SOCK_BPF_H

#include "bpfwatch.h"
#include "fd.bpf.h"

#define BW_TCPHDR_ACK 0x10

/* States where sk is a struct sock; a timewait or request sock is not. */
#define BW_TCPF_MINISOCK ((1 << TCP_TIME_WAIT) | (1 << TCP_NEW_SYN_RECV))
/* States where our FIN is in the sequence space (write_seq counts it). */
#define BW_TCPF_FIN_QUEUED                                                  \
	((1 << TCP_FIN_WAIT1) | (1 << TCP_FIN_WAIT2) | (1 << TCP_CLOSING) | \
	 (1 << TCP_LAST_ACK) | (1 << TCP_TIME_WAIT))

static __always_inline bool bw_sk_fullsock(struct sock *sk)
{
	return !((1 << sk->__sk_common.skc_state) & BW_TCPF_MINISOCK);
}

/* The cgroup v2 id (kernfs inode number) of the socket's creator. */
static __always_inline __u64 bw_sk_cgroup_id(struct sock *sk)
{
	struct cgroup *cgrp = sk->sk_cgrp_data.cgroup;

	return cgrp ? cgrp->kn->id : 0;
}

/* The peer a connected socket talks to; v4-mapped v6 peers become v4, so
 * they share a key with the IPv4 packets the egress hook sees. */
static __always_inline void bw_sk_peer(struct sock *sk, __u8 proto, struct bw_peer *p)
{
	struct sock_common *skc = &sk->__sk_common;
	__u32 *a6 = skc->skc_v6_daddr.in6_u.u6_addr32;
	__u64 *dst = (__u64 *)p->addr;

	__builtin_memset(p, 0, sizeof(*p));
	p->proto = proto;
	p->port = bpf_ntohs(skc->skc_dport);
	p->family = skc->skc_family;
	if (p->family == BW_AF_INET) {
		*(__u32 *)p->addr = skc->skc_daddr;
	} else if (p->family == BW_AF_INET6) {
		if (a6[0] == 0 && a6[1] == 0 && a6[2] == bpf_htonl(0xffff)) {
			p->family = BW_AF_INET;
			*(__u32 *)p->addr = a6[3];
		} else {
			dst[0] = *(__u64 *)&a6[0];
			dst[1] = *(__u64 *)&a6[2];
		}
	}
}

/* a is later than b in sequence space (RFC 1982 arithmetic, as the
 * kernel's after()). */
static __always_inline bool bw_seq_after(__u32 a, __u32 b)
{
	return (__s32)(a - b) > 0;
}

/* b - a when b is at or after a, else 0: queue sizes from sequence numbers. */
static __always_inline __u32 bw_seq_span(__u32 a, __u32 b)
{
	__s32 d = (__s32)(b - a);

	return d > 0 ? d : 0;
}

/*
 * Data bytes the peer acknowledged, as tcp_sock.bytes_acked counts them
 * minus our FIN: bytes_acked adds every advance of snd_una
 * (tcp_snd_una_update()), and our FIN takes one sequence number. Once it
 * is queued (the FIN states) and snd_una has reached write_seq, the FIN was
 * acknowledged. The SYN's number is in the base taken at ESTABLISHED.
 * A state just entered whose FIN is not queued yet can make this one short
 * for a moment; the fold only ever moves up, so it catches up, never over.
 */
static __always_inline __u64 bw_tcp_acked_data(struct tcp_sock *tp, int state)
{
	__u64 acked = tp->bytes_acked;

	if (((1 << state) & BW_TCPF_FIN_QUEUED) && tp->snd_una == tp->write_seq && acked)
		acked -= 1;
	return acked;
}

#endif /* BW_SOCK_BPF_H */
