// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the model hands the outputs: named windows, each peer placed, ready
// to print. The outputs format these; they decide nothing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aggregator/window.h"
#include "net/endpoint.h"
#include "net/locality.h"
#include "probe/degraded.h"
#include "probe/delivery.h"
#include "probe/record.h"
#include "targets/target.h"

namespace bpfwatch {

struct TargetReport {
	Target target;
	// The model's key: the cgroup id, or for a followed target the id of
	// its first cgroup, whichever cgroup it runs in now.
	std::uint64_t key = 0;
	Window window;
	std::string note; // e.g. "container exited"; empty when nothing to say
	// Where each IP peer of the window is, seen from this host.
	std::map<Endpoint, Locality> locality;
	// Whether window.log counts anything: the container's log pipes were
	// found (a --cgroup target has no main process to ask).
	bool log_known = false;
	// A followed target: lives after its first (each in a new cgroup),
	// and whether it runs now ("running", "stopped", "removed"); empty for
	// a discovered cgroup.
	int restarts = 0;
	std::string state;
	// --alert-silence: seconds the target has been silent (nothing sent or
	// nothing acknowledged while it writes), from its alert until bytes go
	// out again.
	std::optional<double> silent_s;
};

struct Report {
	enum class Kind { Interval, Summary };
	Kind kind = Kind::Interval;
	double duration_s = 0; // length of the window the numbers cover
	ProbeStats stats;      // kernel-side health, cumulative
	std::vector<TargetReport> targets;
	std::uint64_t now_ns = 0; // CLOCK_MONOTONIC when made: "N s ago"
	// The delivery probe's health; absent when it is not running.
	std::optional<DeliveryStats> delivery_stats;
	// Programs bpfwatch runs without, and what is not counted meanwhile.
	DegradedList degraded;
	// The input side is counted (no --no-input): Window::input means
	// something, and its zeros are values.
	bool input = true;
	// The sizes per view (Window::detail[].sizes) count since the start,
	// in an interval report too (--histogram cumulative); a summary's
	// always do.
	bool sizes_since_start = false;
};

} // namespace bpfwatch
