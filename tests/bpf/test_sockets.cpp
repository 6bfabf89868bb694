// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Socket sends: bytes, calls and destinations, for every send syscall,
// TCP and UDP over IPv4 and IPv6 loopback, and AF_UNIX.
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "bpf/probe_fixture.h"
#include "bpf/workload.h"

namespace bpfwatch::test {
namespace {

class Sockets : public ProbeTest {};

std::uint32_t v4_of(const Record &e)
{
	std::uint32_t a;
	std::memcpy(&a, e.endpoint.addr.data(), 4);
	return ntohl(a);
}

TEST_F(Sockets, UnconnectedUdpSendtoNamesItsDestination)
{
	attach_to_box();
	UdpSink sink = udp_sink_v4();
	run([&] {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in to = loopback_v4(sink.port);
		char buf[64] = {};
		for (int i = 0; i < 3; i++)
			WL_CHECK(sendto(fd, buf, sizeof(buf), 0, (sockaddr *)&to, sizeof(to)) == 64);
		return 0;
	});
	close(sink.fd);

	EXPECT_EQ(kind(FdKind::socket).bytes, 192u);
	EXPECT_EQ(kind(FdKind::socket).calls, 3u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 3u);
	for (const Record &e : events) {
		EXPECT_EQ(e.syscall, Syscall::sendto);
		EXPECT_EQ(e.endpoint.family, AF_INET);
		EXPECT_EQ(e.endpoint.proto, IPPROTO_UDP);
		EXPECT_EQ(e.endpoint.port, sink.port);
		EXPECT_EQ(v4_of(e), INADDR_LOOPBACK);
	}
}

// The datagrams a sink got, without waiting (they are on loopback, sent
// before the workload exited): their sizes, at most @max of them.
std::vector<ssize_t> received(int fd, int max)
{
	std::vector<ssize_t> sizes;
	char buf[2048];
	for (int i = 0; i < max; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			break;
		sizes.push_back(n);
	}
	return sizes;
}

void expect_v6_loopback_from_msg(const Record &e, std::uint16_t port)
{
	EXPECT_EQ(e.endpoint.family, AF_INET6);
	EXPECT_EQ(e.endpoint.proto, IPPROTO_UDP);
	EXPECT_EQ(e.endpoint.port, port);
	EXPECT_EQ(std::memcmp(e.endpoint.addr.data(), &in6addr_loopback, 16), 0);
}

TEST_F(Sockets, UnconnectedUdpSendtoOverIpv6NamesItsDestination)
{
	attach_to_box();
	UdpSink sink = udp_sink_v6();
	ASSERT_GE(sink.fd, 0);
	ASSERT_NE(sink.port, 0);
	run([&] {
		int fd = socket(AF_INET6, SOCK_DGRAM, 0);
		WL_CHECK(fd >= 0);
		sockaddr_in6 to = loopback_v6(sink.port);
		char buf[100] = {};
		for (int i = 0; i < 3; i++)
			WL_CHECK(sendto(fd, buf, 40 + 10 * i, 0, (sockaddr *)&to, sizeof(to)) == 40 + 10 * i);
		return 0;
	});
	EXPECT_EQ(received(sink.fd, 10), (std::vector<ssize_t>{40, 50, 60}));
	close(sink.fd);

	Counts c = kind(FdKind::socket);
	EXPECT_EQ(c.bytes, 150u);
	EXPECT_EQ(c.calls, 3u);
	EXPECT_EQ(c.errors, 0u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 3u);
	for (int i = 0; i < 3; i++) {
		SCOPED_TRACE(i);
		EXPECT_EQ(events[i].syscall, Syscall::sendto);
		EXPECT_EQ(events[i].kind, FdKind::socket);
		EXPECT_EQ(events[i].ret, 40 + 10 * i);
		expect_v6_loopback_from_msg(events[i], sink.port);
	}
}

TEST_F(Sockets, UnconnectedUdpSendmsgOverIpv6NamesItsDestination)
{
	attach_to_box();
	UdpSink sink = udp_sink_v6();
	ASSERT_GE(sink.fd, 0);
	ASSERT_NE(sink.port, 0);
	run([&] {
		int fd = socket(AF_INET6, SOCK_DGRAM, 0);
		WL_CHECK(fd >= 0);
		sockaddr_in6 to = loopback_v6(sink.port);
		char a[17] = {}, b[26] = {};
		iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
		msghdr m{};
		m.msg_name = &to;
		m.msg_namelen = sizeof(to);
		m.msg_iov = iov;
		m.msg_iovlen = 2;
		WL_CHECK(sendmsg(fd, &m, 0) == 43); // one datagram of both parts
		m.msg_iovlen = 1;
		WL_CHECK(sendmsg(fd, &m, 0) == 17);
		return 0;
	});
	EXPECT_EQ(received(sink.fd, 10), (std::vector<ssize_t>{43, 17}));
	close(sink.fd);

	Counts c = kind(FdKind::socket);
	EXPECT_EQ(c.bytes, 60u);
	EXPECT_EQ(c.calls, 2u);
	EXPECT_EQ(c.errors, 0u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(events[0].ret, 43);
	EXPECT_EQ(events[1].ret, 17);
	for (const Record &e : events) {
		EXPECT_EQ(e.syscall, Syscall::sendmsg);
		expect_v6_loopback_from_msg(e, sink.port);
	}
}

// Records repeat a destination by reference within a CPU's batch
// (BW_REC_SAME_DEST); each must still name its own, across batches too.
TEST_F(Sockets, EverySendNamesItsOwnDestinationWhenTheyAlternate)
{
	attach_to_box();
	UdpSink a = udp_sink_v4(), b = udp_sink_v4();
	// A batch holds 128 records: 300 sends cross batch boundaries.
	auto port_of = [&](int i) { return (i % 7 == 3 || i % 7 == 4) ? b.port : a.port; };
	run([&] {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		char buf[8] = {};
		for (int i = 0; i < 300; i++) {
			sockaddr_in to = loopback_v4(port_of(i));
			WL_CHECK(sendto(fd, buf, 1 + i % 5, 0, (sockaddr *)&to, sizeof(to)) == 1 + i % 5);
		}
		return 0;
	});
	close(a.fd);
	close(b.fd);

	auto events = box_events();
	ASSERT_EQ(events.size(), 300u);
	for (int i = 0; i < 300; i++) {
		EXPECT_EQ(events[i].ret, 1 + i % 5) << i;
		EXPECT_EQ(events[i].endpoint.port, port_of(i)) << i;
		EXPECT_EQ(v4_of(events[i]), INADDR_LOOPBACK) << i;
	}
}

TEST_F(Sockets, SendmmsgCountsEveryMessageWithItsOwnSize)
{
	attach_to_box();
	UdpSink sink = udp_sink_v4();
	run([&] {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in to = loopback_v4(sink.port);
		char a[10] = {}, b[20] = {}, c[30] = {};
		iovec iov[3] = {{a, sizeof(a)}, {b, sizeof(b)}, {c, sizeof(c)}};
		mmsghdr msgs[3] = {};
		for (int i = 0; i < 3; i++) {
			msgs[i].msg_hdr.msg_name = &to;
			msgs[i].msg_hdr.msg_namelen = sizeof(to);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		WL_CHECK(sendmmsg(fd, msgs, 3, 0) == 3);
		return 0;
	});
	close(sink.fd);

	EXPECT_EQ(kind(FdKind::socket).bytes, 60u);
	EXPECT_EQ(kind(FdKind::socket).calls, 3u) << "one call per message";
	auto events = box_events();
	ASSERT_EQ(events.size(), 3u);
	EXPECT_EQ(events[0].ret, 10);
	EXPECT_EQ(events[1].ret, 20);
	EXPECT_EQ(events[2].ret, 30);
	for (const Record &e : events) {
		EXPECT_EQ(e.syscall, Syscall::sendmmsg);
		EXPECT_EQ(e.endpoint.port, sink.port);
	}
}

TEST_F(Sockets, SendmsgWithMsgName)
{
	attach_to_box();
	UdpSink sink = udp_sink_v4();
	run([&] {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in to = loopback_v4(sink.port);
		char a[33] = {};
		iovec iov = {a, sizeof(a)};
		msghdr m{};
		m.msg_name = &to;
		m.msg_namelen = sizeof(to);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		WL_CHECK(sendmsg(fd, &m, 0) == 33);
		return 0;
	});
	close(sink.fd);
	EXPECT_EQ(kind(FdKind::socket).bytes, 33u);
	EXPECT_EQ(kind(FdKind::socket).calls, 1u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 1u);
	EXPECT_EQ(events[0].syscall, Syscall::sendmsg);
	EXPECT_EQ(events[0].ret, 33);
	EXPECT_EQ(events[0].endpoint.port, sink.port);
}

TEST_F(Sockets, TcpOverIpv4AndIpv6CarryTheConnectedPeer)
{
	attach_to_box();
	TcpListener l4 = tcp_listener(AF_INET), l6 = tcp_listener(AF_INET6);
	run([&] {
		int s4 = socket(AF_INET, SOCK_STREAM, 0), s6 = socket(AF_INET6, SOCK_STREAM, 0);
		sockaddr_in a4 = loopback_v4(l4.port);
		sockaddr_in6 a6 = loopback_v6(l6.port);
		char buf[1000] = {};
		WL_CHECK(connect(s4, (sockaddr *)&a4, sizeof(a4)) == 0);
		WL_CHECK(connect(s6, (sockaddr *)&a6, sizeof(a6)) == 0);
		WL_CHECK(send(s4, buf, 1000, 0) == 1000);
		WL_CHECK(write(s4, buf, 500) == 500);
		WL_CHECK(send(s6, buf, 700, 0) == 700);
		return 0;
	});
	close(l4.fd);
	close(l6.fd);

	EXPECT_EQ(kind(FdKind::socket).bytes, 2200u);
	EXPECT_EQ(kind(FdKind::socket).calls, 3u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 3u);
	EXPECT_EQ(events[0].syscall, Syscall::sendto); // glibc send() is sendto(2)
	EXPECT_EQ(events[0].endpoint.family, AF_INET);
	EXPECT_EQ(events[0].endpoint.proto, IPPROTO_TCP);
	EXPECT_EQ(events[0].endpoint.port, l4.port);
	EXPECT_EQ(v4_of(events[0]), INADDR_LOOPBACK);
	EXPECT_EQ(events[1].syscall, Syscall::write);
	EXPECT_EQ(events[1].endpoint.port, l4.port);
	EXPECT_EQ(events[2].endpoint.family, AF_INET6);
	EXPECT_EQ(events[2].endpoint.port, l6.port);
	EXPECT_EQ(std::memcmp(events[2].endpoint.addr.data(), &in6addr_loopback, 16), 0);
}

TEST_F(Sockets, SendfileToASocket)
{
	attach_to_box();
	TcpListener l = tcp_listener(AF_INET);
	char path[] = "/tmp/bpfwatch-test-XXXXXX";
	int src = mkstemp(path);
	ASSERT_GE(src, 0);
	unlink(path);
	std::string data(4096, 'x');
	ASSERT_EQ(write(src, data.data(), data.size()), 4096);
	run([&] {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_in a = loopback_v4(l.port);
		off_t off = 0;
		WL_CHECK(connect(s, (sockaddr *)&a, sizeof(a)) == 0);
		WL_CHECK(sendfile(s, src, &off, 4096) == 4096);
		return 0;
	});
	close(src);
	close(l.fd);
	EXPECT_EQ(kind(FdKind::socket).bytes, 4096u);
	EXPECT_EQ(kind(FdKind::socket).calls, 1u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 1u);
	EXPECT_EQ(events[0].syscall, Syscall::sendfile64);
	EXPECT_EQ(events[0].endpoint.port, l.port);
}

TEST_F(Sockets, UnixStreamAndDatagramNameThePeerPath)
{
	attach_to_box();
	std::string stream_path = "/tmp/bpfwatch-test-" + std::to_string(getpid()) + ".sock";
	std::string dgram_path = stream_path + "-dg";
	unlink(stream_path.c_str());
	unlink(dgram_path.c_str());
	sockaddr_un sa{}, da{};
	sa.sun_family = da.sun_family = AF_UNIX;
	std::strcpy(sa.sun_path, stream_path.c_str());
	std::strcpy(da.sun_path, dgram_path.c_str());
	int listener = socket(AF_UNIX, SOCK_STREAM, 0), sink = socket(AF_UNIX, SOCK_DGRAM, 0);
	ASSERT_EQ(bind(listener, (sockaddr *)&sa, sizeof(sa)), 0);
	ASSERT_EQ(listen(listener, 4), 0);
	ASSERT_EQ(bind(sink, (sockaddr *)&da, sizeof(da)), 0);
	run([&] {
		int s = socket(AF_UNIX, SOCK_STREAM, 0), d = socket(AF_UNIX, SOCK_DGRAM, 0);
		char buf[50] = {};
		WL_CHECK(connect(s, (sockaddr *)&sa, sizeof(sa)) == 0);
		WL_CHECK(write(s, buf, 50) == 50);
		WL_CHECK(sendto(d, buf, 25, 0, (sockaddr *)&da, sizeof(da)) == 25);
		return 0;
	});
	close(listener);
	close(sink);
	unlink(stream_path.c_str());
	unlink(dgram_path.c_str());

	EXPECT_EQ(kind(FdKind::socket).bytes, 75u);
	EXPECT_EQ(kind(FdKind::socket).calls, 2u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(events[0].endpoint.family, AF_UNIX);
	EXPECT_EQ(events[0].endpoint.sotype, SOCK_STREAM);
	EXPECT_EQ(events[0].endpoint.unix_path(), stream_path);
	EXPECT_EQ(events[1].endpoint.sotype, SOCK_DGRAM);
	EXPECT_EQ(events[1].endpoint.unix_path(), dgram_path);
}

TEST_F(Sockets, ShortUnixDatagramAddress)
{
	attach_to_box();
	// A path shorter than 6 bytes: the sockaddr is shorter than 8.
	char dir[] = "/tmp/bwXXXXXX";
	ASSERT_TRUE(mkdtemp(dir));
	ASSERT_EQ(chdir(dir), 0);
	sockaddr_un a{};
	a.sun_family = AF_UNIX;
	std::strcpy(a.sun_path, "s");
	socklen_t len = offsetof(sockaddr_un, sun_path) + 2;
	int sink = socket(AF_UNIX, SOCK_DGRAM, 0);
	ASSERT_EQ(bind(sink, (sockaddr *)&a, len), 0);
	run([&] {
		int d = socket(AF_UNIX, SOCK_DGRAM, 0);
		char buf[9] = {};
		WL_CHECK(sendto(d, buf, sizeof(buf), 0, (sockaddr *)&a, len) == 9);
		return 0;
	});
	close(sink);
	unlink("s");
	ASSERT_EQ(chdir("/"), 0);
	rmdir(dir);
	auto events = box_events();
	ASSERT_EQ(events.size(), 1u);
	EXPECT_EQ(events[0].endpoint.unix_path(), "s");
}

TEST_F(Sockets, RefusedUdpSendIsCountedAsEconnrefused)
{
	attach_to_box();
	UdpSink closed = udp_sink_v4();
	close(closed.fd); // nothing listens on this port any more
	run([&] {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_in to = loopback_v4(closed.port);
		char buf[8] = {};
		WL_CHECK(connect(fd, (sockaddr *)&to, sizeof(to)) == 0);
		// The first datagram goes out and draws ICMP port unreachable,
		// which the next send reports.
		WL_CHECK(send(fd, buf, sizeof(buf), 0) == 8);
		WL_CHECK(send(fd, buf, sizeof(buf), 0) == -1 && errno == ECONNREFUSED);
		return 0;
	});
	Counts c = kind(FdKind::socket);
	EXPECT_EQ(c.calls, 1u);
	EXPECT_EQ(c.bytes, 8u);
	EXPECT_EQ(c.errors, 1u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(events[1].ret, -ECONNREFUSED);
	EXPECT_EQ(events[1].endpoint.port, closed.port);
}

// A TCP socket that was never connected: the send fails with EPIPE and
// there is no peer to name.
TEST_F(Sockets, UnconnectedTcpSendFailsWithEpipe)
{
	attach_to_box();
	run([&] {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		WL_CHECK(s >= 0);
		char buf[16] = {};
		WL_CHECK(send(s, buf, sizeof(buf), MSG_NOSIGNAL) == -1 && errno == EPIPE);
		return 0;
	});
	Counts c = kind(FdKind::socket);
	EXPECT_EQ(c.errors, 1u);
	EXPECT_EQ(c.calls, 0u);
	EXPECT_EQ(c.bytes, 0u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 1u);
	EXPECT_EQ(events[0].ret, -EPIPE);
	EXPECT_EQ(events[0].endpoint.port, 0) << "never connected";
}

// A connection this side shut down for writing: the send fails with
// EPIPE, and is charged to the peer it was connected to.
TEST_F(Sockets, TcpSendAfterShutdownFailsWithEpipe)
{
	attach_to_box();
	TcpListener l = tcp_listener(AF_INET);
	ASSERT_GE(l.fd, 0);
	run([&] {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		sockaddr_in a = loopback_v4(l.port);
		char buf[16] = {};
		WL_CHECK(connect(s, (sockaddr *)&a, sizeof(a)) == 0);
		WL_CHECK(send(s, buf, sizeof(buf), MSG_NOSIGNAL) == 16);
		WL_CHECK(shutdown(s, SHUT_WR) == 0);
		WL_CHECK(send(s, buf, sizeof(buf), MSG_NOSIGNAL) == -1 && errno == EPIPE);
		return 0;
	});
	close(l.fd);
	Counts c = kind(FdKind::socket);
	EXPECT_EQ(c.bytes, 16u);
	EXPECT_EQ(c.calls, 1u);
	EXPECT_EQ(c.errors, 1u);
	auto events = box_events();
	ASSERT_EQ(events.size(), 2u);
	EXPECT_EQ(events[0].ret, 16);
	EXPECT_EQ(events[1].ret, -EPIPE);
	EXPECT_EQ(events[1].endpoint.family, AF_INET);
	EXPECT_EQ(events[1].endpoint.proto, IPPROTO_TCP);
	EXPECT_EQ(events[1].endpoint.port, l.port);
	EXPECT_EQ(v4_of(events[1]), INADDR_LOOPBACK);
}

} // namespace
} // namespace bpfwatch::test
