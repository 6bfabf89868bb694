// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/delivery_rows.h"

#include <sys/socket.h>

#include <set>

#include "aggregator/delivery_delta.h"
#include "output/ranking.h"

namespace bpfwatch {

std::optional<Locality> locality_of(const TargetReport &tr, const Peer &peer)
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
	return then_ns >= now_ns ? 0.0 : static_cast<double>(now_ns - then_ns) / 1e9;
}

std::vector<PeerRow> delivery_rows(const TargetReport &tr)
{
	const PeerMap &delivery = tr.window.delivery;
	std::vector<PeerRow> rows;
	std::set<Peer> shown;
	for (const auto &[dest, sent] : ranked_destinations(tr.window)) {
		if (dest->family != AF_INET && dest->family != AF_INET6)
			continue;
		Peer p = peer_of(*dest);
		auto it = delivery.find(p);
		if (it == delivery.end() || !shown.insert(p).second)
			continue;
		rows.push_back({p, locality_of(tr, p), dest, sent, &it->second});
	}
	for (PeerRow &row : delivery_only_rows(tr))
		rows.push_back(row);
	return rows;
}

std::vector<PeerRow> delivery_only_rows(const TargetReport &tr)
{
	std::set<Peer> sent;
	for (const auto &[dest, stats] : tr.window.destinations)
		sent.insert(peer_of(dest));
	std::vector<PeerRow> rows;
	for (const auto &[peer, d] : tr.window.delivery)
		if (!sent.count(peer))
			rows.push_back({peer, locality_of(tr, peer), nullptr, nullptr, &d});
	return rows;
}

DeliveryTotals delivery_totals(const TargetReport &tr)
{
	DeliveryTotals t;
	for (const auto &[peer, d] : tr.window.delivery) {
		bool remote = locality_of(tr, peer) == Locality::remote;
		if (remote) {
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
