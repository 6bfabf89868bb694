// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// TestNetns, the kernel tests' one non-loopback peer, built on hosts that
// are not this machine: a throwaway namespace stands in for the host. It
// must come up on a host without a default route, and on one whose own
// addresses cover the usual test ranges, and carry TCP to its peer.
#include <arpa/inet.h>
#include <unistd.h>

#include <cstring>

#include "net/locality.h"
#include "bpf/delivery_fixture.h"
#include "bpf/netns.h"
#include "support/scratch_netns.h"
#include "support/skip.h"

namespace bpfwatch::test {
namespace {

std::unique_ptr<ScratchNetns> stand_in_host(const std::vector<std::string> &setup)
{
	return std::make_unique<ScratchNetns>("bwhost-" + std::to_string(getpid()), setup);
}

// Builds a TestNetns from inside @host, then connects to a sink in it and
// sends 1000 bytes. Returns the peer's address; throws on any failure.
std::string build_and_connect(ScratchNetns &host)
{
	return host.inside([&] {
		TestNetns ns;
		std::uint32_t dst = ns.peer_addr_be();
		auto sink = ns.inside([&] { return std::make_unique<TcpSink>(dst); });
		int fd = connect_v4(dst, sink->port());
		if (fd < 0)
			throw std::runtime_error("connect to " + ns.peer_addr() + ": " + strerror(-fd));
		bool sent = send_bytes(fd, 1000) == 0;
		close(fd);
		if (!sent || !sink->wait_read(1000))
			throw std::runtime_error("1000 bytes did not reach " + ns.peer_addr());
		return ns.peer_addr();
	});
}

class Netns : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (geteuid() != 0)
			BW_SKIP_OR_FAIL("needs root (network namespaces)");
	}
};

TEST_F(Netns, ComesUpOnAHostWithoutADefaultRoute)
{
	// Only lo: `ip route get` of an address not yet connected fails here.
	try {
		auto host = stand_in_host({});
		ASSERT_EQ(host->exec("ip -4 route show"), "") << "the stand-in host has routes";
		build_and_connect(*host);
	} catch (const std::exception &e) {
		FAIL() << e.what();
	}
}

TEST_F(Netns, TakesNoneOfTheHostsOwnRanges)
{
	const std::vector<std::string> own = {"192.0.2.2/24", "203.0.113.1/24", "198.51.100.1/24"};
	// Its "eth0" is a veth whose peer stays in it too (no dummy driver
	// on every kernel): up, with carrier, going nowhere.
	std::vector<std::string> setup = {"ip link add bweth0 type veth peer name bweth0p", "ip link set bweth0p up"};
	for (const std::string &a : own)
		setup.push_back("ip addr add " + a + " dev bweth0");
	setup.push_back("ip link set bweth0 up");
	setup.push_back("ip route add default via 192.0.2.1 dev bweth0");
	std::string peer;
	try {
		peer = build_and_connect(*stand_in_host(setup));
	} catch (const std::exception &e) {
		FAIL() << e.what();
	}
	for (const std::string &a : own)
		EXPECT_FALSE(IpPrefix::parse(a)->contains(*IpAddress::parse(peer))) << peer << " is in the host's " << a;
}

} // namespace
} // namespace bpfwatch::test
