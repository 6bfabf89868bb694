// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Issue 9: following a container by name across `restart`, `stop` +
// `start` and removal + re-creation, on Docker and Podman. Every life
// writes a known number of fixed-size lines to stdout; bpfwatch must sum
// them exactly under one name, as the runtime's own log has them.
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include "e2e/e2e_support.h"
#include "e2e/toolbox_support.h"
#include "support/skip.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kLines = 50;
constexpr const char *kLine = "0123456789abcdefghi"; // 19 + "\n": 20 bytes
constexpr std::uint64_t kLifeBytes = kLines * 20;

// Shell for one life: wait (bounded) for the trigger `name`, then write the
// lines at once and idle. A life after a restart finds the trigger there
// and writes within milliseconds of starting: the kernel must have joined
// its cgroup already.
std::string life(const std::string &trigger)
{
	return "i=0; while [ ! -e /trigger/" + trigger + " ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; " +
	       "i=0; while [ $i -lt " + std::to_string(kLines) + " ]; do echo " + kLine +
	       "; i=$((i+1)); done; sleep 3600";
}

class Follow : public ::testing::TestWithParam<std::string> {
protected:
	void SetUp() override
	{
		engine_ = GetParam() == "docker" ? docker_engine() : podman_engine();
		std::string why;
		if (geteuid() != 0)
			why = "needs root";
		else if (sh(engine_.cli + " info >/dev/null 2>&1").status != 0)
			why = engine_.name + " does not answer (scripts/test starts dockerd)";
		else if (sh(engine_.cli + " image inspect " + engine_.test_image + " >/dev/null 2>&1").status != 0)
			why = "image " + engine_.test_image + " missing (tests/e2e/support/build-busybox-image)";
		if (!why.empty())
			BW_SKIP_OR_FAIL(why);
		tag_ = engine_.name + "-" + std::to_string(getpid());
		name_ = "bwtest-follow-" + tag_;
		dir_ = "/tmp/bpfwatch-follow-" + tag_;
		mkdir(dir_.c_str(), 0755);
	}
	void TearDown() override
	{
		remove();
		sh("rm -rf " + dir_);
	}

	void trigger(const std::string &name) { std::ofstream(dir_ + "/" + name) << name; }
	std::string run_args() const { return "-v " + dir_ + ":/trigger:ro"; }
	// A container of the test's name, outside EngineContainer: the test
	// removes and re-creates it itself.
	void run(const std::string &script)
	{
		std::string cmd = engine_.cli + " run -d --pull never --name " + name_ + " " + engine_.run_flags + " " +
				  run_args() + " " + engine_.test_image + " /bin/sh -c '" + script + "' >/dev/null";
		ASSERT_EQ(sh(cmd).status, 0) << cmd;
	}
	std::string cli(const std::string &args) { return sh_out(engine_.cli + " " + args + " 2>&1"); }
	// busybox sh as pid 1 ignores SIGTERM: Podman's rm would wait 10 s.
	void remove() { cli(std::string("rm -f ") + (engine_.name == "podman" ? "-t 0 " : "") + name_); }
	// What the runtime logged of the container, all lives: the ground truth.
	std::uint64_t log_bytes()
	{
		std::string n = sh_out(engine_.cli + " logs " + name_ + " 2>/dev/null | wc -c");
		return n.empty() ? 0 : std::stoull(n);
	}
	bool logged(std::uint64_t bytes) { return eventually([&] { return log_bytes() == bytes; }, 20s); }

	Subprocess start_bpfwatch(std::vector<std::string> extra = {})
	{
		std::vector<std::string> argv = {BPFWATCH_BINARY, "--container", name_, "--runtime", engine_.name,
						 "--interval", "0", "--output", "json"};
		argv.insert(argv.end(), extra.begin(), extra.end());
		return Subprocess(argv);
	}
	static std::size_t notices(const Subprocess &bw, const std::string &kind)
	{
		std::size_t n = 0;
		for (const auto &j : json_lines(bw.out(), "notice"))
			n += j["kind"] == kind;
		return n;
	}
	static bool noticed(const Subprocess &bw, const std::string &kind, std::size_t count)
	{
		return eventually([&] { return notices(bw, kind) >= count; }, 30s);
	}

