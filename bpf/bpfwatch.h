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

/*
 * The syscalls we count; the record names which one a count came from,
 * and so its direction: from BW_SYS_FIRST_INPUT on, the input side (what
 * a container reads and receives), before it the output side.
 */
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
	BW_SYS_READ = 9,
	BW_SYS_READV = 10,
	BW_SYS_PREAD64 = 11,
	BW_SYS_PREADV = 12,
	BW_SYS_PREADV2 = 13,
	BW_SYS_RECVFROM = 14,
	BW_SYS_RECVMSG = 15,
	BW_SYS_RECVMMSG = 16,
	BW_SYS_MAX = 17,
};
#define BW_SYS_FIRST_INPUT BW_SYS_READ

/* Which cgroups the programs count (rodata, fixed at load; bpf/filter.bpf.h). */
enum bw_filter_mode {
	BW_FILTER_ALL = 0,  /* every cgroup on the host */
	BW_FILTER_FEW = 1,  /* the ids in watched_ids[], compared in order */
	BW_FILTER_MANY = 2, /* the ids in the watched_cgroups hash */
};

/* Targets up to which BW_FILTER_FEW is used: more compares than this cost
 * more than one hash lookup. */
#define BW_FEW_SLOTS 8

struct bw_counts {
	__u64 bytes;  /* sum of successful return values */
	__u64 calls;  /* successful calls (messages, for sendmmsg) */
	__u64 errors; /* calls that returned -errno */
};

/*
 * The input side of one fd kind. A 0-byte read is a successful call; on a
 * pipe or a stream socket it is also the end of the stream (`eof`).
 * EAGAIN (a non-blocking read with nothing to read) is normal: it counts
 * in `again`, never in `errors`.
 */
struct bw_in_counts {
	__u64 bytes;  /* sum of successful return values */
	__u64 calls;  /* successful calls (messages, for recvmmsg) */
	__u64 errors; /* calls that returned -errno, EAGAIN aside */
	__u64 eof;    /* 0-byte reads on a pipe or a stream socket */
	__u64 again;  /* calls that returned -EAGAIN */
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
	/* The same calls again when made to the runtime's end of the
	 * container's stdout/stderr (bw_log_files): what `docker logs` gets. */
	struct bw_counts log;
	__u64 lost_events; /* records dropped because the ring was full */
	/* The input side (read*, recv*), by fd kind. */
	struct bw_in_counts in[BW_KIND_MAX];
};

/*
 * A container's log: the pipes (or pty) its main process has as fd 1 and
 * 2, which the runtime reads, by inode and device. One per target slot;
 * zero when unknown. dev is the kernel's dev_t, MAJOR << 20 | MINOR.
 * `learn`: a followed target's new life began (bpf/follow.bpf.h); the
 * first pipe write in it reads them from its main process (syscalls.bpf.c).
 */
struct bw_log_files {
	__u64 ino[2];
	__u32 dev[2];
	__u32 learn;
	__u32 pad;
};

/* Kernel-wide health counters (per-CPU array, one slot each). */
enum bw_stat {
	BW_STAT_TOTALS_FULL = 0, /* cgroup not counted: totals map full */
	BW_STAT_MAX = 1,
};

/* A cgroup path as bpf/follow.bpf.h matches it; longer ones are not
 * followed in the kernel (user space still follows them, a tick later). */
#define BW_CGROUP_PATH_LEN 256

#define BW_COMM_LEN 16
#define BW_UNIX_PATH_LEN 40

/* Destination flags. */
#define BW_DEST_FROM_MSG 0x1 /* address came from msg_name / sendto addr */

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
 * One counted call (or one message of a sendmmsg), as staged and streamed.
 * A ring-buffer record is one CPU's batch of these, back to back
 * (bpf/batch.bpf.h). Each is a bw_rec followed by the parts its `parts`
 * names, in this order: a bw_rec_trace (with --events: time, process, fd)
 * and a bw_dest (socket records, unless BW_REC_SAME_DEST). By default a
 * record is the 16-byte bw_rec alone, four to a cache line: carrying
 * records to the reader's CPU is most of what streaming them costs, so
 * they carry only what the aggregator counts.
 */
