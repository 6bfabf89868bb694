// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// --runtime and the runtime sockets on the command line.
#include <gtest/gtest.h>

#include <vector>

#include "cli/options.h"

namespace bpfwatch {
namespace {

Command parse(std::vector<const char *> args)
{
	args.insert(args.begin(), "bpfwatch");
	return parse_command_line(static_cast<int>(args.size()), const_cast<char **>(args.data()));
}

TEST(CommandLineRuntime, AutoByDefault)
{
	Command c = parse({"--container", "web"});
	EXPECT_EQ(c.watch.runtime, "auto");
	EXPECT_EQ(c.watch.docker_socket, "/var/run/docker.sock");
	EXPECT_EQ(c.watch.podman_socket, "/run/podman/podman.sock");
	EXPECT_EQ(parse({"--runtime", "podman"}).watch.runtime, "podman");
}

TEST(CommandLineRuntime, OneSocketNamesItsRuntime)
{
	EXPECT_EQ(parse({"--docker-socket", "/x.sock"}).watch.runtime, "docker");
	Command p = parse({"--podman-socket", "/run/user/1000/podman/podman.sock"});
	EXPECT_EQ(p.watch.runtime, "podman");
	EXPECT_EQ(p.watch.podman_socket, "/run/user/1000/podman/podman.sock");
	EXPECT_EQ(parse({"--docker-socket", "/a", "--podman-socket", "/b"}).watch.runtime, "auto");
	EXPECT_EQ(parse({"--docker-socket", "/a", "--runtime", "auto"}).watch.runtime, "auto");
}

TEST(CommandLineRuntime, UnknownRuntimeIsAUsageError)
{
	::testing::internal::CaptureStderr();
	EXPECT_EQ(parse({"--runtime", "containerd"}).exit_code, 2);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("containerd"), std::string::npos) << err;
}

TEST(CommandLineRuntime, HelpNamesEveryRuntimeOption)
{
	::testing::internal::CaptureStdout();
	EXPECT_EQ(parse({"--help"}).exit_code, 0);
	std::string help = ::testing::internal::GetCapturedStdout();
	for (const char *opt : {"--runtime", "--docker-socket", "--podman-socket", "podman system service"})
		EXPECT_NE(help.find(opt), std::string::npos) << opt << " in:\n" << help;
}

} // namespace
} // namespace bpfwatch
