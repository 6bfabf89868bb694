// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// --runtime and the runtime sockets on the command line.
#include <gtest/gtest.h>

#include <algorithm>

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
	EXPECT_EQ(exit_of({"--runtime", "rkt"}), 2);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("rkt"), std::string::npos) << err;
	EXPECT_EQ(watch_of({"--runtime", "containerd"}).targets.runtime, "containerd");
	EXPECT_EQ(watch_of({"--runtime", "cri-o"}).targets.runtime, "cri-o");
}

TEST(CommandLineRuntime, ContainerdAndCrioSockets)
{
	WatchOptions c = watch_of({"--containerd-socket", "/run/k0s/containerd.sock"});
	EXPECT_EQ(c.targets.runtime, "containerd") << "given alone, it names its runtime";
	ASSERT_EQ(c.targets.containerd.size(), 1u);
	EXPECT_EQ(c.targets.containerd[0].socket, "/run/k0s/containerd.sock");
	EXPECT_EQ(c.targets.containerd[0].state_dir, "") << "the state is looked for beside the socket";
	EXPECT_EQ(watch_of({"--containerd-socket", "/a", "--containerd-socket", "/b"}).targets.containerd.size(), 2u);
	EXPECT_EQ(watch_of({}).targets.containerd.size(), default_containerd_endpoints().size());
	WatchOptions o = watch_of({"--crio-socket", "/run/crio/crio.sock"});
	EXPECT_EQ(o.targets.runtime, "cri-o");
	EXPECT_EQ(o.targets.crio_socket, "/run/crio/crio.sock");
	EXPECT_EQ(watch_of({"--crio-socket", "/a", "--containerd-socket", "/b"}).targets.runtime, "auto");
}

TEST(CommandLineRuntime, HelpNamesEveryRuntimeOption)
{
	::testing::internal::CaptureStdout();
	EXPECT_EQ(exit_of({"--help"}), 0);
	std::string help = ::testing::internal::GetCapturedStdout();
	for (const char *opt : {"--runtime", "--docker-socket", "--podman-socket", "podman system service",
				"--containerd-socket", "--crio-socket", "--pod", "--label", "list"})
		EXPECT_NE(help.find(opt), std::string::npos) << opt << " in:\n" << help;
}

} // namespace
} // namespace bpfwatch

namespace bpfwatch {
namespace {

using namespace bpfwatch::testing;

TEST(CommandLineSelectors, PodAndLabels)
{
	WatchOptions w = watch_of({"--pod", "logging/fluent-bit-x7k2p", "--pod", "shop/web-0/nginx", "--label",
				   "app=web", "-l", "tier=log"});
	EXPECT_EQ(w.targets.pods, (std::vector<std::string>{"logging/fluent-bit-x7k2p", "shop/web-0/nginx"}));
	EXPECT_EQ(w.targets.labels, (std::vector<std::string>{"app=web", "tier=log"}));
	CheckOptions c = check_of({"--pod", "logging/router"});
	EXPECT_EQ(c.targets.pods, std::vector<std::string>{"logging/router"});
	EXPECT_EQ(check_of({"--label", "a=b", "--label", "c=d"}).targets.labels.size(), 2u)
		<< "the labels together are one selector";
}

TEST(CommandLineSelectors, MalformedOnesAreUsageErrors)
{
	for (std::vector<const char *> bad : {std::vector<const char *>{"--pod", "justapod"},
					      {"--pod", "a/b/c/d"},
					      {"--pod", "ns//c"},
					      {"--label", "novalue"},
					      {"--label", "=v"},
					      {"check", "--pod", "a/b", "--container", "c"}}) {
		::testing::internal::CaptureStderr();
		EXPECT_EQ(exit_of(bad), 2) << bad[1];
		std::string err = ::testing::internal::GetCapturedStderr();
		EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << "one line: " << err;
	}
}

TEST(CommandLineList, OutputTimeoutAndRuntimes)
{
	ListCommandOptions l = parse_as<ListCommandOptions>({"list"});
	EXPECT_FALSE(l.json);
	EXPECT_EQ(l.timeout, std::chrono::milliseconds(3000));
	EXPECT_EQ(l.runtimes.runtime, "auto");
	l = parse_as<ListCommandOptions>({"list", "--output", "json", "--timeout", "500ms", "--crio-socket", "/c"});
	EXPECT_TRUE(l.json);
	EXPECT_EQ(l.timeout, std::chrono::milliseconds(500));
	EXPECT_EQ(l.runtimes.runtime, "cri-o");
	::testing::internal::CaptureStderr();
	EXPECT_EQ(exit_of({"list", "--timeout", "0s"}), 2);
	EXPECT_EQ(exit_of({"list", "--container", "web"}), 2) << "list takes no targets";
	::testing::internal::GetCapturedStderr();
}

} // namespace
} // namespace bpfwatch
