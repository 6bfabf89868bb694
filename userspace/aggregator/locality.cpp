// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/locality.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <bit>
#include <charconv>
#include <cstring>
#include <sstream>

namespace bpfwatch {
namespace {

// Route flags (include/uapi/linux/route.h, ipv6_route.h).
constexpr unsigned kRtfGateway = 0x0002;
constexpr unsigned kRtfReject = 0x0200;
constexpr unsigned kRtfLocal = 0x80000000; // RTF_LOCAL: ipv6_route's local table

std::size_t addr_len(std::uint16_t family)
{
	return family == AF_INET ? 4 : 16;
}

bool parse_hex(std::string_view s, std::uint64_t &out)
{
	auto r = std::from_chars(s.data(), s.data() + s.size(), out, 16);
	return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_hex_bytes(std::string_view s, std::uint8_t *out, std::size_t n)
{
	if (s.size() != 2 * n)
		return false;
	for (std::size_t i = 0; i < n; i++) {
		std::uint64_t b;
		if (!parse_hex(s.substr(2 * i, 2), b))
			return false;
		out[i] = static_cast<std::uint8_t>(b);
	}
	return true;
}

std::vector<std::string> fields_of(const std::string &line)
{
	std::istringstream in(line);
	std::vector<std::string> f;
	std::string w;
	while (in >> w)
		f.push_back(w);
	return f;
}

bool is_loopback(const IpAddress &a)
{
	if (a.family == AF_INET)
		return a.bytes[0] == 127;
	static const std::array<std::uint8_t, 16> one = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	return a.bytes == one;
}

bool is_unspecified(const IpAddress &a)
{
	for (std::size_t i = 0; i < addr_len(a.family); i++)
		if (a.bytes[i])
			return false;
	return true;
}

bool any_contains(const std::vector<IpPrefix> &prefixes, const IpAddress &a)
{
	for (const IpPrefix &p : prefixes)
		if (p.contains(a))
			return true;
	return false;
}

// Longest prefix first, then the lowest metric: the kernel's choice in
// the main table.
const Route *best_route(const HostNetwork &net, const IpAddress &a)
{
	const Route *best = nullptr;
	for (const Route &r : net.routes) {
		if (!r.dst.contains(a))
			continue;
		if (!best || r.dst.len > best->dst.len || (r.dst.len == best->dst.len && r.metric < best->metric))
			best = &r;
	}
	return best;
}

} // namespace

std::string_view to_string(Locality where)
{
	switch (where) {
	case Locality::loopback:
		return "loopback";
	case Locality::host:
		return "host";
	case Locality::local_container:
		return "local-container";
	case Locality::remote:
		return "remote";
	}
	return "remote";
}

IpAddress IpAddress::v4(std::uint32_t addr_be)
{
	IpAddress a;
	a.family = AF_INET;
	std::memcpy(a.bytes.data(), &addr_be, 4);
	return a;
}

IpAddress IpAddress::from_bytes(std::uint16_t family, const std::uint8_t *bytes)
{
	IpAddress a;
	a.family = family;
	std::memcpy(a.bytes.data(), bytes, addr_len(family));
	return a.unmapped();
}

std::optional<IpAddress> IpAddress::parse(std::string_view text)
{
	std::string s(text);
	IpAddress a;
	if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1)
		a.family = AF_INET6;
	else
		return std::nullopt;
	return a.unmapped();
}

IpAddress IpAddress::unmapped() const
{
	static const std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (family != AF_INET6 || std::memcmp(bytes.data(), prefix, 12) != 0)
		return *this;
	IpAddress a;
	a.family = AF_INET;
	std::memcpy(a.bytes.data(), bytes.data() + 12, 4);
	return a;
}

std::string IpAddress::to_string() const
{
	char buf[INET6_ADDRSTRLEN] = {};
	if ((family != AF_INET && family != AF_INET6) || !inet_ntop(family, bytes.data(), buf, sizeof(buf)))
		return "?";
	return buf;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view cidr)
{
	auto slash = cidr.find('/');
	auto addr = IpAddress::parse(cidr.substr(0, slash));
	if (!addr)
		return std::nullopt;
	IpPrefix p{*addr, static_cast<std::uint8_t>(addr_len(addr->family) * 8)};
	if (slash != std::string_view::npos) {
		unsigned len = 0;
		auto tail = cidr.substr(slash + 1);
		auto r = std::from_chars(tail.data(), tail.data() + tail.size(), len);
		if (r.ec != std::errc() || r.ptr != tail.data() + tail.size() || len > p.len)
			return std::nullopt;
		p.len = len;
	}
	return p;
}

bool IpPrefix::contains(const IpAddress &a) const
{
	if (a.family != addr.family)
		return false;
	unsigned full = len / 8, rest = len % 8;
	if (std::memcmp(a.bytes.data(), addr.bytes.data(), full) != 0)
		return false;
	if (!rest)
		return true;
	std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
	return (a.bytes[full] & mask) == (addr.bytes[full] & mask);
}

std::string IpPrefix::to_string() const
{
	return addr.to_string() + "/" + std::to_string(len);
}

const NetInterface *HostNetwork::interface(std::string_view name) const
{
	for (const NetInterface &i : interfaces)
		if (i.name == name)
			return &i;
	return nullptr;
}

bool is_container_network(const HostNetwork &net, const NetInterface &iface)
{
	if (iface.kind == "veth")
		return true;
	if (iface.kind != "bridge")
		return false;
	for (const NetInterface &port : net.interfaces)
		if (port.master == iface.index && port.kind != "veth" && port.kind != "tun")
			return false; // a NIC, VXLAN, WireGuard, bond...: off the host
	return true;
}

Placement classify(const HostNetwork &net, const IpAddress &address, const LocalityOverrides &overrides)
{
	IpAddress a = address.unmapped();
	if (is_loopback(a))
		return {Locality::loopback, "lo"};
	if (any_contains(overrides.remote, a))
		return {Locality::remote, ""};
	if (any_contains(overrides.local_container, a))
		return {Locality::local_container, ""};
	// Connecting to 0.0.0.0 or :: reaches this host.
	if (is_unspecified(a))
		return {Locality::host, ""};
	for (const NetInterface &i : net.interfaces)
		for (const IpPrefix &p : i.addrs)
			if (p.addr == a)
				return {Locality::host, i.name};

	const Route *r = best_route(net, a);
	if (!r)
		return {Locality::remote, ""}; // no route: it could only fail
	const NetInterface *dev = net.interface(r->dev);
	if (!r->gateway && !r->reject && dev && is_container_network(net, *dev))
		return {Locality::local_container, r->dev};
	return {Locality::remote, r->dev};
}

// Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT,
// addresses as the hex of their in-memory (network order) 32 bits.
std::vector<Route> parse_ipv4_routes(std::string_view text)
{
	std::vector<Route> routes;
	std::istringstream in{std::string(text)};
	std::string line;
	std::getline(in, line); // header
	while (std::getline(in, line)) {
		auto f = fields_of(line);
		std::uint64_t dst, flags, metric, mask;
		if (f.size() < 8 || !parse_hex(f[1], dst) || !parse_hex(f[3], flags) ||
		    !parse_hex(f[7], mask))
			continue;
		metric = std::strtoull(f[6].c_str(), nullptr, 10);
		Route r;
		r.dev = f[0];
		r.dst.addr = IpAddress::v4(static_cast<std::uint32_t>(dst));
		r.dst.len = std::popcount(static_cast<std::uint32_t>(mask));
		r.gateway = flags & kRtfGateway;
		r.reject = flags & kRtfReject;
		r.metric = static_cast<std::uint32_t>(metric);
		routes.push_back(r);
	}
	return routes;
}

// dst dst_len src src_len next_hop metric refcnt use flags dev, in hex.
std::vector<Route> parse_ipv6_routes(std::string_view text)
{
	std::vector<Route> routes;
	std::istringstream in{std::string(text)};
	std::string line;
	while (std::getline(in, line)) {
		auto f = fields_of(line);
		Route r;
		std::uint64_t len, metric, flags;
		if (f.size() < 10 || !parse_hex_bytes(f[0], r.dst.addr.bytes.data(), 16) ||
		    !parse_hex(f[1], len) || len > 128 || !parse_hex(f[5], metric) || !parse_hex(f[8], flags))
			continue;
		if (flags & kRtfLocal)
			continue;
		r.dst.addr.family = AF_INET6;
		r.dst.len = static_cast<std::uint8_t>(len);
		r.dev = f[9];
		r.gateway = flags & kRtfGateway;
		r.reject = flags & kRtfReject;
		r.metric = static_cast<std::uint32_t>(metric);
		routes.push_back(r);
	}
	return routes;
}

} // namespace bpfwatch
