// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/silence.h"

#include <algorithm>

namespace bpfwatch {

SilenceInputs silence_inputs(const Window &w, bool log_known)
{
	SilenceInputs in;
	const Counts &socket = w.by_kind[BW_KIND_SOCKET];
	std::uint64_t file = w.by_kind[BW_KIND_FILE].bytes;
	in.socket_bytes = socket.bytes;
	if (log_known) {
		in.written_bytes = w.log.bytes + file;
	} else {
		// stdio is per fd number, not per kind: of its bytes, at most the
		// pipe, tty and other bytes can have gone anywhere but a file.
		std::uint64_t not_file_nor_socket = w.total().bytes - file - socket.bytes;
		in.written_bytes = std::min(w.stdio.bytes, not_file_nor_socket) + file;
	}
	in.socket_errors = socket.errors;
	for (const auto &[peer, d] : w.delivery)
		in.socket_errors += d.tcp.connect_failures;
	return in;
}

std::optional<SilenceAlert> SilenceDetector::update(std::uint64_t cgroup_id, Clock::time_point now,
						    std::uint64_t socket_bytes, std::uint64_t written_bytes,
						    std::uint64_t socket_errors)
{
	auto [it, first] = states_.try_emplace(cgroup_id);
	State &s = it->second;
	if (first || socket_bytes != s.socket_bytes) {
		// Bytes went out (or we just started): a new stretch begins.
		s = State{socket_bytes, now, written_bytes, socket_errors, false};
		return std::nullopt;
	}
	if (s.alerted || now - s.silent_since < window_ || written_bytes == s.written_at_start)
		return std::nullopt;
	s.alerted = true;
	return SilenceAlert{cgroup_id, std::chrono::duration<double>(now - s.silent_since).count(),
			    written_bytes - s.written_at_start, socket_errors - s.errors_at_start};
}

std::optional<double> SilenceDetector::silent_for(std::uint64_t cgroup_id, Clock::time_point now) const
{
	auto it = states_.find(cgroup_id);
	if (it == states_.end() || !it->second.alerted)
		return std::nullopt;
	return std::chrono::duration<double>(now - it->second.silent_since).count();
}

} // namespace bpfwatch
