// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What one cgroup did over a span of time. The per-kind counts are exact
// (the kernel's totals); destinations, errnos and the histogram are built
// from ring-buffer records and are complete only when lost_events is 0.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "aggregator/histogram.h"
#include "net/endpoint.h"
#include "probe/delivery.h"
#include "probe/record.h"

namespace bpfwatch {

// The ways write-side calls are split: each call once by its fd kind
// (pipe .. other, as FdKind), and again in the overlapping views stdio
// (fd 1 or 2) and log (the container's log pipes).
enum class WriteView : std::uint8_t { pipe, file, socket, tty, other, stdio, log };
inline constexpr std::array<WriteView, 7> kAllWriteViews = {WriteView::pipe,  WriteView::file,  WriteView::socket,
							    WriteView::tty,   WriteView::other, WriteView::stdio,
							    WriteView::log};
static_assert(static_cast<int>(WriteView::other) == static_cast<int>(FdKind::other) && kFdKinds == 5,
	      "the first views are the fd kinds, value for value");
inline constexpr WriteView view_of(FdKind k)
{
	return static_cast<WriteView>(k);
}

// What the records say of one view's calls: sizes of the successful ones,
// errnos of the others. Short by lost records, like every detail.
struct CallDetail {
	Log2Histogram sizes;
	std::map<int, std::uint64_t> errnos; // errno -> calls
};

struct DestinationStats {
	Counts counts;
	std::map<int, std::uint64_t> errnos; // errno -> calls
	std::uint64_t last_success_ns = 0;   // CLOCK_MONOTONIC, when drained
	std::uint64_t last_error_ns = 0;
};

// One source of a cgroup's input: a socket peer it read from.
struct SourceStats {
	InputCounts counts;
	std::map<int, std::uint64_t> errnos; // errno -> calls, EAGAIN aside
	std::uint64_t last_read_ns = 0;      // CLOCK_MONOTONIC, when drained: newest byte
	std::uint64_t last_eof_ns = 0;       // newest end of stream
};

// The input side of a window: what the cgroup read and received. The
// per-kind counts are exact (the kernel's totals); sources and errnos come
// from records, like the output side's detail.
struct InputWindow {
	std::array<InputCounts, kFdKinds> by_kind{};
	std::map<Endpoint, SourceStats> sources;
	std::uint64_t sources_overflow = 0;  // records past the table's bound
	std::map<int, std::uint64_t> errnos; // errno -> calls, every kind, EAGAIN aside
	std::uint64_t records = 0;

	const InputCounts &kind(FdKind k) const { return by_kind[index_of(k)]; }
	InputCounts total() const;
	bool active() const { return records || total().any(); }
};

// A 0-byte read that ended a stream: on a pipe, or a stream socket (a
// datagram socket's is an empty datagram).
bool ends_stream(const Record &r);

struct Window {
	std::array<Counts, kFdKinds> by_kind{};
	Counts stdio; // calls on fd 1 and 2 (also counted in their kind)
	Counts log;   // calls to the runtime's log pipes (also in their kind)
	std::uint64_t lost_events = 0;

	std::map<Endpoint, DestinationStats> destinations;
	std::uint64_t destinations_overflow = 0; // records past the table's bound
	// What those records counted, by protocol ("udp", "tcp", "dgram"...):
	// destinations plus these sum to the socket records exactly.
	std::map<std::string, Counts> overflow_by_proto;
	std::map<int, std::uint64_t> errnos;     // errno -> calls, every kind
	Log2Histogram histogram;
	// Sizes and errnos by view (only the views that had a call): per fd
	// kind, and again for stdio and log.
	std::map<WriteView, CallDetail> detail;
	std::uint64_t records = 0;

	// From the delivery probe, by peer: TCP acknowledgements, failures,
	// IP egress. Exact; empty when the probe is not running.
	PeerMap delivery;
	// Peers left out of `delivery` when gone cgroups were summed into one
	// window (Aggregator::retire) past the bound.
	std::uint64_t delivery_overflow = 0;
	// The input side (read*, recv*); all zero with --no-input.
	InputWindow input;

	const Counts &kind(FdKind k) const { return by_kind[index_of(k)]; }
	// The exact counts of a view: a kind's, or stdio's, or log's.
	const Counts &view(WriteView v) const;
	Counts total() const;
	// The records past the destinations' bound, every protocol together.
	Counts overflowed() const;
	bool detail_complete() const { return lost_events == 0; }
	// Anything at all: a call, a record, a delivery number, an input.
	bool active() const;
};

} // namespace bpfwatch
