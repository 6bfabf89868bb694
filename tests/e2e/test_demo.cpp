// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `sudo scripts/run --demo`, the newcomer's first command: real output from
// a throwaway log-router and sink, and nothing left behind.
#include "e2e/e2e_support.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

TEST(Demo, WatchesItsLogRouterAndRemovesBothContainers)
{
	require_docker();
	// Later settings win: 6 s instead of the demo's 15, JSON for the test.
	Subprocess demo({std::string(BPFWATCH_SOURCE_DIR) + "/scripts/run", "--demo", "--duration", "6s",
			 "--interval", "0", "--output", "json"});
	ASSERT_EQ(demo.wait(180s), 0) << demo.err();
	auto summaries = json_lines(demo.out(), "summary");
	ASSERT_EQ(summaries.size(), 1u) << demo.out() << demo.err();
	const auto &s = summaries[0];
	EXPECT_EQ(s["container"], "bpfwatch-demo-log-router");
	EXPECT_EQ(s["runtime"], "docker");
	// One line every 0.5 s, each to stdout and to the sink.
	EXPECT_GE(s["log"]["calls"].get<int>(), 5) << s.dump();
	EXPECT_GE(s["by_kind"]["socket"]["calls"].get<int>(), 5) << s.dump();
	ASSERT_FALSE(s["destinations"].empty()) << s.dump();
	EXPECT_EQ(s["destinations"][0]["port"], 5514);
	EXPECT_EQ(s["destinations"][0]["proto"], "tcp");
	EXPECT_EQ(s["lost_events"], 0);
	EXPECT_EQ(sh_out("docker ps -aq --filter label=bpfwatch-demo=1"), "") << "both containers removed";
}

} // namespace
} // namespace bpfwatch::e2e
