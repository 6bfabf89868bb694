// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Address ranges for the networks tests build (veths, router and sink
// namespaces), chosen so they overlap nothing the host itself uses: a test
// veth on the host's own subnet shadows its gateway and answers ARP in its
// name (ENVIRONMENT.md, "Network rules for tests"). choose_ranges() is a
// pure function over what the host uses, so fixtures test it; the rest
// reads the calling thread's network namespace with ip(8).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net/locality.h"

namespace bpfwatch::test {

// Something of the host's that a test range must stay clear of.
struct HostUse {
	IpPrefix net;     // an address with its prefix, or a route's destination
	std::string what; // "eth0 address 192.0.2.2/24", "route 10.0.0.0/8 dev wg0"
};

// `ip -4 -o addr show` and `ip -4 route show table all`, parsed. Lines
// they cannot read throw std::runtime_error: an unread use is a collision
// waiting to happen, never "unused".
std::vector<HostUse> parse_ip_addr(const std::string &text);
std::vector<HostUse> parse_ip_route(const std::string &text);
// Both, read live in the calling thread's network namespace; throws when
// ip(8) fails.
std::vector<HostUse> read_host_uses();

// The /24s tests carve from, in order of preference: the documentation
// ranges (RFC 5737), then some of the shared address space (RFC 6598).
const std::vector<IpPrefix> &candidate_ranges();

struct RangeChoice {
	std::vector<IpPrefix> nets; // one per requested length, in order
	std::string error;          // one line: what took every candidate
	bool ok() const { return error.empty(); }
};

// One IPv4 network per entry of @lengths (prefix lengths, up to /30), carved
// from @candidates so that none overlaps any of @host nor another chosen
// one. The default route is the one use ignored: it covers everything and
// any connected route is more specific. @seed picks where the search
// starts (a pid: concurrent tests spread out); it wraps around, so any
// free block is found.
RangeChoice choose_ranges(const std::vector<HostUse> &host, const std::vector<int> &lengths, std::uint32_t seed = 0,
			  const std::vector<IpPrefix> &candidates = candidate_ranges());

// choose_ranges() over read_host_uses(); a failed read is an error too.
RangeChoice choose_free_ranges(const std::vector<int> &lengths, std::uint32_t seed);

// The @n-th address of an IPv4 @net, dotted: nth(198.51.100.0/24, 7) is
// "198.51.100.7".
std::string nth_address(const IpPrefix &net, std::uint32_t n);

} // namespace bpfwatch::test
