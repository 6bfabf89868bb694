// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The input side for real: a router container follows another container's
// logs through the Docker API (a long-lived read on the read-only mounted
// /var/run/docker.sock) and forwards them over TCP to a sink container.
// bpfwatch must count the bytes it read from the socket and sent to the
// sink exactly, see the stream end (EOF) when the followed container is
// removed, and `check` must name the input as the half that failed.
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include "e2e/e2e_support.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kLines = 40;
constexpr const char *kLine = "followed line 0123456789"; // + '\n' = 25 bytes
// Docker's log stream (no tty) frames each write: an 8-byte header.
constexpr std::uint64_t kFrameBytes = 8 + 25;

std::uint64_t file_size(const std::string &path)
{
	struct stat st{};
	return stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

class InputRouter : public ::testing::Test {
protected:
	void SetUp() override
	{
		require_docker();
		if (IsSkipped() || HasFailure())
			return;
		tag_ = std::to_string(getpid());
		dir_ = "/tmp/bpfwatch-e2e-input-" + tag_;
		mkdir(dir_.c_str(), 0755);
		mkdir((dir_ + "/trigger").c_str(), 0755);
		mkdir((dir_ + "/out").c_str(), 0755);
		sink_ = std::make_unique<Container>("input-sink-" + tag_, "", "sleep 3600 | nc -l -p 5514 | wc -c");
		sink_ip_ = sink_->ip();
		ASSERT_FALSE(sink_ip_.empty());
		// Test traffic stays on this host: the sink must sit behind docker0.
		ASSERT_NE(sh_out("ip route get " + sink_ip_).find("dev docker0"), std::string::npos);
		// Both wait for a file on a read-only bind mount, so the test
		// starts them once bpfwatch is attached, without touching them.
		std::string wait = "while [ ! -e /trigger/go ]; do sleep 0.1; done; ";
		followed_ = std::make_unique<Container>(
			"input-followed-" + tag_, "-v " + dir_ + "/trigger:/trigger:ro",
			wait + "i=0; while [ $i -lt " + std::to_string(kLines) + " ]; do echo \"" + kLine +
				"\"; i=$((i+1)); done; sleep 3600");
		// The host's curl (HTTP/1.0: the body is the raw frames, no
		// chunking), its response headers dumped to a file the test reads.
		router_ = std::make_unique<Container>(
			"input-router-" + tag_,
			"-v /var/run/docker.sock:/var/run/docker.sock:ro -v /usr:/usr:ro -v /lib:/lib:ro "
			"-v /lib64:/lib64:ro -v " +
				dir_ + "/trigger:/trigger:ro -v " + dir_ + "/out:/out",
			wait + "curl -s -N -0 -D /out/headers --unix-socket /var/run/docker.sock "
			       "\"http://localhost/containers/" +
				followed_->id() + "/logs?follow=1&stdout=1\" | nc " + sink_ip_ +
				" 5514; sleep 3600");
	}

	void TearDown() override
	{
		router_.reset();
		followed_.reset();
		sink_.reset();
		if (!dir_.empty())
			sh("rm -rf " + dir_);
	}

	void start() { std::ofstream(dir_ + "/trigger/go") << "go"; }

	// The sink prints the byte count it received once the router closes.
	std::string sink_received()
	{
		std::string got;
		eventually([&] { return !(got = sink_->logs()).empty(); }, 15s);
		return got;
	}

	std::string tag_, dir_, sink_ip_;
	std::unique_ptr<Container> sink_, followed_, router_;
};

TEST_F(InputRouter, BytesInFromTheDockerSocketAndOutToTheSinkExactlyThenTheInputEnds)
{
	Subprocess bw({BPFWATCH_BINARY, "--container", router_->name(), "--output", "json", "--interval", "1s"});
	ASSERT_TRUE(bw.wait_for_stderr("watching", 20s)) << bw.err();
	start();
	const std::uint64_t frames = kLines * kFrameBytes;
	// Every line reached the sink's socket: the router's sends say so.
	ASSERT_TRUE(eventually(
		[&] {
			std::uint64_t sent = 0;
			for (const auto &l : json_lines(bw.out(), "interval"))
				for (const auto &d : l["destinations"])
					if (d["address"] == sink_ip_)
						sent += d["bytes"].get<std::uint64_t>();
			return sent >= frames;
		},
		20s))
		<< bw.out();

	// Now the upstream dies: while `check` watches, the followed
	// container is removed and Docker ends the log stream.
	Subprocess check({BPFWATCH_BINARY, "check", "--container", router_->name(), "--window", "6s", "--output",
			  "json"});
	ASSERT_TRUE(check.wait_for_stderr("checking", 20s)) << check.err();
	followed_.reset();
	ASSERT_EQ(sink_received(), std::to_string(frames)) << "the sink got every frame";
	const std::uint64_t headers = file_size(dir_ + "/out/headers");
	ASSERT_GT(headers, 0u);

	EXPECT_EQ(check.wait(30s), 1) << check.err() << check.out();
	auto verdicts = json_lines(check.out(), "check");
	ASSERT_EQ(verdicts.size(), 1u) << check.out();
	const auto &v = verdicts[0];
	EXPECT_EQ(v["failed_half"], "input") << v.dump();
	EXPECT_EQ(v["input"]["state"], "ended");
	EXPECT_GE(v["input"]["eof"].get<int>(), 1);
	EXPECT_EQ(v["input"]["source"], "unix/stream /var/run/docker.sock");
	EXPECT_NE(v["reason"].get<std::string>().find("the input half failed, upstream ended"), std::string::npos)
		<< v["reason"];

	bw.signal(SIGINT);
	ASSERT_EQ(bw.wait(15s), 0) << bw.err();
	auto summaries = json_lines(bw.out(), "summary");
	ASSERT_EQ(summaries.size(), 1u) << bw.out();
	const auto &s = summaries[0];
	EXPECT_EQ(s["lost_events"], 0);
	// In: what curl read from the Docker socket, the response's headers
	// and its frames; the curl's own dump and the sink's count say so.
	const auto &in = s["input"];
	const nlohmann::json *docker = nullptr;
	for (const auto &src : in["sources"])
		if (src["endpoint"] == "unix/stream /var/run/docker.sock")
			docker = &src;
	ASSERT_TRUE(docker) << in.dump();
	EXPECT_EQ(docker->at("bytes"), headers + frames) << in.dump();
	EXPECT_GE(docker->at("eof").get<int>(), 1) << "the stream ended when its container was removed";
	EXPECT_EQ(docker->at("errors"), 0);
	// nc read the same frames from curl through the pipe, and its end.
	EXPECT_EQ(in["by_kind"]["pipe"]["bytes"], frames);
	EXPECT_GE(in["by_kind"]["pipe"]["eof"].get<int>(), 1);
	// Out: what nc sent to the sink, exactly the sink's count.
	const nlohmann::json *sink = nullptr;
	for (const auto &d : s["destinations"])
		if (d["address"] == sink_ip_)
			sink = &d;
	ASSERT_TRUE(sink) << s["destinations"].dump();
	EXPECT_EQ(sink->at("bytes"), frames);
	EXPECT_EQ(sink->at("delivery")["acked_bytes"], frames);
}

} // namespace
} // namespace bpfwatch::e2e
