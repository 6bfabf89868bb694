// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The ways of printing the model: a table for people, JSON lines for
// programs. Each formats what it is handed and decides nothing.
#pragma once

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>

#include "aggregator/report.h"
#include "aggregator/silence.h"
#include "probe/record.h"
#include "targets/target.h"

namespace bpfwatch {

struct OutputOptions {
	bool histogram = false;           // draw / emit the log2 histogram
	std::size_t top_destinations = 5; // table rows; JSON lists them all
};

class Output {
public:
	virtual ~Output() = default;
	virtual void report(const Report &report) = 0;
	// One record as it arrives (--events). Not flushed: the loop calls
	// flush() once per batch drained from the ring, as a flush per record
	// would cost a write(2) each.
	virtual void record(const Record &record, const Target &target) = 0;
	virtual void flush() = 0;
	// A one-off message for the reader, e.g. a container exiting.
	virtual void notice(const std::string &kind, const Target &target, const std::string &message) = 0;
	// A program bpfwatch runs without (Report::degraded), once at the
	// start; the watch loop says it on stderr for every output.
	virtual void degraded(const Degraded &d) { (void)d; }
	// --alert-silence fired for a target.
	virtual void alert(const SilenceAlert &alert, const Target &target) = 0;

	// An output that draws itself (the live view) rather than print each
	// report: the loop hands it the since-start report once a second, lets
	// it read its keys between polls, and makes no interval reports.
	virtual bool refreshes() const { return false; }
	virtual void refresh(const Report &since_start) { (void)since_start; }
	// Keys typed since the last call; false when the user asked to quit.
	virtual bool interact() { return true; }
	// Gives the terminal back and prints what waited for it (the live
	// view's final summary). The loop calls it when it is done.
	virtual void close() {}
};

std::unique_ptr<Output> make_table_output(std::ostream &out, const OutputOptions &options);
std::unique_ptr<Output> make_json_output(std::ostream &out);
// Prints nothing (--output none, with --metrics).
std::unique_ptr<Output> make_null_output();

} // namespace bpfwatch
