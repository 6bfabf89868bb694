// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// One row per socket peer of a target, joining what its send calls did
// (records) with what the network did with the bytes (delivery probe).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "output/report.h"

namespace bpfwatch {

struct DeliveryTotals {
	std::uint64_t left_host_bytes = 0; // IP egress to remote peers
	std::uint64_t left_host_packets = 0;
	std::uint64_t acked_bytes = 0;     // TCP data acknowledged, any peer
	std::uint64_t acked_remote_bytes = 0;
	std::uint64_t unacked_bytes = 0;   // in flight now
	std::uint64_t retransmits = 0;     // segments
	std::uint64_t connect_failures = 0;
};

struct PeerRow {
	Peer peer;
	std::optional<Locality> locality;
	const Destination *dest = nullptr;           // the records' view, if any sent
	const DestinationStats *sent = nullptr;
	const PeerDelivery *delivery = nullptr;      // the network's view, if seen
};

// Peers the delivery probe saw but no send record names (a connect that
// failed before any byte was written, say), in peer order.
std::vector<PeerRow> delivery_only_rows(const TargetReport &tr);
// The delivery rows of a target: every peer with delivery data, the
// records' destinations first in their ranking, then the others.
std::vector<PeerRow> delivery_rows(const TargetReport &tr);
DeliveryTotals delivery_totals(const TargetReport &tr);
std::optional<Locality> locality_of(const TargetReport &tr, const Peer &peer);
// Seconds from a CLOCK_MONOTONIC time to the report, when there is one.
std::optional<double> age_s(std::uint64_t then_ns, std::uint64_t now_ns);

} // namespace bpfwatch
