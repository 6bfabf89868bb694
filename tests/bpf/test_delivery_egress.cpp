// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// IP-layer egress (cgroup_skb/egress) and UDP's ICMP errors: datagrams of
// known size to a test-made namespace behind a veth, to loopback, and the
// rules of attaching: unwatched cgroups, nested directories, detaching.
#include <arpa/inet.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <future>
#include <vector>

#include "bpf/delivery_fixture.h"
#include "bpf/netns.h"
#include "bpf/workload.h"
#include "support/skip.h"

namespace bpfwatch::test {
namespace {

class DeliveryEgress : public DeliveryTest {};

const std::uint32_t kLo = htonl(INADDR_LOOPBACK);
constexpr std::uint16_t kPort = 5514;

int send_datagrams(std::uint32_t addr_be, std::uint16_t port, int count, std::size_t size)
{
	static char buf[2048];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	WL_CHECK(fd >= 0 && size <= sizeof(buf));
	sockaddr_in to{};
	to.sin_family = AF_INET;
	to.sin_port = htons(port);
	to.sin_addr.s_addr = addr_be;
	for (int i = 0; i < count; i++)
		WL_CHECK(sendto(fd, buf, size, 0, (sockaddr *)&to, sizeof(to)) == (ssize_t)size);
	close(fd);
	return 0;
}

TEST_F(DeliveryEgress, DatagramsToANamespaceCountExactPacketsAndBytes)
{
	std::unique_ptr<TestNetns> ns;
	try {
		ns = std::make_unique<TestNetns>();
	} catch (const std::exception &e) {
		BW_SKIP_OR_FAIL(std::string("no test namespace: ") + e.what());
	}
	attach_to_box();
	std::uint32_t dst = ns->peer_addr_be();
	run([&] { return send_datagrams(dst, kPort, 7, 100) || send_datagrams(dst, kPort + 1, 3, 1000); });

	PeerMap peers = box_peers();
	EXPECT_EQ(peers.size(), 2u);
	EgressCount a = peers[udp_peer(dst, kPort)].egress;
	EgressCount b = peers[udp_peer(dst, kPort + 1)].egress;
	// IPv4 header 20 + UDP header 8 + payload, one packet per datagram.
	EXPECT_EQ(a.packets, 7u);
	EXPECT_EQ(a.bytes, 7u * (20 + 8 + 100));
	EXPECT_EQ(b.packets, 3u);
	EXPECT_EQ(b.bytes, 3u * (20 + 8 + 1000));
}

// Each CPU keeps the count for its last destination and folds it into the
// map when the destination changes (bpf/egress.bpf.h): a socket that
// alternates keeps every destination exact, read after read.
TEST_F(DeliveryEgress, ADestinationThatChangesEveryPacketKeepsEachCountExact)
{
	attach_to_box();
	auto alternate = [] {
		for (int i = 0; i < 25; i++)
			if (send_datagrams(kLo, kPort, 1, 10) || send_datagrams(kLo, kPort + 1, 2, 100))
				return 1;
		return 0;
	};
	for (std::uint64_t round = 1; round <= 2; round++) {
		run(alternate);
		PeerMap peers = box_peers();
		EXPECT_EQ(peers[udp_peer(kLo, kPort)].egress.packets, round * 25);
		EXPECT_EQ(peers[udp_peer(kLo, kPort)].egress.bytes, round * 25 * (20 + 8 + 10));
		EXPECT_EQ(peers[udp_peer(kLo, kPort + 1)].egress.packets, round * 50);
		EXPECT_EQ(peers[udp_peer(kLo, kPort + 1)].egress.bytes, round * 50 * (20 + 8 + 100));
	}
}

// Reads fold each CPU's count while senders on every CPU count into it:
// nothing is lost or counted twice when a fold meets a packet.
TEST_F(DeliveryEgress, CountsStayExactWhileReadsFoldEveryCpuConcurrently)
{
	attach_to_box();
	const int cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
	constexpr int kSenders = 2, kBlocks = 200, kPerBlock = 50;
	std::vector<std::future<int>> senders;
	for (int i = 0; i < cpus * kSenders; i++)
		senders.push_back(start([cpu = i % cpus] {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			WL_CHECK(sched_setaffinity(0, sizeof(set), &set) == 0);
			for (int b = 0; b < kBlocks; b++)
				if (send_datagrams(kLo, kPort + b % 2, kPerBlock, 10))
					return 1;
			return 0;
		}));
	int reads = 0;
	for (auto &s : senders) {
		while (s.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready && reads < 100000) {
			probe_->read();
			reads++;
		}
		ASSERT_EQ(s.get(), 0);
	}
	EXPECT_GT(reads, 0);
	PeerMap peers = box_peers();
	const std::uint64_t each = std::uint64_t(cpus) * kSenders * kBlocks / 2 * kPerBlock;
	EXPECT_EQ(peers[udp_peer(kLo, kPort)].egress.packets, each);
	EXPECT_EQ(peers[udp_peer(kLo, kPort + 1)].egress.packets, each);
	EXPECT_EQ(peers[udp_peer(kLo, kPort + 1)].egress.bytes, each * (20 + 8 + 10));
}

// A full egress map loses packets, and says how many: each CPU's slot
// folds many packets at once, and every one of them is counted.
TEST_F(DeliveryEgress, AFullMapCountsEveryPacketItCouldNotTake)
{
	attach({.cgroup_ids = {box_->id()}, .egress = {{box_->id(), box_->path()}}, .max_egress = 1});
	run([] { return send_datagrams(kLo, kPort, 3, 10) || send_datagrams(kLo, kPort + 1, 5, 10); });

	PeerMap peers = box_peers();
	EXPECT_EQ(peers[udp_peer(kLo, kPort)].egress.packets, 3u);
	EXPECT_EQ(peers[udp_peer(kLo, kPort + 1)].egress.packets, 0u);
	EXPECT_EQ(snap_.stats.egress_full, 5u);
}

TEST_F(DeliveryEgress, AnUnwatchedCgroupsPacketsAreNotCounted)
{
	CgroupSandbox other("bpfwatch-dtest-other");
	attach_to_box();
	ASSERT_EQ(other.run([] { return send_datagrams(kLo, kPort, 5, 10); }), 0);
	run([] { return send_datagrams(kLo, kPort, 2, 10); });

	DeliverySnapshot s = probe_->read();
	EXPECT_EQ(s.cgroups.size(), 1u);
	EXPECT_EQ(s.cgroups[box_->id()][udp_peer(kLo, kPort)].egress.packets, 2u);
}

TEST_F(DeliveryEgress, AWatchedButUnlinkedCgroupIsNotCounted)
{
	// Egress is counted only where a link is: the filter alone is not enough.
	attach({.cgroup_ids = {box_->id()}, .egress = {}});
	run([] { return send_datagrams(kLo, kPort, 2, 10); });
	EXPECT_EQ(at(udp_peer(kLo, kPort)).egress.packets, 0u);
}

TEST_F(DeliveryEgress, NestedWatchedCgroupsCountEachPacketOnce)
{
	CgroupSandbox child(box_->relative_path().substr(1) + "/inner");
	attach({.cgroup_ids = {box_->id(), child.id()},
		.egress = {{child.id(), child.path()}, {box_->id(), box_->path()}}});
	EXPECT_EQ(probe_->egress_linked_dirs(), std::vector<std::string>{box_->path()});
	ASSERT_EQ(child.run([] { return send_datagrams(kLo, kPort, 4, 10); }), 0);
	run([] { return send_datagrams(kLo, kPort, 1, 10); });

	DeliverySnapshot s = probe_->read();
	EXPECT_EQ(s.cgroups[child.id()][udp_peer(kLo, kPort)].egress.packets, 4u);
	EXPECT_EQ(s.cgroups[box_->id()][udp_peer(kLo, kPort)].egress.packets, 1u);

	// The outer one gone, the inner one gets its own link.
	probe_->detach_egress(box_->id());
	EXPECT_EQ(probe_->egress_linked_dirs(), std::vector<std::string>{child.path()});
	ASSERT_EQ(child.run([] { return send_datagrams(kLo, kPort, 2, 10); }), 0);
	run([] { return send_datagrams(kLo, kPort, 1, 10); });
	s = probe_->read();
	EXPECT_EQ(s.cgroups[child.id()][udp_peer(kLo, kPort)].egress.packets, 6u);
	EXPECT_EQ(s.cgroups[box_->id()][udp_peer(kLo, kPort)].egress.packets, 1u);
	probe_.reset(); // before the inner cgroup goes
}

TEST_F(DeliveryEgress, ConnectedUdpCountsEachIcmpPortUnreachable)
{
	attach_to_box();
	std::uint16_t port = closed_port_v4(); // a TCP port; UDP's is as free
	run([&] {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in to{};
		to.sin_family = AF_INET;
		to.sin_port = htons(port);
		to.sin_addr.s_addr = kLo;
		WL_CHECK(connect(fd, (sockaddr *)&to, sizeof(to)) == 0);
		for (int i = 0; i < 3; i++) {
			WL_CHECK(send(fd, "x", 1, 0) == 1);
			// Loopback's ICMP is not rate limited; take the error,
			// so the next send goes out.
			int err = 0;
			for (int t = 0; t < 5000 && err == 0; t++) {
				socklen_t len = sizeof(err);
				WL_CHECK(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0);
				if (!err)
					usleep(1000);
			}
			WL_CHECK(err == ECONNREFUSED);
		}
		close(fd);
		return 0;
	});

	PeerDelivery d = at(udp_peer(kLo, port));
	EXPECT_EQ(d.icmp_errors, (std::map<int, std::uint64_t>{{ECONNREFUSED, 3}}));
	EXPECT_EQ(d.egress.packets, 3u);
	EXPECT_EQ(d.egress.bytes, 3u * (20 + 8 + 1));
}

} // namespace
} // namespace bpfwatch::test
