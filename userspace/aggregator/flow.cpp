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
	InputCounts in = w.input.total();
	f.in.bytes = in.bytes;
	f.in.eof = in.eof;
	auto sources = ranked_sources(w.input);
	if (!sources.empty()) {
		f.in.peer = *sources.front().first;
		set_top_errno(f.in, sources.front().second->errnos);
	} else {
		f.in.kind = busiest_kind(w.input.by_kind);
	}
	if (!f.in.top_errno_calls)
		set_top_errno(f.in, w.input.errnos);

	f.out.bytes = w.total().bytes;
	auto dests = ranked_destinations(w);
	if (!dests.empty()) {
		f.out.peer = *dests.front().first;
		set_top_errno(f.out, dests.front().second->errnos);
	} else {
		f.out.kind = busiest_kind(w.by_kind);
	}
	if (!f.out.top_errno_calls)
		set_top_errno(f.out, w.errnos);
	return f;
}

} // namespace bpfwatch
