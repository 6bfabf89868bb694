// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/silence.h"

#include <netinet/in.h>

#include <algorithm>

namespace bpfwatch {

SilenceInputs silence_inputs(const Window &w, bool log_known, bool acks_known)
{
	SilenceInputs in;
	const Counts &socket = w.kind(FdKind::socket);
	std::uint64_t file = w.kind(FdKind::file).bytes;
	in.sent_bytes = socket.bytes;
	in.delivered_bytes = socket.bytes;
	if (acks_known) {
		// TCP sends count once acknowledged, whoever the peer.
		for (const auto &[dest, d] : w.destinations)
			if (dest.is_ip() && dest.proto == IPPROTO_TCP)
				in.delivered_bytes -= std::min(in.delivered_bytes, d.counts.bytes);
		for (const auto &[peer, d] : w.delivery)
			in.delivered_bytes += d.tcp.bytes_acked;
	}
	if (log_known) {
		in.written_bytes = w.log.bytes + file;
	} else {
		// stdio is per fd number, not per kind: of its bytes, at most the
		// pipe, tty and other bytes can have gone anywhere but a file.
		std::uint64_t not_file_nor_socket = w.total().bytes - file - socket.bytes;
		in.written_bytes = std::min(w.stdio.bytes, not_file_nor_socket) + file;
	}
	for (FdKind k : {FdKind::socket, FdKind::pipe, FdKind::file})
		in.received_bytes += w.input.kind(k).bytes;
	in.socket_errors = socket.errors;
	for (const auto &[peer, d] : w.delivery) {
		in.socket_errors += d.tcp.connect_failures;
		in.retransmits += d.tcp.retrans_segs;
	}
	return in;
}

std::optional<SilenceAlert> SilenceDetector::update(std::uint64_t cgroup_id, Clock::time_point now,
						    const SilenceInputs &in)
{
	auto [it, first] = states_.try_emplace(cgroup_id);
	State &s = it->second;
	if (first || in.delivered_bytes != s.at_start.delivered_bytes) {
		// Bytes got through (or we just started): a new stretch begins.
		s = State{in, now, false};
		return std::nullopt;
	}
	bool busy = in.written_bytes != s.at_start.written_bytes || in.received_bytes != s.at_start.received_bytes;
	if (s.alerted || now - s.silent_since < window_ || !busy)
		return std::nullopt;
	s.alerted = true;
	const SilenceInputs &a = s.at_start;
	return SilenceAlert{cgroup_id,
			    std::chrono::duration<double>(now - s.silent_since).count(),
			    in.written_bytes - a.written_bytes,
			    in.received_bytes - a.received_bytes,
			    in.socket_errors - a.socket_errors,
			    in.sent_bytes - a.sent_bytes,
			    in.retransmits - a.retransmits};
}

std::optional<double> SilenceDetector::silent_for(std::uint64_t cgroup_id, Clock::time_point now) const
{
	auto it = states_.find(cgroup_id);
	if (it == states_.end() || !it->second.alerted)
		return std::nullopt;
	return std::chrono::duration<double>(now - it->second.silent_since).count();
}

} // namespace bpfwatch
