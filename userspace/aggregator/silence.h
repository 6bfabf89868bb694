// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The seed's symptom as a rule: a container keeps writing (its log, files)
// while its socket bytes stay at zero for a whole window.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "aggregator/window.h"

namespace bpfwatch {

struct SilenceAlert {
	std::uint64_t cgroup_id = 0;
	double silent_s = 0;              // how long no socket byte went out
	std::uint64_t written_bytes = 0;  // log (or stdio) and file bytes meanwhile
	std::uint64_t socket_errors = 0;  // failed sends and TCP connects meanwhile
};

// What the rule reads from a cgroup's since-start window, each cumulative.
struct SilenceInputs {
	std::uint64_t socket_bytes = 0;
	// What reached the container's log, plus file writes. Log pipes are
	// never files, so nothing is counted twice. Where the log pipes are not
	// known, the stdio calls stand in for the log, but only as far as the
	// kind totals allow them not to be files: stdout redirected to a file
	// is in both stdio and file.
	std::uint64_t written_bytes = 0;
	// Failed send calls, and TCP connects that failed (the delivery
	// probe's count): a router whose every connect is refused never gets
	// as far as a send.
	std::uint64_t socket_errors = 0;
};

SilenceInputs silence_inputs(const Window &since_start, bool log_known);

class SilenceDetector {
public:
	using Clock = std::chrono::steady_clock;

	explicit SilenceDetector(std::chrono::milliseconds window) : window_(window) {}

	// The cgroup's cumulative counters at `now`. Returns an alert once per
	// silent stretch, when it has lasted the window with writes in it.
	std::optional<SilenceAlert> update(std::uint64_t cgroup_id, Clock::time_point now,
					   std::uint64_t socket_bytes, std::uint64_t written_bytes,
					   std::uint64_t socket_errors);
	std::optional<SilenceAlert> update(std::uint64_t cgroup_id, Clock::time_point now, const SilenceInputs &in)
	{
		return update(cgroup_id, now, in.socket_bytes, in.written_bytes, in.socket_errors);
	}
	// Seconds the cgroup has been silent at `now`, when its current silent
	// stretch has been alerted and lasts still (as of the last update);
	// nothing otherwise. Reports carry it until bytes go out again.
	std::optional<double> silent_for(std::uint64_t cgroup_id, Clock::time_point now) const;

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
