// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A Log2Histogram drawn the way bpftrace's hist() and libbpf-tools'
// print_log2_hist() draw one, so it reads familiar next to them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "aggregator/histogram.h"

namespace bpfwatch {

// Bucket k's range: "[0, 1]" for bucket 0, then "(1, 2]", "(2, 4]", ...,
// "(512, 1K]", "(1K, 2K]", with K/M/G/T/P/E for powers of 1024.
std::string bucket_label(int bucket);

// The header "<title>:" and one row per bucket from the first to the last
// non-empty one: label, count, and a bar of '@' scaled to the largest
// count. Every line starts with `indent` and is at most `width` columns.
// Empty string for an empty histogram.
std::string histogram_text(const Log2Histogram &hist, std::string_view indent = "", std::size_t width = 80,
			   std::string_view title = "bytes per call (log2)");

} // namespace bpfwatch
