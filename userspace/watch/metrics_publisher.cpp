// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "watch/metrics_publisher.h"

#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

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
	// Target by target: with many containers, a report of every window
	// at once would double the model's memory for a moment each second.
	Report frame = session.report_frame(Report::Kind::Summary, elapsed_s);
	budget_.begin(frame);
	session.each_target_report(session.aggregator().since_start(),
				   [this](TargetReport &&tr) { budget_.add(tr); });
	auto snap = std::make_shared<MetricsSnapshot>();
	// The wall clock at the report's CLOCK_MONOTONIC instant.
	snap->unix_s = unix_seconds_now() - seconds_since(frame.now_ns, monotonic_ns());
	snap->view = budget_.finish();
	snap->probe_build = session.compat_probe() ? "compat" : "btf";
	if (bpf_stats_enabled().value_or(false))
		snap->program_costs = session.program_costs();
	server_.publish(std::move(snap));
#ifdef __GLIBC__
	// The previous snapshot and the target reports just freed are
	// megabytes with many containers; hand the pages back (under 1 ms).
	malloc_trim(0);
#endif
}

} // namespace bpfwatch
