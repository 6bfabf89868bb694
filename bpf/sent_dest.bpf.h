/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where a UDP send went, handed from the egress program to the syscall
 * hook, so that with egress attached a datagram's destination costs a few
 * loads instead of a bpf_probe_read_user() of the caller's sockaddr (the
 * helper, hardened usercopy's checks and their returns: ~90 ns of a
 * watched sendto on a 2-vCPU VM, docs/PERFORMANCE.md).
 *
 * A UDP send transmits its datagram in the sender's own context before the
 * syscall returns (udp_sendmsg() -> ip_send_skb() -> ... ->
 * ip_finish_output(), where cgroup_skb/egress runs): bw_egress notes on its
 * CPU who sent (task), by which socket, the task's context-switch count,
 * and the packet's destination. bw_sys_exit takes the note for a sendto or
 * sendmsg that succeeded only when all of these still hold on the CPU it
 * returns on: same task, same socket, same address family, and no context
 * switch since (none means no migration). Every socket send of the task
 * consumes its note, so a note is never a previous send's. Anything else
 * (no egress link, a corked send that sent nothing yet, a migration,
 * sendmmsg's many datagrams, an IPv6 socket sending to a v4-mapped
 * address) reads the caller's address as before. A corked socket's final
 * send names where the datagram really went, which the caller's address
 * need not. One gap is left: a datagram sent by a call the hook does not
 * count as a send (splice(), io_uring), followed with no context switch
 * by a corked send on the same socket that sends nothing yet, charges the
 * corked send to the earlier datagram's destination.
 *
 * One map shared by both objects: the syscall probe reuses the delivery
 * probe's (ProbeConfig::sent_dests_fd); alone, each has its own and the
 * syscall hook never finds a note.
 */
#ifndef BW_SENT_DEST_BPF_H
#define BW_SENT_DEST_BPF_H

#include "bpfwatch.h"
#include "kread.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_sent_dest);
} sent_dests SEC(".maps");

static __always_inline __u64 bw_task_switches(struct task_struct *task)
{
	return BW_READ(task, nvcsw) + BW_READ(task, nivcsw);
}

#endif /* BW_SENT_DEST_BPF_H */
