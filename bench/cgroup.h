// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The harness's own cgroup v2 directories: "watched" (the whole benchmark
// process moves into it, so the writer's calls carry its id) and "other"
// (empty; what the unwatched probe filters on). Both are removed, and the
// process moved back where it came from, by the destructor.
#pragma once

#include <cstdint>
#include <string>

namespace bench {

// The cgroup2 mount: /sys/fs/cgroup/unified on hybrid hosts, else /sys/fs/cgroup.
std::string cgroup2_mount();
// Remove empty bpfwatch-bench-* directories a killed run left behind.
void remove_stale_cgroups();

class BenchCgroups {
public:
	BenchCgroups();
	~BenchCgroups();
	BenchCgroups(const BenchCgroups &) = delete;
	BenchCgroups &operator=(const BenchCgroups &) = delete;

	std::uint64_t watched_id() const { return watched_id_; }
	std::uint64_t other_id() const { return other_id_; }
	// Relative to the cgroup2 mount, as `bpfwatch --cgroup` takes it.
	const std::string &watched_relative() const { return watched_rel_; }
	// cgroup.procs of where the harness started: tools run there.
	std::string origin_procs() const { return mount_ + origin_rel_ + "/cgroup.procs"; }

private:
	std::string mount_, origin_rel_, watched_rel_, other_rel_;
	std::uint64_t watched_id_ = 0, other_id_ = 0;
	bool moved_ = false;
};

} // namespace bench
