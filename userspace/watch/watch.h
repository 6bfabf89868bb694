// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The default command: watch containers and report what they wrote and
// sent, every interval and at the end.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

#include "aggregator/metrics_view.h"
#include "net/locality.h"
#include "session/resolve.h"
#include "serve/listen_address.h"
#include "targets/resolver.h"

namespace bpfwatch {

struct WatchOptions {
	ResolveOptions targets; // nothing named: every container
	LocalityOverrides places; // --remote-net, --local-net
	std::optional<std::chrono::milliseconds> duration; // unset: until a signal
	std::chrono::milliseconds interval{5000};          // 0: summary only
	// Alert when nothing gets through this long while writes go on.
	std::optional<std::chrono::milliseconds> alert_silence;
	bool json = false;
	bool headless = false; // --output none: nothing printed (with --metrics)
	// The full-screen live view (output/live_view.h): never (--output
	// table, json), always (--output live), or when stdout and stdin are a
	// terminal (no --output given).
	enum class Live { never, always, on_terminal };
	Live live = Live::never;
	bool events = false;
	bool histogram = false;
	bool histogram_cumulative = false; // --histogram cumulative: sizes since the start
	bool delivery = true; // acknowledgements, failures, left-the-host counts
	bool input = true;    // the input side: reads and receives (--no-input)
	std::size_t top = 5;
	// Follow named containers across restarts and re-creation (--no-follow:
	// a target that exits is reported and dropped).
	bool follow = true;
	// A removed container is gone for good after this long without one
	// re-created under its name.
	std::chrono::milliseconds gone_after{60000};
	Waiting wait; // --wait
	// --metrics: serve /metrics and /healthz there, series within limits.
	std::optional<ListenAddress> metrics;
	MetricsLimits metrics_limits;
};

// Attach, stream records into the aggregator, report every interval and
// at exit. Returns the exit code; throws Error.
int run_watch(const WatchOptions &options);

} // namespace bpfwatch
