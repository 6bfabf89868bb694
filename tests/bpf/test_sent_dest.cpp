// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// With egress linked, a UDP send's destination comes from the packet the
// egress program saw instead of from the caller's sockaddr
// (bpf/sent_dest.bpf.h): exact per destination for sendto and sendmsg
// over IPv4 and IPv6, and, where the two differ, the packet's.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <vector>

#include "bpf/delivery_fixture.h"
#include "bpf/probe_fixture.h"
#include "bpf/workload.h"

namespace bpfwatch::test {
namespace {

// The syscall probe sharing the delivery probe's notes, as a bpfwatch
// session sets them up: delivery first, egress linked to the sandbox.
class SentDest : public ProbeTest {
protected:
	void attach_both()
	{
		delivery_ = std::make_unique<DeliveryProbe>(
			DeliveryConfig{.cgroup_ids = {box_->id()}, .egress = {{box_->id(), box_->path()}}});
		ASSERT_TRUE(delivery_->egress_available());
		ProbeConfig config;
		config.sent_dests_fd = delivery_->sent_dests_fd();
		ASSERT_GE(config.sent_dests_fd, 0);
		attach({box_->id()}, config);
	}

	// Bytes per (family, port) of the box's socket records.
	std::map<std::pair<int, std::uint16_t>, std::int64_t> bytes_by_dest()
	{
		std::map<std::pair<int, std::uint16_t>, std::int64_t> out;
		for (const Record &e : box_events())
			if (e.kind == FdKind::socket)
				out[{e.endpoint.family, e.endpoint.port}] += e.ret;
		return out;
	}

	void TearDown() override
	{
		probe_.reset();
		delivery_.reset(); // before box_ goes
	}

