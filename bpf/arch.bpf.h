/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-architecture syscall numbers and argument registers, read at
 * raw_tracepoint/sys_exit from the task's struct pt_regs.
 */
#ifndef BW_ARCH_BPF_H
#define BW_ARCH_BPF_H

#include "bpfwatch.h"
#include "kread.bpf.h"

#if defined(__TARGET_ARCH_x86)
/* arch/x86/entry/syscalls/syscall_64.tbl */
#define BW_NR_read 0
#define BW_NR_write 1
#define BW_NR_pread64 17
#define BW_NR_pwrite64 18
#define BW_NR_readv 19
#define BW_NR_writev 20
#define BW_NR_sendfile64 40
#define BW_NR_sendto 44
#define BW_NR_recvfrom 45
#define BW_NR_sendmsg 46
#define BW_NR_recvmsg 47
#define BW_NR_preadv 295
#define BW_NR_pwritev 296
#define BW_NR_recvmmsg 299
#define BW_NR_sendmmsg 307
#define BW_NR_preadv2 327
#define BW_NR_pwritev2 328

#define BW_SC_NR(regs) BW_READ(regs, orig_ax)
#define BW_SC_ARG0(regs) BW_READ(regs, di)
#define BW_SC_ARG1(regs) BW_READ(regs, si)
#define BW_SC_ARG2(regs) BW_READ(regs, dx)
#define BW_SC_ARG3(regs) BW_READ(regs, r10)
#define BW_SC_ARG4(regs) BW_READ(regs, r8)
#define BW_SC_ARG5(regs) BW_READ(regs, r9)

/*
 * A 32-bit (ia32) task uses another syscall table: its numbers must not be
 * read as x86_64 ones. TS_COMPAT is set in thread_info.status for the
 * duration of an ia32 syscall (arch/x86/include/asm/thread_info.h).
 */
#define BW_TS_COMPAT 0x0002
#define BW_IN_COMPAT_SYSCALL(task) (BW_READ(task, thread_info.status) & BW_TS_COMPAT)
#else
#error "bpfwatch: only x86_64 is supported so far (see bpf/arch.bpf.h)"
#endif

/* This architecture's syscall number -> enum bw_syscall, or -1. */
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
	case BW_NR_read:
		return BW_SYS_READ;
	case BW_NR_readv:
		return BW_SYS_READV;
	case BW_NR_pread64:
		return BW_SYS_PREAD64;
	case BW_NR_preadv:
		return BW_SYS_PREADV;
	case BW_NR_preadv2:
		return BW_SYS_PREADV2;
	case BW_NR_recvfrom:
		return BW_SYS_RECVFROM;
	case BW_NR_recvmsg:
		return BW_SYS_RECVMSG;
	case BW_NR_recvmmsg:
		return BW_SYS_RECVMMSG;
	default:
		return -1;
	}
}

#endif /* BW_ARCH_BPF_H */
