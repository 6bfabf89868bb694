// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/histogram_text.h"

#include <algorithm>

#include <fmt/format.h>

namespace bpfwatch {
namespace {

// bpftrace's label column; the longest label, "(256P, 512P]", is 12.
constexpr std::size_t kLabelWidth = 16;
constexpr std::size_t kMinCountWidth = 8;

// 2^exp with the largest power-of-1024 suffix that divides it.
std::string power_of_two(int exp)
{
	static constexpr char suffixes[] = {'\0', 'K', 'M', 'G', 'T', 'P', 'E'};
	int unit = exp / 10;
	std::uint64_t mantissa = std::uint64_t(1) << (exp - unit * 10);
	if (unit == 0)
		return fmt::format("{}", mantissa);
	return fmt::format("{}{}", mantissa, suffixes[unit]);
}

} // namespace

std::string bucket_label(int bucket)
{
	if (bucket <= 0)
		return "[0, 1]";
	return fmt::format("({}, {}]", power_of_two(bucket - 1), power_of_two(bucket));
}

std::string histogram_text(const Log2Histogram &hist, std::string_view indent, std::size_t width,
			   std::string_view title)
{
	int last = hist.last_used();
	if (last < 0)
		return "";
	int first = 0;
	while (hist.count(first) == 0)
		first++;

	std::uint64_t max = 0;
	for (int k = first; k <= last; k++)
		max = std::max(max, hist.count(k));
	// Counts past eight digits widen their column and shorten the bars
	// rather than push the line past `width`.
	std::size_t count_width = std::max(kMinCountWidth, fmt::formatted_size("{}", max));
	std::size_t fixed = indent.size() + kLabelWidth + count_width + 3; // " |" and "|"
	std::size_t bar_width = width > fixed ? width - fixed : 0;

	std::string out = fmt::format("{}{}:\n", indent, title);
	for (int k = first; k <= last; k++) {
		std::uint64_t c = hist.count(k);
		// 128-bit product: counts near 2^64 must not wrap.
		auto bar = static_cast<std::size_t>(static_cast<unsigned __int128>(c) * bar_width / max);
		out += fmt::format("{}{:<{}}{:>{}} |{:<{}}|\n", indent, bucket_label(k), kLabelWidth, c,
				   count_width, std::string(bar, '@'), bar_width);
	}
	return out;
}

} // namespace bpfwatch
