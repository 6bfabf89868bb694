// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Workloads run in a forked child: raw syscalls only, so the counts they
// cause are known exactly. A failed step exits with its line number.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#define WL_CHECK(cond)                                   \
	do {                                             \
		if (!(cond))                             \
			return (__LINE__ % 250) + 1;     \
	} while (0)

namespace bpfwatch::test {

// A bound receiver on loopback for UDP tests; port in host order.
struct UdpSink {
	int fd = -1;
	std::uint16_t port = 0;
};
UdpSink udp_sink_v4();
// The same on ::1.
UdpSink udp_sink_v6();

// TCP listener on 127.0.0.1 or ::1; port in host order.
struct TcpListener {
	int fd = -1;
	std::uint16_t port = 0;
};
TcpListener tcp_listener(int family);

sockaddr_in loopback_v4(std::uint16_t port);
sockaddr_in6 loopback_v6(std::uint16_t port);

} // namespace bpfwatch::test
