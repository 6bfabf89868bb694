// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

namespace bpfwatch {

// Route libbpf's own messages (verifier log, attach errors) into spdlog:
// warnings always, debug output with -v.
void route_libbpf_log_to_spdlog();

} // namespace bpfwatch
