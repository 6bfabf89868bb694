/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fd -> kind and socket destination, read from kernel memory (how: see
 * kread.bpf.h).
 */
#ifndef BW_FD_BPF_H
#define BW_FD_BPF_H

#include "bpfwatch.h"
#include "kread.bpf.h"

#define BW_AF_UNIX 1
#define BW_AF_INET 2
#define BW_AF_INET6 10
#define BW_SOCK_DGRAM 2

#define BW_S_IFMT 00170000
#define BW_S_IFSOCK 0140000
#define BW_S_IFREG 0100000
#define BW_S_IFCHR 0020000
#define BW_S_IFIFO 0010000

/*
 * Since Linux 6.17 the verifier types a pointer to a non-struct loaded
 * from a BTF pointer (here fdt->fd, a struct file **) as untrusted
 * read-only memory that a plain load may index. Older verifiers see a
 * scalar and reject that load, so user space sets fd_direct_load only when
 * a load with it set succeeds; otherwise this one pointer goes through the
 * helper. fd_direct_load is rodata: the verifier drops the branch not
 * taken and never sees it.
 */
const volatile bool fd_direct_load = true;

/* The struct file behind @fd of the current task, or NULL. */
static __always_inline struct file *bw_fd_file(struct task_struct *task, __u64 fd)
{
	struct fdtable *fdt = BW_READ(task, files, fdt);
	struct file **fds = BW_READ(fdt, fd);
	struct file *file = NULL;

	if (fd >= BW_READ(fdt, max_fds))
		return NULL;
#ifdef BW_COMPAT
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
#else
	if (fd_direct_load)
		file = fdt->fd[fd];
	else
		bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
#endif
	return BW_CAST(struct file, file);
}

static __always_inline __u8 bw_kind_of(struct file *file)
{
	switch (BW_READ(file, f_inode, i_mode) & BW_S_IFMT) {
	case BW_S_IFIFO:
		return BW_KIND_PIPE;
	case BW_S_IFREG:
		return BW_KIND_FILE;
	case BW_S_IFSOCK:
		return BW_KIND_SOCKET;
	case BW_S_IFCHR:
		return BW_KIND_TTY;
	default:
		return BW_KIND_OTHER;
	}
}

/* The bound path of an AF_UNIX address; abstract names keep their leading
 * '\0' (user space prints them as '@name'). */
static __always_inline void bw_unix_path(struct unix_address *ua, struct bw_dest *d)
{
	__u64 len;

	if (!ua)
		return;
	len = BW_READ(ua, len);
	if (len <= offsetof(struct sockaddr_un, sun_path))
		return;
	len -= offsetof(struct sockaddr_un, sun_path);
	if (len > BW_UNIX_PATH_LEN - 1)
		len = BW_UNIX_PATH_LEN - 1;
	/* Make clang pass the clamped register, the one the verifier bounded. */
	asm volatile("" : "+r"(len));
	bpf_probe_read_kernel(d->path, len, ua->name[0].sun_path);
}

/* Family, type, protocol and connected peer of the socket behind @file;
 * returns the socket. */
static __always_inline struct sock *bw_sock_dest(struct file *file, struct bw_dest *d)
{
	struct socket *sock = BW_CAST(struct socket, BW_READ(file, private_data));
	struct sock *sk = BW_READ(sock, sk);

	d->family = BW_READ(sk, __sk_common.skc_family);
	d->sotype = BW_READ(sock, type);
	/* sk_protocol is a u16 since v5.6 (commit bf9765145b85) */
	d->proto = BW_READ(sk, sk_protocol);
	switch (d->family) {
	case BW_AF_INET:
		*(__u32 *)d->addr = BW_READ(sk, __sk_common.skc_daddr);
		d->port = bpf_ntohs(BW_READ(sk, __sk_common.skc_dport));
		break;
	case BW_AF_INET6:
		BW_READ_INTO((struct in6_addr *)d->addr, sk, __sk_common.skc_v6_daddr);
		d->port = bpf_ntohs(BW_READ(sk, __sk_common.skc_dport));
		break;
	case BW_AF_UNIX: {
		struct unix_sock *peer = BW_CAST(struct unix_sock, BW_READ(BW_CAST(struct unix_sock, sk), peer));

		if (peer)
			bw_unix_path(BW_READ(peer, addr), d);
		d->proto = 0;
		break;
	}
	default:
		break;
	}
	return sk;
}

#endif /* BW_FD_BPF_H */
