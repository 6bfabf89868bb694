// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The chooser of test network ranges, on fixtures of what hosts use: this
// machine (eth0 192.0.2.2/24, gateway 192.0.2.1), one on the other usual
// ranges, and one that leaves nothing free.
#include <gtest/gtest.h>

#include "support/test_ranges.h"

namespace bpfwatch::test {
namespace {

IpPrefix net(const char *s)
{
	return *IpPrefix::parse(s);
}

std::vector<std::string> strings(const std::vector<IpPrefix> &nets)
{
	std::vector<std::string> v;
	for (const IpPrefix &n : nets)
		v.push_back(n.to_string());
	return v;
}

std::vector<HostUse> host(const std::string &addrs, const std::string &routes)
{
	std::vector<HostUse> uses = parse_ip_addr(addrs);
	for (HostUse &u : parse_ip_route(routes))
		uses.push_back(u);
	return uses;
}

// What `ip -4 -o addr` and `ip -4 route show table all` say here.
const char *kThisMachineAddrs =
	"1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
	"4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft "
	"forever\n";
const char *kThisMachineRoutes =
	"default via 192.0.2.1 dev eth0 \n"
	"192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2 \n"
	"local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 \n"
	"broadcast 192.0.2.255 dev eth0 table local proto kernel scope link src 192.0.2.2 \n";

// Whether any chosen net overlaps any of the host's (bar the default route).
std::string clash(const std::vector<IpPrefix> &chosen, const std::vector<HostUse> &uses)
{
	for (const IpPrefix &c : chosen)
		for (const HostUse &u : uses)
			if (u.net.len > 0 && (u.net.len <= c.len ? u.net.contains(c.addr) : c.contains(u.net.addr)))
				return c.to_string() + " overlaps " + u.what;
	return "";
}

TEST(TestRanges, ParsesAddressesWithTheirPrefixes)
{
	auto uses = parse_ip_addr(std::string(kThisMachineAddrs) +
				  "12: bwh123@if2    inet 203.0.113.1/30 scope global bwh123\\ valid_lft forever\n"
				  "9: tun0    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0\\ valid_lft forever\n");
	ASSERT_EQ(uses.size(), 5u);
	EXPECT_EQ(uses[1].net, net("192.0.2.2/24"));
	EXPECT_EQ(uses[1].what, "eth0 address 192.0.2.2/24");
	EXPECT_EQ(uses[2].what, "bwh123 address 203.0.113.1/30") << "a veth's @ifN is not its name";
	EXPECT_EQ(uses[3].net, net("10.8.0.1/32"));
	EXPECT_EQ(uses[4].net, net("10.8.0.2/32"));
}

TEST(TestRanges, ParsesRoutesOfEveryTable)
{
	auto uses = parse_ip_route(std::string(kThisMachineRoutes) +
				   "unreachable 10.0.0.0/8 metric 1024 \n"
				   "100.64.0.0/10 dev tailscale0 table 52 \n"
				   "172.16.0.0/12 proto static \n"
				   "\tnexthop via 192.0.2.7 dev eth0 weight 1 \n"
				   "\tnexthop via 192.0.2.8 dev eth0 weight 1 \n");
	ASSERT_EQ(uses.size(), 7u);
	EXPECT_EQ(uses[0].net, net("0.0.0.0/0"));
	EXPECT_EQ(uses[0].what, "route default via 192.0.2.1 dev eth0");
	EXPECT_EQ(uses[1].net, net("192.0.2.0/24"));
	EXPECT_EQ(uses[3].net, net("192.0.2.255/32"));
	EXPECT_EQ(uses[4].what, "route unreachable 10.0.0.0/8");
	EXPECT_EQ(uses[5].what, "route 100.64.0.0/10 dev tailscale0 table 52");
	EXPECT_EQ(uses[6].net, net("172.16.0.0/12"));
}

TEST(TestRanges, WhatCannotBeReadIsAnErrorNotAFreeRange)
{
	EXPECT_THROW(parse_ip_addr("4: eth0    inet6 fd00::2/64 scope global\n"), std::runtime_error);
	EXPECT_THROW(parse_ip_route("garbage dev eth0\n"), std::runtime_error);
}

TEST(TestRanges, ThisMachineKeepsItsGatewayOutOfTheTestNetworks)
{
	// The old constants, 192.0.2.0/30 for host-router, shadowed 192.0.2.1.
	auto uses = host(kThisMachineAddrs, kThisMachineRoutes);
	RangeChoice c = choose_ranges(uses, {30, 24});
	ASSERT_TRUE(c.ok()) << c.error;
	EXPECT_EQ(clash(c.nets, uses), "");
	EXPECT_EQ(strings(c.nets), (std::vector<std::string>{"203.0.113.0/30", "198.51.100.0/24"}));
}

TEST(TestRanges, AHostOnTheUsualRangesGetsOthers)
{
	auto uses = host("2: eth0    inet 198.51.100.2/24 brd 198.51.100.255 scope global eth0\\ valid_lft forever\n",
			 "default via 198.51.100.1 dev eth0\n"
			 "198.51.100.0/24 dev eth0 proto kernel scope link src 198.51.100.2\n"
			 "203.0.113.0/24 via 198.51.100.9 dev eth0\n");
	RangeChoice c = choose_ranges(uses, {30, 24});
	ASSERT_TRUE(c.ok()) << c.error;
	EXPECT_EQ(clash(c.nets, uses), "");
	// The /30 first, then a /24 that does not hold it.
	EXPECT_EQ(strings(c.nets), (std::vector<std::string>{"192.0.2.0/30", "100.64.0.0/24"}));
}

TEST(TestRanges, ASeedSpreadsTestsOutAndSkipsWhatAnotherTestHolds)
{
	// Another test's /30 at 198.51.100.4/30 on the host: ours goes past it.
	auto uses = parse_ip_addr("7: bwd1h    inet 198.51.100.5/30 scope global bwd1h\\ valid_lft forever\n");
	RangeChoice a = choose_ranges(uses, {30}, 64 + 1);
	ASSERT_TRUE(a.ok()) << a.error;
	EXPECT_EQ(strings(a.nets), (std::vector<std::string>{"198.51.100.8/30"}));
	// Seeds past the end wrap around.
	RangeChoice b = choose_ranges({}, {30}, 7 * 64 + 2);
	ASSERT_TRUE(b.ok()) << b.error;
	EXPECT_EQ(strings(b.nets), (std::vector<std::string>{"203.0.113.8/30"}));
}

TEST(TestRanges, ChosenNetsDoNotOverlapEachOther)
{
	RangeChoice c = choose_ranges({}, {24, 30, 24});
	ASSERT_TRUE(c.ok()) << c.error;
	EXPECT_EQ(strings(c.nets), (std::vector<std::string>{"203.0.113.0/24", "198.51.100.0/30", "192.0.2.0/24"}));
}

TEST(TestRanges, OnlyTheDefaultRouteMayCoverTheCandidates)
{
	RangeChoice c = choose_ranges(parse_ip_route("default via 10.0.0.1 dev eth0\n"), {24});
	ASSERT_TRUE(c.ok()) << c.error;
	EXPECT_EQ(strings(c.nets), (std::vector<std::string>{"203.0.113.0/24"}));
}

TEST(TestRanges, AHostUsingEveryCandidateGetsAnErrorNamingWhatTookThem)
{
	auto uses = host("2: eth0    inet 198.51.100.2/24 scope global eth0\\ valid_lft forever\n"
			 "3: eth1    inet 192.0.2.2/24 scope global eth1\\ valid_lft forever\n",
			 "203.0.113.0/24 via 198.51.100.9 dev eth0\n"
			 "100.64.0.0/10 dev tailscale0 table 52\n");
	RangeChoice c = choose_ranges(uses, {30, 24});
	EXPECT_FALSE(c.ok());
	EXPECT_TRUE(c.nets.empty());
	EXPECT_EQ(c.error.find('\n'), std::string::npos) << "one line";
	EXPECT_EQ(c.error, "no free /30 for a test network: "
			   "203.0.113.0/24 taken by route 203.0.113.0/24 via 198.51.100.9 dev eth0; "
			   "198.51.100.0/24 taken by eth0 address 198.51.100.2/24; "
			   "192.0.2.0/24 taken by eth1 address 192.0.2.2/24; "
			   "100.64.0.0/24 taken by route 100.64.0.0/10 dev tailscale0 table 52; "
			   "100.64.1.0/24 taken by route 100.64.0.0/10 dev tailscale0 table 52; "
			   "100.64.2.0/24 taken by route 100.64.0.0/10 dev tailscale0 table 52; "
			   "100.64.3.0/24 taken by route 100.64.0.0/10 dev tailscale0 table 52");
}

TEST(TestRanges, NthAddress)
{
	EXPECT_EQ(nth_address(net("198.51.100.0/24"), 7), "198.51.100.7");
	EXPECT_EQ(nth_address(net("203.0.113.6/30"), 2), "203.0.113.6") << "from the network, not the address";
}

} // namespace
} // namespace bpfwatch::test
