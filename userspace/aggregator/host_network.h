// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// This host's network as locality.h needs it, read live (read-only):
// interfaces and their kinds from rtnetlink, addresses from getifaddrs(),
// the main routing table from /proc/net/route and /proc/net/ipv6_route.
// Read in the host's network namespace: container traffic is routed by it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "aggregator/locality.h"

namespace bpfwatch {

// Throws Error when the kernel will not say.
HostNetwork read_host_network();

// A HostNetwork that is re-read when older than max_age: a netlink dump,
// getifaddrs() and two small files, cheap every few seconds, so a new
// Docker network or a moved address is picked up without events.
class LocalityCache {
public:
	using Clock = std::chrono::steady_clock;
	using Reader = std::function<HostNetwork()>;

	explicit LocalityCache(LocalityOverrides overrides = {}, Clock::duration max_age = std::chrono::seconds(5),
			       Reader reader = read_host_network);

	// Re-reads when due (or when forced); true when the network changed.
	bool refresh(Clock::time_point now = Clock::now(), bool force = false);
	// Refreshes when due, then classifies.
	Placement classify(const IpAddress &addr, Clock::time_point now = Clock::now());

	const HostNetwork &network() const { return net_; }
	// Grows by one at each change: a caller caching placements by peer
	// re-classifies when it moved.
	std::uint64_t generation() const { return generation_; }

private:
	LocalityOverrides overrides_;
	Clock::duration max_age_;
	Reader reader_;
	HostNetwork net_;
	Clock::time_point read_at_{};
	bool read_once_ = false;
	std::uint64_t generation_ = 0;
};

} // namespace bpfwatch
