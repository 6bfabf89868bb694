// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include "cli/options.h"

namespace bpfwatch {

// `bpfwatch check`: watch one target for the window, print the verdict and
// return its exit code (0 delivered, 1 not delivered or silent). Throws
// Error (exit 2).
int run_check(const CheckOptions &options);

} // namespace bpfwatch
