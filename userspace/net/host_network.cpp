// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "net/host_network.h"

#include <ifaddrs.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <bit>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "util/error.h"
#include "util/fd.h"
#include "util/file.h"

namespace bpfwatch {
namespace {

// Route flags (include/uapi/linux/route.h, ipv6_route.h).
constexpr unsigned kRtfGateway = 0x0002;
constexpr unsigned kRtfReject = 0x0200;
constexpr unsigned kRtfLocal = 0x80000000; // RTF_LOCAL: ipv6_route's local table

bool parse_hex(std::string_view s, std::uint64_t &out)
{
	auto r = std::from_chars(s.data(), s.data() + s.size(), out, 16);
	return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_hex_bytes(std::string_view s, std::uint8_t *out, std::size_t n)
{
	if (s.size() != 2 * n)
		return false;
	for (std::size_t i = 0; i < n; i++) {
		std::uint64_t b;
		if (!parse_hex(s.substr(2 * i, 2), b))
			return false;
		out[i] = static_cast<std::uint8_t>(b);
	}
	return true;
}

std::vector<std::string_view> fields_of(std::string_view line)
{
	std::vector<std::string_view> f;
	std::size_t i = 0;
	while (i < line.size()) {
		while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
			i++;
		std::size_t start = i;
		while (i < line.size() && line[i] != ' ' && line[i] != '\t')
			i++;
		if (i > start)
			f.push_back(line.substr(start, i - start));
	}
	return f;
}

std::vector<std::string_view> lines_of(std::string_view text)
{
	std::vector<std::string_view> out;
	std::size_t start = 0;
	while (start < text.size()) {
		std::size_t end = text.find('\n', start);
		if (end == std::string_view::npos)
			end = text.size();
		out.push_back(text.substr(start, end - start));
		start = end + 1;
	}
	return out;
}

[[noreturn]] void malformed(const char *file, std::string_view line)
{
	throw Error(std::string(file) + ": unexpected line '" + std::string(line.substr(0, 120)) + "'");
}


// One RTM_NEWLINK: name, index, master and IFLA_INFO_KIND.
void parse_link(const nlmsghdr *h, std::vector<NetInterface> &out)
{
	const auto *ifi = static_cast<const ifinfomsg *>(NLMSG_DATA(h));
	NetInterface iface;
	iface.index = ifi->ifi_index;
	iface.loopback = ifi->ifi_flags & IFF_LOOPBACK;
	int len = IFLA_PAYLOAD(h);
	for (const rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_IFNAME) {
			iface.name = static_cast<const char *>(RTA_DATA(a));
		} else if (a->rta_type == IFLA_MASTER && RTA_PAYLOAD(a) >= 4) {
			std::memcpy(&iface.master, RTA_DATA(a), 4);
		} else if (a->rta_type == IFLA_LINKINFO) {
			int ilen = RTA_PAYLOAD(a);
			for (const rtattr *i = static_cast<const rtattr *>(RTA_DATA(a)); RTA_OK(i, ilen);
			     i = RTA_NEXT(i, ilen))
				if (i->rta_type == IFLA_INFO_KIND)
					iface.kind.assign(static_cast<const char *>(RTA_DATA(i)),
							  strnlen(static_cast<const char *>(RTA_DATA(i)), RTA_PAYLOAD(i)));
		}
	}
	out.push_back(std::move(iface));
}

// An RTM_GETLINK dump over NETLINK_ROUTE: every interface and its kind.
std::vector<NetInterface> read_links()
{
	UniqueFd s(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
	if (!s)
		throw Error(errno_message("open rtnetlink", errno));
	struct {
		nlmsghdr h;
		ifinfomsg ifi;
	} req{};
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = RTM_GETLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	if (send(s.get(), &req, sizeof(req), 0) < 0)
		throw Error(errno_message("rtnetlink RTM_GETLINK", errno));

	std::vector<NetInterface> links;
	std::vector<char> buf(1 << 16);
	// Bounded: a dump of a few thousand links is a few dozen reads.
	for (int reads = 0; reads < 4096; reads++) {
		ssize_t n = recv(s.get(), buf.data(), buf.size(), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			throw Error(errno_message("read rtnetlink", n < 0 ? errno : EIO));
		int left = static_cast<int>(n);
		for (auto *h = reinterpret_cast<nlmsghdr *>(buf.data()); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return links;
			if (h->nlmsg_type == NLMSG_ERROR)
				throw Error(errno_message("rtnetlink RTM_GETLINK",
							  -static_cast<const nlmsgerr *>(NLMSG_DATA(h))->error));
			if (h->nlmsg_type == RTM_NEWLINK)
				parse_link(h, links);
		}
	}
	throw Error("rtnetlink RTM_GETLINK: the dump did not end");
}

std::uint8_t prefix_len(const sockaddr *mask)
{
	if (!mask)
		return 0;
	const std::uint8_t *b;
	std::size_t n;
	if (mask->sa_family == AF_INET) {
		b = reinterpret_cast<const std::uint8_t *>(&reinterpret_cast<const sockaddr_in *>(mask)->sin_addr);
		n = 4;
	} else {
		b = reinterpret_cast<const std::uint8_t *>(&reinterpret_cast<const sockaddr_in6 *>(mask)->sin6_addr);
		n = 16;
	}
	int bits = 0;
	for (std::size_t i = 0; i < n; i++)
		bits += std::popcount(b[i]);
	return static_cast<std::uint8_t>(bits);
}

void add_addresses(std::vector<NetInterface> &links)
{
	ifaddrs *list = nullptr;
	if (getifaddrs(&list) != 0)
		throw Error(errno_message("getifaddrs", errno));
	std::unique_ptr<ifaddrs, void (*)(ifaddrs *)> owner(list, freeifaddrs);
	for (ifaddrs *i = list; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		auto it = std::find_if(links.begin(), links.end(), [&](const NetInterface &l) { return l.name == i->ifa_name; });
		if (it == links.end())
			continue;
		IpPrefix p;
		if (i->ifa_addr->sa_family == AF_INET)
			p.addr = IpAddress::from_bytes(AF_INET, reinterpret_cast<const std::uint8_t *>(
									&reinterpret_cast<sockaddr_in *>(i->ifa_addr)->sin_addr));
		else
			p.addr = IpAddress::from_bytes(AF_INET6, reinterpret_cast<const std::uint8_t *>(
									 &reinterpret_cast<sockaddr_in6 *>(i->ifa_addr)->sin6_addr));
		p.len = prefix_len(i->ifa_netmask);
		it->addrs.push_back(p);
	}
}

} // namespace

const NetInterface *HostNetwork::interface(std::string_view name) const
{
	for (const NetInterface &i : interfaces)
		if (i.name == name)
			return &i;
	return nullptr;
}

// Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT,
// addresses as the hex of their in-memory (network order) 32 bits.
std::vector<Route> parse_ipv4_routes(std::string_view text)
{
	auto lines = lines_of(text);
	if (lines.empty() || fields_of(lines[0]).empty() || fields_of(lines[0])[0] != "Iface")
		throw Error("/proc/net/route: no routing table header");
	std::vector<Route> routes;
	for (std::size_t i = 1; i < lines.size(); i++) {
		auto f = fields_of(lines[i]);
		if (f.empty())
			continue;
		std::uint64_t dst, flags, metric, mask;
		if (f.size() < 8 || !parse_hex(f[1], dst) || !parse_hex(f[3], flags) || !parse_hex(f[7], mask) ||
		    std::from_chars(f[6].data(), f[6].data() + f[6].size(), metric).ec != std::errc())
			malformed("/proc/net/route", lines[i]);
		Route r;
		r.dev = std::string(f[0]);
		r.dst.addr = IpAddress::v4(static_cast<std::uint32_t>(dst));
		r.dst.len = static_cast<std::uint8_t>(std::popcount(static_cast<std::uint32_t>(mask)));
		r.gateway = flags & kRtfGateway;
		r.reject = flags & kRtfReject;
		r.metric = static_cast<std::uint32_t>(metric);
		routes.push_back(r);
	}
	return routes;
}

// dst dst_len src src_len next_hop metric refcnt use flags dev, in hex.
std::vector<Route> parse_ipv6_routes(std::string_view text)
{
	std::vector<Route> routes;
	for (std::string_view line : lines_of(text)) {
		auto f = fields_of(line);
		if (f.empty())
			continue;
		Route r;
		std::uint64_t len, metric, flags;
		if (f.size() < 10 || !parse_hex_bytes(f[0], r.dst.addr.bytes.data(), 16) || !parse_hex(f[1], len) ||
		    len > 128 || !parse_hex(f[5], metric) || !parse_hex(f[8], flags))
			malformed("/proc/net/ipv6_route", line);
		if (flags & kRtfLocal)
			continue;
		r.dst.addr.family = AF_INET6;
		r.dst.len = static_cast<std::uint8_t>(len);
		r.dev = std::string(f[9]);
		r.gateway = flags & kRtfGateway;
		r.reject = flags & kRtfReject;
		r.metric = static_cast<std::uint32_t>(metric);
		routes.push_back(r);
	}
	return routes;
}

HostNetwork read_host_network()
{
	HostNetwork net;
	net.interfaces = read_links();
	add_addresses(net.interfaces);
	for (NetInterface &i : net.interfaces)
		std::sort(i.addrs.begin(), i.addrs.end());
	std::sort(net.interfaces.begin(), net.interfaces.end());
	net.routes = parse_ipv4_routes(read_text_file("/proc/net/route"));
	std::vector<Route> v6;
	try {
		v6 = parse_ipv6_routes(read_text_file("/proc/net/ipv6_route"));
	} catch (const SystemError &e) {
		// No such file: the kernel runs without IPv6, so it has no IPv6
		// routes. Any other failure is one.
		if (e.code() != ENOENT)
			throw;
	}
	net.routes.insert(net.routes.end(), v6.begin(), v6.end());
	std::sort(net.routes.begin(), net.routes.end());
	return net;
}

} // namespace bpfwatch
