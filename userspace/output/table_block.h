// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// One target's block in the table output: who it is, what it wrote per
// kind, where its sockets sent, how calls failed, and how complete that is.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "aggregator/report.h"
#include "output/output.h"

namespace bpfwatch {

// Every table line fits a classic 80-column terminal with a column to
// spare: a line of exactly 80 makes many terminals wrap, or leave the
// cursor hanging past the margin, and pasted into a mail it is cut.
inline constexpr std::size_t kTableWidth = 79;

// The block's lines, without newlines, each at most kTableWidth columns.
// The header names the interval length for interval reports only (a
// summary has one heading for all its targets), and says SILENT while
// --alert-silence holds the target silent.
std::vector<std::string> table_block(const TargetReport &target, const Report &report,
				     const OutputOptions &options);

} // namespace bpfwatch
