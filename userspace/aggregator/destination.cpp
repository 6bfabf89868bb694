// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/destination.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace bpfwatch {
namespace {

bool is_v4_mapped(const std::array<std::uint8_t, 16> &a)
{
	static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return std::memcmp(a.data(), prefix, sizeof(prefix)) == 0;
}

} // namespace

Destination Destination::from(const bw_dest &d)
{
	Destination out;
	out.family = d.family;
	out.proto = d.proto;
	out.sotype = d.sotype;
	out.port = d.port;
	if (d.family == AF_UNIX) {
		const char *p = d.path;
		std::size_t len = strnlen(p, BW_UNIX_PATH_LEN);
		if (len == 0 && p[1] != '\0') { // abstract: "\0name"
			out.path = "@" + std::string(p + 1, strnlen(p + 1, BW_UNIX_PATH_LEN - 1));
		} else {
			out.path.assign(p, len);
		}
	} else if (d.family == AF_INET) {
		std::copy_n(d.addr, 4, out.addr.begin());
	} else if (d.family == AF_INET6) {
		std::copy_n(d.addr, 16, out.addr.begin());
		if (is_v4_mapped(out.addr)) {
			out.family = AF_INET;
			std::array<std::uint8_t, 16> v4{};
			std::copy_n(out.addr.begin() + 12, 4, v4.begin());
			out.addr = v4;
		}
	}
	return out;
}

bool Destination::connected() const
{
	if (family == AF_UNIX)
		return !path.empty();
	return port != 0;
}

std::string Destination::family_name() const
{
	switch (family) {
	case 0:
		return "none";
	case AF_INET:
		return "ipv4";
	case AF_INET6:
		return "ipv6";
	case AF_UNIX:
		return "unix";
	case AF_NETLINK:
		return "netlink";
	case AF_PACKET:
		return "packet";
	case AF_VSOCK:
		return "vsock";
	default:
		return "af" + std::to_string(family);
	}
}

std::string Destination::proto_name() const
{
	if (family == AF_INET || family == AF_INET6) {
		switch (proto) {
		case IPPROTO_TCP:
			return "tcp";
		case IPPROTO_UDP:
			return "udp";
		case IPPROTO_ICMP:
			return "icmp";
		case IPPROTO_ICMPV6:
			return "icmpv6";
		case IPPROTO_SCTP:
			return "sctp";
		case IPPROTO_RAW:
			return "raw";
		default:
			return "ip" + std::to_string(proto);
		}
	}
	switch (sotype) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	case SOCK_SEQPACKET:
		return "seqpacket";
	case SOCK_RAW:
		return "raw";
	default:
		return "sock" + std::to_string(sotype);
	}
}

std::string Destination::address() const
{
	char buf[INET6_ADDRSTRLEN] = "";
	switch (family) {
	case AF_INET:
		if (!connected())
			return "";
		inet_ntop(AF_INET, addr.data(), buf, sizeof(buf));
		return buf;
	case AF_INET6:
		if (!connected())
			return "";
		inet_ntop(AF_INET6, addr.data(), buf, sizeof(buf));
		return buf;
	case AF_UNIX:
		return path;
	default:
		return "";
	}
}

std::string Destination::to_string() const
{
	std::string head = family == AF_UNIX ? "unix/" + proto_name() : proto_name();
	if (family == 0)
		return "not a socket";
	if (family != AF_INET && family != AF_INET6 && family != AF_UNIX)
		return family_name() + " " + head;
	if (!connected())
		return head + " (unconnected)";
	if (family == AF_UNIX)
		return head + " " + path;
	if (family == AF_INET6)
		return head + " [" + address() + "]:" + std::to_string(port);
	return head + " " + address() + ":" + std::to_string(port);
}

} // namespace bpfwatch
