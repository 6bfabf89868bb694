// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The seed's symptom as a rule: a container keeps writing (stdout, files)
// while its socket bytes stay at zero for a whole window.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

namespace bpfwatch {

struct SilenceAlert {
	std::uint64_t cgroup_id = 0;
	double silent_s = 0;              // how long no socket byte went out
	std::uint64_t written_bytes = 0;  // stdout and file bytes meanwhile
	std::uint64_t socket_errors = 0;  // failed sends meanwhile
};

class SilenceDetector {
public:
	using Clock = std::chrono::steady_clock;

	explicit SilenceDetector(std::chrono::milliseconds window) : window_(window) {}

	// The cgroup's cumulative counters at `now`. Returns an alert once per
	// silent stretch, when it has lasted the window with writes in it.
	std::optional<SilenceAlert> update(std::uint64_t cgroup_id, Clock::time_point now,
					   std::uint64_t socket_bytes, std::uint64_t written_bytes,
					   std::uint64_t socket_errors);

private:
	struct State {
		std::uint64_t socket_bytes = 0;
		Clock::time_point silent_since;     // last time socket bytes moved
		std::uint64_t written_at_start = 0; // written bytes then
		std::uint64_t errors_at_start = 0;
		bool alerted = false;
	};

	std::chrono::milliseconds window_;
	std::map<std::uint64_t, State> states_;
};

} // namespace bpfwatch
