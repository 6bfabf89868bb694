// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "net/locality.h"

#include <spdlog/spdlog.h>

#include "util/error.h"

namespace bpfwatch {
namespace {

bool any_contains(const std::vector<IpPrefix> &prefixes, const IpAddress &a)
{
	for (const IpPrefix &p : prefixes)
		if (p.contains(a))
			return true;
	return false;
}

// Longest prefix first, then the lowest metric: the kernel's choice in
// the main table.
const Route *best_route(const HostNetwork &net, const IpAddress &a)
{
	const Route *best = nullptr;
	for (const Route &r : net.routes) {
		if (!r.dst.contains(a))
			continue;
		if (!best || r.dst.len > best->dst.len || (r.dst.len == best->dst.len && r.metric < best->metric))
			best = &r;
	}
	return best;
}

} // namespace

std::string_view to_string(Locality where)
{
	switch (where) {
	case Locality::loopback:
		return "loopback";
	case Locality::host:
		return "host";
	case Locality::local_container:
		return "local-container";
	case Locality::remote:
		return "remote";
	case Locality::unknown:
		return "unknown";
	}
	return "unknown";
}

bool is_container_network(const HostNetwork &net, const NetInterface &iface)
{
	if (iface.kind == "veth")
		return true;
	if (iface.kind != "bridge")
		return false;
	for (const NetInterface &port : net.interfaces)
		if (port.master == iface.index && port.kind != "veth" && port.kind != "tun")
			return false; // a NIC, VXLAN, WireGuard, bond...: off the host
	return true;
}

Placement classify(const HostNetwork &net, const IpAddress &address, const LocalityOverrides &overrides)
{
	const IpAddress &a = address;
	if (a.loopback())
		return {Locality::loopback, "lo"};
	if (any_contains(overrides.remote, a))
		return {Locality::remote, ""};
	if (any_contains(overrides.local_container, a))
		return {Locality::local_container, ""};
	// Connecting to 0.0.0.0 or :: reaches this host.
	if (a.unspecified())
		return {Locality::host, ""};
	for (const NetInterface &i : net.interfaces)
		for (const IpPrefix &p : i.addrs)
			if (p.addr == a)
				return {Locality::host, i.name};

	const Route *r = best_route(net, a);
	if (!r)
		return {Locality::remote, ""}; // no route: it could only fail
	const NetInterface *dev = net.interface(r->dev);
	if (!r->gateway && !r->reject && dev && is_container_network(net, *dev))
		return {Locality::local_container, r->dev};
	return {Locality::remote, r->dev};
}

LocalityCache::LocalityCache(LocalityOverrides overrides, Clock::duration max_age, Reader reader)
	: overrides_(std::move(overrides)), max_age_(max_age), reader_(std::move(reader))
{
}

bool LocalityCache::refresh(Clock::time_point now, bool force)
{
	if (read_at_ && !force && now - *read_at_ < max_age_)
		return false;
	read_at_ = now;
	try {
		HostNetwork fresh = reader_();
		error_.clear();
		bool changed = !net_ || !(fresh == *net_);
		net_ = std::move(fresh);
		return changed;
	} catch (const Error &e) {
		// Keep no stale table: a peer placed from one would claim more
		// than we know. Every placement says unknown until a read works.
		if (error_ != e.what())
			spdlog::warn("where peers are is unknown: {}", e.what());
		error_ = e.what();
		bool changed = net_.has_value();
		net_.reset();
		return changed;
	}
}

Placement LocalityCache::classify(const IpAddress &addr, Clock::time_point now)
{
	refresh(now);
	if (!net_)
		return {Locality::unknown, ""};
	return bpfwatch::classify(*net_, addr, overrides_);
}

} // namespace bpfwatch
