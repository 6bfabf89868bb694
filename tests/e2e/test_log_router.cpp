// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The seed's scenario for real: a log-router container writes log lines to
// stdout and ships bytes over TCP to a sink container on the Docker bridge;
// bpfwatch, watching it by name, must report exactly what it did.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <fstream>

#include "e2e/e2e_support.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kLines = 50;
constexpr const char *kLine = "log-router line 0123456789"; // + '\n' = 27 bytes
constexpr int kSinkBytes = 10000;

class LogRouter : public ::testing::Test {
protected:
	void SetUp() override
	{
		require_docker();
		if (IsSkipped() || HasFailure())
			return;
		tag_ = std::to_string(getpid());
		trigger_dir_ = "/tmp/bpfwatch-e2e-trigger-" + tag_;
		mkdir(trigger_dir_.c_str(), 0755);
		sink_ = std::make_unique<Container>("bwtest-sink-" + tag_, "",
						    "sleep 3600 | nc -l -p 5514 | wc -c");
		sink_ip_ = sink_->ip();
		ASSERT_FALSE(sink_ip_.empty());
		// Test traffic stays on this host: the sink must sit behind docker0.
		ASSERT_NE(sh_out("ip route get " + sink_ip_).find("dev docker0"), std::string::npos);
		// The workload waits for a file on a read-only bind mount: the
		// test starts it without touching the container.
		router_ = std::make_unique<Container>(
			"bwtest-log-router-" + tag_, "-v " + trigger_dir_ + ":/trigger:ro",
			"while [ ! -e /trigger/go ]; do sleep 0.1; done; i=0; while [ $i -lt " +
				std::to_string(kLines) + " ]; do echo \"" + kLine +
				"\"; i=$((i+1)); done; head -c " + std::to_string(kSinkBytes) +
				" /dev/zero | nc " + sink_ip_ + " 5514; sleep 3600");
	}

	void TearDown() override
	{
		router_.reset();
		sink_.reset();
		if (!trigger_dir_.empty()) {
			unlink((trigger_dir_ + "/go").c_str());
			rmdir(trigger_dir_.c_str());
		}
	}

	void start_workload() { std::ofstream(trigger_dir_ + "/go") << "go"; }

	// The sink prints the byte count it received once the sender closes.
	std::string sink_received()
	{
		std::string got;
		eventually([&] { return !(got = sink_->logs()).empty(); }, 15s);
		return got;
	}

	std::string tag_, trigger_dir_, sink_ip_;
	std::unique_ptr<Container> sink_, router_;
};

