// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// TCP delivery over loopback: acknowledged bytes, connect failures with
// their errno, resets both ways, sockets older than the probe, and the
// cgroup filter. The sink runs in the test's own cgroup, so only the
// sandbox's client side is counted.
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "bpf/delivery_fixture.h"
#include "util/clock.h"
#include "bpf/workload.h"

namespace bpfwatch::test {
namespace {

class DeliveryTcp : public DeliveryTest {};

const std::uint32_t kLo = htonl(INADDR_LOOPBACK);

TEST_F(DeliveryTcp, AckedBytesEqualSentBytesOnceThePeerReadEverything)
{
	constexpr std::size_t n = 300000;
	attach_to_box();
	TcpSink sink;
	run([&] {
		int fd = connect_v4(kLo, sink.port());
		WL_CHECK(fd >= 0);
		WL_CHECK(send_bytes(fd, n) == 0);
		WL_CHECK(wait_all_acked(fd));
		WL_CHECK(shutdown(fd, SHUT_WR) == 0);
		char c;
		WL_CHECK(read(fd, &c, 1) == 0); // the sink closes after EOF
		close(fd);
		return 0;
	});
	ASSERT_TRUE(sink.wait_read(n));

	PeerMap peers = box_peers();
	ASSERT_EQ(peers.size(), 1u) << "the client's one peer: the sink";
	const PeerDelivery &d = peers[tcp_peer(kLo, sink.port())];
	EXPECT_EQ(d.tcp.bytes_acked, n);
	EXPECT_EQ(d.tcp.bytes_sent, n);
	EXPECT_EQ(d.tcp.bytes_retrans, 0u);
	EXPECT_EQ(d.tcp.retrans_segs, 0u);
	EXPECT_EQ(d.tcp.connect_attempts, 1u);
	EXPECT_EQ(d.tcp.connects, 1u);
	EXPECT_EQ(d.tcp.accepts, 0u);
	EXPECT_EQ(d.tcp.connect_failures, 0u);
	EXPECT_EQ(d.tcp.closes, 1u);
	EXPECT_TRUE(d.tcp.close_errors.empty());
	EXPECT_EQ(d.tcp.live_sockets, 0u);
	EXPECT_EQ(d.tcp.unacked, 0u);
	EXPECT_EQ(d.tcp.unsent, 0u);
	EXPECT_EQ(d.tcp.resets_sent + d.tcp.resets_received, 0u);
	ASSERT_NE(d.tcp.last_ack_ns, 0u);
	EXPECT_LT(seconds_since(d.tcp.last_ack_ns, snap_.taken_ns), 10.0);
	// Every byte left the socket in IP packets, each with its headers.
	EXPECT_GT(d.egress.packets, 0u);
	EXPECT_GE(d.egress.bytes, n + 40 * d.egress.packets);
	EXPECT_EQ(snap_.stats.sockets_full + snap_.stats.peers_full + snap_.stats.stale, 0u);
}

TEST_F(DeliveryTcp, ALiveSocketIsSampledAtEachRead)
{
	constexpr std::size_t n = 5000;
	attach_to_box();
	TcpSink sink;
	Baton sent, exit_now;
	auto child = start([&] {
		int fd = connect_v4(kLo, sink.port());
		WL_CHECK(fd >= 0);
		WL_CHECK(send_bytes(fd, n) == 0);
		WL_CHECK(wait_all_acked(fd));
		sent.post();
		WL_CHECK(exit_now.wait());
		close(fd);
		return 0;
	});
	ASSERT_TRUE(sent.wait());
	PeerDelivery live = at(tcp_peer(kLo, sink.port()));
	exit_now.post();
	ASSERT_EQ(child.get(), 0);

	EXPECT_EQ(live.tcp.live_sockets, 1u);
	EXPECT_EQ(live.tcp.bytes_acked, n) << "folded by the sampler, not at close";
	EXPECT_EQ(live.tcp.bytes_sent, n);
	EXPECT_EQ(live.tcp.unacked, 0u);
	EXPECT_EQ(live.tcp.closes, 0u);

	PeerDelivery done = at(tcp_peer(kLo, sink.port()));
	EXPECT_EQ(done.tcp.bytes_acked, n) << "the close adds nothing the sampler took";
	EXPECT_EQ(done.tcp.closes, 1u);
	EXPECT_EQ(done.tcp.live_sockets, 0u);
}

TEST_F(DeliveryTcp, ASocketOlderThanTheProbeIsStillTracked)
{
	constexpr std::size_t before = 1000, after = 70000;
	TcpSink sink;
	Baton connected, go, acked, exit_now;
	auto child = start([&] {
		int fd = connect_v4(kLo, sink.port());
		WL_CHECK(fd >= 0);
		WL_CHECK(send_bytes(fd, before) == 0);
		WL_CHECK(wait_all_acked(fd));
		connected.post();
		WL_CHECK(go.wait());
		WL_CHECK(send_bytes(fd, after) == 0);
		WL_CHECK(wait_all_acked(fd));
		acked.post();
		WL_CHECK(exit_now.wait());
		close(fd);
		return 0;
	});
	ASSERT_TRUE(connected.wait());
	attach_to_box();
	go.post();
	ASSERT_TRUE(acked.wait());
	PeerDelivery live = at(tcp_peer(kLo, sink.port()));
	exit_now.post();
	ASSERT_EQ(child.get(), 0);
	PeerDelivery done = at(tcp_peer(kLo, sink.port()));

	EXPECT_EQ(live.tcp.live_sockets, 1u);
	EXPECT_EQ(live.tcp.bytes_acked, after) << "only what was acknowledged while watched";
	EXPECT_EQ(live.tcp.bytes_sent, after);
	EXPECT_EQ(live.tcp.connect_attempts, 0u) << "connected before the probe";
	EXPECT_EQ(done.tcp.bytes_acked, after);
	EXPECT_EQ(done.tcp.closes, 1u);
}

TEST_F(DeliveryTcp, ConnectRefusedIsCountedWithItsErrnoAndTheResetReceived)
{
	attach_to_box();
	std::uint16_t port = closed_port_v4();
	run([&] {
		for (int i = 0; i < 3; i++)
			WL_CHECK(connect_v4(kLo, port) == -ECONNREFUSED);
		return 0;
	});

	PeerDelivery d = at(tcp_peer(kLo, port));
	EXPECT_EQ(d.tcp.connect_attempts, 3u);
	EXPECT_EQ(d.tcp.connect_failures, 3u);
	EXPECT_EQ(d.tcp.connect_errors, (std::map<int, std::uint64_t>{{ECONNREFUSED, 3}}));
	EXPECT_EQ(d.tcp.resets_received, 3u);
	EXPECT_EQ(d.tcp.connects, 0u);
	EXPECT_EQ(d.tcp.closes, 0u);
	EXPECT_EQ(d.tcp.bytes_acked + d.tcp.bytes_sent, 0u);
	EXPECT_EQ(d.tcp.live_sockets, 0u);
	// Three SYNs and nothing else left the sandbox's sockets.
	EXPECT_EQ(d.egress.packets, 3u);
}

TEST_F(DeliveryTcp, AnAbortiveCloseSendsAResetAndCountsTheClose)
{
	attach_to_box();
	TcpSink sink;
	run([&] {
		int fd = connect_v4(kLo, sink.port());
		WL_CHECK(fd >= 0);
		linger l{1, 0};
		WL_CHECK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) == 0);
		close(fd);
		return 0;
	});

