/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The delivery probe's maps, and the lookups every program shares: the
 * bounded per-peer maps,
 * whose overflow is counted, never silent. User space sizes every map.
 */
#ifndef BW_DELIVERY_MAPS_BPF_H
#define BW_DELIVERY_MAPS_BPF_H

#include "bpfwatch.h"
#include "filter.bpf.h"


/*
 * Tracked TCP sockets, keyed by struct sock address. Not preallocated: a
 * deleted entry is freed after an RCU grace period, so the sampler, which
 * walks the map under RCU, never sees an entry reused for another socket.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct bw_tcp_sock);
} tcp_socks SEC(".maps");

/* Shared by all CPUs (atomic adds): few entries, updated per event, not
 * per packet, and a per-CPU copy would grow with the CPU count. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bw_peer_key);
	__type(value, struct bw_tcp_peer);
} tcp_peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct bw_error_key);
	__type(value, __u64);
} peer_errors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct bw_peer_key);
	__type(value, struct bw_egress);
} egress SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BW_DSTAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} dstats SEC(".maps");

static __always_inline void bw_dstat_add(__u32 stat, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&dstats, &stat);

	if (v)
		*v += n;
}

/*
 * The entry for @key in a bounded hash, created zeroed if missing; NULL
 * when the map is full. -EEXIST from the update means another CPU created
 * it first: the lookup finds theirs.
 */
static __always_inline void *bw_lookup_or_create(void *map, const void *key, const void *zero)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/* The same, with one event not stored counted in @full_stat. */
static __always_inline void *bw_lookup_or_init(void *map, const void *key, const void *zero,
					       __u32 full_stat)
{
	void *v = bw_lookup_or_create(map, key, zero);

	if (!v)
		bw_dstat_add(full_stat, 1);
	return v;
}

static const struct bw_tcp_peer bw_zero_tcp_peer;
static const __u64 bw_zero_u64;

static __always_inline struct bw_tcp_peer *bw_tcp_peer_of(const struct bw_peer_key *key)
{
	return bw_lookup_or_init(&tcp_peers, key, &bw_zero_tcp_peer, BW_DSTAT_PEERS_FULL);
}

static __always_inline void bw_count_error(const struct bw_peer_key *key, __u32 err, __u32 phase)
{
	struct bw_error_key ek = { .key = *key, .err = err, .phase = phase };
	__u64 *n = bw_lookup_or_init(&peer_errors, &ek, &bw_zero_u64, BW_DSTAT_ERRORS_FULL);

	if (n)
		__sync_fetch_and_add(n, 1);
}

#endif /* BW_DELIVERY_MAPS_BPF_H */
