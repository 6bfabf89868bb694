// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The live view without a terminal: rows, their order, the columns that
// fit, sparklines and compact numbers.
#include <gtest/gtest.h>

#include <algorithm>

#include "output/live_rows.h"
#include "output/text.h"
#include "unit/fixtures/output/sample_report.h"

namespace bpfwatch {
namespace {

using namespace bpfwatch::testing;

LiveRow row(const std::string &name, double log, double socket, std::uint64_t key)
{
	LiveRow r;
	r.key = key;
	r.name = name;
	r.rates = TargetRates{};
	r.rates->log = log;
	r.rates->by_kind[index_of(FdKind::socket)] = socket;
	r.rates->out = log + socket;
	return r;
}

std::vector<std::string> names(const std::vector<LiveRow> &rows)
{
	std::vector<std::string> out;
	for (const LiveRow &r : rows)
		out.push_back(r.name);
	return out;
}

std::vector<LiveColumn> columns(const LiveLayout &l)
{
	std::vector<LiveColumn> out;
	for (const ColumnSpan &s : l.columns)
		out.push_back(s.column);
	return out;
}

TEST(LiveRows, SparklineScalesToItsMaximum)
{
	std::vector<double> v = {0, 1, 2, 4, 8};
	EXPECT_EQ(sparkline(v, 10, true), " ▁▂▄█");
	EXPECT_EQ(sparkline(v, 10, false), " .:=@");
	EXPECT_EQ(sparkline(v, 3, true), "▂▄█") << "the newest values that fit";
	EXPECT_EQ(sparkline({}, 8, true), "");
	EXPECT_EQ(sparkline({0, 0}, 8, false), "  ") << "nothing out is blank, not the lowest bar";
	EXPECT_EQ(sparkline({1000, 1}, 8, true), "█▁") << "any byte at all shows";
}

TEST(LiveRows, CompactRatesAndAges)
{
	EXPECT_EQ(compact_rate(0), "0");
	EXPECT_EQ(compact_rate(512), "512");
	EXPECT_EQ(compact_rate(999.4), "999");
	EXPECT_EQ(compact_rate(1000), "1.0K");
	EXPECT_EQ(compact_rate(1536), "1.5K");
	EXPECT_EQ(compact_rate(12 * 1024), "12K");
	EXPECT_EQ(compact_rate(999.6 * 1024), "1.0M");
	EXPECT_EQ(compact_rate(3.4 * 1024 * 1024), "3.4M");
	for (double v = 1; v < 1e18; v *= 3.7)
		EXPECT_LE(compact_rate(v).size(), 4u) << v;
	EXPECT_EQ(compact_age(3.9), "3s ago");
	EXPECT_EQ(compact_age(125), "2m ago");
	EXPECT_EQ(compact_age(7200), "2h ago");
	EXPECT_EQ(compact_age(3 * 86400), "3d ago");
}

TEST(LiveRows, SortByEachColumnTiesByName)
{
	std::vector<LiveRow> rows = {row("b-fast", 5000, 0, 1), row("a-slow", 10, 100, 2), row("c-idle", 0, 0, 3)};
	sort_rows(rows, LiveColumn::log, false);
	EXPECT_EQ(names(rows), (std::vector<std::string>{"b-fast", "a-slow", "c-idle"}));
	sort_rows(rows, LiveColumn::log, true);
	EXPECT_EQ(names(rows), (std::vector<std::string>{"c-idle", "a-slow", "b-fast"}));
	sort_rows(rows, LiveColumn::socket, false);
	EXPECT_EQ(names(rows), (std::vector<std::string>{"a-slow", "b-fast", "c-idle"})) << "0 and 0: by name";
	sort_rows(rows, LiveColumn::name, false);
	EXPECT_EQ(names(rows), (std::vector<std::string>{"a-slow", "b-fast", "c-idle"}));

	// The last send longest ago first; tried and never sent before that;
	// never tried last.
	rows[0].last_send_age = 3;
	rows[0].sends = true;
	rows[1].last_send_age = 40;
	rows[1].sends = true;
	rows[2].sends = false;
	rows.push_back(row("d-refused", 0, 0, 4));
	rows.back().sends = true;
	sort_rows(rows, LiveColumn::last_send, false);
	EXPECT_EQ(names(rows), (std::vector<std::string>{"d-refused", "b-fast", "a-slow", "c-idle"}));

	// No rates yet (the first second): last, not first.
	rows[0].rates.reset();
	sort_rows(rows, LiveColumn::out, false);
	EXPECT_FALSE(rows.back().rates.has_value()) << rows.back().name;
}

TEST(LiveRows, FilterIsACaseInsensitiveSubstring)
{
	LiveRow r = row("Log-Router-7", 0, 0, 1);
	EXPECT_TRUE(name_matches(r, ""));
	EXPECT_TRUE(name_matches(r, "router"));
	EXPECT_TRUE(name_matches(r, "LOG-r"));
	EXPECT_FALSE(name_matches(r, "sink"));
}

TEST(LiveRows, At80ColumnsTheEssentialsFitWiderShowsMore)
{
	LiveLayout narrow = live_layout(79, false, 20);
	EXPECT_LE(narrow.width, 79u);
	EXPECT_EQ(columns(narrow),
		  (std::vector<LiveColumn>{LiveColumn::name, LiveColumn::log, LiveColumn::file, LiveColumn::socket,
					   LiveColumn::left, LiveColumn::errors, LiveColumn::restarts,
					   LiveColumn::last_send, LiveColumn::state, LiveColumn::history}));
	EXPECT_GE(narrow.find(LiveColumn::history)->width, 8u);

	LiveLayout wide = live_layout(119, false, 20);
	EXPECT_LE(wide.width, 119u);
	for (LiveColumn c : {LiveColumn::out, LiveColumn::pipe, LiveColumn::runtime})
		EXPECT_TRUE(wide.find(c)) << column_title(c);
	EXPECT_EQ(wide.find(LiveColumn::name)->width, 20u) << "the name grows to the longest";
	EXPECT_GT(wide.find(LiveColumn::history)->width, narrow.find(LiveColumn::history)->width);

	LiveLayout huge = live_layout(300, true, 100);
	EXPECT_EQ(huge.find(LiveColumn::history)->width, 60u) << "60 intervals, no more";
	EXPECT_EQ(huge.find(LiveColumn::name)->width, 24u);

	// The in column, where the model has the input half, still at 80.
	LiveLayout in80 = live_layout(79, true, 20);
	EXPECT_LE(in80.width, 79u);
	EXPECT_TRUE(in80.find(LiveColumn::in));
	EXPECT_FALSE(narrow.find(LiveColumn::in));
	for (std::size_t w = 40; w < 200; w++)
		EXPECT_LE(live_layout(w, true, 30).width, std::max<std::size_t>(w, 70)) << w;
}

TEST(LiveRows, LinesHaveTheLayoutsWidthAndCellsInTheirColumns)
{
	LiveLayout l = live_layout(79, false, 12);
	std::string header = live_header(l);
	EXPECT_TRUE(header.starts_with("NAME")) << header;
	EXPECT_NE(header.find("LOG/s"), std::string::npos);
	EXPECT_NE(header.find("LAST SEND"), std::string::npos);

	LiveRow r = row("log-router", 1536, 12 * 1024, 1);
	r.last_send_age = 3.2;
	r.sends = true;
	r.restarts = 2;
	r.silent_s = 12;
	r.history = {0, 100, 200};
	std::string line = live_line(r, l, true, true);
	EXPECT_EQ(display_width(line), l.width) << line;
	auto at = [&](LiveColumn c) {
		const ColumnSpan *s = l.find(c);
		return live_cell(r, c, s->width, true, true);
	};
	EXPECT_EQ(at(LiveColumn::log), " 1.5K");
	EXPECT_EQ(at(LiveColumn::socket), "   12K");
	EXPECT_EQ(at(LiveColumn::last_send), "   3s ago");
	EXPECT_EQ(at(LiveColumn::state), "SILENT");
	EXPECT_EQ(live_cell(r, LiveColumn::state, 7, true, false), "") << "SILENT is --alert-silence's";
	EXPECT_TRUE(at(LiveColumn::history).ends_with(" ▄█")) << at(LiveColumn::history);
	EXPECT_TRUE(line.starts_with("log-router")) << line;

	r.rates.reset();
	r.state = "stopped";
	EXPECT_EQ(at(LiveColumn::log), "    -");
	EXPECT_EQ(at(LiveColumn::state), "STOPPED");
}

TEST(LiveRows, FromTheReportAndTheTracker)
{
	TargetReport tr = log_router_report();
	tr.key = 386;
	tr.target.name = "log\x1b[2Jrouter"; // a name must not drive the terminal
	tr.window.destinations.begin()->second.last_success_ns = 7'000'000'000;
	tr.restarts = 1;
	tr.state = "running";
	Report r = interval_of(tr);
	r.now_ns = 10'000'000'000;
	RateTracker t;
	t.update(r);
	auto rows = live_rows(r, t);
	ASSERT_EQ(rows.size(), 1u);
	EXPECT_EQ(rows[0].key, 386u);
	EXPECT_EQ(rows[0].name, "log?[2Jrouter");
	EXPECT_EQ(rows[0].state, "") << "running says nothing";
	EXPECT_EQ(rows[0].restarts, 1);
	EXPECT_DOUBLE_EQ(*rows[0].last_send_age, 3.0);
	EXPECT_TRUE(rows[0].sends);
	EXPECT_FALSE(rows[0].rates);
}

} // namespace
} // namespace bpfwatch
