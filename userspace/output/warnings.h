// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Kernel-side losses worth a warning: a bounded map that was full. Both
// outputs print the same list, each in its own form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aggregator/report.h"

namespace bpfwatch {

struct Warning {
	std::string kind;   // "totals_full", "sockets_full", ...
	std::uint64_t count = 0;
	std::string message;
};

std::vector<Warning> report_warnings(const Report &report);

// One line for a program bpfwatch runs without: what is not counted, why.
std::string degraded_message(const Degraded &d);

} // namespace bpfwatch
