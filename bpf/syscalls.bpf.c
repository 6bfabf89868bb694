// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The hot path: one program on raw_tracepoint/sys_exit counts, per cgroup,
 * the output side (write, writev, pwrite64, pwritev, pwritev2, sendto,
 * sendmsg, sendmmsg, sendfile64) and the input side (read, readv, pread64,
 * preadv, preadv2, recvfrom, recvmsg, recvmmsg; left out with --no-input).
 * One run per syscall, no enter/exit pair joined through a map: at exit
 * the arguments are still in pt_regs and the result is in ret. Order of
 * work: cgroup filter, syscall number, fd, totals, ring-buffer record.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "bpfwatch.h"
#include "arch.bpf.h"
#include "fd.bpf.h"
#include "user_read.bpf.h"
#include "counters.bpf.h"
#include "batch.bpf.h"
#include "sent_dest.bpf.h"
#define BW_FOLLOW_LOG_FILES
#include "follow.bpf.h"

/* What one counted call needs on its way to the totals and the ring. */
struct call {
	struct task_struct *task;
	struct bw_totals *totals;
	struct file *file;
	__u64 cgroup_id;
	__u64 fd;
	__u8 syscall;
	__u8 kind;
	__u8 in;  /* 1: the input side, a read or a receive (not a bool: the
		     verifier must see the & 1 that bounds an index) */
	bool log; /* written to the container's log (bw_log_files) */
};

/* The file behind fd 1 or 2 of @task, by inode and device. */
static __always_inline void stdio_file_id(struct task_struct *task, int fd, __u64 *ino, __u32 *dev)
{
	struct file *file = bw_fd_file(task, fd);
	struct inode *inode;

	if (!file)
		return;
	inode = BW_READ(file, f_inode);
	*ino = BW_READ(inode, i_ino);
	*dev = BW_READ(inode, i_sb, s_dev);
}

/*
 * A followed target's new life began: its log pipes are fd 1 and 2 of its
 * main process, which is the init (child reaper) of its pid namespace, as
 * user space finds them in /proc/PID/fd. Looked up once, at the first pipe
 * or tty write in the new cgroup, so that not one log line is missed while
 * user space catches up. Only when that init is in the same cgroup: a
 * container without a pid namespace of its own leaves it to user space.
 */
static __noinline void learn_log_files(struct bw_log_files *lf, struct task_struct *task, __u64 cgid)
{
	struct pid_namespace *ns = NULL;
	struct task_struct *init;
	struct pid *pid;
	__u32 level;

	lf->learn = 0;
	pid = BW_READ(task, thread_pid);
	level = BW_READ(pid, level);
	/* numbers[level]: a variable index, so one helper read. */
	bpf_probe_read_kernel(&ns, sizeof(ns), __builtin_preserve_access_index(&pid->numbers[level & 31].ns));
	if (!ns)
		return;
	ns = BW_CAST(struct pid_namespace, ns);
	init = BW_CAST(struct task_struct, BW_READ(ns, child_reaper));
	if (!init || BW_READ(init, cgroups, dfl_cgrp, kn, id) != cgid)
		return;
	stdio_file_id(init, 1, &lf->ino[0], &lf->dev[0]);
	stdio_file_id(init, 2, &lf->ino[1], &lf->dev[1]);
}

/* Is @file the runtime's end of the target's stdout or stderr? Asked only
 * for writes to pipes and ttys of explicit targets: one inlined array
 * lookup and two loads. Never for a read: reading a pipe is no log line,
 * and must not start learning a new life's log pipes either. */
static __always_inline bool is_log_file(struct call *c, __u32 slot)
{
	/* Plain locals: BPF_CORE_READ (the compat build) would relocate a
	 * c->file member access against struct call, which is not the
	 * kernel's. */
	struct file *file = c->file;
	struct bw_log_files *lf;
	struct inode *inode;
	__u64 ino;
	__u32 dev;

	if (filter_mode == BW_FILTER_ALL || c->in || !file || (c->kind != BW_KIND_PIPE && c->kind != BW_KIND_TTY))
		return false;
	lf = bpf_map_lookup_elem(&log_files, &slot);
	if (!lf)
		return false;
	if (lf->learn)
		learn_log_files(lf, c->task, c->cgroup_id);
	if (!lf->ino[0] && !lf->ino[1])
		return false;
	inode = BW_READ(file, f_inode);
	ino = BW_READ(inode, i_ino);
	dev = BW_READ(inode, i_sb, s_dev);
	return (ino == lf->ino[0] && dev == lf->dev[0]) || (ino == lf->ino[1] && dev == lf->dev[1]);
}

/* The trace part (--events): when, who, on which fd. */
static __always_inline void fill_trace(struct bw_rec_trace *t, struct call *c)
{
	t->ts_ns = bpf_ktime_get_ns();
	t->fd = c->fd;
	t->pad = 0;
#ifdef BW_COMPAT
	__u64 id = bpf_get_current_pid_tgid();

	t->pid = id >> 32;
	t->tid = (__u32)id;
	bpf_get_current_comm(t->comm, sizeof(t->comm));
#else
	t->pid = c->task->tgid;
	t->tid = c->task->pid;
	*(__u64 *)&t->comm[0] = *(__u64 *)&c->task->comm[0];
	*(__u64 *)&t->comm[8] = *(__u64 *)&c->task->comm[8];
#endif
}

