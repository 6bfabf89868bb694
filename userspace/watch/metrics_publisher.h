// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The watch loop's side of --metrics: once a second, the session's numbers
// since the start, target by target through the model's sticky series
// budget, handed to the server as an immutable snapshot.
#pragma once

#include "aggregator/metrics_view.h"
#include "serve/metrics_server.h"
#include "session/session.h"

namespace bpfwatch {

class MetricsPublisher {
public:
	MetricsPublisher(MetricsServer &server, MetricsLimits limits) : server_(server), budget_(limits) {}

	// After a sync: the summary since the start, as the next scrapes see it.
	void publish(Session &session, double elapsed_s);

private:
	MetricsServer &server_;
	MetricsBudget budget_;
};

} // namespace bpfwatch
