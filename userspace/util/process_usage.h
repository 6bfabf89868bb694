// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// This process's own cost: CPU time (getrusage) and resident memory
// (/proc/self/statm), as an exporter reports them about itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace bpfwatch {

// User + system CPU seconds of every thread of this process.
double process_cpu_seconds();
// Resident set size in bytes; nothing when statm cannot be read.
std::optional<std::uint64_t> process_resident_bytes(const std::string &statm = "/proc/self/statm");

} // namespace bpfwatch
