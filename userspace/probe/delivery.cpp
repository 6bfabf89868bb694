// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "probe/delivery.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace bpfwatch {

Peer Peer::from(const bw_peer &p)
{
	Peer out;
	out.family = p.family;
	out.proto = p.proto;
	out.port = p.port;
	std::memcpy(out.addr.data(), p.addr, out.addr.size());
	return out;
}

std::string Peer::address() const
{
	char buf[INET6_ADDRSTRLEN] = {};
	if (family != AF_INET && family != AF_INET6)
		return "";
	if (!inet_ntop(family, addr.data(), buf, sizeof(buf)))
		return "";
	return buf;
}

std::string Peer::to_string() const
{
	std::string proto_name = proto == IPPROTO_TCP    ? "tcp"
				 : proto == IPPROTO_UDP  ? "udp"
				 : proto == IPPROTO_ICMP ? "icmp"
				 : proto == IPPROTO_ICMPV6 ? "icmpv6"
							   : "ip" + std::to_string(proto);
	std::string host = family == AF_INET6 ? "[" + address() + "]" : address();
	return host + ":" + std::to_string(port) + "/" + proto_name;
}

std::optional<double> DeliverySnapshot::last_ack_age_s(const TcpDelivery &tcp) const
{
	if (!tcp.last_ack_ns)
		return std::nullopt;
	if (tcp.last_ack_ns >= taken_ns)
		return 0.0;
	return static_cast<double>(taken_ns - tcp.last_ack_ns) / 1e9;
}

} // namespace bpfwatch
