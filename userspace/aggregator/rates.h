// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Rates for a view that refreshes (the live view). Once a tick it is handed
// the model's since-start report; a target's rate is the difference of its
// counters to the previous tick's over the time between the two, and its
// recent past the last kHistory such rates of bytes out. Since-start
// counters only grow (a followed target's lives are summed), so the
// difference is exactly what happened in between.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>

#include "aggregator/report.h"

namespace bpfwatch {

// One target's per-second numbers over the last tick.
struct TargetRates {
	std::array<double, kFdKinds> by_kind{}; // bytes/s written or sent, per fd kind
	// Bytes/s into the container's log; where its log pipes are not known
	// (a cgroup found watching everything), its writes on fd 1 and 2 stand
	// in for them, as they do in the silence rule.
	double log = 0;
	bool log_from_stdio = false;
	double out = 0;                         // bytes/s written and sent, every kind
	double left_host = 0;                   // bytes/s of IP packets to remote peers
	// Bytes/s read and received; none with --no-input.
	std::optional<double> in;
	double errors = 0; // failed calls/s, every kind

	double kind(FdKind k) const { return by_kind[index_of(k)]; }
};

// The cumulative counters a rate is taken of, read from a since-start
// TargetReport (placed: left_host needs each peer's locality).
struct RateSample {
	std::array<std::uint64_t, kFdKinds> by_kind{};
	std::uint64_t log = 0, out = 0, left_host = 0, errors = 0;
	bool log_from_stdio = false;
	std::optional<std::uint64_t> in;
};
// @input_counted: Report::input (else `in` stays empty).
RateSample rate_sample(const TargetReport &since_start, bool input_counted = true);

// What happened between two samples `seconds` apart, per second. A counter
// that went down (a cgroup forgotten and seen again) starts afresh: 0.
TargetRates rates_between(const RateSample &before, const RateSample &after, double seconds);

class RateTracker {
public:
	static constexpr std::size_t kHistory = 60;

	// One tick: the since-start report, its now_ns the tick's time. A
	// target not in it is dropped (memory stays bounded by what is shown).
	void update(const Report &since_start);
	// The last tick's rates; nothing before a target's second tick.
	const TargetRates *rates(std::uint64_t key) const;
	// Bytes/s out of the last (up to) kHistory ticks, oldest first; empty
	// before the second tick.
	const std::deque<double> &history(std::uint64_t key) const;

private:
	struct State {
		RateSample last;
		std::uint64_t last_ns = 0;
		std::optional<TargetRates> rates;
		std::deque<double> out_history;
	};
	std::map<std::uint64_t, State> states_;
};

} // namespace bpfwatch
