// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Bad input ends in one clear line on stderr, exit status 2, and nothing
// left attached.
#include <unistd.h>

#include "e2e/e2e_support.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

struct RunResult {
	int status;
	std::string err;
};

RunResult bpfwatch(std::vector<std::string> args)
{
	args.insert(args.begin(), BPFWATCH_BINARY);
	Subprocess p(args);
	int status = p.wait(30s);
	return {status, p.err()};
}

int lines(const std::string &s)
{
	return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

TEST(Errors, UnknownContainerListsTheRunningOnes)
{
	require_docker();
	Container c("bwtest-listed-" + std::to_string(getpid()), "", "sleep 60");
	RunResult r = bpfwatch({"--container", "no-such-container", "--duration", "1s"});
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(lines(r.err), 1) << r.err;
	EXPECT_NE(r.err.find("no-such-container"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find(c.name()), std::string::npos) << "lists running containers: " << r.err;
}

TEST(Errors, MissingDockerSocketSuggestsCgroupOrPid)
{
	if (geteuid() != 0)
		GTEST_SKIP() << "needs root";
	RunResult r = bpfwatch({"--container", "x", "--docker-socket", "/nonexistent/docker.sock"});
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(lines(r.err), 1) << r.err;
	EXPECT_NE(r.err.find("/nonexistent/docker.sock"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("--cgroup"), std::string::npos) << r.err;
}

TEST(Errors, UnknownCgroupAndPid)
{
	if (geteuid() != 0)
		GTEST_SKIP() << "needs root";
	RunResult r = bpfwatch({"--cgroup", "/no/such/cgroup"});
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(lines(r.err), 1) << r.err;
	EXPECT_NE(r.err.find("/no/such/cgroup"), std::string::npos) << r.err;
	r = bpfwatch({"--pid", "999999999"});
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("999999999"), std::string::npos) << r.err;
}

TEST(Errors, WithoutPrivilegesNamesTheCapability)
{
	if (geteuid() != 0)
		GTEST_SKIP() << "needs root to drop to another user";
	// setpriv from util-linux drops every capability, as an unprivileged user has.
	CommandResult r = sh(std::string("setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all ") +
			     BPFWATCH_BINARY + " --pid 1 --duration 1s 2>&1");
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(lines(r.out), 1) << r.out;
	EXPECT_NE(r.out.find("CAP_BPF"), std::string::npos) << r.out;
}

} // namespace
} // namespace bpfwatch::e2e
