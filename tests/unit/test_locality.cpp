// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Locality: addresses and prefixes, the /proc route parsers (fixtures
// taken from a Docker + Podman host, plus hand-made lines) and the
// classification rules.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>

#include <fstream>
#include <sstream>

#include "net/locality.h"
#include "util/error.h"

namespace bpfwatch {

void PrintTo(Locality where, std::ostream *os)
{
	*os << to_string(where);
}

namespace {

std::string fixture(const std::string &name)
{
	std::ifstream in(std::string(BPFWATCH_FIXTURES) + "/locality/" + name);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

IpAddress ip(const char *text)
{
	auto a = IpAddress::parse(text);
	EXPECT_TRUE(a) << text;
	return a.value_or(IpAddress{});
}

IpPrefix net(const char *cidr)
{
	auto p = IpPrefix::parse(cidr);
	EXPECT_TRUE(p) << cidr;
	return p.value_or(IpPrefix{});
}

NetInterface iface(const char *name, const char *kind, int index, int master,
		   std::vector<IpPrefix> addrs = {})
{
	NetInterface i;
	i.name = name;
	i.kind = kind;
	i.index = index;
	i.master = master;
	i.addrs = std::move(addrs);
	i.loopback = std::string(name) == "lo";
	return i;
}

// The host the fixtures come from: eth0 a NIC, docker0 a bridge with veth
// ports, cni-podman0 an empty bridge, a test namespace behind a routed
// veth, br0 a bridge with a NIC port (eth1), wg0 a WireGuard tunnel.
HostNetwork fixture_host()
{
	HostNetwork h;
	h.interfaces = {
		iface("lo", "", 1, 0, {net("127.0.0.1/8"), net("::1/128")}),
		iface("eth0", "", 4, 0, {net("192.0.2.2/24"), net("fd00::2/64")}),
		iface("docker0", "bridge", 5, 0, {net("172.17.0.1/16")}),
		iface("vethaab44dd", "veth", 7, 5),
		iface("cni-podman0", "bridge", 14, 0, {net("10.88.0.1/16")}),
		iface("bwd31894h", "veth", 20, 0, {net("198.51.100.109/30")}),
		iface("br0", "bridge", 21, 0, {net("10.10.0.1/16")}),
		iface("eth1", "", 22, 21),
		iface("wg0", "wireguard", 23, 0, {net("10.16.0.1/16")}),
	};
	h.routes = parse_ipv4_routes(fixture("route"));
	auto v6 = parse_ipv6_routes(fixture("ipv6_route"));
	h.routes.insert(h.routes.end(), v6.begin(), v6.end());
	return h;
}

Locality where(const HostNetwork &h, const char *addr, const LocalityOverrides &o = {})
{
	return classify(h, ip(addr), o).locality;
}

TEST(Locality, AddressesParseAndPrint)
{
	EXPECT_EQ(ip("198.51.100.7").to_string(), "198.51.100.7");
	EXPECT_EQ(ip("::1").to_string(), "::1");
	EXPECT_EQ(ip("::ffff:10.1.2.3").family, AF_INET) << "v4-mapped is IPv4";
	EXPECT_EQ(ip("::ffff:10.1.2.3").to_string(), "10.1.2.3");
	EXPECT_FALSE(IpAddress::parse("10.1.2"));
	EXPECT_FALSE(IpAddress::parse("example.org"));
	EXPECT_EQ(IpAddress::v4(htonl(0x7f000001)), ip("127.0.0.1"));
}

TEST(Locality, PrefixesContainWhatTheirMaskSays)
{
	EXPECT_TRUE(net("198.51.100.108/30").contains(ip("198.51.100.111")));
	EXPECT_FALSE(net("198.51.100.108/30").contains(ip("198.51.100.112")));
	EXPECT_TRUE(net("0.0.0.0/0").contains(ip("203.0.113.9")));
	EXPECT_FALSE(net("0.0.0.0/0").contains(ip("::1"))) << "families never mix";
	EXPECT_TRUE(net("fd00::/64").contains(ip("fd00::1234")));
	EXPECT_FALSE(net("fd00::/64").contains(ip("fd00:0:0:1::1")));
	EXPECT_EQ(net("10.0.0.0/8").to_string(), "10.0.0.0/8");
	EXPECT_EQ(net("10.0.0.1").len, 32);
	EXPECT_FALSE(IpPrefix::parse("10.0.0.0/33"));
	EXPECT_FALSE(IpPrefix::parse("10.0.0.0/x"));
}

TEST(Locality, Ipv4RoutesParseFromProcNetRoute)
{
	auto routes = parse_ipv4_routes(fixture("route"));
	ASSERT_EQ(routes.size(), 9u);
	EXPECT_EQ(routes[0].dev, "eth0");
	EXPECT_EQ(routes[0].dst, net("0.0.0.0/0"));
	EXPECT_TRUE(routes[0].gateway);
	EXPECT_EQ(routes[2].dst, net("172.17.0.0/16"));
	EXPECT_FALSE(routes[2].gateway);
	EXPECT_EQ(routes[4].dst, net("198.51.100.108/30"));
	EXPECT_TRUE(routes[7].reject);
	// Not a routing table is an error, never "no routes".
	EXPECT_THROW(parse_ipv4_routes(""), Error);
	EXPECT_THROW(parse_ipv4_routes("Iface\tDestination\nbad line\n"), Error);
	EXPECT_TRUE(parse_ipv4_routes("Iface\tDestination\tGateway\n").empty()) << "a table with no routes";
}

TEST(Locality, Ipv6RoutesSkipTheLocalTable)
{
	auto routes = parse_ipv6_routes(fixture("ipv6_route"));
	for (const Route &r : routes)
		EXPECT_NE(r.dst.len, 128) << r.dst.to_string() << " is a local-table entry";
	auto def = std::find_if(routes.begin(), routes.end(), [](const Route &r) {
		return r.dst == net("::/0") && r.dev == "eth0";
	});
	ASSERT_NE(def, routes.end());
	EXPECT_TRUE(def->gateway);
	EXPECT_EQ(def->metric, 0x400u);
	EXPECT_TRUE(parse_ipv6_routes("").empty()) << "no IPv6 routes";
	EXPECT_THROW(parse_ipv6_routes("00000000 bad\n"), Error);
}

TEST(Locality, LoopbackNeverLeaves)
{
	HostNetwork h = fixture_host();
	EXPECT_EQ(where(h, "127.0.0.1"), Locality::loopback);
	EXPECT_EQ(where(h, "127.3.4.5"), Locality::loopback);
	EXPECT_EQ(where(h, "::1"), Locality::loopback);
	EXPECT_EQ(where(h, "::ffff:127.0.0.1"), Locality::loopback);
	EXPECT_EQ(where(HostNetwork{}, "127.0.0.1"), Locality::loopback) << "needs no routes";
}

TEST(Locality, TheHostsOwnAddressesAreHost)
{
	HostNetwork h = fixture_host();
	EXPECT_EQ(where(h, "192.0.2.2"), Locality::host);
	EXPECT_EQ(where(h, "172.17.0.1"), Locality::host) << "docker0's own address";
	EXPECT_EQ(where(h, "fd00::2"), Locality::host);
	EXPECT_EQ(where(h, "0.0.0.0"), Locality::host);
	EXPECT_EQ(classify(h, ip("192.0.2.2")).dev, "eth0");
}

TEST(Locality, ContainerNetworksOnThisHostAreLocal)
{
	HostNetwork h = fixture_host();
	EXPECT_EQ(where(h, "172.17.5.3"), Locality::local_container);
	EXPECT_EQ(classify(h, ip("172.17.5.3")).dev, "docker0");
	EXPECT_EQ(where(h, "10.88.0.7"), Locality::local_container) << "a bridge without ports yet";
	EXPECT_EQ(where(h, "198.51.100.110"), Locality::local_container) << "a namespace behind a veth";
	EXPECT_EQ(where(h, "fd00::5"), Locality::local_container) << "docker0's fd00::/64 has the lower metric";
}

TEST(Locality, WhatIsRoutedOutLeavesTheHost)
{
	HostNetwork h = fixture_host();
	EXPECT_EQ(where(h, "203.0.113.9"), Locality::remote);
	EXPECT_EQ(classify(h, ip("203.0.113.9")).dev, "eth0");
	EXPECT_EQ(where(h, "192.0.2.50"), Locality::remote) << "on the NIC's own subnet";
	EXPECT_EQ(where(h, "10.10.3.4"), Locality::remote) << "a bridge with a NIC port";
	EXPECT_EQ(where(h, "10.16.0.9"), Locality::remote) << "a tunnel to another host";
	EXPECT_EQ(where(h, "172.17.0.9"), Locality::remote) << "the /24 via a gateway beats docker0's /16";
	EXPECT_EQ(where(h, "2001:4860::1"), Locality::remote);
	EXPECT_EQ(where(HostNetwork{}, "198.51.100.7"), Locality::remote) << "no route";
}

TEST(Locality, OverridesComeBeforeRoutes)
{
	HostNetwork h = fixture_host();
	LocalityOverrides o;
	o.remote = {net("198.51.100.108/30")};
	o.local_container = {net("203.0.113.0/24")};
	EXPECT_EQ(where(h, "198.51.100.110", o), Locality::remote) << "a namespace playing a remote host";
	EXPECT_EQ(where(h, "203.0.113.9", o), Locality::local_container);
	EXPECT_EQ(where(h, "127.0.0.1", o), Locality::loopback) << "loopback is loopback";
}

TEST(Locality, ABridgeIsAContainerNetworkOnlyWithVethOrTapPorts)
{
	HostNetwork h = fixture_host();
	EXPECT_TRUE(is_container_network(h, *h.interface("docker0")));
	EXPECT_TRUE(is_container_network(h, *h.interface("cni-podman0")));
	EXPECT_FALSE(is_container_network(h, *h.interface("br0")));
	EXPECT_FALSE(is_container_network(h, *h.interface("eth0")));
	EXPECT_FALSE(is_container_network(h, *h.interface("wg0")));
	EXPECT_EQ(to_string(Locality::local_container), "local-container");
}

} // namespace
} // namespace bpfwatch
