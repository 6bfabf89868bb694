// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "net/endpoint.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace bpfwatch {
namespace {

std::string sotype_name(std::uint8_t sotype)
{
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

} // namespace

Endpoint Endpoint::ip(std::uint16_t family, std::uint8_t proto, const std::uint8_t *addr, std::uint16_t port)
{
	return ip(IpAddress::from_bytes(family, addr), proto, port);
}

Endpoint Endpoint::ip(const IpAddress &addr, std::uint8_t proto, std::uint16_t port)
{
	Endpoint e;
	e.family = addr.family;
	e.proto = proto;
	e.port = port;
	e.addr = addr.bytes;
	return e;
}

Endpoint Endpoint::unix_socket(std::uint8_t sotype, const char *path, std::size_t len)
{
	Endpoint e;
	e.family = AF_UNIX;
	e.sotype = sotype;
	std::copy_n(path, std::min(len, kPathBytes), e.path.begin());
	return e;
}

Endpoint Endpoint::other(std::uint16_t family, std::uint8_t sotype)
{
	Endpoint e;
	e.family = family;
	e.sotype = sotype;
	return e;
}

bool Endpoint::is_ip() const
{
	return family == AF_INET || family == AF_INET6;
}

bool Endpoint::connected() const
{
	if (family == AF_UNIX)
		return path[0] != '\0' || path[1] != '\0';
	return is_ip() && port != 0;
}

IpAddress Endpoint::ip_address() const
{
	return IpAddress{family, addr};
}

std::string Endpoint::family_name() const
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

std::string Endpoint::proto_name() const
{
	if (!is_ip())
		return sotype_name(sotype);
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

std::string Endpoint::unix_path() const
{
	if (family != AF_UNIX)
		return "";
	const char *p = path.data();
	if (p[0] == '\0') // abstract: "\0name"
		return p[1] ? "@" + std::string(p + 1, strnlen(p + 1, kPathBytes - 1)) : "";
	return std::string(p, strnlen(p, kPathBytes));
}

std::string Endpoint::address() const
{
	if (family == AF_UNIX)
		return unix_path();
	return is_ip() && connected() ? ip_address().to_string() : "";
}

std::string Endpoint::host_port() const
{
	if (family == AF_UNIX)
		return unix_path();
	if (!is_ip() || !connected())
		return "";
	std::string host = ip_address().to_string();
	return (family == AF_INET6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Endpoint::to_string() const
{
	if (family == 0)
		return "not a socket";
	if (!is_ip() && family != AF_UNIX)
		return family_name() + " " + proto_name();
	std::string head = family == AF_UNIX ? "unix/" + proto_name() : proto_name();
	if (!connected())
		return head + " (unconnected)";
	return head + " " + host_port();
}

} // namespace bpfwatch
