// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Records and kernel totals -> per-cgroup windows: one since the start,
// one since the last interval.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>

#include "aggregator/window.h"
#include "probe/delivery.h"
#include "probe/record.h"

namespace bpfwatch {

class Aggregator {
public:
	// Bound on distinct destinations (and, apart, sources) kept per cgroup
	// and window; records past it are counted in destinations_overflow
	// (sources_overflow). Without intervals
	// only the windows since the start are kept (nothing reports an
	// interval: the headless exporter), at half the memory.
	// Gone cgroups kept apart for the summary: past max_retired, the
	// oldest are summed into one window (kRetiredKey).
	explicit Aggregator(std::size_t max_destinations = 256, bool intervals = true, std::size_t max_retired = 1024)
		: max_destinations_(max_destinations), intervals_(intervals), max_retired_(max_retired)
	{
	}

	// The key of the window that sums the gone cgroups past max_retired
	// (no cgroup has this id).
	static constexpr std::uint64_t kRetiredKey = ~std::uint64_t(0);

	// Windows are kept by key: a cgroup id, or for a followed target the
	// id of its first cgroup, whichever cgroup a number came from.
	// One ring-buffer record, drained at now_ns (CLOCK_MONOTONIC).
	void add(std::uint64_t key, const Record &record, std::uint64_t now_ns);
	// The kernel's exact totals, read after draining the ring.
	void set_totals(const std::map<std::uint64_t, KernelTotals> &totals);
	// The delivery probe's totals (cumulative since it attached).
	void set_delivery(const std::map<std::uint64_t, PeerMap> &delivery);

	const std::map<std::uint64_t, Window> &since_start() const { return total_; }
	// The windows since the previous call; starts the next interval. Each
	// lists every destination seen since the start, with the interval's
	// counts (zero when idle) and the last success and error times since
	// the start: "last successful send N s ago" must not vanish from an
	// interval in which a peer only failed, or was not even tried.
	// Nothing without intervals.
	std::map<std::uint64_t, Window> roll_interval();
	// Drop a cgroup that is gone and has been reported.
	void forget(std::uint64_t cgroup_id);
	// A followed target's new life: records drained under its cgroup id
	// before it was known as the target's (the kernel counts a life from
	// its first call, the runtime tells about it later) join the target's
	// windows under key. The kernel's totals under the id are dropped:
	// they are the target's own cumulative ones, read under key from the
	// next sync on. Without this each life left windows behind for good.
	void adopt(std::uint64_t cgroup_id, std::uint64_t key);
	// A cgroup that is gone, whose numbers wait for the summary: kept
	// apart while fewer than max_retired are, else the oldest is summed
	// into kRetiredKey. Memory stays bounded however many come and go.
	void retire(std::uint64_t cgroup_id);
	bool retired(std::uint64_t cgroup_id) const { return retired_set_.count(cgroup_id) != 0; }
	// Gone cgroups summed into kRetiredKey so far.
	std::uint64_t folded() const { return folded_; }

private:
	void add_to(Window &w, const Record &record, std::uint64_t now_ns);
	void add_input(InputWindow &w, const Record &record, std::uint64_t now_ns);

	// @from's numbers added to @into's; destinations and peers past the
	// bound are summed by protocol (destinations) or counted (peers).
	void merge(Window &into, const Window &from) const;
	void merge_input(InputWindow &into, const InputWindow &from) const;

	std::size_t max_destinations_;
	bool intervals_;
	std::size_t max_retired_;
	std::deque<std::uint64_t> retired_; // oldest first
	std::set<std::uint64_t> retired_set_;
	std::uint64_t folded_ = 0;
	std::map<std::uint64_t, Window> total_;
	std::map<std::uint64_t, Window> interval_;
	// Kernel totals at the start of the current interval.
	std::map<std::uint64_t, Window> at_roll_;
};

// --histogram cumulative: each interval window's sizes per view
// (Window::detail[].sizes) become those since the start; the rest of the
// window (counts, errnos, the one `histogram`) stays the interval's.
void keep_sizes_since_start(std::map<std::uint64_t, Window> &interval,
			    const std::map<std::uint64_t, Window> &since_start);

} // namespace bpfwatch
