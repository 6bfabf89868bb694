// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Degrade, never crash, end to end: with the kernel refusing two optional
// programs (a verifier rejection, an egress link it will not make; forced
// through BPFWATCH_FAIL_PROGRAM, the kernel's own refusals), bpfwatch
// watches a real container, counts its writes exactly, and says what is
// not covered: stderr, a JSON notice each, the summary's "degraded", and
// with -v the verifier's log.
#include <unistd.h>

#include "e2e/core_case.h"

namespace bpfwatch::e2e {
namespace {

using nlohmann::json;

const json *entry(const json &degraded, const std::string &program)
{
	for (const json &d : degraded)
		if (d["program"] == program)
			return &d;
	return nullptr;
}

TEST(Degrade, RefusedProgramsAreNamedAndTheWritesStillCountExactly)
{
	require_docker();
	if (IsSkipped() || HasFailure())
		return;
	CoreCase core("degrade-" + std::to_string(getpid()));
	auto r = core.watch_one_round({"env", "BPFWATCH_FAIL_PROGRAM=bw_retransmit:load,bw_egress"}, {"-v"});
	ASSERT_EQ(r.status, 0) << r.err;
	ASSERT_EQ(r.summaries.size(), 1u) << r.out;
	const json &s = r.summaries[0];
	EXPECT_EQ(s["log"]["bytes"], CoreCase::kLogBytes) << s.dump();
	EXPECT_EQ(s["stdio"]["bytes"], CoreCase::kStdioBytes);
	EXPECT_EQ(s["by_kind"]["file"]["bytes"], CoreCase::kFileBytes);
	EXPECT_EQ(s["lost_events"], 0);

	ASSERT_EQ(s["degraded"].size(), 2u) << s["degraded"].dump();
	const json *verifier = entry(s["degraded"], "bw_retransmit");
	ASSERT_NE(verifier, nullptr);
	EXPECT_EQ((*verifier)["not_covered"], "TCP retransmits");
	EXPECT_NE((*verifier)["why"].get<std::string>().find("verifier rejected"), std::string::npos);
	const json *egress = entry(s["degraded"], "bw_egress");
	ASSERT_NE(egress, nullptr);
	EXPECT_NE((*egress)["not_covered"].get<std::string>().find(core.container().name()), std::string::npos);
	EXPECT_NE((*egress)["why"].get<std::string>().find("attach cgroup_skb/egress"), std::string::npos);

	int notices = 0;
	for (const json &n : json_lines(r.out, "notice"))
		notices += n["kind"] == "degraded";
	EXPECT_EQ(notices, 2) << r.out;
	EXPECT_NE(r.err.find("bpfwatch: running without bw_retransmit: not counted: TCP retransmits"),
		  std::string::npos)
		<< r.err;
	// -v: the verifier's own log, which says why.
	EXPECT_NE(r.err.find("the verifier's log for bw_retransmit"), std::string::npos) << r.err;
}

TEST(Degrade, EverythingRunningMeansAnEmptyList)
{
	require_docker();
	if (IsSkipped() || HasFailure())
		return;
	CoreCase core("whole-" + std::to_string(getpid()));
	auto r = core.watch_one_round({});
	ASSERT_EQ(r.status, 0) << r.err;
	ASSERT_EQ(r.summaries.size(), 1u) << r.out;
	EXPECT_EQ(r.summaries[0]["degraded"], json::array());
	EXPECT_EQ(r.summaries[0]["log"]["bytes"], CoreCase::kLogBytes);
	EXPECT_EQ(r.err.find("running without"), std::string::npos) << r.err;
}

} // namespace
} // namespace bpfwatch::e2e
