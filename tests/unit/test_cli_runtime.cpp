// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// --runtime and the runtime sockets on the command line.
#include <gtest/gtest.h>

#include "unit/cli_parse.h"

namespace bpfwatch {
namespace {

using namespace bpfwatch::testing;

TEST(CommandLineRuntime, AutoByDefault)
{
	WatchOptions w = watch_of({"--container", "web"});
	EXPECT_EQ(w.targets.runtime, "auto");
	EXPECT_EQ(w.targets.docker_socket, "/var/run/docker.sock");
	EXPECT_EQ(w.targets.podman_socket, "/run/podman/podman.sock");
	EXPECT_EQ(watch_of({"--runtime", "podman"}).targets.runtime, "podman");
	// The defaults are the library's, written once.
	EXPECT_EQ(w.targets.runtime, ResolveOptions{}.runtime);
	EXPECT_EQ(check_of({"-c", "web"}).targets.docker_socket, ResolveOptions{}.docker_socket);
}

TEST(CommandLineRuntime, OneSocketNamesItsRuntime)
{
	EXPECT_EQ(watch_of({"--docker-socket", "/x.sock"}).targets.runtime, "docker");
	WatchOptions p = watch_of({"--podman-socket", "/run/user/1000/podman/podman.sock"});
	EXPECT_EQ(p.targets.runtime, "podman");
	EXPECT_EQ(p.targets.podman_socket, "/run/user/1000/podman/podman.sock");
	EXPECT_EQ(watch_of({"--docker-socket", "/a", "--podman-socket", "/b"}).targets.runtime, "auto");
	EXPECT_EQ(watch_of({"--docker-socket", "/a", "--runtime", "auto"}).targets.runtime, "auto");
}

TEST(CommandLineRuntime, UnknownRuntimeIsAUsageError)
{
	::testing::internal::CaptureStderr();
	EXPECT_EQ(exit_of({"--runtime", "containerd"}), 2);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("containerd"), std::string::npos) << err;
}

TEST(CommandLineRuntime, HelpNamesEveryRuntimeOption)
{
	::testing::internal::CaptureStdout();
	EXPECT_EQ(exit_of({"--help"}), 0);
	std::string help = ::testing::internal::GetCapturedStdout();
	for (const char *opt : {"--runtime", "--docker-socket", "--podman-socket", "podman system service"})
		EXPECT_NE(help.find(opt), std::string::npos) << opt << " in:\n" << help;
}

} // namespace
} // namespace bpfwatch
