// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Streaming: one writer thread writes 64 B to /dev/null in the watched
// cgroup at target rates (paced) and flat out, and once flat out reading
// 64 B from /dev/zero after each write (the input side's records too),
// while a consumer drains the ring. Measured: records delivered and lost, the consumer's CPU per
// record, and memory (the bpfwatch binary's RSS, the kernel's map+ring).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "probe/abi.h"
#include "states.h"

namespace bench {

struct StreamRun {
	std::string consumer;   // "in-process", "bpfwatch", "bpfwatch --events"
	double target_rate = 0; // calls/s; 0 = flat out
	bool reads = false;     // a read() of /dev/zero after each write()
	double seconds = 0;     // writer's time
	std::uint64_t calls = 0;   // write() (and read()) calls made
	std::uint64_t counted = 0; // calls in the kernel's totals
	std::uint64_t records = 0; // records the consumer got (in-process) or calls - lost
	std::uint64_t lost = 0;    // records the ring had no room for
	bool saturated = false;    // the consumer used >= 90% of a core: it is the bottleneck
	std::uint64_t cpu_ns = 0;  // consumer CPU during the run (+ catch-up)
	// % of one core per 100k records/s: cpu_ns / records * 1e5 / 1e9 * 100.
	double cpu_pct_per_100k() const;
	double achieved_rate() const { return seconds > 0 ? calls / seconds : 0; }
	double records_rate() const { return seconds > 0 ? records / seconds : 0; }
	std::uint64_t rss_kib = 0, hwm_kib = 0; // the binary's VmRSS / VmHWM
};

struct StreamReport {
	std::vector<StreamRun> runs;
	std::uint64_t probe_kernel_bytes = 0;  // Probe::kernel_memory_bytes()
	std::uint64_t binary_kernel_bytes = 0; // memlock of the binary's maps
};

struct StreamOptions {
	std::vector<double> rates{50e3, 100e3, 200e3, 0};
	double seconds = 3;
};

StreamReport run_streaming(Env &env, const StreamOptions &opt);

} // namespace bench
