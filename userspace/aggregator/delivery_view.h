// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What a target's delivery numbers mean: one row per socket peer, joining
// what its send calls did (records) with what the network did with the
// bytes (delivery probe), and the totals that say whether bytes left the
// host and were acknowledged. Decided here, printed by output/.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "aggregator/report.h"

namespace bpfwatch {

struct DeliveryTotals {
	std::uint64_t left_host_bytes = 0; // IP egress to remote peers
	std::uint64_t left_host_packets = 0;
	std::uint64_t acked_bytes = 0; // TCP data acknowledged, any peer
	std::uint64_t acked_remote_bytes = 0;
	std::uint64_t unacked_bytes = 0; // in flight now
	std::uint64_t retransmits = 0;   // segments
	std::uint64_t connect_failures = 0;
};

struct PeerRow {
	Endpoint peer;
	std::optional<Locality> locality;
	const DestinationStats *sent = nullptr; // the records' view, if any sent
	const PeerDelivery *delivery = nullptr; // the network's view, if seen
};

// Peers the delivery probe saw but no send record names (a connect that
// failed before any byte was written, say), in peer order.
std::vector<PeerRow> delivery_only_rows(const TargetReport &tr);
// The delivery rows of a target: every peer with delivery data, the
// records' destinations first in their ranking, then the others.
std::vector<PeerRow> delivery_rows(const TargetReport &tr);
DeliveryTotals delivery_totals(const TargetReport &tr);
std::optional<Locality> locality_of(const TargetReport &tr, const Endpoint &peer);
// Seconds from a CLOCK_MONOTONIC time to the report's, when both are known.
std::optional<double> age_s(std::uint64_t then_ns, std::uint64_t now_ns);

} // namespace bpfwatch
