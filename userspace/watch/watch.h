// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include "aggregator/locality.h"
#include "cli/options.h"
#include "watch/target_book.h"

namespace bpfwatch {

// --remote-net and --local-net, parsed (the CLI has checked them).
LocalityOverrides locality_overrides(const WatchOptions &options);

// Resolves what the options name (nothing: everything) and checks that the
// probes can load. Throws Error naming what it could not find or lacks.
TargetBook resolve_book(const WatchOptions &options);

// The default command: attach, stream records into the aggregator, report
// every interval and at exit. Returns the exit code; throws Error.
int run_watch(const WatchOptions &options);

} // namespace bpfwatch
