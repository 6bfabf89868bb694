// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "serve/listen_address.h"

#include <sys/socket.h>

#include <charconv>

#include "net/ip.h"
#include "util/error.h"

namespace bpfwatch {
namespace {

std::uint16_t parse_port(std::string_view text, std::string_view whole)
{
	unsigned value = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
		throw Error("--metrics " + std::string(whole) + ": the port must be a number from 1 to 65535");
	return static_cast<std::uint16_t>(value);
}

} // namespace

std::string ListenAddress::to_string() const
{
	bool v6 = host.find(':') != std::string::npos;
	return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

ListenAddress parse_listen_address(std::string_view text)
{
	ListenAddress a;
	std::string_view host, port = text;
	if (!text.empty() && text.front() == '[') {
		auto close = text.find("]:");
		if (close == std::string_view::npos)
			throw Error("--metrics " + std::string(text) + ": write an IPv6 address as [ADDR]:PORT");
		host = text.substr(1, close - 1);
		port = text.substr(close + 2);
	} else if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
		host = text.substr(0, colon);
		port = text.substr(colon + 1);
		if (host.find(':') != std::string_view::npos)
			throw Error("--metrics " + std::string(text) + ": write an IPv6 address as [ADDR]:PORT");
	}
	a.port = parse_port(port, text);
	if (!host.empty()) {
		auto ip = IpAddress::parse(host);
		if (!ip)
			throw Error("--metrics " + std::string(text) + ": '" + std::string(host) +
				    "' is not an IP address (examples: 127.0.0.1:9477, 0.0.0.0:9477, [::]:9477)");
		a.host = ip->to_string();
	}
	return a;
}

} // namespace bpfwatch
