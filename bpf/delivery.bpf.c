// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Delivery: did a watched cgroup's data get out, per remote peer.
 *
 * TCP, from raw tracepoints (no tracefs needed) on the socket's own state,
 * attributed through the socket's cgroup (sock.bpf.h), never the current
 * task: ACKs and retransmits run in softirq and timers.
 *   tcp_probe             every incoming segment of an ESTABLISHED socket:
 *                         tracks it (pre-existing sockets too), stamps ACKs
 *   tcp_sendmsg_locked    a send, before its data is queued: tracks a
 *                         pre-existing socket before it sends (optional)
 *   inet_sock_set_state   connects, accepts, failures with errno, closes;
 *                         the final fold at CLOSE
 *   tcp_retransmit_skb, tcp_send_reset, tcp_receive_reset
 *   inet_sk_error_report  UDP: ICMP errors reported to a socket
 * bw_tcp_sample is never attached: user space runs it (BPF_PROG_TEST_RUN)
 * before each read to fold live sockets' progress and queue sizes, and
 * bw_egress_flush on each CPU to fold its egress slot (egress.bpf.h).
 *
 * IP layer: bw_egress, attached to each watched cgroup's v2 directory,
 * counts every packet its sockets send, by destination. It never drops.
 *
 * Every program tests the cgroup first: an unwatched socket costs three
 * loads and a compare (or one hash lookup for a watch set).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "bpfwatch.h"
#include "fd.bpf.h"
#include "sock.bpf.h"
#include "delivery_maps.bpf.h"
#include "tcp_track.bpf.h"
#include "egress.bpf.h"
#include "follow.bpf.h"

/* The socket at @addr if it is a full TCP socket of a watched cgroup. */
static __always_inline struct sock *watched_tcp_sock(__u64 addr, __u64 *cgid)
{
	struct sock *sk = BW_CAST(struct sock, addr);

	if (!addr || !bw_sk_fullsock(sk))
		return NULL;
	*cgid = bw_sk_cgroup_id(sk);
	if (!bw_watched(*cgid) || sk->sk_protocol != IPPROTO_TCP)
		return NULL;
	return sk;
}

/* The peer totals of a socket, tracking it on the way. */
static __always_inline struct bw_tcp_peer *event_totals(__u64 addr, struct sock *sk, __u64 cgid)
{
	int state = sk->__sk_common.skc_state;
	struct bw_tcp_sock *ts = bw_track(addr, sk, cgid, state);
	struct bw_peer_key key;

	if (ts)
		return bw_tcp_peer_of(&ts->key);
	bw_tcp_key(sk, cgid, &key);
	return bw_tcp_peer_of(&key);
}

SEC("raw_tp/tcp_probe")
int bw_tcp_probe(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 addr = ctx->args[0], cgid;
	struct sock *sk = watched_tcp_sock(addr, &cgid);
	struct bw_tcp_sock *ts;
	struct tcp_skb_cb *cb;
	struct tcp_sock *tp;
	struct sk_buff *skb;

	if (!sk)
		return 0;
	ts = bw_track(addr, sk, cgid, TCP_ESTABLISHED);
	if (!ts)
		return 0;
	/* Fires before the segment is processed: an ACK beyond snd_una (and
	 * within what was sent) is about to acknowledge new data. */
	skb = BW_CAST(struct sk_buff, ctx->args[1]);
	cb = BW_CAST(struct tcp_skb_cb, skb->cb);
	tp = BW_CAST(struct tcp_sock, addr);
	if ((cb->tcp_flags & BW_TCPHDR_ACK) && bw_seq_after(cb->ack_seq, tp->snd_una) &&
	    !bw_seq_after(cb->ack_seq, tp->snd_nxt))
		ts->last_ack_ns = bpf_ktime_get_ns();
	return 0;
}

/*
 * Fires in tcp_sendmsg_locked() before each chunk is queued (v6.16,
 * commit 0f08335ade71; user space leaves it out on older kernels). A socket that
 * existed before bpfwatch is based here, before the first byte it sends
 * while watched, not at the first ACK after, when some are gone already.
 */
