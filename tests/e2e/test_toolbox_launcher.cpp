// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// scripts/toolbox as a user meets it: a shell or one command, exactly the
// privileges it documents, and one clear line for every way it can fail.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>

#include "e2e/toolbox_support.h"
#include "support/skip.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

const std::string kToolbox = std::string(BPFWATCH_SOURCE_DIR) + "/scripts/toolbox";

struct LaunchResult {
	int status;
	std::string out, err;
};

LaunchResult toolbox(const Engine &e, const std::vector<std::string> &args, const std::vector<std::string> &env = {})
{
	Subprocess p(toolbox_argv(e, args, env));
	int status = p.wait(60s);
	return {status, p.out(), p.err()};
}

int lines(const std::string &s)
{
	return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// Capability bits, as /proc/PID/status prints them.
constexpr unsigned long long kSysAdmin = 1ull << 21, kPerfmon = 1ull << 38, kBpf = 1ull << 39;
constexpr unsigned long long kNetAdmin = 1ull << 12; // CAP_NET_ADMIN
constexpr unsigned long long kSysPtrace = 1ull << 19; // CAP_SYS_PTRACE

class ToolboxLauncher : public ::testing::TestWithParam<std::string> {
protected:
	void SetUp() override
	{
		engine_ = GetParam() == "docker" ? docker_engine() : podman_engine();
		require_toolbox(engine_);
	}
	Engine engine_;
};

TEST_P(ToolboxLauncher, ShellAndOneCommand)
{
	if (IsSkipped() || HasFailure())
		return;
	// No arguments: a shell, reading its commands from stdin.
	std::string argv;
	for (const auto &a : toolbox_argv(engine_, {}))
		argv += "'" + a + "' ";
	EXPECT_EQ(sh_out("echo 'echo $((6 * 7)); command -v bpfwatch; command -v bpftool' | " + argv),
		  "42\n/usr/bin/bpfwatch\n/usr/sbin/bpftool");
	LaunchResult r = toolbox(engine_, {"bpfwatch", "--version"});
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out.rfind("bpfwatch ", 0), 0u) << r.out;
}

