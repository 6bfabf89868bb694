// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Size histograms per kind on a real container: each kind's histogram
// counts exactly its successful calls (records carry the kind, and whether
// the call went to stdio and to the log), per interval, or since the start
// with --histogram cumulative.
#include <unistd.h>

#include "e2e/e2e_support.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::uint64_t calls_in(const json &histogram)
{
	std::uint64_t n = 0;
	for (const json &b : histogram)
		n += b["count"].get<std::uint64_t>();
	return n;
}

TEST(Histograms, PerKindCountEveryCallAndCumulativeKeepsThemSinceTheStart)
{
	require_docker();
	if (IsSkipped() || HasFailure())
		return;
	std::string tag = std::to_string(getpid());
	// Log lines of 26 bytes, and 4 KiB blocks to a file; bounded (1000 of each).
	Container c("bwhist-" + tag, "",
		    "i=0; while [ $i -lt 1000 ]; do echo log-line-0123456789abcdef; "
		    "head -c 4096 /dev/zero >> /tmp/f; i=$((i+1)); sleep 0.02; done; sleep 3600");
	Subprocess bw({BPFWATCH_BINARY, "--container", c.name(), "--duration", "4s", "--interval", "1s", "--output",
		       "json", "--histogram", "cumulative"});
	ASSERT_TRUE(bw.wait_for_stderr("watching", 20s)) << bw.err();
	ASSERT_EQ(bw.wait(30s), 0) << bw.err();

	auto summaries = json_lines(bw.out(), "summary");
	ASSERT_EQ(summaries.size(), 1u) << bw.out();
	const json &s = summaries[0];
	ASSERT_EQ(s["lost_events"], 0);
	EXPECT_EQ(s["histograms_since_start"], true);
	for (const char *kind : {"pipe", "file", "socket", "tty", "other"})
		EXPECT_EQ(calls_in(s["histograms"][kind]), s["by_kind"][kind]["calls"].get<std::uint64_t>()) << kind;
	EXPECT_EQ(calls_in(s["histograms"]["stdio"]), s["stdio"]["calls"].get<std::uint64_t>());
	EXPECT_EQ(calls_in(s["histograms"]["log"]), s["log"]["calls"].get<std::uint64_t>());
	EXPECT_GT(s["log"]["calls"].get<std::uint64_t>(), 10u);
	// Every log line is one 26-byte write: bucket (16, 32].
	EXPECT_EQ(s["histograms"]["log"].back()["le"], 32);
	EXPECT_GT(s["by_kind"]["file"]["calls"].get<std::uint64_t>(), 10u);

	// Cumulative: each interval's histograms hold at least the previous
	// one's calls, and the last is (nearly) the summary's; the one
	// histogram stays the interval's own.
	auto intervals = json_lines(bw.out(), "interval");
	ASSERT_GE(intervals.size(), 3u) << bw.out();
	std::uint64_t before = 0, own = 0;
	for (const json &i : intervals) {
		EXPECT_EQ(i["histograms_since_start"], true);
		std::uint64_t now = calls_in(i["histograms"]["log"]);
		EXPECT_GE(now, before);
		before = now;
		own += calls_in(i["histogram"]);
	}
	EXPECT_LE(before, calls_in(s["histograms"]["log"]));
	EXPECT_LE(own, s["totals"]["calls"].get<std::uint64_t>());
	const json &last = intervals.back();
	EXPECT_GT(calls_in(last["histograms"]["log"]), last["log"]["calls"].get<std::uint64_t>())
		<< "since the start, not the last second: " << last.dump();
}

} // namespace
} // namespace bpfwatch::e2e
