// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The seed's scenario from a toolbox, on Docker and on Podman: a log-router
// container writes known bytes to stdout and sends known bytes to a TCP
// sink; `scripts/toolbox bpfwatch --container NAME` must report them
// exactly, and the router must come out of it untouched: no exec session,
// no file changed, no restart, the same processes, and no file opened by
// bpfwatch in its mount namespace.
#include <sys/stat.h>
#include <unistd.h>

#include <regex>

#include "e2e/toolbox_support.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kLines = 50;
constexpr const char *kLine = "toolbox line 0123456789"; // + '\n'
constexpr int kSinkBytes = 10000;

class Toolbox : public ::testing::TestWithParam<std::string> {
protected:
	void SetUp() override
	{
		engine_ = GetParam() == "docker" ? docker_engine() : podman_engine();
		require_toolbox(engine_);
		if (IsSkipped() || HasFailure())
			return;
		tag_ = std::to_string(getpid());
		trigger_dir_ = "/tmp/bpfwatch-e2e-toolbox-" + tag_;
		mkdir(trigger_dir_.c_str(), 0755);
		fifo_ = trigger_dir_ + "/go";
		ASSERT_EQ(mkfifo(fifo_.c_str(), 0644), 0);

		sink_ = std::make_unique<EngineContainer>(engine_, "bwtest-tb-sink-" + tag_, "",
							  "sleep 3600 | nc -l -p 5514 | wc -c");
		sink_ip_ = sink_->inspect("{{.NetworkSettings.IPAddress}}");
		ASSERT_FALSE(sink_ip_.empty());
		// Test traffic stays on this host: the sink sits behind the
		// engine's own bridge.
		std::string route = sh_out("ip route get " + sink_ip_);
		ASSERT_TRUE(std::regex_search(route, std::regex(" dev (docker0|cni-podman[0-9]+|podman[0-9]+) ")))
			<< route;
		// The router's shell waits in open() on a FIFO behind a read-only
		// bind mount: started from outside, without touching it, and
		// with the same one process before and after its work.
		router_ = std::make_unique<EngineContainer>(
			engine_, "bwtest-tb-router-" + tag_, "-v " + trigger_dir_ + ":/trigger:ro",
			"read x < /trigger/go; i=0; while [ $i -lt " + std::to_string(kLines) + " ]; do echo \"" +
				kLine + "\"; i=$((i+1)); done; head -c " + std::to_string(kSinkBytes) +
				" /dev/zero | nc " + sink_ip_ + " 5514; read x < /trigger/go");
		ASSERT_TRUE(eventually([&] { return router_->pid() > 0; }, 10s));
	}

	void TearDown() override
	{
		router_.reset();
		sink_.reset();
		if (!trigger_dir_.empty()) {
			unlink(fifo_.c_str());
			rmdir(trigger_dir_.c_str());
		}
	}

	std::string sink_received()
	{
		std::string got;
		eventually([&] { return !(got = sink_->logs()).empty(); }, 15s);
		return got;
	}

	Engine engine_;
	std::string tag_, trigger_dir_, fifo_, sink_ip_;
	std::unique_ptr<EngineContainer> sink_, router_;
};