	Engine engine_;
	std::string tag_, name_, dir_;
};

TEST_P(Follow, RestartsAndStopStartAreSummedExactlyUnderOneName)
{
	run(life("go"));
	Subprocess bw = start_bpfwatch();
	ASSERT_TRUE(bw.wait_for_stderr("watching", 30s)) << bw.err();
	trigger("go");
	ASSERT_TRUE(logged(kLifeBytes)) << "first life";

	// A restart: the same container in a new cgroup, writing at once.
	cli("restart -t 1 " + name_);
	ASSERT_TRUE(logged(2 * kLifeBytes)) << "second life";
	ASSERT_TRUE(noticed(bw, "restarted", 1)) << bw.out();
	// Stopped for a while, then started again.
	cli("stop -t 1 " + name_);
	ASSERT_TRUE(noticed(bw, "stopped", 2)) << bw.out();
	cli("start " + name_);
	ASSERT_TRUE(logged(3 * kLifeBytes)) << "third life";
	ASSERT_TRUE(noticed(bw, "restarted", 2)) << bw.out();

	bw.signal(SIGINT);
	ASSERT_EQ(bw.wait(30s), 0) << bw.err();
	auto summary = json_lines(bw.out(), "summary");
	ASSERT_EQ(summary.size(), 1u) << bw.out();
	const auto &s = summary[0];
	// Ground truth: what the runtime logged, all three lives.
	EXPECT_EQ(log_bytes(), 3 * kLifeBytes);
	EXPECT_EQ(s["stdio"]["bytes"], 3 * kLifeBytes) << s.dump();
	EXPECT_EQ(s["stdio"]["calls"], 3 * kLines) << s.dump();
	EXPECT_EQ(s["log"]["bytes"], 3 * kLifeBytes) << "the log pipes moved with each life: " << s.dump();
	EXPECT_EQ(s["restarts"], 2) << s.dump();
	EXPECT_EQ(s["state"], "running") << s.dump();
	EXPECT_EQ(s["container"], name_);
	EXPECT_EQ(s["container_id"], cli("inspect -f '{{.Id}}' " + name_));
	EXPECT_EQ(s["lost_events"], 0);
	for (const auto &n : json_lines(bw.out(), "notice"))
		EXPECT_EQ(n["message"].get<std::string>().find("joined"), std::string::npos)
			<< "the kernel joined each new cgroup before its first process ran: " << n.dump();
}

TEST_P(Follow, AContainerRecreatedUnderTheNameIsFollowed)
{
	run(life("go"));
	Subprocess bw = start_bpfwatch();
	ASSERT_TRUE(bw.wait_for_stderr("watching", 30s)) << bw.err();
	trigger("go");
	ASSERT_TRUE(logged(kLifeBytes));
	std::string first_id = cli("inspect -f '{{.Id}}' " + name_);

	remove();
	ASSERT_TRUE(noticed(bw, "removed", 1)) << bw.out();
	run(life("go2"));
	std::string second_id = cli("inspect -f '{{.Id}}' " + name_);
	ASSERT_NE(first_id, second_id);
	ASSERT_TRUE(noticed(bw, "restarted", 1)) << bw.out();
	trigger("go2");
	ASSERT_TRUE(logged(kLifeBytes)) << "the new container's own log";

	bw.signal(SIGTERM);
	ASSERT_EQ(bw.wait(30s), 0) << bw.err();
	auto summary = json_lines(bw.out(), "summary");
	ASSERT_EQ(summary.size(), 1u) << bw.out();
	const auto &s = summary[0];
	EXPECT_EQ(s["stdio"]["bytes"], 2 * kLifeBytes) << s.dump();
	EXPECT_EQ(s["log"]["bytes"], 2 * kLifeBytes) << s.dump();
	EXPECT_EQ(s["restarts"], 1) << s.dump();
	EXPECT_EQ(s["container_id"], second_id);
	bool recreated = false;
	for (const auto &n : json_lines(bw.out(), "notice"))
		recreated |= n["message"].get<std::string>().find("re-created as container " + second_id.substr(0, 12)) !=
			     std::string::npos;
	EXPECT_TRUE(recreated) << bw.out();
}

