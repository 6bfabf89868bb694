// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "output/warnings.h"

#include <fmt/format.h>

namespace bpfwatch {

std::vector<Warning> report_warnings(const Report &report)
{
	std::vector<Warning> out;
	auto add = [&](const char *kind, std::uint64_t n, const char *what) {
		if (n)
			out.push_back({kind, n, fmt::format("{} {}", n, what)});
	};
	add("totals_full", report.stats.totals_full,
	    "calls not counted: kernel totals map full (watch fewer cgroups)");
	if (const auto &d = report.delivery_stats) {
		add("sockets_full", d->sockets_full, "TCP sockets not tracked: socket map full");
		add("peers_full", d->peers_full, "TCP events not counted: peer map full");
		add("errors_full", d->errors_full, "errnos not counted: error map full");
		add("egress_full", d->egress_full, "packets not counted: egress map full");
		add("stale_sockets", d->stale, "tracked TCP sockets closed unseen: their last numbers are missing");
	}
	return out;
}

} // namespace bpfwatch

namespace bpfwatch {

std::string degraded_message(const Degraded &d)
{
	return fmt::format("running without {}: not counted: {} ({})", d.program, d.not_covered, d.why);
}

} // namespace bpfwatch
