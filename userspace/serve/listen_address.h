// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Where the metrics server listens: --metrics [ADDR:]PORT. Loopback
// unless an address is given: exposing per-container traffic to the
// network is a choice the user makes explicitly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bpfwatch {

inline constexpr std::uint16_t kDefaultMetricsPort = 9477;

struct ListenAddress {
	std::string host = "127.0.0.1"; // an IP address, IPv6 without brackets
	std::uint16_t port = kDefaultMetricsPort;

	std::string to_string() const; // "127.0.0.1:9477", "[::]:9477"
	auto operator<=>(const ListenAddress &) const = default;
};

// "9477", "0.0.0.0:9477", "[::1]:9477"; ADDR must be an IP address.
// Throws Error saying what is wrong.
ListenAddress parse_listen_address(std::string_view text);

} // namespace bpfwatch