	PeerDelivery d = at(tcp_peer(kLo, sink.port()));
	EXPECT_EQ(d.tcp.resets_sent, 1u);
	EXPECT_EQ(d.tcp.resets_received, 0u);
	EXPECT_EQ(d.tcp.connects, 1u);
	EXPECT_EQ(d.tcp.closes, 1u);
	EXPECT_TRUE(d.tcp.close_errors.empty()) << "our own abort is no error";
}

TEST_F(DeliveryTcp, AResetFromThePeerEndsTheConnectionWithEconnreset)
{
	attach_to_box();
	TcpSink sink(kLo, TcpSink::Mode::reset_at_once);
	run([&] {
		int fd = connect_v4(kLo, sink.port());
		WL_CHECK(fd >= 0);
		char c;
		WL_CHECK(read(fd, &c, 1) < 0 && errno == ECONNRESET);
		close(fd);
		return 0;
	});

	PeerDelivery d = at(tcp_peer(kLo, sink.port()));
	EXPECT_EQ(d.tcp.resets_received, 1u);
	EXPECT_EQ(d.tcp.resets_sent, 0u);
	EXPECT_EQ(d.tcp.connects, 1u);
	EXPECT_EQ(d.tcp.closes, 1u);
	EXPECT_EQ(d.tcp.close_errors, (std::map<int, std::uint64_t>{{ECONNRESET, 1}}));
}

