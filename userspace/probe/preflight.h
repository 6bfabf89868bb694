// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the kernel and our privileges must offer before we load anything,
// each missing piece reported by name instead of as a verifier failure.
#pragma once

#include <string>

namespace bpfwatch {

// Throws Error naming the missing capability, BTF or kernel feature.
void check_can_load_probes();

// Whether cgroup_skb programs (the egress counters) may be loaded and
// attached: CAP_NET_ADMIN, or CAP_SYS_ADMIN.
bool has_net_admin();

// The BTF part of it, for the kernel BTF at @path.
void check_kernel_btf(const std::string &path);

} // namespace bpfwatch
