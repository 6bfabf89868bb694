// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the kernel says about BPF programs and maps, found by id or through
// the fds a process holds (/proc/PID/fdinfo): ownership, bpf_stats run
// counters, instruction counts, helper calls, and cgroup-keyed map entries.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>


namespace bench {

struct ProgStat {
	std::uint64_t run_time_ns = 0, run_cnt = 0;
};

struct ProgInfo {
	std::uint32_t id = 0;
	std::string name, type, tag;
	std::uint32_t xlated_insns = 0, jited_bytes = 0, verified_insns = 0;
	// Helper name -> call sites in the translated program (bpftool dump).
	std::map<std::string, int> helpers;
};

// Program / map ids behind the fds @pid holds (bpf-prog, bpf_link, bpf-map).
std::vector<std::uint32_t> owned_prog_ids(pid_t pid);
std::vector<std::uint32_t> owned_map_ids(pid_t pid);
std::vector<std::uint32_t> all_prog_ids();
bool prog_exists(std::uint32_t id);

// Counters kept while bpf_stats are on (BPF_ENABLE_STATS or the sysctl).
ProgStat prog_stat(std::uint32_t id);
// @with_helpers runs `bpftool prog dump xlated id N` to list helper calls.
ProgInfo prog_info(std::uint32_t id, bool with_helpers);

// How many of these maps (8-byte keys) hold @key: a tool is attached and
// counting once its maps have the writer's cgroup id.
int maps_holding(const std::vector<std::uint32_t> &map_ids, std::uint64_t key);
// Sum of the producer positions of the BPF ring buffers among @map_ids:
// it moves when a tool streams a record (any layout, any record size).
std::uint64_t ring_producer_pos(const std::vector<std::uint32_t> &map_ids);
// Kernel memory of @pid's maps ("memlock:" in fdinfo).
std::uint64_t map_memlock_of(pid_t pid);

// Every program id the harness or its tools loaded, to check at the end
// that none is left.
void note_ours(const std::vector<std::uint32_t> &ids);
std::vector<std::uint32_t> ours();

// bpf_stats on for as long as this lives (BPF_ENABLE_STATS: the same
// switch as kernel.bpf_stats_enabled=1, released even if we are killed).
class StatsOn {
public:
	StatsOn();
	~StatsOn();
	StatsOn(const StatsOn &) = delete;
	StatsOn &operator=(const StatsOn &) = delete;

private:
	int fd_ = -1;
};

} // namespace bench
