// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// IP addresses and prefixes, IPv4 and IPv6 in one type. An IPv4-mapped
// IPv6 address (::ffff:a.b.c.d) is the IPv4 address it carries: it is
// unmapped here and nowhere else (the kernel side does the same for its
// peer keys, bpf/sock.bpf.h), so a socket's peer and a packet's
// destination meet on one key.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bpfwatch {

// Bytes of an address of @family: 4 for AF_INET, else 16.
std::size_t ip_address_length(std::uint16_t family);

// Rewrites an AF_INET6 v4-mapped address in place as the AF_INET one.
void unmap_v4(std::uint16_t &family, std::array<std::uint8_t, 16> &bytes);

struct IpAddress {
	std::uint16_t family = 0;             // AF_INET or AF_INET6
	std::array<std::uint8_t, 16> bytes{}; // network order; IPv4 in the first 4

	static IpAddress v4(std::uint32_t addr_be);
	// Unmapped, like every constructor here.
	static IpAddress from_bytes(std::uint16_t family, const std::uint8_t *bytes);
	static std::optional<IpAddress> parse(std::string_view text);
	std::string to_string() const; // "198.51.100.7", "::1"; "?" when not IP

	bool loopback() const;    // 127.0.0.0/8, ::1
	bool unspecified() const; // 0.0.0.0, ::

	auto operator<=>(const IpAddress &) const = default;
};

struct IpPrefix {
	IpAddress addr;
	std::uint8_t len = 0;

	static std::optional<IpPrefix> parse(std::string_view cidr); // "198.51.100.0/24"
	bool contains(const IpAddress &a) const;
	bool overlaps(const IpPrefix &other) const;
	std::string to_string() const;

	auto operator<=>(const IpPrefix &) const = default;
};

} // namespace bpfwatch
