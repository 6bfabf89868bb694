/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fd -> kind and socket destination, read straight from kernel memory.
 *
 * Every pointer here is a BTF pointer (bpf_get_current_task_btf() or
 * bpf_rdonly_cast()), so a field read is one fault-safe load (BPF_PROBE_MEM)
 * instead of a bpf_probe_read_kernel() helper call: on a VM each helper
 * call costs tens of ns, and this path runs on every counted write.
 * bpf_rdonly_cast() is rewritten to a register move by the verifier, so the
 * casts are free. Needs Linux 6.2 (commit a35b9af4ec2c, "bpf: Add a kfunc
 * for generic type cast").
 */
#ifndef BW_FD_BPF_H
#define BW_FD_BPF_H

#include "bpfwatch.h"

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#define BW_CAST(type, ptr) \
	((type *)bpf_rdonly_cast((void *)(ptr), bpf_core_type_id_kernel(type)))

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
	struct fdtable *fdt = task->files->fdt;
	struct file *file = NULL;

	if (fd >= fdt->max_fds)
		return NULL;
	if (fd_direct_load)
		file = fdt->fd[fd];
	else
		bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
	return BW_CAST(struct file, file);
}

static __always_inline __u8 bw_kind_of(struct file *file)
{
	switch (file->f_inode->i_mode & BW_S_IFMT) {
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
	len = ua->len;
	if (len <= offsetof(struct sockaddr_un, sun_path))
		return;
	len -= offsetof(struct sockaddr_un, sun_path);
	if (len > BW_UNIX_PATH_LEN - 1)
		len = BW_UNIX_PATH_LEN - 1;
	/* Make clang pass the clamped register, the one the verifier bounded. */
	asm volatile("" : "+r"(len));
	bpf_probe_read_kernel(d->path, len, ua->name[0].sun_path);
}

/* Family, type, protocol and connected peer of the socket behind @file. */
static __always_inline void bw_sock_dest(struct file *file, struct bw_dest *d)
{
	struct socket *sock = BW_CAST(struct socket, file->private_data);
	struct sock *sk = sock->sk;
	struct sock_common *skc = &sk->__sk_common;
	__u64 *v6 = (__u64 *)d->addr;

	d->family = skc->skc_family;
	d->sotype = sock->type;
	/* sk_protocol is a u16 since v5.6 (commit bf9765145b85) */
	d->proto = sk->sk_protocol;
	switch (d->family) {
	case BW_AF_INET:
		*(__u32 *)d->addr = skc->skc_daddr;
		d->port = bpf_ntohs(skc->skc_dport);
		break;
	case BW_AF_INET6:
		v6[0] = *(__u64 *)&skc->skc_v6_daddr.in6_u.u6_addr32[0];
		v6[1] = *(__u64 *)&skc->skc_v6_daddr.in6_u.u6_addr32[2];
		d->port = bpf_ntohs(skc->skc_dport);
		break;
	case BW_AF_UNIX: {
		struct unix_sock *peer = BW_CAST(struct unix_sock, BW_CAST(struct unix_sock, sk)->peer);

		if (peer)
			bw_unix_path(peer->addr, d);
		d->proto = 0;
		break;
	}
	default:
		break;
	}
}

/*
 * The address a send names itself (sendto's addr, msg_name): unconnected
 * UDP and AF_UNIX datagram sockets, and UDP sends that override the
 * connected peer. Read from user memory the syscall has just used, straight
 * into the record, never more than the caller's addrlen (a short sockaddr
 * may end a mapped page). Each bpf_probe_read_user() costs tens of ns, so
 * IPv4 (the common case) takes one 8-byte read: family, port, address.
 */
static __always_inline void bw_msg_dest(const void *uaddr, __u64 addrlen, struct bw_dest *d)
{
	struct {
		__u16 family;
		__be16 port;
		__be32 v4;
	} head = {};
	__u64 *addr = (__u64 *)d->addr;
	__u64 len = addrlen < sizeof(head) ? addrlen : sizeof(head);

	/* A unix address may be shorter than head ("/a": 5 bytes). */
	asm volatile("" : "+r"(len));
	if (!uaddr || len < sizeof(head.family) || bpf_probe_read_user(&head, len, uaddr))
		return;
	switch (head.family) {
	case BW_AF_INET:
		if (len < sizeof(head))
			return;
		addr[0] = head.v4;
		addr[1] = 0;
		d->port = bpf_ntohs(head.port);
		break;
	case BW_AF_INET6:
		if (addrlen < offsetof(struct sockaddr_in6, sin6_scope_id) ||
		    bpf_probe_read_user(d->addr, sizeof(d->addr),
					uaddr + offsetof(struct sockaddr_in6, sin6_addr)))
			return;
		d->port = bpf_ntohs(head.port);
		break;
	case BW_AF_UNIX:
		len = addrlen - offsetof(struct sockaddr_un, sun_path);
		if (len > BW_UNIX_PATH_LEN - 1)
			len = BW_UNIX_PATH_LEN - 1;
		/* Make clang pass the clamped register, the one the verifier bounded. */
		asm volatile("" : "+r"(len));
		__builtin_memset(d->path, 0, sizeof(d->path));
		if (bpf_probe_read_user(d->path, len, uaddr + offsetof(struct sockaddr_un, sun_path)))
			return;
		break;
	default:
		return;
	}
	d->flags |= BW_DEST_FROM_MSG;
}

#endif /* BW_FD_BPF_H */
