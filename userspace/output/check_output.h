// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// `bpfwatch check`'s verdict as people and programs read it: one reason
// line, or one JSON object.
#pragma once

#include <ostream>
#include <string>

#include "aggregator/report.h"
#include "aggregator/verdict.h"

namespace bpfwatch {

// "OK: 48.2 KiB to tcp 198.51.100.7:514, 48.2 KiB acknowledged",
// "FAIL: sent 800 B to ..., 0 B acknowledged, 3 retransmits: the peer does not answer"
std::string check_reason(const CheckResult &result);

void print_check_json(std::ostream &out, const CheckResult &result, const TargetReport &target, double window_s);
// A script that reads check's JSON gets a verdict even when the check
// could not run; the one-line error goes to stderr as always.
void print_check_error_json(std::ostream &out, const std::string &message);

} // namespace bpfwatch
