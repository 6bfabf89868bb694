// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A test-made cgroup v2 directory and a child process that runs a workload
// inside it, started only after the parent moved it there: the move itself
// (a write to cgroup.procs) must not be counted.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

namespace bpfwatch::test {

// The cgroup v2 mount: /sys/fs/cgroup/unified on hybrid hosts, else /sys/fs/cgroup.
std::string cgroup2_root();

class CgroupSandbox {
public:
	explicit CgroupSandbox(const std::string &name);
	~CgroupSandbox();
	CgroupSandbox(const CgroupSandbox &) = delete;
	CgroupSandbox &operator=(const CgroupSandbox &) = delete;

	std::uint64_t id() const { return id_; }
	const std::string &path() const { return path_; }
	const std::string &relative_path() const { return relative_; }

	// Runs @workload in a child inside this cgroup, on one CPU (@cpu, or
	// the one it starts on): records are batched per CPU, so one CPU keeps
	// them in the order the workload made them. Returns the child's exit
	// status (the workload's return value, or 255 on setup failure).
	int run(const std::function<int()> &workload, int cpu = -1);

private:
	std::string path_, relative_;
	std::uint64_t id_ = 0;
};

} // namespace bpfwatch::test
