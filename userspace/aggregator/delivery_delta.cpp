// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/delivery_delta.h"

#include <algorithm>

namespace bpfwatch {
namespace {

std::map<int, std::uint64_t> since(const std::map<int, std::uint64_t> &now,
				   const std::map<int, std::uint64_t> &before)
{
	std::map<int, std::uint64_t> out;
	for (const auto &[err, n] : now) {
		auto it = before.find(err);
		std::uint64_t d = n - (it == before.end() ? 0 : it->second);
		if (d)
			out[err] = d;
	}
	return out;
}

} // namespace

PeerDelivery delivery_since(const PeerDelivery &now, const PeerDelivery &before)
{
	PeerDelivery d = now; // gauges and last_ack_ns as of now
	TcpDelivery &t = d.tcp;
	const TcpDelivery &b = before.tcp;
	t.bytes_acked -= b.bytes_acked;
	t.bytes_sent -= b.bytes_sent;
	t.bytes_retrans -= b.bytes_retrans;
	t.retrans_segs -= b.retrans_segs;
	t.resets_sent -= b.resets_sent;
	t.resets_received -= b.resets_received;
	t.connect_attempts -= b.connect_attempts;
	t.connects -= b.connects;
	t.accepts -= b.accepts;
	t.connect_failures -= b.connect_failures;
	t.closes -= b.closes;
	t.connect_errors = since(now.tcp.connect_errors, b.connect_errors);
	t.close_errors = since(now.tcp.close_errors, b.close_errors);
	d.icmp_errors = since(now.icmp_errors, before.icmp_errors);
	d.egress.packets -= before.egress.packets;
	d.egress.bytes -= before.egress.bytes;
	return d;
}

PeerMap delivery_since(const PeerMap &now, const PeerMap &before)
{
	PeerMap out;
	for (const auto &[peer, d] : now) {
		auto it = before.find(peer);
		out[peer] = it == before.end() ? d : delivery_since(d, it->second);
	}
	return out;
}

void add_delivery(PeerMap &into, const PeerMap &from)
{
	auto add_errnos = [](std::map<int, std::uint64_t> &a, const std::map<int, std::uint64_t> &b) {
		for (const auto &[err, n] : b)
			a[err] += n;
	};
	for (const auto &[peer, d] : from) {
		PeerDelivery &s = into[peer];
		TcpDelivery &t = s.tcp;
		const TcpDelivery &f = d.tcp;
		t.bytes_acked += f.bytes_acked;
		t.bytes_sent += f.bytes_sent;
		t.bytes_retrans += f.bytes_retrans;
		t.unacked += f.unacked;
		t.unsent += f.unsent;
		t.live_sockets += f.live_sockets;
		t.retrans_segs += f.retrans_segs;
		t.resets_sent += f.resets_sent;
		t.resets_received += f.resets_received;
		t.connect_attempts += f.connect_attempts;
		t.connects += f.connects;
		t.accepts += f.accepts;
		t.connect_failures += f.connect_failures;
		t.closes += f.closes;
		add_errnos(t.connect_errors, f.connect_errors);
		add_errnos(t.close_errors, f.close_errors);
		t.last_ack_ns = std::max(t.last_ack_ns, f.last_ack_ns);
		add_errnos(s.icmp_errors, d.icmp_errors);
		s.egress.packets += d.egress.packets;
		s.egress.bytes += d.egress.bytes;
	}
}

} // namespace bpfwatch
