/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel/user ABI of bpfwatch: the one header both the BPF programs and
 * the C++ user space include. Plain C, fixed-size fields only; the C++ side
 * pins every layout with static_assert (userspace/probe/abi.h).
 */
#ifndef BPFWATCH_H
#define BPFWATCH_H

/* What the fd of a counted call refers to (from the inode's S_IFMT). */
enum bw_kind {
	BW_KIND_PIPE = 0,   /* pipe or FIFO: a container's stdout/stderr */
	BW_KIND_FILE = 1,   /* regular file */
	BW_KIND_SOCKET = 2, /* any socket */
	BW_KIND_TTY = 3,    /* character device: ttys, /dev/null, ... */
	BW_KIND_OTHER = 4,  /* anon inodes (eventfd, ...), block devices */
	BW_KIND_MAX = 5,
};

/* The syscalls we count; the record names which one a count came from. */
enum bw_syscall {
	BW_SYS_WRITE = 0,
	BW_SYS_WRITEV = 1,
	BW_SYS_PWRITE64 = 2,
	BW_SYS_PWRITEV = 3,
	BW_SYS_PWRITEV2 = 4,
	BW_SYS_SENDTO = 5,
	BW_SYS_SENDMSG = 6,
	BW_SYS_SENDMMSG = 7,
	BW_SYS_SENDFILE64 = 8,
	BW_SYS_MAX = 9,
};

/* Which cgroups the syscall hook counts (rodata, fixed at load). */
enum bw_filter_mode {
	BW_FILTER_ALL = 0, /* every cgroup on the host */
	BW_FILTER_ONE = 1, /* exactly filter_cgroup_id: one compare */
	BW_FILTER_SET = 2, /* the cgroup ids in the watched_cgroups map */
};

struct bw_counts {
	__u64 bytes;  /* sum of successful return values */
	__u64 calls;  /* successful calls (messages, for sendmmsg) */
	__u64 errors; /* calls that returned -errno */
};

/*
 * Exact per-cgroup totals, kept in a per-CPU hash keyed by cgroup id. They
 * never depend on the ring buffer: a full ring loses detail, never totals.
 */
struct bw_totals {
	struct bw_counts kind[BW_KIND_MAX];
	/* The same calls again when made on fd 1 or 2, whatever their kind:
	 * a container's stdout and stderr (a pipe, or a tty with -t). */
	struct bw_counts stdio;
	__u64 lost_events; /* records dropped because the ring was full */
};

/* Kernel-wide health counters (per-CPU array, one slot each). */
enum bw_stat {
	BW_STAT_TOTALS_FULL = 0, /* cgroup not counted: totals map full */
	BW_STAT_MAX = 1,
};

#define BW_COMM_LEN 16
#define BW_UNIX_PATH_LEN 40

/* Destination flags. */
#define BW_DEST_FROM_MSG 0x1 /* address came from msg_name / sendto addr */
#define BW_DEST_COMPAT 0x2   /* reserved */

struct bw_dest {
	__u16 family; /* AF_INET, AF_INET6, AF_UNIX; 0 when not a socket */
	__u8 proto;   /* IPPROTO_TCP / IPPROTO_UDP / 0 (unix: 0) */
	__u8 sotype;  /* SOCK_STREAM / SOCK_DGRAM / ... */
	__u16 port;   /* remote port, host byte order */
	__u16 flags;  /* BW_DEST_* */
	union {
		__u8 addr[16];                /* v4 in the first 4 bytes */
		char path[BW_UNIX_PATH_LEN]; /* AF_UNIX peer path, '\0'-padded */
	};
};

/*
 * One counted call (or one message of a sendmmsg) in the ring buffer.
 * Records of non-socket fds stop before dest: they are
 * BW_EVENT_HEAD_SIZE bytes long.
 */
struct bw_event {
	__u64 ts_ns;     /* CLOCK_MONOTONIC; 0 unless timestamps are wanted */
	__u64 cgroup_id; /* cgroup v2 id = inode of the cgroup directory */
	__s64 ret;       /* bytes (>= 0) or -errno */
	__u32 pid;       /* thread group id */
	__u32 tid;
	__u8 syscall;    /* enum bw_syscall */
	__u8 kind;       /* enum bw_kind */
	__u16 pad;
	__u32 fd;        /* the fd written to (sendfile64: out_fd) */
	char comm[BW_COMM_LEN];
	struct bw_dest dest; /* socket records only */
};

#define BW_EVENT_HEAD_SIZE offsetof(struct bw_event, dest)

#endif /* BPFWATCH_H */
