// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What one cgroup did over a span of time. The per-kind counts are exact
// (the kernel's totals); destinations, errnos and the histogram are built
// from ring-buffer records and are complete only when lost_events is 0.
#pragma once

#include <array>
#include <cstdint>
#include <map>

#include "aggregator/histogram.h"
#include "net/endpoint.h"
#include "probe/delivery.h"
#include "probe/record.h"

namespace bpfwatch {

struct DestinationStats {
	Counts counts;
	std::map<int, std::uint64_t> errnos; // errno -> calls
	std::uint64_t last_success_ns = 0;   // CLOCK_MONOTONIC, when drained
	std::uint64_t last_error_ns = 0;
};

struct Window {
	std::array<Counts, kFdKinds> by_kind{};
	Counts stdio; // calls on fd 1 and 2 (also counted in their kind)
	Counts log;   // calls to the runtime's log pipes (also in their kind)
	std::uint64_t lost_events = 0;

	std::map<Endpoint, DestinationStats> destinations;
	std::uint64_t destinations_overflow = 0; // records past the table's bound
	std::map<int, std::uint64_t> errnos;     // errno -> calls, every kind
	Log2Histogram histogram;
	std::uint64_t records = 0;

	// From the delivery probe, by peer: TCP acknowledgements, failures,
	// IP egress. Exact; empty when the probe is not running.
	PeerMap delivery;

	const Counts &kind(FdKind k) const { return by_kind[index_of(k)]; }
	Counts total() const;
	bool detail_complete() const { return lost_events == 0; }
	// Anything at all: a call, a record, a delivery number.
	bool active() const;
};

} // namespace bpfwatch
