// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Bad input ends in one clear line on stderr, exit status 2, and nothing
// left attached.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>

#include "e2e/e2e_support.h"
#include "support/skip.h"

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
		BW_SKIP_OR_FAIL("needs root");
	RunResult r = bpfwatch({"--container", "x", "--docker-socket", "/nonexistent/docker.sock"});
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(lines(r.err), 1) << r.err;
	EXPECT_NE(r.err.find("/nonexistent/docker.sock"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("--cgroup"), std::string::npos) << r.err;
}

TEST(Errors, ADockerSocketThatDoesNotAnswerSuggestsCgroupOrPid)
{
	if (geteuid() != 0)
		BW_SKIP_OR_FAIL("needs root");
	// A unix socket nobody listens on: connect() is refused.
	std::string path = "/tmp/bwtest-dead-" + std::to_string(getpid()) + ".sock";
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	sockaddr_un a{};
	a.sun_family = AF_UNIX;
	std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path.c_str());
	ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)), 0);
	RunResult r = bpfwatch({"--container", "x", "--docker-socket", path});
	close(fd);
	unlink(path.c_str());
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(lines(r.err), 1) << r.err;
	EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("use --cgroup or --pid instead"), std::string::npos) << r.err;
}

TEST(Errors, CheckGivesAnErrorVerdictInJson)
{
	require_docker();
	std::string name = "bwtest-no-such-" + std::to_string(getpid());
	Subprocess p({BPFWATCH_BINARY, "check", "--container", name, "--output", "json"});
	ASSERT_EQ(p.wait(30s), 2) << p.err();
	auto lines_out = json_lines(p.out(), "check");
	ASSERT_EQ(lines_out.size(), 1u) << p.out();
	EXPECT_EQ(lines_out[0]["verdict"], "error");
	EXPECT_NE(lines_out[0]["reason"].get<std::string>().find(name), std::string::npos) << p.out();
	EXPECT_EQ(lines(p.err()), 1) << p.err();
}

TEST(Errors, UnknownCgroupAndPid)
{
	if (geteuid() != 0)
		BW_SKIP_OR_FAIL("needs root");
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
		BW_SKIP_OR_FAIL("needs root to drop to another user");
	// setpriv from util-linux drops every capability, as an unprivileged user has.
	for (std::string target : {"--pid 1", "--container log-router"}) {
		CommandResult r = sh(std::string("setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all ") +
				     BPFWATCH_BINARY + " " + target + " --duration 1s 2>&1");
		EXPECT_EQ(r.status, 2);
		EXPECT_EQ(lines(r.out), 1) << r.out;
		EXPECT_NE(r.out.find("CAP_BPF"), std::string::npos) << target << ": " << r.out;
	}
}

} // namespace
} // namespace bpfwatch::e2e
