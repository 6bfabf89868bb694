// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The runtime's /events stream (Docker, Podman's compatible API): bytes in
// whatever chunks the socket delivers. The first input byte chooses the
// chunk size; the events must not depend on it.
#include <algorithm>

#include "fuzz.h"
#include "targets/runtime_events.h"

namespace {

bool same(const std::vector<bpfwatch::ContainerEvent> &a, const std::vector<bpfwatch::ContainerEvent> &b)
{
	return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto &x, const auto &y) {
		return x.action == y.action && x.id == y.id && x.name == y.name;
	});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	using namespace bpfwatch;
	if (size == 0)
		return 0;
	std::size_t chunk = std::size_t(data[0]) + 1;
	std::string_view stream = fuzz::text_of(data + 1, size - 1);

	EventStreamParser whole, chunked;
	std::vector<ContainerEvent> at_once = whole.feed(stream), in_chunks;
	for (std::size_t off = 0; off < stream.size(); off += chunk)
		for (ContainerEvent &e : chunked.feed(stream.substr(off, chunk)))
			in_chunks.push_back(std::move(e));
	fuzz::require(same(at_once, in_chunks), "the events do not depend on how the stream is cut");
	for (const ContainerEvent &e : at_once)
		fuzz::require(!e.action.empty() && !e.id.empty(), "an event has an action and an id");
	return 0;
}
