// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/live_rows.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "aggregator/delivery_view.h"
#include "output/text.h"

namespace bpfwatch {
namespace {

struct ColumnSpec {
	LiveColumn column;
	std::size_t width;
	// Dropped first when the line is too narrow: the highest number; 0
	// is never dropped.
	int priority;
};

// Line order. The name and the sparkline get what the others leave.
constexpr std::array<ColumnSpec, 14> kColumns = {{
	{LiveColumn::name, 0, 0},
	{LiveColumn::log, 5, 0},
	{LiveColumn::file, 6, 1},
	{LiveColumn::socket, 6, 0},
	{LiveColumn::left, 6, 0},
	{LiveColumn::in, 4, 1},
	{LiveColumn::out, 5, 4},
	{LiveColumn::pipe, 6, 5},
	{LiveColumn::errors, 5, 1},
	{LiveColumn::restarts, 3, 3},
	{LiveColumn::last_send, 9, 0},
	{LiveColumn::state, 7, 2},
	{LiveColumn::runtime, 10, 6},
	{LiveColumn::history, 0, 0},
}};

constexpr std::size_t kNameMin = 12, kNameMax = 24;
constexpr std::size_t kHistoryMin = 8;

std::string lower(std::string_view s)
{
	std::string out(s);
	for (char &c : out)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return out;
}

// Errors are counted, not sized: "0", "3", "<1", "250", "1.2k".
std::string compact_count(double v)
{
	if (!(v > 0))
		return "0";
	if (v < 0.5)
		return "<1";
	if (v < 999.5)
		return fmt::format("{:.0f}", v);
	if (v < 9950)
		return fmt::format("{:.1f}k", v / 1000);
	if (v < 999500)
		return fmt::format("{:.0f}k", v / 1000);
	return fmt::format("{:.0f}M", std::min(v / 1e6, 999.0));
}

std::optional<double> rate_of(const LiveRow &row, LiveColumn c)
{
	if (!row.rates)
		return std::nullopt;
	const TargetRates &r = *row.rates;
	switch (c) {
	case LiveColumn::log:
		return r.log;
	case LiveColumn::file:
		return r.kind(FdKind::file);
	case LiveColumn::socket:
		return r.kind(FdKind::socket);
	case LiveColumn::pipe:
		return r.kind(FdKind::pipe);
	case LiveColumn::left:
		return r.left_host;
	case LiveColumn::in:
		return r.in;
	case LiveColumn::out:
		return r.out;
	case LiveColumn::errors:
		return r.errors;
	default:
		return std::nullopt;
	}
}

// The number a column sorts by, bigger first: rows with nothing to show
// go last.
double sort_value(const LiveRow &row, LiveColumn c)
{
	constexpr double kNothing = -1;
	switch (c) {
	case LiveColumn::restarts:
		return row.restarts;
	case LiveColumn::last_send:
		if (row.last_send_age)
			return *row.last_send_age;
		// Tried and never got a byte out: the quietest of all.
		return row.sends ? std::numeric_limits<double>::infinity() : kNothing;
	default:
		return rate_of(row, c).value_or(kNothing);
	}
}

} // namespace

std::string live_cell(const LiveRow &row, LiveColumn c, std::size_t width, bool utf8, bool show_silent)
{
	switch (c) {
	case LiveColumn::name:
		return fit_name(row.name, width);
	case LiveColumn::runtime:
		return truncate_end(row.runtime, width);
	case LiveColumn::restarts:
		return fmt::format("{:>{}}", row.restarts, width);
	case LiveColumn::last_send: {
		std::string age = row.last_send_age ? compact_age(*row.last_send_age) : row.sends ? "never" : "-";
		return fmt::format("{:>{}}", age, width);
	}
	case LiveColumn::state: {
		std::string s = show_silent && row.silent_s ? "SILENT" : "";
		if (row.state == "stopped" || row.state == "removed")
			s = row.state == "stopped" ? "STOPPED" : "REMOVED";
		return s;
	}
	case LiveColumn::history: {
		std::string spark = sparkline(row.history, width, utf8);
		return std::string(width - display_width(spark), ' ') + spark;
	}
	case LiveColumn::errors: {
		auto v = rate_of(row, c);
		return fmt::format("{:>{}}", v ? compact_count(*v) : "-", width);
	}
	default: {
		auto v = rate_of(row, c);
		return fmt::format("{:>{}}", v ? compact_rate(*v) : "-", width);
	}
	}
}

namespace {

bool right_aligned(LiveColumn c)
{
	return c != LiveColumn::name && c != LiveColumn::state && c != LiveColumn::runtime;
}

} // namespace

std::vector<LiveRow> live_rows(const Report &report, const RateTracker &tracker)
{
	std::vector<LiveRow> rows;
	rows.reserve(report.targets.size());
	for (const TargetReport &tr : report.targets) {
		LiveRow row;
		row.key = tr.key;
		row.name = printable(tr.target.name);
		row.runtime = printable(tr.target.runtime);
		if (tr.state == "stopped" || tr.state == "removed")
			row.state = tr.state;
		row.restarts = tr.restarts;
		if (const TargetRates *r = tracker.rates(tr.key))
			row.rates = *r;
		std::uint64_t last = 0;
		for (const auto &[dest, s] : tr.window.destinations)
			last = std::max(last, s.last_success_ns);
		row.last_send_age = age_s(last, report.now_ns);
		// Sends, or connects (refused ones too); a peer it only accepted
		// is not one it sends to.
		row.sends = !tr.window.destinations.empty();
		for (const auto &[peer, d] : tr.window.delivery)
			row.sends = row.sends || d.tcp.connect_attempts > 0;
		row.silent_s = tr.silent_s;
		const std::deque<double> &h = tracker.history(tr.key);
		row.history.assign(h.begin(), h.end());
		rows.push_back(std::move(row));
	}
	return rows;
}

bool name_matches(const LiveRow &row, std::string_view filter)
{
	return filter.empty() || lower(row.name).find(lower(filter)) != std::string::npos;
}

bool sortable(LiveColumn c)
{
	return c != LiveColumn::state && c != LiveColumn::history;
}

void sort_rows(std::vector<LiveRow> &rows, LiveColumn by, bool reverse)
{
	auto by_name = [](const LiveRow &a, const LiveRow &b) {
		return a.name != b.name ? a.name < b.name : a.key < b.key;
	};
	std::sort(rows.begin(), rows.end(), [&](const LiveRow &a, const LiveRow &b) {
		if (by == LiveColumn::name || by == LiveColumn::runtime) {
			const std::string &x = by == LiveColumn::name ? a.name : a.runtime;
			const std::string &y = by == LiveColumn::name ? b.name : b.runtime;
			if (x != y)
				return reverse ? x > y : x < y;
			return by_name(a, b);
		}
		double x = sort_value(a, by), y = sort_value(b, by);
		if (x != y)
			return reverse ? x < y : x > y;
		return by_name(a, b);
	});
}

const ColumnSpan *LiveLayout::find(LiveColumn c) const
{
	for (const ColumnSpan &s : columns)
		if (s.column == c)
			return &s;
	return nullptr;
}

LiveLayout live_layout(std::size_t width, bool with_input, std::size_t longest_name)
{
	std::vector<ColumnSpec> cols;
	for (const ColumnSpec &c : kColumns)
		if (c.column != LiveColumn::in || with_input)
			cols.push_back(c);
	// The name, then each other column after a space.
	auto needed = [&] {
		std::size_t n = kNameMin;
		for (const ColumnSpec &c : cols)
			n += c.column == LiveColumn::name ? 0 : 1 + (c.column == LiveColumn::history ? kHistoryMin : c.width);
		return n;
	};
	while (needed() > width) {
		auto drop = cols.end();
		for (auto it = cols.begin(); it != cols.end(); ++it)
			if (it->priority > 0 && (drop == cols.end() || it->priority >= drop->priority))
				drop = it;
		if (drop == cols.end())
			break; // narrower than the essentials: they overflow, the screen cuts
		cols.erase(drop);
	}
	std::size_t spare = width > needed() ? width - needed() : 0;
	std::size_t name_width = std::clamp(longest_name, kNameMin, kNameMax);
	name_width = std::min(name_width, kNameMin + spare);
	spare -= name_width - kNameMin;
	std::size_t history_width = kHistoryMin + std::min(spare, RateTracker::kHistory - kHistoryMin);

	LiveLayout layout;
	std::size_t x = 0;
	for (const ColumnSpec &c : cols) {
		std::size_t w = c.column == LiveColumn::name      ? name_width
				: c.column == LiveColumn::history ? history_width
								  : c.width;
		if (c.column != LiveColumn::name)
			x++;
		layout.columns.push_back({c.column, x, w});
		x += w;
	}
	layout.width = x;
	return layout;
}

std::string column_title(LiveColumn c)
{
	switch (c) {
	case LiveColumn::name:
		return "NAME";
	case LiveColumn::log:
		return "LOG/s";
	case LiveColumn::file:
		return "FILE/s";
	case LiveColumn::socket:
		return "SOCK/s";
	case LiveColumn::left:
		return "LEFT/s";
	case LiveColumn::in:
		return "IN/s";
	case LiveColumn::out:
		return "OUT/s";
	case LiveColumn::pipe:
		return "PIPE/s";
	case LiveColumn::errors:
		return "ERR/s";
	case LiveColumn::restarts:
		return "RST";
	case LiveColumn::last_send:
		return "LAST SEND";
	case LiveColumn::state:
		return "STATE";
	case LiveColumn::runtime:
		return "RUNTIME";
	case LiveColumn::history:
		return "OUT/s HISTORY";
	}
	return "?";
}

std::string live_header(const LiveLayout &layout)
{
	std::string line;
	for (const ColumnSpan &s : layout.columns) {
		line.append(s.x - display_width(line), ' ');
		std::string title = column_title(s.column);
		if (s.column == LiveColumn::history) // says how far back it goes
			title = s.width >= 16 ? fmt::format("OUT/s, LAST {}s", s.width) : fmt::format("OUT {}s", s.width);
		title = truncate_end(title, s.width);
		line += right_aligned(s.column) ? fmt::format("{:>{}}", title, s.width) : pad_right(title, s.width);
	}
	return line;
}

std::string live_line(const LiveRow &row, const LiveLayout &layout, bool utf8, bool show_silent)
{
	std::string line;
	for (const ColumnSpan &s : layout.columns) {
		line.append(s.x - display_width(line), ' ');
		std::string text = live_cell(row, s.column, s.width, utf8, show_silent);
		line += pad_right(truncate_end(text, s.width), s.width);
	}
	return line;
}

std::string sparkline(const std::vector<double> &values, std::size_t width, bool utf8)
{
	static constexpr std::array<std::string_view, 8> kBlocks = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	static constexpr std::string_view kAscii = ".:-=+*#@";
	std::size_t n = std::min(width, values.size());
	auto first = values.end() - static_cast<std::ptrdiff_t>(n);
	double max = 0;
	for (auto it = first; it != values.end(); ++it)
		max = std::max(max, *it);
	std::string out;
	for (auto it = first; it != values.end(); ++it) {
		if (!(*it > 0)) {
			out += ' ';
			continue;
		}
		auto level = static_cast<std::size_t>(std::ceil(*it / max * 8));
		level = std::clamp<std::size_t>(level, 1, 8) - 1;
		if (utf8)
			out += kBlocks[level];
		else
			out += kAscii[level];
	}
	return out;
}

std::string compact_rate(double v)
{
	static constexpr std::array<char, 6> units = {'K', 'M', 'G', 'T', 'P', 'E'};
	if (!(v > 0))
		return "0";
	if (v < 999.5)
		return fmt::format("{:.0f}", v);
	double x = v / 1024;
	for (char unit : units) {
		if (x < 9.95)
			return fmt::format("{:.1f}{}", x, unit);
		if (x < 999.5)
			return fmt::format("{:.0f}{}", x, unit);
		x /= 1024;
	}
	return "big";
}

std::string compact_age(double seconds)
{
	auto s = static_cast<std::uint64_t>(std::max(0.0, std::floor(seconds)));
	if (s < 60)
		return fmt::format("{}s ago", s);
	if (s < 3600)
		return fmt::format("{}m ago", s / 60);
	if (s < 86400)
		return fmt::format("{}h ago", s / 3600);
	return fmt::format("{}d ago", s / 86400);
}

} // namespace bpfwatch
