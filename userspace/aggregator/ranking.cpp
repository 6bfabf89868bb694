// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/ranking.h"

#include <algorithm>
#include <tuple>

#include "util/errno_name.h"

namespace bpfwatch {

std::vector<DestinationRow> ranked_destinations(const Window &window)
{
	std::vector<DestinationRow> rows;
	rows.reserve(window.destinations.size());
	for (const auto &[dest, stats] : window.destinations)
		rows.emplace_back(&dest, &stats);
	// Stable over the map's address order, so equal rows keep that order.
	std::stable_sort(rows.begin(), rows.end(), [](const DestinationRow &a, const DestinationRow &b) {
		const Counts &x = a.second->counts, &y = b.second->counts;
		return std::tie(x.bytes, x.calls, x.errors) > std::tie(y.bytes, y.calls, y.errors);
	});
	return rows;
}

std::vector<SourceRow> ranked_sources(const InputWindow &input)
{
	std::vector<SourceRow> rows;
	rows.reserve(input.sources.size());
	for (const auto &[src, stats] : input.sources)
		rows.emplace_back(&src, &stats);
	std::stable_sort(rows.begin(), rows.end(), [](const SourceRow &a, const SourceRow &b) {
		const InputCounts &x = a.second->counts, &y = b.second->counts;
		return std::tie(x.bytes, x.calls, x.errors, x.eof) > std::tie(y.bytes, y.calls, y.errors, y.eof);
	});
	return rows;
}

std::vector<std::pair<int, std::uint64_t>> ranked_errnos(const std::map<int, std::uint64_t> &errnos)
{
	std::vector<std::pair<int, std::uint64_t>> rows(errnos.begin(), errnos.end());
	std::stable_sort(rows.begin(), rows.end(), [](const auto &a, const auto &b) {
		if (a.second != b.second)
			return a.second > b.second;
		return errno_name(a.first) < errno_name(b.first);
	});
	return rows;
}

} // namespace bpfwatch
