// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What bpfwatch's BPF programs cost the kernel, from its own accounting
// (struct bpf_prog_info): one reader for every loaded object.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct bpf_object;

namespace bpfwatch {

// One program's cost: run_time_ns and run_cnt grow only while sysctl
// kernel.bpf_stats_enabled is 1.
struct ProgramCost {
	std::string name; // as `bpftool prog show` names it (bpfwatch's fit in 15 chars)
	std::uint64_t run_cnt = 0;
	std::uint64_t run_time_ns = 0;
};

// Every loaded program of the object; ones not loaded are left out.
std::vector<ProgramCost> program_costs(const bpf_object *obj);

// kernel.bpf_stats_enabled: whether the kernel counts run time now;
// nothing when the sysctl cannot be read (no such file: an old kernel).
std::optional<bool> bpf_stats_enabled(const std::string &path = "/proc/sys/kernel/bpf_stats_enabled");

} // namespace bpfwatch
