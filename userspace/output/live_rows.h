// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The live view's table without a terminal: one row per target from the
// model's since-start report and its rates, the order the user picked, the
// columns that fit a width, and each line as text. Pure functions, so the
// tests need no screen; output/live_view.cpp only puts these lines on one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aggregator/rates.h"
#include "aggregator/report.h"

namespace bpfwatch {

// Columns, in the order they appear when they fit.
enum class LiveColumn {
	name,
	log,       // bytes/s into the container's log (or its fd 1 and 2)
	file,      // bytes/s to files
	socket,    // bytes/s sent on sockets
	left,      // bytes/s of IP packets that left the host
	in,        // bytes/s read and received (only with the model's input half)
	out,       // bytes/s written and sent, every kind
	pipe,      // bytes/s to pipes (the log's and others)
	errors,    // failed calls/s
	restarts,  // lives after the first
	last_send, // since the last successful send to any peer
	state,     // SILENT (--alert-silence), STOPPED, REMOVED
	runtime,
	history,   // the sparkline of bytes out per second
};

struct LiveRow {
	std::uint64_t key = 0;
	std::string name; // printable
	std::string runtime;
	std::string state; // "stopped", "removed"; empty while it runs
	int restarts = 0;
	std::optional<TargetRates> rates; // none before its second tick
	// Seconds since its last successful send to any peer, since the
	// start; none when it never sent (then `sends` says if it tried).
	std::optional<double> last_send_age;
	bool sends = false; // sent or connected to any peer at all
	// How long the model has held it silent (aggregator/silence.h).
	std::optional<double> silent_s;
	std::vector<double> history; // bytes/s out per tick, oldest first
};

// The report's targets as rows, in report order.
std::vector<LiveRow> live_rows(const Report &since_start, const RateTracker &rates);
// Case-insensitive substring of the name; an empty filter keeps all.
bool name_matches(const LiveRow &row, std::string_view filter);

// Numbers biggest first, the name A to Z, the last send longest ago first
// (who went quiet comes up); `reverse` turns it round. Ties go by name,
// so rows keep their place between refreshes.
void sort_rows(std::vector<LiveRow> &rows, LiveColumn by, bool reverse);
bool sortable(LiveColumn c);

struct ColumnSpan {
	LiveColumn column;
	std::size_t x = 0;     // first column on the line
	std::size_t width = 0; // without the space before it
};

struct LiveLayout {
	std::vector<ColumnSpan> columns; // left to right
	std::size_t width = 0;           // of the whole line
	const ColumnSpan *find(LiveColumn c) const;
};

// The columns that fit `width` screen columns: at 80 the rates, errors,
// restarts, last send, state and a short sparkline; wider, the total out,
// pipes, the runtime and a longer sparkline (up to 60 s); the in column
// only `with_input`. The name column grows to fit `longest_name`.
LiveLayout live_layout(std::size_t width, bool with_input, std::size_t longest_name);

std::string live_header(const LiveLayout &layout);
// One cell's text in `width` columns (names and text left, numbers right).
std::string live_cell(const LiveRow &row, LiveColumn column, std::size_t width, bool utf8, bool show_silent);
// A row's line, every cell in its span. `utf8`: block characters in the
// sparkline, else ASCII.
std::string live_line(const LiveRow &row, const LiveLayout &layout, bool utf8, bool show_silent);
// The column's name as the header shows it: "LOG/s", "LAST SEND", ...
std::string column_title(LiveColumn c);

// The last `width` values as a sparkline, scaled to their maximum: a space
// for 0, else one of 8 levels ("▁".."█", or "_.-=+*#@" in ASCII). Shorter
// than `width` while there are fewer values; right-aligned by the caller.
std::string sparkline(const std::vector<double> &values, std::size_t width, bool utf8);
// A rate in at most 4 columns: "0", "512", "1.5K", "12K", "3.4M" (IEC).
std::string compact_rate(double bytes_per_s);
// "3s ago", "12m ago", "5h ago", "2d ago".
std::string compact_age(double seconds);

} // namespace bpfwatch
