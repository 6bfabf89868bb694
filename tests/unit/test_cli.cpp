// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "cli/duration.h"
#include "unit/cli_parse.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

using namespace bpfwatch::testing;

TEST(Duration, AcceptsCommonUnits)
{
	using std::chrono::milliseconds;
	EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
	EXPECT_EQ(parse_duration("5"), milliseconds(5000));
	EXPECT_EQ(parse_duration("1.5s"), milliseconds(1500));
	EXPECT_EQ(parse_duration("2m"), milliseconds(120000));
	EXPECT_EQ(parse_duration("1h"), milliseconds(3600000));
	EXPECT_THROW(parse_duration("fast"), Error);
	EXPECT_THROW(parse_duration("5 parsecs"), Error);
	EXPECT_THROW(parse_duration("-1s"), Error);
}

TEST(CommandLine, WatchOptions)
{
	WatchOptions w = watch_of({"--container", "log-router", "-c", "sink", "--duration", "5s", "-o", "json",
				   "--histogram", "--pid", "42"});
	EXPECT_EQ(w.targets.containers, (std::vector<std::string>{"log-router", "sink"}));
	EXPECT_EQ(w.duration, std::chrono::milliseconds(5000));
	EXPECT_TRUE(w.json);
	EXPECT_TRUE(w.histogram);
	EXPECT_EQ(w.targets.pids, (std::vector<pid_t>{42}));
	EXPECT_EQ(w.interval, std::chrono::milliseconds(5000));
}

TEST(CommandLine, OutputLiveAndTheTerminalDefault)
{
	using Live = WatchOptions::Live;
	EXPECT_EQ(watch_of({}).live, Live::on_terminal) << "no --output: a terminal gets the live view";
	EXPECT_EQ(watch_of({"--output", "table"}).live, Live::never);
	EXPECT_EQ(watch_of({"-o", "json"}).live, Live::never);
	EXPECT_EQ(watch_of({"--output", "live"}).live, Live::always);
	EXPECT_FALSE(watch_of({"--output", "live"}).json);
	EXPECT_EQ(watch_of({"--events"}).live, Live::never) << "a trace is lines";
	::testing::internal::CaptureStderr();
	EXPECT_EQ(exit_of({"--output", "live", "--events"}), 2);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("--events"), std::string::npos) << err;
}

TEST(CommandLine, NoInputLeavesTheReadPathOut)
{
	EXPECT_TRUE(watch_of({"-d", "1s"}).input);
	EXPECT_FALSE(watch_of({"--no-input"}).input);
}

TEST(CommandLine, HistogramPerIntervalOrCumulative)
{
	WatchOptions w = watch_of({"-H"});
	EXPECT_TRUE(w.histogram);
	EXPECT_FALSE(w.histogram_cumulative);
	w = watch_of({"--histogram", "cumulative", "-c", "x"});
	EXPECT_TRUE(w.histogram);
	EXPECT_TRUE(w.histogram_cumulative);
	EXPECT_EQ(w.targets.containers, (std::vector<std::string>{"x"}));
	w = watch_of({"--histogram=cumulative"});
	EXPECT_TRUE(w.histogram_cumulative);
	w = watch_of({"--histogram", "interval"});
	EXPECT_TRUE(w.histogram);
	EXPECT_FALSE(w.histogram_cumulative);
	EXPECT_FALSE(watch_of({}).histogram);
	::testing::internal::CaptureStderr();
	EXPECT_EQ(exit_of({"--histogram", "forever"}), 2);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("--histogram forever"), std::string::npos) << err;
}

TEST(CommandLine, ASettingGivenTwiceTakesTheLast)
{
	WatchOptions w = watch_of({"-c", "a", "--interval", "5s", "--duration", "15s", "-c", "b", "--interval", "0"});
	EXPECT_EQ(w.interval.count(), 0);
	EXPECT_EQ(w.targets.containers, (std::vector<std::string>{"a", "b"})) << "repeatable ones add up";
}

TEST(CommandLine, NetworkOverrides)
{
	WatchOptions w = watch_of({"--remote-net", "10.0.0.0/8", "--remote-net", "2001:db8::/32", "--local-net",
				   "192.0.2.0/24"});
	ASSERT_EQ(w.places.remote.size(), 2u);
	EXPECT_EQ(w.places.remote[0].to_string(), "10.0.0.0/8");
	EXPECT_EQ(w.places.remote[1].to_string(), "2001:db8::/32");
	ASSERT_EQ(w.places.local_container.size(), 1u);
	EXPECT_EQ(w.places.local_container[0].to_string(), "192.0.2.0/24");
	EXPECT_EQ(check_of({"-c", "x", "--remote-net", "10.0.0.0/8"}).places.remote.size(), 1u);
	::testing::internal::CaptureStderr();
	EXPECT_EQ(exit_of({"--remote-net", "10.0.0.0/33"}), 2);
	EXPECT_EQ(exit_of({"check", "-c", "x", "--local-net", "logs"}), 2);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("'10.0.0.0/33' is not a network"), std::string::npos) << err;
	EXPECT_NE(err.find("'logs' is not a network"), std::string::npos) << err;
}

TEST(CommandLine, EventsTurnPeriodicReportsOffUnlessAsked)
{
	EXPECT_EQ(watch_of({"--events"}).interval.count(), 0);
	EXPECT_EQ(watch_of({"--events", "--interval", "2s"}).interval.count(), 2000);
}

