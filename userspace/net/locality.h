// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Where a peer is, seen from this host: its loopback, one of its own
// addresses, a container network on it, or somewhere else (the bytes leave
// the host) — or unknown, when the host's network could not be read.
// classify() is a pure function over a HostNetwork (tested with fixtures);
// LocalityCache keeps the live one fresh.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/host_network.h"
#include "net/ip.h"

namespace bpfwatch {

enum class Locality {
	loopback,        // 127.0.0.0/8, ::1: never leaves the network namespace
	host,            // one of this host's own addresses (docker0's too)
	local_container, // a container or bridge network on this host
	remote,          // routed out of the host: the bytes leave it
	unknown,         // the host's addresses or routes could not be read
};

// "loopback", "host", "local-container", "remote", "unknown"
std::string_view to_string(Locality where);

// Prefixes the user says better than the routes do, checked first: e.g. a
// test's namespace that plays a remote log host.
struct LocalityOverrides {
	std::vector<IpPrefix> remote;
	std::vector<IpPrefix> local_container;
};

struct Placement {
	Locality locality = Locality::unknown;
	std::string dev; // the interface the route leaves by, if any
};

// A bridge whose ports are all veths or taps (docker0, br-*, cni-podman0,
// virbr0), or a veth carrying a routed container's address (Calico's
// cali*, Cilium's lxc*, a namespace behind a veth pair). A bridge with a
// NIC, a VXLAN or WireGuard port leads off the host.
bool is_container_network(const HostNetwork &net, const NetInterface &iface);

Placement classify(const HostNetwork &net, const IpAddress &addr, const LocalityOverrides &overrides = {});

// The live HostNetwork, re-read when older than max_age: a netlink dump,
// getifaddrs() and two small files, cheap every few seconds, so a new
// Docker network or a moved address is picked up without events. When a
// read fails, every peer is unknown until one succeeds (and a warning says
// why, once per distinct failure).
class LocalityCache {
public:
	using Clock = std::chrono::steady_clock;
	using Reader = std::function<HostNetwork()>;

	explicit LocalityCache(LocalityOverrides overrides = {}, Clock::duration max_age = std::chrono::seconds(5),
			       Reader reader = read_host_network);

	// Re-reads when due (or when forced); true when what it knows changed.
	bool refresh(Clock::time_point now = Clock::now(), bool force = false);
	// Refreshes when due, then classifies.
	Placement classify(const IpAddress &addr, Clock::time_point now = Clock::now());
	// Why the last read failed; empty after a good one.
	const std::string &error() const { return error_; }

private:
	LocalityOverrides overrides_;
	Clock::duration max_age_;
	Reader reader_;
	std::optional<HostNetwork> net_;
	std::optional<Clock::time_point> read_at_;
	std::string error_;
};

} // namespace bpfwatch
