// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <gtest/gtest.h>

#include <vector>

#include "cli/duration.h"
#include "cli/options.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

Command parse(std::vector<const char *> args)
{
	args.insert(args.begin(), "bpfwatch");
	return parse_command_line(static_cast<int>(args.size()), const_cast<char **>(args.data()));
}

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
	Command c = parse({"--container", "log-router", "-c", "sink", "--duration", "5s", "-o", "json",
			   "--histogram", "--pid", "42"});
	ASSERT_EQ(c.name, Command::Name::Watch);
	EXPECT_EQ(c.watch.containers, (std::vector<std::string>{"log-router", "sink"}));
	EXPECT_EQ(c.watch.duration, std::chrono::milliseconds(5000));
	EXPECT_TRUE(c.watch.json);
	EXPECT_TRUE(c.watch.histogram);
	EXPECT_EQ(c.watch.pids, (std::vector<pid_t>{42}));
	EXPECT_EQ(c.watch.interval, std::chrono::milliseconds(5000));
}

TEST(CommandLine, ASettingGivenTwiceTakesTheLast)
{
	Command c = parse({"-c", "a", "--interval", "5s", "--duration", "15s", "-c", "b", "--interval", "0"});
	ASSERT_EQ(c.name, Command::Name::Watch);
	EXPECT_EQ(c.watch.interval.count(), 0);
	EXPECT_EQ(c.watch.containers, (std::vector<std::string>{"a", "b"})) << "repeatable ones add up";
}

TEST(CommandLine, NetworkOverrides)
{
	Command c = parse({"--remote-net", "10.0.0.0/8", "--remote-net", "2001:db8::/32", "--local-net", "192.0.2.0/24"});
	ASSERT_EQ(c.name, Command::Name::Watch);
	EXPECT_EQ(c.watch.remote_nets, (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32"}));
	EXPECT_EQ(c.watch.local_nets, (std::vector<std::string>{"192.0.2.0/24"}));
	EXPECT_EQ(parse({"check", "-c", "x", "--remote-net", "10.0.0.0/8"}).check.watch.remote_nets.size(), 1u);
	::testing::internal::CaptureStderr();
	EXPECT_EQ(parse({"--remote-net", "10.0.0.0/33"}).exit_code, 2);
	EXPECT_EQ(parse({"check", "-c", "x", "--local-net", "logs"}).exit_code, 2);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("'10.0.0.0/33' is not a network"), std::string::npos) << err;
	EXPECT_NE(err.find("'logs' is not a network"), std::string::npos) << err;
}

TEST(CommandLine, EventsTurnPeriodicReportsOffUnlessAsked)
{
	EXPECT_EQ(parse({"--events"}).watch.interval.count(), 0);
	EXPECT_EQ(parse({"--events", "--interval", "2s"}).watch.interval.count(), 2000);
}

TEST(CommandLine, BadInputExitsWithTwo)
{
	::testing::internal::CaptureStderr();
	EXPECT_EQ(parse({"--output", "xml"}).exit_code, 2);
	EXPECT_EQ(parse({"--duration", "soon"}).exit_code, 2);
	EXPECT_EQ(parse({"--pid", "-3"}).exit_code, 2);
	EXPECT_EQ(parse({"--bogus"}).exit_code, 2);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("invalid duration 'soon'"), std::string::npos) << err;
	EXPECT_NE(err.find("--bogus"), std::string::npos) << err;
	// One line per error.
	EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 4);
}

TEST(CommandLine, CheckSubcommand)
{
	Command c = parse({"check", "--container", "log-router", "--to", "198.51.100.7:514", "--window", "5s",
			   "--min-bytes", "100", "--require-ack", "-o", "json"});
	ASSERT_EQ(c.name, Command::Name::Check);
	EXPECT_EQ(c.check.watch.containers, (std::vector<std::string>{"log-router"}));
	EXPECT_EQ(c.check.to, "198.51.100.7:514");
	EXPECT_EQ(c.check.window, std::chrono::milliseconds(5000));
	EXPECT_EQ(c.check.min_bytes, 100u);
	EXPECT_TRUE(c.check.require_ack);
	EXPECT_TRUE(c.check.watch.json);
	EXPECT_EQ(parse({"check", "-c", "x"}).check.window, std::chrono::milliseconds(30000));

	::testing::internal::CaptureStderr();
	EXPECT_EQ(parse({"check"}).exit_code, 2);
	EXPECT_EQ(parse({"check", "-c", "a", "-c", "b"}).exit_code, 2);
	EXPECT_EQ(parse({"check", "-c", "a", "--window", "soon"}).exit_code, 2);
	std::string err = ::testing::internal::GetCapturedStderr();
	EXPECT_NE(err.find("exactly one"), std::string::npos) << err;
}

TEST(CommandLine, HelpAndVersionExitZero)
{
	::testing::internal::CaptureStdout();
	EXPECT_EQ(parse({"--help"}).exit_code, 0);
	EXPECT_EQ(parse({"--version"}).exit_code, 0);
	std::string out = ::testing::internal::GetCapturedStdout();
	EXPECT_NE(out.find("--container"), std::string::npos);
	EXPECT_NE(out.find("bpfwatch " BPFWATCH_VERSION), std::string::npos);
}

} // namespace
} // namespace bpfwatch
