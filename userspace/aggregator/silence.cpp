// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/silence.h"

namespace bpfwatch {

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

} // namespace bpfwatch
