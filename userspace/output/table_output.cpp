// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The human output: report blocks (table_block.h), and --events as one line
// per record in the manner of the bcc/libbpf-tools trace tools.
#include <cstdint>
#include <ostream>

#include <fmt/format.h>

#include "output/event_fields.h"
#include "output/format.h"
#include "output/output.h"
#include "output/table_block.h"
#include "output/text.h"
#include "output/warnings.h"

namespace bpfwatch {
namespace {

// Event columns. Together they make an 80-column header; a wider value
// (a 7-digit pid, "-ECONNREFUSED") pushes the rest of its line right
// rather than being cut.
constexpr std::size_t kTimeWidth = 8;
constexpr std::size_t kContainerWidth = 10;
constexpr std::size_t kPidWidth = 7;
constexpr std::size_t kCommWidth = 15; // TASK_COMM_LEN - 1
constexpr std::size_t kSyscallWidth = 10; // "sendfile64"
constexpr std::size_t kKindWidth = 6;     // "socket"
constexpr std::size_t kBytesWidth = 6;

std::string event_row(std::string_view time, std::string_view container, std::string_view pid,
		      std::string_view comm, std::string_view syscall, std::string_view kind,
		      std::string_view bytes, std::string_view dest)
{
	std::string row = fmt::format("{} {} {:<{}} {} {:<{}} {:<{}} {:>{}}", pad_right(time, kTimeWidth),
				      pad_right(container, kContainerWidth), pid, kPidWidth,
				      pad_right(comm, kCommWidth), syscall, kSyscallWidth, kind, kKindWidth,
				      bytes, kBytesWidth);
	if (!dest.empty())
		row += fmt::format(" {}", dest);
	return row;
}

class TableOutput : public Output {
public:
	TableOutput(std::ostream &out, const OutputOptions &options) : out_(out), options_(options) {}

	void report(const Report &report) override
	{
		for (const Warning &w : report_warnings(report))
			print_lines(wrap("warning: " + w.message, kTableWidth, "", "  "));
		for (const Degraded &d : report.degraded)
			print_lines(wrap("degraded: " + degraded_message(d), kTableWidth, "", "  "));
		if (report.kind == Report::Kind::Summary) {
			out_ << fmt::format("=== summary after {} ===\n", format_duration(report.duration_s));
			if (report.targets.empty())
				out_ << "no targets\n";
		}
		for (const TargetReport &tr : report.targets) {
			print_lines(table_block(tr, report, options_));
			out_ << '\n';
		}
		out_.flush();
	}

	void record(const Record &event, const Target &target) override
	{
		if (!header_printed_) {
			out_ << event_row("TIME(s)", "CONTAINER", "PID", "COMM", "SYSCALL", "KIND", "BYTES",
					  "DESTINATION")
			     << '\n';
			header_printed_ = true;
		}
		std::string time;
		if (event.ts_ns) {
			if (!first_ts_ns_)
				first_ts_ns_ = event.ts_ns;
			// Signed: records from different CPUs may arrive slightly out of order.
			auto delta = static_cast<std::int64_t>(event.ts_ns - first_ts_ns_);
			time = fmt::format("{:.3f}", static_cast<double>(delta) / 1e9);
		}
		std::string bytes = event.ret >= 0 ? fmt::format("{}", event.ret)
						   : "-" + errno_name(static_cast<int>(-event.ret));
		auto dest = record_destination(event);
		out_ << event_row(time, fit_name(printable(target.name), kContainerWidth),
				  fmt::format("{}", event.pid), record_comm(event), syscall_name(event.syscall),
				  kind_name(event.kind), bytes, dest ? printable(dest->to_string()) : "")
		     << '\n';
	}

	void flush() override { out_.flush(); }

	void alert(const SilenceAlert &a, const Target &target) override
	{
		std::string text;
		// What kept it busy meanwhile: its writes, its input, or both.
		std::string busy = fmt::format("wrote {} to its log and files", format_bytes(a.written_bytes));
		if (a.received_bytes)
			busy = a.written_bytes ? busy + fmt::format(" and received {}", format_bytes(a.received_bytes))
					       : fmt::format("received {}", format_bytes(a.received_bytes));
		if (a.sent_bytes) // sending, but the peer takes nothing: a dark log host
			text = fmt::format("ALERT: {}: nothing acknowledged for {} while it {}; sent {}, 0 B "
					   "acknowledged, {} retransmits: the peer does not answer",
					   printable(target.name), format_duration(a.silent_s), busy,
					   format_bytes(a.sent_bytes), a.retransmits);
		else
			text = fmt::format("ALERT: {}: no socket bytes sent for {} while it {}{}", printable(target.name),
					   format_duration(a.silent_s), busy,
					   a.socket_errors ? fmt::format(", {} failed sends or connects", a.socket_errors)
							   : "");
		print_lines(wrap(text, kTableWidth, "", "  "));
		out_.flush();
	}

	void notice(const std::string &kind, const Target &target, const std::string &message) override
	{
		// Warnings and errors say so; anything else is for information.
		std::string label = kind == "warning" || kind == "error" ? kind : "note";
		print_lines(wrap(fmt::format("{}: {}: {}", label, printable(target.name), message), kTableWidth,
				 "", "  "));
		out_.flush();
	}

private:
	void print_lines(const std::vector<std::string> &lines)
	{
		for (const std::string &l : lines)
			out_ << l << '\n';
	}

	std::ostream &out_;
	OutputOptions options_;
	bool header_printed_ = false;
	std::uint64_t first_ts_ns_ = 0;
};

} // namespace

std::unique_ptr<Output> make_table_output(std::ostream &out, const OutputOptions &options)
{
	return std::make_unique<TableOutput>(out, options);
}

} // namespace bpfwatch
