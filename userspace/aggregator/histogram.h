// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The log2 histogram of bytes per successful call. Bucket k counts values v
// with 2^(k-1) < v <= 2^k ("le" = 2^k); bucket 0 (le 1) holds 0 and 1.
#pragma once

#include <array>
#include <cstdint>

namespace bpfwatch {

class Log2Histogram {
public:
	static constexpr int kBuckets = 64;

	static int bucket_of(std::uint64_t value);
	static std::uint64_t upper_bound(int bucket) { return std::uint64_t(1) << bucket; }

	void add(std::uint64_t value, std::uint64_t count = 1)
	{
		counts_[bucket_of(value)] += count;
		sum_ += value * count;
	}
	void merge(const Log2Histogram &other);
	std::uint64_t count(int bucket) const { return counts_[bucket]; }
	std::uint64_t total() const;
	// The exact sum of the values added (Prometheus' _sum), not one
	// derived from the bucket bounds.
	std::uint64_t sum() const { return sum_; }
	// Index of the highest non-empty bucket, or -1 when empty.
	int last_used() const;

private:
	std::array<std::uint64_t, kBuckets> counts_{};
	std::uint64_t sum_ = 0;
};

} // namespace bpfwatch
