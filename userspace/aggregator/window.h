// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What one cgroup did over a span of time. The per-kind counts are exact
// (the kernel's totals); destinations, errnos and the histogram are built
// from ring-buffer records and are complete only when lost_events is 0.
#pragma once

#include <array>
#include <cstdint>
#include <map>

#include "aggregator/destination.h"
#include "aggregator/histogram.h"
#include "probe/abi.h"
#include "probe/delivery.h"

namespace bpfwatch {

struct Counts {
	std::uint64_t bytes = 0;
	std::uint64_t calls = 0;
	std::uint64_t errors = 0;

	Counts &operator+=(const Counts &o);
	Counts operator-(const Counts &o) const;
	bool operator==(const Counts &) const = default;
};

struct DestinationStats {
	Counts counts;
	std::map<int, std::uint64_t> errnos;  // errno -> calls
	std::uint64_t last_success_ns = 0;    // CLOCK_MONOTONIC, when drained
	std::uint64_t last_error_ns = 0;
};

struct Window {
	std::array<Counts, BW_KIND_MAX> by_kind{};
	Counts stdio; // calls on fd 1 and 2 (also counted in their kind)
	Counts log;   // calls to the runtime's log pipes (also in their kind)
	std::uint64_t lost_events = 0;

	std::map<Destination, DestinationStats> destinations;
	std::uint64_t destinations_overflow = 0; // records past the table's bound
	std::map<int, std::uint64_t> errnos;     // errno -> calls, every kind
	Log2Histogram histogram;
	std::uint64_t records = 0;

	// From the delivery probe, by peer: TCP acknowledgements, failures,
	// IP egress. Exact; empty when the probe is not running.
	PeerMap delivery;

	Counts total() const;
	bool detail_complete() const { return lost_events == 0; }
};

} // namespace bpfwatch
