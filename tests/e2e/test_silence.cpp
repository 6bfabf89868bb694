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

std::vector<nlohmann::json> watch_for_alerts(const std::string &container)
{
	Subprocess bw({BPFWATCH_BINARY, "--container", container, "--alert-silence", "2s", "--duration", "5s",
		       "--output", "json", "--interval", "0"});
	EXPECT_EQ(bw.wait(30s), 0) << bw.err();
	return json_lines(bw.out(), "alert");
}

TEST(Silence, RefusedSendsWhileLoggingRaiseOneAlert)
{
	require_docker();
	std::string tag = std::to_string(getpid());
	Container sink("bwtest-deaf-sink-" + tag, "", "sleep 3600"); // nothing listens
	ASSERT_NE(sh_out("ip route get " + sink.ip()).find("dev docker0"), std::string::npos);
	Container router("bwtest-silent-router-" + tag, "", router_script(sink.ip()));

	auto alerts = watch_for_alerts(router.name());
	ASSERT_EQ(alerts.size(), 1u) << "one alert per silent stretch";
	EXPECT_EQ(alerts[0]["alert"], "silence");
	EXPECT_EQ(alerts[0]["container"], router.name());
	EXPECT_GE(alerts[0]["silent_s"].get<double>(), 2.0);
	EXPECT_GT(alerts[0]["written_bytes"].get<std::uint64_t>(), 0u);
	// nc fails in connect(), before any send: no send error to count.
	EXPECT_EQ(alerts[0]["socket_errors"], 0);
}

TEST(Silence, ADeliveringRouterRaisesNone)
{
	require_docker();
	std::string tag = std::to_string(getpid());
	Container sink("bwtest-live-sink-" + tag, "", "while true; do nc -l -p 5514 >/dev/null; done");
	ASSERT_NE(sh_out("ip route get " + sink.ip()).find("dev docker0"), std::string::npos);
	Container router("bwtest-live-router-" + tag, "", router_script(sink.ip()));

	EXPECT_TRUE(watch_for_alerts(router.name()).empty());
}

} // namespace
} // namespace bpfwatch::e2e