// Removed and never re-created: gone for good after --gone-after, and with
// no --duration bpfwatch ends with 3 and its summary.
TEST_P(Follow, ARemovedContainerIsGoneForGoodAfterTheGrace)
{
	run(life("go"));
	Subprocess bw = start_bpfwatch({"--gone-after", "2s"});
	ASSERT_TRUE(bw.wait_for_stderr("watching", 30s)) << bw.err();
	trigger("go");
	ASSERT_TRUE(logged(kLifeBytes));
	remove();
	EXPECT_EQ(bw.wait(30s), 3) << bw.err() << bw.out();
	EXPECT_EQ(notices(bw, "removed"), 1u) << bw.out();
	EXPECT_EQ(notices(bw, "gone"), 1u) << bw.out();
	auto summary = json_lines(bw.out(), "summary");
	ASSERT_EQ(summary.size(), 1u) << bw.out();
	EXPECT_EQ(summary[0]["stdio"]["bytes"], kLifeBytes);
	EXPECT_EQ(summary[0]["state"], "removed");
}

// With --duration, gone for good does not end the run: the duration does.
TEST_P(Follow, WithADurationItRunsItsCourse)
{
	run(life("go"));
	Subprocess bw = start_bpfwatch({"--gone-after", "1s", "--duration", "6s"});
	ASSERT_TRUE(bw.wait_for_stderr("watching", 30s)) << bw.err();
	remove();
	ASSERT_TRUE(noticed(bw, "gone", 1)) << bw.out();
	EXPECT_EQ(bw.wait(30s), 0) << bw.err();
	EXPECT_EQ(json_lines(bw.out(), "summary").size(), 1u) << bw.out();
}

// --no-follow: the old contract. A target that exits gets its summary and
// bpfwatch ends with 3.
TEST_P(Follow, NoFollowEndsWithThreeWhenTheContainerStops)
{
	run(life("go"));
	Subprocess bw = start_bpfwatch({"--no-follow"});
	ASSERT_TRUE(bw.wait_for_stderr("watching", 30s)) << bw.err();
	trigger("go");
	ASSERT_TRUE(logged(kLifeBytes));
	cli("stop -t 1 " + name_);
	EXPECT_EQ(bw.wait(30s), 3) << bw.err() << bw.out();
	EXPECT_EQ(notices(bw, "exited"), 1u) << bw.out();
	auto summary = json_lines(bw.out(), "summary");
	ASSERT_EQ(summary.size(), 1u) << bw.out();
	EXPECT_EQ(summary[0]["stdio"]["bytes"], kLifeBytes);
}

// --wait: started before the container exists, bpfwatch waits for it.
TEST_P(Follow, WaitsForAContainerThatDoesNotRunYet)
{
	Subprocess bw = start_bpfwatch({"--wait", "60s"});
	ASSERT_TRUE(bw.wait_for_stderr("waiting", 30s)) << bw.err();
	run(life("go"));
	ASSERT_TRUE(bw.wait_for_stderr("watching", 30s)) << bw.err();
	trigger("go");
	ASSERT_TRUE(logged(kLifeBytes));
	bw.signal(SIGINT);
	ASSERT_EQ(bw.wait(30s), 0) << bw.err();
	auto summary = json_lines(bw.out(), "summary");
	ASSERT_EQ(summary.size(), 1u) << bw.out();
	EXPECT_EQ(summary[0]["stdio"]["bytes"], kLifeBytes);
}

INSTANTIATE_TEST_SUITE_P(Runtimes, Follow, ::testing::Values("docker", "podman"),
			 [](const auto &info) { return info.param; });

// A --wait with a limit that passes: the one-line error, exit 2.
TEST(FollowWait, TheLimitEndsTheWait)
{
	require_docker();
	if (IsSkipped() || HasFailure())
		return;
	Subprocess bw({BPFWATCH_BINARY, "--container", "bwtest-never-" + std::to_string(getpid()), "--runtime", "docker",
		       "--wait", "2s"});
	EXPECT_EQ(bw.wait(30s), 2) << bw.err();
	EXPECT_NE(bw.err().find("no running container named"), std::string::npos) << bw.err();
}

} // namespace
} // namespace bpfwatch::e2e
