/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How the hot path reads kernel memory, in two builds of one source.
 *
 * Default (Linux 6.2+): every pointer is a BTF pointer, from
 * bpf_get_current_task_btf() or bpf_rdonly_cast(), so a field read is one
 * fault-safe load (BPF_PROBE_MEM) instead of a bpf_probe_read_kernel()
 * helper call: tens of ns each on a VM, on every counted write. The verifier
 * rewrites bpf_rdonly_cast() into a register move, so casts are free (commit
 * a35b9af4ec2c, "bpf: Add a kfunc for generic type cast", Linux 6.2).
 *
 * BW_COMPAT (built as syscalls_compat.bpf.o, for 5.17 to 6.1): no such
 * kfunc, so the same reads go through BPF_CORE_READ, one helper call per
 * pointer hop. User space loads it when the kernel lacks bpf_rdonly_cast.
 * Both builds are CO-RE: vmlinux.h marks every struct preserve_access_index.
 */
#ifndef BW_KREAD_BPF_H
#define BW_KREAD_BPF_H

#include <bpf/bpf_core_read.h>

#ifdef BW_COMPAT
#define BW_CAST(type, ptr) ((type *)(ptr))
#define BW_READ(src, ...) BPF_CORE_READ(src, __VA_ARGS__)
#define BW_READ_INTO(dst, src, ...) BPF_CORE_READ_INTO(dst, src, __VA_ARGS__)
#define BW_CURRENT_TASK() ((struct task_struct *)bpf_get_current_task())
#else
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#define BW_CAST(type, ptr) ((type *)bpf_rdonly_cast((void *)(ptr), bpf_core_type_id_kernel(type)))
/* src->a->b...: libbpf's own chain expander, as BPF_CORE_READ uses it. */
#define BW_READ(src, ...) ___arrow(src, __VA_ARGS__)
#define BW_READ_INTO(dst, src, ...) __builtin_memcpy(dst, &___arrow(src, __VA_ARGS__), sizeof(*(dst)))
#define BW_CURRENT_TASK() bpf_get_current_task_btf()
#endif

/*
 * The current task's cgroup v2 id, what bpf_get_current_cgroup_id()
 * returns (task_dfl_cgroup(current)'s kernfs id), and in *@task the
 * current task, or NULL (BW_COMPAT: fetched later, only for a watched
 * cgroup). The default build reads the id with four loads from the task
 * the hot path needs anyway: one helper call fewer on every syscall of
 * every process, ~20 ns on a VM whose kernel returns through the SRSO
 * "safe RET" thunk. The loads may see a css_set that a concurrent
 * migration is replacing; it is freed only after an RCU grace period,
 * and the helper's answer would be as stale a moment later.
 */
static __always_inline __u64 bw_current_cgroup_id(struct task_struct **task)
{
#ifdef BW_COMPAT
	*task = NULL;
	return bpf_get_current_cgroup_id();
#else
	struct task_struct *t = bpf_get_current_task_btf();

	*task = t;
	return BW_READ(t, cgroups, dfl_cgrp, kn, id);
#endif
}

#endif /* BW_KREAD_BPF_H */
