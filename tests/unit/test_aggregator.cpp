// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "aggregator/aggregator.h"

namespace bpfwatch {
namespace {

Record socket_event(std::uint64_t cgid, std::int64_t ret, std::uint16_t port)
{
	Record e{};
	e.cgroup_id = cgid;
	e.ret = ret;
	e.kind = FdKind::socket;
	e.syscall = Syscall::sendto;
	e.endpoint = Endpoint::ip(IpAddress::v4(htonl(0xac110003)), IPPROTO_TCP, port); // 172.17.0.3
	return e;
}

KernelTotals totals_with(FdKind kind, std::uint64_t bytes, std::uint64_t calls, std::uint64_t errors,
			 std::uint64_t lost = 0)
{
	KernelTotals t{};
	t.by_kind[index_of(kind)] = {bytes, calls, errors};
	t.lost_records = lost;
	return t;
}

Record read_event(std::int64_t ret, std::uint16_t port, FdKind kind = FdKind::socket)
{
	Record e = socket_event(7, ret, port);
	e.syscall = Syscall::recvfrom;
	e.kind = kind;
	return e;
}

TEST(Aggregator, InputRecordsBuildSourcesApartFromTheOutput)
{
	Aggregator agg;
	agg.add(7, read_event(100, 2375), 10);
	agg.add(7, read_event(-EAGAIN, 2375), 15);
	agg.add(7, read_event(0, 2375), 20); // TCP: the end of the stream
	agg.add(7, read_event(-ECONNRESET, 2375), 30);
	agg.add(7, read_event(5, 0, FdKind::pipe), 40);
	agg.add(7, socket_event(7, 50, 5514), 50);

	const Window &w = agg.since_start().at(7);
	EXPECT_EQ(w.records, 1u) << "only the send is an output record";
	EXPECT_EQ(w.destinations.size(), 1u);
	EXPECT_EQ(w.histogram.total(), 1u);
	EXPECT_EQ(w.input.records, 5u);
	ASSERT_EQ(w.input.sources.size(), 1u);
	const auto &[src, s] = *w.input.sources.begin();
	EXPECT_EQ(src.to_string(), "tcp 172.17.0.3:2375");
	EXPECT_EQ(s.counts, (InputCounts{.bytes = 100, .calls = 2, .errors = 1, .eof = 1, .again = 1}));
	EXPECT_EQ(s.last_read_ns, 10u);
	EXPECT_EQ(s.last_eof_ns, 20u);
	EXPECT_EQ(s.errnos, (std::map<int, std::uint64_t>{{ECONNRESET, 1}}));
	EXPECT_EQ(w.input.errnos, (std::map<int, std::uint64_t>{{ECONNRESET, 1}})) << "EAGAIN aside";

	KernelTotals t = totals_with(FdKind::socket, 50, 1, 0);
	t.in_kind[index_of(FdKind::socket)] = {.bytes = 100, .calls = 2, .errors = 1, .eof = 1, .again = 1};
	agg.set_totals({{7, t}});
	EXPECT_EQ(agg.since_start().at(7).input.total().bytes, 100u);
	auto first = agg.roll_interval();
	EXPECT_EQ(first.at(7).input.kind(FdKind::socket).bytes, 100u);
	t.in_kind[index_of(FdKind::socket)].bytes += 7;
	agg.set_totals({{7, t}});
	auto second = agg.roll_interval();
	EXPECT_EQ(second.at(7).input.kind(FdKind::socket).bytes, 7u) << "an interval's input is its delta";
	EXPECT_EQ(second.at(7).input.sources.begin()->second.last_read_ns, 10u) << "times since the start";
}

TEST(Aggregator, RecordsBuildDestinationsErrnosAndHistogram)
{
	Aggregator agg;
	agg.add(7, socket_event(7, 100, 5514), 10);
	agg.add(7, socket_event(7, 300, 5514), 20);
	agg.add(7, socket_event(7, -ECONNREFUSED, 5514), 30);
	agg.add(7, socket_event(7, 50, 9999), 40);

	const Window &w = agg.since_start().at(7);
	EXPECT_EQ(w.records, 4u);
	ASSERT_EQ(w.destinations.size(), 2u);
	const auto &[dest, stats] = *w.destinations.begin();
	EXPECT_EQ(dest.to_string(), "tcp 172.17.0.3:5514");
	EXPECT_EQ(stats.counts, (Counts{400, 2, 1}));
	EXPECT_EQ(stats.errnos.at(ECONNREFUSED), 1u);
	EXPECT_EQ(stats.last_success_ns, 20u);
	EXPECT_EQ(stats.last_error_ns, 30u);
	EXPECT_EQ(w.errnos.at(ECONNREFUSED), 1u);
	EXPECT_EQ(w.histogram.total(), 3u) << "failed calls have no size";
	EXPECT_EQ(w.histogram.count(Log2Histogram::bucket_of(300)), 1u);
}

TEST(Aggregator, SizesAndErrnosSplitByKindAndAgainByStdioAndLog)
{
	Aggregator agg;
	Record r;
	r.cgroup_id = 7;
	r.kind = FdKind::pipe;
	r.ret = 27;
	r.stdio = r.log = true;
	agg.add(7, r, 1); // a log line on stdout
	r.ret = 100;
	r.log = false;
	agg.add(7, r, 2); // stdout, not the log
	r.kind = FdKind::file;
	r.stdio = false;
	r.ret = 4096;
	agg.add(7, r, 3);
	r.ret = -ENOSPC;
	agg.add(7, r, 4);

	const Window &w = agg.since_start().at(7);
	ASSERT_EQ(w.detail.size(), 4u) << "pipe, file, stdio, log: only views that had a call";
	const Log2Histogram &log = w.detail.at(WriteView::log).sizes;
	EXPECT_EQ(log.total(), 1u);
	EXPECT_EQ(log.sum(), 27u);
	EXPECT_EQ(log.count(Log2Histogram::bucket_of(27)), 1u);
	EXPECT_EQ(w.detail.at(WriteView::stdio).sizes.sum(), 127u);
	EXPECT_EQ(w.detail.at(WriteView::pipe).sizes.total(), 2u);
	EXPECT_EQ(w.detail.at(WriteView::file).sizes.total(), 1u) << "a failed call has no size";
	EXPECT_EQ(w.detail.at(WriteView::file).sizes.sum(), 4096u);
	EXPECT_EQ(w.detail.at(WriteView::file).errnos.at(ENOSPC), 1u);
	EXPECT_TRUE(w.detail.at(WriteView::log).errnos.empty());
	EXPECT_EQ(w.histogram.sum(), 4223u);
	EXPECT_EQ(agg.roll_interval().at(7).detail.at(WriteView::log).sizes.sum(), 27u) << "the interval too";
}

TEST(Aggregator, WithoutIntervalsOnlyTheWindowsSinceTheStartAreKept)
{
	Aggregator agg(256, false);
	agg.add(7, socket_event(7, 100, 5514), 10);
	agg.set_totals({{7, totals_with(FdKind::socket, 100, 1, 0)}});
	agg.set_delivery({{7, PeerMap{}}});
	EXPECT_EQ(agg.since_start().at(7).records, 1u);
	EXPECT_EQ(agg.since_start().at(7).kind(FdKind::socket).bytes, 100u);
	EXPECT_EQ(agg.since_start().at(7).destinations.size(), 1u);
	EXPECT_TRUE(agg.roll_interval().empty());
}

TEST(Aggregator, KernelTotalsAreExactAndIntervalsAreDeltas)
{
	Aggregator agg;
	agg.set_totals({{7, totals_with(FdKind::pipe, 1000, 10, 1)}});
	auto first = agg.roll_interval();
	EXPECT_EQ(first.at(7).by_kind[index_of(FdKind::pipe)], (Counts{1000, 10, 1}));

	KernelTotals later = totals_with(FdKind::pipe, 1500, 15, 1, 2);
	later.stdio = {1200, 12, 0};
	agg.set_totals({{7, later}});
	auto second = agg.roll_interval();
	EXPECT_EQ(second.at(7).stdio, (Counts{1200, 12, 0}));
	EXPECT_EQ(second.at(7).by_kind[index_of(FdKind::pipe)], (Counts{500, 5, 0}));
	EXPECT_EQ(second.at(7).lost_events, 2u);
	EXPECT_FALSE(second.at(7).detail_complete());
	EXPECT_EQ(agg.since_start().at(7).by_kind[index_of(FdKind::pipe)], (Counts{1500, 15, 1}));
	EXPECT_EQ(agg.since_start().at(7).total(), (Counts{1500, 15, 1}));
}

const DestinationStats &stats_to(const Window &w, std::uint16_t port)
{
	for (const auto &[dest, stats] : w.destinations)
		if (dest.port == port)
			return stats;
	throw std::out_of_range("no destination with port " + std::to_string(port));
}

// "Last successful send N s ago" in an interval report: a peer that only
// failed in the interval, or was not reached at all, still says when it
// last took a byte. The counts stay the interval's.
TEST(Aggregator, IntervalsKeepTheLastSuccessAndErrorTimesSinceTheStart)
{
	Aggregator agg;
	agg.add(7, socket_event(7, 100, 5514), 10);
	agg.add(7, socket_event(7, 50, 9999), 15);
	agg.roll_interval();
	agg.add(7, socket_event(7, -ECONNREFUSED, 5514), 30);
	agg.add(7, socket_event(7, -ECONNREFUSED, 5514), 40);

	auto second = agg.roll_interval();
	const Window &w = second.at(7);
	ASSERT_EQ(w.destinations.size(), 2u) << "the idle peer is listed too";
	const DestinationStats &failing = stats_to(w, 5514);
	EXPECT_EQ(failing.counts, (Counts{0, 0, 2}));
	EXPECT_EQ(failing.errnos.at(ECONNREFUSED), 2u);
	EXPECT_EQ(failing.last_success_ns, 10u) << "from an earlier interval";
	EXPECT_EQ(failing.last_error_ns, 40u);
	const DestinationStats &idle = stats_to(w, 9999);
	EXPECT_EQ(idle.counts, (Counts{}));
	EXPECT_TRUE(idle.errnos.empty());
	EXPECT_EQ(idle.last_success_ns, 15u);
	EXPECT_EQ(idle.last_error_ns, 0u);
	EXPECT_EQ(w.records, 2u) << "carried rows are not records";

	// The next interval carries them again; since the start is untouched.
	auto third = agg.roll_interval();
	EXPECT_EQ(stats_to(third.at(7), 5514).counts, (Counts{}));
	EXPECT_EQ(stats_to(third.at(7), 5514).last_error_ns, 40u);
	EXPECT_EQ(stats_to(agg.since_start().at(7), 5514).counts, (Counts{100, 1, 2}));
}

TEST(Aggregator, DestinationTableIsBoundedAndCountsOverflow)
{
	Aggregator agg(2);
	for (std::uint16_t port = 1; port <= 5; port++)
		agg.add(7, socket_event(7, 10, port), 0);
	const Window &w = agg.since_start().at(7);
	EXPECT_EQ(w.destinations.size(), 2u);
	EXPECT_EQ(w.destinations_overflow, 3u);
	// What they counted stays exact, by protocol.
	EXPECT_EQ(w.overflow_by_proto.at("tcp"), (Counts{30, 3, 0}));
	EXPECT_EQ(w.overflowed(), (Counts{30, 3, 0}));
	agg.add(7, socket_event(7, -111, 9), 0);
	EXPECT_EQ(agg.since_start().at(7).overflowed(), (Counts{30, 3, 1}));
}

TEST(Aggregator, GoneCgroupsPastTheBoundAreSummedExactly)
{
	Aggregator agg(2, true, 2); // two destinations, two gone cgroups kept apart
	for (std::uint64_t id = 1; id <= 5; id++) {
		agg.add(id, socket_event(id, 10 * id, static_cast<std::uint16_t>(id)), 0);
		Record in = read_event(static_cast<std::int64_t>(id), static_cast<std::uint16_t>(100 + id));
		in.cgroup_id = id;
		agg.add(id, in, 0);
		KernelTotals t = totals_with(FdKind::socket, 10 * id, 1, 0);
		t.in_kind[index_of(FdKind::socket)] = {.bytes = id, .calls = 1};
		agg.set_totals({{id, t}});
	}
	for (std::uint64_t id = 1; id <= 5; id++)
		agg.retire(id);
	agg.retire(5); // twice: once
	EXPECT_EQ(agg.folded(), 3u);
	const auto &all = agg.since_start();
	EXPECT_FALSE(all.count(1) || all.count(2) || all.count(3)) << "the oldest are summed";
	EXPECT_TRUE(all.count(4) && all.count(5)) << "the last two are kept apart";
	EXPECT_TRUE(agg.retired(4) && !agg.retired(1));
	const Window &gone = all.at(Aggregator::kRetiredKey);
	EXPECT_EQ(gone.kind(FdKind::socket), (Counts{60, 3, 0})) << "10 + 20 + 30, exactly";
	EXPECT_EQ(gone.records, 3u);
	EXPECT_EQ(gone.destinations.size(), 2u);
	EXPECT_EQ(gone.destinations_overflow, 1u);
	EXPECT_EQ(gone.overflowed(), (Counts{30, 1, 0})) << "the third cgroup's destination, past the bound";
	// The input side too: exact per kind, sources to the bound.
	EXPECT_EQ(gone.input.kind(FdKind::socket).bytes, 6u) << "1 + 2 + 3";
	EXPECT_EQ(gone.input.records, 3u);
	EXPECT_EQ(gone.input.sources.size(), 2u);
	EXPECT_EQ(gone.input.sources_overflow, 1u);
}

// A followed target's new life, counted by the kernel under its new
// cgroup id (9) before the follower knew it was the target's (key 7): its
// records join the target's windows, and its kernel totals (the target's
// cumulative ones, keyed by the new id at that sync) are not added twice.
// Before, each life left its windows behind for good (the soak's RSS).
TEST(Aggregator, ANewLifesEarlyRecordsJoinItsTargetAndLeaveNothingBehind)
{
	Aggregator agg;
	agg.add(7, socket_event(7, 100, 514), 0);
	agg.set_totals({{7, totals_with(FdKind::socket, 100, 1, 0)}});
	agg.roll_interval();
	agg.add(9, socket_event(9, 50, 514), 0);
	agg.add(9, socket_event(9, -ECONNREFUSED, 515), 0);
	agg.set_totals({{9, totals_with(FdKind::socket, 150, 2, 1)}});

	agg.adopt(9, 7);
	agg.set_totals({{7, totals_with(FdKind::socket, 150, 2, 1)}});
	EXPECT_EQ(agg.since_start().count(9), 0u);
	const Window &all = agg.since_start().at(7);
	EXPECT_EQ(all.kind(FdKind::socket), (Counts{150, 2, 1}));
	EXPECT_EQ(all.records, 3u);
	EXPECT_EQ(stats_to(all, 514).counts, (Counts{150, 2, 0}));
	EXPECT_EQ(stats_to(all, 515).errnos.at(ECONNREFUSED), 1u);
	auto interval = agg.roll_interval();
	EXPECT_EQ(interval.count(9), 0u);
	EXPECT_EQ(interval.at(7).kind(FdKind::socket), (Counts{50, 1, 1}));
	EXPECT_EQ(interval.at(7).records, 2u);
	agg.adopt(9, 7); // nothing left under 9: a no-op
	EXPECT_EQ(agg.since_start().size(), 1u);
}

TEST(Aggregator, ForgetDropsEveryTrace)
{
	Aggregator agg;
	agg.add(7, socket_event(7, 10, 1), 0);
	agg.set_totals({{7, totals_with(FdKind::socket, 10, 1, 0)}});
	agg.forget(7);
	EXPECT_TRUE(agg.since_start().empty());
	EXPECT_TRUE(agg.roll_interval().empty());
}

TEST(Histogram, BucketsAreLog2WithInclusiveUpperBounds)
{
	EXPECT_EQ(Log2Histogram::bucket_of(0), 0);
	EXPECT_EQ(Log2Histogram::bucket_of(1), 0);
	EXPECT_EQ(Log2Histogram::bucket_of(2), 1);
	EXPECT_EQ(Log2Histogram::bucket_of(3), 2);
	EXPECT_EQ(Log2Histogram::bucket_of(4), 2);
	EXPECT_EQ(Log2Histogram::bucket_of(5), 3);
	EXPECT_EQ(Log2Histogram::bucket_of(64), 6);
	EXPECT_EQ(Log2Histogram::bucket_of(65), 7);
	EXPECT_EQ(Log2Histogram::bucket_of(~0ull), Log2Histogram::kBuckets - 1);
	EXPECT_EQ(Log2Histogram::upper_bound(6), 64u);
	Log2Histogram h;
	EXPECT_EQ(h.last_used(), -1);
	h.add(64, 3);
	h.add(4096);
	EXPECT_EQ(h.total(), 4u);
	EXPECT_EQ(h.last_used(), 12);
}

} // namespace
} // namespace bpfwatch
