// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The live view's rates: differences of the since-start windows over the
// time between two ticks, and the last 60 of them.
#include <gtest/gtest.h>

#include "aggregator/aggregator.h"
#include "aggregator/rates.h"
#include "unit/fixtures/output/sample_report.h"

namespace bpfwatch {
namespace {

using namespace bpfwatch::testing;

constexpr std::uint64_t kSecond = 1000000000;

// A since-start report of one target at `now_ns` with these totals.
Report tick(std::uint64_t now_ns, std::uint64_t log, std::uint64_t file, std::uint64_t socket,
	    std::uint64_t errors = 0, std::uint64_t key = 386)
{
	TargetReport tr;
	tr.target = log_router();
	tr.key = key;
	tr.log_known = true;
	tr.window.by_kind[index_of(FdKind::pipe)] = {log, log / 10, 0};
	tr.window.log = {log, log / 10, 0};
	tr.window.by_kind[index_of(FdKind::file)] = {file, 1, 0};
	tr.window.by_kind[index_of(FdKind::socket)] = {socket, 1, errors};
	tr.window.input.by_kind[index_of(FdKind::socket)] = {.bytes = 2 * log, .calls = 1};
	Report r;
	r.kind = Report::Kind::Summary;
	r.now_ns = now_ns;
	r.targets.push_back(tr);
	return r;
}

TEST(Rates, DifferencesOverTheTimeBetweenTicks)
{
	RateTracker t;
	t.update(tick(10 * kSecond, 1000, 0, 0));
	EXPECT_EQ(t.rates(386), nullptr) << "one sample is no rate";
	EXPECT_TRUE(t.history(386).empty());

	// Half a second later: twice the bytes per second.
	t.update(tick(10 * kSecond + kSecond / 2, 3000, 512, 4096, 3));
	const TargetRates *r = t.rates(386);
	ASSERT_NE(r, nullptr);
	EXPECT_DOUBLE_EQ(r->log, 4000);
	EXPECT_DOUBLE_EQ(r->kind(FdKind::pipe), 4000);
	EXPECT_DOUBLE_EQ(r->kind(FdKind::file), 1024);
	EXPECT_DOUBLE_EQ(r->kind(FdKind::socket), 8192);
	EXPECT_DOUBLE_EQ(r->out, 4000 + 1024 + 8192);
	EXPECT_DOUBLE_EQ(r->errors, 6);
	ASSERT_TRUE(r->in);
	EXPECT_DOUBLE_EQ(*r->in, 8000) << "the input side's exact total";
	EXPECT_FALSE(r->log_from_stdio);
	ASSERT_EQ(t.history(386).size(), 1u);
	EXPECT_DOUBLE_EQ(t.history(386).back(), r->out);
}

TEST(Rates, NoInColumnWithoutTheInputSide)
{
	RateTracker t;
	Report a = tick(10 * kSecond, 1000, 0, 0), b = tick(11 * kSecond, 3000, 0, 0);
	a.input = b.input = false; // --no-input
	t.update(a);
	t.update(b);
	ASSERT_NE(t.rates(386), nullptr);
	EXPECT_FALSE(t.rates(386)->in);
}

TEST(Rates, WithoutItsLogPipesStdioStandsInForTheLog)
{
	Report a = tick(kSecond, 0, 0, 0), b = tick(2 * kSecond, 0, 0, 0);
	for (Report *r : {&a, &b})
		r->targets[0].log_known = false;
	b.targets[0].window.stdio = {700, 7, 0};
	b.targets[0].window.log = {999, 9, 0}; // not counted when not known
	RateTracker t;
	t.update(a);
	t.update(b);
	ASSERT_NE(t.rates(386), nullptr);
	EXPECT_DOUBLE_EQ(t.rates(386)->log, 700);
	EXPECT_TRUE(t.rates(386)->log_from_stdio);
}

TEST(Rates, LeftTheHostIsEgressToRemotePeersOnly)
{
	Report a = tick(kSecond, 0, 0, 0), b = tick(2 * kSecond, 0, 0, 0);
	Endpoint remote = inet_dest(IPPROTO_TCP, "198.51.100.7", 514);
	Endpoint local = inet_dest(IPPROTO_TCP, "172.17.0.3", 5514);
	for (Report *r : {&a, &b}) {
		r->targets[0].locality[remote] = Locality::remote;
		r->targets[0].locality[local] = Locality::local_container;
	}
	a.targets[0].window.delivery[remote].egress.bytes = 1000;
	b.targets[0].window.delivery[remote].egress.bytes = 3000;
	b.targets[0].window.delivery[local].egress.bytes = 50000; // never left
	RateTracker t;
	t.update(a);
	t.update(b);
	ASSERT_NE(t.rates(386), nullptr);
	EXPECT_DOUBLE_EQ(t.rates(386)->left_host, 2000);
}

TEST(Rates, ACounterThatWentDownStartsAfresh)
{
	RateSample before, after;
	before.out = 5000;
	after.out = 100; // forgotten and seen again
	EXPECT_DOUBLE_EQ(rates_between(before, after, 1.0).out, 0);
	EXPECT_DOUBLE_EQ(rates_between(before, before, 0.0).out, 0) << "no time, no rate";
	after.in = 300;
	EXPECT_DOUBLE_EQ(*rates_between(before, after, 2.0).in, 150) << "in from nothing";
}

TEST(Rates, HistoryKeepsTheLastSixtyAndTargetsThatLeftAreDropped)
{
	RateTracker t;
	for (std::uint64_t s = 0; s <= 100; s++)
		t.update(tick(s * kSecond, s * 100, 0, 0));
	const auto &h = t.history(386);
	ASSERT_EQ(h.size(), RateTracker::kHistory);
	EXPECT_DOUBLE_EQ(h.front(), 100);

	Report other = tick(101 * kSecond, 0, 0, 0, 0, 999);
	t.update(other);
	EXPECT_EQ(t.rates(386), nullptr);
	EXPECT_TRUE(t.history(386).empty());
}

TEST(Rates, CumulativeSizesReplaceOnlyTheSizes)
{
	Aggregator agg;
	Record r;
	r.kind = FdKind::socket;
	r.ret = 100;
	agg.add(7, r, 1);
	auto first = agg.roll_interval();
	r.ret = 5000;
	agg.add(7, r, 2);
	r.ret = -ECONNREFUSED;
	agg.add(7, r, 3);
	auto interval = agg.roll_interval();
	ASSERT_EQ(interval.at(7).detail.at(WriteView::socket).sizes.total(), 1u);
	keep_sizes_since_start(interval, agg.since_start());
	const CallDetail &d = interval.at(7).detail.at(WriteView::socket);
	EXPECT_EQ(d.sizes.total(), 2u) << "both calls since the start";
	EXPECT_EQ(d.sizes.count(Log2Histogram::bucket_of(100)), 1u);
	EXPECT_EQ(d.errnos.at(ECONNREFUSED), 1u) << "errnos stay the interval's";
	EXPECT_EQ(interval.at(7).histogram.total(), 1u) << "the one histogram stays the interval's";
}

} // namespace
} // namespace bpfwatch
