// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// This host's network facts, as locality.h needs them: interfaces (with
// their kind and bridge) and addresses, and the main routing table. The
// parsers are pure, so they are tested with fixtures; read_host_network()
// reads the live ones (read-only) in bpfwatch's network namespace, which
// must be the host's: container traffic is routed by it.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip.h"

namespace bpfwatch {

struct NetInterface {
	std::string name;
	std::string kind; // rtnetlink IFLA_INFO_KIND: "bridge", "veth", ...; "" for a NIC
	int index = 0;
	int master = 0; // the bridge (or bond) this one is a port of; 0: none
	bool loopback = false;
	std::vector<IpPrefix> addrs; // its addresses, with their prefix length

	auto operator<=>(const NetInterface &) const = default;
};

struct Route {
	IpPrefix dst;
	std::string dev;
	bool gateway = false; // via a next hop: not directly connected
	bool reject = false;  // unreachable, prohibit, blackhole
	std::uint32_t metric = 0;

	auto operator<=>(const Route &) const = default;
};

struct HostNetwork {
	std::vector<NetInterface> interfaces;
	std::vector<Route> routes; // the main table, both families

	const NetInterface *interface(std::string_view name) const;
	bool operator==(const HostNetwork &) const = default;
};

// /proc/net/route and /proc/net/ipv6_route, as the kernel prints them.
// Local-table entries (ipv6_route lists them) are left out: host
// addresses come from the interfaces. Throws Error when the text is not
// such a table (a header that does not match, a line that does not parse):
// an unreadable table must never read as "no routes".
std::vector<Route> parse_ipv4_routes(std::string_view text);
std::vector<Route> parse_ipv6_routes(std::string_view text);

// Interfaces from rtnetlink, addresses from getifaddrs(), routes from
// /proc/net. Throws Error naming what it could not read.
HostNetwork read_host_network();

} // namespace bpfwatch