SEC("raw_tp/tcp_sendmsg_locked")
int bw_tcp_sendmsg(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 addr = ctx->args[0], cgid;
	struct sock *sk = watched_tcp_sock(addr, &cgid);

	if (sk)
		bw_track(addr, sk, cgid, sk->__sk_common.skc_state);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int bw_set_state(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 addr = ctx->args[0], cgid;
	int oldstate = ctx->args[1], newstate = ctx->args[2];
	struct sock *sk = watched_tcp_sock(addr, &cgid);
	struct bw_tcp_sock *ts;
	struct bw_tcp_peer *tot;

	if (!sk)
		return 0;
	if (newstate == TCP_CLOSE) {
		bw_on_close(addr, sk, cgid, oldstate);
		return 0;
	}
	/* A child is born SYN_RECV before its peer address is set
	 * (inet_csk_clone_lock()): track it from ESTABLISHED on. */
	if (newstate == TCP_SYN_RECV || newstate == TCP_LISTEN)
		return 0;
	ts = bw_track(addr, sk, cgid, newstate);
	if (!ts)
		return 0;
	ts->state = newstate;
	if (newstate == TCP_ESTABLISHED && !(ts->flags & BW_TSK_BASED))
		bw_tcp_base(ts, BW_CAST(struct tcp_sock, addr), newstate);
	if (newstate != TCP_SYN_SENT && newstate != TCP_ESTABLISHED)
		return 0;
	tot = bw_tcp_peer_of(&ts->key);
	if (!tot)
		return 0;
	if (newstate == TCP_SYN_SENT)
		__sync_fetch_and_add(&tot->connect_attempts, 1);
	else if (oldstate == TCP_SYN_SENT)
		__sync_fetch_and_add(&tot->connects, 1);
	else if (oldstate == TCP_SYN_RECV)
		__sync_fetch_and_add(&tot->accepts, 1);
	return 0;
}

SEC("raw_tp/tcp_retransmit_skb")
int bw_retransmit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 addr = ctx->args[0], cgid;
	struct sock *sk = watched_tcp_sock(addr, &cgid);
	struct bw_tcp_peer *tot;
	struct tcp_skb_cb *cb;
	__u16 segs;

	if (!sk)
		return 0;
	/* Since v6.17 (commit ad892e912b84, "tcp: trace retransmit failures
	 * in tcp_retransmit_skb") it also fires for failed attempts, err !=
	 * 0. Before, only sent retransmits fired and there is no third
	 * argument: the dead branch is never verified, so never read. */
	if (bpf_core_field_exists(struct trace_event_raw_tcp_retransmit_skb, err) &&
	    (int)ctx->args[2] != 0)
		return 0;
	tot = event_totals(addr, sk, cgid);
	if (!tot)
		return 0;
	cb = BW_CAST(struct tcp_skb_cb, BW_CAST(struct sk_buff, ctx->args[1])->cb);
	segs = cb->tcp_gso_segs;
	__sync_fetch_and_add(&tot->retrans_segs, segs ? segs : 1);
	return 0;
}

/* One more of the per-peer event counter at @off, for the socket @addr. */
static __always_inline int count_event(__u64 addr, __u32 off)
{
	__u64 cgid;
	struct sock *sk = watched_tcp_sock(addr, &cgid);
	struct bw_tcp_peer *tot;

	if (!sk)
		return 0;
	tot = event_totals(addr, sk, cgid);
	if (tot)
		__sync_fetch_and_add((__u64 *)((char *)tot + off), 1);
	return 0;
}

/* sk is NULL for a reset on behalf of no socket (a closed port), or a
 * timewait sock: neither has an owner. */
SEC("raw_tp/tcp_send_reset")
int bw_send_reset(struct bpf_raw_tracepoint_args *ctx)
{
	return count_event(ctx->args[0], offsetof(struct bw_tcp_peer, resets_sent));
}

SEC("raw_tp/tcp_receive_reset")
int bw_receive_reset(struct bpf_raw_tracepoint_args *ctx)
{
	return count_event(ctx->args[0], offsetof(struct bw_tcp_peer, resets_received));
}

/*
 * UDP learns of ICMP errors (port or host unreachable) only on connected
 * sockets, or with IP_RECVERR (__udp4_lib_err()); sk_err holds the errno.
 * TCP's errors are counted at CLOSE instead.
 */
SEC("raw_tp/inet_sk_error_report")
int bw_error_report(struct bpf_raw_tracepoint_args *ctx)
{
	struct sock *sk = BW_CAST(struct sock, ctx->args[0]);
	struct bw_peer_key key;
	__u32 err;

	if (sk->sk_protocol != IPPROTO_UDP)
		return 0;
	key.cgroup_id = bw_sk_cgroup_id(sk);
	if (!bw_watched(key.cgroup_id))
		return 0;
	/* IP_RECVERR reports twice, first before sk_err is set. */
	err = sk->sk_err;
	if (!err)
		return 0;
	bw_sk_peer(sk, IPPROTO_UDP, &key.peer);
	bw_count_error(&key, err, BW_ERR_ICMP);
	return 0;
}

SEC("raw_tp")
int bw_tcp_sample(void *ctx)
{
	struct bw_sample_ctx c = { .now = bpf_ktime_get_ns() };

	bpf_for_each_map_elem(&tcp_socks, bw_sample_one, &c, 0);
	return 0;
}

/*
 * Run by user space on one CPU at a time (BPF_PROG_TEST_RUN with
 * BPF_F_TEST_RUN_ON_CPU), never attached: folds that CPU's egress slot
 * into the hash before user space reads it. Returns 1 when the slot is
 * held (a packet of this CPU is being counted): user space asks again.
 */
SEC("raw_tp")
int bw_egress_flush(void *ctx)
{
	struct bw_egress_acc *acc = bw_egress_claim();

	if (!acc)
		return 1;
	bw_egress_fold(acc);
	bw_egress_release(acc);
	return 0;
}

/* Every packet a socket of a linked cgroup (or below) sends: count,
 * never drop. */
SEC("cgroup_skb/egress")
int bw_egress(struct __sk_buff *skb)
{
	bw_count_egress(skb);
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
