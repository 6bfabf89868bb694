// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Issue 4 for real: a log-router container on the Docker bridge ships to a
// log host the test made (a namespace behind a router namespace), through
// the host's routing and Docker's NAT. bpfwatch must say what was
// delivered, acknowledged, refused, and what never left the host.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "e2e/e2e_support.h"
#include "e2e/netlab.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kPort = 514;
constexpr int kBytes = 10000;

class Delivery : public ::testing::Test {
protected:
	void SetUp() override
	{
		require_docker();
		if (IsSkipped() || HasFailure())
			return;
		remote_ = std::make_unique<RemoteHost>();
		ASSERT_TRUE(remote_->ok()) << remote_->error();
		tag_ = std::to_string(getpid());
		trigger_dir_ = "/tmp/bpfwatch-e2e-trigger-" + tag_;
		mkdir(trigger_dir_.c_str(), 0755);
	}

	void TearDown() override
	{
		router_.reset();
		remote_.reset();
		if (!trigger_dir_.empty()) {
			for (const char *name : {"go", "again"})
				unlink((trigger_dir_ + "/" + name).c_str());
			rmdir(trigger_dir_.c_str());
		}
	}

	// A container that, once triggered, runs `work` (bounded) and idles.
	void start_router(const std::string &work)
	{
		router_ = std::make_unique<Container>("bwtest-shipper-" + tag_, "-v " + trigger_dir_ + ":/trigger:ro",
						      wait_for("go") + work + "; sleep 3600");
	}
	// Shell that waits (at most 60 s) for trigger(name) inside the router.
	static std::string wait_for(const std::string &name)
	{
		return "i=0; while [ ! -e /trigger/" + name + " ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; ";
	}
	void trigger(const std::string &name = "go") { std::ofstream(trigger_dir_ + "/" + name) << name; }

	// `bpfwatch check` over the window, started before the workload: it
	// pulls the trigger `start_work` (none when empty) once it watches.
	nlohmann::json check(const std::vector<std::string> &extra, int expect_status,
			     const std::string &start_work = "go")
	{
		std::vector<std::string> argv = {BPFWATCH_BINARY, "check", "--container", router_->name(),
						 "--output", "json"};
		argv.insert(argv.end(), extra.begin(), extra.end());
		Subprocess bw(argv);
		EXPECT_TRUE(bw.wait_for_stderr("checking", 20s)) << bw.err();
		if (!start_work.empty())
			trigger(start_work);
		EXPECT_EQ(bw.wait(60s), expect_status) << bw.err() << bw.out();
		auto lines = json_lines(bw.out(), "check");
		EXPECT_EQ(lines.size(), 1u) << bw.out();
		return lines.empty() ? nlohmann::json::object() : lines[0];
	}

	std::string tag_, trigger_dir_;
	std::unique_ptr<RemoteHost> remote_;
	std::unique_ptr<Container> router_;
};

TEST_F(Delivery, BytesToTheRemoteLogHostAreDeliveredAndAcknowledged)
{
	remote_->listen(kPort);
	start_router("head -c " + std::to_string(kBytes) + " /dev/zero | nc " + remote_->address() + " " +
		     std::to_string(kPort));
	auto r = check({"--to", remote_->address() + ":514", "--window", "6s", "--require-ack"}, 0);

	ASSERT_EQ(remote_->received(10s), std::to_string(kBytes)) << "the sink's own count";
	EXPECT_EQ(r["verdict"], "delivered") << r.dump();
	EXPECT_EQ(r["sent_remote_bytes"], kBytes);
	EXPECT_EQ(r["acked_bytes"], kBytes) << "acknowledged: exactly what the sink read";
	// IP packets: the payload plus headers (and any retransmits).
	EXPECT_GT(r["left_host_bytes"].get<std::uint64_t>(), std::uint64_t(kBytes));
	ASSERT_EQ(r["destinations"].size(), 1u);
	EXPECT_EQ(r["destinations"][0]["locality"], "remote");
	EXPECT_EQ(r["reason"], "OK: 9.8 KiB to tcp " + remote_->address() + ":514, 9.8 KiB acknowledged");
	EXPECT_EQ(r["confirmation"], "acknowledged");
}

