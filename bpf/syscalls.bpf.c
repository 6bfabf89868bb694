// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The write/send hot path: one program on raw_tracepoint/sys_exit counts
 * write, writev, pwrite64, pwritev, pwritev2, sendto, sendmsg, sendmmsg and
 * sendfile64 per cgroup. One run per syscall, no enter/exit pair joined
 * through a map: at exit the arguments are still in pt_regs and the result
 * is in ret. Order of work: cgroup filter, syscall number, fd, totals,
 * ring-buffer record.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "bpfwatch.h"
#include "arch.bpf.h"
#include "fd.bpf.h"

/* Set by user space before load. */
const volatile __u32 filter_mode = BW_FILTER_ALL;
const volatile __u64 filter_cgroup_id = 0;
const volatile bool want_timestamps = false;
/* Watching everything includes bpfwatch itself: its own output must not
 * feed its counts. */
const volatile __u32 self_tgid = 0;
/* Wake the reader once per this many records per CPU; the reader drains
 * the ring at the end of every poll period too, so at low rates a record
 * waits at most that long (100 ms). */
const volatile __u32 wakeup_every = 1024;

/* BW_FILTER_SET: cgroup id -> the target's slot in target_totals. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u32);
} watched_cgroups SEC(".maps");

/*
 * Explicit targets count into a per-CPU array by slot (ONE: slot 0), whose
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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct bw_totals);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BW_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pending_wakeup SEC(".maps");

static const struct bw_totals zero_totals;

/* What one counted call needs on its way to the totals and the ring. */
struct call {
	struct task_struct *task;
	struct bw_totals *totals;
	struct file *file;
	__u64 cgroup_id;
	__u64 fd;
	__u8 syscall;
	__u8 kind;
};

/* The target slot of a watched cgroup, or -1: the first test of all. */
static __always_inline int watched_slot(__u64 cgid)
{
	__u32 *slot;

	if (filter_mode == BW_FILTER_ONE)
		return cgid == filter_cgroup_id ? 0 : -1;
	if (filter_mode == BW_FILTER_SET) {
		slot = bpf_map_lookup_elem(&watched_cgroups, &cgid);
		return slot ? *slot : -1;
	}
	return (bpf_get_current_pid_tgid() >> 32) != self_tgid ? 0 : -1;
}

