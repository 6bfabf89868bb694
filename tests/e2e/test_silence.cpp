// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// --alert-silence: the seed's symptom. A log router that keeps logging to
// stdout while every send to its sink is refused gets an alert; one that
// delivers does not.
#include <unistd.h>

#include "e2e/e2e_support.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

// Every 0.2 s: a log line, then one attempt to ship it (bounded: 100 rounds).
std::string router_script(const std::string &sink_ip)
{
	return "i=0; while [ $i -lt 100 ]; do echo \"log line $i\"; echo \"shipped $i\" | nc " + sink_ip +
	       " 5514; sleep 0.2; i=$((i+1)); done; sleep 3600";
}

struct Watched {
	std::vector<nlohmann::json> alerts;
	nlohmann::json summary;
};

Watched watch_for_alerts(const std::string &container)
{
	Subprocess bw({BPFWATCH_BINARY, "--container", container, "--alert-silence", "2s", "--duration", "5s",
		       "--output", "json", "--interval", "0"});
	EXPECT_EQ(bw.wait(30s), 0) << bw.err();
	auto summaries = json_lines(bw.out(), "summary");
	EXPECT_EQ(summaries.size(), 1u) << bw.out();
	return {json_lines(bw.out(), "alert"), summaries.empty() ? nlohmann::json::object() : summaries[0]};
}

TEST(Silence, RefusedSendsWhileLoggingRaiseOneAlert)
{
	require_docker();
	std::string tag = std::to_string(getpid());
	Container sink("bwtest-deaf-sink-" + tag, "", "sleep 3600"); // nothing listens
	ASSERT_NE(sh_out("ip route get " + sink.ip()).find("dev docker0"), std::string::npos);
	Container router("bwtest-silent-router-" + tag, "", router_script(sink.ip()));

	auto [alerts, summary] = watch_for_alerts(router.name());
	ASSERT_EQ(alerts.size(), 1u) << "one alert per silent stretch";
	EXPECT_EQ(alerts[0]["alert"], "silence");
	EXPECT_EQ(alerts[0]["container"], router.name());
	EXPECT_GE(alerts[0]["silent_s"].get<double>(), 2.0);
	// What it logged ("log line N" on stdout), not the lines it pipes into
	// nc: those are stdio of echo, but never reach the log.
	std::uint64_t written = alerts[0]["written_bytes"].get<std::uint64_t>();
	EXPECT_GT(written, 0u);
	EXPECT_LE(written, summary["log"]["bytes"].get<std::uint64_t>()) << summary.dump();
	// nc fails in connect(), before any send: the refused connects are the
	// errors (one every 0.2 s over the silent stretch).
	EXPECT_GT(alerts[0]["socket_errors"].get<std::uint64_t>(), 0u) << alerts[0].dump();
	// The summary, still in the silence, says so.
	ASSERT_TRUE(summary["silent_s"].is_number()) << summary.dump();
	EXPECT_GE(summary["silent_s"].get<double>(), alerts[0]["silent_s"].get<double>());
}

TEST(Silence, ADeliveringRouterRaisesNone)
{
	require_docker();
	std::string tag = std::to_string(getpid());
	Container sink("bwtest-live-sink-" + tag, "", "while true; do nc -l -p 5514 >/dev/null; done");
	ASSERT_NE(sh_out("ip route get " + sink.ip()).find("dev docker0"), std::string::npos);
	Container router("bwtest-live-router-" + tag, "", router_script(sink.ip()));

	auto [alerts, summary] = watch_for_alerts(router.name());
	EXPECT_TRUE(alerts.empty());
	EXPECT_TRUE(summary["silent_s"].is_null()) << summary.dump();
}

} // namespace
} // namespace bpfwatch::e2e