/* Set when sent_dests is the delivery probe's map, so that without egress
 * the hook does not even look (rodata: the verifier drops the lookup). */
const volatile bool sent_dests_shared = false;

/*
 * The destination of a UDP sendto or sendmsg that succeeded and named one,
 * from the egress program's note (sent_dest.bpf.h) when it is this call's:
 * saves reading the caller's sockaddr. False: read it. Every socket send
 * of the task consumes its note, used or not, so that no later call of
 * the task can take it (a write() on a connected UDP socket, then a
 * corked sendto that sends nothing yet).
 */
static __always_inline bool take_sent_dest(struct call *c, struct sock *sk, __s64 ret, const void *uaddr,
					   struct bw_dest *d)
{
	struct task_struct *task = c->task;
	struct bw_sent_dest *n;
	__u32 zero = 0;

	if (!sent_dests_shared || c->in)
		return false;
	n = bpf_map_lookup_elem(&sent_dests, &zero);
	if (!n || n->task != (__u64)task)
		return false;
	n->task = 0;
	if (!uaddr || ret < 0 || (c->syscall != BW_SYS_SENDTO && c->syscall != BW_SYS_SENDMSG) ||
	    d->proto != IPPROTO_UDP || n->sk != (__u64)sk || n->peer.family != d->family ||
	    n->switches != bw_task_switches(task))
		return false;
	__builtin_memcpy(d->addr, n->peer.addr, sizeof(n->peer.addr));
	d->port = n->peer.port;
	d->flags |= BW_DEST_FROM_MSG;
	return true;
}

/*
 * Stage the record of one call. @parts is a constant at every call site,
 * so each copy of this function writes at fixed offsets into a slot the
 * verifier knows is big enough. A socket record whose destination (an
 * input record's: its source) is the one its batch carried last in the
 * same direction leaves it out (BW_REC_SAME_DEST): a router that reads
 * from one peer and writes to another keeps 16-byte records.
 */
static __always_inline void stage(struct call *c, __s64 ret, const __u8 parts, const void *uaddr,
				  __u64 addrlen)
{
	__u32 size = BW_REC_SIZE(parts);
	struct bw_batch *b = batch_open();
	struct bw_dest *d;
	struct bw_rec *r;
	struct sock *sk;
	bool noted;

	if (!b)
		return;
	if (parts & BW_REC_DEST) {
		d = &b->dest;
		__builtin_memset(d, 0, sizeof(*d));
		sk = bw_sock_dest(c->file, d);
		noted = take_sent_dest(c, sk, ret, uaddr, d);
		/* UDP and unix datagrams go where msg_name says, connected
		 * or not (and come from where the kernel wrote it back); a
		 * stream socket ignores it. */
		if (uaddr && (d->sotype == BW_SOCK_DGRAM || !d->port) && !noted)
			bw_msg_dest(uaddr, addrlen, d);
	}
	r = batch_room(b, size);
	r->cgroup_id = c->cgroup_id;
	r->ret = ret;
	r->syscall = c->syscall;
	r->kind = c->kind;
	r->parts = parts;
	r->views = c->in ? 0 : ((c->fd == 1 || c->fd == 2) ? BW_VIEW_STDIO : 0) | (c->log ? BW_VIEW_LOG : 0);
	if (parts & BW_REC_TRACE)
		fill_trace((void *)(r + 1), c);
	if (parts & BW_REC_DEST) {
		if (batch_same_dest(b, c->in)) {
			r->parts = (parts & ~BW_REC_DEST) | BW_REC_SAME_DEST;
			size = BW_REC_SIZE(parts & ~BW_REC_DEST);
		} else {
			__builtin_memcpy((void *)r + BW_REC_SIZE(parts & ~BW_REC_DEST), &b->dest, sizeof(b->dest));
			__builtin_memcpy(&b->last_dest[c->in & 1], &b->dest, sizeof(b->dest));
			b->has_last |= 1 << (c->in & 1);
		}
	}
	batch_commit(b, size);
}

/* A 0-byte read ends the stream on a pipe or a stream socket; on a
 * datagram socket it is an empty datagram. */
static __always_inline bool ends_stream(struct call *c)
{
	struct file *file = c->file;
	struct socket *sock;

	if (c->kind == BW_KIND_PIPE)
		return true;
	if (c->kind != BW_KIND_SOCKET || !file)
		return false;
	sock = BW_CAST(struct socket, BW_READ(file, private_data));
	return BW_READ(sock, type) != BW_SOCK_DGRAM;
}

/*
 * Count one call (or one sendmmsg/recvmmsg message) and stage its record.
 * @uaddr and @addrlen are the address the send named itself, or the one
 * the kernel wrote back for a receive, if any. Only socket records carry
 * a destination (an input record's: its source).
 */
