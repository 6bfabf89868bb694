// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// One socket endpoint, one spelling: where a send went (from a record),
// what a TCP socket is connected to and where a packet went (from the
// delivery probe) are all Endpoints, so they join as map keys, and every
// output names them the same way: "tcp 198.51.100.7:514", "udp [::1]:53",
// "unix/stream /var/run/docker.sock", "udp (unconnected)".
//
// An IP endpoint is named by its protocol (tcp, udp, ...) and carries no
// socket type; an AF_UNIX one by its socket type. Trivially copyable: the
// hot path makes one per socket record.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/ip.h"

namespace bpfwatch {

struct Endpoint {
	// As the kernel ABI bounds it (BW_UNIX_PATH_LEN): longer paths are cut.
	static constexpr std::size_t kPathBytes = 40;

	std::uint16_t family = 0;              // AF_INET, AF_INET6, AF_UNIX, ...; 0: not a socket
	std::uint8_t proto = 0;                // IPPROTO_* for IP; 0 otherwise
	std::uint8_t sotype = 0;               // SOCK_STREAM, ... for non-IP; 0 for IP
	std::uint16_t port = 0;                // host byte order; 0: none (unconnected)
	std::array<std::uint8_t, 16> addr{};   // IP: network order, IPv4 in the first 4
	std::array<char, kPathBytes> path{};   // AF_UNIX: the peer's path, '\0'-padded;
					       // abstract names start with '\0'

	// An IP endpoint; a v4-mapped IPv6 address becomes IPv4.
	static Endpoint ip(std::uint16_t family, std::uint8_t proto, const std::uint8_t *addr, std::uint16_t port);
	static Endpoint ip(const IpAddress &addr, std::uint8_t proto, std::uint16_t port);
	// An AF_UNIX endpoint; @path as the kernel holds it (at most kPathBytes).
	static Endpoint unix_socket(std::uint8_t sotype, const char *path, std::size_t len);
	// Any other family (netlink, packet, ...): named by family and type.
	static Endpoint other(std::uint16_t family, std::uint8_t sotype);

	bool is_ip() const;
	bool connected() const;          // has a peer: an IP port, a unix path
	IpAddress ip_address() const;    // IP endpoints only
	std::string family_name() const; // "ipv4", "ipv6", "unix", "netlink", ...
	std::string proto_name() const;  // "tcp", "udp", "icmp"; "stream", "dgram" for non-IP
	std::string unix_path() const;   // "/dev/log"; "@name" when abstract
	std::string address() const;     // "198.51.100.7", "::1", "/dev/log"; "" when none
	std::string host_port() const;   // "198.51.100.7:514", "[::1]:53", "/dev/log"; "" when none
	std::string to_string() const;   // "tcp 198.51.100.7:514": the one spelling

	auto operator<=>(const Endpoint &) const = default;
};

} // namespace bpfwatch