#define BW_REC_TRACE 0x1
#define BW_REC_DEST 0x2
/* A socket record without a bw_dest part: its destination is the one the
 * last BW_REC_DEST record of the same batch and direction carried (an
 * input record's bw_dest is its source). A log shipper sends to one peer
 * and reads from one source, so its records stay 16 bytes. */
#define BW_REC_SAME_DEST 0x4
/* The overlapping views of bw_totals a record's call also counts in, so
 * user space can split per-call detail (the size histogram) the same way.
 * Output side only: an input record's views are 0. */
#define BW_VIEW_STDIO 0x1 /* fd 1 or 2 */
#define BW_VIEW_LOG 0x2   /* the container's log pipes (bw_log_files) */

struct bw_rec {
	__u64 cgroup_id; /* cgroup v2 id = inode of the cgroup directory */
	__s32 ret;       /* bytes (>= 0) or -errno; a call moves at most
			    MAX_RW_COUNT (INT_MAX & PAGE_MASK) bytes */
	__u8 syscall;    /* enum bw_syscall */
	__u8 kind;       /* enum bw_kind */
	__u8 parts;      /* BW_REC_*: what follows */
	__u8 views;      /* BW_VIEW_*: the totals it also counts in */
};

struct bw_rec_trace {
	__u64 ts_ns; /* CLOCK_MONOTONIC */
	__u32 pid;   /* thread group id */
	__u32 tid;
	__u32 fd;    /* the fd written to (sendfile64: out_fd) */
	__u32 pad;
	char comm[BW_COMM_LEN];
};

#define BW_REC_SIZE(parts)                                                    \
	(sizeof(struct bw_rec) +                                              \
	 (((parts) & BW_REC_TRACE) ? sizeof(struct bw_rec_trace) : 0) + \
	 (((parts) & BW_REC_DEST) ? sizeof(struct bw_dest) : 0))

/*
 * A CPU's staged records (bpf/batch.bpf.h), one slot per CPU: 128
 * default records (19 of the largest), 2 KiB of kernel memory per CPU.
 * User space reads `len` only as a hint of which CPUs to flush.
 */
#define BW_BATCH_BYTES 2048

struct bw_batch {
	__u32 len;       /* bytes staged in data */
	__u32 records;   /* records staged */
	__u32 busy;      /* bw_sys_exit is changing this slot */
	__u32 walk;      /* cursor of the lost-record walk */
	__u32 has_last;  /* bit d: last_dest[d] holds the batch's last bw_dest
			    part of direction d (0 output, 1 input) */
	__u32 pad;
	struct bw_dest last_dest[2];
	struct bw_dest dest; /* the destination of the record being staged */
	__u8 data[BW_BATCH_BYTES];
};

/*
 * Delivery (bpf/delivery.bpf.c): did the bytes get out, per watched cgroup
 * and remote endpoint. TCP numbers come from the socket itself (struct
 * tcp_sock), attributed to the cgroup that created the socket; egress
 * numbers come from the IP layer (cgroup_skb/egress).
 */

/* A remote endpoint: what a socket is connected to, or where a packet goes. */
struct bw_peer {
	__u16 family;  /* AF_INET or AF_INET6 (v4-mapped v6 is reported as v4) */
	__u16 port;    /* remote port, host byte order; 0 when none */
	__u8 proto;    /* IPPROTO_TCP, IPPROTO_UDP, or another IP protocol */
	__u8 pad[3];
	__u8 addr[16]; /* v4 in the first 4 bytes, the rest zero */
};

struct bw_peer_key {
	__u64 cgroup_id; /* cgroup v2 id of the socket's creator */
	struct bw_peer peer;
};

/*
 * TCP per (cgroup, peer), counted from when bpfwatch first saw each socket.
 * Byte counts are deltas of the socket's own RFC 4898 counters, folded in
 * by the sampler (on every read) and when the socket closes, exactly once.
 */
