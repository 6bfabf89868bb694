// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The remote log host, built on a host whose own network sits on the usual
// test ranges: a throwaway namespace shaped like this machine (eth0
// 192.0.2.2/24, gateway 192.0.2.1) that also holds 203.0.113.1/24 and
// 198.51.100.1/24. The test network must take none of them, leave the
// "host's" routes as they were, and still carry bytes to the sink.
#include <unistd.h>

#include "net/locality.h"
#include "e2e/e2e_support.h"
#include "e2e/netlab.h"
#include "support/scratch_netns.h"
#include "support/skip.h"

namespace bpfwatch::e2e {
namespace {

using namespace std::chrono_literals;

TEST(RemoteHostRanges, StayClearOfWhatTheHostUsesAndStillDeliver)
{
	if (geteuid() != 0)
		BW_SKIP_OR_FAIL("needs root (network namespaces)");
	const std::vector<std::string> own = {"192.0.2.2/24", "203.0.113.1/24", "198.51.100.1/24"};
	// Its "eth0" is a veth whose peer stays in it too (no dummy driver
	// on every kernel): up, with carrier, going nowhere.
	std::vector<std::string> setup = {"ip link add bweth0 type veth peer name bweth0p", "ip link set bweth0p up"};
	for (const std::string &a : own)
		setup.push_back("ip addr add " + a + " dev bweth0");
	setup.push_back("ip link set bweth0 up");
	setup.push_back("ip route add default via 192.0.2.1 dev bweth0");
	std::unique_ptr<test::ScratchNetns> host;
	try {
		host = std::make_unique<test::ScratchNetns>("bwhost-" + std::to_string(getpid()), setup);
	} catch (const std::exception &e) {
		FAIL() << "cannot make the scratch host: " << e.what();
	}

	host->inside([&] {
		RemoteHost remote;
		ASSERT_TRUE(remote.ok()) << remote.error();
		auto sink = IpAddress::parse(remote.address());
		ASSERT_TRUE(sink) << remote.address();
		for (const std::string &a : own)
			EXPECT_FALSE(IpPrefix::parse(a)->contains(*sink)) << remote.address() << " is in the host's " << a;
		// The host's gateway and its neighbours on each of its own
		// networks are still reached the way they were: nothing shadowed.
		for (const char *peer : {"192.0.2.1", "192.0.2.50", "203.0.113.50", "198.51.100.50"}) {
			std::string route = sh_out(std::string("ip -4 route get ") + peer);
			EXPECT_NE(route.find("dev bweth0 "), std::string::npos) << peer << ": " << route;
		}
		// And bytes reach the sink (through the router namespace).
		remote.listen(514);
		ASSERT_TRUE(remote.listening(514));
		CommandResult r = sh("head -c 1000 /dev/zero | timeout 10 bash -c 'cat > /dev/tcp/" + remote.address() +
				     "/514'");
		EXPECT_EQ(r.status, 0);
		EXPECT_EQ(remote.received(10s), "1000") << "the sink's own count";
	});
}

} // namespace
} // namespace bpfwatch::e2e
