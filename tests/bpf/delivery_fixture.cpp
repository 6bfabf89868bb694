// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "bpf/delivery_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "bpf/workload.h"

namespace bpfwatch::test {
namespace {

std::uint64_t now_ms()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

sockaddr_in v4(std::uint32_t addr_be, std::uint16_t port)
{
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = addr_be;
	return a;
}

} // namespace

Baton::Baton()
{
	if (pipe(fds_) != 0)
		throw std::runtime_error("pipe");
}

Baton::~Baton()
{
	close(fds_[0]);
	close(fds_[1]);
}

void Baton::post()
{
	if (write(fds_[1], "x", 1) != 1)
		throw std::runtime_error("baton write");
}

bool Baton::wait(int timeout_ms)
{
	pollfd p{fds_[0], POLLIN, 0};
	char c;
	return poll(&p, 1, timeout_ms) == 1 && read(fds_[0], &c, 1) == 1;
}

TcpSink::TcpSink(std::uint32_t addr_be, Mode mode) : mode_(mode)
{
	fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sockaddr_in a = v4(addr_be, 0);
	socklen_t len = sizeof(a);
	if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr *>(&a), sizeof(a)) != 0 ||
	    getsockname(fd_, reinterpret_cast<sockaddr *>(&a), &len) != 0 || listen(fd_, 16) != 0)
		throw std::runtime_error(std::string("tcp sink: ") + strerror(errno));
	port_ = ntohs(a.sin_port);
	thread_ = std::thread([this] { serve(); });
}

TcpSink::~TcpSink()
{
	stop_ = true;
	thread_.join();
	close(fd_);
}

// Every wait is a 100 ms poll, so stop_ ends the thread within that.
void TcpSink::serve()
{
	pollfd lp{fd_, POLLIN, 0};
	while (!stop_) {
		if (poll(&lp, 1, 100) != 1)
			continue;
		int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		if (mode_ == Mode::reset_at_once) {
			linger l{1, 0};
			setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
			close(c);
			continue;
		}
		pollfd cp{c, POLLIN, 0};
		char buf[65536];
		while (!stop_) {
			if (poll(&cp, 1, 100) != 1)
				continue;
			ssize_t n = read(c, buf, sizeof(buf));
			if (n <= 0)
				break;
			bytes_ += n;
		}
		close(c);
	}
}

bool TcpSink::wait_read(std::uint64_t n, int timeout_ms) const
{
	std::uint64_t end = now_ms() + timeout_ms;
	while (bytes_.load() < n && now_ms() < end)
		usleep(1000);
	return bytes_.load() >= n;
}

int connect_v4(std::uint32_t addr_be, std::uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in a = v4(addr_be, port);
	if (connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)) != 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

int send_bytes(int fd, std::size_t n)
{
	static char buf[16384];
	while (n > 0) {
		std::size_t chunk = n < sizeof(buf) ? n : sizeof(buf);
		ssize_t w = write(fd, buf, chunk);
		WL_CHECK(w > 0);
		n -= w;
	}
	return 0;
}

bool wait_all_acked(int fd, int timeout_ms)
{
	std::uint64_t end = now_ms() + timeout_ms;
	int queued = -1;
	while (now_ms() < end) {
		if (ioctl(fd, SIOCOUTQ, &queued) == 0 && queued == 0)
			return true;
		usleep(1000);
	}
	return false;
}

std::uint16_t closed_port_v4()
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in a = v4(htonl(INADDR_LOOPBACK), 0);
	socklen_t len = sizeof(a);
	bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a));
	getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
	close(fd); // bound, never listening: nothing answers there now
	return ntohs(a.sin_port);
}

Endpoint tcp_peer(std::uint32_t addr_be, std::uint16_t port)
{
	return Endpoint::ip(IpAddress::v4(addr_be), IPPROTO_TCP, port);
}

Endpoint udp_peer(std::uint32_t addr_be, std::uint16_t port)
{
	return Endpoint::ip(IpAddress::v4(addr_be), IPPROTO_UDP, port);
}

} // namespace bpfwatch::test