TEST_P(Toolbox, ExactBytesByNameAndTheContainerIsUntouched)
{
	OpenTrace opens("bpfwatch");
	ASSERT_TRUE(opens.start()) << opens.error();
	const ContainerState before = snapshot(engine_, *router_);
	ASSERT_EQ(before.procs.size(), 1u) << describe(before);

	Subprocess tb(toolbox_argv(engine_, {"bpfwatch", "--container", router_->name(), "--duration", "8s",
					     "--output", "json", "--interval", "0"}));
	ASSERT_TRUE(tb.wait_for_stderr("watching", 60s)) << tb.err();
	// The launcher names the toolbox after its own pid; the toolbox's
	// first process is bpfwatch.
	std::string toolbox = "bpfwatch-toolbox-" + std::to_string(tb.pid());
	pid_t bw_pid = std::atoi(sh_out(engine_.cli + " inspect -f '{{.State.Pid}}' " + toolbox).c_str());
	ASSERT_GT(bw_pid, 0) << "toolbox container " << toolbox;
	std::string toolbox_ns = sh_out("readlink /proc/" + std::to_string(bw_pid) + "/ns/mnt");
	auto programs = programs_held_by(bw_pid);
	EXPECT_FALSE(programs.empty()) << "bpfwatch in the toolbox holds its programs";

	ASSERT_TRUE(poke_fifo(fifo_));
	ASSERT_EQ(sink_received(), std::to_string(kSinkBytes)) << "ground truth from the other end";
	ASSERT_EQ(tb.wait(40s), 0) << tb.err();
	auto trace = opens.stop();

	// Exact bytes, as the bare binary reports them (test_log_router.cpp).
	auto summaries = json_lines(tb.out(), "summary");
	ASSERT_EQ(summaries.size(), 1u) << tb.out() << tb.err();
	const auto &s = summaries[0];
	const std::uint64_t stdout_bytes = kLines * (std::string(kLine).size() + 1);
	EXPECT_EQ(s["container"], router_->name());
	EXPECT_EQ(s["runtime"], engine_.name);
	EXPECT_EQ(s["container_id"], router_->id());
	EXPECT_EQ(s["stdio"]["bytes"], stdout_bytes + kSinkBytes);
	// The log pipes are found from inside the toolbox too: exactly what
	// the container wrote to its stdout.
	EXPECT_EQ(s["log"]["bytes"], stdout_bytes) << s.dump();
	EXPECT_EQ(s["by_kind"]["pipe"]["bytes"], stdout_bytes + kSinkBytes);
	EXPECT_EQ(s["by_kind"]["socket"]["bytes"], kSinkBytes);
	EXPECT_EQ(s["by_kind"]["socket"]["errors"], 0);
	EXPECT_EQ(s["by_kind"]["file"]["bytes"], 0);
	EXPECT_EQ(s["lost_events"], 0);
	ASSERT_EQ(s["destinations"].size(), 1u) << s.dump();
	EXPECT_EQ(s["destinations"][0]["address"], sink_ip_);
	EXPECT_EQ(s["destinations"][0]["port"], 5514);
	EXPECT_EQ(s["destinations"][0]["bytes"], kSinkBytes);
	EXPECT_TRUE(still_loaded(programs).empty()) << "detached when the toolbox ended";
	EXPECT_TRUE(eventually(
		[&] { return sh(engine_.cli + " container inspect " + toolbox + " >/dev/null 2>&1").status != 0; },
		10s))
		<< "the toolbox container is removed (--rm)";

	// Untouched: the workload's own children (head, nc) are gone once
	// the sink has its bytes, and nothing else may have appeared.
	ContainerState after;
	eventually([&] { return (after = snapshot(engine_, *router_)) == before; }, 10s);
	EXPECT_EQ(describe(after), describe(before));
	EXPECT_EQ(after.exec_ids, "[]");

	// No file opened inside the router's mount namespace, nor through
	// another process's root, cwd or fd links; and the trace did see
	// bpfwatch at work in the toolbox (it loads the kernel's BTF).
	const std::regex other_root(R"(^/proc/[0-9]+/(root|cwd|fd|map_files)(/|$))");
	bool saw_btf = false;
	for (const auto &o : trace) {
		EXPECT_NE(o.mnt_ns, before.mnt_ns) << "pid " << o.pid << " opened " << o.path
						    << " in the router's mount namespace";
		EXPECT_FALSE(std::regex_search(o.path, other_root)) << "pid " << o.pid << " opened " << o.path;
		if (o.pid == bw_pid) {
			EXPECT_EQ(o.mnt_ns, toolbox_ns) << o.path;
			saw_btf = saw_btf || o.path == "/sys/kernel/btf/vmlinux";
		}
	}
	EXPECT_TRUE(saw_btf) << trace.size() << " opens traced, none of /sys/kernel/btf/vmlinux by pid " << bw_pid;
}

INSTANTIATE_TEST_SUITE_P(Runtimes, Toolbox, ::testing::Values("docker", "podman"),
			 [](const auto &info) { return info.param; });

} // namespace
} // namespace bpfwatch::e2e
