// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "support/test_ranges.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <array>
#include <cstring>
#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

namespace bpfwatch::test {
namespace {

std::uint32_t host_order(const IpPrefix &p)
{
	std::uint32_t be = 0;
	std::memcpy(&be, p.addr.bytes.data(), 4);
	std::uint32_t a = ntohl(be);
	return p.len ? a & ~((1ull << (32 - p.len)) - 1) : 0;
}

IpPrefix v4_prefix(std::uint32_t host_order_addr, int len)
{
	return {IpAddress::v4(htonl(host_order_addr)), static_cast<std::uint8_t>(len)};
}

bool overlaps(const IpPrefix &a, const IpPrefix &b)
{
	// Two prefixes overlap exactly when the wider one holds the other.
	if (a.addr.family != b.addr.family)
		return false;
	return a.len <= b.len ? a.contains(b.addr) : b.contains(a.addr);
}

std::vector<std::string> words(const std::string &line)
{
	std::istringstream in(line);
	std::vector<std::string> w;
	for (std::string s; in >> s;)
		w.push_back(s);
	return w;
}

IpPrefix parse_or_throw(const std::string &text, const std::string &line)
{
	auto p = IpPrefix::parse(text);
	if (!p || p->addr.family != AF_INET)
		throw std::runtime_error("cannot read '" + text + "' in: " + line);
	return *p;
}

std::string run(const std::string &cmd)
{
	std::unique_ptr<FILE, int (*)(FILE *)> p(popen((cmd + " 2>&1").c_str(), "r"), pclose);
	if (!p)
		throw std::runtime_error("popen " + cmd);
	std::string out;
	std::array<char, 512> buf;
	while (fgets(buf.data(), buf.size(), p.get()))
		out += buf.data();
	int status = pclose(p.release());
	if (status != 0)
		throw std::runtime_error(cmd + " failed: " + out);
	return out;
}

} // namespace

std::vector<HostUse> parse_ip_addr(const std::string &text)
{
	// "4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\ ..."
	// "9: tun0    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0\ ..."
	std::vector<HostUse> uses;
	std::istringstream in(text);
	for (std::string line; std::getline(in, line);) {
		auto w = words(line);
		if (w.empty())
			continue;
		if (w.size() < 4 || w[2] != "inet")
			throw std::runtime_error("not an `ip -4 -o addr` line: " + line);
		std::string dev = w[1].substr(0, w[1].find('@')); // "veth0@if2"
		uses.push_back({parse_or_throw(w[3], line), dev + " address " + w[3]});
		if (w.size() > 5 && w[4] == "peer")
			uses.push_back({parse_or_throw(w[5], line), dev + " peer " + w[5]});
	}
	return uses;
}

std::vector<HostUse> parse_ip_route(const std::string &text)
{
	// "default via 192.0.2.1 dev eth0", "local 127.0.0.0/8 dev lo table
	// local ...", "unreachable 10.0.0.0/8 metric 1024"; a multipath
	// route's "\tnexthop via ..." lines continue the one above.
	static const std::set<std::string> types = {"unicast", "local",       "broadcast", "multicast", "throw",
						    "unreachable", "prohibit", "blackhole", "nat",       "anycast"};
	std::vector<HostUse> uses;
	std::istringstream in(text);
	for (std::string line; std::getline(in, line);) {
		if (line.empty() || line[0] == ' ' || line[0] == '\t')
			continue;
		auto w = words(line);
		std::size_t i = 0;
		std::string type;
		if (types.count(w[0]))
			type = w[i++] + " ";
		if (i >= w.size())
			throw std::runtime_error("not an `ip -4 route` line: " + line);
		std::string dst = w[i] == "default" ? "0.0.0.0/0" : w[i];
		std::string what = "route " + type + w[i];
		for (std::size_t k = i + 1; k + 1 < w.size(); k++)
			if (w[k] == "via" || w[k] == "dev" || w[k] == "table")
				what += " " + w[k] + " " + w[k + 1];
		uses.push_back({parse_or_throw(dst, line), what});
	}
	return uses;
}

std::vector<HostUse> read_host_uses()
{
	// Every table, not just main: a policy rule can send test traffic
	// by any of them, and the local table holds the host's addresses.
	std::vector<HostUse> uses = parse_ip_addr(run("ip -4 -o addr show"));
	for (HostUse &u : parse_ip_route(run("ip -4 route show table all")))
		uses.push_back(std::move(u));
	return uses;
}

const std::vector<IpPrefix> &candidate_ranges()
{
	static const std::vector<IpPrefix> c = [] {
		std::vector<IpPrefix> v;
		for (const char *s : {"203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24", "100.64.0.0/24",
				      "100.64.1.0/24", "100.64.2.0/24", "100.64.3.0/24"})
			v.push_back(*IpPrefix::parse(s));
		return v;
	}();
	return c;
}

RangeChoice choose_ranges(const std::vector<HostUse> &host, const std::vector<int> &lengths, std::uint32_t seed,
			  const std::vector<IpPrefix> &candidates)
{
	std::vector<HostUse> taken;
	for (const HostUse &u : host)
		if (u.net.addr.family == AF_INET && u.net.len > 0) // not the default route
			taken.push_back(u);

	RangeChoice choice;
	for (int len : lengths) {
		if (len < 1 || len > 30)
			return {{}, "cannot carve a /" + std::to_string(len) + " test network"};
		std::vector<IpPrefix> blocks;
		for (const IpPrefix &c : candidates)
			if (c.addr.family == AF_INET && c.len <= len)
				for (std::uint64_t i = 0; i < (1ull << (len - c.len)); i++)
					blocks.push_back(v4_prefix(host_order(c) + std::uint32_t(i << (32 - len)), len));
		bool found = false;
		for (std::size_t k = 0; k < blocks.size() && !found; k++) {
			const IpPrefix &b = blocks[(seed + k) % blocks.size()];
			bool clear = true;
			for (const HostUse &u : taken)
				clear = clear && !overlaps(b, u.net);
			if (clear) {
				choice.nets.push_back(b);
				taken.push_back({b, "this test's " + b.to_string()});
				found = true;
			}
		}
		if (found)
			continue;
		// Name what took each candidate, on one line.
		std::string why = "no free /" + std::to_string(len) + " for a test network:";
		const char *sep = " ";
		for (const IpPrefix &c : candidates) {
			why += sep + c.to_string() + " taken by ";
			const char *and_ = "";
			for (const HostUse &u : taken)
				if (overlaps(c, u.net)) {
					why += and_ + u.what;
					and_ = ", ";
				}
			if (!*and_)
				why += "nothing, but too small";
			sep = "; ";
		}
		return {{}, why};
	}
	return choice;
}

RangeChoice choose_free_ranges(const std::vector<int> &lengths, std::uint32_t seed)
{
	try {
		return choose_ranges(read_host_uses(), lengths, seed);
	} catch (const std::exception &e) {
		return {{}, std::string("cannot read the host's addresses and routes: ") + e.what()};
	}
}

std::string nth_address(const IpPrefix &net, std::uint32_t n)
{
	return IpAddress::v4(htonl(host_order(net) + n)).to_string();
}

} // namespace bpfwatch::test
