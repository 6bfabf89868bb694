// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The input side: every read and receive syscall counted exactly from its
// return value, per fd kind and per source, with ends of stream, EAGAIN
// and errors apart.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "bpf/probe_fixture.h"
#include "bpf/workload.h"

namespace bpfwatch::test {
namespace {

class Input : public ProbeTest {
protected:
	InputCounts in(FdKind k) { return totals_of(box_->id()).input(k); }
	std::vector<Record> inputs()
	{
		std::vector<Record> out;
		for (const Record &e : box_events())
			if (e.input())
				out.push_back(e);
		return out;
	}
};

std::uint16_t port_of(int fd)
{
	sockaddr_storage a{};
	socklen_t len = sizeof(a);
	getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
	return ntohs(reinterpret_cast<sockaddr_in *>(&a)->sin_port); // same offset in sockaddr_in6
}

TEST_F(Input, PipeReadsCountBytesAShortReadAndTheEndOfStream)
{
	attach_to_box();
	int p[2];
	ASSERT_EQ(pipe(p), 0);
	char data[100] = {};
	ASSERT_EQ(write(p[1], data, sizeof(data)), 100); // outside the box
	close(p[1]); // the writer is gone: once drained, reads return 0
	run([&] {
		char a[64], b[64];
		iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
		WL_CHECK(read(p[0], a, 64) == 64);
		WL_CHECK(readv(p[0], iov, 2) == 36); // a short read: 36 left
		WL_CHECK(read(p[0], a, 64) == 0);    // end of stream
		WL_CHECK(read(p[0], a, 64) == 0);
		return 0;
	});
	close(p[0]);

	InputCounts c = in(FdKind::pipe);
	EXPECT_EQ(c, (InputCounts{.bytes = 100, .calls = 4, .errors = 0, .eof = 2, .again = 0}));
	EXPECT_FALSE(kind(FdKind::pipe).any()) << "reads are not writes";
	auto events = inputs();
	ASSERT_EQ(events.size(), 4u);
	EXPECT_EQ(events[0].syscall, Syscall::read);
	EXPECT_EQ(events[0].ret, 64);
	EXPECT_EQ(events[1].syscall, Syscall::readv);
	EXPECT_EQ(events[1].ret, 36);
	EXPECT_EQ(events[2].ret, 0);
	for (const Record &e : events) {
		EXPECT_EQ(e.kind, FdKind::pipe);
		EXPECT_EQ(e.direction(), Direction::in);
		EXPECT_FALSE(e.stdio || e.log);
	}
}

TEST_F(Input, FileAndDeviceReadsOfEverySyscall)
{
	attach_to_box();
	char path[] = "/tmp/bpfwatch-input-XXXXXX";
	int fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	std::vector<char> data(1000, 'x');
	ASSERT_EQ(write(fd, data.data(), data.size()), 1000);
	int zero = open("/dev/zero", O_RDONLY);
	ASSERT_GE(zero, 0);
	run([&] {
		char a[300], b[200];
		iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
		WL_CHECK(pread(fd, a, 100, 0) == 100);
		WL_CHECK(preadv(fd, iov, 2, 100) == 500);
		WL_CHECK(preadv2(fd, iov, 2, 900, 0) == 100); // short: 100 left
		WL_CHECK(pread(fd, a, 100, 1000) == 0);        // end of file: no eof
		WL_CHECK(lseek(fd, 0, SEEK_SET) == 0);
		WL_CHECK(read(fd, a, 7) == 7);
		for (int i = 0; i < 3; i++)
			WL_CHECK(read(zero, a, 64) == 64);
		return 0;
	});
	close(fd);
	close(zero);
	unlink(path);

	EXPECT_EQ(in(FdKind::file), (InputCounts{.bytes = 707, .calls = 5, .errors = 0, .eof = 0, .again = 0}));
	EXPECT_EQ(in(FdKind::tty), (InputCounts{.bytes = 192, .calls = 3, .errors = 0, .eof = 0, .again = 0}));
	auto events = inputs();
	ASSERT_EQ(events.size(), 8u);
	std::vector<Syscall> want = {Syscall::pread64, Syscall::preadv, Syscall::preadv2, Syscall::pread64,
				     Syscall::read,    Syscall::read,   Syscall::read,    Syscall::read};
	std::vector<std::int64_t> rets = {100, 500, 100, 0, 7, 64, 64, 64};
	for (std::size_t i = 0; i < events.size(); i++) {
		SCOPED_TRACE(i);
		EXPECT_EQ(events[i].syscall, want[i]);
		EXPECT_EQ(events[i].ret, rets[i]);
		EXPECT_EQ(events[i].kind, i < 5 ? FdKind::file : FdKind::tty);
	}
}

TEST_F(Input, EagainIsKeptApartFromErrors)
{
	attach_to_box();
	int p[2];
	ASSERT_EQ(pipe2(p, O_NONBLOCK), 0);
	run([&] {
		char a[16];
		for (int i = 0; i < 3; i++)
			WL_CHECK(read(p[0], a, sizeof(a)) == -1 && errno == EAGAIN);
		WL_CHECK(read(p[1], a, sizeof(a)) == -1 && errno == EBADF); // the write end
		return 0;
	});
	close(p[0]);
	close(p[1]);

	EXPECT_EQ(in(FdKind::pipe), (InputCounts{.bytes = 0, .calls = 0, .errors = 1, .eof = 0, .again = 3}));
	auto events = inputs();
	ASSERT_EQ(events.size(), 4u);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(events[i].ret, -EAGAIN);
	EXPECT_EQ(events[3].ret, -EBADF);
}

// Unconnected UDP: each datagram's source is the address the kernel wrote
// back (recvfrom's src_addr, recvmsg's msg_name), not the socket's peer.
TEST_F(Input, UnconnectedUdpNamesEachSenderIpv4AndIpv6)
{
	attach_to_box();
	UdpSink rx4 = udp_sink_v4(), tx4 = udp_sink_v4();
	UdpSink rx6 = udp_sink_v6(), tx6 = udp_sink_v6();
	ASSERT_GE(rx6.fd, 0);
	sockaddr_in to4 = loopback_v4(rx4.port);
	sockaddr_in6 to6 = loopback_v6(rx6.port);
	char data[200] = {};
	ASSERT_EQ(sendto(tx4.fd, data, 40, 0, (sockaddr *)&to4, sizeof(to4)), 40);
	ASSERT_EQ(sendto(tx4.fd, data, 41, 0, (sockaddr *)&to4, sizeof(to4)), 41);
	ASSERT_EQ(sendto(tx6.fd, data, 60, 0, (sockaddr *)&to6, sizeof(to6)), 60);
	run([&] {
		char buf[256];
		sockaddr_in from{};
		socklen_t len = sizeof(from);
		WL_CHECK(recvfrom(rx4.fd, buf, sizeof(buf), 0, (sockaddr *)&from, &len) == 40);
		WL_CHECK(recv(rx4.fd, buf, sizeof(buf), 0) == 41); // no address asked for
		sockaddr_in6 from6{};
		iovec iov = {buf, sizeof(buf)};
		msghdr m{};
		m.msg_name = &from6;
		m.msg_namelen = sizeof(from6);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		WL_CHECK(recvmsg(rx6.fd, &m, 0) == 60);
		return 0;
	});
	for (int fd : {rx4.fd, tx4.fd, rx6.fd, tx6.fd})
		close(fd);

	EXPECT_EQ(in(FdKind::socket), (InputCounts{.bytes = 141, .calls = 3, .errors = 0, .eof = 0, .again = 0}));
	auto events = inputs();
	ASSERT_EQ(events.size(), 3u);
	EXPECT_EQ(events[0].syscall, Syscall::recvfrom);
	EXPECT_EQ(events[0].endpoint.family, AF_INET);
	EXPECT_EQ(events[0].endpoint.proto, IPPROTO_UDP);
	EXPECT_EQ(events[0].endpoint.port, tx4.port);
	EXPECT_EQ(events[0].endpoint.address(), "127.0.0.1");
	EXPECT_EQ(events[1].syscall, Syscall::recvfrom);
	EXPECT_EQ(events[1].endpoint.port, 0) << "unconnected, and no address asked for";
	EXPECT_EQ(events[2].syscall, Syscall::recvmsg);
	EXPECT_EQ(events[2].endpoint.family, AF_INET6);
	EXPECT_EQ(events[2].endpoint.port, tx6.port);
	EXPECT_EQ(events[2].endpoint.address(), "::1");
}

TEST_F(Input, RecvmmsgCountsEveryMessageWithItsSizeAndSender)
{
	attach_to_box();
	UdpSink rx = udp_sink_v4(), a = udp_sink_v4(), b = udp_sink_v4();
	sockaddr_in to = loopback_v4(rx.port);
	char data[100] = {};
	ASSERT_EQ(sendto(a.fd, data, 10, 0, (sockaddr *)&to, sizeof(to)), 10);
	ASSERT_EQ(sendto(b.fd, data, 20, 0, (sockaddr *)&to, sizeof(to)), 20);
	ASSERT_EQ(sendto(a.fd, data, 30, 0, (sockaddr *)&to, sizeof(to)), 30);
	run([&] {
		char bufs[5][64];
		iovec iov[5];
		sockaddr_in from[5];
		mmsghdr msgs[5] = {};
		for (int i = 0; i < 5; i++) {
			iov[i] = {bufs[i], sizeof(bufs[i])};
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		WL_CHECK(recvmmsg(rx.fd, msgs, 5, MSG_DONTWAIT, nullptr) == 3);
		WL_CHECK(recvmmsg(rx.fd, msgs, 5, MSG_DONTWAIT, nullptr) == -1 && errno == EAGAIN);
		return 0;
	});
	for (int fd : {rx.fd, a.fd, b.fd})
		close(fd);

	EXPECT_EQ(in(FdKind::socket), (InputCounts{.bytes = 60, .calls = 3, .errors = 0, .eof = 0, .again = 1}));
	auto events = inputs();
	ASSERT_EQ(events.size(), 4u);
	std::vector<std::uint16_t> senders = {a.port, b.port, a.port};
	for (int i = 0; i < 3; i++) {
		SCOPED_TRACE(i);
		EXPECT_EQ(events[i].syscall, Syscall::recvmmsg);
		EXPECT_EQ(events[i].ret, 10 * (i + 1));
		EXPECT_EQ(events[i].endpoint.port, senders[i]);
		EXPECT_EQ(events[i].endpoint.address(), "127.0.0.1");
	}
	EXPECT_EQ(events[3].ret, -EAGAIN);
}

// A 0-byte datagram is an empty message, not the end of a stream.
TEST_F(Input, EmptyDatagramIsNoEndOfStream)
{
	attach_to_box();
	UdpSink rx = udp_sink_v4(), tx = udp_sink_v4();
	sockaddr_in to = loopback_v4(rx.port);
	ASSERT_EQ(sendto(tx.fd, "", 0, 0, (sockaddr *)&to, sizeof(to)), 0);
	run([&] {
		char buf[16];
		WL_CHECK(recv(rx.fd, buf, sizeof(buf), 0) == 0);
		return 0;
	});
	close(rx.fd);
	close(tx.fd);
	EXPECT_EQ(in(FdKind::socket), (InputCounts{.bytes = 0, .calls = 1, .errors = 0, .eof = 0, .again = 0}));
}

TEST_F(Input, TcpReceivesNameTheConnectedPeerAndItsEnd)
{
	attach_to_box();
	TcpListener l = tcp_listener(AF_INET6);
	int client = socket(AF_INET6, SOCK_STREAM, 0);
	sockaddr_in6 to = loopback_v6(l.port);
	ASSERT_EQ(connect(client, (sockaddr *)&to, sizeof(to)), 0);
	int server = accept(l.fd, nullptr, nullptr);
	ASSERT_GE(server, 0);
	char data[500] = {};
	ASSERT_EQ(write(server, data, sizeof(data)), 500);
	close(server); // FIN after the data
	run([&] {
		char buf[1000];
		std::size_t got = 0;
		for (int i = 0; i < 10 && got < 500; i++) {
			ssize_t n = recv(client, buf, sizeof(buf), 0);
			WL_CHECK(n > 0);
			got += n;
		}
		WL_CHECK(got == 500);
		WL_CHECK(read(client, buf, sizeof(buf)) == 0);
		return 0;
	});
	close(client);
	close(l.fd);

	InputCounts c = in(FdKind::socket);
	EXPECT_EQ(c.bytes, 500u);
	EXPECT_EQ(c.eof, 1u);
	auto events = inputs();
	ASSERT_EQ(events.size(), c.calls);
	for (const Record &e : events) {
		EXPECT_EQ(e.endpoint.proto, IPPROTO_TCP);
		EXPECT_EQ(e.endpoint.port, l.port);
		EXPECT_EQ(e.endpoint.address(), "::1");
	}
	EXPECT_EQ(events.back().syscall, Syscall::read);
	EXPECT_EQ(events.back().ret, 0);
}

// The client end of a unix stream socket reads from the socket it talks
// to, named by that socket's path: /var/run/docker.sock for a Docker API
// client.
TEST_F(Input, UnixStreamReadsNameThePeerPath)
{
	attach_to_box();
	std::string path = "/tmp/bpfwatch-input-" + std::to_string(getpid()) + ".sock";
	unlink(path.c_str());
	sockaddr_un sa{};
	sa.sun_family = AF_UNIX;
	std::strcpy(sa.sun_path, path.c_str());
	int listener = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_EQ(bind(listener, (sockaddr *)&sa, sizeof(sa)), 0);
	ASSERT_EQ(listen(listener, 4), 0);
	int client = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_EQ(connect(client, (sockaddr *)&sa, sizeof(sa)), 0);
	int server = accept(listener, nullptr, nullptr);
	ASSERT_GE(server, 0);
	char data[300] = {};
	ASSERT_EQ(write(server, data, 300), 300);
	close(server);
	run([&] {
		char buf[200];
		WL_CHECK(read(client, buf, 200) == 200);
		WL_CHECK(recv(client, buf, 200, 0) == 100);
		WL_CHECK(read(client, buf, 200) == 0);
		return 0;
	});
	close(client);
	close(listener);
	unlink(path.c_str());

	EXPECT_EQ(in(FdKind::socket), (InputCounts{.bytes = 300, .calls = 3, .errors = 0, .eof = 1, .again = 0}));
	auto events = inputs();
	ASSERT_EQ(events.size(), 3u);
	for (const Record &e : events) {
		EXPECT_EQ(e.endpoint.family, AF_UNIX);
		EXPECT_EQ(e.endpoint.sotype, SOCK_STREAM);
		EXPECT_EQ(e.endpoint.unix_path(), path);
	}
}

// A router reads from one peer and writes to another: each record keeps
// its own peer, whichever direction the batch carried last.
TEST_F(Input, AlternatingReadsAndWritesKeepTheirOwnPeers)
{
	attach_to_box();
	UdpSink rx = udp_sink_v4(), tx = udp_sink_v4(), sink = udp_sink_v4();
	sockaddr_in to_rx = loopback_v4(rx.port), to_sink = loopback_v4(sink.port);
	char data[64] = {};
	for (int i = 0; i < 200; i++)
		ASSERT_EQ(sendto(tx.fd, data, 1 + i % 7, 0, (sockaddr *)&to_rx, sizeof(to_rx)), 1 + i % 7);
	run([&] {
		char buf[64];
		for (int i = 0; i < 200; i++) {
			sockaddr_in from{};
			socklen_t len = sizeof(from);
			ssize_t n = recvfrom(rx.fd, buf, sizeof(buf), 0, (sockaddr *)&from, &len);
			WL_CHECK(n == 1 + i % 7);
			WL_CHECK(sendto(rx.fd, buf, n, 0, (sockaddr *)&to_sink, sizeof(to_sink)) == n);
		}
		return 0;
	});
	for (int fd : {rx.fd, tx.fd, sink.fd})
		close(fd);

	auto events = box_events();
	ASSERT_EQ(events.size(), 400u);
	for (int i = 0; i < 400; i++) {
		SCOPED_TRACE(i);
		const Record &e = events[i];
		EXPECT_EQ(e.input(), i % 2 == 0);
		EXPECT_EQ(e.ret, 1 + (i / 2) % 7);
		EXPECT_EQ(e.endpoint.port, e.input() ? tx.port : sink.port);
	}
	EXPECT_EQ(totals_of(box_->id()).lost_records, 0u);
}

TEST_F(Input, NoInputLeavesReadsOut)
{
	ProbeConfig config;
	config.input = false;
	attach({box_->id()}, config);
	int p[2];
	ASSERT_EQ(pipe(p), 0);
	run([&] {
		char buf[10] = {};
		WL_CHECK(write(p[1], buf, 10) == 10);
		WL_CHECK(read(p[0], buf, 10) == 10);
		return 0;
	});
	close(p[0]);
	close(p[1]);
	EXPECT_EQ(kind(FdKind::pipe).bytes, 10u);
	EXPECT_FALSE(in(FdKind::pipe).any());
	EXPECT_TRUE(inputs().empty());
}

} // namespace
} // namespace bpfwatch::test
