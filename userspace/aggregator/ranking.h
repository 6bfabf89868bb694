// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The order in which a window's maps are shown: biggest first, so the top
// rows of a table (or the first elements of a JSON array) matter most.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "aggregator/window.h"

namespace bpfwatch {

using DestinationRow = std::pair<const Endpoint *, const DestinationStats *>;

// By bytes, then calls, then errors, all descending; ties in address order.
std::vector<DestinationRow> ranked_destinations(const Window &window);
// The input side's sources the same way: bytes, then calls, then errors.
using SourceRow = std::pair<const Endpoint *, const SourceStats *>;
std::vector<SourceRow> ranked_sources(const InputWindow &input);
// (errno, calls) by calls descending; ties by errno name.
std::vector<std::pair<int, std::uint64_t>> ranked_errnos(const std::map<int, std::uint64_t> &errnos);

} // namespace bpfwatch