TEST_P(ToolboxLauncher, GrantsOnlyWhatBpfwatchNeeds)
{
	if (IsSkipped() || HasFailure())
		return;
	LaunchResult r = toolbox(engine_, {"sh", "-c",
				  "grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status; "
				  "touch /probe 2>/dev/null && echo rootfs-writable; "
				  "grep -q ' /sys ro,' /proc/self/mountinfo && echo sys-ro; "
				  "grep ' - cgroup2 ' /proc/self/mountinfo | grep -q ' ro,' && echo cgroup2-ro; "
				  "test -S /var/run/docker.sock && echo docker-sock; "
				  "test -S /run/podman/podman.sock && echo podman-sock; "
				  "for n in pid net cgroup; do readlink /proc/self/ns/$n; done"});
	ASSERT_EQ(r.status, 0) << r.err;
	// NET_ADMIN: the cgroup_skb egress counters; SYS_PTRACE: a container's
	// /proc/PID/fd, for the pipes its log is.
	unsigned long long want = kBpf | kPerfmon | kNetAdmin | kSysPtrace;
	if (engine_.name == "docker") {
		// Docker learned CAP_BPF in 23.0; before, CAP_SYS_ADMIN stands in.
		int major = std::atoi(sh_out("docker version --format '{{.Server.Version}}'").c_str());
		if (major < 23)
			want = kSysAdmin | kSysPtrace;
	}
	char eff[32];
	std::snprintf(eff, sizeof(eff), "%016llx", want);
	EXPECT_NE(r.out.find(std::string("CapEff:\t") + eff), std::string::npos) << r.out;
	EXPECT_NE(r.out.find(std::string("CapBnd:\t") + eff), std::string::npos) << "--cap-drop ALL: " << r.out;
	EXPECT_NE(r.out.find("NoNewPrivs:\t1"), std::string::npos) << r.out;
	EXPECT_EQ(r.out.find("rootfs-writable"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("sys-ro"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("cgroup2-ro"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("docker-sock"), std::string::npos) << "Docker's socket where bpfwatch looks: " << r.out;
	if (engine_.name == "podman") {
		EXPECT_NE(r.out.find("podman-sock"), std::string::npos) << "Podman's API, served for the toolbox: " << r.out;
	}
	// The host's namespaces, as this test process sees them.
	for (const char *ns : {"pid", "net", "cgroup"})
		EXPECT_NE(r.out.find(sh_out(std::string("readlink /proc/self/ns/") + ns)), std::string::npos) << ns;
}

TEST_P(ToolboxLauncher, UnknownContainerFailsAsTheBareBinaryDoes)
{
	if (IsSkipped() || HasFailure())
		return;
	std::string name = "bwtest-no-such-" + std::to_string(getpid());
	LaunchResult r = toolbox(engine_, {"bpfwatch", "--container", name, "--duration", "1s"});
	Subprocess bare({BPFWATCH_BINARY, "--container", name, "--duration", "1s"});
	ASSERT_EQ(bare.wait(30s), 2) << bare.err();
	EXPECT_EQ(r.status, 2) << "bpfwatch's own exit code, passed through";
	EXPECT_EQ(lines(r.err), 1) << r.err;
	// What follows the name lists the running containers: the toolbox
	// itself is one of them inside, and may be the only one; the rest of
	// the message does not differ.
	std::string prefix = "bpfwatch: no running container named '" + name + "' (";
	EXPECT_EQ(r.err.rfind(prefix, 0), 0u) << r.err;
	EXPECT_EQ(bare.err().rfind(prefix, 0), 0u) << bare.err();
}

TEST_P(ToolboxLauncher, MissingImageSaysHowToBuildOrLoadIt)
{
	if (IsSkipped() || HasFailure())
		return;
	LaunchResult r = toolbox(engine_, {"bpfwatch"}, {"TOOLBOX_DOCKER_IMAGE=bpfwatch-toolbox-missing"});
	EXPECT_EQ(r.status, 2) << "an error, not check's \"not delivered\"";
	EXPECT_EQ(lines(r.err), 1) << r.err;
	EXPECT_NE(r.err.find("bpfwatch-toolbox-missing:latest not found"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("scripts/build-toolbox-image --runtime " + engine_.name), std::string::npos) << r.err;
	EXPECT_NE(r.err.find(engine_.name + " load -i"), std::string::npos) << r.err;
}

TEST_P(ToolboxLauncher, SigtermReachesBpfwatchWhichPrintsItsSummary)
{
	if (IsSkipped() || HasFailure())
		return;
	Subprocess tb(toolbox_argv(engine_, {"bpfwatch", "--pid", "1", "--output", "json"}));
	ASSERT_TRUE(tb.wait_for_stderr("watching", 60s)) << tb.err();
	tb.signal(SIGTERM);
	ASSERT_EQ(tb.wait(20s), 0) << tb.err();
	EXPECT_EQ(json_lines(tb.out(), "summary").size(), 1u) << tb.out();
	EXPECT_TRUE(eventually(
		[&] {
			return sh(engine_.cli + " container inspect bpfwatch-toolbox-" + std::to_string(tb.pid()) +
				  " >/dev/null 2>&1")
				       .status != 0;
		},
		10s))
		<< "removed";
}

// Settings come from ~/.toolboxrc, and the environment wins over it.
TEST_P(ToolboxLauncher, ToolboxrcSetsTheImageAndTheEnvironmentWins)
{
	if (IsSkipped() || HasFailure())
		return;
	char tmpl[] = "/tmp/bpfwatch-e2e-home-XXXXXX";
	std::string home = mkdtemp(tmpl);
	std::ofstream(home + "/.toolboxrc") << "TOOLBOX_DOCKER_IMAGE=bpfwatch-toolbox-fromrc\n"
					     << "TOOLBOX_DOCKER_TAG=rc-tag\n"
					     << "TOOLBOX_RUNTIME=" << engine_.name << "\n";
	CommandResult rc = sh("env HOME=" + home + " " + kToolbox + " true 2>&1");
	CommandResult env = sh("env HOME=" + home + " TOOLBOX_DOCKER_TAG=env-tag " + kToolbox + " true 2>&1");
	sh("rm -rf " + home);
	EXPECT_EQ(rc.status, 2);
	EXPECT_NE(rc.out.find("bpfwatch-toolbox-fromrc:rc-tag not found"), std::string::npos) << rc.out;
	EXPECT_EQ(env.status, 2);
	EXPECT_NE(env.out.find("bpfwatch-toolbox-fromrc:env-tag not found"), std::string::npos) << env.out;
}

INSTANTIATE_TEST_SUITE_P(Runtimes, ToolboxLauncher, ::testing::Values("docker", "podman"),
			 [](const auto &info) { return info.param; });

TEST(ToolboxLauncherErrors, NotRootSaysSudo)
{
	if (geteuid() != 0)
		BW_SKIP_OR_FAIL("needs root to drop to another user");
	CommandResult r = sh("setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all " + kToolbox +
			     " bpfwatch --container log-router 2>&1");
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(lines(r.out), 1) << r.out;
	EXPECT_NE(r.out.find("sudo toolbox bpfwatch --container log-router"), std::string::npos) << r.out;
}

TEST(ToolboxLauncherErrors, NoRuntimeSaysWhichWereLookedFor)
{
	if (geteuid() != 0)
		BW_SKIP_OR_FAIL("needs root (the launcher checks it first)");
	// A PATH with nothing but `id` on it.
	char tmpl[] = "/tmp/bpfwatch-e2e-path-XXXXXX";
	std::string dir = mkdtemp(tmpl);
	ASSERT_EQ(symlink(sh_out("command -v id").c_str(), (dir + "/id").c_str()), 0);
	CommandResult r = sh("env -i HOME=/nonexistent PATH=" + dir + " /bin/bash " + kToolbox + " 2>&1");
	sh("rm -rf " + dir);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(lines(r.out), 1) << r.out;
	EXPECT_NE(r.out.find("looked for docker and podman"), std::string::npos) << r.out;

	r = sh("env TOOLBOX_RUNTIME=containerd " + kToolbox + " 2>&1");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.out.find("TOOLBOX_RUNTIME=containerd: expected docker or podman"), std::string::npos) << r.out;
}

} // namespace
} // namespace bpfwatch::e2e