struct bw_tcp_peer {
	__u64 bytes_acked;      /* data acknowledged by the peer (no SYN/FIN) */
	__u64 bytes_sent;       /* data put on the wire, retransmits included */
	__u64 bytes_retrans;    /* of which retransmitted */
	__u64 retrans_segs;     /* segments retransmitted (tcp_retransmit_skb) */
	__u64 resets_sent;      /* RSTs this side sent (tcp_send_reset) */
	__u64 resets_received;  /* RSTs this side received (tcp_receive_reset) */
	__u64 connect_attempts; /* CLOSE -> SYN_SENT */
	__u64 connects;         /* SYN_SENT -> ESTABLISHED */
	__u64 accepts;          /* SYN_RECV -> ESTABLISHED */
	__u64 connect_failures; /* SYN_SENT -> CLOSE; errno in bw_error_key */
	__u64 closes;           /* a synchronized connection reached CLOSE */
	__u64 last_ack_ns;      /* newest ACK of new data, bpf_ktime_get_ns() */
};

/* Flags of a tracked socket. */
#define BW_TSK_BASED 0x1 /* counters have a base: synchronized */

/*
 * One tracked TCP socket (the tcp_socks map, keyed by the struct sock
 * address). The acked/sent/retrans fields are the values already folded
 * into its bw_tcp_peer; the gauges are from the newest sample.
 */
struct bw_tcp_sock {
	struct bw_peer_key key;
	__u64 acked;
	__u64 sent;
	__u64 retrans;
	__u64 last_ack_ns;  /* newest ACK of new data seen on this socket */
	__u64 sampled_ns;   /* when the sampler last looked (0: never) */
	__u32 unacked;      /* snd_nxt - snd_una: sent, not yet acknowledged */
	__u32 unsent;       /* write_seq - snd_nxt: queued, not yet sent */
	__u8 state;         /* TCP state at the newest sample or event */
	__u8 flags;         /* BW_TSK_* */
	__u16 pad;
	__u32 pad2;
};

/* Where an errno was seen. */
enum bw_err_phase {
	BW_ERR_CONNECT = 0, /* SYN_SENT -> CLOSE: sk_err, or 0 when abandoned */
	BW_ERR_CLOSE = 1,   /* a synchronized connection ended with sk_err */
	BW_ERR_ICMP = 2,    /* UDP: ICMP error reported to the socket */
};

struct bw_error_key {
	struct bw_peer_key key;
	__u32 err;   /* positive errno */
	__u32 phase; /* enum bw_err_phase */
};

/* IP-layer egress per (cgroup, peer): what left the sockets' network stack. */
struct bw_egress {
	__u64 packets; /* wire packets (GSO super-packets counted per segment) */
	__u64 bytes;   /* IP packet bytes, headers and retransmits included */
};

/*
 * One CPU's egress count for the (cgroup, destination) its last packets
 * went to (bpf/egress.bpf.h): folded into the egress hash when the key
 * changes, and when user space reads (bw_egress_flush).
 */
struct bw_egress_acc {
	struct bw_peer_key key;
	struct bw_egress count;
	__u32 busy; /* a program is changing this slot */
	__u32 pad;
};

/* The last UDP datagram a CPU saw leave (bpf/sent_dest.bpf.h). */
struct bw_sent_dest {
	__u64 task;     /* the sending task (struct task_struct *), 0: used */
	__u64 sk;       /* the socket it left by (struct sock *) */
	__u64 switches; /* the task's context switches (nvcsw + nivcsw) then */
	struct bw_peer peer;
};

/* Delivery health counters (per-CPU array, one slot each). */
enum bw_dstat {
	BW_DSTAT_SOCKS_FULL = 0,  /* socket not tracked: tcp_socks full */
	BW_DSTAT_PEERS_FULL = 1,  /* TCP event lost: tcp_peers full */
	BW_DSTAT_ERRORS_FULL = 2, /* errno lost: peer_errors full */
	BW_DSTAT_EGRESS_FULL = 3, /* packet not counted: egress full */
	BW_DSTAT_STALE = 4,       /* sampled socket no longer matched its entry */
	BW_DSTAT_MAX = 5,
};

#endif /* BPFWATCH_H */
