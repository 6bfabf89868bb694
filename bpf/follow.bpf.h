/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Following a target across restarts, in the kernel, so that not one call
 * of its new life is missed: a container that restarts gets a new cgroup,
 * made by its runtime (runc) before the container's first process runs in
 * it. User space registers the cgroup path a followed target will come back
 * at (the same path for a restart; the path its new id gives for a
 * container re-created under the same name), and this program, on
 * cgroup:cgroup_mkdir, points the target's slot at the new cgroup at once.
 * User space learns of it from slot_cgroups and catches up (names, log
 * pipes); the counting never paused.
 *
 * Included by both BPF objects: each has its own filter to update; the
 * syscall object (BW_FOLLOW_LOG_FILES) also forgets the old life's log
 * pipes.
 */
#ifndef BW_FOLLOW_BPF_H
#define BW_FOLLOW_BPF_H

#include "bpfwatch.h"
#include "filter.bpf.h"
#include "kread.bpf.h"

struct bw_cgroup_path {
	char path[BW_CGROUP_PATH_LEN];
};

/* A followed target's cgroup path, as the kernel prints it (relative to the
 * v2 root, "/docker/<id>") -> its slot. User space sizes it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct bw_cgroup_path);
	__type(value, __u32);
} expected_cgroups SEC(".maps");

/* Each slot's cgroup as last set, by user space or by bw_cgroup_mkdir. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} slot_cgroups SEC(".maps");

static __always_inline void bw_point_slot(__u32 slot, __u64 cgid)
{
	__u64 *current = bpf_map_lookup_elem(&slot_cgroups, &slot);

	if (!current)
		return;
	if (filter_mode == BW_FILTER_FEW) {
		if (slot >= BW_FEW_SLOTS)
			return;
		watched_ids[slot] = cgid;
	} else {
		/* The old id keeps its entry: records of the old life that are
		 * still in flight count into the same slot. */
		bpf_map_update_elem(&watched_cgroups, &cgid, &slot, BPF_ANY);
	}
	*current = cgid;
#ifdef BW_FOLLOW_LOG_FILES
	/* A new life has new log pipes: learn them from its first pipe write. */
	{
		struct bw_log_files *lf = bpf_map_lookup_elem(&log_files, &slot);

		if (lf) {
			__builtin_memset(lf, 0, sizeof(*lf));
			lf->learn = 1;
		}
	}
#endif
}

/* tracepoint cgroup:cgroup_mkdir (cgroup.h): every hierarchy's mkdir,
 * with the new cgroup's path from the hierarchy's root. */
SEC("raw_tp/cgroup_mkdir")
int bw_cgroup_mkdir(struct bpf_raw_tracepoint_args *ctx)
{
	struct cgroup *cgrp = BW_CAST(struct cgroup, ctx->args[0]);
	struct bw_cgroup_path key = {};
	__u32 *slot;

	if (filter_mode == BW_FILTER_ALL)
		return 0;
	/* The v2 hierarchy is hierarchy 0 ("0::/..." in /proc/PID/cgroup);
	 * on a hybrid host the v1 controllers make cgroups too. */
	if (BW_READ(cgrp, root, hierarchy_id) != 0)
		return 0;
	if (bpf_probe_read_kernel_str(key.path, sizeof(key.path), (const void *)ctx->args[1]) <= 0)
		return 0;
	slot = bpf_map_lookup_elem(&expected_cgroups, &key);
	if (slot)
		bw_point_slot(*slot, BW_READ(cgrp, kn, id));
	return 0;
}

#endif /* BW_FOLLOW_BPF_H */
