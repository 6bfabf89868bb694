// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Feature probes, loaded (never attached) before the hot path to learn
 * what this kernel's verifier takes, the way libbpf probes its own
 * features: a load that succeeds here is the same access the hot path
 * makes, so the build chosen from it loads, and a hot path the verifier
 * then refuses is a real error, not a reason to fall back.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "bpfwatch.h"
#include "fd.bpf.h"

/* fdt->fd[i] as a plain load (Linux 6.17; see fd.bpf.h): fd_direct_load is
 * left true here. */
SEC("raw_tp")
int bw_feature_direct_fd_load(void *ctx)
{
	return bw_fd_file(bpf_get_current_task_btf(), 0) != NULL;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
