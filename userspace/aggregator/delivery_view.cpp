// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/delivery_view.h"

#include "aggregator/ranking.h"
#include "util/clock.h"

namespace bpfwatch {

std::optional<Locality> locality_of(const TargetReport &tr, const Endpoint &peer)
{
	auto it = tr.locality.find(peer);
	if (it == tr.locality.end())
		return std::nullopt;
	return it->second;
}

std::optional<double> age_s(std::uint64_t then_ns, std::uint64_t now_ns)
{
	if (!then_ns || !now_ns)
		return std::nullopt;
	return seconds_since(then_ns, now_ns);
}

std::vector<PeerRow> delivery_rows(const TargetReport &tr)
{
	const PeerMap &delivery = tr.window.delivery;
	std::vector<PeerRow> rows;
	for (const auto &[dest, sent] : ranked_destinations(tr.window)) {
		auto it = delivery.find(*dest);
		if (it != delivery.end())
			rows.push_back({*dest, locality_of(tr, *dest), sent, &it->second});
	}
	for (PeerRow &row : delivery_only_rows(tr))
		rows.push_back(row);
	return rows;
}

std::vector<PeerRow> delivery_only_rows(const TargetReport &tr)
{
	std::vector<PeerRow> rows;
	for (const auto &[peer, d] : tr.window.delivery)
		if (!tr.window.destinations.count(peer))
			rows.push_back({peer, locality_of(tr, peer), nullptr, &d});
	return rows;
}

DeliveryTotals delivery_totals(const TargetReport &tr)
{
	DeliveryTotals t;
	for (const auto &[peer, d] : tr.window.delivery) {
		if (locality_of(tr, peer) == Locality::remote) {
			t.left_host_bytes += d.egress.bytes;
			t.left_host_packets += d.egress.packets;
			t.acked_remote_bytes += d.tcp.bytes_acked;
		}
		t.acked_bytes += d.tcp.bytes_acked;
		t.unacked_bytes += d.tcp.unacked;
		t.retransmits += d.tcp.retrans_segs;
		t.connect_failures += d.tcp.connect_failures;
	}
	return t;
}

} // namespace bpfwatch
