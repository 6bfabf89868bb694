/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Tracked TCP sockets and their fold into per-peer totals.
 *
 * A socket is tracked from the first event bpfwatch sees on it: its state
 * changes, an incoming segment (tcp_probe), a retransmit. Sockets that
 * existed before bpfwatch started are picked up the same way. Its byte
 * counters are the socket's own (tcp_sock.bytes_acked, bytes_sent,
 * bytes_retrans), based when first seen synchronized or when it becomes
 * ESTABLISHED, so only what happens while watched is counted.
 *
 * Two paths move a socket's progress into its bw_tcp_peer: the sampler
 * (every read, for live sockets) and the fold at CLOSE (the final
 * numbers). They may race on two CPUs, so each counter moves by
 * compare-and-swap on the "already folded" value: whoever wins adds the
 * difference, nothing is added twice and nothing is lost.
 */
#ifndef BW_TCP_TRACK_BPF_H
#define BW_TCP_TRACK_BPF_H

#include "bpfwatch.h"
#include "delivery_maps.bpf.h"
#include "sock.bpf.h"

/* States with a sequence space both ways: counters have a base. */
#define BW_TCPF_UNSYNC                                                    \
	((1 << TCP_CLOSE) | (1 << TCP_LISTEN) | (1 << TCP_SYN_SENT) |      \
	 (1 << TCP_SYN_RECV) | (1 << TCP_NEW_SYN_RECV))

static __always_inline bool bw_tcp_synchronized(int state)
{
	return !((1 << state) & BW_TCPF_UNSYNC);
}

/*
 * Moves *@folded up to @now and returns how far it moved; 0 when @now is
 * not ahead (another path got there first). Four tries: only the sampler
 * and one socket-locked event can race here.
 */
static __always_inline __u64 bw_take(__u64 *folded, __u64 now)
{
	__u64 old;

#pragma unroll
	for (int i = 0; i < 4; i++) {
		old = *(volatile __u64 *)folded;
		if ((__s64)(now - old) <= 0)
			return 0;
		if (__sync_val_compare_and_swap(folded, old, now) == old)
			return now - old;
	}
	return 0;
}

static __always_inline void bw_tcp_base(struct bw_tcp_sock *ts, struct tcp_sock *tp, int state)
{
	ts->acked = bw_tcp_acked_data(tp, state);
	ts->sent = tp->bytes_sent;
	ts->retrans = tp->bytes_retrans;
	ts->flags |= BW_TSK_BASED;
}

static __always_inline void bw_tcp_key(struct sock *sk, __u64 cgid, struct bw_peer_key *key)
{
	key->cgroup_id = cgid;
	bw_sk_peer(sk, IPPROTO_TCP, &key->peer);
}

/* The tracked entry of the socket at @addr, tracking it now if new. */
static __always_inline struct bw_tcp_sock *bw_track(__u64 addr, struct sock *sk, __u64 cgid,
						    int state)
{
	struct bw_tcp_sock *ts = bpf_map_lookup_elem(&tcp_socks, &addr);
	struct bw_tcp_sock fresh = {};

	if (ts)
		return ts;
	bw_tcp_key(sk, cgid, &fresh.key);
	fresh.state = state;
	if (bw_tcp_synchronized(state))
		bw_tcp_base(&fresh, BW_CAST(struct tcp_sock, addr), state);
	bpf_map_update_elem(&tcp_socks, &addr, &fresh, BPF_NOEXIST);
	ts = bpf_map_lookup_elem(&tcp_socks, &addr);
	if (!ts)
		bw_dstat_add(BW_DSTAT_SOCKS_FULL, 1);
	return ts;
}

/*
 * Folds the socket's progress since the last fold into its peer's totals,
 * reading @state's view of the counters. @now is the sampler's clock, or
 * 0 at CLOSE. Returns the data bytes newly acknowledged.
 */
