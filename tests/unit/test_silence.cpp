// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <gtest/gtest.h>

#include <netinet/in.h>

#include "aggregator/silence.h"

namespace bpfwatch {
namespace {

using namespace std::chrono_literals;

// Cumulative counters: bytes that got through, bytes written, socket errors.
SilenceInputs at(std::uint64_t delivered, std::uint64_t written, std::uint64_t errors)
{
	SilenceInputs in;
	in.delivered_bytes = delivered;
	in.sent_bytes = delivered;
	in.written_bytes = written;
	in.socket_errors = errors;
	return in;
}

TEST(Silence, AlertsWhenItKeepsReceivingAndSendsNothing)
{
	SilenceDetector d(30s);
	auto t0 = SilenceDetector::Clock::time_point{};
	SilenceInputs in = at(1000, 0, 0);
	EXPECT_FALSE(d.update(1, t0, in));
	in.received_bytes = 40960; // the Docker API stream goes on; nothing goes out
	auto alert = d.update(1, t0 + 31s, in);
	ASSERT_TRUE(alert);
	EXPECT_EQ(alert->received_bytes, 40960u);
	EXPECT_EQ(alert->written_bytes, 0u);

	SilenceDetector quiet(30s);
	EXPECT_FALSE(quiet.update(1, t0, at(1000, 0, 0)));
	EXPECT_FALSE(quiet.update(1, t0 + 31s, at(1000, 0, 0))) << "nothing in, nothing written: idle";
}

TEST(Silence, ReceivedBytesAreTheInputFromSocketsPipesAndFiles)
{
	Window w;
	w.input.by_kind[index_of(FdKind::socket)].bytes = 100;
	w.input.by_kind[index_of(FdKind::pipe)].bytes = 20;
	w.input.by_kind[index_of(FdKind::file)].bytes = 3;
	w.input.by_kind[index_of(FdKind::tty)].bytes = 1000; // /dev/urandom, a terminal
	EXPECT_EQ(silence_inputs(w, false, false).received_bytes, 123u);
}

TEST(Silence, AlertsOnceWhenWritesContinueAndSendsStop)
{
	SilenceDetector d(30s);
	auto t0 = SilenceDetector::Clock::time_point{};
	EXPECT_FALSE(d.update(1, t0, at(1000, 500, 0)));
	EXPECT_FALSE(d.update(1, t0 + 10s, at(1000, 900, 2))) << "not silent for the window yet";
	auto alert = d.update(1, t0 + 31s, at(1000, 1500, 7));
	ASSERT_TRUE(alert);
	EXPECT_EQ(alert->cgroup_id, 1u);
	EXPECT_DOUBLE_EQ(alert->silent_s, 31.0);
	EXPECT_EQ(alert->written_bytes, 1000u);
	EXPECT_EQ(alert->socket_errors, 7u);
	EXPECT_FALSE(d.update(1, t0 + 40s, at(1000, 1600, 7))) << "once per silent stretch";
	EXPECT_FALSE(d.update(1, t0 + 41s, at(1200, 1700, 7))) << "sending again re-arms";
	EXPECT_TRUE(d.update(1, t0 + 72s, at(1200, 1800, 7)));
}

TEST(Silence, AnIdleContainerIsNotSilentItIsIdle)
{
	SilenceDetector d(30s);
	auto t0 = SilenceDetector::Clock::time_point{};
	EXPECT_FALSE(d.update(1, t0, at(0, 0, 0)));
	EXPECT_FALSE(d.update(1, t0 + 60s, at(0, 0, 0))) << "nothing written either";
}

TEST(Silence, CgroupsAreTrackedApart)
{
	SilenceDetector d(5s);
	auto t0 = SilenceDetector::Clock::time_point{};
	d.update(1, t0, at(0, 0, 0));
	d.update(2, t0, at(0, 0, 0));
	EXPECT_FALSE(d.update(2, t0 + 6s, at(10, 10, 0)));
	EXPECT_TRUE(d.update(1, t0 + 6s, at(0, 10, 0)));
}

TEST(Silence, SilentForLastsFromTheAlertUntilBytesGoOut)
{
	SilenceDetector d(30s);
	auto t0 = SilenceDetector::Clock::time_point{};
	d.update(1, t0, at(1000, 500, 0));
	d.update(1, t0 + 10s, at(1000, 900, 0));
	EXPECT_FALSE(d.silent_for(1, t0 + 10s)) << "not alerted yet";
	ASSERT_TRUE(d.update(1, t0 + 31s, at(1000, 1500, 0)));
	ASSERT_TRUE(d.silent_for(1, t0 + 45s));
	EXPECT_DOUBLE_EQ(*d.silent_for(1, t0 + 45s), 45.0) << "since the last byte out, not the alert";
	d.update(1, t0 + 50s, at(1000, 1600, 0));
	EXPECT_TRUE(d.silent_for(1, t0 + 50s)) << "still silent after the one alert";
	d.update(1, t0 + 51s, at(1200, 1700, 0));
	EXPECT_FALSE(d.silent_for(1, t0 + 51s)) << "bytes went out";
	EXPECT_FALSE(d.silent_for(2, t0 + 51s)) << "a cgroup never seen";
}

Window window_with(std::uint64_t pipe, std::uint64_t file, std::uint64_t stdio)
{
	Window w;
	w.by_kind[index_of(FdKind::pipe)] = {pipe, 10, 0};
	w.by_kind[index_of(FdKind::file)] = {file, 10, 0};
	w.stdio = {stdio, 10, 0};
	return w;
}

// stdout redirected to a file is a stdio call and a file call: one write.
TEST(Silence, StdoutToAFileIsWrittenOnce)
{
	Window w = window_with(0, 4096, 4096);
	EXPECT_EQ(silence_inputs(w, false, false).written_bytes, 4096u);
	// Part of stdout to a pipe, part to a file: the pipe bytes bound the rest.
	w = window_with(100, 4096, 4096 + 100);
	EXPECT_EQ(silence_inputs(w, false, false).written_bytes, 4196u);
}

// Known log pipes: what the runtime logged plus the files, never the inner
// pipes of a shell pipeline (`echo x | nc ...` writes stdout into nc).
TEST(Silence, WrittenIsTheLogPlusFilesWhenTheLogIsKnown)
{
	Window w = window_with(900, 4096, 900);
	w.log = {300, 3, 0};
	EXPECT_EQ(silence_inputs(w, true, false).written_bytes, 4396u);
	EXPECT_EQ(silence_inputs(w, false, false).written_bytes, 4996u) << "unknown: stdio stands in";
}

// The seed: every connect refused, so no send is ever made, let alone
// failed. The delivery probe's connect failures count as socket errors.
TEST(Silence, RefusedConnectsAreSocketErrors)
{
	Window w = window_with(1200, 0, 1200);
	w.by_kind[index_of(FdKind::socket)] = {0, 0, 2}; // two failed sends
	Endpoint sink = Endpoint::ip(*IpAddress::parse("198.51.100.7"), IPPROTO_TCP, 514);
	Endpoint other = Endpoint::ip(*IpAddress::parse("198.51.100.7"), IPPROTO_TCP, 515);
	w.delivery[sink].tcp.connect_failures = 37;
	w.delivery[other].tcp.connect_failures = 1;
	SilenceInputs in = silence_inputs(w, false, true);
	EXPECT_EQ(in.delivered_bytes, 0u);
	EXPECT_EQ(in.socket_errors, 40u);

	SilenceDetector d(30s);
	auto t0 = SilenceDetector::Clock::time_point{};
	d.update(1, t0, silence_inputs(Window{}, false, true));
	auto alert = d.update(1, t0 + 30s, in);
	ASSERT_TRUE(alert);
	EXPECT_EQ(alert->socket_errors, 40u);
	EXPECT_EQ(alert->written_bytes, 1200u);
}

// The dark log host: the router keeps writing into its TCP connection,
// packets keep leaving, nothing is acknowledged. Sent is not delivered.
TEST(Silence, SentButNeverAcknowledgedIsSilent)
{
	Endpoint sink = Endpoint::ip(*IpAddress::parse("198.51.100.7"), IPPROTO_TCP, 514);
	Window w = window_with(500, 0, 500);
	w.log = {500, 5, 0};
	w.by_kind[index_of(FdKind::socket)] = {800, 10, 0};
	w.destinations[sink].counts = {800, 10, 0};
	w.delivery[sink].tcp.bytes_acked = 4000; // before it went dark
	w.delivery[sink].tcp.retrans_segs = 1;
	SilenceInputs before = silence_inputs(w, true, true);
	EXPECT_EQ(before.delivered_bytes, 4000u) << "TCP counts once acknowledged";
	EXPECT_EQ(before.sent_bytes, 800u);

	Window later = w;
	later.log = {1700, 17, 0};
	later.by_kind[index_of(FdKind::socket)] = {2400, 30, 0};
	later.destinations[sink].counts = {2400, 30, 0};
	later.delivery[sink].tcp.retrans_segs = 4;
	SilenceDetector d(30s);
	auto t0 = SilenceDetector::Clock::time_point{};
	d.update(1, t0, before);
	auto alert = d.update(1, t0 + 30s, silence_inputs(later, true, true));
	ASSERT_TRUE(alert) << "bytes went out, none were acknowledged";
	EXPECT_EQ(alert->sent_bytes, 1600u);
	EXPECT_EQ(alert->retransmits, 3u);
	EXPECT_EQ(alert->written_bytes, 1200u);

	// Without the delivery probe, sends are all that can be seen.
	SilenceDetector blind(30s);
	blind.update(1, t0, silence_inputs(w, true, false));
	EXPECT_FALSE(blind.update(1, t0 + 30s, silence_inputs(later, true, false)));

	// A UDP sender is never held to acknowledgements.
	Window udp = window_with(500, 0, 500);
	udp.by_kind[index_of(FdKind::socket)] = {800, 10, 0};
	udp.destinations[Endpoint::ip(*IpAddress::parse("198.51.100.7"), IPPROTO_UDP, 514)].counts = {800, 10, 0};
	EXPECT_EQ(silence_inputs(udp, true, true).delivered_bytes, 800u);
}

} // namespace
} // namespace bpfwatch
