/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the syscall hook's counts go: the cgroup filter (the first test of
 * all), the exact per-cgroup totals, the health counters and the ring
 * buffer with its batched wake-ups. Included by syscalls.bpf.c only.
 */
#ifndef BW_COUNTERS_BPF_H
#define BW_COUNTERS_BPF_H

#include "bpfwatch.h"
#include "filter.bpf.h"

/* Set by user space before load. */
/* --events: records carry a bw_rec_trace part. */
const volatile bool want_trace = false;
/* --no-input: the read/recv syscalls are not counted at all. */
const volatile bool want_input = true;
/* Watching everything includes bpfwatch itself: its own output must not
 * feed its counts. */
const volatile __u32 self_tgid = 0;
/* Wake the reader when this much unread data is in the ring (user space
 * sets half the ring). Below that, the reader's poll period (100 ms) ends
 * without a wake-up and it collects the records then: a wake-up is an
 * irq_work self-IPI and a cross-CPU wake-up, which trap to the hypervisor
 * on a VM (~30 us each here), so waking every 1024 records cost a watched
 * write ~30 ns. */
const volatile __u64 wakeup_bytes = 2 << 20;

/*
 * Explicit targets count into a per-CPU array by slot, whose
 * lookup the verifier inlines; a hash lookup here cost ~30 ns per call.
 * Watching everything, cgroups appear as they write, so they are keyed by
 * id in a per-CPU hash. User space sizes both (the hash from a memory
 * budget, so the total does not grow with the CPU count).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_totals);
} target_totals SEC(".maps");

/* Explicit targets: each slot's log files (bw_log_files). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_log_files);
} log_files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct bw_totals);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* user space sets it: ProbeConfig */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BW_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static const struct bw_totals zero_totals;

/* The target slot of a watched cgroup, or -1: the first test of all.
 * Watching everything, bpfwatch's own writes are left out: its output
 * must not feed its counts. */
static __always_inline int watched_slot(__u64 cgid)
{
	if (filter_mode != BW_FILTER_ALL)
		return bw_watched_slot(cgid);
	return (bpf_get_current_pid_tgid() >> 32) != self_tgid ? 0 : -1;
}

static __always_inline void stat_inc(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &stat);

	if (v)
		*v += 1;
}

static __always_inline struct bw_totals *totals_of(__u64 cgid, __u32 slot)
{
	struct bw_totals *t;

	if (filter_mode != BW_FILTER_ALL)
		return bpf_map_lookup_elem(&target_totals, &slot);
	t = bpf_map_lookup_elem(&totals, &cgid);
	if (t)
		return t;
	/* -EEXIST means another CPU created it first: fine. */
	bpf_map_update_elem(&totals, &cgid, &zero_totals, BPF_NOEXIST);
	t = bpf_map_lookup_elem(&totals, &cgid);
	if (!t)
		stat_inc(BW_STAT_TOTALS_FULL);
	return t;
}

/* At most one wake-up per this long: while a reader drains a ring that
 * stays half full (--events flat out), every batch would wake it again. */
#define BW_WAKEUP_GAP_NS 1000000
/* Shared by all CPUs; a race between two of them costs one wake-up more. */
__u64 next_wakeup_ns;

static __always_inline __u64 wakeup_flag(void)
{
	__u64 now;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < wakeup_bytes)
		return BPF_RB_NO_WAKEUP;
	now = bpf_ktime_get_ns();
	if (now < next_wakeup_ns)
		return BPF_RB_NO_WAKEUP;
	next_wakeup_ns = now + BW_WAKEUP_GAP_NS;
	return BPF_RB_FORCE_WAKEUP;
}

static __always_inline void count(struct bw_counts *k, __s64 ret)
{
	if (ret >= 0) {
		k->bytes += ret;
		k->calls += 1;
	} else {
		k->errors += 1;
	}
}

#define BW_EAGAIN 11

/* One input call; @eof_kind: a 0-byte read here ends a stream. */
static __always_inline void count_in(struct bw_in_counts *k, __s64 ret, bool eof_kind)
{
	if (ret > 0) {
		k->bytes += ret;
		k->calls += 1;
	} else if (ret == 0) {
		k->calls += 1;
		if (eof_kind)
			k->eof += 1;
	} else if (ret == -BW_EAGAIN) {
		k->again += 1;
	} else {
		k->errors += 1;
	}
}

#endif /* BW_COUNTERS_BPF_H */
