// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include "cli/options.h"

namespace bpfwatch {

// The default command: attach, stream records into the aggregator, report
// every interval and at exit. Returns the exit code; throws Error.
int run_watch(const WatchOptions &options);

} // namespace bpfwatch
