/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records reach the ring buffer a batch at a time. Each CPU stages its
 * records in its own slot of a per-CPU array and copies the batch into the
 * ring with one bpf_ringbuf_output() when it is full, or when user space
 * asks (bw_flush, run on that CPU through BPF_PROG_TEST_RUN): before it
 * reads the ring for a report, and at the end of every poll period without
 * a wake-up, so no record waits longer than that (100 ms).
 *
 * Why: a bpf_ringbuf_reserve()/submit() pair per record takes the ring's
 * spinlock and bounces the producer and consumer positions between the
 * writer's and the reader's CPUs on every call; that was nearly all the
 * cost bpfwatch added to a watched write(). Staging is a few stores into
 * memory only this CPU touches.
 *
 * The staging slot needs no lock: bw_sys_exit never runs twice at once on
 * one CPU (bpf_trace_run*()'s per-program recursion guard), and bw_flush,
 * which may interrupt it on the same CPU from an IPI, leaves the slot
 * alone while `busy` is set.
 */
#ifndef BW_BATCH_BPF_H
#define BW_BATCH_BPF_H

#include "bpfwatch.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_batch);
} batches SEC(".maps");

#define BW_BARRIER() asm volatile("" ::: "memory")

/* The totals a record was counted in, to charge it as lost there. */
static __always_inline struct bw_totals *totals_of_record(__u64 cgid)
{
	__u32 slot;
	int watched;

	if (filter_mode == BW_FILTER_ALL)
		return bpf_map_lookup_elem(&totals, &cgid);
	watched = bw_watched_slot(cgid);
	if (watched < 0)
		return NULL;
	slot = watched;
	return bpf_map_lookup_elem(&target_totals, &slot);
}

struct lost_walk {
	struct bw_batch *b; /* bpf_loop() passes a stack pointer only */
};

/*
 * bpf_loop() callback over a batch the ring had no room for. The cursor
 * lives in the map value, not on the stack: a value loaded from a map is
 * unknown to the verifier, so it checks one iteration, not each offset.
 */
static long charge_lost(__u32 i, void *data)
{
	struct bw_batch *b = ((struct lost_walk *)data)->b;
	struct bw_totals *t;
	struct bw_rec *r;
	__u32 off = b->walk;

	if (off > BW_BATCH_BYTES - sizeof(*r))
		return 1;
	r = (void *)b->data + off;
	t = totals_of_record(r->cgroup_id);
	if (t)
		t->lost_events += 1;
	b->walk = off + BW_REC_SIZE(r->parts);
	return 0;
}

/*
 * Copy the staged records into the ring and empty the slot. When the ring
 * has no room, every record is charged as lost to its own cgroup (the
 * totals themselves were counted when the call was).
 */
static __always_inline void batch_flush(struct bw_batch *b, __u64 wakeup)
{
	__u32 len = b->len;

	if (!len)
		return;
	if (len > BW_BATCH_BYTES)
		len = BW_BATCH_BYTES;
	if (bpf_ringbuf_output(&events, b->data, len, wakeup)) {
		struct lost_walk w = { .b = b };

		b->walk = 0;
		bpf_loop(b->records, charge_lost, &w, 0);
	}
	b->len = 0;
	b->records = 0;
	b->has_last = 0;
}

/* This CPU's batch, marked busy until batch_commit(); NULL only if the
 * map lookup fails. */
static __always_inline struct bw_batch *batch_open(void)
{
	__u32 zero = 0;
	struct bw_batch *b = bpf_map_lookup_elem(&batches, &zero);

	if (!b)
		return NULL;
	b->busy = 1;
	BW_BARRIER();
	return b;
}

/*
 * Room for a record of up to @size bytes (a constant at every call site,
 * so the verifier sees the bound), flushing the batch first when it has
 * no room left.
 */
static __always_inline struct bw_rec *batch_room(struct bw_batch *b, __u32 size)
{
	__u32 len = b->len;

	if (len > BW_BATCH_BYTES - size) {
		batch_flush(b, wakeup_flag());
		len = 0;
	}
	return (void *)b->data + len;
}

static __always_inline void batch_commit(struct bw_batch *b, __u32 size)
{
	b->len += size;
	b->records += 1;
	BW_BARRIER();
	b->busy = 0;
}

/* b->dest is the destination (or, @in, the source) the batch's last
 * bw_dest part of that direction carried. */
static __always_inline bool batch_same_dest(struct bw_batch *b, __u32 in)
{
	__u64 *x = (__u64 *)&b->dest, *y = (__u64 *)&b->last_dest[in & 1];

	if (!(b->has_last & (1 << (in & 1))))
		return false;
	for (int i = 0; i < sizeof(struct bw_dest) / 8; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

#endif /* BW_BATCH_BPF_H */