static __always_inline int syscall_of(long nr)
{
	switch (nr) {
	case BW_NR_write:
		return BW_SYS_WRITE;
	case BW_NR_writev:
		return BW_SYS_WRITEV;
	case BW_NR_pwrite64:
		return BW_SYS_PWRITE64;
	case BW_NR_pwritev:
		return BW_SYS_PWRITEV;
	case BW_NR_pwritev2:
		return BW_SYS_PWRITEV2;
	case BW_NR_sendto:
		return BW_SYS_SENDTO;
	case BW_NR_sendmsg:
		return BW_SYS_SENDMSG;
	case BW_NR_sendmmsg:
		return BW_SYS_SENDMMSG;
	case BW_NR_sendfile64:
		return BW_SYS_SENDFILE64;
	default:
		return -1;
	}
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

static __always_inline __u64 wakeup_flag(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&pending_wakeup, &zero);

	if (n && ++*n >= wakeup_every) {
		*n = 0;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

/*
 * Count one call (or one sendmmsg message) and stream its record. @uaddr
 * and @addrlen are the address the send named itself, if any.
 */
static __always_inline void count(struct bw_counts *k, __s64 ret)
{
	if (ret >= 0) {
		k->bytes += ret;
		k->calls += 1;
	} else {
		k->errors += 1;
	}
}

static __always_inline void fill_head(struct bw_event *e, struct call *c, __s64 ret)
{
	e->ts_ns = want_timestamps ? bpf_ktime_get_ns() : 0;
	e->cgroup_id = c->cgroup_id;
	e->ret = ret;
	e->pid = c->task->tgid;
	e->tid = c->task->pid;
	e->syscall = c->syscall;
	e->kind = c->kind;
	e->pad = 0;
	e->fd = c->fd;
	*(__u64 *)&e->comm[0] = *(__u64 *)&c->task->comm[0];
	*(__u64 *)&e->comm[8] = *(__u64 *)&c->task->comm[8];
}

/*
 * Count one call (or one sendmmsg message) and stream its record. @uaddr
 * and @addrlen are the address the send named itself, if any. Only socket
 * records carry a destination: the others are BW_EVENT_HEAD_SIZE bytes,
 * one cache line with the ring's header, which is what a record costs.
 */
static __always_inline void account(struct call *c, __s64 ret, const void *uaddr, __u64 addrlen)
{
	struct bw_event *e;

	if (c->kind >= BW_KIND_MAX)
		return;
	count(&c->totals->kind[c->kind], ret);
	if (c->fd == 1 || c->fd == 2)
		count(&c->totals->stdio, ret);

	if (c->kind != BW_KIND_SOCKET || !c->file) {
		e = bpf_ringbuf_reserve(&events, BW_EVENT_HEAD_SIZE, 0);
		if (!e) {
			c->totals->lost_events += 1;
			return;
		}
		fill_head(e, c, ret);
		bpf_ringbuf_submit(e, wakeup_flag());
		return;
	}

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		c->totals->lost_events += 1;
		return;
	}
	fill_head(e, c, ret);
	__builtin_memset(&e->dest, 0, sizeof(e->dest));
	bw_sock_dest(c->file, &e->dest);
	/* UDP and unix datagrams go where msg_name says, connected or not;
	 * a stream socket ignores it. */
	if (uaddr && (e->dest.sotype == BW_SOCK_DGRAM || !e->dest.port))
		bw_msg_dest(uaddr, addrlen, &e->dest);
	bpf_ringbuf_submit(e, wakeup_flag());
}

struct mmsg_loop {
	struct call *call;
	struct mmsghdr *vec;
};

static long account_mmsg(__u32 i, void *data)
{
	struct mmsg_loop *l = data;
	struct mmsghdr *m = &l->vec[i];
	struct user_msghdr hdr = {};
	__u32 len = 0;

	/* The kernel wrote each message's sent bytes back to msg_len. */
	bpf_probe_read_user(&len, sizeof(len), &m->msg_len);
	if (l->call->kind == BW_KIND_SOCKET)
		bpf_probe_read_user(&hdr, sizeof(hdr), &m->msg_hdr);
	account(l->call, len, hdr.msg_name, hdr.msg_namelen);
	return 0;
}

SEC("raw_tracepoint/sys_exit")
int bw_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs;
	struct call c;
	__s64 ret = ctx->args[1];
	int sc, slot;

	c.cgroup_id = bpf_get_current_cgroup_id();
	slot = watched_slot(c.cgroup_id);
	if (slot < 0)
		return 0;

	regs = BW_CAST(struct pt_regs, ctx->args[0]);
	sc = syscall_of(BW_SC_NR(regs));
	if (sc < 0)
		return 0;
	c.task = bpf_get_current_task_btf();
	if (BW_IN_COMPAT_SYSCALL(c.task))
		return 0;

	c.totals = totals_of(c.cgroup_id, slot);
	if (!c.totals)
		return 0;
	c.syscall = sc;
	c.fd = BW_SC_ARG0(regs);
	c.file = bw_fd_file(c.task, c.fd);
	c.kind = c.file ? bw_kind_of(c.file) : BW_KIND_OTHER;

	switch (sc) {
	case BW_SYS_SENDTO:
		account(&c, ret, (void *)BW_SC_ARG4(regs), BW_SC_ARG5(regs));
		break;
	case BW_SYS_SENDMSG: {
		struct user_msghdr hdr = {};

		if (c.kind == BW_KIND_SOCKET && ret >= 0)
			bpf_probe_read_user(&hdr, sizeof(hdr), (void *)BW_SC_ARG1(regs));
		account(&c, ret, hdr.msg_name, hdr.msg_namelen);
		break;
	}
	case BW_SYS_SENDMMSG: {
		struct mmsg_loop l = { .call = &c, .vec = (void *)BW_SC_ARG1(regs) };

		/* ret is the number of messages sent (at most UIO_MAXIOV):
		 * each is one call with its own size and destination. */
		if (ret < 0)
			account(&c, ret, NULL, 0);
		else
			bpf_loop(ret, account_mmsg, &l, 0);
		break;
	}
	default:
		account(&c, ret, NULL, 0);
		break;
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