static __always_inline __u64 bw_fold(struct bw_tcp_sock *ts, __u64 addr, int state, __u64 now)
{
	struct tcp_sock *tp = BW_CAST(struct tcp_sock, addr);
	struct bw_tcp_peer *tot;
	__u64 acked, sent, retrans;

	if (!(ts->flags & BW_TSK_BASED))
		return 0;
	/* Before taking anything: a full peers map leaves it for later. */
	tot = bw_tcp_peer_of(&ts->key);
	if (!tot)
		return 0;
	acked = bw_take(&ts->acked, bw_tcp_acked_data(tp, state));
	sent = bw_take(&ts->sent, tp->bytes_sent);
	retrans = bw_take(&ts->retrans, tp->bytes_retrans);
	if (acked)
		__sync_fetch_and_add(&tot->bytes_acked, acked);
	if (sent)
		__sync_fetch_and_add(&tot->bytes_sent, sent);
	if (retrans)
		__sync_fetch_and_add(&tot->bytes_retrans, retrans);

	/* tcp_probe stamps ACKs on the fast path; one it missed (another
	 * state's slow path) is dated by the sample that found it. */
	if (acked && now && ts->last_ack_ns <= ts->sampled_ns)
		ts->last_ack_ns = now;
	if (ts->last_ack_ns > tot->last_ack_ns)
		tot->last_ack_ns = ts->last_ack_ns;
	return acked;
}

/*
 * The end of a socket: its final numbers folded, its entry gone, and the
 * outcome counted (a failed connect with its errno, or a close).
 */
static __always_inline void bw_on_close(__u64 addr, struct sock *sk, __u64 cgid, int oldstate)
{
	struct bw_tcp_sock *ts = bpf_map_lookup_elem(&tcp_socks, &addr);
	__u32 err = sk->sk_err;
	struct bw_tcp_peer *tot;
	struct bw_peer_key key;

	if (ts) {
		bw_fold(ts, addr, oldstate, 0);
		key = ts->key;
		bpf_map_delete_elem(&tcp_socks, &addr);
	} else {
		bw_tcp_key(sk, cgid, &key);
	}
	if (oldstate == TCP_SYN_SENT) {
		tot = bw_tcp_peer_of(&key);
		if (tot)
			__sync_fetch_and_add(&tot->connect_failures, 1);
		/* 0: the application gave up (closed while connecting). */
		bw_count_error(&key, err, BW_ERR_CONNECT);
	} else if (bw_tcp_synchronized(oldstate)) {
		tot = bw_tcp_peer_of(&key);
		if (tot)
			__sync_fetch_and_add(&tot->closes, 1);
		if (err)
			bw_count_error(&key, err, BW_ERR_CLOSE);
	}
}

struct bw_sample_ctx {
	__u64 now;
};

/* One live socket, on a read: its progress folded, its queues measured. */
static long bw_sample_one(struct bpf_map *map, __u64 *addr, struct bw_tcp_sock *ts,
			  struct bw_sample_ctx *c)
{
	struct sock *sk = BW_CAST(struct sock, *addr);
	struct tcp_sock *tp = BW_CAST(struct tcp_sock, *addr);
	int state = sk->__sk_common.skc_state;

	/* Closing right now: the fold at CLOSE has it. */
	if (!bw_tcp_synchronized(state) || ((1 << state) & BW_TCPF_MINISOCK))
		return 0;
	/* Entries go at CLOSE, before the socket can be freed and reused;
	 * a mismatch means that was missed. */
	if (sk->__sk_common.skc_dport != bpf_htons(ts->key.peer.port)) {
		bw_dstat_add(BW_DSTAT_STALE, 1);
		return 0;
	}
	bw_fold(ts, *addr, state, c->now);
	ts->unacked = bw_seq_span(tp->snd_una, tp->snd_nxt);
	ts->unsent = bw_seq_span(tp->snd_nxt, tp->write_seq);
	ts->state = state;
	ts->sampled_ns = c->now;
	return 0;
}

#endif /* BW_TCP_TRACK_BPF_H */