TEST_F(LogRouter, JsonSummaryReportsExactlyWhatTheContainerDid)
{
	Subprocess bw({BPFWATCH_BINARY, "--container", router_->name(), "--duration", "6s", "--output", "json",
		       "--interval", "0"});
	ASSERT_TRUE(bw.wait_for_stderr("watching", 20s)) << bw.err();
	auto programs = programs_held_by(bw.pid());
	EXPECT_FALSE(programs.empty());
	start_workload();
	// Ground truth from the other end of the wire.
	ASSERT_EQ(sink_received(), std::to_string(kSinkBytes));
	ASSERT_EQ(bw.wait(30s), 0) << bw.err();

	auto summaries = json_lines(bw.out(), "summary");
	ASSERT_EQ(summaries.size(), 1u) << bw.out();
	const auto &s = summaries[0];
	const std::uint64_t stdout_bytes = kLines * (std::string(kLine).size() + 1);
	EXPECT_EQ(s["container"], router_->name());
	EXPECT_EQ(s["runtime"], "docker");
	EXPECT_EQ(s["container_id"], router_->id());
	// echo writes the log lines to the container's stdout; head writes
	// the payload to its own stdout, the pipe into nc: fd 1 both.
	EXPECT_EQ(s["stdio"]["bytes"], stdout_bytes + kSinkBytes);
	EXPECT_EQ(s["by_kind"]["pipe"]["bytes"], stdout_bytes + kSinkBytes);
	EXPECT_EQ(s["stdio"]["calls"], s["by_kind"]["pipe"]["calls"]);
	EXPECT_GE(s["stdio"]["calls"].get<int>(), kLines + 1);
	// What reached the container's log (the runtime's pipes): the lines.
	EXPECT_EQ(s["log"]["bytes"], stdout_bytes);
	EXPECT_EQ(s["log"]["calls"], kLines) << "busybox echo is one write(2) per line";
	EXPECT_EQ(s["by_kind"]["socket"]["bytes"], kSinkBytes);
	EXPECT_EQ(s["by_kind"]["socket"]["errors"], 0);
	EXPECT_EQ(s["by_kind"]["file"]["bytes"], 0);
	EXPECT_EQ(s["lost_events"], 0);
	ASSERT_EQ(s["destinations"].size(), 1u) << s.dump();
	const auto &d = s["destinations"][0];
	EXPECT_EQ(d["proto"], "tcp");
	EXPECT_EQ(d["family"], "ipv4");
	EXPECT_EQ(d["address"], sink_ip_);
	EXPECT_EQ(d["port"], 5514);
	EXPECT_EQ(d["bytes"], kSinkBytes);
	// A sink on the Docker bridge is on this host: acknowledged, never left.
	EXPECT_EQ(d["locality"], "local-container");
	EXPECT_EQ(d["delivery"]["acked_bytes"], kSinkBytes);
	EXPECT_EQ(d["delivery"]["connects"], 1);
	EXPECT_EQ(s["delivery"]["left_host_bytes"], 0);
	std::uint64_t hist_calls = 0;
	for (const auto &b : s["histogram"])
		hist_calls += b["count"].get<std::uint64_t>();
	EXPECT_EQ(hist_calls, s["totals"]["calls"].get<std::uint64_t>());
	EXPECT_TRUE(still_loaded(programs).empty());
}

TEST_F(LogRouter, EventsArriveWhileRunningNotOnlyAtExit)
{
	Subprocess bw({BPFWATCH_BINARY, "--container", router_->name(), "--events", "--output", "json"});
	ASSERT_TRUE(bw.wait_for_stderr("watching", 20s)) << bw.err();
	start_workload();
	ASSERT_EQ(sink_received(), std::to_string(kSinkBytes));
	// Far fewer records than fill a CPU's batch or wake the reader: they must
	// still show up within a poll period, long before any report or exit.
	std::size_t lines = 0;
	EXPECT_TRUE(eventually(
		[&] {
			lines = 0;
			for (const auto &e : json_lines(bw.out(), "event"))
				lines += e["kind"] == "pipe" && e["bytes"] == std::string(kLine).size() + 1;
			return lines == kLines;
		},
		3s))
		<< lines << " of " << kLines << " log lines seen";
	EXPECT_EQ(bw.wait(0s), -1) << "still running";
	bw.signal(SIGINT);
	EXPECT_EQ(bw.wait(10s), 0);
}

TEST_F(LogRouter, WatchingEverythingNamesEachContainer)
{
	Subprocess bw({BPFWATCH_BINARY, "--duration", "6s", "--output", "json", "--interval", "0"});
	ASSERT_TRUE(bw.wait_for_stderr("watching every container", 20s)) << bw.err();
	start_workload();
	ASSERT_EQ(sink_received(), std::to_string(kSinkBytes));
	ASSERT_EQ(bw.wait(30s), 0) << bw.err();

	const nlohmann::json *router = nullptr, *sink = nullptr;
	auto summaries = json_lines(bw.out(), "summary");
	for (const auto &s : summaries) {
		if (s["container"] == router_->name())
			router = &s;
		if (s["container"] == sink_->name())
			sink = &s;
	}
	ASSERT_TRUE(router) << bw.out();
	EXPECT_EQ(router->at("runtime"), "docker");
	EXPECT_EQ(router->at("container_id"), router_->id());
	EXPECT_EQ(router->at("by_kind")["socket"]["bytes"], kSinkBytes);
	ASSERT_TRUE(sink) << "the sink wrote its count to stdout: " << bw.out();
	// nc writes what it received to its stdout, the pipe into wc; wc
	// writes "10000\n" to the container's stdout.
	EXPECT_EQ(sink->at("stdio")["bytes"], kSinkBytes + std::to_string(kSinkBytes).size() + 1);
}

