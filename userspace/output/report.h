// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the output layer is handed: named windows, ready to print.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "aggregator/locality.h"
#include "aggregator/window.h"
#include "probe/abi.h"
#include "probe/probe.h"
#include "aggregator/silence.h"
#include "targets/target.h"

namespace bpfwatch {

struct TargetReport {
	Target target;
	Window window;
	std::string note; // e.g. "container exited"; empty when nothing to say
	// Where each socket peer of the window is, seen from this host.
	std::map<Peer, Locality> locality;
	// Whether window.log counts anything: the container's log pipes were
	// found (a --cgroup target has no main process to ask).
	bool log_known = false;
	// --alert-silence: seconds the target has been silent (no socket byte
	// out while it writes), from its alert until bytes go out again.
	std::optional<double> silent_s;
};

struct Report {
	enum class Kind { Interval, Summary };
	Kind kind = Kind::Interval;
	double duration_s = 0;   // length of the window the numbers cover
	ProbeStats stats;        // kernel-side health, cumulative
	std::vector<TargetReport> targets;
	std::uint64_t now_ns = 0; // CLOCK_MONOTONIC when made: "N s ago"
	// The delivery probe's health; absent when it is not running.
	std::optional<DeliveryStats> delivery_stats;
};

struct OutputOptions {
	bool histogram = false;     // draw / emit the log2 histogram
	std::size_t top_destinations = 5; // table rows; JSON lists them all
};

// One way of printing (table or JSON lines).
class Output {
public:
	virtual ~Output() = default;
	virtual void report(const Report &report) = 0;
	// One record as it arrives (--events). Not flushed: the loop calls
	// flush() once per batch drained from the ring, as a flush per record
	// would cost a write(2) each.
	virtual void event(const bw_event &event, const Target &target) = 0;
	virtual void flush() = 0;
	// A one-off message for the reader, e.g. a container exiting.
	virtual void notice(const std::string &kind, const Target &target, const std::string &message) = 0;
	// --alert-silence fired for a target.
	virtual void alert(const SilenceAlert &alert, const Target &target) = 0;
};

std::unique_ptr<Output> make_table_output(std::ostream &out, const OutputOptions &options);
std::unique_ptr<Output> make_json_output(std::ostream &out, const OutputOptions &options);

} // namespace bpfwatch
