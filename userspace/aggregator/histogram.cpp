// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "aggregator/histogram.h"

#include <bit>

namespace bpfwatch {

int Log2Histogram::bucket_of(std::uint64_t value)
{
	if (value <= 1)
		return 0;
	// Smallest k with value <= 2^k. Values above 2^63 share the top bucket.
	int k = std::bit_width(value - 1);
	return k < kBuckets ? k : kBuckets - 1;
}

void Log2Histogram::merge(const Log2Histogram &other)
{
	for (int i = 0; i < kBuckets; i++)
		counts_[i] += other.counts_[i];
	sum_ += other.sum_;
}

std::uint64_t Log2Histogram::total() const
{
	std::uint64_t sum = 0;
	for (std::uint64_t c : counts_)
		sum += c;
	return sum;
}

int Log2Histogram::last_used() const
{
	for (int i = kBuckets - 1; i >= 0; i--)
		if (counts_[i])
			return i;
	return -1;
}

} // namespace bpfwatch
