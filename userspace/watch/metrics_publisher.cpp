// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "watch/metrics_publisher.h"

#include <time.h>

#include <memory>

#include "probe/program_costs.h"
#include "util/clock.h"

namespace bpfwatch {
namespace {

double unix_seconds_now()
{
	timespec ts{};
	clock_gettime(CLOCK_REALTIME, &ts);
	return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

} // namespace

void MetricsPublisher::publish(Session &session, double elapsed_s)
{
	Report report =
		session.make_report(Report::Kind::Summary, elapsed_s, session.aggregator().since_start());
	auto snap = std::make_shared<MetricsSnapshot>();
	snap->view = budget_.view(report);
	// The wall clock at the report's CLOCK_MONOTONIC instant.
	snap->unix_s = unix_seconds_now() - seconds_since(report.now_ns, monotonic_ns());
	snap->probe_build = session.compat_probe() ? "compat" : "btf";
	if (bpf_stats_enabled().value_or(false))
		snap->program_costs = session.program_costs();
	server_.publish(std::move(snap));
}

} // namespace bpfwatch