TEST_F(LogRouter, CheckSaysBytesToASinkOnThisHostNeverLeftIt)
{
	Subprocess bw({BPFWATCH_BINARY, "check", "--container", router_->name(), "--window", "5s"});
	ASSERT_TRUE(bw.wait_for_stderr("checking", 20s)) << bw.err();
	start_workload();
	ASSERT_EQ(sink_received(), std::to_string(kSinkBytes));
	EXPECT_EQ(bw.wait(30s), 1) << bw.err();
	EXPECT_EQ(bw.out(), "FAIL: 9.8 KiB sent, none of it left the host (tcp " + sink_ip_ +
				    ":5514 is on this host)\n");
}

TEST_F(LogRouter, RemoteNetSaysABridgeNetworkLeavesTheHost)
{
	// The user knows better than the routes: the sink's network is remote.
	Subprocess bw({BPFWATCH_BINARY, "check", "--container", router_->name(), "--window", "5s", "--remote-net",
		       sink_ip_ + "/32", "--output", "json"});
	ASSERT_TRUE(bw.wait_for_stderr("checking", 20s)) << bw.err();
	start_workload();
	ASSERT_EQ(sink_received(), std::to_string(kSinkBytes));
	EXPECT_EQ(bw.wait(30s), 0) << bw.err() << bw.out();
	auto r = json_lines(bw.out(), "check");
	ASSERT_EQ(r.size(), 1u) << bw.out();
	EXPECT_EQ(r[0]["verdict"], "delivered");
	EXPECT_EQ(r[0]["sent_remote_bytes"], kSinkBytes);
}

TEST_F(LogRouter, SigintAndSigtermPrintTheSummaryAndDetachEverything)
{
	for (int sig : {SIGINT, SIGTERM}) {
		Subprocess bw({BPFWATCH_BINARY, "--container", router_->name(), "--output", "json"});
		ASSERT_TRUE(bw.wait_for_stderr("watching", 20s)) << bw.err();
		auto programs = programs_held_by(bw.pid());
		EXPECT_FALSE(programs.empty()) << "attached while running";
		bw.signal(sig);
		ASSERT_EQ(bw.wait(10s), 0) << "signal " << sig << ": " << bw.err();
		EXPECT_EQ(json_lines(bw.out(), "summary").size(), 1u) << bw.out();
		EXPECT_TRUE(still_loaded(programs).empty()) << "signal " << sig;
	}
}

// --no-follow: the target that exits gets its summary and a note, and
// bpfwatch ends with 3, every program detached (test_follow.cpp has the
// default, following).
TEST_F(LogRouter, ContainerExitingWhileWatchedGetsItsSummaryAndANote)
{
	Subprocess bw({BPFWATCH_BINARY, "--container", router_->name(), "--output", "json", "--duration", "60s",
		       "--no-follow"});
	ASSERT_TRUE(bw.wait_for_stderr("watching", 20s)) << bw.err();
	auto programs = programs_held_by(bw.pid());
	start_workload();
	ASSERT_EQ(sink_received(), std::to_string(kSinkBytes));
	sh("docker rm -f " + router_->name() + " >/dev/null 2>&1");
	ASSERT_EQ(bw.wait(20s), 3) << "every watched container exited: " << bw.err();
	auto summaries = json_lines(bw.out(), "summary");
	ASSERT_EQ(summaries.size(), 1u) << bw.out();
	EXPECT_EQ(summaries[0]["by_kind"]["socket"]["bytes"], kSinkBytes);
	EXPECT_EQ(summaries[0]["note"], "container exited while watched");
	auto notices = json_lines(bw.out(), "notice");
	ASSERT_EQ(notices.size(), 1u);
	EXPECT_EQ(notices[0]["kind"], "exited");
	EXPECT_TRUE(still_loaded(programs).empty());
}

} // namespace
} // namespace bpfwatch::e2e
