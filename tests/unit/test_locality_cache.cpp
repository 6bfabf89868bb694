// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// LocalityCache: re-reads the host network only when due, notices a
// change (a new Docker network), and the live reader works here.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "net/locality.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

using namespace std::chrono_literals;

HostNetwork with_bridge(bool present)
{
	HostNetwork h;
	NetInterface eth;
	eth.name = "eth0";
	eth.index = 2;
	eth.addrs = {*IpPrefix::parse("192.0.2.2/24")};
	h.interfaces.push_back(eth);
	h.routes.push_back({*IpPrefix::parse("0.0.0.0/0"), "eth0", true, false, 0});
	if (present) {
		NetInterface br;
		br.name = "br-1";
		br.kind = "bridge";
		br.index = 3;
		br.addrs = {*IpPrefix::parse("172.20.0.1/16")};
		h.interfaces.push_back(br);
		h.routes.push_back({*IpPrefix::parse("172.20.0.0/16"), "br-1", false, false, 0});
	}
	return h;
}

TEST(LocalityCache, ReReadsOnlyWhenDueAndSaysWhenItChanged)
{
	int reads = 0;
	bool bridge = false;
	LocalityCache cache({}, 5s, [&] {
		reads++;
		return with_bridge(bridge);
	});
	auto t0 = LocalityCache::Clock::time_point{} + 1h;
	auto peer = *IpAddress::parse("172.20.0.5");

	EXPECT_EQ(cache.classify(peer, t0).locality, Locality::remote);
	EXPECT_EQ(reads, 1);

	bridge = true; // `docker network create` happens
	EXPECT_EQ(cache.classify(peer, t0 + 4s).locality, Locality::remote) << "not due yet";
	EXPECT_EQ(reads, 1);
	EXPECT_EQ(cache.classify(peer, t0 + 5s).locality, Locality::local_container);
	EXPECT_EQ(reads, 2);

	EXPECT_FALSE(cache.refresh(t0 + 11s)) << "read again, nothing changed";
	EXPECT_EQ(reads, 3);
	bridge = false;
	EXPECT_TRUE(cache.refresh(t0 + 16s)) << "the network is gone again";
	EXPECT_EQ(reads, 4);
	bridge = true;
	EXPECT_TRUE(cache.refresh(t0 + 12s, true));
	EXPECT_EQ(reads, 5) << "forced";
}

// An unreadable routing table must never read as "no routes" (every peer
// remote): every peer is unknown until a read works again.
TEST(LocalityCache, AFailedReadMakesEveryPeerUnknown)
{
	bool fail = false;
	LocalityCache cache({}, 5s, [&] {
		if (fail)
			throw Error("cannot read /proc/net/route: Permission denied");
		return with_bridge(true);
	});
	auto t0 = LocalityCache::Clock::time_point{} + 1h;
	auto peer = *IpAddress::parse("172.20.0.5");
	EXPECT_EQ(cache.classify(peer, t0).locality, Locality::local_container);
	fail = true;
	EXPECT_EQ(cache.classify(peer, t0 + 5s).locality, Locality::unknown);
	EXPECT_EQ(cache.classify(*IpAddress::parse("198.51.100.7"), t0 + 6s).locality, Locality::unknown);
	EXPECT_EQ(cache.error(), "cannot read /proc/net/route: Permission denied");
	EXPECT_EQ(cache.classify(*IpAddress::parse("127.0.0.1"), t0 + 7s).locality, Locality::unknown)
		<< "nothing is known, not even loopback's route";
	fail = false;
	EXPECT_EQ(cache.classify(peer, t0 + 10s).locality, Locality::local_container);
	EXPECT_EQ(cache.error(), "");
}

TEST(LocalityCache, OverridesApply)
{
	LocalityOverrides o;
	o.remote = {*IpPrefix::parse("172.20.0.0/24")};
	LocalityCache cache(o, 5s, [] { return with_bridge(true); });
	EXPECT_EQ(cache.classify(*IpAddress::parse("172.20.0.5")).locality, Locality::remote);
	EXPECT_EQ(cache.classify(*IpAddress::parse("172.20.1.5")).locality, Locality::local_container);
}

TEST(LocalityCache, TheLiveHostHasLoopbackAndARoute)
{
	HostNetwork h = read_host_network();
	const NetInterface *lo = h.interface("lo");
	ASSERT_NE(lo, nullptr);
	EXPECT_TRUE(lo->loopback);
	EXPECT_FALSE(h.routes.empty());
	for (const NetInterface &i : h.interfaces) {
		if (!i.addrs.empty() && !i.loopback) {
			EXPECT_EQ(classify(h, i.addrs.front().addr).locality, Locality::host) << i.name;
		}
	}
}

} // namespace
} // namespace bpfwatch
