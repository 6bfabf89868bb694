// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// A container's flow (aggregator/flow.h) as one line:
// "in 40.0 KiB from /var/run/docker.sock, out 0 B to 198.51.100.7:514 (37 × ECONNREFUSED)".
#pragma once

#include <string>

#include "aggregator/flow.h"

namespace bpfwatch {

std::string flow_text(const Flow &flow);

} // namespace bpfwatch
