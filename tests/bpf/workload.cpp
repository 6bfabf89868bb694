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

UdpSink udp_sink_v4()
{
	UdpSink s;
	s.fd = socket(AF_INET, SOCK_DGRAM, 0);
	sockaddr_in a = loopback_v4(0);
	socklen_t len = sizeof(a);
	bind(s.fd, reinterpret_cast<sockaddr *>(&a), sizeof(a));
	getsockname(s.fd, reinterpret_cast<sockaddr *>(&a), &len);
	s.port = ntohs(a.sin_port);
	return s;
}

UdpSink udp_sink_v6()
{
	UdpSink s;
	s.fd = socket(AF_INET6, SOCK_DGRAM, 0);
	sockaddr_in6 a = loopback_v6(0);
	socklen_t len = sizeof(a);
	bind(s.fd, reinterpret_cast<sockaddr *>(&a), sizeof(a));
	getsockname(s.fd, reinterpret_cast<sockaddr *>(&a), &len);
	s.port = ntohs(a.sin6_port);
	return s;
}

TcpListener tcp_listener(int family)
{
	TcpListener l;
	l.fd = socket(family, SOCK_STREAM, 0);
	if (family == AF_INET6) {
		sockaddr_in6 a = loopback_v6(0);
		socklen_t len = sizeof(a);
		bind(l.fd, reinterpret_cast<sockaddr *>(&a), sizeof(a));
		getsockname(l.fd, reinterpret_cast<sockaddr *>(&a), &len);
		l.port = ntohs(a.sin6_port);
	} else {
		sockaddr_in a = loopback_v4(0);
		socklen_t len = sizeof(a);
		bind(l.fd, reinterpret_cast<sockaddr *>(&a), sizeof(a));
		getsockname(l.fd, reinterpret_cast<sockaddr *>(&a), &len);
		l.port = ntohs(a.sin_port);
	}
	listen(l.fd, 16);
	return l;
}

} // namespace bpfwatch::test
