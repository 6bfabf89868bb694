// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// /proc/net/route, as the kernel prints it: a table bpfwatch places
// peers with, so an unreadable one is an Error, never "no routes".
#include "fuzz.h"
#include "net/host_network.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	using namespace bpfwatch;
	fuzz::rejecting([&] {
		for (const Route &r : parse_ipv4_routes(fuzz::text_of(data, size))) {
			fuzz::require(r.dst.len <= 32, "a prefix fits its family");
			fuzz::require(r.dst.contains(r.dst.addr), "a route's prefix contains its own address");
			(void)r.dst.to_string();
		}
	});
	return 0;
}
