// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A peer that stops answering: a TCP sink in a test-made namespace whose
// every outgoing packet is dropped (netem, or netfilter without it). Retransmits rise, acknowledged bytes
// stop, the queue shows up as unacknowledged, the last ACK ages, and
// egress keeps counting what leaves (the retransmits).
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>

#include "bpf/delivery_fixture.h"
#include "util/clock.h"
#include "bpf/netns.h"
#include "bpf/workload.h"
#include "support/skip.h"

namespace bpfwatch::test {
namespace {

class DeliveryLoss : public DeliveryTest {};

TEST_F(DeliveryLoss, WhenThePeerDropsEverythingRetransmitsRiseAndAcksStop)
{
	constexpr std::size_t acked = 20000, stuck = 3000;
	std::unique_ptr<TestNetns> ns;
	try {
		ns = std::make_unique<TestNetns>();
	} catch (const std::exception &e) {
		BW_SKIP_OR_FAIL(std::string("no test namespace: ") + e.what());
	}
	std::uint32_t dst = ns->peer_addr_be();
	// The sink's socket is made inside the namespace; its thread serves it.
	auto sink = ns->inside([&] { return std::make_unique<TcpSink>(dst); });
	Endpoint peer = tcp_peer(dst, sink->port());
	attach_to_box();

	Baton delivered, go, sent, exit_now;
	auto child = start([&] {
		int fd = connect_v4(dst, sink->port());
		WL_CHECK(fd >= 0);
		WL_CHECK(send_bytes(fd, acked) == 0);
		WL_CHECK(wait_all_acked(fd));
		delivered.post();
		WL_CHECK(go.wait());
		WL_CHECK(send_bytes(fd, stuck) == 0);
		sent.post();
		WL_CHECK(exit_now.wait(20000));
		linger l{1, 0}; // no FIN into the void: an RST, and done
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close(fd);
		return 0;
	});
	ASSERT_TRUE(delivered.wait());
	PeerDelivery before = at(peer);
	ns->drop_all_from_peer();
	go.post();
	ASSERT_TRUE(sent.wait());
	// RTO starts at 200 ms (tcp_rto_min) and doubles: 0.2, 0.6, 1.4 s.
	usleep(1600 * 1000);
	PeerDelivery lossy = at(peer);
	std::optional<double> lossy_age;
	if (lossy.tcp.last_ack_ns)
		lossy_age = seconds_since(lossy.tcp.last_ack_ns, snap_.taken_ns);
	// The next one is due by 3.0 s; poll for it, bounded.
	PeerDelivery later = lossy;
	for (int i = 0; i < 60 && later.tcp.retrans_segs == lossy.tcp.retrans_segs; i++) {
		usleep(100 * 1000);
		later = at(peer);
	}
	exit_now.post();
	ASSERT_EQ(child.get(), 0);
	ns->stop_dropping();

	EXPECT_EQ(before.tcp.bytes_acked, acked);
	EXPECT_EQ(before.tcp.retrans_segs, 0u);

	EXPECT_EQ(lossy.tcp.bytes_acked, acked) << "nothing acknowledged once the peer drops";
	EXPECT_GE(lossy.tcp.retrans_segs, 2u);
	EXPECT_EQ(lossy.tcp.unacked, stuck);
	EXPECT_EQ(lossy.tcp.unsent, 0u);
	EXPECT_EQ(lossy.tcp.bytes_sent - lossy.tcp.bytes_retrans, acked + stuck)
		<< "every byte went out once, and again as retransmits";
	EXPECT_GT(lossy.tcp.bytes_retrans, 0u);
	ASSERT_TRUE(lossy_age.has_value());
	EXPECT_GE(*lossy_age, 1.5);

	EXPECT_EQ(later.tcp.bytes_acked, acked);
	EXPECT_GT(later.tcp.retrans_segs, lossy.tcp.retrans_segs) << "still retransmitting";
	EXPECT_GT(later.egress.packets, lossy.egress.packets) << "the retransmits leave, too";
	EXPECT_GT(lossy.egress.packets, before.egress.packets);
	EXPECT_EQ(later.tcp.connects, 1u);
	EXPECT_EQ(later.tcp.live_sockets, 1u);
}

} // namespace
} // namespace bpfwatch::test
