/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which cgroups a program counts: the first test every program makes, so
 * an unwatched process pays as little as possible. Shared by the syscall
 * and the delivery probes.
 *
 * Explicit targets occupy slots: a slot's totals live in per-CPU arrays
 * indexed by slot, and the cgroup id in a slot can change while the
 * programs run. When a container restarts under the same name it gets a
 * new cgroup; user space writes the new id into the same slot, and the
 * kernel keeps counting into the same totals: nothing is lost between the
 * two, nothing counted twice.
 *
 * BW_FILTER_FEW (up to BW_FEW_SLOTS targets): the ids are a global array,
 * compared in order. filter_slots is rodata, so the verifier drops the
 * compares past it: one target costs one load and one compare.
 * BW_FILTER_MANY: a hash from id to slot, one lookup.
 */
#ifndef BW_FILTER_BPF_H
#define BW_FILTER_BPF_H

#include "bpfwatch.h"

const volatile __u32 filter_mode = BW_FILTER_ALL;
const volatile __u32 filter_slots = 0; /* BW_FILTER_FEW: slots in use */

/* BW_FILTER_FEW: the cgroup id in each slot; 0 = none (no task's cgroup
 * has id 0). Written by user space through the mmapped .bss. */
__u64 watched_ids[BW_FEW_SLOTS];

/* BW_FILTER_MANY: cgroup id -> slot. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u32);
} watched_cgroups SEC(".maps");

/* The slot of a watched cgroup: -1 when it is not watched, and 0 for any
 * cgroup but the root's (id 0 never occurs) when watching everything. */
static __always_inline int bw_watched_slot(__u64 cgid)
{
	__u32 *slot;

	if (filter_mode == BW_FILTER_FEW) {
		for (int i = 0; i < BW_FEW_SLOTS; i++) {
			if (i >= filter_slots)
				break;
			if (watched_ids[i] == cgid)
				return i;
		}
		return -1;
	}
	if (filter_mode == BW_FILTER_MANY) {
		slot = bpf_map_lookup_elem(&watched_cgroups, &cgid);
		return slot ? *slot : -1;
	}
	return cgid ? 0 : -1;
}

static __always_inline bool bw_watched(__u64 cgid)
{
	return bw_watched_slot(cgid) >= 0;
}

#endif /* BW_FILTER_BPF_H */