TEST(CommandLine, BadInputExitsWithTwo)
{
	::testing::internal::CaptureStderr();
	EXPECT_EQ(exit_of({"--output", "xml"}), 2);
	EXPECT_EQ(exit_of({"--duration", "soon"}), 2);
	EXPECT_EQ(exit_of({"--pid", "-3"}), 2);
	EXPECT_EQ(exit_of({"--bogus"}), 2);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("invalid duration 'soon'"), std::string::npos) << err;
	EXPECT_NE(err.find("--bogus"), std::string::npos) << err;
	// One line per error.
	EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 4);
}

TEST(CommandLine, CheckSubcommand)
{
	CheckOptions c = check_of({"--container", "log-router", "--to", "198.51.100.7:514", "--window", "5s",
				   "--min-bytes", "100", "-o", "json"});
	EXPECT_EQ(c.targets.containers, (std::vector<std::string>{"log-router"}));
	EXPECT_EQ(c.to, "198.51.100.7:514");
	EXPECT_EQ(c.window, std::chrono::milliseconds(5000));
	EXPECT_EQ(c.min_bytes, 100u);
	EXPECT_TRUE(c.require_ack) << "acknowledgements are required by default";
	EXPECT_TRUE(c.json);
	EXPECT_EQ(check_of({"-c", "x"}).window, std::chrono::milliseconds(30000));
	EXPECT_FALSE(check_of({"-c", "x", "--no-require-ack"}).require_ack);
	EXPECT_TRUE(check_of({"-c", "x", "--require-ack"}).require_ack) << "still accepted";

	::testing::internal::CaptureStderr();
	EXPECT_EQ(exit_of({"check"}), 2);
	EXPECT_EQ(exit_of({"check", "-c", "a", "-c", "b"}), 2);
	EXPECT_EQ(exit_of({"check", "-c", "a", "--window", "soon"}), 2);
	EXPECT_EQ(exit_of({"check", "-c", "a", "--require-ack", "--no-require-ack"}), 2);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("exactly one"), std::string::npos) << err;
	EXPECT_NE(err.find("contradict"), std::string::npos) << err;
}

TEST(CommandLine, HelpAndVersionExitZero)
{
	::testing::internal::CaptureStdout();
	EXPECT_EQ(exit_of({"--help"}), 0);
	EXPECT_EQ(exit_of({"--version"}), 0);
	EXPECT_EQ(exit_of({"check", "--help"}), 0);
	std::string out = ::testing::internal::GetCapturedStdout();
	EXPECT_NE(out.find("--container"), std::string::npos);
	EXPECT_NE(out.find("--no-require-ack"), std::string::npos);
	EXPECT_NE(out.find("bpfwatch " BPFWATCH_VERSION), std::string::npos);
}

TEST(CommandLine, MetricsAndTheHeadlessDaemon)
{
	WatchOptions w = watch_of({"--output", "none", "--metrics", "0.0.0.0:9477"});
	EXPECT_TRUE(w.headless);
	ASSERT_TRUE(w.metrics);
	EXPECT_EQ(w.metrics->to_string(), "0.0.0.0:9477");
	EXPECT_EQ(w.metrics_limits.destinations, 10u);
	EXPECT_EQ(w.metrics_limits.containers, 500u);

	w = watch_of({"-c", "router", "--metrics", "9477", "--metrics-destinations", "3", "--metrics-containers", "20"});
	EXPECT_FALSE(w.headless) << "the table goes on beside the endpoint";
	EXPECT_EQ(w.metrics->to_string(), "127.0.0.1:9477") << "loopback unless told";
	EXPECT_EQ(w.metrics_limits.destinations, 3u);
	EXPECT_EQ(w.metrics_limits.containers, 20u);
	EXPECT_FALSE(watch_of({}).metrics);

	::testing::internal::CaptureStderr();
	EXPECT_EQ(exit_of({"--output", "none"}), 2);
	EXPECT_EQ(exit_of({"--output", "none", "--metrics", "9477", "--events"}), 2);
	EXPECT_EQ(exit_of({"--metrics", "localhost:9477"}), 2);
	EXPECT_EQ(exit_of({"--metrics", "99999"}), 2);
	EXPECT_EQ(exit_of({"--metrics", "9477", "--metrics-destinations", "0"}), 2);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("--output none prints nothing: give --metrics"), std::string::npos) << err;
	EXPECT_NE(err.find("not an IP address"), std::string::npos) << err;

	::testing::internal::CaptureStdout();
	EXPECT_EQ(exit_of({"--help"}), 0);
	std::string help = ::testing::internal::GetCapturedStdout();
	for (const char *option : {"--metrics", "--metrics-destinations", "--metrics-containers", "/healthz", "9477"})
		EXPECT_NE(help.find(option), std::string::npos) << option;
}

TEST(CommandLine, VerbosityIsCommonToEveryCommand)
{
	const char *watch[] = {"bpfwatch", "-vv"};
	EXPECT_EQ(parse_command_line(2, const_cast<char **>(watch)).verbosity, 2);
	const char *check[] = {"bpfwatch", "check", "-c", "x", "-v"};
	EXPECT_EQ(parse_command_line(5, const_cast<char **>(check)).verbosity, 1);
}

} // namespace
} // namespace bpfwatch
