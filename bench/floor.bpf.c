// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor: the least a raw_tracepoint/sys_exit design can do per syscall
 * (read the cgroup id, compare, count). Its added cost is what any
 * syscall-tracepoint tool pays before doing anything useful; bpfwatch's
 * "unwatched" path is measured against it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* The benchmark's own cgroup v2 id, set before load. */
const volatile __u64 target_cgid = 0;
__u64 counter = 0;

SEC("raw_tracepoint/sys_exit")
int floor_sys_exit(void *ctx)
{
	if (bpf_get_current_cgroup_id() != target_cgid)
		return 0;
	counter++;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