TEST_F(Delivery, AStoppedSinkIsRefusedAndCheckFails)
{
	const std::string ship = "nc " + remote_->address() + " " + std::to_string(kPort);
	remote_->listen(kPort);
	ASSERT_TRUE(remote_->listening(kPort));
	// Ship once to the live sink; once told the sink is gone, try three
	// more times, each a new connection.
	start_router("head -c " + std::to_string(kBytes) + " /dev/zero | " + ship + "; " + wait_for("again") +
		     "i=0; while [ $i -lt 3 ]; do echo data | " + ship + "; i=$((i+1)); done");
	auto before = check({"--to", remote_->address() + ":514", "--window", "6s", "--require-ack"}, 0);
	ASSERT_EQ(remote_->received(10s), std::to_string(kBytes)) << "the sink's own count";
	EXPECT_EQ(before["verdict"], "delivered") << before.dump();
	EXPECT_EQ(before["acked_bytes"], kBytes) << before.dump();
	EXPECT_EQ(before["errors"], nlohmann::json::object()) << before.dump();

	// The sink process stops: nothing listens on the log host any more,
	// and every new connection draws a RST.
	remote_->stop_listening();
	ASSERT_TRUE(eventually([&] { return !remote_->listening(kPort); }, 5s)) << "the sink still listens";
	auto after = check({"--window", "4s"}, 1, "again");
	EXPECT_EQ(after["verdict"], "not_delivered") << after.dump();
	EXPECT_EQ(after["errors"]["ECONNREFUSED"], 3) << after.dump();
	EXPECT_EQ(after["acked_bytes"], 0) << after.dump();
	EXPECT_GT(after["left_host_bytes"].get<std::uint64_t>(), 0u) << "the SYNs did leave: " << after.dump();
	EXPECT_NE(after["reason"].get<std::string>().find("3 × ECONNREFUSED to tcp " + remote_->address() + ":514"),
		  std::string::npos)
		<< after["reason"];
}

// The log host goes dark (a firewall that drops: no RST): the router
// keeps writing, the packets keep leaving, nothing is acknowledged. A plain
// `check`, as a new user runs it, must not call that delivered.
TEST_F(Delivery, WhenTheLogHostDropsEverythingRetransmitsRiseAndAcksStop)
{
	remote_->listen(kPort);
	// A steady stream over one connection for ~30 s (bounded).
	start_router("i=0; while [ $i -lt 600 ]; do echo \"log line $i\"; sleep 0.05; i=$((i+1)); done | nc " +
		     remote_->address() + " " + std::to_string(kPort));
	trigger();
	std::this_thread::sleep_for(1500ms); // connected and streaming
	remote_->drop(kPort, true);
	std::this_thread::sleep_for(500ms); // ACKs already on the wire have landed
	// Two checks of one window, started together: the default, and the
	// explicitly lax one. (One after the other, the second would depend on
	// when TCP's backed-off retransmit timer next fires.)
	Subprocess lax_bw({BPFWATCH_BINARY, "check", "--container", router_->name(), "--output", "json", "--window",
			   "5s", "--no-require-ack"});
	ASSERT_TRUE(lax_bw.wait_for_stderr("checking", 20s)) << lax_bw.err();
	auto r = check({"--window", "5s"}, 1, "");
	EXPECT_EQ(lax_bw.wait(60s), 0) << lax_bw.err() << lax_bw.out();
	auto lax_lines = json_lines(lax_bw.out(), "check");
	ASSERT_EQ(lax_lines.size(), 1u) << lax_bw.out();
	const auto &lax = lax_lines[0];
	remote_->drop(kPort, false);
	EXPECT_EQ(r["verdict"], "not_delivered") << r.dump();
	EXPECT_EQ(r["confirmation"], "none") << r.dump();
	EXPECT_EQ(r["acked_bytes"], 0) << r.dump();
	EXPECT_GT(r["retransmits"].get<std::uint64_t>(), 0u) << r.dump();
	EXPECT_GT(r["left_host_bytes"].get<std::uint64_t>(), 0u) << "the retransmits did leave";
	EXPECT_GT(r["unacked_bytes"].get<std::uint64_t>(), 0u) << r.dump();
	std::string reason = r["reason"];
	EXPECT_EQ(reason.rfind("FAIL: sent ", 0), 0u) << reason;
	EXPECT_NE(reason.find(" to tcp " + remote_->address() + ":514, 0 B acknowledged, "), std::string::npos) << reason;
	EXPECT_NE(reason.find(" retransmits: the peer does not answer"), std::string::npos) << reason;
	EXPECT_EQ(lax["verdict"], "delivered") << lax.dump();
	EXPECT_EQ(lax["confirmation"], "unconfirmed") << lax.dump();
	EXPECT_EQ(lax["acked_bytes"], 0) << lax.dump();
}

TEST_F(Delivery, LoopbackTrafficNeverLeavesTheHost)
{
	// The container talks to itself: acknowledged, but going nowhere.
	start_router("sleep 30 | nc -l -p 7000 >/dev/null & sleep 0.5; head -c 5000 /dev/zero | nc 127.0.0.1 7000");
	auto r = check({"--window", "4s"}, 1);
	EXPECT_EQ(r["verdict"], "not_delivered") << r.dump();
	EXPECT_EQ(r["sent_bytes"], 5000);
	EXPECT_EQ(r["left_host_bytes"], 0);
	// The client's peer, 127.0.0.1:7000, and the listener's, the client.
	ASSERT_FALSE(r["destinations"].empty()) << r.dump();
	for (const auto &d : r["destinations"])
		EXPECT_EQ(d["locality"], "loopback") << d.dump();
	EXPECT_NE(r["reason"].get<std::string>().find("none of it left the host"), std::string::npos) << r["reason"];
}

} // namespace
} // namespace bpfwatch::e2e
