// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `check` on a container that exits inside the window: a verdict on what
// was seen, never a crash (it once read the first of no targets). The
// window runs its course: the container is followed, and might come back.
#include <unistd.h>

#include "e2e/e2e_support.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

TEST(CheckExit, AContainerThatExitsDuringTheWindowGetsAVerdict)
{
	require_docker();
	if (IsSkipped() || HasFailure())
		return;
	// Writes one line, then exits 2 s in: well inside the window.
	Container c("bwtest-check-exit-" + std::to_string(getpid()), "", "echo started; sleep 2; echo bye");
	Subprocess bw({BPFWATCH_BINARY, "check", "--container", c.name(), "--window", "8s", "--output", "json"});
	int status = bw.wait(30s);
	EXPECT_EQ(status, 1) << bw.err() << bw.out();
	auto lines = json_lines(bw.out(), "check");
	ASSERT_EQ(lines.size(), 1u) << bw.out() << bw.err();
	EXPECT_EQ(lines[0]["container"], c.name());
	EXPECT_EQ(lines[0]["verdict"], "silent") << lines[0].dump();
	ASSERT_TRUE(lines[0]["note"].is_string()) << lines[0].dump();
	EXPECT_NE(lines[0]["note"].get<std::string>().find("not running at the end of the window"), std::string::npos)
		<< lines[0].dump();
	EXPECT_EQ(lines[0]["stdout_bytes"], std::string("bye\n").size()) << "the line it wrote in the window";
}

} // namespace
} // namespace bpfwatch::e2e
