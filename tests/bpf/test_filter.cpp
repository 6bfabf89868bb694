// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The cgroup filter, and what happens when the ring overflows.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "bpf/probe_fixture.h"
#include "bpf/workload.h"

namespace bpfwatch::test {
namespace {

class Filter : public ProbeTest {};

int write_devnull(int times, int bytes)
{
	static char buf[4096];
	int fd = open("/dev/null", O_WRONLY);
	WL_CHECK(fd >= 0);
	for (int i = 0; i < times; i++)
		WL_CHECK(write(fd, buf, bytes) == bytes);
	return 0;
}

TEST_F(Filter, AProcessInAnUnwatchedCgroupIsNotCounted)
{
	CgroupSandbox other("bpfwatch-test-other");
	attach_to_box();
	ASSERT_EQ(other.run([] { return write_devnull(5, 10); }), 0);
	run([] { return write_devnull(3, 10); });

	EXPECT_EQ(totals_of(other.id()).kind[BW_KIND_TTY].calls, 0u);
	EXPECT_TRUE(events_of(other.id()).empty());
	EXPECT_EQ(kind(BW_KIND_TTY).calls, 3u);
	EXPECT_EQ(probe_->read_totals().size(), 1u) << "only the watched cgroup has totals";
}

TEST_F(Filter, SeveralWatchedCgroupsAreCountedApart)
{
	CgroupSandbox other("bpfwatch-test-other");
	CgroupSandbox unwatched("bpfwatch-test-unwatched");
	attach({box_->id(), other.id()});
	run([] { return write_devnull(3, 10); });
	ASSERT_EQ(other.run([] { return write_devnull(4, 20); }), 0);
	ASSERT_EQ(unwatched.run([] { return write_devnull(5, 30); }), 0);

	EXPECT_EQ(kind(BW_KIND_TTY).bytes, 30u);
	EXPECT_EQ(totals_of(other.id()).kind[BW_KIND_TTY].bytes, 80u);
	EXPECT_EQ(totals_of(unwatched.id()).kind[BW_KIND_TTY].calls, 0u);
	EXPECT_EQ(box_events().size(), 3u);
	EXPECT_EQ(events_of(other.id()).size(), 4u);
}

TEST_F(Filter, WatchingEverythingKeysTotalsByCgroup)
{
	attach({});
	run([] { return write_devnull(6, 11); });
	EXPECT_EQ(kind(BW_KIND_TTY).bytes, 66u);
	EXPECT_EQ(kind(BW_KIND_TTY).calls, 6u);
	EXPECT_EQ(box_events().size(), 6u);
}

TEST_F(Filter, AFullRingLosesRecordsButNeverTotals)
{
	ProbeConfig small;
	small.ring_bytes = 4096; // room for a few dozen records
	attach({box_->id()}, small);
	const int n = 2000;
	run([] { return write_devnull(n, 1); }); // nobody drains meanwhile

	bw_totals t = totals_of(box_->id());
	auto records = box_events().size();
	EXPECT_EQ(t.kind[BW_KIND_TTY].calls, std::uint64_t(n)) << "totals are exact";
	EXPECT_GT(t.lost_events, 0u);
	EXPECT_EQ(records + t.lost_events, std::uint64_t(n)) << "every record is delivered or counted lost";
}

TEST_F(Filter, TimestampsOnlyWhenAskedFor)
{
	ProbeConfig cfg;
	cfg.timestamps = true;
	attach({box_->id()}, cfg);
	timespec before{}, after{};
	clock_gettime(CLOCK_MONOTONIC, &before);
	run([] { return write_devnull(1, 1); });
	clock_gettime(CLOCK_MONOTONIC, &after);
	auto events = box_events();
	ASSERT_EQ(events.size(), 1u);
	auto ns = [](timespec t) { return std::uint64_t(t.tv_sec) * 1000000000 + t.tv_nsec; };
	EXPECT_GE(events[0].ts_ns, ns(before));
	EXPECT_LE(events[0].ts_ns, ns(after));
}

} // namespace
} // namespace bpfwatch::test
