// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "net/ip.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace bpfwatch {

std::size_t ip_address_length(std::uint16_t family)
{
	return family == AF_INET ? 4 : 16;
}

void unmap_v4(std::uint16_t &family, std::array<std::uint8_t, 16> &bytes)
{
	static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (family != AF_INET6 || std::memcmp(bytes.data(), prefix, sizeof(prefix)) != 0)
		return;
	std::array<std::uint8_t, 16> v4{};
	std::copy_n(bytes.begin() + 12, 4, v4.begin());
	family = AF_INET;
	bytes = v4;
}

IpAddress IpAddress::v4(std::uint32_t addr_be)
{
	IpAddress a;
	a.family = AF_INET;
	std::memcpy(a.bytes.data(), &addr_be, 4);
	return a;
}

IpAddress IpAddress::from_bytes(std::uint16_t family, const std::uint8_t *bytes)
{
	IpAddress a;
	a.family = family;
	std::memcpy(a.bytes.data(), bytes, ip_address_length(family));
	unmap_v4(a.family, a.bytes);
	return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text)
{
	std::string s(text);
	IpAddress a;
	if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1)
		a.family = AF_INET6;
	else
		return std::nullopt;
	unmap_v4(a.family, a.bytes);
	return a;
}

std::string IpAddress::to_string() const
{
	char buf[INET6_ADDRSTRLEN] = {};
	if ((family != AF_INET && family != AF_INET6) || !inet_ntop(family, bytes.data(), buf, sizeof(buf)))
		return "?";
	return buf;
}

bool IpAddress::loopback() const
{
	if (family == AF_INET)
		return bytes[0] == 127;
	static const std::array<std::uint8_t, 16> one = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	return family == AF_INET6 && bytes == one;
}

bool IpAddress::unspecified() const
{
	return std::all_of(bytes.begin(), bytes.begin() + ip_address_length(family),
			   [](std::uint8_t b) { return b == 0; });
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view cidr)
{
	auto slash = cidr.find('/');
	auto addr = IpAddress::parse(cidr.substr(0, slash));
	if (!addr)
		return std::nullopt;
	IpPrefix p{*addr, static_cast<std::uint8_t>(ip_address_length(addr->family) * 8)};
	if (slash != std::string_view::npos) {
		unsigned len = 0;
		auto tail = cidr.substr(slash + 1);
		auto r = std::from_chars(tail.data(), tail.data() + tail.size(), len);
		if (r.ec != std::errc() || r.ptr != tail.data() + tail.size() || len > p.len)
			return std::nullopt;
		p.len = static_cast<std::uint8_t>(len);
	}
	return p;
}

bool IpPrefix::contains(const IpAddress &a) const
{
	if (a.family != addr.family)
		return false;
	unsigned full = len / 8, rest = len % 8;
	if (std::memcmp(a.bytes.data(), addr.bytes.data(), full) != 0)
		return false;
	if (!rest)
		return true;
	std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
	return (a.bytes[full] & mask) == (addr.bytes[full] & mask);
}

bool IpPrefix::overlaps(const IpPrefix &other) const
{
	return len <= other.len ? contains(other.addr) : other.contains(addr);
}

std::string IpPrefix::to_string() const
{
	return addr.to_string() + "/" + std::to_string(len);
}

} // namespace bpfwatch
