// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/flow.h"

#include <tuple>

#include "aggregator/ranking.h"

namespace bpfwatch {
namespace {

void set_top_errno(FlowSide &side, const std::map<int, std::uint64_t> &errnos)
{
	auto ranked = ranked_errnos(errnos);
	if (ranked.empty())
		return;
	side.top_errno = ranked.front().first;
	side.top_errno_calls = ranked.front().second;
}

// The fd kind that moved the most bytes (then calls, then errors).
template <class C>
std::optional<FdKind> busiest_kind(const std::array<C, kFdKinds> &by_kind)
{
	std::optional<FdKind> best;
	for (FdKind k : kAllFdKinds) {
		const C &c = by_kind[index_of(k)];
		if (!c.any())
			continue;
		if (!best)
			best = k;
		const C &b = by_kind[index_of(*best)];
		if (std::tie(c.bytes, c.calls, c.errors) > std::tie(b.bytes, b.calls, b.errors))
			best = k;
	}
	return best;
}

} // namespace

Flow flow_of(const Window &w)
{
	Flow f;
	// Sockets first: a router's flow is the stream it reads and the peer
	// it sends to, whatever it logs or reads from files besides.
	auto sources = ranked_sources(w.input);
	if (!sources.empty()) {
		const InputCounts &sock = w.input.kind(FdKind::socket);
		f.in.bytes = sock.bytes;
		f.in.eof = sock.eof;
		f.in.peer = *sources.front().first;
		set_top_errno(f.in, sources.front().second->errnos);
	} else if ((f.in.kind = busiest_kind(w.input.by_kind))) {
		f.in.bytes = w.input.kind(*f.in.kind).bytes;
		f.in.eof = w.input.kind(*f.in.kind).eof;
	}
	if (!f.in.top_errno_calls)
		set_top_errno(f.in, w.input.errnos);

	auto dests = ranked_destinations(w);
	if (!dests.empty()) {
		f.out.bytes = w.kind(FdKind::socket).bytes;
		f.out.peer = *dests.front().first;
		set_top_errno(f.out, dests.front().second->errnos);
	} else if ((f.out.kind = busiest_kind(w.by_kind))) {
		f.out.bytes = w.kind(*f.out.kind).bytes;
	}
	if (!f.out.top_errno_calls)
		set_top_errno(f.out, w.errnos);
	return f;
}

} // namespace bpfwatch
