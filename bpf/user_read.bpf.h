/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the hot path reads from the caller's memory: the address a send
 * names or a receive got back, and the msghdr fields that point at it.
 * Only the syscall probe reads user memory.
 */
#ifndef BW_USER_READ_BPF_H
#define BW_USER_READ_BPF_H

#include "bpfwatch.h"
#include "fd.bpf.h"

/*
 * Up to 8 bytes of user memory at @uaddr (@len, clamped), zero-extended;
 * 0 when it cannot be read. A subprogram of its own on purpose: its frame
 * is under 64 bytes, so it runs on the task's kernel stack, not on the
 * BPF private stack the hot path's big frame gets (64 bytes and up:
 * BPF_PRIV_STACK_MIN_SIZE, "bpf: Support private stack for bpf progs",
 * v6.13). Hardened usercopy's check_object_size()
 * in bpf_probe_read_user() returns at once for a destination on the task
 * stack and walks its heap and kernel-text checks for any other: that
 * walk, each step returning through the SRSO thunk on this VM, cost more
 * than the call (docs/PERFORMANCE.md).
 */
static __noinline __u64 bw_read_user_word(const void *uaddr, __u64 len)
{
	__u64 word = 0;

	if (len > sizeof(word))
		len = sizeof(word);
	/* Make clang pass the clamped register, the one the verifier bounded. */
	asm volatile("" : "+r"(len));
	if (!uaddr || !len || bpf_probe_read_user(&word, len, uaddr))
		return 0;
	return word;
}

/*
 * msg_name of the user_msghdr at @umsg, and its msg_namelen in *@namelen:
 * the 16 bytes that start it, read on the task stack for the reason above
 * (the hot path needs nothing else of it). NULL when it cannot be read.
 */
static __noinline void *bw_read_user_msg_name(const struct user_msghdr *umsg, __u64 *namelen)
{
	struct {
		void *name;
		__u32 namelen;
		__u32 pad;
	} head = {};

	*namelen = 0;
	if (!umsg || bpf_probe_read_user(&head, sizeof(head), umsg))
		return NULL;
	*namelen = head.namelen;
	return head.name;
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
	union {
		__u64 word;
		struct {
			__u16 family;
			__be16 port;
			__be32 v4;
		};
	} head;
	__u64 *addr = (__u64 *)d->addr;
	/* A unix address may be shorter than head ("/a": 5 bytes). */
	__u64 len = addrlen < sizeof(head) ? addrlen : sizeof(head);

	if (len < sizeof(head.family))
		return;
	head.word = bw_read_user_word(uaddr, len);
	if (!head.word)
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

#endif /* BW_USER_READ_BPF_H */
