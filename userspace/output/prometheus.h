// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The Prometheus text exposition format (0.0.4) of a MetricsView: every
// family of deploy/metrics.md with its HELP and TYPE on every scrape,
// label values escaped. It formats; the view decided what is in it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aggregator/metrics_view.h"
#include "probe/program_costs.h"

namespace bpfwatch {

inline constexpr const char *kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// What one publish of the watch loop fixes.
struct MetricsSnapshot {
	MetricsView view;
	// Wall-clock seconds at view.now_ns: the model keeps CLOCK_MONOTONIC
	// times, a gauge of "when" must be unix time.
	double unix_s = 0;
	std::string probe_build; // "btf" or "compat"
	// Only while kernel.bpf_stats_enabled is 1.
	std::optional<std::vector<ProgramCost>> program_costs;
};

// What is read when the scrape comes.
struct ScrapeFacts {
	bool up = false; // probes attached and the loop ticking
	double cpu_seconds = 0;
	std::optional<std::uint64_t> resident_bytes;
};

// Gets the text piece by piece; false stops the rendering (the client is
// gone).
using MetricsSink = std::function<bool(std::string_view)>;

// No snapshot yet (the probes are loading): every family, no series
// except bpfwatch's own.
void render_prometheus(const MetricsSnapshot *snapshot, const ScrapeFacts &facts, const MetricsSink &sink);
std::string render_prometheus(const MetricsSnapshot *snapshot, const ScrapeFacts &facts);

// A label value as the format wants it: \\, \" and \n escaped.
std::string escape_label_value(std::string_view value);

} // namespace bpfwatch
