// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// CLOCK_MONOTONIC in nanoseconds: the clock of bpf_ktime_get_ns(), so times
// from the kernel (last ACK, record timestamps) compare with ours.
#pragma once

#include <time.h>

#include <cstdint>

namespace bpfwatch {

inline std::uint64_t monotonic_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

// Seconds from then_ns to now_ns (0 when then is later); nothing when
// either is unknown (0).
inline double seconds_since(std::uint64_t then_ns, std::uint64_t now_ns)
{
	return then_ns >= now_ns ? 0.0 : static_cast<double>(now_ns - then_ns) / 1e9;
}

} // namespace bpfwatch
