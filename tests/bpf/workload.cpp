// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "bpf/workload.h"

#include <unistd.h>

namespace bpfwatch::test {

sockaddr_in loopback_v4(std::uint16_t port)
{
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

sockaddr_in6 loopback_v6(std::uint16_t port)
{
	sockaddr_in6 a{};
	a.sin6_family = AF_INET6;
	a.sin6_port = htons(port);
	a.sin6_addr = in6addr_loopback;
	return a;
}

namespace {

// A socket of @type bound to an ephemeral port on the loopback address of
// @family; the port (host order) in @port.
int bound_to_loopback(int family, int type, std::uint16_t &port)
{
	int fd = socket(family, type, 0);
	sockaddr_storage a{};
	socklen_t len = 0;
	if (family == AF_INET6) {
		*reinterpret_cast<sockaddr_in6 *>(&a) = loopback_v6(0);
		len = sizeof(sockaddr_in6);
	} else {
		*reinterpret_cast<sockaddr_in *>(&a) = loopback_v4(0);
		len = sizeof(sockaddr_in);
	}
	bind(fd, reinterpret_cast<sockaddr *>(&a), len);
	getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
	// sin_port and sin6_port sit at the same offset.
	port = ntohs(reinterpret_cast<sockaddr_in *>(&a)->sin_port);
	return fd;
}

} // namespace

UdpSink udp_sink_v4()
{
	UdpSink s;
	s.fd = bound_to_loopback(AF_INET, SOCK_DGRAM, s.port);
	return s;
}

UdpSink udp_sink_v6()
{
	UdpSink s;
	s.fd = bound_to_loopback(AF_INET6, SOCK_DGRAM, s.port);
	return s;
}

TcpListener tcp_listener(int family)
{
	TcpListener l;
	l.fd = bound_to_loopback(family, SOCK_STREAM, l.port);
	listen(l.fd, 16);
	return l;
}

} // namespace bpfwatch::test
