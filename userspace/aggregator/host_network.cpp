// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/host_network.h"

#include <ifaddrs.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "util/error.h"

namespace bpfwatch {
namespace {

struct Fd {
	int fd;
	~Fd() { close(fd); }
};

std::string read_file(const char *path)
{
	std::ifstream in(path);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
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
	Fd s{socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)};
	if (s.fd < 0)
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
	if (send(s.fd, &req, sizeof(req), 0) < 0)
		throw Error(errno_message("rtnetlink RTM_GETLINK", errno));

	std::vector<NetInterface> links;
	std::vector<char> buf(1 << 16);
	// Bounded: a dump of a few thousand links is a few dozen reads.
	for (int reads = 0; reads < 4096; reads++) {
		ssize_t n = recv(s.fd, buf.data(), buf.size(), 0);
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

HostNetwork read_host_network()
{
	HostNetwork net;
	net.interfaces = read_links();
	add_addresses(net.interfaces);
	for (NetInterface &i : net.interfaces)
		std::sort(i.addrs.begin(), i.addrs.end());
	std::sort(net.interfaces.begin(), net.interfaces.end());
	net.routes = parse_ipv4_routes(read_file("/proc/net/route"));
	auto v6 = parse_ipv6_routes(read_file("/proc/net/ipv6_route"));
	net.routes.insert(net.routes.end(), v6.begin(), v6.end());
	std::sort(net.routes.begin(), net.routes.end());
	return net;
}

LocalityCache::LocalityCache(LocalityOverrides overrides, Clock::duration max_age, Reader reader)
	: overrides_(std::move(overrides)), max_age_(max_age), reader_(std::move(reader))
{
}

bool LocalityCache::refresh(Clock::time_point now, bool force)
{
	if (read_once_ && !force && now - read_at_ < max_age_)
		return false;
	HostNetwork fresh = reader_();
	read_at_ = now;
	bool changed = !read_once_ || !(fresh == net_);
	read_once_ = true;
	if (changed) {
		net_ = std::move(fresh);
		generation_++;
	}
	return changed;
}

Placement LocalityCache::classify(const IpAddress &addr, Clock::time_point now)
{
	refresh(now);
	return bpfwatch::classify(net_, addr, overrides_);
}

} // namespace bpfwatch
