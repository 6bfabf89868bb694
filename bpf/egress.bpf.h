/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * IP-layer egress per (cgroup, destination): runs at cgroup_skb/egress for
 * every packet a socket of a linked cgroup (or one below it) sends, before
 * GSO splits it: a super-packet counts as its segments, each with its own
 * copy of the headers. The cgroup is the sending socket's
 * (bpf_skb_cgroup_id()), as for the TCP numbers.
 */
#ifndef BW_EGRESS_BPF_H
#define BW_EGRESS_BPF_H

#include "bpfwatch.h"
#include "delivery_maps.bpf.h"
#include "packet.bpf.h"

static const struct bw_egress bw_zero_egress;

static __always_inline void bw_count_egress(struct __sk_buff *skb)
{
	struct bw_peer_key key;
	struct bw_egress *e;
	__u32 segs;
	int hdr;

	key.cgroup_id = bpf_skb_cgroup_id(skb);
	if (!bw_watched(key.cgroup_id))
		return;
	hdr = bw_packet_peer(skb, &key.peer);
	if (hdr < 0)
		return;
	e = bw_lookup_or_init(&egress, &key, &bw_zero_egress, BW_DSTAT_EGRESS_FULL);
	if (!e)
		return;
	segs = skb->gso_segs ? skb->gso_segs : 1;
	__sync_fetch_and_add(&e->packets, segs);
	__sync_fetch_and_add(&e->bytes, skb->len + (segs - 1) * hdr);
}

#endif /* BW_EGRESS_BPF_H */
