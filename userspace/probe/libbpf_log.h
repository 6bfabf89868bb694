// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

namespace bpfwatch {

// Route libbpf's own messages into spdlog: its warnings (a verifier log,
// an attach error) with -v, its debug output with -vv. A failure itself
// reaches the user as one line from main(), with a hint to rerun with -v.
void route_libbpf_log_to_spdlog();

} // namespace bpfwatch
