// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Where the bytes of a socket call went: the record's bw_dest, normalised
// (an IPv4-mapped IPv6 peer is an IPv4 peer) and named for people.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>

#include "probe/abi.h"

namespace bpfwatch {

struct Destination {
	std::uint16_t family = 0; // AF_INET, AF_INET6, AF_UNIX, ...
	std::uint8_t proto = 0;   // IPPROTO_*; 0 for AF_UNIX
	std::uint8_t sotype = 0;  // SOCK_STREAM, SOCK_DGRAM, ...
	std::uint16_t port = 0;   // host byte order
	std::array<std::uint8_t, 16> addr{}; // IPv4 in the first 4 bytes
	std::string path;         // AF_UNIX peer; "@name" when abstract

	static Destination from(const bw_dest &d);

	bool connected() const;
	std::string family_name() const; // "ipv4", "ipv6", "unix", ...
	std::string proto_name() const;  // "tcp", "udp", "stream", "dgram", ...
	std::string address() const;     // "172.17.0.3", "::1", "/dev/log", ""
	std::string to_string() const;   // "tcp 172.17.0.3:5514", "udp [::1]:53"

	auto operator<=>(const Destination &) const = default;
};

} // namespace bpfwatch
