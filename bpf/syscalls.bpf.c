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
#include "counters.bpf.h"

/* What one counted call needs on its way to the totals and the ring. */
struct call {
	struct task_struct *task;
	struct bw_totals *totals;
	struct file *file;
	__u64 cgroup_id;
	__u64 fd;
	__u8 syscall;
	__u8 kind;
	bool log; /* written to the container's log (bw_log_files) */
};

/* Is @file the runtime's end of the target's stdout or stderr? Asked only
 * for pipes and ttys of explicit targets: one inlined array lookup and two
 * loads. */
static __always_inline bool is_log_file(struct file *file, __u8 kind, __u32 slot)
{
	struct bw_log_files *lf;
	struct inode *inode;
	__u64 ino;
	__u32 dev;

	if (filter_mode == BW_FILTER_ALL || !file || (kind != BW_KIND_PIPE && kind != BW_KIND_TTY))
		return false;
	lf = bpf_map_lookup_elem(&log_files, &slot);
	if (!lf || (!lf->ino[0] && !lf->ino[1]))
		return false;
	inode = BW_READ(file, f_inode);
	ino = BW_READ(inode, i_ino);
	dev = BW_READ(inode, i_sb, s_dev);
	return (ino == lf->ino[0] && dev == lf->dev[0]) || (ino == lf->ino[1] && dev == lf->dev[1]);
}

static __always_inline void fill_head(struct bw_event *e, struct call *c, __s64 ret)
{
	e->ts_ns = want_timestamps ? bpf_ktime_get_ns() : 0;
	e->cgroup_id = c->cgroup_id;
	e->ret = ret;
	e->syscall = c->syscall;
	e->kind = c->kind;
	e->pad = 0;
	e->fd = c->fd;
#ifdef BW_COMPAT
	__u64 id = bpf_get_current_pid_tgid();

	e->pid = id >> 32;
	e->tid = (__u32)id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
#else
	e->pid = c->task->tgid;
	e->tid = c->task->pid;
	*(__u64 *)&e->comm[0] = *(__u64 *)&c->task->comm[0];
	*(__u64 *)&e->comm[8] = *(__u64 *)&c->task->comm[8];
#endif
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
	if (c->log)
		count(&c->totals->log, ret);

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
	struct task_struct *task;
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
	/* A plain local: BPF_CORE_READ would relocate a c.task member access. */
	task = BW_CURRENT_TASK();
	if (BW_IN_COMPAT_SYSCALL(task))
		return 0;
	c.task = task;

	c.totals = totals_of(c.cgroup_id, slot);
	if (!c.totals)
		return 0;
	c.syscall = sc;
	c.fd = BW_SC_ARG0(regs);
	c.file = bw_fd_file(task, c.fd);
	c.kind = c.file ? bw_kind_of(c.file) : BW_KIND_OTHER;
	c.log = is_log_file(c.file, c.kind, slot);

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
