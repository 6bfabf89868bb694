// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The syscall probe's programs as the metrics exporter lists them, with
// the kernel's run counts when it keeps them. kernel.bpf_stats_enabled is
// read, never changed: other tests and benchmarks share the machine.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>

#include "bpf/probe_fixture.h"
#include "bpf/workload.h"
#include "probe/program_costs.h"

namespace bpfwatch::test {
namespace {

class ProgramCosts : public ProbeTest {};

TEST_F(ProgramCosts, EveryLoadedProgramOfTheSyscallProbe)
{
	attach_to_box();
	std::map<std::string, ProgramCost> before;
	for (const ProgramCost &c : probe_->program_costs())
		before[c.name] = c;
	ASSERT_TRUE(before.count("bw_sys_exit"));
	ASSERT_TRUE(before.count("bw_flush")) << "run by user space, loaded all the same";
	ASSERT_TRUE(before.count("bw_cgroup_mkdir")) << "explicit targets are followed in the kernel";
	EXPECT_EQ(before.size(), 3u);
	if (!bpf_stats_enabled().value_or(false))
		return; // the kernel counts nothing now: names are all there is
	run([] {
		char buf[8] = {};
		int fd = open("/dev/null", O_WRONLY);
		WL_CHECK(fd >= 0);
		for (int i = 0; i < 100; i++)
			WL_CHECK(write(fd, buf, sizeof(buf)) == sizeof(buf));
		close(fd);
		return 0;
	});
	for (const ProgramCost &c : probe_->program_costs())
		if (c.name == "bw_sys_exit")
			EXPECT_GE(c.run_cnt, before["bw_sys_exit"].run_cnt + 100);
}

TEST(BpfStats, TheSysctlIsReadAsABoolean)
{
	EXPECT_TRUE(bpf_stats_enabled().has_value()) << "every kernel bpfwatch runs on has the sysctl";
	EXPECT_FALSE(bpf_stats_enabled("/nonexistent/bpf_stats_enabled").has_value());
}

} // namespace
} // namespace bpfwatch::test