static __always_inline void account(struct call *c, __s64 ret, const void *uaddr, __u64 addrlen)
{
	__u8 kind = c->kind;

	if (kind >= BW_KIND_MAX)
		return;
	if (c->in) {
		count_in(&c->totals->in[kind], ret, ret == 0 && ends_stream(c));
	} else {
		count(&c->totals->kind[kind], ret);
		if (c->fd == 1 || c->fd == 2)
			count(&c->totals->stdio, ret);
		if (c->log)
			count(&c->totals->log, ret);
	}

	/* want_trace is rodata: the verifier keeps two of these four. */
	bool sock = kind == BW_KIND_SOCKET && c->file;

	if (want_trace) {
		if (sock)
			stage(c, ret, BW_REC_TRACE | BW_REC_DEST, uaddr, addrlen);
		else
			stage(c, ret, BW_REC_TRACE, NULL, 0);
	} else {
		if (sock)
			stage(c, ret, BW_REC_DEST, uaddr, addrlen);
		else
			stage(c, ret, 0, NULL, 0);
	}
}

struct mmsg_loop {
	struct call *call;
	struct mmsghdr *vec;
};

static long account_mmsg(__u32 i, void *data)
{
	struct mmsg_loop *l = data;
	struct mmsghdr *m = &l->vec[i];
	__u64 len, namelen = 0;
	void *name = NULL;

	/* The kernel wrote each message's bytes back to msg_len, and a
	 * received one's source to msg_name (its length to msg_namelen). */
	len = bw_read_user_word(&m->msg_len, sizeof(m->msg_len));
	if (l->call->kind == BW_KIND_SOCKET)
		name = bw_read_user_msg_name(&m->msg_hdr, &namelen);
	account(l->call, len, name, namelen);
	return 0;
}

SEC("raw_tracepoint/sys_exit")
int bw_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs;
	struct task_struct *task;
	const void *uaddr = NULL;
	__u64 addrlen = 0;
	struct call c;
	__s64 ret = ctx->args[1];
	int sc, slot;

	/* task: a plain local, BPF_CORE_READ would relocate a c.task
	 * member access. */
	c.cgroup_id = bw_current_cgroup_id(&task);
	slot = watched_slot(c.cgroup_id);
	if (slot < 0)
		return 0;

	regs = BW_CAST(struct pt_regs, ctx->args[0]);
	sc = syscall_of(BW_SC_NR(regs));
	if (sc < 0)
		return 0;
	/* want_input is rodata: with --no-input the verifier keeps no read
	 * path at all, and the reads leave here. */
	c.in = sc >= BW_SYS_FIRST_INPUT;
	if (c.in && !want_input)
		return 0;
	if (!task)
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
	c.log = is_log_file(&c, slot);

	/* One account() site here (and one in account_mmsg): each is a copy
	 * the verifier walks. */
	switch (sc) {
	case BW_SYS_SENDTO:
		uaddr = (void *)BW_SC_ARG4(regs);
		addrlen = BW_SC_ARG5(regs);
		break;
	case BW_SYS_RECVFROM:
		/* The kernel wrote the source's length back to *addrlen. */
		if (c.kind == BW_KIND_SOCKET && ret >= 0 && BW_SC_ARG4(regs)) {
			uaddr = (void *)BW_SC_ARG4(regs);
			addrlen = bw_read_user_word((void *)BW_SC_ARG5(regs), sizeof(__u32));
		}
		break;
	case BW_SYS_SENDMSG:
	case BW_SYS_RECVMSG:
		if (c.kind == BW_KIND_SOCKET && ret >= 0)
			uaddr = bw_read_user_msg_name((void *)BW_SC_ARG1(regs), &addrlen);
		break;
	case BW_SYS_SENDMMSG:
	case BW_SYS_RECVMMSG:
		/* ret is the number of messages sent or received (at most
		 * UIO_MAXIOV): each is one call with its own size and peer. */
		if (ret >= 0) {
			struct mmsg_loop l = { .call = &c, .vec = (void *)BW_SC_ARG1(regs) };

			bpf_loop(ret, account_mmsg, &l, 0);
			return 0;
		}
		break;
	default:
		break;
	}
	account(&c, ret, uaddr, addrlen);
	return 0;
}

/*
 * Run by user space on one CPU at a time (BPF_PROG_TEST_RUN with
 * BPF_F_TEST_RUN_ON_CPU), never attached: copies that CPU's staged records
 * into the ring. Returns 1 when it interrupted bw_sys_exit in the middle
 * of staging a record on this CPU (user space asks again), else 0.
 */
SEC("raw_tp")
int bw_flush(void *ctx)
{
	__u32 zero = 0;
	struct bw_batch *b = bpf_map_lookup_elem(&batches, &zero);

	if (!b)
		return 0;
	if (b->busy)
		return 1;
	batch_flush(b, BPF_RB_NO_WAKEUP);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
