// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/table_block.h"

#include <sys/socket.h>

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "aggregator/delivery_view.h"
#include "aggregator/flow.h"
#include "aggregator/ranking.h"
#include "output/flow_text.h"
#include "output/format.h"
#include "output/histogram_text.h"
#include "output/text.h"
#include "targets/orchestration.h"

namespace bpfwatch {
namespace {

using Lines = std::vector<std::string>;

// Where the header's "interval 5.0s" ends: clear of the tables below it.
constexpr std::size_t kHeaderRightEdge = 68;
// A long name must leave room for the runtime, id and cgroup after it.
constexpr std::size_t kMaxNameWidth = 32;
constexpr std::size_t kShortIdLength = 12; // as `docker ps` shows ids

// Destination table: the address column grows with the addresses shown,
// up to what leaves room for the three number columns.
constexpr std::size_t kDestMinWidth = 29;
constexpr std::size_t kDestNumbersWidth = 11 + 9 + 8;
constexpr std::size_t kDestMaxWidth = kTableWidth - 2 - kDestNumbersWidth;

void append(Lines &out, Lines more)
{
	for (std::string &l : more)
		out.push_back(std::move(l));
}

// The pod or task a container runs in: "pod shop/web-0", "task 8f03e4";
// "" when none.
std::string owner(const Target &t)
{
	if (!t.pod.empty())
		return "pod " + printable(t.pod_namespace + "/" + t.pod);
	if (!t.task.empty())
		return "task " + printable(ecs_task_id(t.task));
	return "";
}

// The part after the name: "docker 3f2a1c9e0b12  pod shop/web-0  cgroup 386
// restarts 2", shorter at each `level` (no id, then no runtime, then no pod
// or task) for a line that must fit.
std::string header_detail(const TargetReport &tr, int level)
{
	const Target &t = tr.target;
	std::string who = level < 2 ? printable(t.runtime) : "";
	if (level < 1 && !t.container_id.empty())
		who += (who.empty() ? "" : " ") + printable(t.container_id.substr(0, kShortIdLength));
	if (std::string o = owner(t); level < 3 && !o.empty())
		who += (who.empty() ? "" : "  ") + o;
	std::string rest = fmt::format("{}{}cgroup {}", who, who.empty() ? "" : "  ", t.cgroup_id);
	if (tr.restarts)
		rest += fmt::format("  restarts {}", tr.restarts);
	return rest;
}

std::string header(const TargetReport &tr, const Report &report)
{
	std::string right;
	// Silence and a target that is down are the news: they go where the
	// eye lands, before the interval.
	if (tr.state == "stopped" || tr.state == "removed")
		right = tr.state == "stopped" ? "STOPPED" : "REMOVED";
	if (tr.silent_s)
		right += (right.empty() ? "" : "  ") + ("SILENT " + format_duration(*tr.silent_s));
	if (report.kind == Report::Kind::Interval)
		right += (right.empty() ? "" : "  ") + std::string("interval ") + format_duration(report.duration_s);

	// The name keeps at least a few columns; the detail gives way first.
	constexpr std::size_t kMinName = 8;
	std::string rest;
	for (int level = 0; level < 4; level++) {
		rest = header_detail(tr, level);
		if (2 + rest.size() + (right.empty() ? 0 : 2 + right.size()) + kMinName <= kTableWidth)
			break;
	}
	std::size_t used = 2 + rest.size() + (right.empty() ? 0 : 2 + right.size());
	std::size_t room = kTableWidth > used + 4 ? kTableWidth - used : 4;
	std::string left = fit_name(printable(tr.target.name), std::min(room, kMaxNameWidth)) + "  " + rest;
	if (right.empty())
		return left;
	std::size_t w = display_width(left);
	std::size_t gap = w + 2 + right.size() <= kHeaderRightEdge ? kHeaderRightEdge - right.size() - w : 2;
	return left + std::string(gap, ' ') + right;
}

std::string kind_row(std::string_view label, const Counts &c)
{
	return fmt::format("  {:<6}{:>11}{:>11}{:>8}", label, format_bytes(c.bytes), c.calls, c.errors);
}

// The input side's columns, right of the output's: 41 wide, to 79.
std::string input_cells(const InputCounts &c)
{
	return fmt::format("{:>12}{:>8}{:>8}{:>6}{:>7}", format_bytes(c.bytes), c.calls, c.errors, c.eof, c.again);
}

// Out and in per kind, side by side; the input columns only where there
// was input.
Lines kinds(const Window &w, bool log_known)
{
	Lines out;
	bool input = w.input.total().any();
	for (FdKind k : kAllFdKinds) {
		if (!w.kind(k).any() && !(input && w.input.kind(k).any()))
			continue;
		out.push_back(kind_row(kind_name(k), w.kind(k)) + (input ? input_cells(w.input.kind(k)) : ""));
	}
	if (out.empty())
		return {"  no writes or sends"};
	out.insert(out.begin(), fmt::format("  {:<6}{:>11}{:>11}{:>8}", "kind", "bytes", "calls", "errors") +
					(input ? fmt::format("{:>12}{:>8}{:>8}{:>6}{:>7}", "in bytes", "calls",
							     "errors", "eof", "again")
					       : ""));
	out.push_back(kind_row("total", w.total()) + (input ? input_cells(w.input.total()) : ""));
	// Calls already in the kinds above, seen another way, so after the
	// total: on fd 1 and 2 of any process, and into the container's log.
	if (w.stdio.any())
		out.push_back(kind_row("stdio", w.stdio) + "  (fd 1 and 2)");
	if (log_known)
		out.push_back(kind_row("log", w.log) + "  (what the runtime logs)");
	return out;
}

// The errnos of one destination in a few columns: the most frequent name,
// and "+N" for N other errnos. The block's "errors:" line has them all.
std::string errno_brief(const DestinationStats &s)
{
	if (s.errnos.empty())
		return "";
	auto ranked = ranked_errnos(s.errnos);
	std::string brief = errno_name(ranked.front().first);
	if (ranked.size() > 1)
		brief += fmt::format("+{}", ranked.size() - 1);
	return brief;
}

// A destination's name in `width` columns. A long IPv6 peer gives way in
// its address, never its port: "udp [2001:db8:1111:…]:65535" says which
// service; the other long names (AF_UNIX paths) are cut at the end.
std::string fit_destination(const Endpoint &d, std::size_t width)
{
	std::string name = printable(d.to_string());
	if (display_width(name) <= width || d.family != AF_INET6 || !d.connected())
		return truncate_end(name, width);
	std::string head = d.proto_name() + " [", tail = "]:" + std::to_string(d.port);
	if (head.size() + tail.size() + 2 > width)
		return truncate_end(name, width);
	return head + truncate_end(d.address(), width - head.size() - tail.size()) + tail;
}

Lines destinations(const Window &w, std::size_t top, std::uint64_t now_ns)
{
	Lines out;
	auto ranked = ranked_destinations(w);
	// 0 shows them all, like JSON does.
	std::size_t shown = top == 0 ? ranked.size() : std::min(top, ranked.size());
	if (shown > 0) {
		std::vector<std::string> names;
		std::size_t width = kDestMinWidth;
		for (std::size_t i = 0; i < shown; i++) {
			names.push_back(printable(ranked[i].first->to_string()));
			width = std::max(width, std::min(display_width(names.back()), kDestMaxWidth));
		}
		out.push_back(fmt::format("  {}{:>11}{:>9}{:>8}", pad_right("destination", width), "bytes",
					  "calls", "errors"));
		for (std::size_t i = 0; i < shown; i++) {
			const DestinationStats &s = *ranked[i].second;
			std::string row = fmt::format("  {}{:>11}{:>9}{:>8}",
						      pad_right(fit_destination(*ranked[i].first, width), width),
						      format_bytes(s.counts.bytes), s.counts.calls, s.counts.errors);
			std::string errnos = errno_brief(s), brief = errnos;
			// "last successful send N s ago": how long a silent peer has been so.
			if (auto age = age_s(s.last_success_ns, now_ns))
				brief += (brief.empty() ? "" : " ") + fmt::format("ok {} ago", format_duration(*age));
			if (brief.empty()) {
				out.push_back(std::move(row));
			} else if (display_width(row) + 1 + brief.size() <= kTableWidth) {
				out.push_back(row + " " + brief);
			} else { // a wide address took the room: the rest goes below it
				out.push_back(std::move(row));
				out.push_back((errnos.empty() ? "    " : "    errnos: ") + brief);
			}
		}
	}
	if (shown < ranked.size()) {
		Counts rest;
		for (std::size_t i = shown; i < ranked.size(); i++)
			rest += ranked[i].second->counts;
		out.push_back(fmt::format("  … {} more: {}, {} calls, {} errors", ranked.size() - shown,
					  format_bytes(rest.bytes), rest.calls, rest.errors));
	}
	if (w.destinations_overflow)
		append(out, wrap(fmt::format("+ {} calls ({}) to destinations past the per-container bound, "
					     "not itemised",
					     w.destinations_overflow, format_bytes(w.overflowed().bytes)),
				 kTableWidth, "  ", "    "));
	if (w.delivery_overflow)
		out.push_back(fmt::format("  + {} peers' delivery numbers past the bound, not itemised", w.delivery_overflow));
	return out;
}

// The top sources of the input side, like the destinations: its peers by
// bytes, with their ends of stream and EAGAINs.
Lines sources(const InputWindow &in, std::size_t top, std::uint64_t now_ns)
{
	auto ranked = ranked_sources(in);
	std::size_t shown = top == 0 ? ranked.size() : std::min(top, ranked.size());
	Lines out;
	if (shown > 0) {
		std::size_t width = kDestMinWidth;
		for (std::size_t i = 0; i < shown; i++)
			width = std::max(width, std::min(display_width(printable(ranked[i].first->to_string())),
							 kDestMaxWidth));
		out.push_back(fmt::format("  {}{:>11}{:>9}{:>8}", pad_right("source", width), "bytes", "calls",
					  "errors"));
		for (std::size_t i = 0; i < shown; i++) {
			const SourceStats &s = *ranked[i].second;
			std::string row = fmt::format("  {}{:>11}{:>9}{:>8}",
						      pad_right(fit_destination(*ranked[i].first, width), width),
						      format_bytes(s.counts.bytes), s.counts.calls, s.counts.errors);
			std::vector<std::string> notes;
			if (s.counts.eof)
				notes.push_back(fmt::format("eof {}", s.counts.eof));
			if (s.counts.again)
				notes.push_back(fmt::format("EAGAIN {}", s.counts.again));
			if (!s.errnos.empty())
				notes.push_back(errno_name(ranked_errnos(s.errnos).front().first));
			if (auto age = age_s(s.last_read_ns, now_ns))
				notes.push_back(fmt::format("read {} ago", format_duration(*age)));
			std::string brief = fmt::format("{}", fmt::join(notes, " "));
			if (brief.empty())
				out.push_back(std::move(row));
			else if (display_width(row) + 1 + brief.size() <= kTableWidth)
				out.push_back(row + " " + brief);
			else {
				out.push_back(std::move(row));
				out.push_back("    " + brief);
			}
		}
	}
	if (shown < ranked.size()) {
		InputCounts rest;
		for (std::size_t i = shown; i < ranked.size(); i++)
			rest += ranked[i].second->counts;
		out.push_back(fmt::format("  … {} more: {}, {} calls, {} errors", ranked.size() - shown,
					  format_bytes(rest.bytes), rest.calls, rest.errors));
	}
	if (in.sources_overflow)
		append(out, wrap(fmt::format("+ {} reads from sources past the table's bound, not itemised",
					     in.sources_overflow),
				 kTableWidth, "  ", "    "));
	return out;
}

// The input side's errnos (EAGAIN aside: it is in the kinds table).
Lines input_errors(const InputWindow &in)
{
	if (in.errnos.empty())
		return {};
	std::vector<std::string> items;
	for (const auto &[err, calls] : ranked_errnos(in.errnos))
		items.push_back(fmt::format("{} {}", errno_name(err), calls));
	return wrap_items(items, ", ", kTableWidth, "  read errors: ", "               ");
}

// The short name of a locality, to fit the delivery table.
std::string_view where(std::optional<Locality> l)
{
	if (!l)
		return "?";
	return *l == Locality::local_container ? "container" : to_string(*l);
}

std::string age_text(std::optional<double> age)
{
	return age ? format_duration(*age) : "-";
}

// What the network did with each peer's bytes: acknowledged, in flight,
// retransmitted, left the host as IP packets, and when the last ACK came.
Lines delivery(const TargetReport &tr, const Report &report)
{
	if (!report.delivery_stats)
		return {};
	std::vector<PeerRow> rows = delivery_rows(tr);
	if (rows.empty())
		return {};
	// The last column is 9: "1h02m03s" and a space, and the line 79 wide.
	Lines out{fmt::format("  {:<22}{:<10}{:>9}{:>9}{:>8}{:>10}{:>9}", "delivery", "where", "acked", "unacked",
			      "retrans", "left host", "last ack")};
	for (const PeerRow &row : rows) {
		const PeerDelivery &d = *row.delivery;
		bool remote = row.locality == Locality::remote;
		out.push_back(fmt::format("  {:<22}{:<10}{:>9}{:>9}{:>8}{:>10}{:>9}",
					  fit_destination(row.peer, 21), where(row.locality),
					  format_bytes(d.tcp.bytes_acked), format_bytes(d.tcp.unacked),
					  d.tcp.retrans_segs, remote ? format_bytes(d.egress.bytes) : "-",
					  age_text(age_s(d.tcp.last_ack_ns, report.now_ns))));
		std::vector<std::string> failures;
		for (const auto &[err, n] : ranked_errnos(d.tcp.connect_errors))
			failures.push_back(fmt::format("{} {}", connect_error_name(err), n));
		for (const auto &[err, n] : ranked_errnos(d.icmp_errors))
			failures.push_back(fmt::format("{} {} (ICMP)", errno_name(err), n));
		if (d.tcp.resets_received)
			failures.push_back(fmt::format("{} resets received", d.tcp.resets_received));
		if (!failures.empty())
			append(out, wrap_items(failures, ", ", kTableWidth, "    connect: ", "             "));
	}
	DeliveryTotals t = delivery_totals(tr);
	// Two halves that break, if they must, only between them: never
	// between a number and its unit.
	append(out, wrap_items({fmt::format("left the host: {} in {} packets;", format_bytes(t.left_host_bytes),
					    t.left_host_packets),
				fmt::format("acked by remote peers: {}", format_bytes(t.acked_remote_bytes))},
			       " ", kTableWidth, "  ", "    "));
	return out;
}

Lines errors(const Window &w)
{
	if (w.errnos.empty())
		return {};
	std::vector<std::string> items;
	for (const auto &[err, calls] : ranked_errnos(w.errnos))
		items.push_back(fmt::format("{} {}", errno_name(err), calls));
	return wrap_items(items, ", ", kTableWidth, "  errors: ", "          ");
}

Lines lost(const Window &w, Report::Kind kind)
{
	if (w.lost_events == 0)
		return {"  lost events: 0 (detail complete)"};
	// Two sentences on two lines, each wrapped only if a huge count needs it.
	std::string_view span = kind == Report::Kind::Interval ? "this interval" : "this run";
	Lines out = wrap(fmt::format("lost events: {} — destinations, errors and histogram are incomplete",
				     w.lost_events),
			 kTableWidth, "  ", "    ");
	append(out, wrap(fmt::format("for {}; totals are exact", span), kTableWidth, "    ", "    "));
	return out;
}

void append_text(Lines &out, const std::string &text)
{
	std::size_t pos = 0, nl;
	while ((nl = text.find('\n', pos)) != std::string::npos) {
		out.push_back(text.substr(pos, nl - pos));
		pos = nl + 1;
	}
}

// One histogram per view with successful calls: the fd kinds, then stdio
// and log again, as the kinds table lists them.
Lines histograms(const Window &w, const Report &report)
{
	// An interval's numbers are the interval's; say so where they are not.
	std::string_view span =
		report.kind == Report::Kind::Interval && report.sizes_since_start ? ", since the start" : "";
	Lines out;
	for (WriteView v : kAllWriteViews) {
		auto it = w.detail.find(v);
		if (it == w.detail.end() || it->second.sizes.total() == 0)
			continue;
		append_text(out, histogram_text(it->second.sizes, "  ", kTableWidth,
						fmt::format("bytes per call (log2), {}{}", write_view_name(v), span)));
	}
	return out;
}

} // namespace

Lines table_block(const TargetReport &tr, const Report &report, const OutputOptions &options)
{
	const Window &w = tr.window;
	Lines out{header(tr, report)};
	// The flow in one line, where there is an input side to set beside
	// the output: which half stopped is the first question.
	if (w.input.active())
		append(out, wrap("flow: " + flow_text(flow_of(w)), kTableWidth, "  ", "    "));
	append(out, kinds(w, tr.log_known));
	append(out, destinations(w, options.top_destinations, report.now_ns));
	append(out, sources(w.input, options.top_destinations, report.now_ns));
	append(out, delivery(tr, report));
	append(out, errors(w));
	append(out, input_errors(w.input));
	if (options.histogram)
		append(out, histograms(w, report));
	append(out, lost(w, report.kind));
	if (!tr.note.empty())
		append(out, wrap("note: " + tr.note, kTableWidth, "  ", "    "));
	return out;
}

} // namespace bpfwatch
