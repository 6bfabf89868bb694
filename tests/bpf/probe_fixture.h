// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A Probe on the real kernel plus a sandbox cgroup to run workloads in.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bpf/sandbox.h"
#include "probe/probe.h"
#include "support/skip.h"

namespace bpfwatch::test {

class ProbeTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (geteuid() != 0)
			BW_SKIP_OR_FAIL("needs root: loading BPF programs requires CAP_BPF+CAP_PERFMON");
		box_ = std::make_unique<CgroupSandbox>("bpfwatch-test");
	}

	// BPFWATCH_PROBE_BUILD=compat (set by ctest for its "compat:" copy of
	// every test) runs them all on the build for kernels before 6.2.
	static bool compat_run()
	{
		const char *build = std::getenv("BPFWATCH_PROBE_BUILD");
		return build && std::string(build) == "compat";
	}

	void attach(std::vector<std::uint64_t> cgroup_ids, ProbeConfig config = {})
	{
		config.cgroup_ids = std::move(cgroup_ids);
		if (compat_run())
			config.build = ProbeBuild::Compat;
		probe_ = std::make_unique<Probe>(config, [this](const Record &e) { events_.push_back(e); });
		// This kernel takes the fast build: Auto must not fall back.
		ASSERT_EQ(probe_->compat(), compat_run());
	}
	void attach_to_box() { attach({box_->id()}); }

	// Runs the workload in the sandbox; fails the test if it failed.
	void run(const std::function<int()> &workload) { ASSERT_EQ(box_->run(workload), 0); }

	KernelTotals totals_of(std::uint64_t cgroup_id)
	{
		probe_->drain();
		auto all = probe_->read_totals();
		auto it = all.find(cgroup_id);
		return it == all.end() ? KernelTotals{} : it->second;
	}
	Counts kind(FdKind k) { return totals_of(box_->id()).kind(k); }

	std::vector<Record> events_of(std::uint64_t cgroup_id)
	{
		probe_->drain();
		std::vector<Record> out;
		for (const Record &e : events_)
			if (e.cgroup_id == cgroup_id)
				out.push_back(e);
		return out;
	}
	std::vector<Record> box_events() { return events_of(box_->id()); }

	std::unique_ptr<CgroupSandbox> box_;
	std::unique_ptr<Probe> probe_;
	std::vector<Record> events_;
};

} // namespace bpfwatch::test
