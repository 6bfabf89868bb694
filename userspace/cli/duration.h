// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <chrono>
#include <string>

namespace bpfwatch {

// "500ms", "5s", "5" (seconds), "1.5s", "2m", "1h" -> milliseconds.
// Throws Error naming the text it could not read.
std::chrono::milliseconds parse_duration(const std::string &text);

} // namespace bpfwatch
