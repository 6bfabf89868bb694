/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * IP-layer egress per (cgroup, destination): runs at cgroup_skb/egress for
 * every packet a socket of a linked cgroup (or one below it) sends, before
 * GSO splits it: a super-packet counts as its segments, each with its own
 * copy of the headers. The cgroup is the sending socket's
 * (bpf_skb_cgroup_id()), as for the TCP numbers.
 *
 * Each CPU adds its packets into its own slot (egress_acc) for as long as
 * they go to one destination, and folds the slot into the shared hash
 * only when the destination changes: a stream of datagrams to one log
 * host costs a compare and two adds a packet instead of a hash lookup and
 * two atomic adds (~80 ns a packet on a 2-vCPU VM, docs/PERFORMANCE.md).
 * User space folds every CPU's slot (bw_egress_flush, run on that CPU)
 * before it reads the hash, so what it reads is exact.
 *
 * The slot is claimed with a compare-and-swap on `busy`: a cgroup_skb
 * program runs with migration, not preemption, disabled, so another
 * task's packet, a softirq's, or the flush on this CPU can come between
 * any two instructions. Whoever finds the slot taken adds to the hash
 * directly (the flush: user space asks again).
 */
#ifndef BW_EGRESS_BPF_H
#define BW_EGRESS_BPF_H

#include "bpfwatch.h"
#include "delivery_maps.bpf.h"
#include "packet.bpf.h"
#include "sent_dest.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_egress_acc);
} egress_acc SEC(".maps");

static const struct bw_egress bw_zero_egress;

/* A full map counts every packet it could not take in egress_full. */
static __always_inline void bw_egress_add(const struct bw_peer_key *key, __u64 packets, __u64 bytes)
{
	struct bw_egress *e = bw_lookup_or_create(&egress, key, &bw_zero_egress);

	if (!e) {
		bw_dstat_add(BW_DSTAT_EGRESS_FULL, packets);
		return;
	}
	__sync_fetch_and_add(&e->packets, packets);
	__sync_fetch_and_add(&e->bytes, bytes);
}

/* This CPU's slot, claimed; NULL when someone on this CPU holds it. */
static __always_inline struct bw_egress_acc *bw_egress_claim(void)
{
	__u32 zero = 0;
	struct bw_egress_acc *acc = bpf_map_lookup_elem(&egress_acc, &zero);

	if (!acc || __sync_val_compare_and_swap(&acc->busy, 0, 1) != 0)
		return NULL;
	return acc;
}

/* Moves the slot's count into the hash; the slot stays claimed. */
static __always_inline void bw_egress_fold(struct bw_egress_acc *acc)
{
	if (!acc->count.packets)
		return;
	bw_egress_add(&acc->key, acc->count.packets, acc->count.bytes);
	acc->count.packets = 0;
	acc->count.bytes = 0;
}

static __always_inline void bw_egress_release(struct bw_egress_acc *acc)
{
	asm volatile("" ::: "memory");
	acc->busy = 0;
}

static __always_inline bool bw_same_peer_key(const struct bw_peer_key *a, const struct bw_peer_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

/* Who sent this UDP datagram, by which socket, to where (sent_dest.bpf.h). */
static __always_inline void bw_note_sent_dest(struct __sk_buff *skb, const struct bw_peer *peer)
{
	__u32 zero = 0;
	struct bw_sent_dest *n = bpf_map_lookup_elem(&sent_dests, &zero);
	struct bpf_sock *sk = skb->sk;
	struct task_struct *task;

	if (!n || !sk)
		return;
	task = bpf_get_current_task_btf();
	n->task = (__u64)task;
	n->sk = (__u64)sk;
	n->switches = bw_task_switches(task);
	n->peer = *peer;
}

static __always_inline void bw_count_egress(struct __sk_buff *skb)
{
	struct bw_egress_acc *acc;
	struct bw_peer_key key;
	__u64 segs, bytes;
	int hdr;

	key.cgroup_id = bpf_skb_cgroup_id(skb);
	if (!bw_watched(key.cgroup_id))
		return;
	hdr = bw_packet_peer(skb, &key.peer);
	if (hdr < 0)
		return;
	if (key.peer.proto == IPPROTO_UDP)
		bw_note_sent_dest(skb, &key.peer);
	segs = skb->gso_segs ? skb->gso_segs : 1;
	bytes = skb->len + (segs - 1) * hdr;
	acc = bw_egress_claim();
	if (!acc) {
		bw_egress_add(&key, segs, bytes);
		return;
	}
	if (!bw_same_peer_key(&acc->key, &key)) {
		bw_egress_fold(acc);
		acc->key = key;
	}
	acc->count.packets += segs;
	acc->count.bytes += bytes;
	bw_egress_release(acc);
}

#endif /* BW_EGRESS_BPF_H */
