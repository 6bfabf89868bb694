// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Where a destination is, seen from this host: its loopback, one of its
// own addresses, a container network on it, or somewhere else (the bytes
// leave the host). Pure functions over a parsed HostNetwork, so they are
// tested with fixtures; host_network.h reads the live one.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bpfwatch {

enum class Locality {
	loopback,        // 127.0.0.0/8, ::1: never leaves the network namespace
	host,            // one of this host's own addresses (docker0's too)
	local_container, // a container or bridge network on this host
	remote,          // routed out of the host: the bytes leave it
};

std::string_view to_string(Locality where); // "loopback", "host", "local-container", "remote"

struct IpAddress {
	std::uint16_t family = 0;              // AF_INET or AF_INET6
	std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 in the first 4

	static IpAddress v4(std::uint32_t addr_be);
	static IpAddress from_bytes(std::uint16_t family, const std::uint8_t *bytes);
	static std::optional<IpAddress> parse(std::string_view text);
	// A v4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 one it is.
	IpAddress unmapped() const;
	std::string to_string() const;

	auto operator<=>(const IpAddress &) const = default;
};

struct IpPrefix {
	IpAddress addr;
	std::uint8_t len = 0;

	static std::optional<IpPrefix> parse(std::string_view cidr); // "198.51.100.0/24"
	bool contains(const IpAddress &a) const;
	std::string to_string() const;

	auto operator<=>(const IpPrefix &) const = default;
};

struct NetInterface {
	std::string name;
	std::string kind;   // rtnetlink IFLA_INFO_KIND: "bridge", "veth", ...; "" for a NIC
	int index = 0;
	int master = 0;     // the bridge (or bond) this one is a port of; 0: none
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

// Prefixes the user says better than the routes do, checked first: e.g. a
// test's namespace that plays a remote log host.
struct LocalityOverrides {
	std::vector<IpPrefix> remote;
	std::vector<IpPrefix> local_container;
};

struct Placement {
	Locality locality = Locality::remote;
	std::string dev; // the interface the route leaves by, if any
};

// A bridge whose ports are all veths or taps (docker0, br-*, cni-podman0,
// virbr0), or a veth carrying a routed container's address (Calico's
// cali*, Cilium's lxc*, a namespace behind a veth pair). A bridge with a
// NIC, a VXLAN or WireGuard port leads off the host.
bool is_container_network(const HostNetwork &net, const NetInterface &iface);

Placement classify(const HostNetwork &net, const IpAddress &addr, const LocalityOverrides &overrides = {});

// /proc/net/route and /proc/net/ipv6_route, as the kernel prints them.
// Local-table entries (ipv6_route lists them) are left out: host
// addresses come from the interfaces.
std::vector<Route> parse_ipv4_routes(std::string_view text);
std::vector<Route> parse_ipv6_routes(std::string_view text);

} // namespace bpfwatch