	std::unique_ptr<DeliveryProbe> delivery_;
};

int send_msg(int fd, const void *to, socklen_t len, std::size_t size)
{
	static char buf[256];
	iovec iov{buf, size};
	msghdr m{};
	m.msg_name = const_cast<void *>(to);
	m.msg_namelen = len;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	return sendmsg(fd, &m, 0) == (ssize_t)size ? 0 : 1;
}

TEST_F(SentDest, UdpSendsOverIpv4AndIpv6AreExactPerDestination)
{
	attach_both();
	UdpSink a = udp_sink_v4(), b = udp_sink_v4(), c = udp_sink_v6();
	ASSERT_GE(c.fd, 0);
	run([&] {
		int v4 = socket(AF_INET, SOCK_DGRAM, 0), v6 = socket(AF_INET6, SOCK_DGRAM, 0);
		WL_CHECK(v4 >= 0 && v6 >= 0);
		sockaddr_in to_a = loopback_v4(a.port), to_b = loopback_v4(b.port);
		sockaddr_in6 to_c = loopback_v6(c.port);
		char buf[64] = {};
		for (int i = 0; i < 5; i++) {
			WL_CHECK(sendto(v4, buf, 10, 0, (sockaddr *)&to_a, sizeof(to_a)) == 10);
			WL_CHECK(sendto(v4, buf, 20, 0, (sockaddr *)&to_b, sizeof(to_b)) == 20);
			WL_CHECK(send_msg(v4, &to_a, sizeof(to_a), 1) == 0);
			WL_CHECK(sendto(v6, buf, 30, 0, (sockaddr *)&to_c, sizeof(to_c)) == 30);
			WL_CHECK(send_msg(v6, &to_c, sizeof(to_c), 2) == 0);
		}
		return 0;
	});
	close(a.fd);
	close(b.fd);
	close(c.fd);

	auto bytes = bytes_by_dest();
	EXPECT_EQ(bytes.size(), 3u);
	EXPECT_EQ((bytes[{AF_INET, a.port}]), 5 * (10 + 1));
	EXPECT_EQ((bytes[{AF_INET, b.port}]), 5 * 20);
	EXPECT_EQ((bytes[{AF_INET6, c.port}]), 5 * (30 + 2));
	for (const Record &e : box_events()) {
		std::uint32_t v4;
		std::memcpy(&v4, e.endpoint.addr.data(), 4);
		if (e.endpoint.family == AF_INET)
			EXPECT_EQ(ntohl(v4), INADDR_LOOPBACK);
		else
			EXPECT_EQ(std::memcmp(e.endpoint.addr.data(), &in6addr_loopback, 16), 0);
	}
	PeerMap peers = delivery_->read().cgroups[box_->id()];
	EXPECT_EQ(peers[udp_peer(htonl(INADDR_LOOPBACK), a.port)].egress.packets, 10u);
	EXPECT_EQ(peers[udp_peer(htonl(INADDR_LOOPBACK), b.port)].egress.packets, 5u);
}

// A corked datagram leaves when the send without MSG_MORE completes it,
// to the destination of the send that started it, whatever the last one
// named: the packet says where the bytes went, the caller's sockaddr
// would not (a probe without egress charges the last send to it).
TEST_F(SentDest, ACorkedDatagramIsChargedToWhereItWent)
{
	attach_both();
	UdpSink a = udp_sink_v4(), b = udp_sink_v4();
	run([&] {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in to_a = loopback_v4(a.port), to_b = loopback_v4(b.port);
		char buf[64] = {};
		WL_CHECK(sendto(fd, buf, 10, MSG_MORE, (sockaddr *)&to_a, sizeof(to_a)) == 10);
		WL_CHECK(sendto(fd, buf, 20, 0, (sockaddr *)&to_b, sizeof(to_b)) == 20);
		return 0;
	});
	char buf[64];
	EXPECT_EQ(recv(a.fd, buf, sizeof(buf), MSG_DONTWAIT), 30);
	EXPECT_EQ(recv(b.fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	close(a.fd);
	close(b.fd);

	auto bytes = bytes_by_dest();
	EXPECT_EQ(bytes, (std::map<std::pair<int, std::uint16_t>, std::int64_t>{{{AF_INET, a.port}, 30}}));
}

// A write() on a connected UDP socket leaves a note; the corked sendto
// naming another address right after sends nothing, and must not take it.
TEST_F(SentDest, ANoteIsNeverTakenByALaterCall)
{
	attach_both();
	UdpSink a = udp_sink_v4(), b = udp_sink_v4();
	run([&] {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in to_a = loopback_v4(a.port), to_b = loopback_v4(b.port);
		char buf[64] = {};
		WL_CHECK(connect(fd, (sockaddr *)&to_a, sizeof(to_a)) == 0);
		WL_CHECK(write(fd, buf, 5) == 5);
		WL_CHECK(sendto(fd, buf, 10, MSG_MORE, (sockaddr *)&to_b, sizeof(to_b)) == 10);
		WL_CHECK(sendto(fd, buf, 20, 0, (sockaddr *)&to_b, sizeof(to_b)) == 20);
		return 0;
	});
	char buf[64];
	EXPECT_EQ(recv(a.fd, buf, sizeof(buf), MSG_DONTWAIT), 5);
	EXPECT_EQ(recv(b.fd, buf, sizeof(buf), MSG_DONTWAIT), 30);
	close(a.fd);
	close(b.fd);

	auto bytes = bytes_by_dest();
	EXPECT_EQ(bytes, (std::map<std::pair<int, std::uint16_t>, std::int64_t>{{{AF_INET, a.port}, 5},
										  {{AF_INET, b.port}, 30}}));
}

// sendmmsg sends many datagrams in one call and the note holds only the
// last: each message keeps the destination its msghdr names.
TEST_F(SentDest, SendmmsgKeepsEachMessagesOwnDestination)
{
	attach_both();
	UdpSink a = udp_sink_v4(), b = udp_sink_v4();
	run([&] {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in to[2] = {loopback_v4(a.port), loopback_v4(b.port)};
		char buf[64] = {};
		iovec iov[3] = {{buf, 10}, {buf, 20}, {buf, 30}};
		mmsghdr m[3] = {};
		for (int i = 0; i < 3; i++) {
			m[i].msg_hdr.msg_name = &to[i / 2]; // a, a, b: the note says b
			m[i].msg_hdr.msg_namelen = sizeof(to[0]);
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
		}
		WL_CHECK(sendmmsg(fd, m, 3, 0) == 3);
		return 0;
	});
	close(a.fd);
	close(b.fd);

	auto bytes = bytes_by_dest();
	EXPECT_EQ(bytes, (std::map<std::pair<int, std::uint16_t>, std::int64_t>{{{AF_INET, a.port}, 10 + 20},
										  {{AF_INET, b.port}, 30}}));
}

} // namespace
} // namespace bpfwatch::test