// A v4-mapped peer is an IPv4 peer: socket and packet numbers share a key.
TEST_F(DeliveryTcp, Ipv6AndV4MappedPeersAreKeyedByTheirRealFamily)
{
	attach_to_box();
	TcpSink sink4;
	TcpListener l6 = tcp_listener(AF_INET6);
	std::uint16_t closed6 = l6.port;
	close(l6.fd); // nothing listens on [::1]:closed6 now
	run([&] {
		int fd = socket(AF_INET6, SOCK_STREAM, 0);
		sockaddr_in6 to{};
		to.sin6_family = AF_INET6;
		to.sin6_port = htons(sink4.port());
		WL_CHECK(inet_pton(AF_INET6, "::ffff:127.0.0.1", &to.sin6_addr) == 1);
		WL_CHECK(connect(fd, (sockaddr *)&to, sizeof(to)) == 0);
		WL_CHECK(send_bytes(fd, 777) == 0);
		WL_CHECK(wait_all_acked(fd));
		close(fd);
		fd = socket(AF_INET6, SOCK_STREAM, 0);
		to = loopback_v6(closed6);
		WL_CHECK(connect(fd, (sockaddr *)&to, sizeof(to)) < 0 && errno == ECONNREFUSED);
		close(fd);
		return 0;
	});

	PeerMap peers = box_peers();
	PeerDelivery mapped = peers[tcp_peer(kLo, sink4.port())];
	EXPECT_EQ(mapped.tcp.bytes_acked, 777u);
	EXPECT_GT(mapped.egress.packets, 0u) << "the IPv4 packets landed on the same key";
	Endpoint v6 = Endpoint::ip(*IpAddress::parse("::1"), IPPROTO_TCP, closed6);
	EXPECT_EQ(peers[v6].tcp.connect_errors, (std::map<int, std::uint64_t>{{ECONNREFUSED, 1}}));
	EXPECT_EQ(peers[v6].egress.packets, 1u);
	EXPECT_EQ(v6.to_string(), "tcp [::1]:" + std::to_string(closed6));
}

TEST_F(DeliveryTcp, AnUnwatchedCgroupIsNotCounted)
{
	CgroupSandbox other("bpfwatch-dtest-other");
	attach_to_box();
	TcpSink sink;
	std::uint16_t closed = closed_port_v4();
	ASSERT_EQ(other.run([&] {
		int fd = connect_v4(kLo, sink.port());
		WL_CHECK(fd >= 0);
		WL_CHECK(send_bytes(fd, 1000) == 0);
		WL_CHECK(wait_all_acked(fd));
		close(fd);
		WL_CHECK(connect_v4(kLo, closed) == -ECONNREFUSED);
		return 0;
	}), 0);

	DeliverySnapshot s = probe_->read();
	EXPECT_TRUE(s.cgroups.empty()) << "nothing from " << other.path();
	EXPECT_EQ(s.stats.tracked_sockets, 0u);
}

TEST_F(DeliveryTcp, WatchingEverythingKeysPeersByTheSocketsCgroup)
{
	attach({});
	TcpSink sink;
	run([&] {
		int fd = connect_v4(kLo, sink.port());
		WL_CHECK(fd >= 0);
		WL_CHECK(send_bytes(fd, 4321) == 0);
		WL_CHECK(wait_all_acked(fd));
		close(fd);
		return 0;
	});
	PeerDelivery d = at(tcp_peer(kLo, sink.port()));
	EXPECT_EQ(d.tcp.bytes_acked, 4321u);
	EXPECT_EQ(d.tcp.connects, 1u);
	// The sink's accepted socket lives in the test's cgroup, not the box.
	bool sink_side = false;
	for (const auto &[cg, peers] : snap_.cgroups)
		for (const auto &[peer, pd] : peers)
			sink_side |= cg != box_->id() && pd.tcp.accepts > 0 && peer.proto == IPPROTO_TCP;
	EXPECT_TRUE(sink_side) << "the accepting side is counted under its own cgroup";
}

} // namespace
} // namespace bpfwatch::test
