// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <gtest/gtest.h>

#include "aggregator/silence.h"

namespace bpfwatch {
namespace {

using namespace std::chrono_literals;

TEST(Silence, AlertsOnceWhenWritesContinueAndSendsStop)
{
	SilenceDetector d(30s);
	auto t0 = SilenceDetector::Clock::time_point{};
	EXPECT_FALSE(d.update(1, t0, 1000, 500, 0));
	EXPECT_FALSE(d.update(1, t0 + 10s, 1000, 900, 2)) << "not silent for the window yet";
	auto alert = d.update(1, t0 + 31s, 1000, 1500, 7);
	ASSERT_TRUE(alert);
	EXPECT_EQ(alert->cgroup_id, 1u);
	EXPECT_DOUBLE_EQ(alert->silent_s, 31.0);
	EXPECT_EQ(alert->written_bytes, 1000u);
	EXPECT_EQ(alert->socket_errors, 7u);
	EXPECT_FALSE(d.update(1, t0 + 40s, 1000, 1600, 7)) << "once per silent stretch";
	EXPECT_FALSE(d.update(1, t0 + 41s, 1200, 1700, 7)) << "sending again re-arms";
	EXPECT_TRUE(d.update(1, t0 + 72s, 1200, 1800, 7));
}

TEST(Silence, AnIdleContainerIsNotSilentItIsIdle)
{
	SilenceDetector d(30s);
	auto t0 = SilenceDetector::Clock::time_point{};
	EXPECT_FALSE(d.update(1, t0, 0, 0, 0));
	EXPECT_FALSE(d.update(1, t0 + 60s, 0, 0, 0)) << "nothing written either";
}

TEST(Silence, CgroupsAreTrackedApart)
{
	SilenceDetector d(5s);
	auto t0 = SilenceDetector::Clock::time_point{};
	d.update(1, t0, 0, 0, 0);
	d.update(2, t0, 0, 0, 0);
	EXPECT_FALSE(d.update(2, t0 + 6s, 10, 10, 0));
	EXPECT_TRUE(d.update(1, t0 + 6s, 0, 10, 0));
}

} // namespace
} // namespace bpfwatch
